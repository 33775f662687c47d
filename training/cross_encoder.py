"""Train a cross-encoder ("does this sentence answer this question?") from the bundled MiniLM
weights on SQuAD v1.1 dev articles 1-38, export it to ONNX (fp32 and dynamic int8), and report
on held-out articles 39-48.

    python -m training.cross_encoder [--steps 600] [--batch 32] [--max-length 96] [--seed 13] [--out DIR]

Pairs, all from articles 1-38 in file order: for each question, the sentence holding its answer
(label 1), up to ``--near`` other sentences of the same paragraph (near misses: on topic, no
answer) and one sentence from another paragraph of the article (label 0), sampled with the seed.
The model is the bundled all-MiniLM-L6-v2 transformer with a fresh one-logit head
(``AutoModelForSequenceClassification``), trained with binary cross-entropy by AdamW (linear
warm-up and decay) in a plain torch loop. Output in ``--out`` (default ``build/cross_encoder``,
not in git): the torch model, ``model.onnx``, ``model.int8.onnx``, ``tokenizer.json`` and
``report.json`` (data sha256, seed, steps, seconds, held-out AUROC of both exports and their
agreement with torch). Shipping the int8 file in the repository is a separate, reviewed step.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import time
from pathlib import Path

import numpy as np

from qa.config import PROJECT_ROOT, go_offline
from qa.text import file_sha256

SQUAD = PROJECT_ROOT.parent / "shared" / "datasets" / "squad" / "dev-v1.1.json"


def pairs_from(evalset, rng: random.Random, near: int) -> list[tuple[str, str, int]]:
    """(question, sentence, label) for every question with a locatable answer sentence."""
    doc_of = {d.doc_id: d for d in evalset.documents}
    block_of = {b.passage_id: b for d in evalset.documents for b in d.passages}
    out = []
    for qid in sorted(evalset.qrels):
        block = block_of[next(iter(evalset.qrels[qid]))]
        spans = evalset.answers.get(qid) or []
        if not spans or not block.sentences:
            continue
        text = doc_of[block.doc_id].text
        sents = [text[a:b] for a, b in block.sentences]
        hit = next((i for i, (a, b) in enumerate(block.sentences) if a <= spans[0][1] < b), None)
        if hit is None:
            continue
        q = evalset.queries[qid]
        out.append((q, sents[hit], 1))
        others = [s for i, s in enumerate(sents) if i != hit]
        out += [(q, s, 0) for s in rng.sample(others, min(near, len(others)))]
        elsewhere = [b for b in doc_of[block.doc_id].passages if b.passage_id != block.passage_id and b.sentences]
        if elsewhere:
            b = rng.choice(elsewhere)
            a, e = rng.choice(b.sentences)
            out.append((q, text[a:e], 0))
    return out


def train(model_folder: Path, pairs, steps: int, batch: int, max_length: int, seed: int, lr: float = 5e-5,
          pos_weight: float = 1.0, tokenizer_folder: Path | None = None):
    """``model_folder``: the bundled weights, or an earlier run's saved model (a further pass; its
    tokenizer is then ``tokenizer_folder``'s, the bundled one)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

    torch.manual_seed(seed)
    tok = AutoTokenizer.from_pretrained(str(tokenizer_folder or model_folder))
    model = AutoModelForSequenceClassification.from_pretrained(str(model_folder), num_labels=1)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, max(1, steps // 10), steps)
    rng = random.Random(seed)
    order: list[int] = []
    model.train()
    for step in range(steps):
        if len(order) < batch:
            order += rng.sample(range(len(pairs)), len(pairs))
        idx, order = order[:batch], order[batch:]
        q, s, y = zip(*(pairs[i] for i in idx))
        enc = tok(list(q), list(s), truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        logits = model(**enc).logits.squeeze(-1)
        # pos_weight > 1 when positives are rare in the pairs, so the model does not learn to doubt them
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, torch.tensor(y, dtype=torch.float32), pos_weight=torch.tensor(pos_weight))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        if step % 50 == 0 or step == steps - 1:
            print(f"step {step + 1}/{steps}: loss {loss.item():.4f}", flush=True)
    return model.eval(), tok


def export(model, tok, out: Path, max_length: int) -> None:
    """model.onnx (fp32, one logit per pair) and model.int8.onnx (dynamic int8: MatMul weights and the
    embedding table, which alone is half the file)."""
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    sample = tok(["a question?", "another one"], ["a sentence.", "a longer sentence here."], padding=True,
                 return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, tuple(sample[n] for n in names), str(out / "model.onnx"), input_names=names,
                          output_names=["logits"], dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names},
                          opset_version=17, dynamo=False)
    quantize_dynamic(str(out / "model.onnx"), str(out / "model.int8.onnx"), weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul", "Gather"], per_channel=True)
    tok.save_pretrained(str(out))
    (out / "cross_encoder.json").write_text(json.dumps({"max_length": max_length}), encoding="utf-8")


def onnx_scores(path: Path, tokenizer_file: Path, pairs, max_length: int, batch: int = 64) -> np.ndarray:
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_file))
    tok.enable_truncation(max_length=max_length)
    tok.enable_padding()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out = []
    for start in range(0, len(pairs), batch):
        enc = tok.encode_batch([(q, s) for q, s, _ in pairs[start:start + batch]])
        feed = {"input_ids": np.array([e.ids for e in enc], np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], np.int64),
                "token_type_ids": np.array([e.type_ids for e in enc], np.int64)}
        out.append(sess.run(None, feed)[0].reshape(-1))
    return np.concatenate(out) if out else np.zeros(0)


