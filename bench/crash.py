"""``make crash``: SIGKILL ``python -m qa index`` at random moments, and inside the write window,
over a temporary copy of corpus/ that grows and changes between runs; then SIGKILL
``python -m qa remove`` at random moments and between its index write and its deletion of the file.

After each kill the index on disk must be usable as it is (CURRENT names a version that reads
whole and answers a question: what ``Engine.open`` uses when it cannot update), hold every
document indexed before the kill, and cite verbatim: every passage is ``text[start:end]`` of its
document, and of the file itself when the file is unchanged since it was indexed. At the end one
uninterrupted run must index the whole corpus and ``Engine.open(build=False)`` accept it.

    python -m bench.crash [--kills 24] [--window-every 3] [--remove-kills 12] [--seed 7]

Every ``--window-every``-th kill waits until the run starts writing its new version (a new name
appears in the index folder: ``.tmp-*`` as the store works now) and lands a few milliseconds
later; the others come at a random moment of a run. Every fourth run is left to finish, so the
index grows as it would.

Each ``qa remove`` run removes a note from an index brought up to date first (in this process), so
its only write is the removal's. Every ``--window-every``-th is killed as soon as CURRENT changes
or the file goes (the file is deleted only after the new version is live), the others at a random
moment. A
note is lost when its file is gone while the index still holds it (what deleting first left), or
when it left the index with its file still there and the next update does not index it again;
every other document must stay indexed. Runs use the real model (ONNX) with QA_THREADS=1. Prints one summary
line (goal: 0 unusable indexes, 0 lost documents, 0 wrong citations) and writes its section of
bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import CORPUS, ROOT, table, temp_project, write_section
from qa.config import Settings

QUESTION = "Who voiced disagreement directly to the Russian president?"
#: longest a run may take before it is stopped as hung (a kill does not count then)
RUN_TIMEOUT = 300.0


@dataclass
class Tally:
    kills: int = 0
    in_window: int = 0  # kills after a run began writing and before CURRENT changed
    finished: int = 0  # runs left to finish (every fourth) or that ended before their kill came
    remove_kills: int = 0  # SIGKILLs of `qa remove`
    remove_between: int = 0  # ... that left the note out of the index and its file still there
    remove_finished: int = 0  # `qa remove` runs that ended before their kill came
    unusable: int = 0
    lost: int = 0
    wrong: int = 0
    documents: int = 0  # in the final index
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"crash: {self.kills} kills ({self.in_window} inside the write window; {self.finished} runs "
                f"finished), {self.remove_kills} of qa remove ({self.remove_between} between the index write and "
                f"the delete; {self.remove_finished} finished); unusable indexes: {self.unusable}; lost documents: "
                f"{self.lost}; wrong citations: {self.wrong}; final index: {self.documents} documents")


class GrowingCorpus:
    """The corpus copy, changed between runs: a new note each time, and now and then a new text
    for a note added before. Notes are made of the articles' own sentences. Nothing is removed,
    so every document indexed once must stay indexed."""

    def __init__(self, folder: Path, rng: random.Random):
        self.folder, self.rng = folder, rng
        text = " ".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt")))
        self.sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if 40 <= len(s) <= 300]
        self.notes: list[Path] = []

    def step(self, i: int) -> None:
        note = self.folder / f"note-{i:03d}.txt"
        self._write(note, i)
        if self.notes and self.rng.random() < 0.5:
            self._write(self.rng.choice(self.notes), i)
        self.notes.append(note)

    def _write(self, path: Path, i: int) -> None:
        paragraphs = [" ".join(self.rng.sample(self.sentences, self.rng.randint(2, 4)))
                      for _ in range(self.rng.randint(2, 5))]
        path.write_text(f"Note {i}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")


def _env() -> dict:
    return dict(os.environ, QA_THREADS="1", HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")


def _start(root: Path, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "qa", "--corpus", str(root / "corpus"), "--index", str(root / "index"),
               *(args or ["index"])]
    return subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _state(index: Path) -> tuple[set[str], bytes]:
    """The names in the index folder and what CURRENT says."""
    try:
        return {e.name for e in os.scandir(index)} - {".lock"}, (index / "CURRENT").read_bytes()
    except OSError:
        return set(), b""


def _writing(index: Path, before: tuple[set[str], bytes]) -> bool:
    """True once a run writes into the index folder (a name appears that was not there before the
    run, a crash's leftovers aside), as long as CURRENT has not changed: inside the write window."""
    names, pointer = _state(index)
    return bool(names - before[0]) and pointer == before[1]


def _wait_for_write(proc: subprocess.Popen, index: Path, before: tuple[set[str], bytes]) -> bool:
    deadline = time.monotonic() + RUN_TIMEOUT
    while proc.poll() is None and time.monotonic() < deadline:
        if _state(index)[0] - before[0]:
            return True
        time.sleep(0.001)
    return False


def run_and_kill(root: Path, delay: float | None, rng: random.Random) -> str:
    """Start an index run and SIGKILL it after ``delay`` seconds, or (None) a few milliseconds
    after it starts writing its new version; return "killed", "window" or "finished"."""
    index = root / "index"
    before = _state(index)
    proc = _start(root)
    try:
        if delay is None:
            if _wait_for_write(proc, index, before):
                time.sleep(rng.uniform(0, 0.01))  # the window lasts 10-20 ms here (2 articles and notes)
        else:
            try:
                proc.wait(delay)
            except subprocess.TimeoutExpired:
                pass
        window = _writing(index, before)
        if proc.poll() is not None:
            return "finished"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return "window" if window else "killed"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_and_kill_remove(root: Path, note: Path, delay: float | None) -> str:
    """Start ``qa remove`` of ``note`` and SIGKILL it after ``delay`` seconds, or (None) as soon as
    CURRENT changes or the file goes, whichever comes first: the moment between the index write
    and the delete, a few milliseconds here (a remove that deleted first would be caught with the
    file gone and the note still indexed). Return "killed" or "finished"."""
    pointer = root / "index" / "CURRENT"
    before = pointer.read_bytes()
    proc = _start(root, "remove", note.stem)
    try:
        if delay is None:
            deadline = time.monotonic() + RUN_TIMEOUT
            while proc.poll() is None and time.monotonic() < deadline:
                with contextlib.suppress(OSError):  # replaced while read
                    if pointer.read_bytes() != before or not note.exists():
                        break
                time.sleep(0.0002)
        else:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(delay)
        if proc.poll() is not None:
            return "finished"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return "killed"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def remove_kills(root: Path, corpus: GrowingCorpus, embedder, indexed: set[str], kills: int, window_every: int,
                 rng: random.Random, tally: Tally, log) -> set[str]:
    """SIGKILL ``kills`` ``qa remove`` runs (see the module); return the ids indexed at the end."""
    from qa.index import update_index

    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    run_time, attempt = 3.0, 0
    while tally.remove_kills < kills and attempt < kills * 3 and len(corpus.notes) > 1:
        update_index(settings, embedder)  # fresh: the run's one write is the removal's
        indexed = check(root, embedder, indexed, tally)
        note = corpus.notes.pop(rng.randrange(len(corpus.notes)))
        doc_id = note.stem
        in_window = window_every > 0 and tally.remove_kills % window_every == window_every - 1
        started = time.perf_counter()
        outcome = run_and_kill_remove(root, note, None if in_window else rng.uniform(0.05, run_time))
        attempt += 1
        after = check(root, embedder, indexed - {doc_id}, tally)  # every other document still there
        there, kept = note.exists(), doc_id in after
        if outcome == "finished":
            tally.remove_finished += 1
            run_time = time.perf_counter() - started
            if kept or there:
                tally.problems.append(f"qa remove {doc_id} finished, yet the note is still indexed or its file there")
        else:
            tally.remove_kills += 1
            tally.remove_between += there and not kept
        if kept and not there:  # the file deleted while the index still holds the note
            tally.lost += 1
            tally.problems.append(f"{doc_id}: its file is gone but the index still holds it ({outcome})")
        if there and not kept:  # left the index, file still there: the next update must index it again
            update_index(settings, embedder)
            after = check(root, embedder, after, tally)
            if doc_id not in after:
                tally.lost += 1
                tally.problems.append(f"{doc_id}: out of the index, its file still there, and not indexed again")
        if there:
            corpus.notes.append(note)
        indexed = after
        log(f"remove {attempt}: {outcome}; {doc_id} {'indexed' if kept else 'not indexed'}, file "
            f"{'there' if there else 'gone'}; unusable {tally.unusable}, lost {tally.lost}, wrong {tally.wrong}")
    return indexed


def wrong_citations(engine, answer) -> int:
    """Passages (of every document, and of the answer) that are not a slice of their document's
    text, or of the file itself when it is unchanged since it was indexed."""
    wrong = 0
    for doc in engine.documents:
        try:
            data = Path(doc.path).read_bytes()
        except OSError:
            data = b""
        on_disk = data.decode("utf-8") if hashlib.sha256(data).hexdigest() == doc.sha256 else doc.text
        wrong += sum(doc.text[p.start:p.end] != p.text or on_disk[p.start:p.end] != p.text for p in doc.passages)
    return wrong + sum(engine.document(h.doc_id).text[h.start:h.end] != h.text for h in answer.passages)


def check(root: Path, embedder, before: set[str], tally: Tally) -> set[str]:
    """The index as it is on disk after a kill; return the document ids it holds."""
    from qa import Engine, QAError
    from qa.index import store

    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    try:
        folder = store.live_version(settings.index_dir)
        if folder is None:
            raise QAError(f"{settings.index_dir}: no index after the kill")
        engine = Engine(settings, embedder, store.read_version(folder, settings.threads))
        answer = engine.ask(QUESTION)
    except Exception as exc:  # anything that stops the index being used counts
        tally.unusable += 1
        tally.problems.append(f"{type(exc).__name__}: {exc}" if not isinstance(exc, QAError) else str(exc))
        return before
    ids = {d.doc_id for d in engine.documents}
    tally.lost += len(before - ids)
    tally.problems += [f"lost {doc_id}" for doc_id in sorted(before - ids)]
    tally.wrong += wrong_citations(engine, answer)
    return ids


def final_check(root: Path, embedder, before: set[str], tally: Tally) -> None:
    """One run left alone indexes the whole corpus, and the index is then accepted as it is."""
    from qa import Engine, QAError
    from qa.ingest import corpus_files, doc_id_for

    proc = _start(root)
    _, err = proc.communicate(timeout=RUN_TIMEOUT)
    try:
        if proc.returncode != 0:
            raise QAError(f"the last run failed: {err.decode(errors='replace').strip()[-300:]}")
        engine = Engine.open(Settings(corpus_dir=root / "corpus", index_dir=root / "index"), embedder, build=False)
    except QAError as exc:
        tally.unusable += 1
        tally.problems.append(str(exc))
        return
    ids = {d.doc_id for d in engine.documents}
    missing = (before | {doc_id_for(p) for p in corpus_files(root / "corpus")}) - ids
    tally.lost += len(missing)
    tally.wrong += wrong_citations(engine, engine.ask(QUESTION))
    tally.documents = len(ids)


def run(kills: int = 24, window_every: int = 3, seed: int = 7, final: bool = True, log=print,
        removes: int = 0) -> Tally:
    """``kills`` SIGKILLs of index runs, then ``removes`` of remove runs (see the module); the tally
    of what they broke."""
    from qa.models.encoders import embedder_for

    rng, tally = random.Random(seed), Tally()
    embedder = embedder_for(Settings())
    with temp_project() as root:
        corpus = GrowingCorpus(root / "corpus", rng)
        started = time.perf_counter()
        first = _start(root)
        _, err = first.communicate(timeout=RUN_TIMEOUT)
        if first.returncode != 0:
            raise RuntimeError(f"the first index run failed: {err.decode(errors='replace')[-500:]}")
        run_time = time.perf_counter() - started  # then the last completed run's: kills land inside runs
        indexed = check(root, embedder, set(), tally)
        step = 0
        while tally.kills < kills and step < kills * 3:
            corpus.step(step)
            in_window = window_every > 0 and tally.kills % window_every == window_every - 1
            started = time.perf_counter()
            if step % 4 == 3:  # every fourth run is left alone: the index grows, and so what may be lost
                outcome = run_and_kill(root, RUN_TIMEOUT, rng)
            else:
                outcome = run_and_kill(root, None if in_window else rng.uniform(0.05, run_time), rng)
            step += 1
            if outcome == "finished":
                tally.finished += 1
                run_time = time.perf_counter() - started
            else:
                tally.kills += 1
                tally.in_window += outcome == "window"
            indexed = check(root, embedder, indexed, tally)
            log(f"run {step}: {outcome}; {len(indexed)} documents indexed; unusable {tally.unusable}, "
                f"lost {tally.lost}, wrong {tally.wrong}")
        if removes:
            indexed = remove_kills(root, corpus, embedder, indexed, removes, window_every, rng, tally, log)
        if final:
            final_check(root, embedder, indexed, tally)
    return tally


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.crash", description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=24)
    ap.add_argument("--window-every", type=int, default=3, help="every N-th kill lands inside the write window")
    ap.add_argument("--remove-kills", type=int, default=12, help="SIGKILLs of `python -m qa remove` after those")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    tally = run(args.kills, args.window_every, args.seed, removes=args.remove_kills)
    for problem in tally.problems:
        print(f"  problem: {problem}")
    print(tally.line())
    rows = [["SIGKILLs of `python -m qa index`", tally.kills], ["of them inside the write window", tally.in_window],
            ["runs that finished (every 4th is left alone)", tally.finished],
            ["SIGKILLs of `python -m qa remove`", tally.remove_kills],
            ["of them between its index write and its delete (note out of the index, file there)", tally.remove_between],
            ["remove runs that finished before their kill", tally.remove_finished],
            ["unusable indexes (goal 0)", tally.unusable],
            ["lost documents (goal 0)", tally.lost], ["wrong citations (goal 0)", tally.wrong],
            ["documents in the final index", tally.documents]]
    body = (table(["", "count"], rows) + f"\n\nA new note added (and sometimes an earlier one rewritten) before each "
            f"index run; each remove run removes a note from an up-to-date index (1 in {args.window_every} killed as "
            f"soon as CURRENT changes or the file goes); seed {args.seed}; {time.perf_counter() - started:.0f} s in all.")
    write_section("crash", "Crash safety: index and remove runs killed with SIGKILL", body,
                  f"python -m bench.crash --kills {args.kills} --window-every {args.window_every} "
                  f"--remove-kills {args.remove_kills} --seed {args.seed}")
    return 0 if tally.unusable == tally.lost == tally.wrong == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
