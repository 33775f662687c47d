"""Cited-passage Q&A over a set of documents: verbatim passages with citations, never new claims.

Public API::

    from qa import Engine, Settings
    engine = Engine.open(Settings())          # builds or updates index/ when needed
    answer = engine.ask("Who confronted Putin?", top_k=5)
    answer.answered, answer.passages[0].text  # text == document.text[start:end]
    engine.compare("mobilisation")            # which documents cover a topic
    engine.overview()                         # alignment, topics, quoted sources

The subpackages follow the data flow (ingest -> index -> search -> analysis -> present, and
eval); front ends use this module, ``qa.present`` to render and ``qa.search`` for follow-ups.
"""
from .config import DEFAULT_TOP_K, MAX_FILE_BYTES, MAX_QUESTION_CHARS, Settings
from .engine import Engine
from .errors import BadInput, IndexProblem, ModelProblem, QAError
from .ingest import SUPPORTED
from .types import Answer, Block, Comparison, DocCoverage, Document, Hit, TextSpan

__all__ = ["Engine", "Settings", "Answer", "Hit", "Document", "Block", "Comparison", "DocCoverage", "TextSpan",
           "QAError", "BadInput", "IndexProblem", "ModelProblem",
           "SUPPORTED", "DEFAULT_TOP_K", "MAX_QUESTION_CHARS", "MAX_FILE_BYTES"]
