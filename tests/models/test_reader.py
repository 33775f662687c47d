"""The reader's runtime: the best span is decoded within the unit's own tokens, and a model file
that is not the one reader.json names is refused."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from qa.errors import ModelProblem
from qa.models import reader
from qa.models.units import Unit


def fake_encoding(n_question: int, unit_words: list[str]):
    """[CLS] q... [SEP] words... [SEP]: sequence ids and offsets as ``tokenizers`` gives them."""
    seq = [None] + [0] * n_question + [None] + [1] * len(unit_words) + [None]
    offsets, pos = [(0, 0)] * (n_question + 2), 0
    text = " ".join(unit_words)
    for w in unit_words:
        at = text.index(w, pos)
        offsets.append((at, at + len(w)))
        pos = at + len(w)
    offsets.append((0, 0))
    return SimpleNamespace(sequence_ids=seq, offsets=offsets, ids=list(range(len(seq)))), text


def test_span_is_the_best_start_end_pair_inside_the_unit():
    enc, text = fake_encoding(2, ["born", "on", "12", "December", "1964", "."])
    unit = Unit(100, 100 + len(text), text)
    start = np.full(len(enc.ids), -5.0)
    end = np.full(len(enc.ids), -5.0)
    start[0] = end[0] = 50.0  # [CLS] scores highest, but is not the unit's: never the answer
    start[1] = 40.0  # nor is the question
    start[6] = 3.0  # "12"
    end[8] = 3.0  # "1964"
    end[5] = 2.0  # an end before the start is not a span
    r = reader.Reader._reading(1.5, start, end, enc, unit)
    assert (r.start, r.end) == (100 + text.index("12"), 100 + text.index("1964") + 4)
    assert text[r.start - 100:r.end - 100] == "12 December 1964"
    assert r.logit == 1.5 and r.span_score == pytest.approx(6.0)


def test_padding_positions_are_not_read():
    enc, text = fake_encoding(1, ["yes"])
    start = np.r_[np.full(len(enc.ids), -1.0), [9.0, 9.0]]  # two padding positions in the batch
    end = start.copy()
    r = reader.Reader._reading(0.0, start, end, enc, Unit(0, len(text), text))
    assert (r.start, r.end) == (0, 3)


def test_a_model_file_that_does_not_match_its_sha256_is_refused(tmp_path):
    (tmp_path / "m.onnx").write_bytes(b"not the model")
    meta = {"model": "m.onnx", "sha256": "0" * 64, "tokenizer": "t.json", "max_length": 160, "threshold": 0.5,
            "depth": 5, "retrieval_weight": 1.0}
    (tmp_path / "reader.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelProblem, match="sha256"):
        reader.load(1, tmp_path / "reader.json")
    (tmp_path / "m.onnx").unlink()
    with pytest.raises(ModelProblem, match="missing"):
        reader.load(1, tmp_path / "reader.json")
    assert reader.load(1, tmp_path / "absent.json") is None
