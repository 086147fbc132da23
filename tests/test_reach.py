"""Issue 17 #5: a reach tier belongs to the exact form of a tag (its own feed), not to its concept."""

from __future__ import annotations

from taglens.models.base import Vocab
from taglens.recommend.reach import reach_tier, vocab_reach


def test_each_form_has_its_own_tier_and_case_does_not_split_a_form():
    vocab = Vocab(["cat", "cats", "kitten"], ["#cat", "#Cats", "#kitten"], [50, 2, 0])
    vocab.total_posts = 1000
    assert vocab_reach(vocab, "cat") == "broad"      # 5 % of posts
    assert vocab_reach(vocab, "cats") == "medium"    # 0.2 %: the plural's own feed, not the singular's
    assert vocab_reach(vocab, "kitten") == "niche" and vocab_reach(vocab, "unseen") == "niche"
    assert vocab_reach(vocab, "cats") == reach_tier(vocab.count("cats"), 1000)


def test_tier_thresholds_are_shares_of_the_corpus():
    assert [reach_tier(c, 10_000) for c in (100, 99, 10, 9, 0)] == ["broad", "medium", "medium", "niche", "niche"]
    assert reach_tier(5, 0) == "niche"
