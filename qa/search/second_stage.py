"""The second stage: re-rank the first stage's best candidates by "does this passage answer the
question", then judge the question answered, related or not found.

Two logistic models over the features of ``search.features``, fitted on SQuAD v1.1 dev articles
1-38 only (``training/second_stage.py``; articles 39-48 and SciFact test are held out to report
on). Their weights ship in ``second_stage.json`` beside this file with what they were trained on;
at query time they are a dot product each, in NumPy.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import QAError
from .features import CANDIDATE_FEATURES, QUESTION_FEATURES, candidate_features, question_features

MODEL_FILE = Path(__file__).with_name("second_stage.json")
#: How many of the first stage's candidates the second stage reads.
DEPTH = 30


@dataclass(frozen=True)
class Linear:
    """A fitted logistic model: standardise, dot, add."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    @classmethod
    def from_json(cls, d: dict, expected: tuple[str, ...]) -> Linear:
        if tuple(d["features"]) != expected:
            raise QAError(f"{MODEL_FILE}: features {d['features']} do not match the code's {list(expected)}; "
                          "retrain with `python -m training.second_stage`")
        return cls(tuple(d["features"]), np.asarray(d["mean"], float), np.asarray(d["scale"], float),
                   np.asarray(d["weights"], float), float(d["bias"]))

    def to_json(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "weights": self.weights.round(6).tolist(),
                "bias": round(self.bias, 6)}

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.weights + self.bias


def probability(logit) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(logit, float)))


@dataclass(frozen=True)
class SecondStage:
    ranker: Linear
    verdict: Linear
    threshold: float  # answered iff the verdict probability >= threshold

    @classmethod
    def from_json(cls, d: dict) -> SecondStage:
        return cls(Linear.from_json(d["ranker"], CANDIDATE_FEATURES), Linear.from_json(d["verdict"], QUESTION_FEATURES),
                   float(d.get("threshold", 0.5)))

    def rerank(self, question: str, weights: dict[str, float], rows: list[dict]) -> tuple[np.ndarray, np.ndarray,
                                                                                          np.ndarray]:
        """(order, logits, features) of the candidates ``rows`` (see ``candidate_features``):
        ``order`` indexes ``rows`` best first; logits and features follow ``order``."""
        feats = candidate_features(question, weights, rows)
        if not len(feats):
            return np.zeros(0, int), np.zeros(0), feats
        logits = self.ranker.logits(feats)
        order = np.argsort(-logits, kind="stable")
        return order, logits[order], feats[order]

    def answerable(self, logits: np.ndarray, features: np.ndarray, absent: float) -> float:
        """The probability that the best candidate answers the question."""
        return float(probability(self.verdict.logits(question_features(logits, features, absent))))


@functools.lru_cache(maxsize=1)
def load(path: Path = MODEL_FILE) -> SecondStage | None:
    """The shipped models, or None when the file is absent (the first stage alone then decides)."""
    if not path.exists():
        return None
    return SecondStage.from_json(json.loads(path.read_text(encoding="utf-8")))
