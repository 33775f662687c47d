"""Search: the first stage (dense + BM25, fused), the evidence test, topic comparison and
conversation follow-ups."""
from .compare import compare
from .followup import SearchPlan, Turn, is_follow_up, search_plan
from .fusion import METHODS
from .retrieve import CANDIDATES, Scored, Searcher, check_question

__all__ = ["CANDIDATES", "METHODS", "Scored", "SearchPlan", "Searcher", "Turn", "check_question", "compare",
           "is_follow_up", "search_plan"]
