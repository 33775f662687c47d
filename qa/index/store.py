"""The on-disk index: a directory of plain parts, written atomically, refused when it does not match.

Layout of ``index/``::

    CURRENT                 name of the live version folder (replaced atomically)
    v-<stamp>/manifest.json format version, model id and weights hash, dimension, kind, documents, counts
    v-<stamp>/documents.jsonl   one row per document: metadata and its blocks (spans, no copies of text)
    v-<stamp>/texts/<id>.txt    the text the offsets point into (the decoded file, or extracted HTML text)
    v-<stamp>/passages.npy, sentences.npy   float32 vectors (np.save, allow_pickle=False)
    v-<stamp>/vectors.faiss     FAISS index over passage vectors
    v-<stamp>/bm25/, bm25_df.json   bm25s index and document frequencies
    v-<stamp>/<name>.json       extras derived from the version (the corpus overview), see write_extra

A new version is written in a temporary folder and only then named in CURRENT, so a crash
while writing leaves the previous index in use (``make crash`` kills writers to check it). No
pickles anywhere.

Reading trusts nothing: CURRENT may only name a ``v-*`` folder inside the index folder, and every
part is checked for its JSON types, spans inside their text and arrays that agree, so a damaged
version is one ``IndexProblem`` line (``Engine.open`` then rebuilds it), never a traceback. The
operating system's refusals become one line too: ``BadInput`` for an index path that is no folder,
``IndexNotWritable`` when a new version cannot be written (the previous one is kept).
"""
from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import shutil
import stat
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..errors import BadInput, IndexProblem
from ..types import Block, Document
from .lexical import BM25
from .manifest import FORMAT_VERSION, Manifest
from . import vectors
from .table import PassageTable

log = logging.getLogger(__name__)

__all__ = ["FORMAT_VERSION", "IndexVersion", "IndexNotWritable", "live_version", "pointer_stamp", "read_manifest",
           "read_version",
           "write_version", "write_lock", "read_extra", "write_extra"]

CURRENT = "CURRENT"
REBUILD = "rebuild with: python -m qa index"
WRITABLE = "give --index (QA_INDEX_DIR) a folder you can write to"
#: what CURRENT may name: a version folder as write_version names them, never a path elsewhere
VERSION_NAME = re.compile(r"v-[A-Za-z0-9_-]+")
#: a document id as ingest makes them (letters, digits, _.-, no leading dot): safe as a file name
DOC_ID = re.compile(r"[\w-][\w.-]*")


class IndexNotWritable(IndexProblem):
    """A new index version could not be written (read-only folder, disk full...); the index on
    disk is as it was, so a usable one can still be read."""


@dataclass
class IndexVersion:
    """Everything one index version holds, as loaded: ``folder`` is where it lives on disk
    (None for an index built in memory, as evaluation does)."""

    manifest: Manifest
    table: PassageTable
    vectors: object  # the FAISS index over table.passage_vecs
    lexical: BM25
    folder: Path | None = None


def _block_row(b: Block) -> dict:
    row = {"kind": b.kind, "start": b.start, "end": b.end, "paragraph": b.paragraph,
           "sentences": [list(s) for s in b.sentences]}
    if b.page is not None:  # documents with pages (PDF) only
        row["page"] = b.page
    return row


def _doc_row(d: Document) -> dict:
    row = {k: v for k, v in asdict(d).items() if k not in ("text", "blocks")}
    row["notes"] = list(d.notes)
    row["blocks"] = [_block_row(b) for b in d.blocks]
    return row


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_row(row) -> None:
    """ValueError unless ``row`` has the shape ``_doc_row`` writes (``added`` and ``notes`` optional)."""
    if not isinstance(row, dict):
        raise ValueError(f"a row is a JSON {type(row).__name__}, not an object")
    doc_id = row.get("doc_id")
    if not isinstance(doc_id, str) or not DOC_ID.fullmatch(doc_id):
        raise ValueError(f"not a document id: {str(doc_id)[:60]!r}")
    for key in ("title", "source", "path", "sha256"):
        if not isinstance(row.get(key), str):
            raise ValueError(f"{doc_id}: {key} is not a string")
    notes = row.get("notes", [])
    if not isinstance(row.get("added", ""), str) or not (isinstance(notes, list) and all(isinstance(n, str) for n in notes)):
        raise ValueError(f"{doc_id}: added or notes of the wrong type")
    if not isinstance(row.get("blocks"), list):
        raise ValueError(f"{doc_id}: no list of blocks")


