"""Fine-tune the bundled all-MiniLM-L6-v2 bi-encoder so that questions asked in a reader's own
words find their paragraph (issue 20, item 4: retrieval that survives rewording). An experiment:
its output is a sentence-transformers folder to try with ``QA_MODEL=build/biencoder``, not shipped.

    python -m training.biencoder [--originals 2000] [--no-scifact] [--epochs 1] [--batch 32] [--lr 2e-5] [--seed 13] [--out DIR]

Pairs, all from SQuAD v1.1 dev articles 1-38 (never 39-48, the held-out dev rows):
- every row of squad-reworded/train.jsonl and of training/data/*.jsonl: (reworded question, its
  paragraph);
- ``--originals`` SQuAD questions of those articles drawn with the seed: (question, its paragraph);
- ``--scifact`` (on by default): every judged pair of BEIR SciFact's *train* split (claim, the
  abstract that backs or refutes it), so that claims, not only questions, keep finding their
  evidence (SciFact test is what ``qa eval --beir`` reports; its queries are never used here);
- with each pair one hard negative: the paragraph of the same article (for SciFact: the abstract
  of the corpus), other than the gold one, sharing the most TF-IDF weight with the question (what
  BM25 would put first).
Loss: cross-entropy over each question's scores against every paragraph of the batch, gold and
hard negatives alike (in-batch negatives, "MultipleNegativesRankingLoss"), scale 20 on cosine.
A plain torch loop (the ``datasets`` package the library's trainer needs is not installed).
Writes the model folder and ``report.json`` (data sha256, counts, seed, seconds).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

from qa.config import PROJECT_ROOT, go_offline
from qa.text import file_sha256

SHARED = PROJECT_ROOT.parent / "shared" / "datasets"
SQUAD = SHARED / "squad" / "dev-v1.1.json"
SCIFACT = SHARED / "scifact"
REWORDED = [SHARED / "squad-reworded" / "train.jsonl", *sorted((PROJECT_ROOT / "training" / "data").glob("*.jsonl"))]
TRAIN_ARTICLES = range(1, 39)


def hard_negatives(paragraphs: list[str], questions: list[str], gold: list[int | list[int]]) -> list[int]:
    """For each question, the paragraph with the highest TF-IDF cosine that is none of its gold ones."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit(paragraphs)
    sims = (vec.transform(questions) @ vec.transform(paragraphs).T).toarray()
    out = []
    for row, g in zip(sims, gold):
        row[g] = -1.0  # an int or a list of ints: numpy indexes either
        out.append(int(row.argmax()))
    return out


def training_triples(originals: int, seed: int) -> list[tuple[str, str, str]]:
    """(question, gold paragraph, hard negative paragraph) for the reworded rows and a seeded
    sample of SQuAD's own questions, articles 1-38 only."""
    squad = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    rng = random.Random(seed)
    asked: dict[int, list[tuple[str, int]]] = {}  # article -> (question, paragraph)
    for path in REWORDED:
        for line in path.open(encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                if row["article"] in TRAIN_ARTICLES:
                    asked.setdefault(row["article"], []).append((row["reworded"], row["paragraph"]))
    pool = [(a, q["question"], p) for a in TRAIN_ARTICLES
            for p, para in enumerate(squad[a - 1]["paragraphs"]) for q in para["qas"]]
    for a, q, p in rng.sample(pool, min(originals, len(pool))):
        asked.setdefault(a, []).append((q, p))
    triples = []
    for a, pairs in sorted(asked.items()):
        paragraphs = [p["context"] for p in squad[a - 1]["paragraphs"]]
        negs = hard_negatives(paragraphs, [q for q, _ in pairs], [p for _, p in pairs])
        triples += [(q, paragraphs[p], paragraphs[n]) for (q, p), n in zip(pairs, negs)]
    rng.shuffle(triples)
    return triples


def scifact_triples() -> list[tuple[str, str, str]]:
    """(claim, judged abstract, hard negative abstract) for every judged pair of SciFact train."""
    from qa.eval.datasets import load_beir

    data = load_beir(SCIFACT, split="train")
    index = {d.doc_id: n for n, d in enumerate(data.documents)}
    texts = [d.text for d in data.documents]
    judged = {qid: [index[pid.split("#")[0]] for pid in data.qrels[qid]] for qid in data.queries}
    pairs = [(qid, g) for qid, golds in judged.items() for g in golds]
    negs = hard_negatives(texts, [data.queries[qid] for qid, _ in pairs], [judged[qid] for qid, _ in pairs])
    return [(data.queries[qid], texts[g], texts[n]) for (qid, g), n in zip(pairs, negs)]


def train(triples, epochs: int, batch: int, lr: float, seed: int, out: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    from qa.models.bundled import bundled_model_dir

    torch.manual_seed(seed)
    model = SentenceTransformer(str(bundled_model_dir()), device="cpu")
    model.max_seq_length = 256
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    steps = epochs * ((len(triples) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10))
                                              * max(0.0, (steps - s) / steps))
    model.train()
    step, t0 = 0, time.time()
    for _ in range(epochs):
        for i in range(0, len(triples), batch):
            chunk = triples[i:i + batch]
            qs = model(model.tokenize([q for q, _, _ in chunk]))["sentence_embedding"]
            docs = model(model.tokenize([p for _, p, _ in chunk] + [n for _, _, n in chunk]))["sentence_embedding"]
            scores = 20.0 * torch.nn.functional.normalize(qs, dim=-1) @ torch.nn.functional.normalize(docs, dim=-1).T
            loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(chunk)))
            loss.backward()
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 10 == 0 or step == steps:
                print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - t0:.0f} s", flush=True)
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))


def main() -> None:
    go_offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--originals", type=int, default=2000)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--scifact", action=argparse.BooleanOptionalAction, default=True,
                    help="add SciFact train's judged (claim, abstract) pairs")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=PROJECT_ROOT / "build" / "biencoder")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    t0 = time.time()
    triples = training_triples(args.originals, args.seed)
    if args.scifact:
        triples += scifact_triples()
        random.Random(args.seed).shuffle(triples)
    print(f"{len(triples)} training triples", flush=True)
    train(triples, args.epochs, args.batch, args.lr, args.seed, args.out)
    report = {"triples": len(triples), "originals": args.originals, "scifact": args.scifact, "epochs": args.epochs, "batch": args.batch,
              "lr": args.lr, "seed": args.seed, "seconds": round(time.time() - t0, 1),
              "data": {os.path.relpath(p, PROJECT_ROOT): file_sha256(p) for p in [SQUAD, *REWORDED, SCIFACT / "qrels" / "train.tsv"]}}
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
