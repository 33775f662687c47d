"""The shared text helpers: search terms, names in a question, JSON lines, hashes."""
from __future__ import annotations

import pytest

from qa.errors import BadInput
from qa.text import content_hash, file_sha256, names_in, read_jsonl, text_sha256, tokenize


def test_tokenize_stems_drops_stop_words_and_keeps_acronyms_last():
    assert tokenize("The U.S. mobilisation of Putin's troops") == ["mobil", "putin", "troop", "US"]
    assert tokenize("mobilization") == tokenize("mobilisation")  # British and American spellings meet
    assert tokenize("IT it") == ["IT"]  # an acronym is never a stop word; "it" is
    assert tokenize("How did they do it?") == []  # question words carry no topic


def test_names_in_skips_the_first_capitalised_word_but_not_an_acronym():
    assert names_in("Where is the Pope and NATO?") == ["Pope", "NATO"]
    assert names_in("NATO met Putin") == ["NATO", "Putin"]
    assert names_in("Putin met Biden") == ["Biden"]


def test_read_jsonl(tmp_path):
    good = tmp_path / "a.jsonl"
    good.write_text('{"id": 1}\n\n{"id": 2}\n', encoding="utf-8")
    assert read_jsonl(good) == [{"id": 1}, {"id": 2}]
    bad = tmp_path / "b.jsonl"
    bad.write_text('{"id": 1}\nnot json\n', encoding="utf-8")
    with pytest.raises(BadInput, match="b.jsonl: not JSON lines"):
        read_jsonl(bad)
    with pytest.raises(BadInput, match="missing.jsonl: cannot read"):
        read_jsonl(tmp_path / "missing.jsonl")


def test_hashes(tmp_path):
    abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert text_sha256("abc") == abc
    (tmp_path / "f").write_bytes(b"abc")
    assert file_sha256(tmp_path / "f") == abc
    assert content_hash("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d"


@pytest.mark.parametrize("text, asks", [
    ("Who confronted Putin?", True), ("how many reservists were called up", True),
    ("Tell me about the mobilisation", True), ("the exemptions for officials' families?", True),
    ("0-dimensional biomaterials lack inductive properties.", False), ("mobilisation exemptions", False),
    ("", False), ("   ?  ", True), ("Whoever wins, the war goes on.", False)])
def test_is_question_tells_questions_and_requests_from_statements_and_keywords(text, asks):
    from qa.text import is_question

    assert is_question(text) is asks
