"""Small text helpers every part of the library shares: the search tokenizer, the names a
question mentions, checks on text a user typed or sent, JSON lines, and content hashes. A leaf:
it imports nothing else of ``qa`` but ``errors``.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from .errors import BadInput

# -- tokens ---------------------------------------------------------------------------------------
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_ACRONYM = re.compile(r"[A-Z]{2,5}s?")
_DOTTED = re.compile(r"\b((?:[A-Z]\.){2,4})")  # U.S., U.K.: read as US, UK
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def _sklearn_stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, read from its source file without importing scikit-learn:
    ``import sklearn`` pulls in scipy and costs about 1.6 s, most of a question's cold start."""
    import importlib.util

    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("scikit-learn is not installed; run: pip install -r requirements.txt")
    path = Path(next(iter(spec.submodule_search_locations))) / "feature_extraction" / "_stop_words.py"
    module = importlib.util.module_from_spec(importlib.util.spec_from_file_location("_qa_sklearn_stop_words", path))
    module.__spec__.loader.exec_module(module)
    return frozenset(module.ENGLISH_STOP_WORDS)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """bm25s's English list plus scikit-learn's, which also holds question words (how, where, did)
    that carry no topic and would otherwise weigh in BM25 and in the evidence test."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | _sklearn_stop_words() | {"did", "does", "doing", "done"}


def tokenize(text: str) -> list[str]:
    """Search terms of a text: Snowball-stemmed lower-case words without stop words or a
    possessive 's (-isation read as -ization), then acronyms kept upper-case (US, GDP)."""
    words, acronyms = [], []
    stop = stopwords()
    text = _DOTTED.sub(lambda m: m.group(1).replace(".", "") + " ", text.translate(_QUOTES))
    for w in _WORD.findall(text):
        if _ACRONYM.fullmatch(w):  # IT, US, GDP: kept apart from it, us, and never a stop word
            acronyms.append(w.rstrip("s").upper())
            continue
        w = w.lower().replace("isation", "ization")  # British and American spellings meet (mobilisation)
        if w.endswith("'s"):
            w = w[:-2]
        w = w.replace("'", "")
        if w and w not in stop:
            words.append(w)
    return _stemmer().stemWords(words) + acronyms


# -- names ----------------------------------------------------------------------------------------
_NAME = re.compile(r"\b(?:[A-Z][a-z]+(?:[-'’][A-Za-z]+)?|[A-Z]{2,}s?)\b")


def names_in(question: str) -> list[str]:
    """Capitalised words after the first word, and acronyms anywhere: what the question names."""
    out = []
    for m in _NAME.finditer(question):
        word = m.group(0)
        first = question[:m.start()].strip() == ""
        if first and not word.isupper():
            continue
        out.append(word)
    return out


# -- user text ----------------------------------------------------------------------------------
#: Words that open a question or a request: what a reader types when asking, not claiming.
_ASKING = frozenset("what which who whom whose when where why how is are was were do does did can could should "
                    "would will has have had may might must shall tell explain describe list name give show find".split())


def is_question(text: str) -> bool:
    """A question or a request ("Who ...?", "tell me about ..."), as against a statement or a
    string of keywords: a question is asked in the reader's own words, while a claim restates the
    text (retrieval and the reader treat the two differently)."""
    text = text.strip()
    if text.endswith("?"):
        return True
    first = _WORD.search(text)
    return bool(first) and first.group().lower() in _ASKING


_SURROGATE = re.compile("[\ud800-\udfff]")


def bad_character(text: str) -> str | None:
    """What makes ``text`` unusable as Unicode, or None: a lone surrogate (U+D800-U+DFFF) is no
    character. Python puts one in a string for each byte that was not UTF-8 (a command line read
    with surrogateescape) or for a JSON escape such as "\\ud800"; encoders and tokenizers fail on it."""
    m = _SURROGATE.search(text)
    if m is None:
        return None
    code = ord(m.group())
    what = f"the byte 0x{code - 0xDC00:02X}, which is not UTF-8" if 0xDC80 <= code <= 0xDCFF else \
        f"a lone surrogate U+{code:04X}"
    return f"character {m.start() + 1} is {what}"


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, so that it can be written as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


