"""Retrieval quality: the `qa eval` commands on SciFact test, SQuAD dev and the dev sets, side by side.

    python -m bench.quality

Runs the CLI exactly as a user would (``python -m qa eval ... --json``) and tabulates its rows
next to the published figures (../shared/datasets/README.md). Embeddings come from the cache in
bench/cache/ (the first run embeds SciFact and SQuAD: tens of minutes on 2 cores; later runs
a few minutes). The dev sets run on an index built in a temp folder from a copy of corpus/.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time

from .common import DEV_DATA, ROOT, SHARED, table, temp_project, write_section

METHODS = "bm25,dense,hybrid"
PUBLISHED = {  # SciFact test nDCG@10 (BEIR protocol) and our README's plain baselines
    "bm25": "0.665 (BEIR) / 0.686 (bm25s)", "dense": "0.645", "hybrid": "RRF 0.714 / 0.717, convex 0.734"}
SQUAD_BASELINE = {"bm25": "0.768 / 0.925", "dense": "0.625 / 0.864", "hybrid": "RRF 0.747 / 0.935"}


def qa_eval(args: list[str], env=None) -> tuple[list[dict], float, str]:
    cmd = [sys.executable, "-m", "qa", *args, "--json"]
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    took = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.strip()[-400:]}")
    note = next((line for line in proc.stderr.splitlines()[::-1] if "embedded" in line), "")
    note = note.replace(str(ROOT) + "/", "")
    return json.loads(proc.stdout), took, note


def run() -> dict:
    from .common import project_env

    out = {}
    sci = ["eval", "--beir", str(SHARED / "datasets" / "scifact"), "--split", "test", "--method", METHODS + ",rerank"]
    out["scifact"] = (*qa_eval(sci), sci)
    sq = ["eval", "--squad", str(SHARED / "datasets" / "squad" / "dev-v1.1.json"), "--method", METHODS]
    out["squad"] = (*qa_eval(sq), sq)
    held = ["eval", "--squad", str(SHARED / "datasets" / "squad" / "dev-v1.1.json"), "--articles", "39-48",
            "--method", METHODS + ",rerank"]
    out["held_out"] = (*qa_eval(held), held)
    with temp_project() as root:
        dev = ["--corpus", str(root / "corpus"), "--index", str(root / "index"), "eval", "--data", str(DEV_DATA),
               "--method", METHODS]
        rows = []
        for stage in ("off", "on"):
            got, took, note = qa_eval(dev, dict(project_env(root), QA_SECOND_STAGE=stage))
            for row in got:  # only hybrid goes through the second stage
                row["method"] += " + second stage" if stage == "on" and row["method"] == "hybrid" else ""
            rows += got if stage == "on" else [x for x in got if x["method"] == "hybrid"]
        out["dev"] = (rows, took, note, ["eval", "--data", "../shared/eval", "--method", METHODS])
    return out


def _f(row, key):
    v = row.get(key)
    return "" if v is None else f"{v:.4f}"


def render(r: dict) -> str:
    def cmd(args):
        return "python -m qa " + " ".join(a.replace(str(SHARED), "../shared") for a in args) + " --json"

    rows, took, note, args = r["scifact"]
    t1 = table(["method", "nDCG@10", "R@100", "MRR@10", "hit@1", "published nDCG@10"],
               [[x["method"], _f(x, "ndcg@10"), _f(x, "recall@100"), _f(x, "mrr@10"), _f(x, "hit@1"),
                 PUBLISHED.get(x["method"], "")] for x in rows])
    by = {x["method"]: x for x in rows}
    verdict = ""
    if {"bm25", "dense", "hybrid"} <= set(by):
        h = by["hybrid"]["ndcg@10"]
        ok = h >= 0.72 and h > by["bm25"]["ndcg@10"] and h > by["dense"]["ndcg@10"]
        verdict = (f"Goal (hybrid >= 0.72 and above both parts): **{'met' if ok else 'MISSED'}** "
                   f"({h:.4f} vs BM25 {by['bm25']['ndcg@10']:.4f}, dense {by['dense']['ndcg@10']:.4f}).")
    s1 = (f"### SciFact test ({rows[0]['queries']} queries, {rows[0]['passages']} passages)\n\n`{cmd(args)}` "
          f"({took:.0f} s; {note})\n\n{t1}\n\n{verdict}\n")

    rows, took, note, args = r["squad"]
    t2 = table(["method", "hit@1", "hit@5", "MRR@10", "nDCG@10", "highlight@1", "highlight, top is gold",
                "plain baselines hit@1 / hit@5"],
               [[x["method"], _f(x, "hit@1"), _f(x, "hit@5"), _f(x, "mrr@10"), _f(x, "ndcg@10"), _f(x, "highlight@1"),
                 _f(x, "highlight|hit@1"), SQUAD_BASELINE.get(x["method"], "")] for x in rows])
    by = {x["method"]: x for x in rows}
    verdict = ""
    if {"bm25", "hybrid"} <= set(by):
        ok = by["hybrid"]["hit@1"] >= by["bm25"]["hit@1"]
        verdict = (f"Goal (hybrid hit@1 >= BM25 hit@1): **{'met' if ok else 'MISSED'}** "
                   f"({by['hybrid']['hit@1']:.3f} vs {by['bm25']['hit@1']:.3f}).")
    s2 = (f"### SQuAD v1.1 dev ({rows[0]['queries']} questions, {rows[0]['passages']} paragraphs)\n\n`{cmd(args)}` "
          f"({took:.0f} s; {note})\n\nhighlight@1: the top passage's highlighted sentence contains a gold answer span "
          f"(over all questions); \"highlight, top is gold\": the same among questions whose top passage is the "
          f"gold paragraph. The product's dense score is max(passage cosine, best sentence cosine), hence dense above "
          f"the plain baseline.\n\n{t2}\n\n{verdict}\n")

    rows, took, note, args = r["held_out"]
    t4 = table(["method", "hit@1", "hit@5", "MRR@10", "answerability AUROC", "answered (answerable)",
                "abstained (near miss, off topic)", "balanced"],
               [[x["method"], _f(x, "hit@1"), _f(x, "hit@5"), _f(x, "mrr@10"), _f(x, "auroc"), _f(x, "answered_rate"),
                 _f(x, "abstain_rate"), _f(x, "abstain_balanced")] for x in rows])
    s4 = (f"### SQuAD v1.1 dev, held-out articles 39-48 ({rows[0]['queries']} questions, {rows[0]['passages']} "
          f"paragraphs)\n\n`{cmd(args)}` ({took:.0f} s)\n\nThe second stage was fitted on articles 1-38 and SciFact "
          "train only (`python -m training.second_stage`). Answerability: each question searched within its own article "
          "(answerable), within it without the answering paragraph (near miss) and within another article (off "
          "topic); v1 (the hybrid row) is the first stage's evidence test, rerank the second stage's verdict.\n\n"
          f"{t4}\n\n{reliability_table()}\n")

    rows, took, note, args = r["dev"]
    t3 = table(["method (Engine.ask)", "hit@1", "hit@3", "MRR@10", "answered (answerable)", "abstained (unanswerable)",
                "abstain balanced", "coverage acc"],
               [[x["method"], _f(x, "hit@1"), _f(x, "hit@3"), _f(x, "mrr@10"), _f(x, "answered_rate"),
                 _f(x, "abstain_rate"), _f(x, "abstain_balanced"), _f(x, "coverage_acc")] for x in rows])
    s3 = (f"### Development sets (../shared/eval, {rows[0]['queries']} questions)\n\n`{cmd(args)}` "
          f"(index built in a temp folder from a copy of corpus/; run with QA_SECOND_STAGE=off and on; a sanity "
          f"check, never tuned on)\n\n{t3}\n")
    return f"{s1}\n{s2}\n{s4}\n{s3}"


def reliability_table() -> str:
    """The held-out reliability table the training run wrote beside the model."""
    import json

    from qa.search.second_stage import MODEL_FILE

    held = json.loads(MODEL_FILE.read_text(encoding="utf-8"))["held_out"]
    rows = [[b["bin"], b["cases"], f"{b['predicted']:.3f}", f"{b['observed']:.3f}"] for b in held["reliability"]]
    out = ("Reliability of the verdict's probability on the same held-out cases (one third answerable; the model "
           "was fitted with balanced classes, so it reads as calibrated to a 50/50 prior):\n\n"
           + table(["probability", "cases", "mean predicted", "share answerable"], rows))
    beir = held.get("beir_test")
    if beir:
        fig = [[name, f"{beir[k]['auroc']:.4f}", f"{beir[k]['answered_rate']:.4f}", f"{beir[k]['abstain_rate']:.4f}",
                f"{beir[k]['balanced_accuracy']:.4f}"] for name, k in (("v1 evidence test", "v1"),
                                                                       ("second stage", "second_stage"))]
        out += (f"\n\nSciFact test answerability ({beir['cases']} cases: each claim over the corpus, and over it "
                "without its relevant abstracts), from the same training run:\n\n"
                + table(["verdict", "AUROC", "answered", "abstained", "balanced"], fig))
    return out


def main(argv=None) -> dict:
    import argparse

    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    r = run()
    write_section("quality", "Retrieval quality (`qa eval`)", render(r), "python -m bench.quality")
    return r


if __name__ == "__main__":
    main()
