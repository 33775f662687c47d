"""Cited-passage Q&A over a set of documents: verbatim passages with citations, never new claims.

Public API::

    from qa import Engine, Settings
    engine = Engine.open(Settings())          # builds or updates index/ when needed
    answer = engine.ask("Who confronted Putin?", top_k=5)
    answer.answered, answer.passages[0].text  # text == document.text[start:end]
"""
from .config import MAX_FILE_BYTES, MAX_QUESTION_CHARS, Settings
from .engine import Engine
from .ingest.readers import SUPPORTED
from .errors import BadInput, IndexProblem, ModelProblem, QAError
from .types import Answer, Block, Comparison, DocCoverage, Document, Hit

__all__ = ["Engine", "Settings", "Answer", "Hit", "Document", "Block", "Comparison", "DocCoverage",
           "QAError", "BadInput", "IndexProblem", "ModelProblem",
           "SUPPORTED", "MAX_QUESTION_CHARS", "MAX_FILE_BYTES"]
