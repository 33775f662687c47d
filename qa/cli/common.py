"""What every subcommand shares: settings from the global flags, progress on stderr, opening
the engine, reading batch files and printing JSON."""
from __future__ import annotations

import codecs
import json
import math
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ..config import Settings
from ..errors import BadInput
from ..present.text import visible
from ..text import loads_line, without_surrogates

#: A batch line longer than this, in bytes, is refused for its row and never read whole: a
#: question is at most MAX_QUESTION_CHARS characters, far less even written as \uXXXX escapes.
MAX_BATCH_LINE_BYTES = 100_000


def check_path(flag: str, value: str | None) -> None:
    """Refuse an empty path: Path("") is the working folder, where an index or files would land."""
    if value is not None and not value.strip():
        raise BadInput(f"{flag} is an empty path, which would mean the working folder; give a path, "
                       f"or leave {flag} out for the default")


def settings_from(args) -> Settings:
    """Settings from the global flags over the environment. With no corpus folder named (no
    --corpus, no QA_CORPUS_DIR), the folder the index was built from, said on stderr: otherwise
    ``qa --index I index mydocs`` then ``qa --index I docs`` would rebuild I from corpus/."""
    from ..index import remembered_corpus

    for flag, value in (("--corpus", args.corpus), ("--index", args.index), ("--model", args.model)):
        check_path(flag, value)
    settings = Settings().with_(corpus_dir=args.corpus, index_dir=args.index, model=args.model)
    if args.corpus is None:
        settings, note = remembered_corpus(settings)
        if note:
            print(visible(f"note: {note}"), file=sys.stderr)
    return settings


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


@dataclass
class Row:
    """One line of a batch file: the question (or topic) to ask, or why the line cannot be asked."""

    line: int
    id: object = None  # a string, an int, a finite float or None: always valid JSON
    has_id: bool = False
    text: str = ""  # "" when the line holds no usable text
    error: str | None = None


def read_batch(path: str, key: str) -> Iterator[Row]:
    """The rows of a JSON-lines batch file (or stdin for "-"), each line an object holding ``key``.

    The file is opened now, so a wrong path is refused before the model loads; its lines are read
    as they are asked. A line that is not such an object gives a row with an ``error`` (the rest
    of the batch is still answered); only a file that cannot be opened raises BadInput.
    """
    if path != "-":
        check_path("--batch", path)
    try:
        stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # closed by _rows
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the batch file ({exc.strerror or exc})") from None
    return _rows(stream, key, close=path != "-")


def _rows(stream: BinaryIO, key: str, close: bool) -> Iterator[Row]:
    try:
        for n, raw in _lines(stream):
            if n == 1 and raw:
                raw = raw.removeprefix(codecs.BOM_UTF8)  # a BOM, as some editors write, is not content
            if raw is None or raw.strip():
                yield _row(n, raw, key)
    finally:
        if close:
            stream.close()


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """(number, bytes) of each line, split at b"\\n" only (U+2028 or U+0085 may sit raw inside a
    JSON string); None for a line over MAX_BATCH_LINE_BYTES, whose rest is skipped unread."""
    n = 0
    while line := stream.readline(MAX_BATCH_LINE_BYTES + 1):
        n += 1
        if len(line) <= MAX_BATCH_LINE_BYTES or line.endswith(b"\n"):
            yield n, line
            continue
        while line and not line.endswith(b"\n"):
            line = stream.readline(1 << 16)
        yield n, None


def _row(n: int, raw: bytes | None, key: str) -> Row:
    like = f'each line must be like {{"id": 1, "{key}": "..."}}'
    if raw is None:
        return Row(n, error=f"line {n}: longer than {MAX_BATCH_LINE_BYTES:,} bytes; {like}")
    try:
        value = loads_line(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return Row(n, error=f"line {n}: not UTF-8 text (byte {exc.start + 1}); save the file as UTF-8")
    except BadInput as exc:
        return Row(n, error=f"line {n}: {exc}; {like}")
    if not isinstance(value, dict):
        return Row(n, error=f"line {n}: not a JSON object but {json_type(value)}; {like}")
    text = value.get(key)
    row = Row(n, value.get("id"), "id" in value, text if isinstance(text, str) else "")
    if not valid_id(row.id):
        row.id, row.error = None, f"line {n}: the id must be a string or a number, got {json_type(value['id'])}"
    elif key not in value:
        row.error = f'line {n}: missing "{key}"; {like}'
    elif not isinstance(text, str):
        row.error = f'line {n}: the "{key}" must be a string, got {json_type(text)}; {like}'
    return row


def valid_id(value) -> bool:
    """Whether a batch row's id can be echoed as JSON: a string, an int, a finite float, or None."""
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def json_type(value) -> str:
    """What a parsed JSON value is, as a message names it."""
    if isinstance(value, float) and not math.isfinite(value):
        return "a number too large for a float"
    names = {bool: "true or false", type(None): "null", int: "a number", float: "a number", str: "a string",
             list: "an array", dict: "an object"}
    return names.get(type(value), type(value).__name__)


#: What json.dumps(ensure_ascii=False) leaves raw but a reader may split lines at (U+2028,
#: U+2029, U+0085) or a terminal may obey (DEL, the C1 controls): written as \u escapes instead,
#: the same JSON value. They can only occur inside JSON strings, so replacing them is safe.
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029]")


def dumps(obj, indent: int | None = None) -> str:
    """JSON text that is always valid (no NaN or Infinity: ValueError instead) and valid UTF-8
    (a lone surrogate, which no UTF-8 can hold, as U+FFFD)."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, indent=indent)
    return without_surrogates(_RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def row_line(out: dict, key: str) -> str:
    """One batch result as a line for the terminal (control characters made visible)."""
    if "error" in out:
        state = "error: " + out["error"]
    else:
        state = "answered" if out["answered"] else "not answered"
    return visible(f"[{out.get('id')}] {out[key]}: {state}")


def emit(obj) -> None:
    sys.stdout.write(dumps(obj) + "\n")
