"""Build or update the index from the corpus folder, embedding only what is new or changed.

The corpus folder is the source of truth: a file added there is indexed, a file changed is
re-read. A document whose file disappears or becomes unreadable is kept, with a warning, until
the user removes it (``Engine.remove``): a moved folder, a lost mount or a permissions slip must
not cost what was indexed. Links and special files in the folder are refused. Vectors of passages and sentences whose text is
unchanged are taken from the previous version (keyed by a hash of their text), so a second
run with nothing changed embeds nothing.
"""
from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from ..config import ReadBudget, Settings
from ..errors import BadInput, IndexProblem
from ..ingest import INGEST_VERSION, corpus_files, doc_id_for, load_document, read_metadata
from ..ingest.corpus import file_key
from ..ingest.readers import read_checked
from ..text import bytes_sha256, content_hash
from ..types import Document, sentence_texts
from . import store, vectors
from .lexical import BM25
from .manifest import FORMAT_VERSION, Counts, FileEntry, Manifest, ModelInfo, Refusal
from .table import PassageTable

log = logging.getLogger(__name__)

#: progress(stage, done, total)
Progress = Callable[[str, int, int], None]
#: load(path, metadata entry, doc_id) -> Document: reads, cleans and splits one file
Loader = Callable[[Path, dict, str], Document]


@dataclass
class UpdateReport:
    documents: int = 0
    passages: int = 0
    embedded_passages: int = 0
    embedded_sentences: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line per file that could not be read
    notes: list[str] = field(default_factory=list)  # e.g. "x.txt: not valid UTF-8, decoded as cp1252"
    kept: list[str] = field(default_factory=list)  # documents kept though their file is gone or unreadable
    unchanged: bool = False


def _stat(path: str) -> tuple[int, int]:
    try:
        st = Path(path).stat()
        return st.st_size, st.st_mtime_ns
    except OSError:
        return -1, -1


@dataclass
class _Seen:
    """What one update read: the stat each file had when the bytes indexed were read (``fstat``
    before reading; -1 when the bytes indexed are not those: read again next time), and the
    files refused when read, with that stat."""

    stats: dict[str, tuple[int, int]] = field(default_factory=dict)
    refused: dict[str, Refusal] = field(default_factory=dict)


def refusal_limits() -> str:
    """What a refusal was decided under: the reader's version and the reading budgets in force (a
    bad QA_MAX_* value is a BadInput here, before any file is read)."""
    return f"ingest {INGEST_VERSION}; {ReadBudget.from_env().key()}"


def manifest_for(settings: Settings, embedder, dim: int, kind: str, docs: list[Document],
                 skipped: dict[str, str], seen: _Seen | None = None) -> Manifest:
    seen = seen or _Seen()
    n_passages = sum(len(d.passages) for d in docs)
    return Manifest(
        format_version=FORMAT_VERSION,
        ingest_version=INGEST_VERSION,
        model=ModelInfo(settings.model, embedder.weights_sha256, dim, embedder.encoder),
        index_kind=kind,
        corpus_dir=str(settings.corpus_dir.resolve()),
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        counts=Counts(len(docs), n_passages, sum(len(p.sentences) for d in docs for p in d.passages)),
        documents=tuple(FileEntry(d.doc_id, d.path, d.sha256, d.title, *seen.stats.get(d.path, _stat(d.path)))
                        for d in docs),
        skipped=skipped,
        refused=dict(seen.refused),
    )


def _same_model(manifest: Manifest, settings: Settings, embedder) -> bool:
    model = manifest.model
    return (model.id == settings.model and model.weights_sha256 == embedder.weights_sha256
            and model.encoder == embedder.encoder)


def compatible(manifest: Manifest, settings: Settings, embedder) -> str | None:
    """Why an index built with ``manifest`` cannot be used with these settings (None if it can)."""
    if manifest.format_version != FORMAT_VERSION:
        return f"index format {manifest.format_version} is not the current {FORMAT_VERSION}"
    if manifest.ingest_version != INGEST_VERSION:
        return "the index was built by another version of the document reader"
    if manifest.model.id != settings.model:
        return f"index was built with model {manifest.model.id!r}, settings ask for {settings.model!r}"
    if manifest.model.weights_sha256 != embedder.weights_sha256:
        return "the model's weights changed since the index was built"
    if manifest.model.encoder != embedder.encoder:
        return (f"index vectors were encoded by {manifest.model.encoder}, settings ask for {embedder.encoder} "
                "(QA_ENCODER)")
    return None


