"""A trained model's torch weights read back from its int8 ONNX export, to train it further.

    python -m training.onnx_weights qa/models/reader.int8.onnx build/reader-shipped/checkpoint.pt

The shipped reader's torch checkpoints were not kept (build/ is not in git), and training a reader
again from the bundled weights costs two passes of about 40 minutes. Its ONNX file holds every
weight the forward pass uses: LayerNorms and biases as they were, the MatMul weights and the
embedding tables int8 with their scales (``quantize_dynamic``, per output channel). Dequantized,
they are the trained weights up to int8 rounding, a start as good as the checkpoint for a further
pass (``python -m training.reader --init ...``). Weights the forward pass never reads (the
transformer's unused pooler) stay the bundled model's.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def dequantized_weights(model_file: Path) -> dict[str, np.ndarray]:
    """torch parameter name -> float32 array, for every weight stored in the ONNX graph."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(model_file)).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    out: dict[str, np.ndarray] = {}
    for name, value in init.items():
        if value.dtype == np.float32 and not name.endswith("_scale") and "." in name and not name.startswith("onnx::"):
            out[name] = value  # LayerNorms and biases, under their torch names
    for name, value in init.items():
        if not name.endswith("_quantized"):
            continue
        stem = name[: -len("_quantized")]
        weight = (value.astype(np.float32) - init[stem + "_zero_point"].astype(np.float32)) * init[stem + "_scale"]
        if stem.endswith(".weight"):  # an embedding table, stored under its own name
            out[stem] = weight
            continue
        # a Linear's weight, stored [in, out] under an export name: its torch name is its bias's,
        # found where the MatMul's output meets the bias Add a few nodes on
        out[_bias_after(name, consumers, init).replace(".bias", ".weight")] = weight.T.copy()
    return out


def _bias_after(weight: str, consumers: dict, init: dict) -> str:
    node = next(n for n in consumers[weight] if n.op_type == "MatMulInteger")
    for _ in range(4):
        node = consumers[node.output[0]][0]
        bias = [i for i in node.input if i.endswith(".bias") and i in init]
        if node.op_type == "Add" and bias:
            return bias[0]
    raise ValueError(f"no bias follows {weight}: not an export of training.reader")


def load_into(model, model_file: Path) -> None:
    """Copy the ONNX file's weights into a ``training.reader.Reader``; every weight the graph
    holds must land on a parameter of the same shape."""
    import torch

    state = model.state_dict()
    weights = dequantized_weights(model_file)
    missing = sorted(set(weights) - set(state))
    if missing:
        raise ValueError(f"{model_file}: weights the model lacks: {missing[:5]}")
    for name, value in weights.items():
        if tuple(state[name].shape) != value.shape:
            raise ValueError(f"{name}: {value.shape} in {model_file}, {tuple(state[name].shape)} in the model")
        state[name] = torch.from_numpy(np.array(value, dtype=np.float32))
    model.load_state_dict(state)


def main(argv=None) -> int:
    import torch

    from qa.config import go_offline
    from qa.models.bundled import bundled_model_dir
    from training.reader import Reader

    go_offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="an int8 ONNX export of training.reader")
    ap.add_argument("checkpoint", help="where to write a checkpoint.pt for --init")
    args = ap.parse_args(argv)
    model = Reader(bundled_model_dir())
    load_into(model, Path(args.model))
    out = Path(args.checkpoint)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model.state_dict(), "from_onnx": str(args.model)}, out)
    print(f"{out}: weights of {args.model}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
