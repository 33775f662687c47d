"""What every subcommand shares: settings from the global flags, progress on stderr, opening
the engine, reading batch files and printing JSON."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..config import Settings
from ..errors import BadInput


def settings_from(args) -> Settings:
    return Settings().with_(corpus_dir=args.corpus, index_dir=args.index, model=args.model)


class Progress:
    """tqdm bars on stderr for the library's two progress styles: ``progress(stage, done, total)``
    callbacks (indexing) and ``progress(iterable, desc=..., ...)`` wrappers (evaluation)."""

    def __init__(self):
        self._bars: dict = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        bar = self._bars.get(stage)
        if bar is None and total == 0:
            return
        if bar is None:
            bar = self._bars[stage] = tqdm(total=total, desc=f"{stage:>16}", unit="item", file=sys.stderr, leave=True)
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    @staticmethod
    def wrap(iterable=None, **kw):
        from tqdm import tqdm

        return tqdm(iterable, file=sys.stderr, mininterval=1.0, dynamic_ncols=True, **kw)


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
