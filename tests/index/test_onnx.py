"""The ONNX Runtime encoder: same vectors as sentence-transformers, recorded in the index, and a
question answered without torch. Real model (the export is made once into the model cache)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from qa import Engine, IndexProblem, Settings
from qa.models.embed import Embedder
from qa.models.encoders import embedder_for
from qa.models.onnx_embed import OnnxEmbedder
from qa.models.export import PARITY_MIN, export_folder
from tests.conftest import ROOT, FakeEmbedder


@pytest.fixture(scope="module")
def onnx_embedder():
    return OnnxEmbedder()


def test_vectors_match_sentence_transformers(onnx_embedder, corpus_copy):
    from qa.ingest import corpus_files, load_document

    texts = [p.text for f in corpus_files(corpus_copy) for p in load_document(f).passages][:40]
    texts += ["Who confronted Putin?", "word " * 600]  # one far past the 256-token truncation
    got, ref = onnx_embedder.encode(texts), Embedder().encode(texts)
    cos = np.sum(got * ref, axis=1)
    assert got.dtype == np.float32 and np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert cos.min() >= PARITY_MIN and cos.min() > 0.9999


def test_token_vectors_are_the_last_layer_without_special_tokens(onnx_embedder):
    encoder = onnx_embedder._load()
    texts = ["Who confronted Putin?", "A longer sentence about the partial mobilisation in Russia.", "word " * 600]
    toks = encoder.token_vectors(texts)
    hidden, mask = encoder._forward([texts[0]])
    n = len(encoder.tokenizer.encode(texts[0]).ids)
    assert toks[0].shape == (n - 2, encoder.dim) and toks[0].dtype == np.float16
    expected = hidden[0, 1:n - 1] / np.linalg.norm(hidden[0, 1:n - 1], axis=1, keepdims=True)
    assert np.allclose(toks[0].astype(np.float32), expected, atol=2e-3)
    assert toks[2].shape[0] == 254  # truncated at 256 tokens, as the pooled vector is
    assert np.allclose(np.linalg.norm(toks[1].astype(np.float32), axis=1), 1.0, atol=2e-3)


def test_the_export_is_keyed_by_the_weights_and_records_its_parity(onnx_embedder):
    onnx_embedder.encode(["x"])
    folder = export_folder(onnx_embedder.model_cache, onnx_embedder.weights_sha256)
    meta = json.loads((folder / "encoder.json").read_text())
    assert meta["weights_sha256"] == onnx_embedder.weights_sha256 and meta["max_seq_length"] == 256
    assert meta["parity_min_cosine"] >= PARITY_MIN and (folder / "model.onnx").is_file()


def test_settings_choose_the_encoder(tmp_path):
    assert embedder_for(Settings(encoder="onnx")).encoder == "onnx-fp32"
    assert embedder_for(Settings(encoder="torch")).encoder == "torch"
    from qa import ModelProblem

    with pytest.raises(ModelProblem, match="QA_ENCODER"):
        embedder_for(Settings(encoder="magic"))


class OtherEncoder(FakeEmbedder):
    encoder = "other"


def test_an_index_is_queried_only_by_the_encoder_that_built_it(fake_settings):
    Engine.open(fake_settings, embedder=FakeEmbedder())
    with pytest.raises(IndexProblem, match="encoded by fake, settings ask for other"):
        Engine.open(fake_settings, embedder=OtherEncoder(), build=False)
    other = OtherEncoder()
    engine = Engine.open(fake_settings, embedder=other)  # rebuilt, every vector encoded again
    assert engine.manifest.model.encoder == "other" and other.encoded == engine.manifest.counts.passages + \
        engine.manifest.counts.sentences


def test_a_question_loads_neither_torch_nor_sentence_transformers(tmp_path, corpus_copy):
    settings = Settings(corpus_dir=corpus_copy, index_dir=tmp_path / "index", encoder="onnx")
    assert Engine.open(settings).manifest.model.encoder == "onnx-fp32"
    code = ("import sys; from qa.cli import main; code = main(['ask', 'What code name does the commander use?', '--json']); "
            "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules]; "
            "print('HEAVY', heavy, file=sys.stderr); sys.exit(code)")
    env = dict(os.environ, QA_CORPUS_DIR=str(corpus_copy), QA_INDEX_DIR=str(tmp_path / "index"), QA_ENCODER="onnx")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "HEAVY []" in out.stderr
    out = json.loads(out.stdout)  # the reader ran too: its answer, verbatim
    assert out["answered"] is True and out["answer_span"]["text"] == "Swat"
