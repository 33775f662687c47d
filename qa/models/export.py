"""Export the embedding model to ONNX, locally, from its own weights (nothing is downloaded).

Build time only: this module imports torch, transformers and sentence-transformers. The query
path reads the export through ``onnx_embed`` with ONNX Runtime and never imports them.

The export is a folder in the model cache keyed by the weights' sha256::

    <model_cache>/<sha256[:16]>/model.onnx        the transformer, last_hidden_state as output
                               tokenizer.json     the model's own tokenizer
                               encoder.json       weights sha256, max_seq_length, dimension, parity

Mean pooling and normalisation stay outside the graph (as sentence-transformers does them), and
texts are truncated at the model's ``max_seq_length`` (256 for all-MiniLM-L6-v2, not the 512 of
its tokenizer config). Before the folder is published, the export must agree with
sentence-transformers on a fixed sample: cosine >= PARITY_MIN for every text, else it is refused.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
import warnings
from pathlib import Path

import numpy as np

from ..errors import ModelProblem

log = logging.getLogger(__name__)

EXPORT_VERSION = 1
PARITY_MIN = 0.99
#: Texts the export is checked on: short and long, names and numbers, one past the 256-token cut.
PARITY_SAMPLE = [
    "Who confronted Putin about the conduct of the war?",
    "Partial mobilisation was announced on 21 September 2022.",
    "The Kremlin's insiders describe rash and secretive decisions in the face of defeats.",
    "Zebras have stripes.",
    "U.S. intelligence, NATO and the EU: 3 of 4 officials declined to comment.",
    " ".join(["The front line moved again as the reservists arrived."] * 40),
]


def export_folder(model_cache: Path, weights_sha256: str) -> Path:
    return Path(model_cache) / weights_sha256[:16]


def _max_seq_length(model_folder: Path) -> int:
    try:
        return int(json.loads((model_folder / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError):
        return 256


def _export_graph(model_folder: Path, out: Path) -> int:
    """model.onnx from the transformer's weights; returns the embedding dimension."""
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a bar for loading weights is noise

    class Hidden(torch.nn.Module):  # keyword arguments: positional order differs across versions
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    model = AutoModel.from_pretrained(str(model_folder)).eval()
    sample = AutoTokenizer.from_pretrained(str(model_folder))(["a b", "a longer text here"], padding=True,
                                                               return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
    with torch.no_grad(), warnings.catch_warnings():
        # the TorchScript exporter's deprecation notice and tracer warnings about branches that are
        # constant for an encoder (no KV cache, no causal mask); parity is checked on the result
        warnings.simplefilter("ignore")
        torch.onnx.export(Hidden(model), tuple(sample[n] for n in names), str(out / "model.onnx"),
                          input_names=names, output_names=["last_hidden_state"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    return int(model.config.hidden_size)


def _parity(model_folder: Path, out: Path, threads: int) -> float:
    """The smallest cosine between the export's and sentence-transformers' vectors on the sample."""
    from sentence_transformers import SentenceTransformer

    from .onnx_encoder import OnnxEncoder

    ref = SentenceTransformer(str(model_folder), device="cpu").encode(PARITY_SAMPLE, normalize_embeddings=True,
                                                                       show_progress_bar=False)
    got = OnnxEncoder(out, threads).encode(PARITY_SAMPLE)
    return float(np.min(np.sum(ref * got, axis=1)))


def export(model_folder: Path, weights_sha256: str, model_cache: Path, threads: int = 1) -> Path:
    """Export the model into the cache (once) and return the folder; ModelProblem when the export
    cannot be made or does not match sentence-transformers."""
    final = export_folder(model_cache, weights_sha256)
    if (final / "encoder.json").is_file():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        log.info("exporting %s to ONNX in %s", model_folder, final)
        dim = _export_graph(Path(model_folder), tmp)
        shutil.copyfile(Path(model_folder) / "tokenizer.json", tmp / "tokenizer.json")
        meta = {"export_version": EXPORT_VERSION, "weights_sha256": weights_sha256, "dimension": dim,
                "max_seq_length": _max_seq_length(Path(model_folder)), "quantization": "fp32"}
        (tmp / "encoder.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        cos = _parity(Path(model_folder), tmp, threads)
        if cos < PARITY_MIN:
            raise ModelProblem(f"the ONNX export of {model_folder} differs from the model (cosine {cos:.4f} < "
                               f"{PARITY_MIN}); use QA_ENCODER=torch")
        meta["parity_min_cosine"] = round(cos, 6)
        (tmp / "encoder.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        try:
            os.replace(tmp, final)
        except OSError:
            if not (final / "encoder.json").is_file():  # else another process published it first
                raise
    except ModelProblem:
        raise
    except Exception as exc:  # torch's exporter raises many kinds; the user needs one line
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        raise ModelProblem(f"cannot export {model_folder} to ONNX ({type(exc).__name__}: {first}); "
                           "use QA_ENCODER=torch") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final
