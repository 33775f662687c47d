"""Ingestion time of PDF and DOCX files: per PDF page and per DOCX file (issue 13).

Generates a 50-page PDF (fpdf2: header, footer, page numbers, wrapped paragraphs) and 20 DOCX files
(python-docx: title, 12 paragraphs, a table) in a temporary folder, then times what ``qa index``
does to each before embedding: read the file and build its text (pypdf / python-docx), then clean
and split it into passages and sentences. Embedding is the same for every format and is measured
by bench.ingest. Writes the ``ingest_formats`` section of bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import table, write_section
from qa.ingest.corpus import document_from
from qa.ingest.readers import read_data

WORDS = ("station winter engineers generator supply helicopter research team counted reindeer valley "
         "spring ice cores glacier volcanic ash eruption funding council climate records sensors ridge "
         "temperature storm road closed weeks season plans install automatic weather measured the a of "
         "and in on for with by from to was were has have that which their its long-term").split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))


def make_pdf(pages: int, rng: random.Random) -> bytes:
    from fpdf import FPDF

    class Report(FPDF):
        def header(self):
            self.set_font("Helvetica", size=9)
            self.cell(0, 8, "Annual Field Report - Northern Station", align="C", new_x="LMARGIN", new_y="NEXT")

        def footer(self):
            self.set_y(-15)
            self.set_font("Helvetica", size=9)
            self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = Report()
    pdf.alias_nb_pages()
    pdf.set_font("Helvetica", size=11)
    while pdf.pages_count < pages or pdf.get_y() < 200:  # fill the last page too
        if pdf.pages_count == 0:
            pdf.add_page()
        pdf.multi_cell(0, 6, paragraph(rng), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        if pdf.pages_count > pages:
            break
    return bytes(pdf.output())


def make_docx(rng: random.Random) -> bytes:
    import io

    import docx

    doc = docx.Document()
    doc.add_paragraph(" ".join(rng.choice(WORDS) for _ in range(5)).title(), style="Title")
    for _ in range(12):
        doc.add_paragraph(paragraph(rng))
    t = doc.add_table(rows=4, cols=3)
    for r in range(4):
        for c in range(3):
            t.cell(r, c).text = rng.choice(WORDS)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def ingest(data: bytes, name: str, suffix: str):
    t0 = time.perf_counter()
    raw = read_data(data, name, suffix)
    t1 = time.perf_counter()
    doc = document_from(raw, name)
    return doc, t1 - t0, time.perf_counter() - t1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ingest_formats", description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=50)
    ap.add_argument("--docx", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    rng = random.Random(13)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = make_pdf(args.pages, rng)
        Path(tmp, "report.pdf").write_bytes(pdf)
        docs = [make_docx(rng) for _ in range(args.docx)]
    ingest(pdf, "report.pdf", ".pdf")  # imports and caches warmed
    runs = [ingest(pdf, "report.pdf", ".pdf") for _ in range(args.repeat)]
    doc = runs[0][0]
    pages = max(b.page for b in doc.blocks)
    pdf_read = statistics.median(r[1] for r in runs)
    pdf_split = statistics.median(r[2] for r in runs)
    docx_runs = [ingest(d, f"doc{i}.docx", ".docx") for i, d in enumerate(docs) for _ in range(args.repeat)]
    docx_read = statistics.median(r[1] for r in docx_runs)
    docx_split = statistics.median(r[2] for r in docx_runs)
    furniture = sum(t in doc.text for t in ("Annual Field Report", "Page 1 of"))
    rows = [
        [f"PDF, {pages} pages, {len(pdf) / 1e3:.0f} kB, {len(doc.passages)} passages",
         f"{pdf_read / pages * 1000:.1f}", f"{pdf_split / pages * 1000:.1f}",
         f"**{(pdf_read + pdf_split) / pages * 1000:.1f} ms per page**"],
        [f"DOCX, {args.docx} files of 12 paragraphs + a table, {statistics.median(map(len, docs)) / 1e3:.0f} kB each",
         f"{docx_read * 1000:.1f}", f"{docx_split * 1000:.1f}", f"**{(docx_read + docx_split) * 1000:.1f} ms per file**"],
    ]
    body = (table(["file", "read + build text (ms)", "clean + split (ms)", "ingestion"], rows)
            + f"\n\nMedian of {args.repeat} runs per file (PDF time divided by its pages); before embedding, which "
            f"bench.ingest measures for every format alike. Running header and page numbers left in the PDF's "
            f"text: {furniture} of 2 (goal 0).")
    write_section("ingest_formats", "Ingestion time of PDF and DOCX files", body,
                  f"python -m bench.ingest_formats --pages {args.pages} --docx {args.docx}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
