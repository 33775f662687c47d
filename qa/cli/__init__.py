"""Command line: python -m qa {index,ask,compare,docs,overview,remove,eval} ... (JSON contracts in the README).

Each subcommand is a module with ``add_parser(subparsers)`` and ``run(args)``; this module
parses, sets up logging, and turns every failure into one ``error:`` line on stderr:

- the library's errors (``QAError``: a bad question, option or file) exit with code 2;
- the operating system's (``OSError``: a file or folder that cannot be read, written or made)
  exit with code 2, naming the path, the reason and what to check;
- anything else is a bug: ``error: unexpected <type>: <message>; details in <log>``, exit code 1,
  and the traceback is appended to the log file: ``$QA_LOG_FILE`` when set, else
  ``qa-errors.log`` in the temporary folder (``tempfile.gettempdir()``, usually /tmp).

Text from documents, file names and messages is printed with its control characters made
visible (``qa.present.text.visible``), so no input can drive the terminal.
"""
from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from ..errors import QAError
from ..present.text import visible
from . import ask, compare, docs, index, overview, remove
from . import eval as evaluate

SUBCOMMANDS = (index, ask, compare, docs, overview, remove, evaluate)

#: What to check when the operating system refuses a path, by errno.
OS_HINTS = {
    errno.ENOENT: "check that it exists",
    errno.EACCES: "check its permissions",
    errno.EPERM: "check its permissions",
    errno.ENOTDIR: "a part of the path is a file where a folder is needed",
    errno.EISDIR: "it is a folder where a file is needed",
    errno.EEXIST: "a file is in the way where a folder is needed; give another path or move the file",
    errno.ENOSPC: "free some disk space",
    errno.EROFS: "it is on a read-only disk; choose another place",
    errno.ENAMETOOLONG: "use a shorter name",
}


class Parser(argparse.ArgumentParser):
    """argparse with a usage error as one ``error:`` line naming the command and where to read
    more, like every other refusal (argparse prints the whole usage block first)."""

    def error(self, message: str):
        self.exit(2, visible(f"error: {self.prog}: {message}; see {self.prog} --help") + "\n")


def build_parser() -> argparse.ArgumentParser:
    ap = Parser(prog="python -m qa", description="Cited-passage Q&A over a folder of documents.")
    ap.add_argument("--corpus", help="corpus folder (default: corpus/, or $QA_CORPUS_DIR)")
    ap.add_argument("--index", help="index folder (default: index/, or $QA_INDEX_DIR)")
    ap.add_argument("--model", help="sentence-transformers model folder (default: the bundled all-MiniLM-L6-v2)")
    ap.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = ap.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed: returned, not raised
        return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 2
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # bm25s sets its own logger to DEBUG on import
        handler.setLevel(level)
    try:
        return args.func(args)
    except QAError as exc:
        return fail(str(exc), 2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (| head): nothing more to say to anyone
        _detach_stdout()
        return 1
    except OSError as exc:
        return fail(os_message(exc), 2)
    except Exception as exc:  # a bug: one line here, the traceback in the log
        return fail(unexpected(exc, argv), 1)


def fail(message: str, code: int) -> int:
    """Print ``message`` as one visible ``error:`` line on stderr; return the exit code."""
    print("error: " + visible(" ".join(message.split())), file=sys.stderr)
    return code


def os_message(exc: OSError) -> str:
    """"<path>: <reason>; <what to check>" for an error of the operating system."""
    where = "a file or folder" if exc.filename is None else _path(exc.filename)
    if exc.filename2 is not None:
        where += f" -> {_path(exc.filename2)}"
    hint = OS_HINTS.get(exc.errno, "check the path, its permissions and the free disk space")
    return f"{where}: {exc.strerror or exc}; {hint}"


def _path(name) -> str:
    return os.fsdecode(name) if isinstance(name, bytes | str) else str(name)  # a path, or a file descriptor


def log_path() -> Path:
    return Path(os.environ.get("QA_LOG_FILE") or Path(tempfile.gettempdir()) / "qa-errors.log")


def unexpected(exc: BaseException, argv: list[str] | None) -> str:
    """The one line for an exception nobody expected; its traceback is appended to ``log_path()``."""
    summary = f"unexpected {type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
    path = log_path()
    args = " ".join(map(repr, sys.argv[1:] if argv is None else argv))
    entry = f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} python -m qa {args}\n" + "".join(traceback.format_exception(exc))
    try:  # never through a link: the default file sits in a folder every user can write to
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(entry)
    except OSError as err:
        return f"{summary} (the details could not be written to {path}: {err.strerror or err})"
    return f"{summary}; details in {path}"


def _detach_stdout() -> None:
    """Point stdout at /dev/null, so that Python's last flush at exit does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
