"""The library's front door: open (or build) the index, ask, compare, add and remove documents,
and the corpus overview."""
from __future__ import annotations

import logging
import stat
import threading
from pathlib import Path

from .config import DEFAULT_TOP_K, MAX_TOP_K, PASSAGES_PER_DOCUMENT, Settings
from .errors import BadInput, IndexProblem
from .index import store
from .index.build import Progress, UpdateReport, compatible, is_fresh, update_index
from .index.embed import Embedder
from .index.encoders import embedder_for
from .index.manifest import Manifest
from .ingest import add_files, add_url
from .ingest.corpus import Original, corpus_entry, original_file
from .search import second_stage
from .search.compare import compare
from .search.retrieve import Searcher
from .text import quoted
from .types import Answer, Comparison, Document

log = logging.getLogger(__name__)


class Engine:
    """A corpus, its index and a searcher over it.

    ``Engine.open()`` loads the index, building or updating it first when it is missing,
    stale or was built with other settings (unless ``build=False``, which raises instead).
    """

    def __init__(self, settings: Settings, embedder: Embedder, version: store.IndexVersion):
        self.settings = settings
        self.embedder = embedder
        self.version = version
        self.searcher = Searcher(version.table, version.vectors, version.lexical, embedder,
                                 second_stage.load() if settings.second_stage else None)
        self._lock = threading.Lock()
        self._overview_lock = threading.Lock()  # one computation at a time: it writes the cache
        self.last_update: UpdateReport | None = None

    @classmethod
    def open(cls, settings: Settings | None = None, embedder: Embedder | None = None, build: bool = True,
             progress: Progress | None = None) -> Engine:
        settings = settings or Settings()
        embedder = embedder or embedder_for(settings)
        problem, stale = cls._problem(settings, embedder)
        if problem is None:
            try:
                return cls._load(settings, embedder)
            except IndexProblem as exc:  # a damaged part the manifest does not show
                problem = str(exc)
        if not build:
            raise IndexProblem(problem)
        log.info("updating index: %s", problem)
        try:
            report = update_index(settings, embedder, progress)  # it skips an unreadable version: rebuilt
        except store.IndexNotWritable as exc:
            try:
                if stale:  # whole, only out of date: still worth asking, with a warning
                    engine = cls._load(settings, embedder)
                    log.warning("%s; answering from the index as it is (%s)",
                                problem.removesuffix("; build it with: python -m qa index"), exc)
                    return engine
            except IndexProblem as damaged:
                problem = str(damaged)
            what = problem.removesuffix(f"; {store.REBUILD}").removesuffix("; build it with: python -m qa index")
            raise IndexProblem(f"{what}; it cannot be rebuilt: {exc}") from None
        engine = cls._load(settings, embedder)
        engine.last_update = report
        return engine

    @staticmethod
    def _problem(settings: Settings, embedder: Embedder) -> tuple[str | None, bool]:
        """Why the index on disk cannot be used as it is, as one line with the fix (None when it
        can), and whether it is merely stale (whole and compatible, the corpus changed)."""
        fix = "build it with: python -m qa index"
        try:
            folder = store.live_version(settings.index_dir)
            manifest = store.read_manifest(folder) if folder else None
        except IndexProblem as exc:
            return str(exc), False
        problem = "no index yet" if manifest is None else compatible(manifest, settings, embedder)
        if problem is not None:
            return f"{settings.index_dir}: {problem}; {fix}", False
        if not is_fresh(manifest, settings):
            return f"{settings.index_dir}: the corpus folder changed since the index was built; {fix}", True
        return None, False

    @classmethod
    def _load(cls, settings: Settings, embedder: Embedder, retry: bool = True) -> Engine:
        folder = store.live_version(settings.index_dir)
        if folder is None:
            raise IndexProblem(f"{settings.index_dir}: no index; build it with: python -m qa index")
        try:
            return cls(settings, embedder, store.read_version(folder, settings.threads))
        except IndexProblem:
            # a writer may have switched CURRENT and removed this version while it was read
            if not retry or store.live_version(settings.index_dir) == folder:
                raise
        return cls._load(settings, embedder, retry=False)

    # -- reading ------------------------------------------------------------------------------------
    @property
    def manifest(self) -> Manifest:
        return self.version.manifest

    @property
    def documents(self) -> list[Document]:
        return list(self.version.table.documents)

    def document(self, doc_id: str) -> Document:
        return self.version.table.document(doc_id)

    def ask(self, question: str, top_k: int = DEFAULT_TOP_K, doc_ids: list[str] | None = None,
            method: str = "hybrid") -> Answer:
        if not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= MAX_TOP_K:
            raise BadInput(f"top_k must be a whole number from 1 to {MAX_TOP_K}, got {quoted(top_k)}")
        return self.searcher.ask(question, top_k, doc_ids, method)

    def compare(self, topic: str, doc_ids: list[str] | None = None,
                per_doc: int = PASSAGES_PER_DOCUMENT) -> Comparison:
        return compare(self.searcher, topic, doc_ids, per_doc)

    def overview(self, n_topics: int | None = None, refresh: bool = False):
        """The corpus overview (``qa.analysis.Overview``): alignment, topics and quoted sources,
        cached beside the index version."""
        from .analysis.overview import get_overview

        with self._overview_lock:
            return get_overview(self.version, n_topics, refresh)

    # -- changing -----------------------------------------------------------------------------------
    def refresh(self, progress: Progress | None = None, forget: frozenset[str] = frozenset()) -> UpdateReport:
        """Re-read the corpus folder, update the index and swap in the new version (``forget``:
        see ``update_index``)."""
        with self._lock:
            report = update_index(self.settings, self.embedder, progress, forget=forget)
            fresh = self._load(self.settings, self.embedder)
            self.version, self.searcher, self.last_update = fresh.version, fresh.searcher, report
            return report

    def add(self, paths: list[Path], progress: Progress | None = None) -> UpdateReport:
        """Copy files into the corpus folder and index them."""
        add_files(self.settings.corpus_dir, [Path(p) for p in paths])
        return self.refresh(progress)

    def add_url(self, url: str, progress: Progress | None = None) -> UpdateReport:
        """Fetch a web page (or PDF, DOCX) into the corpus folder and index it (``qa.ingest.url``)."""
        add_url(self.settings.corpus_dir, url)
        return self.refresh(progress)

    def original(self, doc_id: str) -> Original:
        """A document's original file (PDF, DOCX, HTML, ...) from the corpus folder, while it is
        still the file that was indexed (``qa.ingest.corpus.original_file``)."""
        return original_file(self.settings.corpus_dir, self.document(doc_id))

    def remove(self, doc_id: str, progress: Progress | None = None) -> UpdateReport:
        """Delete a document's file from the corpus folder and drop it from the index.

        Only a regular file directly inside the corpus folder is ever deleted: a link is
        unlinked (never what it points to) and a document whose file is already gone is simply
        dropped."""
        doc = self.document(doc_id)
        if len(self.documents) == 1:
            raise BadInput(f"{doc_id} is the only document; add another before removing it")
        path = corpus_entry(self.settings.corpus_dir, doc)
        mode = None  # None: gone already, only the index keeps it
        if path is not None:
            try:
                mode = path.lstat().st_mode
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise BadInput(f"{doc_id}: cannot check its file ({exc.strerror or exc}); not removing it") from None
        if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            raise BadInput(f"{doc_id}: {path.name} is not a regular file; not removing it")
        if mode is not None:
            try:
                path.unlink()  # on a link, removes the link itself
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise BadInput(f"{doc_id}: cannot delete {path.name} ({exc.strerror or exc}); "
                               "check the corpus folder's permissions") from None
        return self.refresh(progress, forget=frozenset({doc.path}))
