"""Fine-tune a query encoder against the frozen passage vectors of the bundled model (issue 20:
retrieval that survives rewording), so that an index built with all-MiniLM-L6-v2 stays as it is
and only the question is encoded differently.

    python -m training.query_encoder [--epochs 2] [--batch 64] [--lr 3e-5] [--anchor 0.0] [--seed 13] [--out DIR]

Why a query encoder and not the whole bi-encoder: passages, sentences, the claim alignment and
the overview keep the bundled model's vectors (and every threshold fitted on them); an existing
index needs no re-embedding; only the question's vector moves, towards the passages that answer
it. The passage side never changes, so its vectors are computed once (cached in ``--out``) and
every question is scored against *all* passages of its pool, not only a batch: a full softmax.

Data, public only, never SQuAD dev articles 39-48 (the rewording test's dev rows):
- every reworded row of squad-reworded/train.jsonl and training/data/*.jsonl (articles 1-38),
  against the pool of all paragraphs of articles 1-38;
- ``--originals`` SQuAD questions of those articles drawn with the seed, same pool (so questions
  that share the text's words keep finding it);
- ``--scifact``: every judged (claim, abstract) pair of BEIR SciFact *train*, against the SciFact
  corpus (claims, not only questions; SciFact test is never used).
Loss: cross-entropy of ``--scale`` x cosine over the pool (other gold passages of the same query
masked), plus ``--anchor`` x (1 - cosine to the bundled model's own vector of the question), which
keeps a question's vector near where the bundled model put it.

``--dev``: reports dense hit@1 / hit@3 of squad-reworded dev's reworded and original questions
against the paragraphs of articles 39-48 after each epoch (a quick check; ``qa eval --reworded``
with ``QA_QUERY_MODEL`` gives the product's figures).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import time
from pathlib import Path

import numpy as np

from qa.config import PROJECT_ROOT, go_offline
from qa.text import file_sha256, read_jsonl

SHARED = PROJECT_ROOT.parent / "shared" / "datasets"
SQUAD = SHARED / "squad" / "dev-v1.1.json"
SCIFACT = SHARED / "scifact"
DEV_ROWS = SHARED / "squad-reworded" / "dev.jsonl"
ROWS = [SHARED / "squad-reworded" / "train.jsonl", *sorted((PROJECT_ROOT / "training" / "data").glob("*.jsonl"))]
TRAIN_ARTICLES = range(1, 39)
DEV_ARTICLES = range(39, 49)


class Pool:
    """Passages a question is scored against, with their (frozen, bundled) unit vectors."""

    def __init__(self, name: str, texts: list[str]):
        self.name, self.texts = name, texts
        self.vectors: np.ndarray | None = None


def squad_paragraphs(articles: range) -> tuple[list[str], dict[tuple[int, int], int]]:
    """The paragraphs of the articles (1-based), and (article, paragraph) -> index in that list."""
    squad = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    texts, where = [], {}
    for a in articles:
        for p, para in enumerate(squad[a - 1]["paragraphs"]):
            where[(a, p)] = len(texts)
            texts.append(para["context"])
    return texts, where


def squad_examples(originals: int, seed: int) -> tuple[Pool, list[tuple[str, list[int]]]]:
    """(pool of articles 1-38, [(question, [gold index])]) from the reworded rows and a seeded
    sample of SQuAD's own questions."""
    texts, where = squad_paragraphs(TRAIN_ARTICLES)
    out, seen = [], set()
    for path in ROWS:
        for row in read_jsonl(path):
            if row["article"] in TRAIN_ARTICLES and row["qid"] not in seen:
                seen.add(row["qid"])
                out.append((row["reworded"], [where[(row["article"], row["paragraph"])]]))
    squad = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    asked = [(q["question"], [where[(a, p)]]) for a in TRAIN_ARTICLES
             for p, para in enumerate(squad[a - 1]["paragraphs"]) for q in para["qas"]]
    out += random.Random(seed).sample(asked, min(originals, len(asked)))
    return Pool("squad 1-38", texts), out


def scifact_examples() -> tuple[Pool, list[tuple[str, list[int]]]]:
    """(SciFact corpus, [(claim, [every judged abstract])]) for SciFact train."""
    from qa.eval.datasets import load_beir

    data = load_beir(SCIFACT, split="train")
    index = {d.doc_id: n for n, d in enumerate(data.documents)}
    out = [(q, [index[pid.split("#")[0]] for pid in data.qrels[qid]]) for qid, q in data.queries.items()]
    return Pool("scifact", [d.text for d in data.documents]), out


def encode_frozen(model, texts: list[str], cache: Path) -> np.ndarray:
    """The bundled model's unit vectors of the texts, cached by the texts' hash."""
    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = cache / f"frozen-{key}.npy"
    if path.exists():
        return np.load(path)
    vecs = model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False).astype(np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vecs)
    return vecs


