"""The index: embed passages and sentences, store them with a vector and a BM25 index, one
self-describing version folder at a time (embed -> store; ``build`` keeps it in line with the
corpus folder)."""
from .build import Progress, UpdateReport, compatible, is_fresh, remembered_corpus, update_index
from ..models.embed import Embedder
from .manifest import FORMAT_VERSION, Manifest
from .store import IndexVersion
from .table import PassageTable

__all__ = ["Embedder", "FORMAT_VERSION", "IndexVersion", "Manifest", "PassageTable", "Progress", "UpdateReport",
           "compatible", "is_fresh", "remembered_corpus", "update_index"]
