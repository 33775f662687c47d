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


def unwritable(index) -> None:
    """An index folder the process cannot write to, even as root (the tests run as root, which
    chmod does not stop): its lock file, the first thing a writer opens, replaced by a folder."""
    (index / ".lock").unlink()
    (index / ".lock").mkdir()


def test_remove_with_an_index_it_cannot_write_keeps_the_file(folders):
    """Issue 19: it deleted the file, then failed on the write; for HTML, PDF and DOCX the index
    holds only extracted text, so the original was gone."""
    root, mydocs, index = folders
    (mydocs / "harbour-report.html").write_text(
        "<html><head><title>Harbour report</title></head><body><article><h1>Harbour report</h1><p>The harbour "
        "master counted forty fishing boats at the quay and asked the town for a second crane.</p></article>"
        "</body></html>", encoding="utf-8")
    flags = ["--corpus", mydocs, "--index", index]
    assert run_cli([*flags, "index"]).rc == 0
    unwritable(index)
    r = run_cli([*flags, "remove", "harbour-report"])
    assert r.rc == 2 and r.err.count("\n") == 1 and "cannot write the index" in r.err, r
    assert r.err.rstrip().endswith("harbour-report not removed: its file and the index are as they were"), r
    assert (mydocs / "harbour-report.html").is_file()
    assert "harbour-report" in doc_ids(run_cli([*flags, "docs"]))


def test_remove_refuses_a_file_edited_since_it_was_indexed(folders):
    """With an index it cannot update (so the edit is not picked up first), ``qa remove`` must
    not delete a file whose bytes are not the indexed ones."""
    root, mydocs, index = folders
    flags = ["--corpus", mydocs, "--index", index]
    assert run_cli([*flags, "index"]).rc == 0
    (mydocs / "lamps.txt").write_text(LAMPS + "\nA paragraph written after the index was built.\n", encoding="utf-8")
    unwritable(index)
    r = run_cli([*flags, "remove", "lamps"])
    assert r.rc == 2 and r.err.splitlines()[-1] == (
        "error: lamps: lamps.txt changed since it was indexed (or is another file); not deleting it; "
        "run `qa index` to update"), r
    assert "written after" in (mydocs / "lamps.txt").read_text(encoding="utf-8")


def test_the_apps_remove_after_the_cli_removed_the_document_keeps_the_new_file(folders):
    """Issue 19: the app (its engine open all along) removed `notes` after the CLI had removed it
    and an unrelated notes.txt had taken its name: the new file was deleted."""
    from qa import BadInput, Settings
    from qa.serving import LazyEngine

    root, mydocs, index = folders
    (mydocs / "notes.txt").write_text("Notes\n\nThe old notes about the harbour cranes and the count of boats.\n",
                                      encoding="utf-8")
    flags = ["--corpus", mydocs, "--index", index]
    assert run_cli([*flags, "index"]).rc == 0
    app = LazyEngine(Settings(corpus_dir=mydocs, index_dir=index))
    assert "notes" in {d.doc_id for d in app.get().documents}
    assert run_cli([*flags, "remove", "notes"]).rc == 0
    other = "Notes\n\nUnrelated new notes: the fish soup recipe my grandmother wrote down.\n"
    (mydocs / "notes.txt").write_text(other, encoding="utf-8")
    with pytest.raises(BadInput, match="unknown document id 'notes'"):
        app.get().remove("notes")
    assert (mydocs / "notes.txt").read_text(encoding="utf-8") == other
