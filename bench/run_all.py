"""Run the benchmarks in turn; each writes its own section of bench/RESULTS.md.

    python -m bench.run_all [--long]

Quick set (``make bench``, about 10 minutes on 2 cores): latency, ingest, encoders, scale (10K, 100K),
cold start, load (8/32/64 clients), micro-batching, second-stage latency.
``--long`` adds 1M passages to the scale benchmark (HNSW build ~12 min), all 48 SQuAD articles to
the ingestion corpus, the retrieval-quality runs (``bench.quality``: SciFact, SQuAD, held-out SQuAD
and dev sets; tens of minutes the first time, while the embedding cache fills) and the MaxSim
experiment (several minutes: token vectors are not cached).
"""
from __future__ import annotations

import argparse
import time

from . import cold_start, encoders, ingest, latency, load, maxsim_experiment, microbatch, quality, scale, second_stage


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--long", action="store_true", help="also the long runs (1M passages, 48 SQuAD articles, retrieval quality)")
    args = ap.parse_args(argv)
    steps = [("latency", lambda: latency.main([])),
             ("ingest", lambda: ingest.main(["--articles", "48" if args.long else "4"])),
             ("encoders", lambda: encoders.main(["--articles", "48" if args.long else "4"])),
             ("scale", lambda: scale.main(["--long"] if args.long else [])),
             ("cold_start", lambda: cold_start.main([])),
             ("load", lambda: load.main([])),
             ("microbatch", lambda: microbatch.main([])),
             ("second_stage", lambda: second_stage.main([]))]
    if args.long:
        steps.append(("quality", lambda: quality.main([])))
        steps.append(("maxsim", lambda: maxsim_experiment.main(["--scifact"])))
    took = {}
    for name, fn in steps:
        t = time.perf_counter()
        fn()
        took[name] = time.perf_counter() - t
    print("took: " + ", ".join(f"{k} {v:.0f} s" for k, v in took.items()) + f"; total {sum(took.values()):.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