def without_controls(text: str) -> str:
    """``text`` with control characters (Cc: NUL, ESC, tab...) read as spaces and invisible format
    characters (Cf: zero-width space, BOM, soft hyphen...) dropped: a name with a zero-width
    space inside is still searched as the name."""
    out = []
    for ch in text:
        kind = unicodedata.category(ch)
        if kind == "Cc":
            out.append(" ")
        elif kind != "Cf":
            out.append(ch)
    return "".join(out)


def has_search_words(text: str) -> bool:
    """Whether ``text`` holds something to search for: a search term (not only stop words like
    "a", "who", "is") or a letter or digit the tokenizer does not read (Cyrillic, Chinese...)."""
    return bool(tokenize(text)) or any(ch.isalnum() and not ch.isascii() for ch in text)


# -- JSON lines -----------------------------------------------------------------------------------
#: Longest JSON line read, in characters, and deepest nesting of [ and {: checked before parsing,
#: since Python's parser recurses once per level (a line of 100,000 "[" raised RecursionError).
MAX_JSON_LINE_CHARS = 1_000_000
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth(line: str) -> int:
    """How deeply [ and { nest in a JSON text (brackets inside strings not counted)."""
    depth = deepest = 0
    for ch in _NOT_BRACKET.sub("", _JSON_STRING.sub("", line)):
        depth += 1 if ch in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def loads_line(line: str, max_chars: int = MAX_JSON_LINE_CHARS, max_depth: int = MAX_JSON_DEPTH):
    """One line of JSON, strictly (no NaN or Infinity); BadInput saying what is wrong otherwise."""
    if len(line) > max_chars:
        raise BadInput(f"the line is {len(line):,} characters long; keep each line under {max_chars:,}")
    if json_depth(line) > max_depth:
        raise BadInput(f"the line nests [ and {{ more than {max_depth} deep")
    try:
        return json.loads(line, parse_constant=_refuse_constant)
    except RecursionError:  # a bracket the depth count missed: refuse, never crash
        raise BadInput(f"the line nests [ and {{ more than {max_depth} deep") from None
    except ValueError as exc:
        raise BadInput(f"not JSON ({exc})") from None


def json_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of each non-blank line. Lines end at "\\n" only: str.splitlines would
    also split at U+2028, U+2029 and U+0085, which JSON allows raw inside a string."""
    return [(n, line) for n, line in enumerate(text.split("\n"), 1) if line.strip()]


def read_jsonl(path: Path) -> list:
    """Every non-blank line of a UTF-8 file (a leading BOM ignored) parsed as JSON; BadInput
    naming the file, and the line, otherwise."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not JSON lines (not UTF-8 text at byte {exc.start:,}); save it as UTF-8") from None
    rows = []
    for n, line in json_lines(text):
        try:
            rows.append(loads_line(line))
        except BadInput as exc:
            raise BadInput(f"{path}: not JSON lines (line {n}: {exc})") from None
    return rows


# -- hashes ---------------------------------------------------------------------------------------
def bytes_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text_sha256(text: str) -> str:
    return bytes_sha256(text.encode("utf-8"))


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB chunks (model weights are large)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def content_hash(text: str) -> str:
    """The key of a text's vector in the index and the embedding cache (sha1: short, and only
    used to recognise a text seen before, never for security)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def quoted(value, limit: int = 80) -> str:
    """A value from the user as a message quotes it: its repr, a text cut at ``limit`` characters
    and anything else's repr at ``limit`` characters, so a megabyte of input (or a number of a
    thousand digits) never becomes a megabyte of error line."""
    if isinstance(value, str):
        return repr(value) if len(value) <= limit else repr(value[:limit]) + f"... ({len(value):,} characters)"
    shown = repr(value)
    return shown if len(shown) <= limit else shown[:limit] + f"... ({len(shown):,} characters)"
