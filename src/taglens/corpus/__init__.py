"""Corpus: the SQLite store of posts, hashtags and media, and its importers."""

from taglens.corpus.importers import IMPORTERS, import_posts
from taglens.corpus.store import Corpus, ImportReport

__all__ = ["Corpus", "ImportReport", "IMPORTERS", "import_posts"]
