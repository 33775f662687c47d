"""Ingestion: files -> Documents with classified, offset-exact blocks (read -> clean -> split).

Pure text work: no model and no index here.
"""
from .corpus import INGEST_VERSION, add_files, corpus_files, doc_id_for, load_document, read_metadata
from .readers import SUPPORTED

__all__ = ["INGEST_VERSION", "SUPPORTED", "add_files", "corpus_files", "doc_id_for", "load_document",
           "read_metadata"]
