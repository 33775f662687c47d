"""Claim-level alignment against hand labels: balanced accuracy of "shared" vs "only" on article
A's paragraphs (../shared/eval/alignment.jsonl, the labels the threshold is set on), v1's paragraph
cosine bar beside it, and the evidence threshold swept to show the plateau the shipped value sits
in. ``--labels FILE`` scores another labels file the same way (e.g. a held-out B side).

    python -m bench.alignment [--labels FILE]
"""
from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from bench.common import DEV_DATA, SQUAD, table, temp_project, write_section
from qa import Engine, Settings
from qa.analysis.alignment import align
from qa.analysis.claims import MIN_EVIDENCE, Vocabulary, distinctive_shares, units_of
from qa.eval.alignment import score_alignment
from qa.models import claims
from qa.text import read_jsonl
from qa.types import doc_labels


def v1_status(al, bar_of):
    """v1's verdict: the best paragraph counterpart's cosine at or above the pair's bar."""
    rows = []
    for r in al.paragraphs:
        cps = tuple(replace(c, status="shared" if c.score >= bar_of(r.passage.doc_id, c.passage.doc_id) else "only")
                    for c in r.counterparts)
        rows.append(replace(r, counterparts=cps))
    return replace(al, paragraphs=tuple(rows))


def answer_model_status(engine, al, min_words: int = 5):
    """Item 2 of the issue, measured: the second stage's verdict as a claim matcher. A paragraph is
    shared when, asked as a question restricted to the other document, one of its claims is
    "answered" there. Returns the alignment with those statuses and each paragraph's best confidence."""
    rows, confidence = [], {}
    for r in al.paragraphs:
        doc = engine.document(r.passage.doc_id)
        cps = []
        for c in r.counterparts:
            p = doc.passages[r.passage.paragraph - 1]
            claims = [doc.text[s:e] for s, e in p.sentences if len(doc.text[s:e].split()) >= min_words] or [p.text]
            answers = [engine.ask(q, top_k=1, doc_ids=[c.passage.doc_id]) for q in claims]
            confidence[(r.passage.doc_id, r.passage.paragraph)] = max(a.confidence for a in answers)
            cps.append(replace(c, status="shared" if any(a.answered for a in answers) else "only"))
        rows.append(replace(r, counterparts=tuple(cps)))
    return replace(al, paragraphs=tuple(rows)), confidence


def best_threshold(y: np.ndarray, score: np.ndarray) -> float:
    """The best balanced accuracy any single threshold on ``score`` reaches on labels ``y``: a
    ceiling fitted on the labels themselves, not a figure to ship."""
    best = 0.0
    for t in np.unique(score):
        pred = score >= t
        best = max(best, (pred[y].mean() + (~pred[~y]).mean()) / 2)
    return float(best)


def all_but_the_top(v: np.ndarray, pool: np.ndarray, d: int) -> np.ndarray:
    """Vectors minus the pool's mean and its ``d`` top principal directions, re-normalised
    (Mu & Viswanath 2018): what every sentence of two articles about one war shares is removed."""
    mu = pool.mean(axis=0)
    w = v - mu
    if d:
        top = np.linalg.svd(pool - mu, full_matrices=False)[2][:d]
        w = w - (w @ top.T) @ top
    return w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-12)


def signal_ceilings(tbl, ids: dict[str, str], gold: list[dict]) -> list[list[str]]:
    """Each labelled paragraph scored by its best claim's best counterpart in the other document,
    with the sentence vectors raw or post-processed (all-but-the-top): AUROC, and the best balanced
    accuracy a threshold fitted on these very labels could reach."""
    vocabulary = Vocabulary.of(tbl)
    (doc,), (other,) = {ids[g["doc"]] for g in gold}, {ids[g["other"]] for g in gold}
    ux, vx, rx = units_of(tbl, doc, vocabulary)
    uy, vy, _ = units_of(tbl, other, vocabulary)
    keep = [j for j, u in enumerate(uy) if u.is_claim]
    uy, vy = [uy[j] for j in keep], vy[keep]
    share = distinctive_shares(ux, uy, vocabulary)
    paragraph = np.array([tbl.passages[r].paragraph for r in rx])
    claim = np.array([u.is_claim for u in ux])
    y = np.array([g["label"] == "shared" for g in gold])
    pool = np.vstack([vx, vy]).astype(np.float64)
    rows = []
    for name, d in (("raw (shipped)", None), ("centred", 0), ("centred, top 1 direction removed", 1),
                    ("centred, top 2 removed", 2), ("centred, top 3 removed", 3)):
        px, py = (vx, vy) if d is None else (all_but_the_top(vx.astype(np.float64), pool, d),
                                             all_but_the_top(vy.astype(np.float64), pool, d))
        sim = px @ py.T
        for what, m in (("cosine", sim), ("cosine + distinctive share", sim + share)):
            best = m.max(axis=1)
            score = np.array([best[(paragraph == int(g["paragraph"])) & claim].max() for g in gold])
            rows.append([name, what, f"{roc_auc_score(y, score):.3f}", f"{best_threshold(y, score):.3f}"])
    return rows


