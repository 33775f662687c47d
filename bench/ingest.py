"""Ingestion throughput and where the time goes, against the model's raw encode throughput.

    python -m bench.ingest [--articles N]

The corpus: the two articles plus the first N SQuAD dev articles written as plain .txt files
(paragraphs separated by blank lines) into a temp corpus folder. One ``update_index`` into an
empty temp index is timed end to end; inside it, time is attributed to
read (``read_file``), clean (``classify`` minus splitting), split (``block_spans`` and
``sentence_spans``), embed (passages, then sentences) and write (FAISS + BM25 + files), by
wrapping those functions and by the indexer's progress callback. Then the same passage and
sentence texts are encoded in one raw ``Embedder.encode`` call.
"""
from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict

from .common import SQUAD, table, temp_project, timed, write_section


def _write_squad_articles(folder, n: int) -> int:
    if n <= 0 or not SQUAD.exists():
        return 0
    data = json.loads(SQUAD.read_text(encoding="utf-8"))["data"][:n]
    for i, art in enumerate(data):
        title = art["title"].replace("_", " ")
        body = "\n\n".join(" ".join(p["context"].split()) for p in art["paragraphs"])
        (folder / f"squad_{i:02d}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    return len(data)


def run(articles: int = 4) -> dict:
    import qa.ingest.clean as clean
    import qa.ingest.corpus as ingest
    from qa import Settings
    from qa.index import update_index
    from qa.models.encoders import embedder_for

    spent = defaultdict(float)

    def wrap(module, name, key):
        fn = getattr(module, name)

        def timed_fn(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[key] += time.perf_counter() - t

        setattr(module, name, timed_fn)
        return fn

    originals = [(ingest, "read_file", wrap(ingest, "read_file", "read")),
                 (ingest, "classify", wrap(ingest, "classify", "classify")),
                 (clean, "block_spans", wrap(clean, "block_spans", "split")),
                 (clean, "sentence_spans", wrap(clean, "sentence_spans", "split"))]
    out: dict = {}
    try:
        with temp_project() as root:
            out["squad_articles"] = _write_squad_articles(root / "corpus", articles)
            settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
            embedder = embedder_for(settings)
            embedder.encode(["warm up the model"])
            marks: dict[str, float] = {}

            def progress(stage, done, total):
                now = time.perf_counter()
                marks.setdefault(f"{stage}:start", now)
                marks[f"{stage}:end"] = now

            report, total = timed(update_index, settings, embedder, progress)
            out["total"] = total
            out["documents"], out["passages"] = report.documents, report.passages
            out["sentences"] = report.embedded_sentences
            for stage in ("embed passages", "embed sentences", "write"):
                out[stage] = marks.get(f"{stage}:end", 0) - marks.get(f"{stage}:start", 0)
            out["read"], out["split"] = spent["read"], spent["split"]
            out["clean"] = spent["classify"] - spent["split"]

            from qa.index.store import live_version, read_version
            from qa.types import sentence_texts

            docs = read_version(live_version(settings.index_dir)).table.documents
            texts = [p.text for d in docs for p in d.passages] + sentence_texts(docs)
            _, out["raw_encode"] = timed(embedder.encode, texts)
            out["raw_texts"] = len(texts)
            out["chars"] = sum(len(t) for t in texts)
    finally:
        for module, name, fn in originals:
            setattr(module, name, fn)
    return out


def render(r: dict) -> str:
    total = r["total"]
    embed = r["embed passages"] + r["embed sentences"]
    stages = [("read", r["read"]), ("clean", r["clean"]), ("split", r["split"]),
              ("embed passages", r["embed passages"]), ("embed sentences", r["embed sentences"]), ("write", r["write"])]
    other = total - sum(s for _, s in stages)
    rows = [[name, f"{s:.3f}", f"{100 * s / total:.1f}%"] for name, s in stages]
    rows.append(["other (hashing, manifest, checks)", f"{other:.2f}", f"{100 * other / total:.1f}%"])
    rows.append(["**total update_index**", f"{total:.2f}", "100%"])
    t1 = table(["stage", "seconds", "share"], rows)
    n_texts = r["passages"] + r["sentences"]
    rows2 = [
        ["ingestion end to end", f"{r['passages'] / total:.1f} passages/s", f"{n_texts / total:.1f} texts/s",
         f"{r['documents']} documents, {r['passages']} passages, {r['sentences']} sentences"],
        ["embed stage inside ingestion", f"{r['passages'] / embed:.1f} passages/s", f"{n_texts / embed:.1f} texts/s", ""],
        ["raw Embedder.encode, same texts, one call", "", f"{r['raw_texts'] / r['raw_encode']:.1f} texts/s",
         f"{r['raw_texts']} texts, {r['chars'] / r['raw_texts']:.0f} chars on average"],
        ["ingestion / raw encode", "", f"{(n_texts / total) / (r['raw_texts'] / r['raw_encode']):.2f}", ""],
    ]
    t2 = table(["throughput", "passages", "texts (passages + sentences)", "note"], rows2)
    return (f"Corpus: the two articles + {r['squad_articles']} SQuAD dev articles as .txt, indexed from scratch "
            f"into a temp folder (model loaded beforehand).\n\n{t1}\n\n{t2}\n")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=4, help="SQuAD articles added to the two (default 4)")
    args = ap.parse_args(argv)
    r = run(args.articles)
    write_section("ingest", "Ingestion throughput and where the time goes", render(r),
                  "python -m bench.ingest" + (f" --articles {args.articles}" if args.articles != 4 else ""))
    return r


if __name__ == "__main__":
    main()
