"""The sentence pairs the claim model calls the same claim in the corpus (the two articles by
default), each with its probability, for a person to read and judge; and article A's hand labels
scored (../shared/eval/alignment.jsonl, a sanity check: nothing is fitted on them).

    QA_CLAIM_MODEL=build/claims-choice/claims.json python -m bench.claim_pairs

Prints a Markdown list; it writes nothing into RESULTS.md (the judging is a person's).
"""
from __future__ import annotations

from bench.common import DEV_DATA
from qa import Engine, Settings
from qa.analysis.alignment import align
from qa.eval.alignment import score_alignment
from qa.models import claims
from qa.text import read_jsonl
from qa.types import doc_labels


def main() -> None:
    settings = Settings()
    engine = Engine.open(settings)
    tbl = engine.searcher.table
    labels = doc_labels([d.doc_id for d in tbl.documents])
    ids = {v: k for k, v in labels.items()}
    model = claims.for_setting(settings.claim_model)
    if model is None:
        raise SystemExit("no claim model: set QA_CLAIM_MODEL=FOLDER/claims.json or ship one in qa/models")
    al = align(tbl, labels, claim_model=model)
    seen = set()
    for row in al.paragraphs:
        for c in row.counterparts:
            for s in c.shared_sentences:
                key = tuple(sorted([(s.sentence.doc_id, s.sentence.start), (s.other.doc_id, s.other.start)]))
                if key in seen:
                    continue
                seen.add(key)
                print(f"- {labels[s.sentence.doc_id]} ¶{s.sentence.paragraph} \"{s.sentence.text}\" ~ "
                      f"{labels[s.other.doc_id]} ¶{s.other.paragraph} \"{s.other.text}\" ({s.same_claim:.2f})")
    print(f"\n{len(seen)} pairs called the same claim (threshold {model.threshold:.3f})")
    gold = read_jsonl(DEV_DATA / "alignment.jsonl")
    s = score_alignment(al, gold, ids)
    n_shared = sum(r.label == "shared" for r in s.rows)
    print(f"A's hand labels: balanced accuracy {s.balanced_accuracy:.3f}, shared found "
          f"{round(s.shared_recall * n_shared)}/{n_shared}, only found "
          f"{round(s.only_recall * (len(s.rows) - n_shared))}/{len(s.rows) - n_shared}")


if __name__ == "__main__":
    main()
