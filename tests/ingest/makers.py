"""Real PDF, DOCX and web files made inside the tests (fpdf2, python-docx, http.server), with text
known in advance, so readers are tested on what a user's files hold, not on fixtures of unknown
origin."""
from __future__ import annotations

import contextlib
import http.server
import io
import threading
from pathlib import Path

HEADER = "Northern Station Report - Confidential"

#: The 3-page report: per page, paragraphs, each a list of the lines printed (line breaks as given).
REPORT = [
    [["The northern station recorded the coldest winter in forty years, with tempera-",
      "tures below minus thirty degrees on eleven consecutive nights."],
     ["Engineers replaced the generator in January after the old unit failed during a",
      "storm. The long-",
      "term plan is to keep a spare generator at the station."]],
    [["The research team counted 412 reindeer crossing the valley in March, twice the",
      "number seen the previous spring."],
     ["Ice cores drilled at the glacier's edge show layers of volcanic ash from an",
      "eruption in 1912."],
     ["The supply helicopter landed on the frozen lake because the"]],
    [["runway was buried under two metres of snow."],
     ["Funding for the station was renewed until 2030, which secures its long-term",
      "climate records."]],
]

#: The document text the reader must build from REPORT: headers, footers and page numbers out,
#: "tempera-" + "tures" joined, "long-" + "term" keeping its hyphen (the report also writes
#: "long-term" inside a line), the helicopter paragraph running on from page 2 to page 3.
REPORT_TEXT = (
    "The northern station recorded the coldest winter in forty years, with temperatures below minus thirty "
    "degrees on eleven consecutive nights.\n\n"
    "Engineers replaced the generator in January after the old unit failed during a storm. The long-term plan "
    "is to keep a spare generator at the station.\n\n"
    "The research team counted 412 reindeer crossing the valley in March, twice the number seen the previous "
    "spring.\n\n"
    "Ice cores drilled at the glacier's edge show layers of volcanic ash from an eruption in 1912.\n\n"
    "The supply helicopter landed on the frozen lake because the runway was buried under two metres of snow.\n\n"
    "Funding for the station was renewed until 2030, which secures its long-term climate records."
)
#: The page each paragraph of REPORT_TEXT starts on.
REPORT_PAGES = [1, 1, 2, 2, 2, 3]


def pdf_bytes(pages: list[list[list[str]]], header: str | None = HEADER, footer: bool = True,
              title: str | None = None) -> bytes:
    """A PDF with one page per item of ``pages`` (paragraphs of lines, printed as given, a gap
    between paragraphs), a running header and "Page N of M" footer on every page."""
    from fpdf import FPDF

    class Report(FPDF):
        def header(self):
            if header:
                self.set_font("Helvetica", size=9)
                self.cell(0, 8, header, align="C", new_x="LMARGIN", new_y="NEXT")
                self.ln(6)

        def footer(self):
            if footer:
                self.set_y(-15)
                self.set_font("Helvetica", size=9)
                self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = Report()
    if title:
        pdf.set_title(title)
    pdf.alias_nb_pages()
    for paragraphs in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for lines in paragraphs:
            for line in lines:
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(5)
    return bytes(pdf.output())


def scanned_pdf_bytes() -> bytes:
    """A PDF whose only page is an image: no text layer, as a scan without OCR."""
    from fpdf import FPDF
    from PIL import Image

    img = Image.new("RGB", (200, 100), "white")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(buf, x=10, y=10, w=100)
    return bytes(pdf.output())


def encrypted_pdf_bytes(password: str = "secret") -> bytes:
    """The report, encrypted with a user password (RC4, which pypdf opens without extra packages)."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes(REPORT))))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


DOCX_PARAGRAPHS = [
    ("Title", "Harbour Renovation Plan"),
    (None, "The harbour authority approved a plan to rebuild the northern pier by 2027."),
    ("Heading 1", "Budget"),
    (None, "The works will cost 14 million euros, shared between the city and the port."),
    (None, ""),
    (None, "Fishermen asked that the fish market stay open during the works."),
]


def docx_bytes(paragraphs=DOCX_PARAGRAPHS, table: list[list[str]] | None = None, header: str | None = None) -> bytes:
    """A .docx with the given (style, text) paragraphs, an optional table and page header."""
    import docx

    doc = docx.Document()
    doc.core_properties.title = ""
    for style, text in paragraphs:
        doc.add_paragraph(text, style=style) if style else doc.add_paragraph(text)
    if table:
        t = doc.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    if header:
        doc.sections[0].header.paragraphs[0].text = header
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder: Path):
    """A web server on 127.0.0.1 (a free port) serving ``folder``, in a thread; yields its base URL."""
    handler = lambda *a, **kw: _Quiet(*a, directory=str(folder), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


ARTICLE_HTML = """<!doctype html><html><head><title>Lighthouse keepers return to Skerry Island</title></head>
<body><nav>Home | News | Sign up</nav><article><h1>Lighthouse keepers return to Skerry Island</h1>
<p>For the first time in fifty years, two keepers will live at the Skerry Island lighthouse this winter,
the maritime museum announced on Monday.</p>
<p>The museum restored the keepers' cottage with donations from 3,000 visitors and will open it to school
groups in the spring.</p></article><footer>Cookie settings</footer></body></html>"""