def dev_check(model, frozen, cache: Path) -> dict:
    """Dense hit@1 / hit@3 of squad-reworded dev (reworded and original) over articles 39-48."""
    texts, where = squad_paragraphs(DEV_ARTICLES)
    pvecs = encode_frozen(frozen, texts, cache)
    rows = read_jsonl(DEV_ROWS)
    gold = np.array([where[(r["article"], r["paragraph"])] for r in rows])
    out = {}
    for kind in ("reworded", "question"):
        q = model.encode([r[kind] for r in rows], batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        rank = (-(q @ pvecs.T)).argsort(axis=1)
        out[kind] = {"hit@1": round(float((rank[:, 0] == gold).mean()), 4),
                     "hit@3": round(float((rank[:, :3] == gold[:, None]).any(axis=1).mean()), 4)}
    return out


def train(args) -> dict:
    import torch
    from sentence_transformers import SentenceTransformer

    from qa.models.bundled import bundled_model_dir

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    cache = args.out / "cache"
    frozen = SentenceTransformer(str(bundled_model_dir()), device="cpu")
    pools, examples = [], []  # examples: (pool number, question, gold indexes)
    squad_pool, squad = squad_examples(args.originals, args.seed)
    pools.append(squad_pool)
    examples += [(0, q, g) for q, g in squad]
    if args.scifact:
        sci_pool, sci = scifact_examples()
        pools.append(sci_pool)
        examples += [(1, q, g) for q, g in sci]
    for p in pools:
        t = time.perf_counter()
        p.vectors = encode_frozen(frozen, p.texts, cache)
        print(f"{p.name}: {len(p.texts)} passages ({time.perf_counter() - t:.0f} s)", flush=True)
    anchors = encode_frozen(frozen, [q for _, q, _ in examples], cache)
    print(f"{len(examples)} questions; before training: {json.dumps(dev_check(frozen, frozen, cache))}", flush=True)

    model = SentenceTransformer(str(bundled_model_dir()), device="cpu")
    model.max_seq_length = 64  # questions and claims, not passages
    mats = [torch.from_numpy(p.vectors) for p in pools]
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    per_epoch = (len(examples) + args.batch - 1) // args.batch
    steps = args.epochs * per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10))
                                              * max(0.0, (steps - s) / steps))
    rng = random.Random(args.seed)
    order = list(range(len(examples)))
    step, t0, history = 0, time.perf_counter(), []
    for epoch in range(args.epochs):
        model.train()
        rng.shuffle(order)
        for i in range(0, len(order), args.batch):
            idx = order[i:i + args.batch]
            feats = model.tokenize([examples[j][1] for j in idx])
            q = torch.nn.functional.normalize(model(feats)["sentence_embedding"], dim=-1)
            loss = torch.zeros(())
            for n, mat in enumerate(mats):
                rows = [k for k, j in enumerate(idx) if examples[j][0] == n]
                if not rows:
                    continue
                logits = args.scale * q[rows] @ mat.T
                target = torch.tensor([examples[idx[k]][2][0] for k in rows])
                for r, k in enumerate(rows):  # other gold passages of the same claim are not negatives
                    others = examples[idx[k]][2][1:]
                    if others:
                        logits[r, others] = -1e4
                loss = loss + torch.nn.functional.cross_entropy(logits, target, reduction="sum")
            loss = loss / len(idx)
            if args.anchor > 0:
                ref = torch.from_numpy(anchors[idx])
                loss = loss + args.anchor * (1.0 - (q * ref).sum(dim=-1)).mean()
            loss.backward()
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 20 == 0 or step == steps:
                print(f"step {step}/{steps} loss {loss.item():.3f} {time.perf_counter() - t0:.0f} s", flush=True)
        model.eval()
        check = dev_check(model, frozen, cache) if args.dev else {}
        history.append({"epoch": epoch + 1, "seconds": round(time.perf_counter() - t0, 1), **check})
        print(json.dumps(history[-1]), flush=True)
    model.save(str(args.out / "model"))
    return {"questions": len(examples), "history": history}


def main(argv=None) -> int:
    go_offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--originals", type=int, default=2000)
    ap.add_argument("--scifact", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--scale", type=float, default=20.0)
    ap.add_argument("--anchor", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--dev", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=PROJECT_ROOT / "build" / "query_encoder")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    result = train(args)
    report = {"script": "python -m training.query_encoder", **{k: (str(v) if isinstance(v, Path) else v)
                                                               for k, v in vars(args).items()},
              **result, "seconds": round(time.perf_counter() - t0, 1),
              "data": {os.path.relpath(p, PROJECT_ROOT): file_sha256(p)
                       for p in [SQUAD, *ROWS, SCIFACT / "qrels" / "train.tsv"]}}
    (args.out / "report.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: report[k] for k in ("questions", "seconds")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
