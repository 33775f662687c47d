"""Hostile documents of issue 19, and `qa index` over a folder holding them (the headline check).

Makers (also used by tests/ingest, tests/index and tests/fuzz, at small sizes):

- ``shared_stream_pdf``: pages that all draw one huge content stream of tiny text operators;
  at 2,000 pages and a 60 MB stream the file is about 500 KB and pypdf parses the 60 MB again
  for every page (~12 s a page before the budgets: hours for the file);
- ``expanding_docx``: a DOCX of one repeated short paragraph that unpacks to tens of MB of XML
  (42.6 M characters at the default size, about 450 KB on disk);
- ``zip_bomb_docx``: a DOCX whose document.xml declares a small size but inflates far beyond it
  (zipfile itself would inflate all of it before noticing);
- ``many_passages_txt``: a text file of short distinct paragraphs (one passage each).

``python -m bench.hostile`` writes the 497 KB-class PDF and 448 KB-class DOCX beside a copy of
corpus/*.txt in a temporary folder and runs ``python -m qa index`` then ``qa ask`` there under
``/usr/bin/time -v`` (wall time and peak RSS, children included), printing both.
"""
from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: One tiny text-drawing operator: what pypdf must tokenize millions of times per page.
TEXT_OP = b"BT /F1 1 Tf 0 0 Td (a) Tj ET\n"


def shared_stream_pdf(pages: int = 2000, stream_bytes: int = 60_000_000, op: bytes = TEXT_OP) -> bytes:
    """A PDF of ``pages`` pages whose /Contents are all the same Flate stream of ``stream_bytes``
    bytes of ``op`` repeated (written by hand: every page object is a few dozen bytes)."""
    content = op * max(1, stream_bytes // len(op))
    packed = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
        + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream",
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    objects += [page] * pages
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _docx_parts() -> dict[str, bytes]:
    """The parts of a minimal valid .docx (python-docx's empty document), by name."""
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    with zipfile.ZipFile(buf) as z:
        return {name: z.read(name) for name in z.namelist()}


def _document_xml(body: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            + body + b"</w:body></w:document>")


def _paragraph(text: str) -> bytes:
    return b"<w:p><w:r><w:t>" + text.encode() + b"</w:t></w:r></w:p>"


def expanding_docx(chars: int = 42_600_000, paragraph: str = "The harbour log repeats this entry again, "
                   "word for word, on every line.", distinct_every: int = 8) -> bytes:
    """A valid .docx whose body is ``paragraph`` repeated until the text holds about ``chars``
    characters; every ``distinct_every``-th paragraph carries its number, so that cleaning does not
    fold them all into one passage (0: all identical)."""
    parts = _docx_parts()
    n = max(1, chars // (len(paragraph) + 2))
    pieces = []
    for i in range(n):
        pieces.append(_paragraph(f"{paragraph} {i}" if distinct_every and i % distinct_every == 0 else paragraph))
    parts["word/document.xml"] = _document_xml(b"".join(pieces))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def zip_bomb_docx(inflated: int = 200_000_000, declared: int | None = 1000) -> bytes:
    """A .docx whose word/document.xml inflates to ``inflated`` bytes (one run of blanks inside a
    valid paragraph). With ``declared`` the zip directory claims that size instead (an
    understatement: ``zipfile`` inflates everything in one call before it notices the lie)."""
    parts = _docx_parts()
    xml = _document_xml(_paragraph("Bomb.") + b" " * max(0, inflated - 300))
    parts["word/document.xml"] = xml
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    data = out.getvalue()
    if declared is None:
        return data
    return _declare_size(data, "word/document.xml", declared)


def _declare_size(data: bytes, member: str, size: int) -> bytes:
    """``data`` (a zip) with ``member``'s uncompressed size rewritten to ``size`` in both its local
    header and the central directory (CRC left alone)."""
    buf = bytearray(data)
    name = member.encode()
    for sig, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        for m in re.finditer(re.escape(sig), buf):
            start = m.start()
            name_len = int.from_bytes(buf[start + (28 if sig == b"PK\x01\x02" else 26):][:2], "little")
            if bytes(buf[start + name_at:start + name_at + name_len]) == name:
                buf[start + size_at:start + size_at + 4] = size.to_bytes(4, "little")
    return bytes(buf)


def many_passages_txt(size: int = 9_900_000) -> bytes:
    """A text file of about ``size`` bytes of short distinct paragraphs (one passage each)."""
    lines, total, i = [], 0, 0
    while total < size:
        line = f"Entry {i}: the tide gauge read {i % 97} centimetres above datum at dawn.\n\n"
        lines.append(line)
        total += len(line)
        i += 1
    return "".join(lines).encode()


# -- the headline: qa index over a folder holding the big ones -------------------------------------

def _timed(cmd: list[str], env: dict) -> tuple[float, int, int, str]:
    """(wall seconds, max RSS in MB of the process or any of its children, exit code, output tail)."""
    timer = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
    t0 = time.perf_counter()
    r = subprocess.run(timer + cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - t0
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    tail = "\n".join(line for line in (r.stdout + r.stderr).splitlines()
                     if not line.startswith(("\t", "Command exited")))[-1500:]
    return wall, int(rss.group(1)) // 1024 if rss else -1, r.returncode, tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print it")
    parser.add_argument("--unpacked-mb", type=float, default=None,
                        help="QA_MAX_UNPACKED_MB for the run (e.g. 1000: the time and character budgets must act)")
    parser.add_argument("--seconds", type=float, default=None, help="QA_MAX_READ_SECONDS for the run")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if args.unpacked_mb:
        env["QA_MAX_UNPACKED_MB"] = str(args.unpacked_mb)
    if args.seconds:
        env["QA_MAX_READ_SECONDS"] = str(args.seconds)
    tmp = Path(tempfile.mkdtemp(prefix="qa-hostile-"))
    try:
        corpus = tmp / "corpus"
        corpus.mkdir()
        for f in (ROOT / "corpus").glob("*.txt"):
            shutil.copy(f, corpus / f.name)
        (corpus / "shared-stream.pdf").write_bytes(shared_stream_pdf())
        (corpus / "expanding.docx").write_bytes(expanding_docx())
        for f in sorted(corpus.iterdir()):
            print(f"{f.name}: {f.stat().st_size / 1e3:,.0f} KB")
        qa = [sys.executable, "-m", "qa", "--corpus", str(corpus), "--index", str(tmp / "index")]
        wall, rss, rc, out = _timed([*qa, "index"], env)
        print(f"-- qa index: {wall:.1f} s, max RSS {rss:,} MB, exit {rc}\n{out}")
        wall2, rss2, rc2, out2 = _timed([*qa, "ask", "--top-k", "1", "Who confronted Putin?"], env)
        print(f"-- qa ask: {wall2:.1f} s, max RSS {rss2:,} MB, exit {rc2}\n{out2}")
        wall3, _, rc3, out3 = _timed([*qa, "index"], env)
        print(f"-- second qa index: {wall3:.1f} s, exit {rc3}\n{out3}")
        return 0 if rc == rc2 == 0 else 1
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
