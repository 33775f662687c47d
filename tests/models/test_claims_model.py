"""The claim model's runtime: a model file that is not the one claims.json names is refused, and
no claims.json means no model (the evidence rules then decide)."""
from __future__ import annotations

import json

import pytest

from qa.errors import ModelProblem
from qa.models import claims


def test_a_model_file_that_does_not_match_its_sha256_is_refused(tmp_path):
    (tmp_path / "m.onnx").write_bytes(b"not the model")
    meta = {"model": "m.onnx", "sha256": "0" * 64, "tokenizer": "t.json", "max_length": 128, "threshold": 0.5}
    (tmp_path / "claims.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelProblem, match="sha256"):
        claims.load(1, tmp_path / "claims.json")
    (tmp_path / "m.onnx").unlink()
    with pytest.raises(ModelProblem, match="missing"):
        claims.load(1, tmp_path / "claims.json")


def test_no_meta_file_means_no_model(tmp_path):
    assert claims.load(1, tmp_path / "claims.json") is None


def test_the_setting_names_the_model(tmp_path):
    assert claims.for_setting("off") is None and claims.for_setting(" OFF ") is None
    with pytest.raises(ModelProblem, match="no claims.json there"):
        claims.for_setting(str(tmp_path / "nope.json"))
