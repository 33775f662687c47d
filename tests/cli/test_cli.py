"""The command line, run as a user runs it: ``python -m qa`` in a subprocess, real bundled model.

The index is built once for the module (on temporary copies of the corpus); commands that load
the model run side by side in one fixture, so the module stays well under a minute of CPU.
Bad input must give exactly one line on stderr, no traceback, exit code 2.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from qa.index import store

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
A = "000_cd7150e585f9c9d3"
B = "003_c2e52d3d74986284"
OLD = "old_notes"  # the cp1252 file, once copied into the corpus
OLD_TEXT = "Notes from the caf\u00e9\n\n\u201cWe will win,\u201d the owner said \u2014 twice. Coffee cost \u20ac2.\n"
HIT_KEYS = {"rank", "doc_id", "title", "source", "paragraph", "start", "end", "text", "highlight", "score"}
TIMEOUT = 900


@dataclass
class Result:
    args: list
    rc: int
    out: str
    err: str

    def __str__(self):
        return f"qa {' '.join(map(str, self.args))[:120]} -> {self.rc}\nstdout: {self.out[-1500:]}\nstderr: {self.err[-1500:]}"


def _env(corpus: Path, index: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(QA_CORPUS_DIR=str(corpus), QA_INDEX_DIR=str(index), PYTHONIOENCODING="utf-8")
    return env


def start(args, corpus: Path, index: Path) -> tuple[list, subprocess.Popen]:
    args = [str(a) for a in args]
    proc = subprocess.Popen([sys.executable, "-m", "qa", *args], cwd=ROOT, env=_env(corpus, index),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, encoding="utf-8")
    return args, proc


def finish(started) -> Result:
    args, proc = started
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return Result(args, proc.returncode, out, err)


def run(args, corpus: Path, index: Path) -> Result:
    return finish(start(args, corpus, index))


def file_text(corpus: Path, doc_id: str) -> str:
    return (corpus / f"{doc_id}.txt").read_bytes().decode("utf-8" if doc_id != OLD else "cp1252")


def check_passages(passages: list, corpus: Path, doc_ids=None) -> None:
    assert [p["rank"] for p in passages] == list(range(1, len(passages) + 1))
    for p in passages:
        assert set(p) - {"answers"} == HIT_KEYS  # "answers" (additive): the reader read it
        if doc_ids is not None:
            assert p["doc_id"] in doc_ids
        text = file_text(corpus, p["doc_id"])
        assert text[p["start"]:p["end"]] == p["text"], "citation is verbatim from the file"
        assert isinstance(p["paragraph"], int) and p["paragraph"] >= 1
        assert isinstance(p["score"], float)
        assert p["highlight"]
        for hs, he in p["highlight"]:
            assert p["start"] <= hs < he <= p["end"]


# -- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A corpus copy plus a cp1252 file given to ``qa index``: one build with the real model."""
    root = tmp_path_factory.mktemp("cli")
    corpus, index = root / "corpus", root / "index"
    shutil.copytree(CORPUS, corpus)
    incoming = root / "incoming" / "old notes.txt"
    incoming.parent.mkdir()
    incoming.write_bytes(OLD_TEXT.encode("cp1252"))
    built = run(["index", incoming], corpus, index)
    assert built.rc == 0, built
    return SimpleNamespace(root=root, corpus=corpus, index=index, built=built)


