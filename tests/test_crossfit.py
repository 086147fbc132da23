"""Cross-fitting the learned combiner: every post teaches it once, and never
through scorers that were fitted on that very post."""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
import pytest
from scipy import sparse
from scorer_fakes import FakeScorer

from taglens.hashtags import remove_hashtags
from taglens.models.base import Query, Scores, Vocab, register_scorer
from taglens.models.learned import _balance, _fit_listwise, validation_queries
from taglens.models.train import _fold_of, train_model
from taglens.post import Post

TAGS = [f"topic{i}" for i in range(12)]


@register_scorer
class Memoriser(FakeScorer):
    """Remembers each training caption's tags: perfect on posts it was fitted on,
    silent on any other. A combiner that sees it speak was fed leaked posts.
    (Keyed by the bare caption, as the protocol shows a post under an opaque id.)"""

    name = "test_memoriser"

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        self.seen = {bare(p.text): list(p.tag_keys) for p in posts}

    def score(self, query: Query, vocab: Vocab) -> Scores:
        return {k: 1.0 for k in self.seen.get(bare(query.post.text), [])}


def bare(text: str) -> str:
    return " ".join(remove_hashtags(text).split())


def corpus(n: int = 240) -> list[Post]:
    rng = random.Random(3)
    out = []
    for i in range(n):
        tags = ["#" + rng.choice(TAGS), "#" + rng.choice(TAGS)]
        out.append(Post(id=f"c{i}", text=f"a day of {tags[0][1:]} number {i} {' '.join(tags)}", hashtags=tags))
    return out


CONFIG = {
    "scorers": [{"name": "popularity"}, {"name": "tfidf", "min_df": 1}, {"name": "test_memoriser"}],
    "combiner": {"type": "learned"},
}


def test_cross_fitted_combiner_never_sees_a_scorer_fitted_on_the_asked_post() -> None:
    bundle = train_model(corpus(), {**CONFIG, "crossfit_folds": 3})
    assert "test_memoriser" not in bundle.combiner.trained  # it never spoke on a held-out post
    assert "tfidf" in bundle.combiner.trained
    assert bundle.training["validation_posts"] == 240  # every post served as validation once
    # the shipped scorers are fitted on everything
    memo = next(s for s in bundle.scorers if s.name == "test_memoriser")
    assert len(memo.seen) == 240


def test_the_leak_check_itself_can_fail() -> None:
    """Fitting the combiner on the scorers' own training posts lets the memoriser speak."""
    posts = corpus()
    bundle = train_model(posts, CONFIG, validation=posts)
    assert "test_memoriser" in bundle.combiner.trained


def test_cross_fitted_model_ranks_the_caption_topic_first() -> None:
    bundle = train_model(corpus(), {**CONFIG, "crossfit_folds": 3})
    q = Query.from_post(Post(text="a day of topic7 number 999"))
    per = {s.name: s.score(q, bundle.vocab) for s in bundle.scorers}
    assert bundle.combiner.combine(per)[0].key == "topic7"


def test_folds_are_stable_and_balanced() -> None:
    ids = [f"post-{i}" for i in range(3000)]
    folds = [_fold_of(i, 3) for i in ids]
    assert folds == [_fold_of(i, 3) for i in ids]
    assert all(900 < folds.count(k) < 1100 for k in range(3))


def test_validation_queries_cap_each_kind_separately() -> None:
    captions = [Post(id=f"c{i}", text=f"caption {i} #a #b", hashtags=["#a", "#b"]) for i in range(50)]
    tag_lists = [Post(id=f"t{i}", text="", hashtags=["#a", "#b"]) for i in range(200)]
    untagged = [Post(id=f"u{i}", text="nothing to hide") for i in range(100)]
    queries, gold = validation_queries(captions + tag_lists + untagged, limit=30, seed=1)
    with_caption = [q for q in queries if q.post.text.strip()]
    assert len(with_caption) == 30 and len(queries) == 60
    assert all(g for g in gold)
    # a caption query hides every tag; a tag-list query keeps the first
    assert all(not q.given for q in with_caption)
    assert all(q.given == ("a",) for q in queries if not q.post.text.strip())


def test_validation_queries_take_a_cap_per_kind() -> None:
    captions = [Post(id=f"c{i}", text=f"caption {i} #a", hashtags=["#a"]) for i in range(50)]
    tag_lists = [Post(id=f"t{i}", text="", hashtags=["#a", "#b"]) for i in range(200)]
    queries, _ = validation_queries(captions + tag_lists, limit={"caption": 40, "given1": 5}, seed=1)
    assert sum(bool(q.post.text.strip()) for q in queries) == 40 and len(queries) == 45


def test_each_query_kind_carries_half_the_loss() -> None:
    weights = _balance([True] * 9 + [False])  # nine captioned posts, one tag list
    assert weights[:9].sum() == pytest.approx(weights[9:].sum())
    assert weights.mean() == pytest.approx(1.0)  # the loss keeps its scale, so L2 keeps its meaning
    assert list(_balance([True, True])) == [1.0, 1.0]


def test_listwise_fit_follows_the_post_weights() -> None:
    # one feature; post A's gold candidate has it, post B's gold candidate lacks it
    post_a = (sparse.csr_matrix(np.array([[1.0], [0.0]], dtype=np.float32)), np.array([True, False]))
    post_b = (sparse.csr_matrix(np.array([[1.0], [0.0]], dtype=np.float32)), np.array([False, True]))
    free = np.array([True])
    leaning_a = _fit_listwise([post_a, post_b], free, 1e-3, np.array([1.9, 0.1]))
    leaning_b = _fit_listwise([post_a, post_b], free, 1e-3, np.array([0.1, 1.9]))
    assert leaning_a[0] > 0 > leaning_b[0]
