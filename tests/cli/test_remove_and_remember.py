"""``qa remove ID`` and an index that remembers its corpus folder, through the command line run in
process on the real model: removing deletes only the corpus entry (a link, never its target), and
a command that names no corpus folder keeps searching the folder the index was built from."""
from __future__ import annotations

import pytest

from tests.cli.inprocess import run_cli

LAMPS = "Lighthouse keepers\n\nThe last keeper of the north light retired in 1987 and left the lamp burning.\n"
BEES = "Bee keeping\n\nA strong hive holds sixty thousand bees in midsummer and needs space to grow.\n"
TIDES = "Tides\n\nSpring tides come twice a month, when the sun and moon pull along one line.\n"


@pytest.fixture
def folders(tmp_path, monkeypatch):
    monkeypatch.delenv("QA_CORPUS_DIR", raising=False)
    monkeypatch.delenv("QA_INDEX_DIR", raising=False)
    monkeypatch.setenv("QA_LOG_FILE", str(tmp_path / "qa-errors.log"))
    mydocs = tmp_path / "mydocs"
    mydocs.mkdir()
    for name, text in (("lamps.txt", LAMPS), ("bees.txt", BEES), ("tides.txt", TIDES)):
        (mydocs / name).write_text(text, encoding="utf-8")
    return tmp_path, mydocs, tmp_path / "index"


def doc_ids(r) -> set[str]:
    return {line.split()[0] for line in r.out.splitlines() if line.strip()}


def test_a_later_command_keeps_the_folder_the_index_was_built_from(folders, monkeypatch):
    root, mydocs, index = folders
    monkeypatch.chdir(root)  # the default corpus/ would be root/corpus, which does not exist
    built = run_cli(["--index", index, "index", mydocs])
    assert built.rc == 0, built
    r = run_cli(["--index", index, "docs"])
    assert r.rc == 0 and doc_ids(r) == {"lamps", "bees", "tides"}, r
    assert f"using the corpus folder {mydocs.resolve()}" in r.err and "--corpus" in r.err, r
    other = root / "other"
    other.mkdir()
    (other / "tides.txt").write_text(TIDES, encoding="utf-8")
    r = run_cli(["--corpus", other, "--index", index, "docs"])  # a folder named wins
    assert r.rc == 0 and doc_ids(r) == {"tides"} and "using the corpus folder" not in r.err, r


def test_remove_unlinks_a_link_and_never_its_target(folders):
    root, mydocs, index = folders
    (mydocs / "alias.txt").symlink_to(mydocs / "lamps.txt")
    flags = ["--corpus", mydocs, "--index", index]
    built = run_cli([*flags, "index"])
    assert built.rc == 0 and "alias.txt" in built.err, built  # the link is refused aloud, not indexed
    r = run_cli([*flags, "remove", "lamps"])
    assert r.rc == 0 and r.out.startswith("removed lamps (Lighthouse keepers): 2 documents"), r
    assert not (mydocs / "lamps.txt").exists() and (mydocs / "bees.txt").exists()
    assert doc_ids(run_cli([*flags, "docs"])) == {"bees", "tides"}


def test_remove_refuses_an_unknown_id_in_one_line(folders):
    root, mydocs, index = folders
    flags = ["--corpus", mydocs, "--index", index]
    assert run_cli([*flags, "index"]).rc == 0
    r = run_cli([*flags, "remove", "lamp"])
    assert r.rc == 2 and r.err.count("\n") == 1 and r.err.startswith("error: ") and "'lamp'" in r.err, r
    assert r.err.rstrip().endswith("known ids: lamps, bees, tides"), "the closest id first"
    assert sorted(p.name for p in mydocs.iterdir()) == ["bees.txt", "lamps.txt", "tides.txt"]