def _block(doc_id: str, b, text: str) -> Block:
    """A block of ``text`` from its row; ValueError unless its spans lie inside the text (then
    every passage and sentence shown is a true slice of the document)."""
    start, end = (b.get("start"), b.get("end")) if isinstance(b, dict) else (None, None)
    if not (_is_int(start) and _is_int(end) and 0 <= start <= end <= len(text)):
        raise ValueError(f"{doc_id}: a block's span {start!r}..{end!r} is not inside its text "
                         f"of {len(text)} characters")
    sentences = b.get("sentences", [])
    if not isinstance(sentences, list) or not all(
            isinstance(s, list) and len(s) == 2 and all(map(_is_int, s)) and start <= s[0] <= s[1] <= end
            for s in sentences):
        raise ValueError(f"{doc_id}: a sentence span outside its block {start}..{end}")
    paragraph, page = b.get("paragraph"), b.get("page")
    if not isinstance(b.get("kind"), str) or not (paragraph is None or _is_int(paragraph)) \
            or not (page is None or (_is_int(page) and page >= 1)):
        raise ValueError(f"{doc_id}: a block's kind, paragraph or page of the wrong type")
    return Block(doc_id, b["kind"], start, end, text[start:end], paragraph, tuple(tuple(s) for s in sentences), page)


def _doc_from_row(row, folder: Path) -> Document:
    _check_row(row)
    doc_id = row["doc_id"]
    # bytes, not read_text: universal newlines would turn \r\n into \n and shift offsets
    text = (folder / "texts" / f"{doc_id}.txt").read_bytes().decode("utf-8")
    blocks = [_block(doc_id, b, text) for b in row["blocks"]]
    return Document(doc_id, row["title"], row["source"], row["path"], row["sha256"], text,
                    blocks, row.get("added", ""), tuple(row.get("notes", ())))


def _folder_exists(index_dir: Path) -> bool:
    """True if the index folder exists; BadInput when the path is a file, or passes through one."""
    try:
        mode = index_dir.stat().st_mode
    except FileNotFoundError:
        return False
    except NotADirectoryError:
        raise BadInput(f"{index_dir}: a part of this path is a file, not a folder; give --index a folder") from None
    except OSError as exc:
        raise IndexProblem(f"{index_dir}: cannot be read ({exc.strerror or exc}); check its permissions") from None
    if not stat.S_ISDIR(mode):
        raise BadInput(f"{index_dir}: is a file, not a folder; give --index a folder")
    return True


def _read_pointer(index_dir: Path) -> bytes | None:
    pointer = index_dir / CURRENT
    try:
        return pointer.read_bytes()
    except FileNotFoundError:
        return None
    except PermissionError as exc:
        raise IndexProblem(f"{pointer}: cannot be read ({exc.strerror}); check the permissions of {index_dir}") from None
    except OSError as exc:  # a folder named CURRENT, an I/O error: damage
        raise IndexProblem(f"{pointer}: unreadable ({exc.strerror or exc}); {REBUILD}") from None


def live_version(index_dir: Path) -> Path | None:
    """The folder CURRENT names, or None if there is no index yet. IndexProblem when CURRENT is
    damaged or names anything but a version folder inside ``index_dir``; BadInput when
    ``index_dir`` is not a folder."""
    if not _folder_exists(index_dir):
        return None
    raw = _read_pointer(index_dir)
    if raw is None:
        return None
    name = raw.decode("utf-8", "replace").strip()
    if not VERSION_NAME.fullmatch(name):  # "../x", "/abs", "": never followed out of the folder
        raise IndexProblem(f"{index_dir / CURRENT}: does not name an index version ({name[:60]!r}); {REBUILD}")
    folder = index_dir / name
    if folder.is_symlink() or not folder.is_dir():
        raise IndexProblem(f"{index_dir / CURRENT} names {name!r}, which is missing; {REBUILD}")
    return folder


def pointer_stamp(index_dir: Path) -> tuple[int, int, int] | None:
    """CURRENT's inode, size and modification time (None when it cannot be looked at): one stat,
    cheap enough for every request. A writer replaces CURRENT (``_point_to``), never rewrites it,
    so the stamp changes whenever any process makes a new version live: a long-running reader
    (the app) compares it to tell that the CLI or another app changed the index."""
    try:
        st = os.stat(index_dir / CURRENT)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _make_folder(index_dir: Path) -> None:
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise BadInput(f"{index_dir}: is a file, not a folder; give --index a folder") from None
    except NotADirectoryError:
        raise BadInput(f"{index_dir}: a part of this path is a file, not a folder; give --index a folder") from None
    except OSError as exc:
        raise IndexNotWritable(f"{index_dir}: cannot make the index folder ({exc.strerror or exc}); {WRITABLE}") from None


