"""The project's development sets (format of ../shared/eval) scored through the library.

- ``questions.jsonl`` ``{"id", "question", "gold": [phrases]}``: a passage is relevant when its
  text contains a gold phrase (curly quotes straightened, white space collapsed, lower-cased).
  hit@1, hit@3, MRR@10 (ranx) on ``Engine.ask(question, top_k=10, method=...)``.
- ``unanswerable.jsonl`` ``{"id", "question"}``: abstention = share answered ``false``; together
  with the share of answerable questions answered, their mean is ``abstain_balanced``.
- ``coverage.jsonl`` ``{"id", "topic", "covered_by": ["A", "B"]}``: share of per-document covered
  flags from ``Engine.compare`` that match the labels; labels map to documents by the sha256 of
  their file, read from ``<data>/../corpus/README.md``. Comparison does not depend on the method.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from ..errors import BadInput
from ..text import read_jsonl
from ..types import Answer, Comparison, Document
from .runner import score_run

TOP_K = 10
DEV_METRICS = ("hit_rate@1", "hit_rate@3", "mrr@10", "ndcg@10", "recall@100")


def norm(s: str) -> str:
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", s).lower().strip()


def corpus_labels(data_dir: Path) -> dict[str, str]:
    """sha256 of a file -> its label ("A", "B", ...) from the corpus README next to the data."""
    readme = data_dir.parent / "corpus" / "README.md"
    if not readme.exists():
        return {}
    text = readme.read_text(encoding="utf-8")
    label_of_file = dict((f, lab) for lab, f in re.findall(r"^\|\s*([A-Z])\s*\|\s*(\S+\.\w+)\s*\|", text, re.M))
    return {h: label_of_file[f] for f, h in re.findall(r"^-\s*(\S+)\s+([0-9a-f]{64})\s*$", text, re.M)
            if f in label_of_file}


def evaluate_devsets(documents: list[Document], ask: Callable[..., Answer], compare: Callable[[str], Comparison],
                     data_dir: Path, methods: list[str], progress=None) -> list[dict]:
    """One row per method: hit@1, hit@3, MRR@10, abstention and coverage on the dev sets.

    ``ask(question, top_k=, method=)`` and ``compare(topic)`` are the product's (``Engine.ask``,
    ``Engine.compare``) over ``documents``.
    """
    data_dir = Path(data_dir)
    qpath = data_dir / "questions.jsonl"
    if not qpath.exists():
        raise BadInput(f"{qpath}: missing; --data must name a folder with questions.jsonl "
                       "(and optionally unanswerable.jsonl, coverage.jsonl)")
    questions = read_jsonl(qpath)
    upath, cpath = data_dir / "unanswerable.jsonl", data_dir / "coverage.jsonl"
    unanswerable = read_jsonl(upath) if upath.exists() else []
    coverage = read_jsonl(cpath) if cpath.exists() else []

    passages = [p for d in documents for p in d.passages]
    qrels, no_gold = {}, []
    for q in questions:
        gold = [norm(g) for g in q["gold"]]
        rel = {p.passage_id: 1 for p in passages if any(g in norm(p.text) for g in gold)}
        if rel:
            qrels[str(q["id"])] = rel
        else:
            no_gold.append(str(q["id"]))

    cov = _coverage(documents, compare, data_dir, coverage, progress) if coverage else None
    rows = []
    for method in methods:
        run, answered = {}, 0
        it = progress(questions, desc=f"ask {method}", unit="question") if progress else questions
        for q in it:
            ans = ask(q["question"], top_k=TOP_K, method=method)
            answered += ans.answered
            run[str(q["id"])] = {f"{h.doc_id}#p{h.paragraph}": 1.0 / h.rank for h in ans.passages} or {"\u2205": 0.0}
        row = {"method": method, "dataset": f"dev:{data_dir.name}"}
        row.update(score_run(qrels, {k: v for k, v in run.items() if k in qrels}, DEV_METRICS))
        row["answered_rate"] = answered / len(questions) if questions else 0.0
        if unanswerable:
            abstained = sum(not ask(u["question"], top_k=TOP_K, method=method).answered for u in unanswerable)
            row["abstain_rate"] = abstained / len(unanswerable)
            row["abstain_balanced"] = (row["abstain_rate"] + row["answered_rate"]) / 2
        if cov is not None:
            row["coverage_acc"] = cov
        row["queries"] = len(qrels)
        if no_gold:
            row["unjudged"] = no_gold  # questions whose gold phrase is in no passage
        rows.append(row)
    return rows


def _coverage(documents: list[Document], compare: Callable[[str], Comparison], data_dir: Path, rows: list[dict],
              progress=None) -> float | None:
    labels = corpus_labels(data_dir)
    label_of = {d.doc_id: labels[d.sha256] for d in documents if d.sha256 in labels}
    if not label_of:
        return None
    right = total = 0
    it = progress(rows, desc="compare", unit="topic") if progress else rows
    for c in it:
        comp = compare(c["topic"])
        for d in comp.documents:
            lab = label_of.get(d.doc_id)
            if lab is not None:
                total += 1
                right += bool(d.covered) == (lab in c.get("covered_by", []))
    return right / total if total else None
