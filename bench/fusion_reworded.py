"""Fusion of dense and BM25 scores on the rewording test (experiment, issue 20 item 4): the
shipped query-dependent lexical weight against fixed weights, that weight scaled down, and RRF,
all in one run over squad-reworded dev, through ``qa eval --reworded``.

    python -m bench.fusion_reworded [ROWS]            # ROWS: default squad-reworded/dev.jsonl
    python -m bench.fusion_reworded --beir FOLDER SPLIT   # the same variants on a BEIR set (SciFact train)
    QA_MODEL=build/biencoder python -m bench.fusion_reworded   # with the fine-tuned encoder

The variants are registered as extra ranking methods for this process only; the product keeps
``qa.search.fusion.hybrid``. Weights chosen here are chosen on dev: fit them on the train rows
(``--reworded .../train.jsonl``) before shipping any.
"""
from __future__ import annotations

import sys
from functools import partial

from qa.config import PROJECT_ROOT
from qa.search import fusion

ROWS = PROJECT_ROOT.parent / "shared" / "datasets" / "squad-reworded" / "dev.jsonl"


def fixed(dense, lexical, w_lex, weight: float):
    """Convex fusion with one lexical weight for every question."""
    return fusion.convex(dense, lexical, weight)


def scaled(dense, lexical, w_lex, scale: float):
    """Convex fusion with the shipped per-question lexical weight times ``scale``."""
    return fusion.convex(dense, lexical, w_lex * scale)


def variants() -> dict:
    """Extra methods by name: fixed lexical weights, the shipped weight scaled, RRF."""
    out = {f"w{w}": partial(fixed, weight=w) for w in (0.1, 0.2, 0.3, 0.5)}
    out |= {f"rule*{s}": partial(scaled, scale=s) for s in (0.25, 0.5, 0.75)}
    out["rrf"] = lambda d, lex, wl: fusion.rrf([fusion.ranks_of(d), fusion.ranks_of(lex)])
    return out


def main(argv: list[str]) -> int:
    from qa.cli import main as cli

    extra = variants()
    fusion.METHODS.update(extra)
    methods = ",".join(["hybrid", "dense", *extra])
    if argv[:1] == ["--beir"]:
        return cli(["eval", "--beir", argv[1], "--split", argv[2], "--method", methods])
    rows = argv[0] if argv else str(ROWS)
    return cli(["eval", "--reworded", rows, "--method", methods])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
