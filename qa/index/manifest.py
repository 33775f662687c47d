"""The manifest of an index version: what built it and from which files (``manifest.json``).

On disk it is plain JSON (the layout is in ``store``); in the library it is a ``Manifest``.
Reading is lenient about missing fields (an index from an older format still loads far enough
to say why it must be rebuilt) and strict about types (a damaged one is an ``IndexProblem``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..errors import IndexProblem

#: Bump when the files of an index version change shape: older indexes are rebuilt.
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ModelInfo:
    """The embedding model whose vectors the index holds."""

    id: str | None = None
    weights_sha256: str | None = None
    dimension: int | None = None
    #: what encoded the vectors ("torch", "onnx-fp32"); indexes from before it was recorded: torch
    encoder: str = "torch"


@dataclass(frozen=True)
class Counts:
    documents: int = 0
    passages: int = 0
    sentences: int = 0


@dataclass(frozen=True)
class FileEntry:
    """One indexed file: its document id, path, content hash and the stat seen when indexing."""

    doc_id: str
    path: str
    sha256: str
    title: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Manifest:
    format_version: int | None
    ingest_version: int | None
    model: ModelInfo
    index_kind: str
    corpus_dir: str
    created: str = ""
    counts: Counts = field(default_factory=Counts)
    documents: tuple[FileEntry, ...] = ()
    #: resolved path of each corpus file that could not be read -> why
    skipped: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        out = asdict(self)
        out["documents"] = [asdict(d) for d in self.documents]
        return out

    @classmethod
    def from_json(cls, data, where: str = "manifest.json") -> "Manifest":
        try:
            if not isinstance(data, dict):
                raise TypeError(f"a JSON {type(data).__name__}, not an object")
            return cls(
                format_version=data.get("format_version"),
                ingest_version=data.get("ingest_version"),
                model=ModelInfo(**data.get("model", {})),
                index_kind=str(data.get("index_kind", "flat")),
                corpus_dir=str(data.get("corpus_dir", "")),
                created=str(data.get("created", "")),
                counts=Counts(**data.get("counts", {})),
                documents=tuple(FileEntry(**d) for d in data.get("documents", [])),
                skipped={str(k): str(v) for k, v in data.get("skipped", {}).items()},
            )
        except (TypeError, AttributeError, ValueError) as exc:
            raise IndexProblem(f"{where}: manifest damaged ({exc}); rebuild with: python -m qa index") from None

    def document_hashes(self) -> list[list[str]]:
        """[[doc_id, sha256], ...] in index order: what every derived result depends on."""
        return [[d.doc_id, d.sha256] for d in self.documents]
