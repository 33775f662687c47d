"""Query latency of each later stage, warm, through the library on the two articles: the first
stage alone, with the second stage (logistic models), and with the reader (the shipped product).

    python -m bench.second_stage [--rounds N]

The engines share one index and one ONNX encoder; the dev questions and topics are asked
``rounds`` times each, alternating engines so load changes hit all alike. Goal (issue 20): with
everything on, p50 <= 80 ms and p95 <= 150 ms on 2 cores.
"""
from __future__ import annotations

import argparse
import time

from .common import dev_questions, ms, summary, table, temp_project, write_section


def run(rounds: int = 5) -> dict:
    from qa import Engine, Settings
    from qa.models import reader
    from qa.models.encoders import embedder_for
    from qa.search import second_stage

    questions = dev_questions()
    with temp_project() as root:
        on = Settings(corpus_dir=root / "corpus", index_dir=root / "index", second_stage=True, reader=True)
        embedder = embedder_for(on)
        engines = {"first stage only (QA_SECOND_STAGE=off QA_READER=off)":
                   Engine.open(on.with_(second_stage=False, reader=False), embedder),
                   "with the second stage (QA_READER=off)": Engine.open(on.with_(reader=False), embedder)}
        if reader.load_meta() is not None:
            engines["with the reader (shipped)"] = Engine.open(on, embedder)
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
    meta = reader.load_meta()
    return {"times": {k: summary(v) for k, v in times.items()}, "model_bytes": second_stage.MODEL_FILE.stat().st_size,
            "reader_bytes": (reader.FOLDER / meta.model).stat().st_size if meta else 0,
            "reader_depth": meta.depth if meta else 0, "questions": len(questions)}


def render(r: dict, rounds: int) -> str:
    rows = [[name, ms(s["p50"]), ms(s["p95"]), s["n"]] for name, s in r["times"].items()]
    reader = (f" Reader: {r['reader_bytes'] / 1e6:.1f} MB int8 ONNX, reading the best {r['reader_depth']} "
              "candidates." if r.get("reader_bytes") else " No reader ships.")
    return (f"{r['questions']} dev questions and topics x {rounds} rounds, ONNX encoder, warm, one thread; "
            f"goal with everything on: p50 <= 80 ms, p95 <= 150 ms. Second stage: {r['model_bytes']:,} bytes "
            f"(two logistic models as JSON).{reader}\n\n"
            + table(["Engine.ask", "p50 ms", "p95 ms", "asks"], rows) + "\n")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    r = run(args.rounds)
    write_section("second_stage", "Later stages: query latency with and without each", render(r, args.rounds),
                  "python -m bench.second_stage")
    return r


if __name__ == "__main__":
    main()
