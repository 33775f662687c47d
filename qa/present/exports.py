"""The corpus overview as CSV tables, and the download bundle the app offers (Markdown + zip).

Every cell is a verbatim span of a document, an offset, a number or a fixed label.
"""
from __future__ import annotations

import csv
import os
import zipfile
from pathlib import Path

from .markdown import overview_markdown

ALIGNMENT_COLUMNS = ["doc_id", "label", "paragraph", "start", "end", "text", "other_doc_id", "other_label",
                     "other_paragraph", "other_start", "other_end", "other_text", "score", "relative", "bar",
                     "shared", "mutual", "status", "pair_status", "shared_sentences"]
TOPIC_COLUMNS = ["topic", "topic_label", "words", "coverage", "doc_id", "label", "paragraph", "start", "end", "text",
                 "share", "position", "representative_doc_id", "representative_start", "representative_end",
                 "representative_sentence"]
LEDGER_COLUMNS = ["doc_id", "label", "source", "kind", "paragraph", "via", "cue", "name_start", "name_end",
                  "name_text", "sentence_start", "sentence_end", "sentence", "quote_start", "quote_end", "quote"]


def csv_tables(ov) -> dict[str, list[dict]]:
    """Rows of the three CSV tables: alignment (one row per paragraph and other document),
    topics (one row per paragraph), ledger (one row per quotation, or per mention without one)."""
    labels = {d.doc_id: d.label for d in ov.documents}
    al = []
    for row in ov.alignment.paragraphs:
        p = row.passage
        for c in row.counterparts:
            q = c.passage
            al.append({"doc_id": p.doc_id, "label": labels[p.doc_id], "paragraph": p.paragraph, "start": p.start,
                       "end": p.end, "text": p.text, "other_doc_id": q.doc_id, "other_label": labels[q.doc_id],
                       "other_paragraph": q.paragraph, "other_start": q.start, "other_end": q.end,
                       "other_text": q.text, "score": round(c.score, 4), "relative": round(c.relative, 4),
                       "bar": round(ov.alignment.bar(p.doc_id, q.doc_id).bar, 4), "shared": c.shared,
                       "mutual": c.mutual, "status": row.status, "pair_status": c.status,
                       "shared_sentences": len(c.shared_sentences)})
    spans = {(r.passage.doc_id, r.passage.paragraph): r.passage for r in ov.alignment.paragraphs}
    tp = []
    for t in ov.topics.topics:
        s = t.sentence
        for x in t.documents:
            for par in x.paragraphs:
                p = spans[(x.doc_id, par)]
                tp.append({"topic": t.topic_id, "topic_label": t.label, "words": " ".join(t.words),
                           "coverage": t.coverage,
                           "doc_id": x.doc_id, "label": labels[x.doc_id], "paragraph": par, "start": p.start,
                           "end": p.end, "text": p.text, "share": round(x.share, 4), "position": x.position,
                           "representative_doc_id": s.doc_id, "representative_start": s.start,
                           "representative_end": s.end, "representative_sentence": s.text})
    lg = []
    for src in ov.ledger.sources:
        for m in src.mentions:
            base = {"doc_id": src.doc_id, "label": labels[src.doc_id], "source": src.name, "kind": src.kind,
                    "paragraph": m.paragraph, "via": m.via, "cue": m.cue, "name_start": m.name.start,
                    "name_end": m.name.end, "name_text": m.name.text, "sentence_start": m.sentence.start,
                    "sentence_end": m.sentence.end, "sentence": m.sentence.text}
            for q in m.quotes or [None]:
                lg.append({**base, "quote_start": q.start if q else "", "quote_end": q.end if q else "",
                           "quote": q.text if q else ""})
    return {"alignment": al, "topics": tp, "ledger": lg}


def write_csv(ov, folder: Path) -> list[Path]:
    """alignment.csv, topics.csv and ledger.csv in ``folder`` (UTF-8, RFC 4180 quoting)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = csv_tables(ov)
    columns = {"alignment": ALIGNMENT_COLUMNS, "topics": TOPIC_COLUMNS, "ledger": LEDGER_COLUMNS}
    out = []
    for name, rows in tables.items():
        path = folder / f"{name}.csv"
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=columns[name])
            w.writeheader()
            w.writerows(rows)
        out.append(path)
    return out


def overview_bundle(ov, folder: Path) -> tuple[Path, Path]:
    """``overview.md`` and ``overview-csv.zip`` (alignment.csv, topics.csv, ledger.csv) in
    ``folder``, written once: the zip appears last and whole, so an existing one is complete."""
    folder = Path(folder)
    md, zpath = folder / "overview.md", folder / "overview-csv.zip"
    if not zpath.exists():
        folder.mkdir(parents=True, exist_ok=True)
        md.write_text(overview_markdown(ov), encoding="utf-8")
        tables = write_csv(ov, folder / "csv")
        tmp = folder / "overview-csv.zip.tmp"
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for path in tables:
                z.write(path, path.name)
        os.replace(tmp, zpath)
    return md, zpath
