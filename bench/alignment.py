"""Claim-level alignment against hand labels: balanced accuracy of "shared" vs "only" on article
A's paragraphs (../shared/eval/alignment.jsonl, the labels the threshold is set on), v1's paragraph
cosine bar beside it, and the evidence threshold swept to show the plateau the shipped value sits
in. ``--labels FILE`` scores another labels file the same way (e.g. a held-out B side).

    python -m bench.alignment [--labels FILE]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bench.common import DEV_DATA, table, write_section
from qa import Engine, Settings
from qa.analysis.alignment import align
from qa.analysis.claims import MIN_EVIDENCE
from qa.analysis.topics import doc_labels
from qa.eval.alignment import score_alignment
from qa.text import read_jsonl


def v1_status(al, bar_of):
    """v1's verdict: the best paragraph counterpart's cosine at or above the pair's bar."""
    from dataclasses import replace

    rows = []
    for r in al.paragraphs:
        cps = tuple(replace(c, status="shared" if c.score >= bar_of(r.passage.doc_id, c.passage.doc_id) else "only")
                    for c in r.counterparts)
        rows.append(replace(r, counterparts=cps))
    return replace(al, paragraphs=tuple(rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, default=DEV_DATA / "alignment.jsonl")
    args = ap.parse_args()
    engine = Engine.open(Settings())
    tbl = engine.searcher.table
    labels = doc_labels([d.doc_id for d in tbl.documents])
    ids = {v: k for k, v in labels.items()}
    gold = read_jsonl(args.labels)
    side = ", ".join(sorted({g["doc"] for g in gold}))
    al = align(tbl, labels)
    old = v1_status(al, lambda a, b: al.bar(a, b).bar)
    rows = []
    for name, alignment in (("v1: paragraph cosine >= bar", old), (f"claims: evidence >= {MIN_EVIDENCE}", al)):
        s = score_alignment(alignment, gold, ids)
        n_shared = sum(r.label == "shared" for r in s.rows)
        rows.append([name, f"{s.balanced_accuracy:.3f}",
                     f"{round(s.shared_recall * n_shared)}/{n_shared}",
                     f"{round(s.only_recall * (len(s.rows) - n_shared))}/{len(s.rows) - n_shared}"])
    sweep = []
    for t in np.arange(0.50, 0.76, 0.025):
        s = score_alignment(align(tbl, labels, float(t)), gold, ids)
        sweep.append(f"{t:.3f}: {s.balanced_accuracy:.3f}")
    detail = score_alignment(al, gold, ids)
    per = ", ".join(f"¶{r.paragraph} {r.label}→{r.predicted}" for r in detail.rows if not r.correct)
    body = (f"Side {side} ({len(gold)} labelled paragraphs, `{args.labels.name}`).\n\n"
            + table(["method", "balanced accuracy", "shared found", "only found"], rows)
            + f"\n\nEvidence threshold swept (balanced accuracy): {'; '.join(sweep)}.\n\n"
            f"Wrong with the shipped threshold: {per or 'none'}.")
    write_section(f"alignment-{side.lower()}", f"Claim-level alignment, side {side}", body,
                  "python -m bench.alignment" + (f" --labels {args.labels}" if args.labels != DEV_DATA / "alignment.jsonl"
                                                  else ""))


if __name__ == "__main__":
    main()
