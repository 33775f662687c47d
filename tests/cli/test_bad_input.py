"""Bad input to the command line, run in process (``qa.cli.main``) on a real index: a refusal is
one ``error:`` line and exit code 2, a bad line of a batch is reported in its own row while the
others are answered, JSON output is always valid, and plain text cannot drive the terminal.

One test per defect found in review (the numbers are the review's).
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from qa.cli import common
from qa.errors import BadInput
from qa.text import read_jsonl
from tests.cli.inprocess import RAW_CONTROLS, build_site, run_cli, strict_json
from tests.conftest import CORPUS

A = "000_cd7150e585f9c9d3"
GOOD = {"id": "good", "question": "Who confronted Putin?"}
ESCAPES = "Keeper \x1b]0;pwned\x07 notes\n\nThe last keeper retired in 1987 \x1b[2J\x9b2J and left the lamp.\n\n" \
          "Keepers worked in pairs and rotated every six weeks.\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad-input")
    corpus, index = build_site(root, CORPUS)
    return SimpleNamespace(root=root, flags=["--corpus", corpus, "--index", index])


@pytest.fixture(scope="module")
def esc_site(tmp_path_factory):
    """A one-document corpus whose title and text hold terminal escape sequences."""
    root = tmp_path_factory.mktemp("escapes")
    (root / "src").mkdir()
    (root / "src" / "keepers.txt").write_text(ESCAPES, encoding="utf-8")
    corpus, index = build_site(root, root / "src")
    return SimpleNamespace(root=root, flags=["--corpus", corpus, "--index", index])


@pytest.fixture(autouse=True)
def log_file(tmp_path, monkeypatch):
    path = tmp_path / "qa-errors.log"
    monkeypatch.setenv("QA_LOG_FILE", str(path))
    return path


def qa(site, *args):
    return run_cli([*site.flags, *args])


def refused(r, *words) -> str:
    assert r.rc == 2 and not r.crashed and r.out == "", r
    lines = r.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r
    for word in words:
        assert word in lines[0], r
    return lines[0]


def batch(site, lines=(), *args, command="ask", raw: bytes | None = None) -> list[dict]:
    """The JSON rows ``qa <command> --batch FILE --json`` prints for these lines (or bytes)."""
    path = site.root / "batch.jsonl"
    path.write_bytes(raw if raw is not None else ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
    r = qa(site, command, "--batch", path, "--json", *args)
    assert r.rc == 0 and not r.crashed and r.err == "", r
    return [strict_json(line) for line in r.out.split("\n") if line]


def answered(row: dict) -> bool:
    return "error" not in row and row["passages"] and row["verdict"] in ("answered", "related", "not_found")


# -- 1. text that is not valid UTF-8 ----------------------------------------------------------------


@pytest.mark.parametrize("question, words", [("caf\udce9 Putin?", ["not valid text", "0xE9"]),
                                             ("\ud800 Putin?", ["not valid text", "U+D800"])])
def test_a_question_that_is_not_valid_utf8_is_refused_in_one_line(site, question, words):
    refused(qa(site, "ask", question), *words)
    refused(qa(site, "compare", question), *words)


def test_a_batch_line_with_a_lone_surrogate_is_reported_in_its_row_only(site):
    rows = batch(site, ['{"id": 1, "question": "\\ud800 who?"}', json.dumps(GOOD)])
    assert rows[0]["id"] == 1 and "U+D800" in rows[0]["error"] and rows[0]["passages"] == []
    assert rows[0]["question"] == "\ufffd who?", "echoed as valid UTF-8"
    assert rows[1]["id"] == "good" and answered(rows[1])


# -- 2. deeply nested or over-long lines --------------------------------------------------------------


def test_deeply_nested_and_overlong_lines_are_reported_per_row(site):
    rows = batch(site, ["[" * 40_000 + "]" * 40_000,
                        '{"id": 2, "question": "Who?", "meta": ' + "[" * 100 + "]" * 100 + "}",
                        "{" * 200_000,
                        json.dumps(GOOD)])
    assert [r["id"] for r in rows] == [None, None, None, "good"]
    assert "deep" in rows[0]["error"] and "deep" in rows[1]["error"]
    assert "longer than 100,000 bytes" in rows[2]["error"]
    assert all(r["error"].startswith(f"line {n}: ") for n, r in enumerate(rows[:3], 1))
    assert answered(rows[3])


def test_json_lines_helpers_refuse_depth_before_parsing(tmp_path):
    from qa.text import json_depth, loads_line

    assert json_depth('{"a": "[[[[{{", "b": [[1], {"c": []}]}') == 4, "brackets inside strings do not count"
    with pytest.raises(BadInput, match="deep"):
        loads_line("[" * 100_000 + "]" * 100_000)
    deep = tmp_path / "deep.jsonl"
    deep.write_text('{"ok": 1}\n' + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(BadInput, match=r"deep.jsonl: not JSON lines \(line 2: .*deep"):
        read_jsonl(deep)


# -- 3. questions that are not strings, ids that are not valid JSON ---------------------------------------


def test_a_question_must_be_a_string_and_an_id_valid_json(site):
    rows = batch(site, ['{"id": 1, "question": null}', '{"id": 2, "question": 5}', '{"id": 3, "question": ["x"]}',
                        '{"id": 1e400, "question": "Who confronted Putin?"}', '{"id": NaN, "question": "Putin"}',
                        '{"id": true, "question": "Putin"}', '{"id": [1], "question": "Putin"}', '{"question": "Putin"}',
                        '{"id": 2.5, "question": "Putin"}', '"just a string"', '{"id": 9}'])
    assert [r["id"] for r in rows] == [1, 2, 3, None, None, None, None, None, 2.5, None, 9]
    assert rows[0]["question"] == "" and "must be a string, got null" in rows[0]["error"]
    assert "got a number" in rows[1]["error"] and "got an array" in rows[2]["error"]
    assert "id must be a string or a number" in rows[3]["error"] and rows[3]["question"] == "Who confronted Putin?"
    assert "NaN is not JSON" in rows[4]["error"]
    assert "got true or false" in rows[5]["error"] and "got an array" in rows[6]["error"]
    assert answered(rows[7]) and answered(rows[8])
    assert "not a JSON object" in rows[9]["error"] and 'missing "question"' in rows[10]["error"]


def test_json_output_is_always_valid_and_one_line_per_object():
    text = common.dumps({"t": "a\u2028b\u2029c\x85d\x9be\x7ff\ud800", "n": 1})
    assert not set(text) & {"\u2028", "\u2029", "\x85", "\x9b", "\x7f", "\ud800"}
    assert strict_json(text) == {"t": "a\u2028b\u2029c\x85d\x9be\x7ff\ufffd", "n": 1}
    with pytest.raises(ValueError):
        common.dumps({"id": float("inf")})


# -- 4. raw line separators and a BOM ---------------------------------------------------------------------------


def test_raw_line_separators_and_a_bom_do_not_break_a_batch(site):
    lines = [json.dumps({"id": 1, "question": "Who confronted\u2028 Putin?"}, ensure_ascii=False),
             json.dumps({"id": 2, "question": "mobilisation\u0085 exemptions\u2029"}, ensure_ascii=False)]
    raw = b"\xef\xbb\xbf" + lines[0].encode() + b"\r\n" + lines[1].encode() + b"\n"
    rows = batch(site, raw=raw)
    assert [r["id"] for r in rows] == [1, 2] and all(answered(r) for r in rows)
    assert rows[0]["question"] == "Who confronted Putin?"
    path = site.root / "batch.jsonl"
    assert read_jsonl(path) == [json.loads(line) for line in lines]


# -- 5. compare --batch reports per row ------------------------------------------------------------------------


def test_compare_batch_reports_bad_topics_per_row_like_ask(site):
    rows = batch(site, ['{"id": 1, "topic": "   "}', '{"id": 2, "topic": null}', '{"id": 3, "topic": "mobilisation"}',
                        '{"topic": "?"}', "not json"], command="compare")
    assert [r.get("id") for r in rows] == [1, 2, 3, None, None]
    assert "topic is empty" in rows[0]["error"] and "got null" in rows[1]["error"]
    assert "error" not in rows[2] and {d["doc_id"] for d in rows[2]["documents"]} >= {A}
    assert "no words" in rows[3]["error"] and "id" not in rows[3], "no id in, no id out (as before)"
    assert "not JSON" in rows[4]["error"]
    assert all(r["documents"] == [] for r in rows if "error" in r)


def test_plain_text_batches_say_which_row_failed(site):
    path = site.root / "plain.jsonl"
    path.write_text('{"id": "x", "question": "?"}\n' + json.dumps(GOOD) + "\n", encoding="utf-8")
    r = qa(site, "ask", "--batch", path)
    assert r.rc == 0 and not r.crashed, r
    first, second = r.out.splitlines()
    assert first.startswith("[x] ?: error: line 1: ") and second.startswith("[good] Who confronted Putin?: ")


def test_a_bad_top_k_is_refused_once_for_a_whole_batch(site):
    path = site.root / "topk.jsonl"
    path.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    refused(qa(site, "ask", "--batch", path, "--json", "--top-k", "0"), "--top-k", "from 1 to 50")


# -- 6. empty paths --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, flag", [(["--index", "", "docs"], "--index"), (["--corpus", "", "docs"], "--corpus"),
                                        (["--model", "", "docs"], "--model"), (["index", ""], "empty path"),
                                        (["ask", "--batch", "", "--json"], "--batch"),
                                        (["overview", "--csv", ""], "--csv")])
def test_an_empty_path_is_refused_and_nothing_lands_in_the_working_folder(site, tmp_path, monkeypatch, args, flag):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    refused(qa(site, *args), flag)
    assert list(work.iterdir()) == []


# -- 7. questions with nothing to search for ----------------------------------------------------------------------


@pytest.mark.parametrize("question", ["?", "a", "\u200b", "\ufeff", "\x01\x02", "¿?!", " \u00ad ", "is it?"])
def test_a_question_with_no_words_is_refused(site, question):
    line = refused(qa(site, "ask", "--", question))
    assert "no words to search for" in line or "is empty" in line


@pytest.mark.parametrize("question", ["Kozak", "q", "Путин", "1987"])
def test_one_word_questions_are_still_asked(site, question):
    r = qa(site, "ask", question, "--json")
    assert r.rc == 0 and not r.crashed, r
    assert strict_json(r.out)["question"] == question


def test_control_characters_inside_a_question_are_normalised_away(site):
    r = qa(site, "ask", "Who\x01 con\u200bfronted\x1b\tPut\ufeffin?", "--json")
    assert r.rc == 0 and not r.crashed, r
    assert strict_json(r.out)["question"] == "Who confronted Putin?"


# -- 8. terminal output -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["ask", "When did the last keeper retire?", "--top-k", "2"],
                                  ["compare", "keeper retired"], ["docs"]])
def test_escape_sequences_in_documents_are_shown_not_obeyed(esc_site, args):
    r = qa(esc_site, *args)
    assert r.rc == 0 and not r.crashed, r
    assert not set(r.out) & RAW_CONTROLS, r
    assert "Keeper \\x1b]0;pwned\\x07 notes" in r.out
    if args[0] != "docs":
        assert "1987 \\x1b[2J\\x9b2J and" in r.out


def test_json_output_keeps_the_exact_text_escaped(esc_site):
    r = qa(esc_site, "ask", "When did the last keeper retire?", "--json")
    assert r.rc == 0 and not r.crashed, r
    assert not set(r.out) & RAW_CONTROLS, r
    texts = [p["text"] for p in strict_json(r.out)["passages"]]
    assert any("\x1b[2J\x9b2J" in t for t in texts), "the contract's text is the document's, verbatim"


# -- 9. unexpected exceptions and the operating system's errors --------------------------------------------------


def test_an_unexpected_exception_is_one_line_and_its_traceback_goes_to_the_log(site, monkeypatch, log_file):
    from qa.cli import docs

    def broken(args):
        raise KeyError("boom")

    monkeypatch.setattr(docs, "run", broken)
    r = qa(site, "docs")
    assert r.rc == 1 and r.escaped is None and r.out == "", r
    assert r.err == f"error: unexpected KeyError: 'boom'; details in {log_file}\n"
    log = log_file.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in log and "KeyError: 'boom'" in log and "'docs'" in log


def test_an_unwritable_log_still_gives_one_line(site, monkeypatch, tmp_path):
    from qa.cli import docs

    monkeypatch.setattr(docs, "run", lambda args: 1 / 0)
    monkeypatch.setenv("QA_LOG_FILE", str(tmp_path / "no-such-folder" / "qa.log"))
    r = qa(site, "docs")
    assert r.rc == 1 and len(r.err.splitlines()) == 1, r
    assert r.err.startswith("error: unexpected ZeroDivisionError: division by zero (the details could not be written")


def test_os_errors_name_the_path_the_reason_and_what_to_check(site, monkeypatch):
    a_file = site.root / "a-file"
    a_file.write_text("x", encoding="utf-8")
    refused(qa(site, "--index", a_file, "docs"), str(a_file), "is a file, not a folder", "--index")
    from qa.cli import docs

    def denied(args):
        raise PermissionError(13, "Permission denied", "/srv/qa/index")

    monkeypatch.setattr(docs, "run", denied)
    assert refused(qa(site, "docs")) == "error: /srv/qa/index: Permission denied; check its permissions"


def test_a_usage_error_returns_2_instead_of_raising(site):
    r = qa(site, "ask", "--top-k", "many")
    assert r.rc == 2 and r.escaped is None and "invalid int value" in r.err
