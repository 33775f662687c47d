"""Hostile documents through `qa index` (issue 19): PDFs whose pages share one huge content stream, zip
bombs that tell the truth or understate their size, DOCX files that expand to too many characters or
passages, text files of too many short paragraphs. Whatever the sizes drawn, `qa index` exits 0 within
the time budget, refuses the file with one `skipped:` line naming the limit's setting (or saying it
is damaged), prints no traceback, and the index answers afterwards. ``make fuzz`` draws more of them
(QA_FUZZ=1) and counts them in its tally."""
from __future__ import annotations

import contextlib
import os
import shutil
import time
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.hostile import expanding_docx, many_passages_txt, shared_stream_pdf, zip_bomb_docx
from tests.cli.inprocess import run_cli
from tests.fuzz.harness import TALLY, fuzz_settings

#: Budgets for the run: small, so each hostile file is refused in about a second.
LIMITS = {"QA_MAX_READ_SECONDS": "1", "QA_MAX_UNPACKED_MB": "20", "QA_MAX_DOCUMENT_CHARS": "200000",
          "QA_MAX_DOCUMENT_PASSAGES": "300"}
SETTINGS = ("QA_MAX_READ_SECONDS", "QA_MAX_UNPACKED_MB", "QA_MAX_DOCUMENT_CHARS", "QA_MAX_DOCUMENT_PASSAGES",
            "QA_MAX_READ_MB")

shared_pdfs = st.builds(lambda pages, mb: ("pdf", shared_stream_pdf(pages=pages, stream_bytes=mb * 1_000_000)),
                        st.integers(10, 200), st.integers(1, 6))
bombs = st.builds(lambda mb, declared: ("docx", zip_bomb_docx(inflated=mb * 1_000_000, declared=declared)),
                  st.integers(25, 80), st.sampled_from([None, None, 0, 1000, 1_000_000]))
expanding = st.builds(lambda chars, every: ("docx", expanding_docx(chars=chars, distinct_every=every)),
                      st.integers(250_000, 1_500_000), st.sampled_from([0, 1, 8, 64]))
chatty = st.builds(lambda size: ("txt", many_passages_txt(size=size)), st.integers(30_000, 300_000))
hostile_docs = st.one_of(shared_pdfs, bombs, expanding, chatty)


@contextlib.contextmanager
def environment(values: dict):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def hostile_site(fuzz_site, tmp_path_factory):
    """A copy of the fuzz corpus and its index (vectors reused: nothing embedded again)."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(fuzz_site.corpus, root / "corpus")
    shutil.copytree(fuzz_site.index, root / "index")
    site = SimpleNamespace(root=root, corpus=root / "corpus", flags=["--corpus", root / "corpus", "--index",
                                                                      root / "index"], n=0)
    assert run_cli([*site.flags, "index"]).rc == 0
    return site


def index(site):
    start = time.monotonic()
    r = run_cli([*site.flags, "index"])
    took = time.monotonic() - start
    TALLY.inputs += 1
    TALLY.exit_codes[r.rc if r.escaped is None else type(r.escaped).__name__] += 1
    if r.crashed:
        TALLY.crashes.append(str(r).replace("\n", " | ")[:400])
    assert not r.crashed and r.rc == 0, r
    return r, took


@fuzz_settings(quick=6, big=40)
@given(doc=hostile_docs)
def test_hostile_documents_are_refused_with_one_line_within_budget(hostile_site, doc):
    suffix, data = doc
    hostile_site.n += 1
    path = hostile_site.corpus / f"hostile-{hostile_site.n}.{suffix}"
    path.write_bytes(data)
    try:
        with environment(LIMITS):
            r, took = index(hostile_site)
            lines = [line for line in r.err.splitlines() if path.name in line]
            assert len(lines) == 1 and lines[0].startswith(f"skipped: {path.name}: "), r
            assert any(f"({s}); refused" in lines[0] for s in SETTINGS) or "damaged" in lines[0], r
            assert took < 15, f"{took:.1f} s for {lines[0]}"
            again, took_again = index(hostile_site)  # refused once: not read again while unchanged
            assert lines[0] in again.err.splitlines() and took_again < 5, again
        asked = run_cli([*hostile_site.flags, "ask", "Who confronted Putin?"])
        TALLY.inputs += 1
        assert asked.rc == 0 and "Traceback" not in asked.err and asked.out, asked
    finally:
        path.unlink()
