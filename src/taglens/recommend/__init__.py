"""Recommend: the Recommender and its post-ranking filters."""

from taglens.recommend.recommender import Recommender

__all__ = ["Recommender"]
