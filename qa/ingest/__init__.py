"""Ingestion: files -> Documents with classified, offset-exact blocks (read -> clean -> split).

Pure text work: no model and no index here.
"""
from .corpus import (
    INGEST_VERSION,
    Indexed,
    add_files,
    corpus_files,
    doc_id_for,
    indexed_by_sha,
    load_document,
    read_metadata,
)
from .readers import SUPPORTED
from .url import add_url, is_url

__all__ = ["INGEST_VERSION", "SUPPORTED", "Indexed", "add_files", "add_url", "corpus_files", "doc_id_for",
           "indexed_by_sha", "is_url", "load_document", "read_metadata"]
