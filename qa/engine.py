"""The library's front door: open (or build) the index, ask, compare, add and remove documents,
and the corpus overview."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from .config import DEFAULT_TOP_K, MAX_TOP_K, PASSAGES_PER_DOCUMENT, Settings
from .errors import BadInput, IndexProblem, QAError
from .index import store
from .index.build import Progress, UpdateReport, compatible, is_fresh, update_index
from .index.manifest import Manifest
from .ingest import add_files, add_url, indexed_by_sha
from .ingest.corpus import Original, indexed_file, original_file, readable_name
from .models.embed import Embedder
from .models.encoders import embedder_for
from .search import reading, second_stage
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
                                 second_stage.load() if settings.second_stage else None,
                                 reading.load(settings.threads) if settings.reader else None)
        self._lock = threading.Lock()  # one change at a time in this process (the write lock: across processes)
        self._stamp: tuple[int, int, int] | None = None  # CURRENT as it was when ``version`` was read
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
        stamp = store.pointer_stamp(settings.index_dir)  # before reading: a switch while reading shows later
        folder = store.live_version(settings.index_dir)
        if folder is None:
            raise IndexProblem(f"{settings.index_dir}: no index; build it with: python -m qa index")
        try:
            engine = cls(settings, embedder, store.read_version(folder, settings.threads))
            engine._stamp = stamp
            return engine
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
        from .models import claims

        model = claims.for_setting(self.settings.claim_model, self.settings.threads)
        with self._overview_lock:
            return get_overview(self.version, n_topics, refresh, model)

    # -- keeping up with other processes ----------------------------------------------------------
    def sync(self) -> bool:
        """Take up the index version another process (the CLI, a second app) made live since this
        one was loaded; True when it did. One stat of CURRENT when nothing changed, so a server
        calls it before every request. A change under way in this process is not waited for: it
        loads the newest version when it ends."""
        if self.version.folder is None or store.pointer_stamp(self.settings.index_dir) == self._stamp:
            return False
        if not self._lock.acquire(blocking=False):
            return False
        try:
            return self._sync()
        finally:
            self._lock.release()

    def _sync(self) -> bool:
        """``sync`` with ``_lock`` held (also before a change: it must act on the index as it is)."""
        stamp = store.pointer_stamp(self.settings.index_dir)
        if self.version.folder is None or stamp == self._stamp:
            return False
        try:
            folder = store.live_version(self.settings.index_dir)
            problem = None if folder is None else compatible(store.read_manifest(folder), self.settings, self.embedder)
            if folder is None or folder == self.version.folder or problem:
                if problem:
                    log.warning("%s: the index was rebuilt by another process with other settings (%s); "
                                "answering from the one loaded before", self.settings.index_dir, problem)
                self._stamp = stamp
                return False
            self._take(self._load(self.settings, self.embedder))
        except QAError as exc:  # damaged or gone meanwhile: what was loaded still answers
            log.warning("the index on disk changed but cannot be loaded; answering from the one loaded before: %s", exc)
            self._stamp = stamp
            return False
        log.info("index changed on disk: %d documents", len(self.documents))
        return True

    def _take(self, fresh: Engine) -> None:
        self.version, self.searcher, self._stamp = fresh.version, fresh.searcher, fresh._stamp

    # -- changing -----------------------------------------------------------------------------------
    def refresh(self, progress: Progress | None = None) -> UpdateReport:
        """Re-read the corpus folder, update the index and swap in the new version."""
        with self._lock:
            return self._update(progress)

    def _update(self, progress: Progress | None, forget: frozenset[str] = frozenset(), then=None) -> UpdateReport:
        """``refresh`` with ``_lock`` held (``forget``, ``then``: see ``update_index``)."""
        report = update_index(self.settings, self.embedder, progress, forget=forget, then=then)
        self._take(self._load(self.settings, self.embedder))
        self.last_update = report
        return report

    def add(self, paths: list[Path], progress: Progress | None = None) -> UpdateReport:
        """Copy files into the corpus folder and index them."""
        add_files(self.settings.corpus_dir, [Path(p) for p in paths], indexed_by_sha(self.documents))
        return self.refresh(progress)

    def add_url(self, url: str, progress: Progress | None = None) -> UpdateReport:
        """Fetch a web page (or PDF, DOCX) into the corpus folder and index it (``qa.ingest.url``)."""
        add_url(self.settings.corpus_dir, url, indexed_by_sha(self.documents))
        return self.refresh(progress)

    def original(self, doc_id: str) -> Original:
        """A document's original file (PDF, DOCX, HTML, ...) from the corpus folder, while it is
        still the file that was indexed (``qa.ingest.corpus.original_file``)."""
        return original_file(self.settings.corpus_dir, self.document(doc_id))

    def remove(self, doc_id: str, progress: Progress | None = None) -> UpdateReport:
        """Drop a document from the index, then delete its file from the corpus folder.

        The index comes first: the file is deleted only once a version without the document is
        live, under the same write lock (no other writer can index it again in between). So an
        index that cannot be written deletes nothing, and a crash in between leaves the file,
        indexed again at the next update: for HTML, PDF and DOCX the index holds only the
        extracted text, and the file is all there is of the original.

        Only the file the document was indexed from is deleted: a regular file directly in the
        corpus folder (never through a link) whose sha256 is still the indexed one, checked
        before the write and again just before the delete (``indexed_file``); a file edited since,
        or another file that took its name, stays. A document whose file is already gone is just
        dropped. Acts on the index as it is on disk (``_sync``): another process may have changed
        it since this engine loaded it."""
        with self._lock:
            self._sync()
            doc = self.document(doc_id)
            if len(self.documents) == 1:
                raise BadInput(f"{doc_id} is the only document; add another before removing it")
            present = indexed_file(self.settings.corpus_dir, doc, "not deleting it") is not None
            kept: list[str] = []
            try:
                report = self._update(progress, forget=frozenset({doc.path}),
                                      then=(lambda: kept.extend(self._delete_file(doc))) if present else None)
            except store.IndexNotWritable as exc:
                raise store.IndexNotWritable(f"{exc}; {doc_id} not removed: its file and the index are as they were") \
                    from None
        if kept:
            raise BadInput(f"{doc_id}: removed from the index, but {kept[0]}")
        return report

    def _delete_file(self, doc) -> list[str]:
        """Delete the file ``doc`` was indexed from, checked once more: it may have changed since
        the first check. Why it was not deleted, if it was not (nothing when deleted or gone)."""
        try:
            found = indexed_file(self.settings.corpus_dir, doc)
        except BadInput:
            return ["its file changed meanwhile (or is another file) and was not deleted; the next update "
                    "indexes what it holds now"]
        try:
            if found is not None:
                found[0].unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            return [f"{readable_name(found[0].name)} cannot be deleted ({exc.strerror or exc}); it is indexed again "
                    "at the next update unless you delete it"]
        return []
