"""Hostile input through the command line, in process (``qa.cli.main``) on a real index: whatever
the question, topic or batch file, the exit code is 0 or 2, stderr holds no traceback (a refusal
is one ``error:`` line), JSON output is valid JSON with one object per row, and plain text holds
no raw control character. ``make fuzz`` runs these long (QA_FUZZ=1) and prints the tally."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.cli.inprocess import RAW_CONTROLS, run_cli, strict_json
from tests.fuzz.harness import TALLY, A, B, batch_files, fuzz_settings, questions, rows_in

ASK_KEYS = {"id", "question", "answered", "verdict", "reason", "confidence", "passages", "answer_span"}
ERROR_KEYS = {"ask": {"id", "question", "answered", "passages", "error"}, "compare": {"topic", "documents", "error"}}
doc_lists = st.lists(st.one_of(st.just(A), st.just(B), questions()), max_size=3)


def run(site, args, batch_lines: int = 0):
    r = run_cli([*site.flags, *args])
    TALLY.inputs += 1
    TALLY.batch_lines += batch_lines
    TALLY.exit_codes[r.rc if r.escaped is None else type(r.escaped).__name__] += 1
    if r.crashed:
        TALLY.crashes.append(str(r).replace("\n", " | ")[:400])
    assert not r.crashed, r
    if r.rc == 2:
        lines = r.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and r.out == "", r
    return r


def check_output(r, as_json: bool) -> list[dict]:
    if not as_json:
        assert not set(r.out) & RAW_CONTROLS, r
        return []
    rows = [strict_json(line) for line in r.out.split("\n") if line]
    assert all(isinstance(row, dict) for row in rows), r
    return rows


@fuzz_settings(quick=60, big=300)
@given(question=questions(), as_json=st.booleans(), docs=doc_lists)
def test_ask_any_question(fuzz_site, question, as_json, docs):
    flags = [x for d in docs for x in ("--doc", d)] + (["--json"] if as_json else [])
    r = run(fuzz_site, ["ask", *flags, "--", question])
    rows = check_output(r, as_json)
    if r.rc == 0 and as_json:
        assert len(rows) == 1 and set(rows[0]) == ASK_KEYS - {"id"}, r


@fuzz_settings(quick=40, big=250)
@given(topic=questions(), as_json=st.booleans())
def test_compare_any_topic(fuzz_site, topic, as_json):
    r = run(fuzz_site, ["compare", *(["--json"] if as_json else []), "--", topic])
    rows = check_output(r, as_json)
    if r.rc == 0 and as_json:
        assert len(rows) == 1 and {"topic", "documents"} <= set(rows[0]) and "error" not in rows[0], r


def check_batch(site, command: str, key: str, data: bytes, as_json: bool, n: int) -> None:
    path = site.root / f"{command}-batch.jsonl"
    path.write_bytes(data)
    r = run(site, [command, "--batch", path, *(["--json"] if as_json else [])], batch_lines=rows_in(data))
    assert r.rc == 0 and "error:" not in r.err, r
    out = check_output(r, as_json)
    if not as_json:
        assert len(r.out.splitlines()) >= rows_in(data), r
        return
    assert len(out) == rows_in(data), f"one object per non-blank line\n{r}"
    for row in out:
        assert not isinstance(row.get("id"), bool | list | dict), r
        if "error" in row:
            assert set(row) - {"id"} == ERROR_KEYS[command] - {"id"} and "\n" not in row["error"], r
            assert row["error"].startswith("line "), r
        elif command == "ask":
            assert set(row) == ASK_KEYS, r
        else:
            assert {"topic", "documents"} <= set(row) and row["documents"], r


@fuzz_settings(quick=50, big=300)
@given(data=batch_files("question"), as_json=st.sampled_from([True, True, True, False]))
def test_ask_any_batch_file(fuzz_site, data, as_json):
    check_batch(fuzz_site, "ask", "question", data, as_json, rows_in(data))


@fuzz_settings(quick=40, big=250)
@given(data=batch_files("topic"), as_json=st.sampled_from([True, True, True, False]))
def test_compare_any_batch_file(fuzz_site, data, as_json):
    check_batch(fuzz_site, "compare", "topic", data, as_json, rows_in(data))
