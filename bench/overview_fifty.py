"""The corpus overview on fifty documents: the two articles plus the first paragraphs of the 48
SQuAD v1.1 dev articles (each a document on its own subject), indexed with the real model. Reports
the overview's time (alignment, topics with key phrases, ledger) and every topic's label, so one
can see the topics stay readable and each SQuAD article's topic is named by its own phrases.

    python -m bench.overview_fifty [--paragraphs 6]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import time

from bench.common import SQUAD, table, temp_project, write_section
from qa import Engine, Settings
from qa.analysis import names
from qa.models import claims


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paragraphs", type=int, default=6, help="paragraphs taken from each SQuAD article")
    args = ap.parse_args()
    articles = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    with temp_project() as root:
        for n, art in enumerate(articles):
            title = art["title"].replace("_", " ")
            body = "\n\n".join(p["context"] for p in art["paragraphs"][:args.paragraphs])
            name = re.sub(r"\W+", "_", title).strip("_").lower()
            (root / "corpus" / f"squad_{n:02d}_{name}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
        settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
        t0 = time.perf_counter()
        engine = Engine.open(settings)
        index_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        names.load_model()  # once per process, timed apart from the overview itself
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        ov = engine.overview(refresh=True)
        overview_s = time.perf_counter() - t0
        shared = sum(r.status != f"only in {ov.label(r.passage.doc_id)}" for r in ov.alignment.paragraphs)
        # the same overview judged by the evidence bars (QA_CLAIM_MODEL=off), timed in the same run
        model_on = claims.for_setting(engine.settings.claim_model) is not None
        engine.settings = engine.settings.with_(claim_model="off")
        t0 = time.perf_counter()
        bars = engine.overview(refresh=True)
        bars_s = time.perf_counter() - t0
        bars_shared = sum(r.status != f"only in {bars.label(r.passage.doc_id)}" for r in bars.alignment.paragraphs)
        docs = len(engine.documents)
        paragraphs = sum(len(d.passages) for d in engine.documents)
        rows = [[f"T{t.topic_id}", t.coverage, t.label, t.size] for t in ov.topics.topics]
        named = sum(bool(t.phrases) for t in ov.topics.topics)
    body = (f"{docs} documents, {paragraphs} paragraphs: indexed in {index_s:.0f} s; names model loaded in "
            f"{load_s:.1f} s; overview computed in {overview_s:.1f} s "
            f"{'with the claim model' if model_on else 'without a claim model'} ({len(ov.topics.topics)} topics, "
            f"{named} named by key phrases; {shared} of {paragraphs} paragraphs share a claim with some other "
            f"document), in {bars_s:.1f} s with the evidence bars instead (QA_CLAIM_MODEL=off; {bars_shared} "
            f"paragraphs shared). The SQuAD articles are on different subjects: each of their shared verdicts is "
            f"almost surely false.\n\n"
            + table(["topic", "covered by", "label", "paragraphs"], rows))
    setting = Settings().claim_model
    tried = "" if setting.lower() in ("on", "off") else f"QA_CLAIM_MODEL={os.path.relpath(setting)} "
    write_section("overview-fifty", "Corpus overview on fifty documents", body,
                  f"{tried}python -m bench.overview_fifty --paragraphs {args.paragraphs}")


if __name__ == "__main__":
    main()
