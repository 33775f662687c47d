"""Retrieval evaluation: public benchmarks (BEIR, SQuAD) and the project's development sets.

The command line front end is ``qa.evaluate`` (``python -m qa eval``); this package does the
work and imports numpy, ranx and the model only when used. Metrics come from ranx.
"""
from .cache import CachedEmbedder
from .datasets import EvalSet, load_beir, load_squad
from .runner import METRICS, build_searcher, evaluate_set, rank_queries, score_run

__all__ = ["CachedEmbedder", "EvalSet", "load_beir", "load_squad", "METRICS", "build_searcher",
           "evaluate_set", "rank_queries", "score_run"]
