"""taglens: an offline-first multimodal hashtag generator.

    from taglens import Recommender, Post, segment
    rec = Recommender.load()
    rec.suggest(Post(text="sunset at the pier", hashtags=["#travel"]), k=10)
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from taglens.hashtags import extract_hashtags, hashtag_key  # noqa: E402
from taglens.post import Post, Prediction, Suggestion  # noqa: E402

__all__ = ["Post", "Prediction", "Recommender", "Suggestion", "extract_hashtags",
           "hashtag_key", "segment", "__version__"]


def __getattr__(name: str) -> Any:
    # Heavy parts load on first use, so `import taglens` stays fast for the CLI.
    if name == "Recommender":
        from taglens.recommend import Recommender

        return Recommender
    if name == "segment":
        from taglens.text import segment

        return segment
    raise AttributeError(name)
