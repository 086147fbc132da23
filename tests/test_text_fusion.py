"""The learned combiner: it learns which scorer to trust, names it as evidence,
copes with scorers absent for a post, and survives the model folder."""

from __future__ import annotations

import random

import pytest
from scorer_fakes import FakeScorer

from taglens.models.base import Query, Scores, Vocab
from taglens.models.combiner import combiner_from_config
from taglens.models.learned import LearnedCombiner
from taglens.models.model_dir import ModelBundle
from taglens.post import Post

TAGS = [f"t{i}" for i in range(30)]


class Informative(FakeScorer):
    """Knows the hidden tag: the caption names it ('about t7'); adds decoys."""

    name = "informative"

    def score(self, query: Query, vocab: Vocab) -> Scores:
        rng = random.Random(query.post.text)
        word = query.post.text.split()[-1]
        out = {t: rng.uniform(0.0, 0.6) for t in rng.sample(TAGS, 8)}
        out[word] = rng.uniform(0.5, 1.0)
        return out


class Noisy(FakeScorer):
    """Random scores over random tags: no information."""

    name = "noisy"

    def score(self, query: Query, vocab: Vocab) -> Scores:
        rng = random.Random("n" + query.post.text)
        return {t: rng.random() for t in rng.sample(TAGS, 12)}


class Absent(FakeScorer):
    """An image scorer on text-only posts: never says anything."""

    name = "absent"

    def score(self, query: Query, vocab: Vocab) -> Scores:
        return {}


def posts(n: int, seed: int) -> list[Post]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        tag = rng.choice(TAGS)
        out.append(Post(id=f"p{seed}-{i}", text=f"post {i} about {tag}", hashtags=["#" + tag]))
    return out


@pytest.fixture(scope="module")
def trained() -> tuple[LearnedCombiner, ModelBundle]:
    vocab = Vocab(TAGS, ["#" + t for t in TAGS], [10] * len(TAGS))
    combiner = LearnedCombiner(fixed={"absent": 1.0})
    bundle = ModelBundle(vocab=vocab, scorers=[Noisy(), Informative(), Absent()], combiner=combiner)
    combiner.fit(bundle, posts(300, seed=1))
    return combiner, bundle


def test_learns_to_prefer_the_informative_scorer(trained) -> None:
    combiner, bundle = trained
    names = combiner.features.names
    w = dict(zip(names, combiner.weights, strict=True))
    assert w["norm:informative"] + w["raw:informative"] > w["norm:noisy"] + w["raw:noisy"]
    hits = 0
    test = posts(100, seed=2)
    for post in test:
        q = Query.from_post(Post(text=post.text))
        ranked = combiner.combine({s.name: s.score(q, bundle.vocab) for s in bundle.scorers})
        hits += ranked[0].key == post.tag_keys[0]
    assert hits >= 80  # ~ the informative scorer alone; random ranking would hit ~3


def test_evidence_names_the_scorer_that_put_the_tag_there(trained) -> None:
    combiner, bundle = trained
    q = Query.from_post(Post(text="post about t3"))
    ranked = combiner.combine({s.name: s.score(q, bundle.vocab) for s in bundle.scorers})
    assert ranked[0].key == "t3"
    assert ranked[0].evidence[0] == "informative"


def test_untrainable_scorer_gets_its_fixed_weight_and_absence_changes_nothing(trained) -> None:
    combiner, bundle = trained
    assert "absent" not in combiner.trained
    w = dict(zip(combiner.features.names, combiner.weights, strict=True))
    assert w["norm:absent"] > 0  # fixed prior, relative to the learned scale
    q = Query.from_post(Post(text="post about t5"))
    per = {s.name: s.score(q, bundle.vocab) for s in bundle.scorers}
    without = [r.key for r in combiner.combine({k: v for k, v in per.items() if k != "absent"})]
    assert [r.key for r in combiner.combine(per)] == without
    # when it does speak (a post with an image), its tag can rise
    per["absent"] = {"t29": 1.0}
    boosted = [r.key for r in combiner.combine(per)]
    assert boosted.index("t29") < without.index("t29") if "t29" in without else "t29" in boosted


def test_weights_round_trip_through_the_manifest_config(trained) -> None:
    combiner, bundle = trained
    again = combiner_from_config(combiner.to_config())
    again.bind(bundle.vocab)
    q = Query.from_post(Post(text="post about t9"))
    per = {s.name: s.score(q, bundle.vocab) for s in bundle.scorers}
    first = combiner.combine(per)
    second = again.combine(per)
    assert [r.key for r in first] == [r.key for r in second]
    assert [r.score for r in first] == pytest.approx([r.score for r in second], abs=1e-4)


def test_unfitted_combiner_says_so() -> None:
    with pytest.raises(RuntimeError, match="before fit"):
        LearnedCombiner(scorers=["a"]).combine({"a": {"x": 1.0}})
