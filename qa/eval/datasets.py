"""Public benchmarks as the library's own Documents, without writing anything into corpus/.

- BEIR folder (``corpus.jsonl``, ``queries.jsonl``, ``qrels/<split>.tsv``): each BEIR document
  becomes one Document with one passage, ``title + "\\n" + text``.
- SQuAD v1.1 json: each article one Document (paragraphs joined by a blank line), each
  paragraph one passage; a question's gold passage is its paragraph, and its gold answer spans
  are kept (as offsets into the document text) to judge the highlighted sentence.

Relevance judgments (``qrels``) are keyed by ``Block.passage_id`` (``<doc_id>#p<n>``).
"""
from __future__ import annotations

import csv
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BadInput
from ..text import read_jsonl, text_sha256
from ..types import Block, Document, Offsets

log = logging.getLogger(__name__)

SPLITS = ("train", "dev", "test")


@dataclass
class EvalSet:
    """Documents to index, queries, relevance judgments and (SQuAD) gold answer spans."""

    name: str
    documents: list[Document]
    queries: dict[str, str]  # query id -> text
    qrels: dict[str, dict[str, int]]  # query id -> {passage_id: relevance > 0}
    answers: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)  # (doc_id, start, end)

    @property
    def passages(self) -> int:
        return sum(len(d.passages) for d in self.documents)


def _sentences(text: str, start: int, end: int) -> tuple[Offsets, ...]:
    from ..ingest.split import sentence_spans

    return tuple(sentence_spans(text, start, end))


def load_beir(folder: Path, split: str = "test", sentences: bool = False, progress=None) -> EvalSet:
    """A BEIR-format folder as an EvalSet: only the queries judged in ``qrels/<split>.tsv``.

    ``sentences``: also split each passage into sentences (the product's dense score is the
    best of the passage's and its sentences' cosines; BEIR's protocol embeds whole documents).
    """
    folder = Path(folder)
    qrels_path = folder / "qrels" / f"{split}.tsv"
    for need in (folder / "corpus.jsonl", folder / "queries.jsonl", qrels_path):
        if not need.exists():
            raise BadInput(f"{need}: missing; a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/{split}.tsv")
    rows = read_jsonl(folder / "corpus.jsonl")
    rows = progress(rows, desc="read corpus", unit="doc") if progress else rows
    docs = []
    for row in rows:
        doc_id, title, body = str(row["_id"]), (row.get("title") or "").strip(), (row.get("text") or "").strip()
        text = f"{title}\n{body}" if title and body else (title or body or "(empty)")
        if sentences:
            if title and body:
                spans = ((0, len(title)),) + _sentences(text, len(title) + 1, len(text))
            else:
                spans = _sentences(text, 0, len(text))
        else:
            spans = ()
        block = Block(doc_id, "body", 0, len(text), text, 1, spans)
        docs.append(Document(doc_id, title or doc_id, folder.name, str(folder / "corpus.jsonl"), text_sha256(text), text, [block]))
    qrels: dict[str, dict[str, int]] = {}
    with open(qrels_path, encoding="utf-8", newline="") as f:
        for n, rec in enumerate(csv.reader(f, delimiter="\t")):
            if n == 0 and rec and not rec[-1].strip().lstrip("-").isdigit():
                continue  # header
            if len(rec) < 3:
                continue
            qid, did, rel = rec[0].strip(), rec[1].strip(), int(rec[2])
            if rel > 0:
                qrels.setdefault(qid, {})[f"{did}#p1"] = rel
    texts = {str(r["_id"]): r["text"] for r in read_jsonl(folder / "queries.jsonl")}
    missing = [q for q in qrels if q not in texts]
    if missing:
        raise BadInput(f"{qrels_path}: {len(missing)} judged queries are not in queries.jsonl (e.g. {missing[0]})")
    queries = {q: texts[q] for q in qrels}
    return EvalSet(f"{folder.name}/{split}", docs, queries, qrels)


def _safe_id(title: str, used: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", title).strip("._") or "article"
    out, n = base, 2
    while out in used:
        out, n = f"{base}-{n}", n + 1
    used.add(out)
    return out


def load_squad(path: Path, sentences: bool = True, progress=None) -> EvalSet:
    """SQuAD v1.1 json as an EvalSet: one Document per article, one passage per paragraph."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BadInput(f"{path}: not a SQuAD v1.1 json file ({type(exc).__name__}: {exc})") from None
    docs, queries, qrels, answers = [], {}, {}, {}
    used: set[str] = set()
    articles = progress(data, desc="read articles", unit="article") if progress else data
    bad_answers = 0
    for art in articles:
        title = str(art.get("title", "")).replace("_", " ")
        doc_id = _safe_id(str(art.get("title", "")), used)
        parts, blocks, pos = [], [], 0
        for n, para in enumerate(art["paragraphs"], 1):
            ctx = para["context"]
            start, end = pos, pos + len(ctx)
            parts.append(ctx)
            pos = end + 2  # "\n\n" between paragraphs
            blocks.append((n, start, end, ctx, para.get("qas", [])))
        text = "\n\n".join(parts)  # sentence spans are absolute, so they need the whole text
        doc_blocks = []
        for n, start, end, ctx, qas in blocks:
            spans = _sentences(text, start, end) if sentences else ()
            block = Block(doc_id, "body", start, end, ctx, n, spans)
            doc_blocks.append(block)
            for qa in qas:
                qid = str(qa["id"])
                queries[qid] = qa["question"]
                qrels[qid] = {block.passage_id: 1}
                spans_ok = []
                for a in qa.get("answers", []):
                    s = start + int(a["answer_start"])
                    e = s + len(a["text"])
                    if text[s:e] != a["text"]:  # a misaligned offset: look for the text nearby
                        at = ctx.find(a["text"])
                        if at < 0:
                            bad_answers += 1
                            continue
                        s, e = start + at, start + at + len(a["text"])
                    spans_ok.append((doc_id, s, e))
                answers[qid] = spans_ok
        docs.append(Document(doc_id, title, "SQuAD v1.1", str(path), text_sha256(text), text, doc_blocks))
    if bad_answers:
        log.warning("%s: %d answer spans could not be located in their paragraph", path, bad_answers)
    return EvalSet(path.stem, docs, queries, qrels, answers)
