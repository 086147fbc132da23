"""The one list of topic names: what the text and image topic classifiers predict,
what the shipped crawl seeds (`data/seeds/default.toml`) label posts with, and what
the README lists.

Why one list on the ground floor: the seeds file once said `pet` and `baby` while
the classifiers said `pets` and `babies`, so `collect` stored posts under labels
no classifier knew. `text/`, `vision/` and `collect/` all import it from here.
"""

from __future__ import annotations

TOPICS: tuple[str, ...] = ("pets", "art", "jewellery", "food", "travel", "architecture", "babies", "nature")