def _not_written(index_dir: Path, exc: OSError, after: str = "") -> IndexNotWritable:
    """The one line for an OSError while writing: which file, why, what to do (then ``after``)."""
    where = f"{os.fsdecode(exc.filename)}: " if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "free some disk space"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = WRITABLE
    else:
        hint = f"check {index_dir}"
    return IndexNotWritable(f"{index_dir}: cannot write the index ({where}{exc.strerror or exc}); {hint}{after}")


@contextlib.contextmanager
def write_lock(index_dir: Path):
    """One writer at a time (the app and the CLI may both update the index). Making the lock is
    the first write: a folder that cannot be written fails here, before any work."""
    import fcntl

    _make_folder(index_dir)
    try:
        fh = open(index_dir / ".lock", "a")
    except OSError as exc:
        raise _not_written(index_dir, exc) from None
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())


def _fsync_folder(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (best effort: not every file system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _clear_leftovers(index_dir: Path) -> None:
    """Remove what a crash while writing left behind: never named in CURRENT, never needed."""
    for stale in index_dir.glob(".tmp-*"):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                stale.unlink()


def _write_parts(tmp: Path, version: IndexVersion, step) -> None:
    import faiss

    (tmp / "texts").mkdir(parents=True)
    table = version.table
    with open(tmp / "documents.jsonl", "w", encoding="utf-8") as f:
        for d in table.documents:
            f.write(json.dumps(_doc_row(d), ensure_ascii=False) + "\n")
            (tmp / "texts" / f"{d.doc_id}.txt").write_text(d.text, encoding="utf-8", newline="")
    step("documents")
    np.save(tmp / "passages.npy", table.passage_vecs, allow_pickle=False)
    np.save(tmp / "sentences.npy", table.sentence_vecs, allow_pickle=False)
    step("vectors")
    with open(tmp / "vectors.faiss", "wb") as f:
        # through a Python file: FAISS's own writer only prints a failed write (a full disk) and goes on
        faiss.write_index(version.vectors, faiss.PyCallbackIOWriter(f.write))
    version.lexical.save(tmp)
    step("search")
    manifest = json.dumps(version.manifest.to_json(), indent=2, ensure_ascii=False)
    (tmp / "manifest.json").write_text(manifest, encoding="utf-8")
    _fsync_tree(tmp)


def _point_to(index_dir: Path, final: Path) -> None:
    """Name ``final`` in CURRENT, atomically: a crash leaves CURRENT naming the old or the new."""
    pointer, pointer_tmp = index_dir / CURRENT, index_dir / f".tmp-{CURRENT}"
    if pointer.is_dir() and not pointer.is_symlink():  # a folder named CURRENT is damage, never a version
        shutil.rmtree(pointer)
    pointer_tmp.write_text(final.name, encoding="utf-8")
    with open(pointer_tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(pointer_tmp, pointer)
    _fsync_folder(index_dir)


def write_version(index_dir: Path, version: IndexVersion, _fail_after: str | None = None) -> Path:
    """Write a complete new version and switch CURRENT to it; return its folder. IndexNotWritable
    (one line) when the operating system refuses: the previous version stays in use.

    ``_fail_after`` is for tests only: raise after writing that part, to simulate a crash.
    """
    def step(name: str) -> None:
        if _fail_after == name:
            raise RuntimeError(f"simulated crash after writing {name}")

    _make_folder(index_dir)
    _clear_leftovers(index_dir)
    tmp = index_dir / f".tmp-{uuid.uuid4().hex[:8]}"
    final = index_dir / f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    try:
        _write_parts(tmp, version, step)
        os.replace(tmp, final)
        step("rename")
        _point_to(index_dir, final)
    except OSError as exc:
        for part in (tmp, final):  # neither is named in CURRENT yet
            shutil.rmtree(part, ignore_errors=True)
        raise _not_written(index_dir, exc, "; the index there is as it was") from None
    for old in index_dir.glob("v-*"):
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final


def _brief(exc: BaseException) -> str:
    """An exception as a short single line (FAISS's messages run to several hundred characters)."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 200 else text[:200] + "..."


def read_manifest(folder: Path) -> Manifest:
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexProblem(f"{folder}: manifest unreadable ({_brief(exc)}); {REBUILD}") from None
    return Manifest.from_json(data, str(folder / "manifest.json"))


def _read_documents(folder: Path) -> list[Document]:
    docs = []
    with open(folder / "documents.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():  # a blank line holds no document
                docs.append(_doc_from_row(json.loads(line), folder))
    if len({d.doc_id for d in docs}) != len(docs):
        raise ValueError("a document id appears twice")
    return docs


def _vectors(path: Path) -> np.ndarray:
    """Rows of float vectors from a .npy file, as float32; ValueError for anything else.

    Mapped from the file, read-only, not read into memory: a million passages' sentence vectors
    are gigabytes, and a search reads a few rows of them (the OS pages in what is read and may
    drop it again). A version folder is never rewritten in place, so the file stays as mapped
    (and on Linux a mapped file removed by a later ``qa index`` stays readable until closed)."""
    vecs = np.load(path, mmap_mode="r", allow_pickle=False)
    if not isinstance(vecs, np.ndarray) or vecs.ndim != 2 or vecs.dtype.kind != "f":
        raise ValueError(f"{path.name} holds no rows of vectors")
    return np.ascontiguousarray(vecs, dtype=np.float32)


def _check_lexical(bm25: BM25, n_passages: int) -> None:
    """bm25s loads inconsistent arrays without complaint and a query would then fail: check that
    every term BM25 may be asked about points inside its arrays, and those inside the passages."""
    if not (isinstance(bm25.doc_freq, dict) and _is_int(bm25.n_docs)
            and all(_is_int(v) for v in bm25.doc_freq.values())):
        raise ValueError("bm25_df.json damaged")
    scores, vocab = bm25._r.scores, bm25._r.vocab_dict
    data, indices, indptr = scores["data"], scores["indices"], scores["indptr"]
    ids = np.array([vocab.get(t, -1) for t in bm25.doc_freq], dtype=np.int64)
    ok = (scores["num_docs"] == n_passages and len(data) == len(indices) == indptr[-1]
          and (ids.size == 0 or (ids.min() >= 0 and ids.max() < len(indptr) - 1))
          and bool(np.all(np.diff(indptr) >= 0))
          and (indices.size == 0 or (indices.min() >= 0 and indices.max() < n_passages)))
    if not ok:
        raise ValueError("the BM25 arrays disagree with each other")


def read_version(folder: Path, threads: int = 1) -> IndexVersion:
    """Load a version folder whole; IndexProblem (with the fix) when any part is damaged or the
    parts disagree. ``threads``: FAISS's OpenMP threads (see ``Settings.threads``)."""
    import faiss

    faiss.omp_set_num_threads(threads)
    manifest = read_manifest(folder)
    try:
        docs = _read_documents(folder)
        pvecs, svecs = _vectors(folder / "passages.npy"), _vectors(folder / "sentences.npy")
        index = faiss.read_index(str(folder / "vectors.faiss"))
        # the search depth tuned at build time (manifests from before it was recorded: none)
        vectors.configure(index, vectors.VectorParams.from_json(manifest.vector_index) if manifest.vector_index else None)
        bm25 = BM25.load(folder)
        _check_lexical(bm25, sum(len(d.passages) for d in docs))
    except Exception as exc:  # any damaged part (any type: a parser's, the OS's): the index cannot be trusted
        raise IndexProblem(f"{folder}: index damaged ({_brief(exc)}); {REBUILD}") from None
    n_pass = sum(len(d.passages) for d in docs)
    n_sent = sum(len(p.sentences) for d in docs for p in d.passages)
    if pvecs.shape[0] != n_pass or index.ntotal != n_pass or bm25.n_docs != max(n_pass, 0) or svecs.shape[0] != n_sent:
        raise IndexProblem(f"{folder}: parts disagree ({n_pass} passages, {pvecs.shape[0]} vectors, "
                           f"{index.ntotal} in FAISS, {n_sent} sentences, {svecs.shape[0]} sentence vectors); "
                           f"{REBUILD}")
    dims = {pvecs.shape[1], svecs.shape[1], index.d, manifest.model.dimension or index.d}
    if len(dims) != 1:
        raise IndexProblem(f"{folder}: vectors of different dimensions {sorted(dims)}; {REBUILD}")
    return IndexVersion(manifest, PassageTable(docs, pvecs, svecs), index, bm25, folder)


# -- extras: results derived from one version, stored beside it ------------------------------------
def _extra_path(folder: Path, name: str) -> Path:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not an extra's name: {name!r}")
    return folder / f"{name}.json"


def read_extra(folder: Path, name: str) -> dict | None:
    """The JSON object stored as ``name`` in a version folder, or None when there is none or it
    is unreadable (an extra is a cache: it can always be computed again)."""
    path = _extra_path(folder, name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s unreadable, ignoring it: %s", path, exc)
        return None
    return data if isinstance(data, dict) else None


def write_extra(folder: Path, name: str, data: dict) -> bool:
    """Store a JSON object as ``name`` in a version folder, atomically; False (logged) when the
    folder is gone or read-only: the caller goes on without the cache."""
    path = _extra_path(folder, name)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        return True
    except OSError as exc:
        log.warning("could not store %s in %s: %s", name, folder, exc)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return False
