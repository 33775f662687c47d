"""The embedder: lazy, offline, checked; and the package stays light to import."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa import ModelProblem
from qa.config import BUNDLED_MODEL, BUNDLED_MODEL_SHA256
from qa.models.embed import Embedder
from qa.models.bundled import bundled_model_dir, resolve_model
from qa.text import file_sha256

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_model_cache():
    resolve_model.cache_clear()
    yield
    resolve_model.cache_clear()


def test_importing_qa_loads_no_heavy_library():
    code = ("import sys, qa, qa.cli, qa.engine, qa.search, qa.index, qa.ingest, qa.analysis, qa.present, qa.eval; "
            "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'gradio', 'faiss') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_cli_help_is_quick_and_loads_no_model():
    out = subprocess.run([sys.executable, "-m", "qa", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0
    for command in ("index", "ask", "compare", "docs"):
        assert command in out.stdout


def test_bundled_model_folder_and_hash():
    folder = bundled_model_dir()
    assert (folder / "modules.json").exists() and (folder / "model.safetensors").exists()
    assert file_sha256(folder / "model.safetensors") == BUNDLED_MODEL_SHA256


def test_a_local_model_folder_is_identified_by_its_weights_hash(tmp_path, fresh_model_cache):
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    path, digest = resolve_model(str(tmp_path))
    assert path == str(tmp_path)
    assert digest == hashlib.sha256(b"weights").hexdigest()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert resolve_model(str(empty)) == (str(empty), "")
    assert resolve_model("some-org/some-model") == ("some-org/some-model", "")


def test_creating_an_embedder_loads_nothing():
    e = Embedder(BUNDLED_MODEL)
    assert e._model is None
    assert e.weights_sha256 == BUNDLED_MODEL_SHA256
    assert e._model is None


def test_a_model_that_is_not_there_is_refused(fresh_model_cache):
    with pytest.raises(ModelProblem) as err:
        Embedder("no-such-org/no-such-model-xyz").encode(["hello"])
    msg = str(err.value)
    assert "no-such-org/no-such-model-xyz" in msg and "QA_MODEL" in msg


@pytest.fixture(scope="module")
def real():
    return Embedder(BUNDLED_MODEL)


def test_real_embedder_gives_normalised_float32_vectors(real):
    texts = ["Putin lives in a bubble.", "Ukrainian soldiers retook territory.", "é “quotes” — dash…"]
    v = real.encode(texts)
    assert v.shape == (3, 384) and v.dtype == np.float32 and v.flags["C_CONTIGUOUS"]
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert np.allclose(real.encode(texts[:1])[0], v[0], atol=1e-5), "same text, same vector, batched or not"
    assert real.dim == 384
    assert real.encode([]).shape == (0, 384)


def test_real_embedder_puts_paraphrases_closer_than_unrelated_text(real):
    q, para, other = real.encode(["Is Putin cut off from reality?",
                                  "Putin lives in a bubble surrounded by people afraid to burst it.",
                                  "The recipe needs two cups of flour and an egg."])
    assert q @ para > q @ other + 0.2
