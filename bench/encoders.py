"""Encoders side by side: sentence-transformers (torch) vs ONNX Runtime fp32 vs ONNX dynamic int8.

    python -m bench.encoders [--articles N]

Texts: every passage and sentence of the two articles plus the first N SQuAD dev articles (as
``bench.ingest`` writes them). For each encoder, one ``encode`` of all texts (batch 32, texts
sorted by length into batches) gives texts/s, and each vector's cosine with the torch vector
gives the parity. Then ``update_index`` from scratch with the torch and the ONNX fp32 encoder, and on
each of those two indexes the library's ``Engine.ask`` (warm, the dev questions, 5 rounds) with
the query encoding alone beside it.
The int8 model is made here from the fp32 export (MatMul weights, signed, per channel: the most
faithful of the dynamic variants tried) and is not used by the product unless it keeps parity.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from .common import table, temp_project, write_section
from .ingest import _write_squad_articles


def _texts(settings) -> list[str]:
    from qa.ingest import corpus_files, load_document

    docs = [load_document(p) for p in corpus_files(settings.corpus_dir)]
    return [p.text for d in docs for p in d.passages] + [t for d in docs for t in d.sentence_texts()]


def _int8(fp32_folder: Path, out: Path) -> Path:
    import shutil

    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.mkdir(parents=True, exist_ok=True)
    for name in ("tokenizer.json", "encoder.json"):
        shutil.copyfile(fp32_folder / name, out / name)
    quantize_dynamic(str(fp32_folder / "model.onnx"), str(out / "model.onnx"), weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul"], per_channel=True)
    return out


def run(articles: int = 48) -> dict:
    from qa import Settings
    from qa.index import update_index
    from qa.models.embed import Embedder
    from qa.models.export import export_folder
    from qa.models.onnx_embed import OnnxEmbedder
    from qa.models.onnx_encoder import OnnxEncoder

    out: dict = {"encode": {}, "ingest": {}}
    with temp_project() as root:
        out["articles"] = _write_squad_articles(root / "corpus", articles)
        settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
        texts = _texts(settings)
        out["texts"], out["chars"] = len(texts), sum(map(len, texts))
        torch_enc, onnx_enc = Embedder(settings.model), OnnxEmbedder(settings.model)
        for e in (torch_enc, onnx_enc):
            e.encode(["warm up"])
        with tempfile.TemporaryDirectory() as tmp:
            int8 = OnnxEncoder(_int8(export_folder(onnx_enc.model_cache, onnx_enc.weights_sha256), Path(tmp)))
            ref = None
            for name, enc in (("torch (sentence-transformers)", torch_enc), ("ONNX Runtime fp32", onnx_enc),
                              ("ONNX Runtime int8 (MatMul, per channel)", int8)):
                t = time.perf_counter()
                vecs = enc.encode(texts)
                took = time.perf_counter() - t
                ref = vecs if ref is None else ref
                cos = np.sum(vecs * ref, axis=1)
                out["encode"][name] = (len(texts) / took, float(cos.min()), float(cos.mean()))
        for name, enc in (("torch", torch_enc), ("ONNX fp32", onnx_enc)):
            s = Settings(corpus_dir=settings.corpus_dir, index_dir=root / f"index-{enc.encoder}")
            t = time.perf_counter()
            report = update_index(s, enc)
            took = time.perf_counter() - t
            out["ingest"][name] = (report.passages + report.embedded_sentences, took)
            out.setdefault("ask", {})[name] = _ask_latency(s, enc)
    return out


def _ask_latency(settings, embedder, rounds: int = 5) -> tuple[dict, dict]:
    """(Engine.ask, encoding one question) p50/p95 in seconds, warm, over the dev questions."""
    from qa import Engine

    from .common import dev_questions, summary, timed

    engine = Engine.open(settings, embedder, build=False)
    questions = dev_questions()
    for q in questions[:5]:
        engine.ask(q)
    asks, encs = [], []
    for _ in range(rounds):
        for q in questions:
            asks.append(timed(engine.ask, q, 5)[1])
            encs.append(timed(embedder.encode, [q])[1])
    return summary(asks), summary(encs)


def render(r: dict) -> str:
    rows = [[name, f"{tps:.1f}", f"{tps / next(iter(r['encode'].values()))[0]:.2f}x", f"{lo:.4f}", f"{mean:.4f}"]
            for name, (tps, lo, mean) in r["encode"].items()]
    t1 = table(["encoder", "texts/s", "vs torch", "min cosine vs torch", "mean cosine"], rows)
    base = None
    rows2 = []
    for name, (n, took) in r["ingest"].items():
        base = base or n / took
        rows2.append([name, f"{took:.1f}", f"{n / took:.1f}", f"{(n / took) / base:.2f}x"])
    t2 = table(["update_index from scratch", "seconds", "texts/s", "vs torch"], rows2)
    rows3 = [[name, f"{a['p50'] * 1e3:.1f} / {a['p95'] * 1e3:.1f}", f"{e['p50'] * 1e3:.1f} / {e['p95'] * 1e3:.1f}"]
             for name, (a, e) in r.get("ask", {}).items()]
    t3 = table(["index and queries encoded by", "Engine.ask p50 / p95 ms", "encode one question p50 / p95 ms"], rows3)
    return (f"{r['texts']:,} texts (passages and sentences of the two articles + {r['articles']} SQuAD dev articles, "
            f"{r['chars'] / r['texts']:.0f} chars on average), one encode call each, batch 32, 1 thread.\n\n"
            f"{t1}\n\n{t2}\n\nWarm library latency on the same corpus (dev questions, 5 rounds; published for "
            f"all-MiniLM-L6-v2 on CPU: ONNX int8 3.2 ms, torch 12.1 ms per query):\n\n{t3}\n")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=48, help="SQuAD articles added to the two (default 48)")
    args = ap.parse_args(argv)
    r = run(args.articles)
    write_section("encoders", "Encoders: torch vs ONNX Runtime fp32 vs int8", render(r),
                  "python -m bench.encoders" + (f" --articles {args.articles}" if args.articles != 48 else ""))
    return r


if __name__ == "__main__":
    main()
