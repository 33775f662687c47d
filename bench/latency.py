"""Query latency through the library on the two articles, with its raw parts; index build and load.

    python -m bench.latency [--rounds N]

- index build: ``update_index`` into an empty temp index (model already loaded; its load time apart);
- a second ``update_index`` and a second ``python -m qa index`` with nothing changed: what they embed;
- index load: ``Engine.open(build=False)`` and ``store.read_version`` in a warm process;
- query latency: ``Engine.ask(q, top_k=5)`` over the dev questions and topics, warm, p50/p95,
  against its raw parts measured on the same queries: encoding one query, FAISS search of the
  50 candidates, BM25 scoring (tokenize + bm25s), and their sum; the overhead ratio is
  ask / sum of parts (fusion, sentence scoring, evidence test and highlighting make the rest);
- the same queries through the Gradio API (``gradio_client`` ``/ask`` on app.py started over the
  temp corpus and index), if app.py and gradio_client are there; its ratio to ``Engine.ask``.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time

from .common import ROOT, dev_questions, ms, running_app, summary, table, temp_project, timed, write_section

GOALS = {"p50": 0.015, "p95": 0.030, "load": 0.100}


def run(rounds: int = 10) -> dict:
    from qa import Engine, Settings
    from qa.index import Embedder, store, update_index
    from qa.search import CANDIDATES
    from qa.text import tokenize

    out: dict = {}
    with temp_project() as root:
        settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
        embedder = Embedder(settings.model, settings.batch_size)
        _, out["model_load"] = timed(lambda: embedder.dim)
        embedder.encode(["warm up the model"])
        report, out["build"] = timed(update_index, settings, embedder)
        out["passages"], out["sentences"] = report.passages, report.embedded_sentences
        second, out["rebuild"] = timed(update_index, settings, embedder)
        out["second_report"] = second
        env = dict(os.environ)  # offline: bench.common ran go_offline()
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "qa", "--corpus", str(settings.corpus_dir), "--index",
                               str(settings.index_dir), "index"], capture_output=True, text=True, env=env, cwd=ROOT)
        out["cli_index_s"] = time.perf_counter() - t
        out["cli_line"] = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr.strip()[-300:]
        m = re.search(r"embedded (\d+) passages, (\d+) sentences", out["cli_line"])
        out["cli_embedded"] = (int(m.group(1)), int(m.group(2))) if m else None

        # load, warm: the first open reads files into the page cache and imports faiss/bm25s
        Engine.open(settings, embedder, build=False)
        loads = []
        for _ in range(20):
            _, s = timed(Engine.open, settings, embedder, build=False)
            loads.append(s)
        out["load"] = summary(loads)
        folder = store.live_version(settings.index_dir)
        out["read_version"] = summary([timed(store.read_version, folder)[1] for _ in range(20)])

        engine = Engine.open(settings, embedder, build=False)
        searcher = engine.searcher
        questions = dev_questions()
        for q in questions[:5]:
            engine.ask(q)
        import faiss
        import torch

        out["threads"] = torch.get_num_threads(), faiss.omp_get_max_threads()
        raw = raw_forward(embedder)
        asks, enc, fai, bm, bare = [], [], [], [], []
        for _ in range(rounds):
            for q in questions:
                _, s = timed(engine.ask, q, 5)
                asks.append(s)
                qvec, s = timed(embedder.encode, [q])
                enc.append(s)
                if raw:
                    bare.append(timed(raw, q)[1])
                _, s = timed(searcher.vectors.search, qvec, CANDIDATES)
                fai.append(s)
                _, s = timed(lambda q=q: searcher.lexical.scores(tokenize(q)))
                bm.append(s)
        out["ask"], out["encode"], out["faiss"], out["bm25"] = map(summary, (asks, enc, fai, bm))
        parts = [a + b + c for a, b, c in zip(enc, fai, bm)]
        out["parts"] = summary(parts)
        out["ratio_per_query"] = summary([a / p for a, p in zip(asks, parts)])
        out["bare"] = summary(bare) if bare else None
        out["queries"] = len(questions)
        out["api"] = api_latency(root, questions, rounds)
    return out


def raw_forward(embedder):
    """One query through the bare model (tokenizer, transformer, mean pooling, normalising), without
    the sentence-transformers encode() wrapper: the floor for encoding. None if the model is not a
    plain transformer + mean pooling (then there is no such floor to show)."""
    import numpy as np
    import torch

    model = embedder._load()
    try:
        tok, transformer = model.tokenizer, model[0].auto_model
        pooling = model[1]
        if not (getattr(pooling, "pooling_mode", None) == "mean" or getattr(pooling, "pooling_mode_mean_tokens", False)):
            return None
    except (AttributeError, IndexError, TypeError):
        return None

    def encode(q: str) -> np.ndarray:
        with torch.inference_mode():
            batch = tok([q], return_tensors="pt", truncation=True, max_length=model.max_seq_length)
            hidden = transformer(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            vec = (hidden * mask).sum(1) / mask.sum(1)
            return torch.nn.functional.normalize(vec, dim=-1).numpy()

    probe = "Who confronted Putin?"
    if not np.allclose(encode(probe), embedder.encode([probe]), atol=1e-4):
        return None
    return encode


def api_latency(root, questions: list[str], rounds: int) -> dict | None:
    """p50/p95 of ``/ask`` through gradio_client on a running app.py, or None if unavailable."""
    try:
        from gradio_client import Client
    except ImportError:
        return None
    with running_app(root) as (url, _):
        if url is None:
            return None
        import io
        from contextlib import redirect_stdout

        with redirect_stdout(io.StringIO()):  # the client prints "Loaded as API"
            client = Client(url, verbose=False)
        for q in questions[:5]:  # the app opens the index and loads the model on first use
            client.predict(q, 5, None, api_name="/ask")
        lat = []
        for _ in range(rounds):
            for q in questions:
                _, s = timed(client.predict, q, 5, None, api_name="/ask")
                lat.append(s)
        return summary(lat)


def render(r: dict, rounds: int) -> str:
    rep = r["second_report"]
    rows = [
        ["Engine.ask (top 5), warm", ms(r["ask"]["p50"]), ms(r["ask"]["p95"]),
         f"goal p50 <= 15, p95 <= 30: {'met' if r['ask']['p50'] <= GOALS['p50'] and r['ask']['p95'] <= GOALS['p95'] else 'MISSED'}"],
        ["  encode one query", ms(r["encode"]["p50"]), ms(r["encode"]["p95"]),
         f"Embedder.encode, 1 text; torch threads {r['threads'][0]}, FAISS threads {r['threads'][1]}"],
        *([["    of which the bare model forward", ms(r["bare"]["p50"]), ms(r["bare"]["p95"]),
            "tokenizer + transformer + mean pooling, no encode() wrapper (same vector)"]] if r.get("bare") else []),
        ["  FAISS search (50)", ms(r["faiss"]["p50"]), ms(r["faiss"]["p95"]), f"flat, {r['passages']} vectors"],
        ["  BM25 scores", ms(r["bm25"]["p50"]), ms(r["bm25"]["p95"]), "tokenize + bm25s get_scores"],
        ["  sum of raw parts", ms(r["parts"]["p50"]), ms(r["parts"]["p95"]), ""],
        *([["Gradio API /ask (gradio_client, local)", ms(r["api"]["p50"]), ms(r["api"]["p95"]),
             f"{r['api']['p50'] / r['ask']['p50']:.2f}x Engine.ask at p50"]] if r.get("api") else
          [["Gradio API /ask", "-", "-", "not measured (no app.py or gradio_client)"]]),
        ["overhead ratio ask / parts", f"{r['ask']['p50'] / r['parts']['p50']:.2f}", "-",
         f"ratio of the p50s; per query, ask_i / parts_i: p50 {r['ratio_per_query']['p50']:.2f}, "
         f"p95 {r['ratio_per_query']['p95']:.2f} (fusion, sentence scores, evidence test, highlight)"],
    ]
    q = table(["query latency (ms)", "p50", "p95", "note"], rows)
    rows2 = [
        ["model load (first use)", f"{r['model_load'] * 1000:.0f}", ""],
        ["index build (update_index, empty index)", f"{r['build'] * 1000:.0f}",
         f"{r['passages']} passages, {r['sentences']} sentences embedded"],
        ["second update_index, nothing changed", f"{r['rebuild'] * 1000:.0f}",
         f"embedded_passages={rep.embedded_passages}, embedded_sentences={rep.embedded_sentences}, unchanged={rep.unchanged}"],
        ["second `python -m qa index` (whole process)", f"{r['cli_index_s'] * 1000:.0f}", f"`{r['cli_line']}`"],
        ["index load, Engine.open(build=False), warm p50", f"{r['load']['p50'] * 1000:.1f}",
         f"p95 {r['load']['p95'] * 1000:.1f}; goal <= 100: {'met' if r['load']['p50'] <= GOALS['load'] else 'MISSED'}"],
        ["  of which store.read_version p50", f"{r['read_version']['p50'] * 1000:.1f}", ""],
    ]
    b = table(["index", "ms", "note"], rows2)
    ok = rep.embedded_passages == 0 and rep.embedded_sentences == 0 and r["cli_embedded"] == (0, 0)
    proof = ("Second index run with nothing changed embeds nothing: "
             + ("**yes** (library report and CLI line both show 0 passages, 0 sentences)." if ok else "**NO**"))
    return (f"{r['queries']} queries (dev questions, unanswerable questions, coverage topics) x {rounds} rounds "
            f"= {r['ask']['n']} timed asks per row.\n\n{q}\n\n{b}\n\n{proof}\n")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args(argv)
    r = run(args.rounds)
    write_section("latency", "Query latency, index build and load (two articles)", render(r, args.rounds),
                  "python -m bench.latency" + (f" --rounds {args.rounds}" if args.rounds != 10 else ""))
    return r


if __name__ == "__main__":
    main()
