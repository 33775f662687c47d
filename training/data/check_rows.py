"""Check rows written in the squad-reworded format (../shared/datasets/squad-reworded/README.md)
before they are used for training: the checks every shipped row passed, run on ours.

    python -m training.data.check_rows training/data/reworded-extra.jsonl [...]

A row fails when: its article is not one of 1-38 (39-48 are dev: nothing is written for them);
its SQuAD id, question or answer do not match the source; the answer (any SQuAD variant) appears in
the reworded question; the reworded question copies a run of 3+ words from the paragraph; the near
miss's kind is not one of the six; the claim sentence is not verbatim in the paragraph; a field is
empty or repeats another. Also refused: a qid used twice, or one the shared train rows already use.
Prints one line per failing row and a summary (content-word share of the paragraph found in the
reworded and the original questions, as the README reports it); exits 1 when any row fails.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from qa.config import PROJECT_ROOT

SHARED = PROJECT_ROOT.parent / "shared" / "datasets"
KINDS = {"no_information", "entity_swap", "number_swap", "negation", "antonym", "mutual_exclusion"}
TRAIN_ARTICLES = range(1, 39)
_WORD = re.compile(r"[a-z0-9]+")
_STOP = set("a an the of in on at to for by with from and or but is are was were be been being do does did "
            "what which who whom whose when where why how that this these those it its as than then there their "
            "they he she his her him them we you i not no into about over under after before during between "
            "has have had can could would should may might will shall most more many much some any".split())


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def content_share(question: str, paragraph: str) -> float:
    """Share of the question's content words (not stop words) found among the paragraph's words."""
    q = [w for w in words(question) if w not in _STOP]
    para = set(words(paragraph))
    return sum(w in para for w in q) / len(q) if q else 0.0


def copied_run(question: str, paragraph: str, n: int = 3) -> str | None:
    """A run of ``n`` words of the question found in the paragraph (None when there is none)."""
    q, p = words(question), words(paragraph)
    grams = {tuple(p[i:i + n]) for i in range(len(p) - n + 1)}
    return next((" ".join(q[i:i + n]) for i in range(len(q) - n + 1) if tuple(q[i:i + n]) in grams), None)


def problems(row: dict, squad: list[dict]) -> list[str]:
    out = []
    art, par = row.get("article"), row.get("paragraph")
    if art not in TRAIN_ARTICLES:
        return [f"article {art!r} is not one of 1-38"]
    paras = squad[art - 1]["paragraphs"]
    if not isinstance(par, int) or not 0 <= par < len(paras):
        return [f"paragraph {par!r} is not in article {art}"]
    ctx, qas = paras[par]["context"], {q["id"]: q for q in paras[par]["qas"]}
    qa = qas.get(row.get("qid"))
    if qa is None:
        return [f"qid {row.get('qid')!r} is not a question of article {art} paragraph {par}"]
    if row.get("question") != qa["question"]:
        out.append("question is not SQuAD's")
    answers = {a["text"] for a in qa["answers"]}
    if row.get("answer") not in answers:
        out.append("answer is not one of SQuAD's")
    reworded = row.get("reworded") or ""
    if not reworded.strip():
        out.append("reworded is empty")
    for a in answers:
        if re.search(r"(?<!\w)" + re.escape(a.lower()) + r"(?!\w)", reworded.lower()):
            out.append(f"reworded holds the answer {a!r}")
    run = copied_run(reworded, ctx)
    if run:
        out.append(f"reworded copies {run!r} from the paragraph")
    nm = row.get("near_miss") or {}
    if nm.get("kind") not in KINDS:
        out.append(f"near_miss kind {nm.get('kind')!r} is not one of {sorted(KINDS)}")
    if not (nm.get("question") or "").strip() or not (nm.get("why") or "").strip():
        out.append("near_miss question or why is empty")
    claim = row.get("claim") or {}
    if not claim.get("sentence") or claim["sentence"] not in ctx:
        out.append("claim sentence is not verbatim in the paragraph")
    fields = [claim.get(k) or "" for k in ("sentence", "same", "different")]
    if not all(f.strip() for f in fields) or len(set(fields)) < 3 or not (claim.get("change") or "").strip():
        out.append("claim same/different/change empty or repeating the sentence")
    return out


def main(paths: list[str]) -> int:
    squad = json.loads((SHARED / "squad" / "dev-v1.1.json").read_text(encoding="utf-8"))["data"]
    shipped = {json.loads(line)["qid"] for line in (SHARED / "squad-reworded" / "train.jsonl").open(encoding="utf-8")
               if line.strip()}
    seen, bad, rows = set(), 0, []
    for path in paths:
        for n, line in enumerate(Path(path).open(encoding="utf-8"), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                print(f"{path}:{n}: not JSON")
                bad += 1
                continue
            found = problems(row, squad)
            qid = row.get("qid")
            if qid in seen or (qid in shipped and Path(path).name != "train.jsonl"):
                found.append(f"qid {qid} used twice (or by the shared train rows)")
            seen.add(qid)
            if found:
                bad += 1
                print(f"{path}:{n}: " + "; ".join(found))
            else:
                rows.append(row)
    if rows:
        ctx = {(r["article"], r["paragraph"]): squad[r["article"] - 1]["paragraphs"][r["paragraph"]]["context"] for r in rows}
        rew = sum(content_share(r["reworded"], ctx[r["article"], r["paragraph"]]) for r in rows) / len(rows)
        orig = sum(content_share(r["question"], ctx[r["article"], r["paragraph"]]) for r in rows) / len(rows)
        print(f"{len(rows)} rows pass, {bad} fail; content-word share in the paragraph: reworded {rew:.2f}, "
              f"original {orig:.2f}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
