"""What every subcommand shares: settings from the global flags, progress on stderr, opening
the engine, reading batch files and printing JSON."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ..config import Settings
from ..errors import BadInput


def settings_from(args) -> Settings:
    return Settings().with_(corpus_dir=args.corpus, index_dir=args.index, model=args.model)


class Progress:
    """Progress on stderr for the library's two styles: ``progress(stage, done, total)`` callbacks
    (indexing) and ``progress(iterable, desc=..., ...)`` wrappers (evaluation).

    On a terminal: a tqdm bar per stage. In a log or CI (stderr not a terminal): one line per
    stage when it ends, with its count and time ("embed passages: 64 in 1.2 s"), no bars.
    """

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self._bars: dict = {}
        self._started: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total == 0 and stage not in self._started:
            return
        self._started.setdefault(stage, time.perf_counter())
        if self.live:
            self._bar(stage, done, total)
        elif done >= total:
            self._line(stage, total)

    def _bar(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        bar = self._bars.get(stage)
        if bar is None:
            bar = self._bars[stage] = tqdm(total=total, desc=f"{stage:>16}", unit="item", file=self.stream)
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    def _line(self, stage: str, count: int) -> None:
        seconds = time.perf_counter() - self._started.pop(stage)
        print(f"{stage}: {count:,} in {seconds:.1f} s", file=self.stream, flush=True)

    def wrap(self, iterable=None, desc: str = "", total: int | None = None, **kw):
        """An iterable reported as one stage (see the class)."""
        if self.live:
            from tqdm import tqdm

            return tqdm(iterable, desc=desc, total=total, file=self.stream, mininterval=1.0, dynamic_ncols=True, **kw)
        return _Counted(self, iterable, desc or "progress", total)


class _Counted:
    """What ``Progress.wrap`` gives in a log: iterates (or is updated by hand, like a tqdm bar) and
    prints one line when done."""

    def __init__(self, progress: Progress, iterable, stage: str, total: int | None):
        self.progress, self.iterable, self.stage, self.n = progress, iterable, stage, 0
        progress._started[stage] = time.perf_counter()

    def __iter__(self):
        for item in self.iterable:
            self.n += 1
            yield item
        self.close()

    def update(self, n: int = 1) -> None:
        self.n += n

    def close(self) -> None:
        if self.stage in self.progress._started:
            self.progress._line(self.stage, self.n)


def open_engine(args, build: bool = True):
    from ..engine import Engine

    return Engine.open(settings_from(args), build=build, progress=Progress())


def check_docs(engine, doc_ids) -> None:
    """Refuse unknown --doc ids before any question is embedded (no model load for a typo)."""
    for doc_id in doc_ids or []:
        engine.document(doc_id)


def read_batch(path: str, key: str) -> list[dict]:
    """The rows of a JSON-lines batch file (or stdin for "-"), each an object holding ``key``."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the batch file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: the batch file is not UTF-8 text") from None
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise BadInput(f"{path}:{n}: not a JSON object; each line must be like {{\"id\": 1, \"{key}\": \"...\"}}") from None
        if not isinstance(row, dict) or key not in row:
            raise BadInput(f"{path}:{n}: missing \"{key}\"; each line must be like {{\"id\": 1, \"{key}\": \"...\"}}")
        rows.append(row)
    return rows


def emit(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