def is_fresh(manifest: Manifest, settings: Settings) -> bool:
    """True if the corpus folder holds exactly the indexed files, unchanged (size and mtime), and
    its refused files are those refused, unchanged: a refused file stays refused, unread, until it
    changes; then the index is stale and the next update reads it again."""
    try:
        files = corpus_files(settings.corpus_dir)
    except BadInput:
        return False
    if manifest.corpus_dir != str(settings.corpus_dir.resolve()):
        return False
    indexed = {d.path: (d.size, d.mtime_ns) for d in manifest.documents}
    # a kept document whose file was gone (size -1) is fresh while its file stays gone
    present = {p for p, (size, _) in indexed.items() if size >= 0}
    current = {file_key(settings.corpus_dir, p) for p in files}
    if current != present | set(manifest.skipped):
        return False
    if any(_stat(p) != (r.size, r.mtime_ns) for p, r in manifest.refused.items() if p in current):
        return False
    return all(_stat(p) == st for p, st in indexed.items())


def remembered_corpus(settings: Settings) -> tuple[Settings, str | None]:
    """``settings`` with the corpus folder its index was built from, and a note saying so, when
    that folder is not the one the settings name and still exists.

    Call it only when the caller named no corpus folder (no --corpus); a folder set in
    QA_CORPUS_DIR counts as named, and the settings are returned as they are. Then
    ``qa --index I index mydocs`` followed by ``qa --index I docs`` keeps searching mydocs instead
    of rebuilding I from the default folder and dropping what it held.
    """
    if os.environ.get("QA_CORPUS_DIR"):
        return settings, None
    try:
        folder = store.live_version(settings.index_dir)
        manifest = store.read_manifest(folder) if folder else None
    except (IndexProblem, OSError):
        return settings, None  # opening the index will say what is wrong with it
    if manifest is None or not manifest.corpus_dir:
        return settings, None
    built_from = Path(manifest.corpus_dir)
    if built_from == settings.corpus_dir.resolve() or not built_from.is_dir():
        return settings, None
    return (settings.with_(corpus_dir=built_from),
            f"using the corpus folder {built_from}, which the index in {settings.index_dir} was built from "
            "(give --corpus to index another folder)")


@dataclass
class _Previous:
    """What the live version offers for reuse: its manifest, documents by path, vectors by text."""

    manifest: Manifest | None = None
    documents: dict[str, Document] = field(default_factory=dict)
    vectors: dict[str, np.ndarray] = field(default_factory=dict)


def _previous(settings: Settings, embedder) -> _Previous:
    try:
        folder = store.live_version(settings.index_dir)
        if folder is None:
            return _Previous()
        old = store.read_version(folder, settings.threads)
    except IndexProblem as exc:
        log.warning("previous index unusable, rebuilding: %s", exc)
        return _Previous()
    out = _Previous(old.manifest)
    problem = compatible(old.manifest, settings, embedder)
    if problem is None:
        out.documents = {d.path: d for d in old.table.documents}
    else:
        log.info("rebuilding: %s", problem)
    if _same_model(old.manifest, settings, embedder):
        # vectors depend only on the text and the model: reuse them across reader versions
        texts = [p.text for p in old.table.passages] + sentence_texts(old.table.documents)
        vecs = np.concatenate([old.table.passage_vecs, old.table.sentence_vecs])
        out.vectors = {content_hash(t): v for t, v in zip(texts, vecs)}
    return out


