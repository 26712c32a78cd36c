"""Mid-call search, its public interface: build and open the index, run a query, show rows.

Query planning and ranking are kbtool's (which words, which synonyms, which corrections, how
fields weigh, what is close); the engine behind `kbtool.search.whoosh_engine` only stores and
scores. The documents come from `kbtool.publish.documents`, the same list the site search is
built from. The work is done in search_index.py, planning.py, ranking.py and rows.py.
"""

from __future__ import annotations

from kbtool.search.hits import Hit, Results
from kbtool.search.misses import log_miss, read_misses
from kbtool.search.ranking import run_query, search
from kbtool.search.rows import group_by_entry, rank_by_channel, search_rows
from kbtool.search.search_index import (
    SearchError,
    SearchIndex,
    build_index,
    fresh_index,
    freshness,
    kind_aliases,
    open_index,
)
from kbtool.search.store import META_FILE, cache_dir, content_signature
from kbtool.search.weights import FIELD_BOOSTS
from kbtool.search.whoosh_engine import stems, surface_words

__all__ = ["Hit", "Results", "SearchError", "SearchIndex", "build_index", "open_index", "fresh_index", "freshness",
           "kind_aliases", "run_query", "search", "search_rows", "group_by_entry", "rank_by_channel", "stems",
           "surface_words", "log_miss", "read_misses", "FIELD_BOOSTS", "META_FILE", "cache_dir", "content_signature"]
