"""Small text helpers every part of the library shares: the search tokenizer, the names a
question mentions, JSON lines, and content hashes. A leaf: it imports nothing else of ``qa``
but ``errors``.
"""
from __future__ import annotations

import hashlib
import json
import re
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


# -- JSON lines -----------------------------------------------------------------------------------
def read_jsonl(path: Path) -> list[dict]:
    """Every non-blank line of a UTF-8 file parsed as JSON; BadInput naming the file otherwise."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise BadInput(f"{path}: not JSON lines ({exc})") from None


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
