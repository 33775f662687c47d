"""The claims test (issue 21): does the claim model tell the same claim from a different claim on
the same subject?

Each squad-reworded row carries a claim triple: a ``sentence`` copied from its paragraph, the
``same`` claim as another writer would report it, and a ``different`` claim that shares many of
its words and names but changes one fact (``change`` says which, in free words). Scored pairs:
(sentence, same) is the same claim, (sentence, different) is not. Figures: AUROC of the model's
probability, accuracy and balanced accuracy at the shipped threshold, the share of restatements
found and of different claims kept apart, and per kind of change (read from the ``change`` words
by :func:`change_kind`), how many different claims of that kind are kept apart and the AUROC of
those against every restatement.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import BadInput
from ..text import read_jsonl

#: Kinds of change, in the order they are tried on the ``change`` words (the first that matches):
#: the dataset's README lists actor, number, date, place, direction, polarity, cause, or a related
#: but distinct fact; "substitution" is one term put for another ("vice-chair rather than chair").
#: Read from free words, the kinds are approximate: a reading aid, not labels.
CHANGE_KINDS = (
    ("cause", r"\b(cause[sd]?|because|reason|effect|consequence|why|basis|result)\b"),
    ("number", r"\d|\b(number|how many|how much|count|percent|amount|size|fewer|more than|less than|half|double|twice)\b"),
    ("date", r"\b(year|date|when|century|decade|month|days?|earlier|later|before|after|timing)\b"),
    ("place", r"\b(where|place|location|city|country|region|inside|outside)\b"),
    ("actor", r"\b(who|whom|actor|person|people|founder|chair|roles?|author|agent)\b"),
    ("direction", r"\b(revers\w*|order|direction|rank|increase|decrease|rise|fall|higher|lower)\b"),
    ("polarity", r"\b(not|no|never|negat\w*|opposite|whether|denie[sd]|deny|refus\w*|absence|without|lack)\b"),
    ("substitution", r"\b(instead of|rather than|vs|versus)\b"),
)
OTHER = "related fact"


@dataclass(frozen=True)
class Triple:
    sentence: str
    same: str
    different: str
    change: str

    @property
    def kind(self) -> str:
        return change_kind(self.change)


def change_kind(change: str) -> str:
    """The kind of a ``change`` description, by its words (see ``CHANGE_KINDS``)."""
    low = change.lower()
    return next((k for k, pattern in CHANGE_KINDS if re.search(pattern, low)), OTHER)


def load_triples(path: Path) -> list[Triple]:
    """The claim triples of a squad-reworded .jsonl file; BadInput naming the file and row otherwise."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path}: no such file; --claims takes a squad-reworded .jsonl file, "
                       "e.g. ../shared/datasets/squad-reworded/dev.jsonl")
    out = []
    for n, r in enumerate(read_jsonl(path), 1):
        try:
            c = r["claim"]
            t = Triple(str(c["sentence"]), str(c["same"]), str(c["different"]), str(c.get("change", "")))
        except (KeyError, TypeError) as exc:
            raise BadInput(f"{path}: row {n} has no claim triple ({type(exc).__name__}: {exc}); each row needs "
                           "claim {sentence, same, different, change}") from None
        out.append(t)
    if not out:
        raise BadInput(f"{path}: no rows; --claims takes a squad-reworded .jsonl file")
    return out


def evaluate_claims(triples: list[Triple], same_claim, threshold: float) -> dict:
    """Figures of ``same_claim`` (pairs -> probabilities) on the triples, decided at ``threshold``."""
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    pairs = [(t.sentence, t.same) for t in triples] + [(t.sentence, t.different) for t in triples]
    prob = np.asarray(same_claim(pairs), float)
    n = len(triples)
    y = np.r_[np.ones(n, int), np.zeros(n, int)]
    said = prob >= threshold
    pos, neg = prob[:n], prob[n:]
    by_kind = {}
    kinds = [t.kind for t in triples]
    for kind in sorted(set(kinds), key=lambda k: -kinds.count(k)):
        m = np.array([k == kind for k in kinds])
        by_kind[kind] = {"pairs": int(m.sum()), "kept_apart": float((neg[m] < threshold).mean()),
                         "auroc": float(roc_auc_score(np.r_[np.ones(n), np.zeros(m.sum())], np.r_[pos, neg[m]]))}
    return {"triples": n, "threshold": threshold, "auroc": float(roc_auc_score(y, prob)),
            "accuracy": float((said == y.astype(bool)).mean()),
            "balanced_accuracy": float(balanced_accuracy_score(y, said)),
            "same_found": float((pos >= threshold).mean()), "different_kept_apart": float((neg < threshold).mean()),
            "by_kind": by_kind}


def best_threshold(triples: list[Triple], prob: np.ndarray) -> float:
    """The threshold of best balanced accuracy on these triples' pair probabilities (sentence
    vs same, then sentence vs different), at the middle of the best gap."""
    n = len(triples)
    pos, neg = prob[:n], prob[n:]
    cuts = np.unique(prob)
    mids = (cuts[:-1] + cuts[1:]) / 2 if len(cuts) > 1 else cuts
    scores = [((pos >= c).mean() + (neg < c).mean()) / 2 for c in mids]
    return float(mids[int(np.argmax(scores))])
