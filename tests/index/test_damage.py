"""Damaged index versions, one row per damaged state: ``Engine.open(build=True)`` rebuilds them and
answers as before; ``build=False`` refuses them in one line naming the fix. Nothing reading an
index ever follows CURRENT out of the index folder.

All with the fake embedder: a template index is built once and copied for each row.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from qa import Engine, IndexProblem, Settings
from qa.index import store
from tests.conftest import CORPUS, FakeEmbedder

QUESTION = "Who voiced disagreement directly to the Russian president?"
REBUILT, ACCEPTED = "rebuilt", "accepted"  # refused by build=False and rebuilt / harmless, read as is


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = tmp_path_factory.mktemp("damage")
    shutil.copytree(CORPUS, root / "corpus")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "template", model="fake")
    engine = Engine.open(settings, embedder=FakeEmbedder())
    return SimpleNamespace(settings=settings, doc_ids=sorted(d.doc_id for d in engine.documents),
                           answer=[(h.doc_id, h.start, h.end) for h in engine.ask(QUESTION).passages])


@pytest.fixture
def copy(template, tmp_path) -> Settings:
    """Settings over a fresh copy of the template index (same corpus)."""
    shutil.copytree(template.settings.index_dir, tmp_path / "index")
    return template.settings.with_(index_dir=tmp_path / "index")


# -- how to damage a version folder ``v`` (its index folder is ``v.parent``) -------------------------

def edit_json(name: str, change: Callable[[dict], object]) -> Callable[[Path], None]:
    def damage(v: Path) -> None:
        data = json.loads((v / name).read_text(encoding="utf-8"))
        change(data)
        (v / name).write_text(json.dumps(data), encoding="utf-8")
    return damage


def edit_first_row(change: Callable[[dict], object]) -> Callable[[Path], None]:
    def damage(v: Path) -> None:
        rows = [json.loads(line) for line in (v / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
        change(rows[0])
        (v / "documents.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return damage


def first_block(change: Callable[[dict], object]) -> Callable[[Path], None]:
    return edit_first_row(lambda row: change(next(b for b in row["blocks"] if b["kind"] == "body")))


def write(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda v: (v / name).write_bytes(data)


def truncate(name: str) -> Callable[[Path], None]:
    return lambda v: (v / name).write_bytes((v / name).read_bytes()[: (v / name).stat().st_size // 2])


def current(data: bytes) -> Callable[[Path], None]:
    return lambda v: (v.parent / store.CURRENT).write_bytes(data)


def current_is_a_folder(v: Path) -> None:
    (v.parent / store.CURRENT).unlink()
    (v.parent / store.CURRENT / "v-x").mkdir(parents=True)


def current_outside(absolute: bool) -> Callable[[Path], None]:
    """CURRENT naming a good index version outside the index folder: never followed."""
    def damage(v: Path) -> None:
        outside = v.parent.parent / "outside"
        shutil.copytree(v, outside)
        (v.parent / store.CURRENT).write_text(str(outside) if absolute else "../outside", encoding="utf-8")
    return damage


def first_text(v: Path) -> Path:
    return sorted((v / "texts").iterdir())[0]


def save(name: str, change: Callable[[np.ndarray], np.ndarray]) -> Callable[[Path], None]:
    return lambda v: np.save(v / name, change(np.load(v / name)))


def each_bm25_part(damage: Callable[[Path], None]) -> Callable[[Path], None]:
    return lambda v: [damage(p) for p in (v / "bm25").iterdir()]


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    # CURRENT
    "CURRENT is a folder": (current_is_a_folder, REBUILT),
    "CURRENT not UTF-8": (current(b"\xff\xfe v-\x80"), REBUILT),
    "CURRENT empty": (current(b""), REBUILT),
    "CURRENT names a missing folder": (current(b"v-20000101T000000-000000"), REBUILT),
    "CURRENT names ../outside": (current_outside(absolute=False), REBUILT),
    "CURRENT names an absolute path": (current_outside(absolute=True), REBUILT),
    "CURRENT names a link to a folder": (lambda v: ((v.parent / "v-link").symlink_to(v),
                                                    (v.parent / store.CURRENT).write_text("v-link")), REBUILT),
    # manifest.json
    "manifest is a JSON list": (write("manifest.json", b"[]"), REBUILT),
    "manifest garbage": (write("manifest.json", b"\x00garbage\xff"), REBUILT),
    "manifest not UTF-8": (write("manifest.json", b'{"format_version": "\xff"}'), REBUILT),
    "manifest is a folder": (lambda v: ((v / "manifest.json").unlink(), (v / "manifest.json").mkdir()), REBUILT),
    "manifest missing": (lambda v: (v / "manifest.json").unlink(), REBUILT),
    "model is a string": (edit_json("manifest.json", lambda m: m.update(model="fake")), REBUILT),
    "dimension is a string": (edit_json("manifest.json", lambda m: m["model"].update(dimension="64")), REBUILT),
    "format_version is a string": (edit_json("manifest.json", lambda m: m.update(format_version="1")), REBUILT),
    "counts is a list": (edit_json("manifest.json", lambda m: m.update(counts=[1, 2, 3])), REBUILT),
    "documents is an object": (edit_json("manifest.json", lambda m: m.update(documents={"a": 1})), REBUILT),
    "a document is a string": (edit_json("manifest.json", lambda m: m["documents"].append("x")), REBUILT),
    "a document without size": (edit_json("manifest.json", lambda m: m["documents"][0].pop("size")), REBUILT),
    "a document's size is a string": (edit_json("manifest.json", lambda m: m["documents"][0].update(size="1")), REBUILT),
    "a document's size is true": (edit_json("manifest.json", lambda m: m["documents"][0].update(size=True)), REBUILT),
    "a document without sha256": (edit_json("manifest.json", lambda m: m["documents"][0].pop("sha256")), REBUILT),
    "skipped is a list": (edit_json("manifest.json", lambda m: m.update(skipped=["x"])), REBUILT),
    "corpus_dir is null": (edit_json("manifest.json", lambda m: m.update(corpus_dir=None)), REBUILT),
    # documents.jsonl
    "documents.jsonl truncated": (truncate("documents.jsonl"), REBUILT),
    "documents.jsonl not UTF-8": (write("documents.jsonl", b'{"doc_id": "\xff"}\n'), REBUILT),
    "a row is a list": (write("documents.jsonl", b"[1, 2]\n"), REBUILT),
    "a row without blocks": (edit_first_row(lambda r: r.pop("blocks")), REBUILT),
    "a row's title is null": (edit_first_row(lambda r: r.update(title=None)), REBUILT),
    "a row's notes is a string": (edit_first_row(lambda r: r.update(notes="x")), REBUILT),
    "doc id leaves the folder": (edit_first_row(lambda r: r.update(doc_id="../../manifest")), REBUILT),
    "doc id is a number": (edit_first_row(lambda r: r.update(doc_id=7)), REBUILT),
    "doc id twice": (lambda v: (v / "documents.jsonl").write_text(
        ((v / "documents.jsonl").read_text(encoding="utf-8").splitlines()[0] + "\n") * 2, encoding="utf-8"), REBUILT),
    "a block's start is a string": (first_block(lambda b: b.update(start=str(b["start"]))), REBUILT),
    "a block ends past its text": (first_block(lambda b: b.update(end=10**9)), REBUILT),
    "a block starts below 0": (first_block(lambda b: b.update(start=-5)), REBUILT),
    "a block's sentences is a number": (first_block(lambda b: b.update(sentences=5)), REBUILT),
    "a sentence outside its block": (first_block(lambda b: b.update(sentences=[[0, 10**9]] * len(b["sentences"]))),
                                     REBUILT),
    "a block's paragraph is a string": (first_block(lambda b: b.update(paragraph="1")), REBUILT),
    "blank lines in documents.jsonl": (lambda v: (v / "documents.jsonl").write_text(
        (v / "documents.jsonl").read_text(encoding="utf-8") + "\n  \n", encoding="utf-8"), ACCEPTED),
    # texts
    "a text missing": (lambda v: first_text(v).unlink(), REBUILT),
    "a text not UTF-8": (lambda v: first_text(v).write_bytes(b"\xff" * first_text(v).stat().st_size), REBUILT),
    "a text shorter than its spans": (lambda v: truncate(f"texts/{first_text(v).name}")(v), REBUILT),
    "texts is a file": (lambda v: (shutil.rmtree(v / "texts"), (v / "texts").write_text("x")), REBUILT),
    # vectors
    "passages.npy truncated": (truncate("passages.npy"), REBUILT),
    "sentences.npy garbage": (write("sentences.npy", b"\x93NUMPY\x01\x00garbage"), REBUILT),
    "passages.npy of one dimension": (save("passages.npy", lambda a: a[:, 0].copy()), REBUILT),
    "passages.npy of whole numbers": (save("passages.npy", lambda a: a.astype(np.int64)), REBUILT),
    "passages.npy one row short": (save("passages.npy", lambda a: a[:-1]), REBUILT),
    "passages.npy as float64": (save("passages.npy", lambda a: a.astype(np.float64)), ACCEPTED),
    "vectors.faiss truncated": (truncate("vectors.faiss"), REBUILT),
    "vectors.faiss garbage": (write("vectors.faiss", b"\x00garbage\xff" * 3), REBUILT),
    "vectors.faiss empty": (write("vectors.faiss", b""), REBUILT),
    # BM25
    "bm25 parts garbage": (each_bm25_part(lambda p: p.write_bytes(b"\x00garbage\xff")), REBUILT),
    "bm25 parts truncated": (each_bm25_part(lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])),
                             REBUILT),
    "bm25 vocabulary missing": (lambda v: (v / "bm25" / "vocab.index.json").unlink(), REBUILT),
    "bm25 term ids past the arrays": (edit_json("bm25/vocab.index.json", lambda d: d.update({k: 10**6 for k in d})),
                                      REBUILT),
    "bm25 passage numbers past the end": (lambda v: np.save(v / "bm25" / "indices.csc.index.npy",
                                                            np.load(v / "bm25" / "indices.csc.index.npy") + 10**6),
                                          REBUILT),
    "bm25_df.json is a list": (write("bm25_df.json", b"[]"), REBUILT),
    "bm25 frequencies are strings": (edit_json("bm25_df.json", lambda d: d.update(df={k: "1" for k in d["df"]})),
                                     REBUILT),
}


def one_line(message: str) -> bool:
    return "\n" not in message and "Traceback" not in message


@pytest.mark.parametrize("name", list(DAMAGE), ids=list(DAMAGE))
def test_a_damaged_version_is_refused_in_one_line_then_rebuilt(name, template, copy):
    damage, outcome = DAMAGE[name]
    version = store.live_version(copy.index_dir)
    damage(version)
    if outcome == REBUILT:
        with pytest.raises(IndexProblem) as err:
            Engine.open(copy, embedder=FakeEmbedder(), build=False)
        assert one_line(str(err.value)) and "python -m qa index" in str(err.value), err.value
    else:
        Engine.open(copy, embedder=FakeEmbedder(), build=False)
    engine = Engine.open(copy, embedder=FakeEmbedder(), build=True)
    assert sorted(d.doc_id for d in engine.documents) == template.doc_ids, "nothing indexed is lost"
    answer = engine.ask(QUESTION)
    assert [(h.doc_id, h.start, h.end) for h in answer.passages] == template.answer
    for h in answer.passages:
        assert engine.document(h.doc_id).text[h.start:h.end] == h.text
        assert Path(engine.document(h.doc_id).path).read_text(encoding="utf-8")[h.start:h.end] == h.text
    if outcome == REBUILT:
        assert store.live_version(copy.index_dir) != version, "rewritten"
        assert engine.version.folder.parent == copy.index_dir
    Engine.open(copy, embedder=FakeEmbedder(), build=False)  # and now accepted as is
    outside = copy.index_dir.parent / "outside"
    assert not outside.exists() or (outside / "manifest.json").is_file(), "nothing outside the index is touched"
