"""One ONNX export loaded for encoding: an ONNX Runtime session, the model's own tokenizer
(``tokenizers``) with its truncation, and mean pooling + L2 norm in NumPy, as sentence-transformers
does them. No torch."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .files import cpu_session


class OnnxEncoder:
    """An export folder loaded into an ONNX Runtime session: ``encode(texts)`` -> unit vectors."""

    def __init__(self, folder: Path, threads: int = 1, batch_size: int = 32):
        from tokenizers import Tokenizer

        folder = Path(folder)
        meta = json.loads((folder / "encoder.json").read_text(encoding="utf-8"))
        self.dim = int(meta["dimension"])
        self.batch_size = batch_size
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=int(meta["max_seq_length"]))
        self.tokenizer.no_padding()
        self.session = cpu_session(folder / "model.onnx", threads)

    def _forward(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(token vectors of the last layer, attention mask), padded to the batch's longest text."""
        enc = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in enc)
        ids = np.zeros((len(enc), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for i, e in enumerate(enc):
            n = len(e.ids)
            ids[i, :n], mask[i, :n], types[i, :n] = e.ids, e.attention_mask, e.type_ids
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        return hidden, mask

    def _by_length(self, texts: list[str]):
        """(row indexes, their texts) in batches of similar length, so a batch pads little."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            yield rows, [texts[i] for i in rows]

    def _batch(self, texts: list[str]) -> np.ndarray:
        hidden, mask = self._forward(texts)
        summed = (hidden * mask[..., None]).sum(axis=1)
        vecs = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)

    def token_vectors(self, texts: list[str]) -> list[np.ndarray]:
        """Per text, its tokens' unit vectors (the special [CLS] and [SEP] left out), for late
        interaction (MaxSim); float16 to halve their memory."""
        texts = list(texts)
        out: list[np.ndarray] = [np.zeros((0, self.dim), np.float16)] * len(texts)
        for rows, batch in self._by_length(texts):
            hidden, mask = self._forward(batch)
            for j, i in enumerate(rows):
                v = hidden[j, 1:int(mask[j].sum()) - 1]
                out[i] = (v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)).astype(np.float16)
        return out

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors in input order; texts are batched by length so a batch pads little."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for rows, batch in self._by_length(texts):
            out[rows] = self._batch(batch)
        return out
