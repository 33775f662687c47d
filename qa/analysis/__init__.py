"""Analysis of a whole indexed corpus: paragraph alignment, topic map, quoted-sources ledger,
and the overview that assembles them (cached beside the index version)."""
from .alignment import Alignment, Bar
from .ledger import Ledger
from .overview import DocInfo, Overview, PairRow, cache_key, compute_overview, get_overview, side_by_side
from .topics import TopicMap

__all__ = ["Alignment", "Bar", "DocInfo", "Ledger", "Overview", "PairRow", "TopicMap", "cache_key",
           "compute_overview", "get_overview", "side_by_side"]