def _read_corpus(settings: Settings, prev: _Previous, report: UpdateReport, progress: Progress,
                 forget: frozenset[str] = frozenset(), load: Loader | None = None,
                 record: _Seen | None = None) -> tuple[list[Document], dict[str, str]]:
    """Every readable corpus file as a Document (unchanged ones reused), the previous version's
    documents whose file is gone or unreadable, and the skipped files; keys in ``forget`` are left
    out, their file read or not.
    ``load(path, entry, doc_id)`` reads one new or changed file (the Ray engine passes documents
    it read in parallel); without it the bytes read to hash the file are the bytes parsed.
    ``record`` collects the stats and refusals the manifest records."""
    record = record if record is not None else _Seen()
    limits = refusal_limits()
    remembered = prev.manifest.refused if prev.manifest is not None else {}
    files = corpus_files(settings.corpus_dir)
    meta, warnings = read_metadata(settings.corpus_dir)
    report.notes.extend(warnings)
    docs: list[Document] = []
    skipped: dict[str, str] = {}
    used_ids: set[str] = set()
    seen: set[str] = set()
    for i, path in enumerate(files):
        progress("read", i, len(files))
        key = file_key(settings.corpus_dir, path)
        if key in forget:  # removed by the user: Engine.remove deletes its file after this version is live
            continue
        seen.add(key)
        old = prev.documents.get(key)
        doc_id = doc_id_for(path)
        while doc_id in used_ids:  # a.txt and a.md: the second becomes a-2
            doc_id = doc_id + "-2"
        try:
            refused = _still_refused(remembered.get(key), path, limits)
            if refused is not None:  # refused before, unchanged since: not read again
                record.refused[key] = refused
                raise BadInput(refused.reason)
            doc = _read_one(path, key, doc_id, meta.get(path.name, {}), old, report, load, record, limits)
        except (BadInput, OSError) as exc:
            reason = str(exc) if isinstance(exc, BadInput) else f"{path.name}: cannot be read ({exc.strerror or exc})"
            if old is not None and key not in forget and not path.is_symlink():
                _keep(old, f"{reason}; the indexed copy is kept", report)
                doc = old
            else:
                skipped[key] = reason
                report.skipped.append(reason)
                continue
        used_ids.add(doc.doc_id)
        docs.append(doc)
    folder = str(settings.corpus_dir.resolve())
    for key, old in prev.documents.items():
        if key not in seen and key not in forget and str(Path(key).parent) == folder and old.doc_id not in used_ids:
            _keep(old, f"{Path(key).name}: the file is gone from the corpus folder; the indexed copy is kept", report)
            used_ids.add(old.doc_id)
            docs.append(old)
    progress("read", len(files), len(files))
    return docs, skipped


def _keep(old: Document, reason: str, report: UpdateReport) -> None:
    report.kept.append(old.doc_id)
    report.notes.append(f"{reason} until you remove it (python -m qa remove {old.doc_id})")


def _still_refused(refusal: Refusal | None, path: Path, limits: str) -> Refusal | None:
    """``refusal`` if the file it was made for is still a regular file of the same size and mtime,
    and the limits are the same; None when the file must be read (again)."""
    if refusal is None or refusal.limits != limits:
        return None
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    same = stat.S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns) == (refusal.size, refusal.mtime_ns)
    return refusal if same else None


def _read_one(path: Path, key: str, doc_id: str, meta: dict, old: Document | None,
              report: UpdateReport, load: Loader | None = None, seen: _Seen | None = None,
              limits: str = "") -> Document:
    """One corpus file as a Document: its bytes read once (with the stat they were read with),
    hashed, and parsed only when new or changed. A refusal of those bytes is recorded in ``seen``."""
    seen = seen if seen is not None else _Seen()
    data, st = read_checked(path)
    stat_read = (st.st_size, st.st_mtime_ns)
    sha = bytes_sha256(data)
    if old is not None and old.doc_id == doc_id and old.sha256 == sha:
        old.title = meta.get("title") or old.title
        old.source = meta.get("source") or old.source
        seen.stats[key] = stat_read
        return old
    try:
        if load is None:
            doc = load_document(path, entry_for(meta, old), doc_id, data=data)
        else:
            doc = load(path, entry_for(meta, old), doc_id)
            if doc.sha256 != sha:  # read again elsewhere, and changed in between: read it next time
                stat_read = (-1, -1)
    except BadInput as exc:
        seen.refused[key] = Refusal(*stat_read, limits, str(exc))
        raise
    seen.stats[key] = stat_read
    doc.path = key
    (report.changed if old is not None else report.added).append(doc_id)
    report.notes.extend(doc.notes)
    return doc


def entry_for(meta: dict, old: Document | None) -> dict:
    """The metadata a new or changed file is read with: its metadata.json entry, and the date
    it was first added when an older version of it was indexed."""
    entry = dict(meta)
    if old is not None:
        entry.setdefault("added", old.added)
    return entry


