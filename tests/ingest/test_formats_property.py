"""The offset invariant over extracted text, for any input: every passage and sentence of a PDF's
or a DOCX's document is ``document_text[start:end]``, and every PDF block's page is a page of the
file, in order. Checked on the text builder directly (any Unicode, any positions) and through
real files written by fpdf2 and python-docx (issue 13)."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa import BadInput
from qa.ingest.corpus import document_from
from qa.ingest.pdf import Line, build_text
from qa.ingest.readers import RawText, read_data

from .makers import docx_bytes, pdf_bytes


def check(raw: RawText, pages: int | None) -> None:
    try:
        doc = document_from(raw, "x.pdf" if pages else "x.docx")
    except BadInput:
        return  # nothing left to index (all leftovers): refused, which is fine
    for b in doc.blocks:
        assert doc.text[b.start:b.end] == b.text
        assert b.text and b.text == b.text.strip()
        for s, e in b.sentences:
            assert b.start <= s < e <= b.end and doc.text[s:e].strip()
        if pages:
            assert b.page is not None and 1 <= b.page <= pages
        else:
            assert b.page is None
    got = [b.page for b in doc.blocks]
    assert pages is None or got == sorted(got)


_line = st.builds(
    Line,
    st.text(min_size=1, max_size=60).map(lambda t: " ".join(t.split())).filter(bool),
    st.one_of(st.none(), st.floats(0, 600)),
    st.one_of(st.none(), st.floats(-50, 850)),
    st.sampled_from([0.0, 9.0, 11.0, 14.0]),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_line, max_size=12), min_size=1, max_size=6))
def test_built_text_keeps_offsets_and_pages(pages):
    text, starts = build_text(pages)
    assert len(starts) == len(pages) and list(starts) == sorted(starts)
    assert all(0 <= s <= len(text) for s in starts)
    if text.strip():
        check(RawText(text, "sha", page_starts=starts), len(pages))


# fpdf2's core fonts print Latin-1 only; words, hyphens at line ends and sentence punctuation
_word = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789éü'"), min_size=1, max_size=12)
_pdf_line = st.lists(st.one_of(_word, st.sampled_from(["-", ".", "?", "Page 2", "co-", "op", "1"])),
                     min_size=1, max_size=10).map(" ".join).map(lambda s: s.replace(" -", "-"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.lists(_pdf_line, min_size=1, max_size=4), min_size=1, max_size=3),
                min_size=1, max_size=3), st.booleans())
def test_real_pdfs_keep_offsets_and_pages(pages, furniture):
    data = pdf_bytes(pages, header="Running head" if furniture else None, footer=furniture)
    try:
        raw = read_data(data, "x.pdf", ".pdf")
    except BadInput:
        return
    check(raw, len(pages))


_xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=120)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_xml_text, min_size=1, max_size=8))
def test_real_docx_files_keep_offsets(paragraphs):
    data = docx_bytes([(None, p) for p in paragraphs])
    try:
        raw = read_data(data, "x.docx", ".docx")
    except BadInput:
        return
    check(raw, None)
