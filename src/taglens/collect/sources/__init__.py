"""Crawl sources behind one interface (`Source`): Mastodon-compatible servers, Instagram, local files."""

from taglens.collect.sources.base import Item, Page, Source
from taglens.collect.sources.local import LocalSource
from taglens.collect.sources.mastodon import MastodonSource

__all__ = ["Item", "Page", "Source", "LocalSource", "MastodonSource"]