def update_index(settings: Settings, embedder, progress: Progress | None = None,
                 _fail_after: str | None = None, forget: frozenset[str] = frozenset(),
                 engine: str | object = "local", then: Callable[[], None] | None = None) -> UpdateReport:
    """Bring ``settings.index_dir`` in line with ``settings.corpus_dir``; return what changed.
    ``forget``: keys (``file_key``) of documents the user removed: left out, even while their file
    is still there. ``then()`` runs under the write lock once the version on disk leaves them out
    (``Engine.remove`` deletes the file there, so no other writer can index it again in between).
    ``engine``: "local" (this process), or "ray" / a ``ray_ingest.RayEngine`` (read, clean,
    split and embed on Ray Data; the same index version is written)."""
    progress = progress or (lambda stage, done, total: None)
    report = UpdateReport()
    ray = None
    if engine != "local":
        from .ray_ingest import ray_engine

        ray = ray_engine(engine)  # checks the option and that Ray is installed before anything is read
    with store.write_lock(settings.index_dir):
        prev = _previous(settings, embedder)
        seen = _Seen()
        if ray is None:
            docs, skipped = _read_corpus(settings, prev, report, progress, forget, record=seen)
        else:  # documents read on Ray, then put together here; embedder serves the vectors Ray computed
            docs, skipped, embedder = ray.ingest(
                settings, embedder, prev, progress, entry_for,
                lambda load: _read_corpus(settings, prev, report, progress, forget, load, seen))
        kept = {d.path for d in docs}
        report.removed = [d.doc_id for p, d in prev.documents.items() if p not in kept]
        if not docs:
            raise BadInput(f"{settings.corpus_dir}: no readable .txt, .md, .html, .pdf or .docx file to index; add some and "
                           "run again" + (f" ({'; '.join(report.skipped)})" if report.skipped else ""))
        passages = [p for d in docs for p in d.passages]
        pvecs, report.embedded_passages = _embed_reusing([p.text for p in passages], prev.vectors, embedder,
                                                         progress, "embed passages")
        svecs, report.embedded_sentences = _embed_reusing(sentence_texts(docs), prev.vectors, embedder,
                                                          progress, "embed sentences")
        report.documents, report.passages = len(docs), len(passages)
        kind = vectors.choose_kind(settings.index_kind, len(passages))
        manifest = manifest_for(settings, embedder, pvecs.shape[1], kind, docs, skipped, seen)
        if _unchanged(prev.manifest, manifest, report, settings.recall_target):
            report.unchanged = True
            if then is not None:
                then()
            return report
        progress("write", 0, 1)
        index, tuned = vectors.build_tuned(pvecs, kind, settings.recall_target)
        version = store.IndexVersion(replace(manifest, vector_index=tuned.to_json()), PassageTable(docs, pvecs, svecs),
                                     index, BM25.build([p.text for p in passages]))
        store.write_version(settings.index_dir, version, _fail_after)
        progress("write", 1, 1)
        if then is not None:
            then()
    return report


def _unchanged(old: Manifest | None, new: Manifest, report: UpdateReport, recall_target: float) -> bool:
    """Nothing to write: same files, same content, same corpus folder and skipped files, and a
    vector index of the kind asked for, tuned to the recall target asked for (QA_RECALL_TARGET)."""
    return (old is not None and not report.added and not report.changed and not report.removed
            and old.corpus_dir == new.corpus_dir and old.skipped == new.skipped and old.refused == new.refused
            and old.documents == new.documents and old.index_kind == new.index_kind
            and _tuned_for(old, recall_target))


def _tuned_for(manifest: Manifest, recall_target: float) -> bool:
    """Whether the manifest's vector index meets ``recall_target``: exact search always does; an
    approximate index was tuned to its recorded target (an index from before tuning has none)."""
    params = vectors.VectorParams.from_json(manifest.vector_index)
    return manifest.index_kind == "flat" or params.target == recall_target


def _embed_reusing(texts: list[str], cache: dict[str, np.ndarray], embedder,
                   progress: Progress, stage: str) -> tuple[np.ndarray, int]:
    """Vectors for ``texts``, encoding only those whose hash is not in ``cache``."""
    keys = [content_hash(t) for t in texts]
    # shortest first, so each batch pads to texts of about its own length (hash order mixed them)
    todo = sorted({k: t for k, t in zip(keys, texts) if k not in cache}.items(), key=lambda kt: len(kt[1]))
    fresh: dict[str, np.ndarray] = {}
    step = max(embedder.batch_size * 4, 1)
    for i in range(0, len(todo), step):
        progress(stage, i, len(todo))
        chunk = todo[i:i + step]
        for (k, _), v in zip(chunk, embedder.encode([t for _, t in chunk])):
            fresh[k] = v
    progress(stage, len(todo), len(todo))
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32), 0
    rows = [cache[k] if k in cache else fresh[k] for k in keys]
    return np.ascontiguousarray(np.stack(rows), dtype=np.float32), len(todo)
