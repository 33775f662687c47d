"""The library's front door: open (or build) the index, ask, compare, add and remove documents."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from . import store
from .config import Settings
from .embed import Embedder
from .errors import BadInput, IndexProblem
from .indexer import Progress, UpdateReport, add_files, compatible, is_fresh, update_index
from .search import Searcher
from .types import Answer, Document

log = logging.getLogger(__name__)


class Engine:
    """A corpus, its index and a searcher over it.

    ``Engine.open()`` loads the index, building or updating it first when it is missing,
    stale or was built with other settings (unless ``build=False``, which raises instead).
    """

    def __init__(self, settings: Settings, embedder: Embedder, searcher: Searcher, manifest: dict):
        self.settings = settings
        self.embedder = embedder
        self.searcher = searcher
        self.manifest = manifest
        self._lock = threading.Lock()
        self.last_update: UpdateReport | None = None

    @classmethod
    def open(cls, settings: Settings | None = None, embedder: Embedder | None = None, build: bool = True,
             progress: Progress | None = None) -> "Engine":
        settings = settings or Settings()
        embedder = embedder or Embedder(settings.model, settings.batch_size)
        report = None
        try:
            folder = store.live_version(settings.index_dir)
            manifest = store.read_manifest(folder) if folder else None
            problem = "no index yet" if manifest is None else compatible(manifest, settings, embedder)
        except IndexProblem as exc:
            manifest, problem = None, str(exc)
        if problem is None and not is_fresh(manifest, settings):
            problem = "the corpus folder changed since the index was built"
        if problem is not None:
            if not build:
                raise IndexProblem(f"{settings.index_dir}: {problem}; build it with: python -m qa index")
            log.info("updating index: %s", problem)
            report = update_index(settings, embedder, progress)
        try:
            engine = cls._load(settings, embedder)
        except IndexProblem as exc:
            if not build or report is not None:
                raise
            log.warning("rebuilding a damaged index: %s", exc)  # update_index skips unreadable versions
            report = update_index(settings, embedder, progress)
            engine = cls._load(settings, embedder)
        engine.last_update = report
        return engine

    @classmethod
    def _load(cls, settings: Settings, embedder: Embedder) -> "Engine":
        folder = store.live_version(settings.index_dir)
        if folder is None:
            raise IndexProblem(f"{settings.index_dir}: no index; build it with: python -m qa index")
        manifest, docs, pvecs, svecs, index, bm25 = store.read_version(folder)
        return cls(settings, embedder, Searcher(docs, pvecs, svecs, index, bm25, embedder), manifest)

    # -- reading ------------------------------------------------------------------------------------
    @property
    def documents(self) -> list[Document]:
        return list(self.searcher.documents.values())

    def document(self, doc_id: str) -> Document:
        try:
            return self.searcher.documents[doc_id]
        except KeyError:
            raise BadInput(f"unknown document id {doc_id!r}; known ids: {', '.join(self.searcher.documents)}") from None

    def ask(self, question: str, top_k: int = 5, doc_ids: list[str] | None = None, method: str = "hybrid") -> Answer:
        if not isinstance(top_k, int) or not 1 <= top_k <= 50:
            raise BadInput(f"top_k must be a whole number from 1 to 50, got {top_k!r}")
        return self.searcher.ask(question, top_k, doc_ids, method)

    def compare(self, topic: str, doc_ids: list[str] | None = None, per_doc: int = 3):
        from .compare import compare

        return compare(self, topic, doc_ids, per_doc)

    # -- changing -----------------------------------------------------------------------------------
    def refresh(self, progress: Progress | None = None) -> UpdateReport:
        """Re-read the corpus folder, update the index and swap in the new searcher."""
        with self._lock:
            report = update_index(self.settings, self.embedder, progress)
            fresh = self._load(self.settings, self.embedder)
            self.searcher, self.manifest, self.last_update = fresh.searcher, fresh.manifest, report
            return report

    def add(self, paths: list[Path], progress: Progress | None = None) -> UpdateReport:
        """Copy files into the corpus folder and index them."""
        add_files(self.settings, [Path(p) for p in paths])
        return self.refresh(progress)

    def remove(self, doc_id: str, progress: Progress | None = None) -> UpdateReport:
        """Delete a document's file from the corpus folder; it leaves the index."""
        doc = self.document(doc_id)
        path = Path(doc.path)
        if path.resolve().parent != self.settings.corpus_dir.resolve():
            raise BadInput(f"{doc_id}: its file is outside the corpus folder; not removing it")
        if len(self.documents) == 1:
            raise BadInput(f"{doc_id} is the only document; add another before removing it")
        path.unlink(missing_ok=True)
        return self.refresh(progress)
