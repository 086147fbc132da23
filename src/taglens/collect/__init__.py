"""Data collection: a seed-hashtag crawl widened by segmentation, resumable and polite.

    from taglens.collect import Crawler, CrawlConfig, Expander, load_seeds, default_relevance
    from taglens.collect.sources import MastodonSource

See `crawl.py` for the loop, `expand.py` for how new hashtags are chosen,
`http.py` for the politeness rules and `sources/` for where posts come from.
"""

from taglens.collect.crawl import CrawlConfig, Crawler, CrawlSummary
from taglens.collect.expand import Expander, default_relevance
from taglens.collect.http import FetchError, HttpConfig, MediaError, PoliteClient
from taglens.collect.seeds import Seeds, Topic, load_seeds

__all__ = [
    "CrawlConfig", "Crawler", "CrawlSummary", "Expander", "default_relevance",
    "FetchError", "HttpConfig", "MediaError", "PoliteClient", "Seeds", "Topic", "load_seeds",
]
