"""Query latency with and without the second stage, warm, through the library on the two articles.

    python -m bench.second_stage [--rounds N]

Both engines share one index and one ONNX encoder; the dev questions and topics are asked
``rounds`` times each, alternating engines so load changes hit both alike.
"""
from __future__ import annotations

import argparse
import time

from .common import dev_questions, ms, summary, table, temp_project, write_section


def run(rounds: int = 5) -> dict:
    from qa import Engine, Settings
    from qa.models.encoders import embedder_for
    from qa.search import second_stage

    questions = dev_questions()
    with temp_project() as root:
        on = Settings(corpus_dir=root / "corpus", index_dir=root / "index", second_stage=True)
        embedder = embedder_for(on)
        engines = {"first stage only (QA_SECOND_STAGE=off)": Engine.open(on.with_(second_stage=False), embedder),
                   "with the second stage": Engine.open(on, embedder)}
        times: dict[str, list[float]] = {k: [] for k in engines}
        for q in questions:  # warm up both
            for e in engines.values():
                e.ask(q)
        for _ in range(rounds):
            for q in questions:
                for name, e in engines.items():
                    t = time.perf_counter()
                    e.ask(q)
                    times[name].append(time.perf_counter() - t)
    model = second_stage.MODEL_FILE
    return {"times": {k: summary(v) for k, v in times.items()}, "model_bytes": model.stat().st_size,
            "questions": len(questions)}


def render(r: dict, rounds: int) -> str:
    rows = [[name, ms(s["p50"]), ms(s["p95"]), s["n"]] for name, s in r["times"].items()]
    return (f"{r['questions']} dev questions and topics x {rounds} rounds, ONNX encoder, warm; "
            f"goal with the second stage: p50 <= 60 ms, p95 <= 120 ms. Model file: {r['model_bytes']:,} bytes "
            "(two logistic models as JSON).\n\n" + table(["Engine.ask", "p50 ms", "p95 ms", "asks"], rows) + "\n")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    r = run(args.rounds)
    write_section("second_stage", "Second stage: query latency with and without it", render(r, args.rounds),
                  "python -m bench.second_stage")
    return r


if __name__ == "__main__":
    main()
