"""Shared fixtures: a deterministic fake embedder for fast unit tests, a temp corpus and index."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa.config import go_offline

go_offline()
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


class FakeEmbedder:
    """Bag-of-words hashed into 64 dimensions, L2-normalised: deterministic, instant, no model.

    Texts sharing words get similar vectors, which is enough to test plumbing and ranking logic.
    """

    model_id = "fake"
    weights_sha256 = "fake"
    encoder = "fake"
    batch_size = 16
    dim = 64

    def __init__(self):
        self.calls = 0
        self.encoded = 0

    def encode(self, texts, show_progress=False):
        from qa.text import tokenize

        self.calls += 1
        self.encoded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for tok in tokenize(t) or ["empty"]:
                out[i, int(hashlib.md5(tok.encode()).hexdigest(), 16) % self.dim] += 1.0
            out[i] /= np.linalg.norm(out[i]) or 1.0
        return out


def make_hit(rank=1, doc_id="a", text="First sentence. Second <b>one</b>.", start=100, highlight=((116, 134),),
             title="Title <i>A</i>", source="Src & co", paragraph=3, score=1.0):
    """A Hit with HTML in its text, title and source (for rendering tests)."""
    from qa import Hit

    return Hit(rank, doc_id, title, source, paragraph, start, start + len(text), text, highlight, score)


@pytest.fixture
def fake_embedder():
    return FakeEmbedder()


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the two articles and their metadata."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture
def fake_settings(tmp_path, corpus_copy):
    from qa import Settings

    return Settings(corpus_dir=corpus_copy, index_dir=tmp_path / "index", model="fake")