@pytest.fixture(scope="module")
def model_runs(site):
    """Every command here loads the model; they run side by side."""
    root, corpus, index = site.root, site.corpus, site.index
    batch = root / "questions.jsonl"
    batch.write_text("\n".join([
        json.dumps({"id": "q1", "question": "Who voiced disagreement directly to Putin?"}),
        "",
        json.dumps({"id": 2, "question": "What did the commander Swat say?"}),
        json.dumps({"id": "q-\u00e9", "question": "   "}),
        json.dumps({"id": "q4", "question": "How do officials get exemptions from mobilisation?"}, ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    # a small corpus without an index: ask must build it
    tiny, tiny_index = root / "tiny", root / "tiny-index"
    tiny.mkdir()
    (tiny / "keepers.md").write_text("# Lighthouse keepers\n\nThe last keeper retired in 1987.\n\n"
                                     "Keepers worked in pairs and rotated every six weeks.\n", encoding="utf-8")
    # a copy of the built index with a damaged part: ask must rebuild it
    damaged = root / "index-damaged"
    shutil.copytree(index, damaged)
    vectors = store.live_version(damaged) / "passages.npy"
    vectors.write_bytes(vectors.read_bytes()[:200])
    jobs = {
        "ask_json": start(["ask", "Who voiced disagreement directly to Putin?", "--json", "--top-k", "3"], corpus, index),
        "ask_batch": start(["ask", "--batch", batch, "--json", "--top-k", "2"], corpus, index),
        "compare": start(["compare", "what the café owner said", "--json"], corpus, index),
        "missing_index": start(["ask", "When did the last keeper retire?", "--top-k", "2"], tiny, tiny_index),
        "damaged_index": start(["ask", "Who voiced disagreement directly to Putin?", "--json"], corpus, damaged),
    }
    results = {name: finish(job) for name, job in jobs.items()}
    results["paths"] = SimpleNamespace(tiny=tiny, tiny_index=tiny_index, damaged=damaged)
    return results


# -- index ------------------------------------------------------------------------------------------------


def test_index_copies_and_indexes_a_non_utf8_file_and_says_so(site):
    r = site.built
    assert "Traceback" not in r.err
    assert "index updated: 3 documents" in r.out
    notes = [line for line in r.err.splitlines() if line.startswith("note:")]
    assert notes == [f"note: {OLD}.txt: not valid UTF-8, decoded as cp1252"], r
    assert (site.corpus / f"{OLD}.txt").read_bytes() == OLD_TEXT.encode("cp1252")


def test_second_index_with_nothing_changed_embeds_nothing(site):
    folder = store.live_version(site.index)
    r = run(["index"], site.corpus, site.index)
    assert r.rc == 0, r
    assert "index unchanged: 3 documents" in r.out
    assert "embedded 0 passages, 0 sentences" in r.out
    assert store.live_version(site.index) == folder


def test_docs_json_lists_files_with_their_hashes(site):
    r = run(["docs", "--json"], site.corpus, site.index)
    assert r.rc == 0, r
    rows = json.loads(r.out)
    assert sorted(row["doc_id"] for row in rows) == sorted([A, B, OLD])
    for row in rows:
        assert {"doc_id", "title", "source", "path", "sha256", "paragraphs"} <= set(row)
        path = Path(row["path"])
        path = path if path.is_absolute() else ROOT / path
        assert path.is_file() and path.resolve().parent == site.corpus.resolve()
        assert row["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert isinstance(row["paragraphs"], int) and row["paragraphs"] >= 1
    by_id = {row["doc_id"]: row for row in rows}
    assert by_id[A]["title"].startswith("As Russian troops 'panic'")
    assert by_id[B]["title"].startswith("Vladimir Putin is making rash")
    assert by_id[OLD]["title"] == "Notes from the caf\u00e9"
    assert by_id[A]["sha256"] == "037343e006b692bfd25e06beca2ceaed9bd7b5dab7b05b7e3be0441bdd77eb34"
    assert by_id[B]["sha256"] == "6e1b0febc7ea39b08bace47db616e5388d50caec22da7d2ef2deb35f40ef1d64"


# -- the JSON contracts and the readable answer ------------------------------------------------------------


def test_ask_json_contract(model_runs, site):
    r = model_runs["ask_json"]
    assert r.rc == 0, r
    assert "Traceback" not in r.err
    lines = r.out.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert set(data) == {"question", "answered", "verdict", "reason", "confidence", "passages", "answer_span"}
    assert data["question"] == "Who voiced disagreement directly to Putin?"
    assert isinstance(data["answered"], bool) and data["answered"] == (data["verdict"] == "answered")
    assert data["verdict"] in ("answered", "related", "not_found") and data["reason"].endswith(".")
    assert 0.0 <= data["confidence"] <= 1.0
    assert len(data["passages"]) == 3
    check_passages(data["passages"], site.corpus)


def test_ask_batch_json_one_object_per_line_in_order(model_runs, site):
    r = model_runs["ask_batch"]
    assert r.rc == 0, r
    rows = [json.loads(line) for line in r.out.splitlines()]
    assert [row["id"] for row in rows] == ["q1", 2, "q-\u00e9", "q4"]
    for row in rows:
        if row["id"] == "q-\u00e9":  # a bad line gets an error object; the others still run
            assert row["answered"] is False and row["passages"] == [] and row["error"]
            continue
        assert set(row) == {"id", "question", "answered", "verdict", "reason", "confidence", "passages", "answer_span"}
        assert isinstance(row["answered"], bool) and row["answered"] == (row["verdict"] == "answered")
        assert len(row["passages"]) == 2
        check_passages(row["passages"], site.corpus)
    assert rows[0]["question"] == "Who voiced disagreement directly to Putin?"


def test_compare_json_contract(model_runs, site):
    r = model_runs["compare"]
    assert r.rc == 0, r
    lines = r.out.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert {"topic", "documents"} <= set(data) and "id" not in data
    assert data["topic"] == "what the café owner said"
    assert sorted(d["doc_id"] for d in data["documents"]) == sorted([A, B, OLD])
    for d in data["documents"]:
        assert {"doc_id", "title", "covered", "score", "passages"} <= set(d)
        assert isinstance(d["covered"], bool) and isinstance(d["score"], float)
        assert d["passages"]
        check_passages(d["passages"], site.corpus, doc_ids={d["doc_id"]})
    old = next(d for d in data["documents"] if d["doc_id"] == OLD)
    assert old["passages"][0]["text"] == "\u201cWe will win,\u201d the owner said \u2014 twice. Coffee cost \u20ac2."


# -- missing and damaged index; the readable answer ----------------------------------------------------


def test_missing_index_is_built_by_ask_which_prints_a_readable_answer(model_runs):
    r = model_runs["missing_index"]
    paths = model_runs["paths"]
    assert r.rc == 0, r
    assert "Traceback" not in r.err
    assert store.live_version(paths.tiny_index) is not None
    out = r.out
    assert "When did the last keeper retire?" in out
    assert "[1] " in out and "[2] " in out and "[3] " not in out, "numbered passages, top-k of them"
    assert "Lighthouse keepers" in out and "paragraph 1" in out and "paragraph 2" in out
    assert "The last keeper retired in 1987." in out
    assert "»" in out and "«" in out, "the highlighted sentence is marked"
    assert "{" not in out


def test_damaged_index_is_rebuilt_by_ask(model_runs, site):
    r = model_runs["damaged_index"]
    assert "Traceback" not in r.err
    assert r.rc == 0, r
    data = json.loads(r.out)
    check_passages(data["passages"], site.corpus)
    store.read_version(store.live_version(model_runs["paths"].damaged))


# -- bad input: one line, exit code 2, nothing lost ---------------------------------------------------------


def bad_cases(site) -> dict:
    root, corpus, index = site.root, site.corpus, site.index
    binary = root / "bad" / "picture.txt"
    binary.parent.mkdir(exist_ok=True)
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + bytes(range(256)) * 8)
    pdf = root / "bad" / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    not_json = root / "bad" / "questions.jsonl"
    not_json.write_text('{"id": 1, "question": "fine"}\nnot json at all\n', encoding="utf-8")
    no_key = root / "bad" / "topics.jsonl"
    no_key.write_text('{"id": 1, "subject": "war"}\n', encoding="utf-8")
    empty = root / "empty-corpus"
    empty.mkdir(exist_ok=True)
    on_site = lambda *args: (list(args), corpus, index)  # noqa: E731
    return {
        "empty question": on_site("ask", ""),
        "blank question": on_site("ask", "  \t  "),
        "100 KB question": on_site("ask", "why " * 25_600),
        "no question": on_site("ask"),
        "unknown --doc": on_site("ask", "Who voiced disagreement?", "--doc", "nope"),
        "unknown --doc among known": on_site("ask", "Who voiced disagreement?", "--doc", A, "--doc", "nope"),
        "unknown --doc in a batch": on_site("ask", "--batch", not_json, "--json", "--doc", "nope"),
        "unknown --doc in compare": on_site("compare", "mobilisation", "--doc", "nope", "--json"),
        "top-k 0": on_site("ask", "Who voiced disagreement?", "--top-k", "0"),
        "blank topic": on_site("compare", " "),
        "batch file missing": on_site("ask", "--batch", root / "bad" / "nope.jsonl", "--json"),
        "batch line not JSON": on_site("ask", "--batch", not_json, "--json"),
        "batch line without topic": on_site("compare", "--batch", no_key, "--json"),
        "question not UTF-8": on_site("ask", "caf\udce9 Putin?"),  # argv byte 0xE9, as a Latin-1 terminal sends
        "question without words": on_site("compare", "\u200b?"),
        "index folder is a file": on_site("--index", not_json, "docs"),
        "binary file to index": on_site("index", binary),
        "unsupported file to index": on_site("index", pdf),
        "missing file to index": on_site("index", root / "bad" / "nope.txt"),
        "empty corpus folder: index": (["index"], empty, root / "empty-index"),
        "empty corpus folder: ask": (["ask", "Who?"], empty, root / "empty-index"),
        "missing corpus folder": (["ask", "Who?"], root / "no-such-folder", root / "empty-index"),
    }


@pytest.fixture(scope="module")
def bad_runs(site):
    cases = bad_cases(site)
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(run, *case) for name, case in cases.items()}
        return {name: f.result() for name, f in futures.items()}


BAD = ["empty question", "blank question", "100 KB question", "no question", "unknown --doc",
       "unknown --doc among known", "unknown --doc in a batch", "unknown --doc in compare", "top-k 0",
       "blank topic", "batch file missing", "question not UTF-8", "question without words", "index folder is a file",
       "binary file to index", "unsupported file to index", "missing file to index",
       "empty corpus folder: index", "empty corpus folder: ask", "missing corpus folder"]


@pytest.mark.parametrize("case", BAD)
def test_bad_input_gives_one_line_and_exit_code_2(bad_runs, case):
    r = bad_runs[case]
    assert r.rc == 2, r
    assert "Traceback" not in r.err, r
    lines = r.err.splitlines()
    assert len(lines) == 1, r
    assert lines[0].startswith("error: ") and len(lines[0]) > len("error: ") + 10
    assert r.out == "", r


@pytest.mark.parametrize("case, key", [("batch line not JSON", "question"), ("batch line without topic", "topic")])
def test_bad_batch_lines_are_reported_in_their_rows_and_the_rest_answered(bad_runs, case, key):
    r = bad_runs[case]
    assert r.rc == 0 and "Traceback" not in r.err and r.err == "", r
    rows = [json.loads(line) for line in r.out.split("\n") if line]
    bad = rows[-1]
    assert bad["error"].startswith(f"line {len(rows)}: ") and f'"{key}"' in bad["error"], r
    if key == "question":
        assert len(rows) == 2 and rows[0]["id"] == 1 and "error" not in rows[0], "the good line is answered"
        assert bad["id"] is None and "not JSON" in bad["error"]


def test_bad_input_messages_name_the_problem(bad_runs):
    assert "empty" in bad_runs["empty question"].err
    assert "0xE9" in bad_runs["question not UTF-8"].err
    assert "no words to search for" in bad_runs["question without words"].err
    assert "questions.jsonl: is a file, not a folder" in bad_runs["index folder is a file"].err
    assert "102,400" in bad_runs["100 KB question"].err
    assert "'nope'" in bad_runs["unknown --doc"].err and A in bad_runs["unknown --doc"].err
    assert "picture.txt" in bad_runs["binary file to index"].err and "binary" in bad_runs["binary file to index"].err
    assert "paper.pdf" in bad_runs["unsupported file to index"].err
    assert "no readable" in bad_runs["empty corpus folder: index"].err


def test_nothing_indexed_is_lost_after_bad_input(bad_runs, site):
    assert not (site.corpus / "picture.txt").exists() and not (site.corpus / "paper.pdf").exists()
    r = run(["docs", "--json"], site.corpus, site.index)
    assert r.rc == 0, r
    assert sorted(row["doc_id"] for row in json.loads(r.out)) == sorted([A, B, OLD])


def test_index_refuses_a_copy_of_an_indexed_document(site, tmp_path):
    """``qa index FILE`` with a file whose bytes are an indexed document's: one line naming it."""
    copy = tmp_path / "the-same.txt"
    copy.write_bytes((site.corpus / f"{OLD}.txt").read_bytes())
    r = run(["index", str(copy)], site.corpus, site.index)
    assert r.rc == 2 and f"the-same.txt: the same content is already in the corpus as {OLD} (" in r.err, r
    assert "Traceback" not in r.err and not (site.corpus / "the-same.txt").exists()