def write_results(report_file: Path) -> None:
    """The run's report as the cross-encoder section of bench/RESULTS.md."""
    from bench.common import table, write_section

    r = json.loads(Path(report_file).read_text(encoding="utf-8"))
    rows = [[name, f"{r[f'held_out_auroc_{key}']:.4f}", f"{r.get(f'max_abs_diff_vs_torch_{key}', 0.0):.4f}",
             f"{r[f'bytes_{key}'] / 1e6:.1f} MB" if f"bytes_{key}" in r else "-"]
            for name, key in (("torch", "torch"), ("ONNX fp32", "model.onnx"), ("ONNX int8", "model.int8.onnx"))]
    body = (f"{r['training_pairs']:,} pairs from SQuAD dev articles {r['articles']} (seed {r['seed']}, {r['steps']} steps "
            f"of {r['batch']}, max length {r['max_length']}, {r['train_seconds']:.0f} s on 2 cores); held-out pairs from "
            f"articles {r['held_out']}: the answer sentence against sentences of its paragraph and of another paragraph.\n\n"
            + table(["model", "held-out pair AUROC", "max abs logit diff vs torch", "file"], rows)
            + "\n\nNot shipped or used by the product yet.\n")
    write_section("cross_encoder", "Cross-encoder trained here (experiment)", body,
                  f"python -m training.cross_encoder --steps {r['steps']}")


def main(argv=None) -> int:
    go_offline()
    import torch
    from sklearn.metrics import roc_auc_score

    from qa.eval.answerability import parse_articles, subset
    from qa.eval.datasets import load_squad
    from qa.models.bundled import bundled_model_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--squad", default=str(SQUAD))
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=96)
    ap.add_argument("--near", type=int, default=2, help="near-miss sentences per question")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--held-out-pairs", type=int, default=2000, help="held-out pairs scored for the report")
    ap.add_argument("--out", default=str(PROJECT_ROOT / "build" / "cross_encoder"))
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    t0 = time.perf_counter()
    squad = load_squad(Path(args.squad))
    rng = random.Random(args.seed)
    train_pairs = pairs_from(subset(squad, parse_articles("1-38")), rng, args.near)
    held = pairs_from(subset(squad, parse_articles("39-48")), random.Random(args.seed), args.near)
    held = random.Random(args.seed).sample(held, min(args.held_out_pairs, len(held)))
    print(f"{len(train_pairs)} training pairs, {len(held)} held-out pairs", flush=True)
    model, tok = train(bundled_model_dir(), train_pairs, args.steps, args.batch, args.max_length, args.seed)
    trained_s = time.perf_counter() - t0
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    model.save_pretrained(str(out / "torch"))
    export(model, tok, out, args.max_length)
    y = np.array([lab for _, _, lab in held])
    with torch.no_grad():
        ref = []
        for start in range(0, len(held), 64):
            q, s, _ = zip(*held[start:start + 64])
            enc = tok(list(q), list(s), truncation=True, max_length=args.max_length, padding=True, return_tensors="pt")
            ref.append(model(**enc).logits.squeeze(-1).numpy())
        ref = np.concatenate(ref)
    report = {"data_sha256": file_sha256(args.squad), "articles": "1-38", "held_out": "39-48", "seed": args.seed,
              "steps": args.steps, "batch": args.batch, "max_length": args.max_length, "near": args.near,
              "training_pairs": len(train_pairs), "train_seconds": round(trained_s, 1),
              "held_out_auroc_torch": round(float(roc_auc_score(y, ref)), 4)}
    for name in ("model.onnx", "model.int8.onnx"):
        got = onnx_scores(out / name, out / "tokenizer.json", held, args.max_length)
        report[f"held_out_auroc_{name}"] = round(float(roc_auc_score(y, got)), 4)
        report[f"max_abs_diff_vs_torch_{name}"] = round(float(np.abs(got - ref).max()), 4)
        report[f"bytes_{name}"] = (out / name).stat().st_size
        report[f"sha256_{name}"] = file_sha256(out / name)
    (out / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))
    write_results(out / "report.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