def squad_false_shared(paragraphs: int = 6, claim_model=None) -> tuple[float, int]:
    """(share of (paragraph, other article) pairs called shared or partly shared, number of pairs)
    over the first ``paragraphs`` paragraphs of the 48 SQuAD dev articles: different articles make
    different claims, so every such verdict is a false one."""
    articles = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    with temp_project(copy_corpus=False) as root:
        for n, art in enumerate(articles):
            body = "\n\n".join(p["context"] for p in art["paragraphs"][:paragraphs])
            (root / "corpus" / f"squad_{n:02d}.txt").write_text(f"{art['title']}\n\n{body}\n", encoding="utf-8")
        engine = Engine.open(Settings(corpus_dir=root / "corpus", index_dir=root / "index"))
        tbl = engine.searcher.table
        al = align(tbl, doc_labels([d.doc_id for d in tbl.documents]), claim_model=claim_model)
    verdicts = [c.shared for r in al.paragraphs for c in r.counterparts]
    return sum(verdicts) / len(verdicts), len(verdicts)


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
    labelled = {(ids[g["doc"]], int(g["paragraph"])) for g in gold}
    subset = replace(al, paragraphs=tuple(r for r in al.paragraphs if (r.passage.doc_id, r.passage.paragraph)
                                          in labelled))
    answer, confidence = answer_model_status(engine, subset)
    auroc = roc_auc_score([g["label"] == "shared" for g in gold],
                          [confidence[(ids[g["doc"]], int(g["paragraph"]))] for g in gold])
    model = claims.load(1)
    by_model = align(tbl, labels, claim_model=model) if model else None
    judged = [("v1: paragraph cosine >= bar", old), (f"claims: evidence >= {MIN_EVIDENCE}", al),
              ("answer model: a claim answered in the other document", answer)]
    if model is not None:
        judged.append((f"claim model: same claim >= {model.threshold:.3f} (shipped)", by_model))
    rows = []
    for name, alignment in judged:
        s = score_alignment(alignment, gold, ids)
        n_shared = sum(r.label == "shared" for r in s.rows)
        rows.append([name, f"{s.balanced_accuracy:.3f}",
                     f"{round(s.shared_recall * n_shared)}/{n_shared}",
                     f"{round(s.only_recall * (len(s.rows) - n_shared))}/{len(s.rows) - n_shared}"])
    sweep = []
    for t in np.arange(0.50, 0.76, 0.025):
        s = score_alignment(align(tbl, labels, float(t)), gold, ids)
        sweep.append(f"{t:.3f}: {s.balanced_accuracy:.3f}")
    false_rate, n_pairs = squad_false_shared()
    model_false = f", with the claim model {squad_false_shared(claim_model=model)[0]:.1%}" if model else ""
    ceilings = signal_ceilings(tbl, ids, gold)
    detail = score_alignment(al, gold, ids)
    per = ", ".join(f"¶{r.paragraph} {r.label}→{r.predicted}" for r in detail.rows if not r.correct)
    body = (f"Side {side} ({len(gold)} labelled paragraphs, `{args.labels.name}`).\n\n"
            + table(["method", "balanced accuracy", "shared found", "only found"], rows)
            + f"\n\nThe answer model's best confidence over a paragraph's claims separates shared from only "
            f"with AUROC {auroc:.2f}: it is not a claim matcher (not adopted)."
            + f"\n\nUnrelated documents (first 6 paragraphs of each of the 48 SQuAD dev articles): "
            f"{false_rate:.1%} of {n_pairs:,} (paragraph, other article) pairs called shared or partly shared by the "
            f"evidence bars{model_false}, all of them false (the bars were chosen under a 2% cap)."
            + "\n\nHow far the signals can go: each labelled paragraph scored by its best claim's best "
            "counterpart, the vectors raw or post-processed (all-but-the-top, Mu & Viswanath 2018: remove "
            "what every sentence of the corpus shares). The last column is a ceiling fitted on these "
            "labels themselves, not a figure to ship; with 17 labels one paragraph moves AUROC by 0.02-0.08.\n\n"
            + table(["vectors", "score", "AUROC", "best balanced accuracy of any threshold"], ceilings)
            + f"\n\nThe best ceiling, {max(float(r[3]) for r in ceilings):.3f}, is under the issue's 0.90 even fitted "
            "on the labels it would be scored on: these signals say how close and how specific two sentences "
            "are, not whether they make the same claim. Post-processing is not adopted: its gain over the "
            "shipped rule is at most one paragraph of 17, found by trying variants on those 17."
            + f"\n\nEvidence threshold swept (balanced accuracy): {'; '.join(sweep)}.\n\n"
            f"Wrong with the shipped threshold: {per or 'none'}.")
    write_section(f"alignment-{side.lower()}", f"Claim-level alignment, side {side}", body,
                  "python -m bench.alignment" + (f" --labels {args.labels}" if args.labels != DEV_DATA / "alignment.jsonl"
                                                  else ""))


if __name__ == "__main__":
    main()
