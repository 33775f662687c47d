"""Export a query encoder trained by ``training.query_encoder`` to the folder the product reads
(``qa.models.query_encoder``): ONNX (int8 unless ``--fp32``), its tokenizer, and ``encoder.json``
with the model's sha256, its agreement with the torch model, and the training report.

    python -m training.export_query_encoder [--model build/query_encoder/model] [--to DIR] [--fp32]

``--to`` defaults to build/query_encoder/export; the chosen one is copied to qa/models/query_encoder.
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from qa.config import PROJECT_ROOT, go_offline
from qa.text import file_sha256

BUILD = PROJECT_ROOT / "build" / "query_encoder"
#: Questions and claims the export is checked on against the torch model (min cosine reported).
SAMPLE = [
    "Who confronted Putin about the conduct of the war?",
    "How many reservists were called up?",
    "What did the Kremlin insiders say about the decisions?",
    "When was partial mobilisation announced?",
    "0-dimensional biomaterials lack inductive properties.",
    "Which team won the game in the end, and by how many points?",
]


def export(model_dir: Path, to: Path, int8: bool = True) -> dict:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    from qa.models.export import _export_graph, _max_seq_length
    from qa.models.onnx_encoder import OnnxEncoder

    to.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        dim = _export_graph(model_dir, Path(tmp))
        if int8:  # MatMul and Gather weights per channel, activations scaled per run
            quantize_dynamic(str(Path(tmp) / "model.onnx"), str(to / "model.onnx"), weight_type=QuantType.QInt8,
                             op_types_to_quantize=["MatMul", "Gather"], per_channel=True)
        else:
            shutil.copyfile(Path(tmp) / "model.onnx", to / "model.onnx")
    shutil.copyfile(model_dir / "tokenizer.json", to / "tokenizer.json")
    meta = {"dimension": dim, "max_seq_length": _max_seq_length(model_dir), "quantization": "int8" if int8 else "fp32",
            "sha256": file_sha256(to / "model.onnx")}
    (to / "encoder.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    ref = SentenceTransformer(str(model_dir), device="cpu").encode(SAMPLE, normalize_embeddings=True)
    got = OnnxEncoder(to, 1, batch_size=1).encode(SAMPLE)
    meta["parity_min_cosine"] = round(float(np.min(np.sum(ref * got, axis=1))), 6)
    report = model_dir.parent / "report.json"
    if report.is_file():
        meta["trained"] = json.loads(report.read_text(encoding="utf-8"))
    (to / "encoder.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return meta


def main(argv=None) -> int:
    go_offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=BUILD / "model")
    ap.add_argument("--to", type=Path, default=BUILD / "export")
    ap.add_argument("--fp32", action="store_true")
    args = ap.parse_args(argv)
    meta = export(args.model, args.to, int8=not args.fp32)
    print(json.dumps({k: v for k, v in meta.items() if k != "trained"}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
