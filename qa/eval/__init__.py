"""Retrieval evaluation: public benchmarks (BEIR, SQuAD) and the project's development sets.

The command line front end is ``python -m qa eval`` (``qa.cli.eval``); this package does the
work and imports numpy, ranx and the model only when used. Metrics come from ranx.
"""
from .cache import CachedEmbedder
from .datasets import SPLITS, EvalSet, load_beir, load_squad
from .devsets import evaluate_devsets
from .runner import METRICS, build_searcher, evaluate_set, parse_methods, rank_queries, score_run

__all__ = ["CachedEmbedder", "EvalSet", "METRICS", "SPLITS", "build_searcher", "evaluate_devsets", "evaluate_set",
           "load_beir", "load_squad", "parse_methods", "rank_queries", "score_run"]
