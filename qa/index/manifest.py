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
class Refusal:
    """A corpus file refused when read (damaged, over a reading budget, ...), with the stat its bytes
    had and the limits it was read under: while both are the same it is refused again unread, so
    one hostile file costs its time budget once, not at every update (issue 19)."""

    size: int
    mtime_ns: int
    #: ``build.refusal_limits()``: the reader's version and the ``ReadBudget`` in force
    limits: str
    reason: str


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
    #: how the vector index was built and is searched (``vectors.VectorParams.to_json``: kind,
    #: nlist, nprobe / ef_search, recall target and the recall measured at build); empty in
    #: manifests from before it was recorded (the index then keeps what its file holds)
    vector_index: dict = field(default_factory=dict)
    #: resolved path of each corpus file refused when its bytes were read -> the stat and limits it
    #: was refused with (a subset of ``skipped``, plus documents kept though their file now fails);
    #: empty in manifests from before it was recorded (those files are read again once)
    refused: dict[str, Refusal] = field(default_factory=dict)

    def to_json(self) -> dict:
        out = asdict(self)
        out["documents"] = [asdict(d) for d in self.documents]
        return out

    @classmethod
    def from_json(cls, data, where: str = "manifest.json") -> Manifest:
        try:
            data = _object(data, "the manifest")
            return cls(
                format_version=_get(data, "format_version", int, None),
                ingest_version=_get(data, "ingest_version", int, None),
                model=_model(_get(data, "model", dict, {})),
                index_kind=_get(data, "index_kind", str, "flat"),
                corpus_dir=_get(data, "corpus_dir", str, ""),
                created=_get(data, "created", str, ""),
                counts=_counts(_get(data, "counts", dict, {})),
                documents=tuple(_file_entry(_object(d, "a document")) for d in _get(data, "documents", list, [])),
                skipped=_skipped(_get(data, "skipped", dict, {})),
                vector_index=_vector_index(_get(data, "vector_index", dict, {})),
                refused={k: _refusal(_object(v, "a refused file")) for k, v in _get(data, "refused", dict, {}).items()},
            )
        except TypeError as exc:
            raise IndexProblem(f"{where}: manifest damaged ({exc}); rebuild with: python -m qa index") from None

    def document_hashes(self) -> list[list[str]]:
        """[[doc_id, sha256], ...] in index order: what every derived result depends on."""
        return [[d.doc_id, d.sha256] for d in self.documents]


# -- reading leniently: a missing field takes its default, a field of the wrong JSON type is damage --
def _json_type(value) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "a string", list: "a list",
             dict: "an object", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _object(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"{what} is {_json_type(value)}, not an object")
    return value


def _get(data: dict, key: str, kind: type, default):
    """``data[key]`` if it is a ``kind`` (true/false is no number), ``default`` when missing or
    null; TypeError otherwise."""
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise TypeError(f"{key!r} is {_json_type(value)}, not {_json_type(kind())}")
    return value


def _model(data: dict) -> ModelInfo:
    return ModelInfo(_get(data, "id", str, None), _get(data, "weights_sha256", str, None),
                     _get(data, "dimension", int, None), _get(data, "encoder", str, "torch"))


def _counts(data: dict) -> Counts:
    return Counts(_get(data, "documents", int, 0), _get(data, "passages", int, 0), _get(data, "sentences", int, 0))


def _skipped(data: dict) -> dict[str, str]:
    return {path: _get(data, path, str, "") for path in data}


def _refusal(data: dict) -> Refusal:
    return Refusal(_get(data, "size", int, -1), _get(data, "mtime_ns", int, -1), _get(data, "limits", str, ""),
                   _get(data, "reason", str, ""))


def _vector_index(data: dict) -> dict:
    """The vector index's parameters, checked for their types (unknown keys kept as they are)."""
    from .vectors import VectorParams

    VectorParams.from_json(data)
    return dict(data)


def _file_entry(data: dict) -> FileEntry:
    """A document's entry; without its size or mtime (-1: unknown) the index is merely stale."""
    for key in ("doc_id", "path", "sha256"):
        if not isinstance(data.get(key), str):
            raise TypeError(f"a document's {key!r} is {_json_type(data.get(key))}, not a string")
    return FileEntry(data["doc_id"], data["path"], data["sha256"], _get(data, "title", str, ""),
                     _get(data, "size", int, -1), _get(data, "mtime_ns", int, -1))
