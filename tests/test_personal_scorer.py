"""The personal scorer's calibrated mode (issue 16): word -> own-tag association, base rates on
unrelated posts, words kept on disk, and no change at all without a profile.

Toy profiles built here (captions embedded with the packaged MiniLM encoder, no photos); no ../shared.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from serve_toy import toy_recommender

from taglens.models.base import Query
from taglens.models.scorers.personal import PersonalScorer
from taglens.post import Post
from taglens.profile.attach import personal_recommender
from taglens.profile.build import build_profile
from taglens.profile.store import ProfileStore, profile_from_json, profile_to_json
from taglens.profile.words import caption_words

# A reader: #bookclub only ever with the word "novel"; #tacotuesday and #hiking one-offs; #mylife everywhere.
READER = [
    ("r1", "Finished the novel on the train", ["#bookclub", "#mylife"]),
    ("r2", "Rain all day, tea and a novel", ["#bookclub", "#mylife"]),
    ("r3", "Tacos with friends downtown", ["#tacotuesday", "#mylife"]),
    ("r4", "A long novel, slowly", ["#bookclub", "#mylife"]),
    ("r5", "Ridge trail above the lake", ["#hiking", "#mylife"]),
    ("r6", "Coffee and the morning paper", ["#mylife"]),
]


def reader(words: float = 1.0) -> PersonalScorer:
    posts = [Post(id=i, text=t, hashtags=tags, meta={"time": 100.0 + n}) for n, (i, t, tags) in enumerate(READER)]
    return PersonalScorer(words=words).set_profile(build_profile("reader", posts, images=False))


@pytest.fixture(scope="module")
def scorers() -> tuple[PersonalScorer, PersonalScorer]:
    return reader(1.0), reader(0.0)


def score(scorer: PersonalScorer, text: str) -> dict[str, float]:
    return scorer.score(Query.from_post(Post(text=text)), None)  # type: ignore[arg-type]


def test_caption_words_drop_hashtags_keep_mentions():
    words = caption_words("Reading Data Feminism with @proleptic #DataFeminism https://x.org/a")
    assert "@proleptic" in words and "feminism" in words and "data" in words
    assert "datafeminism" not in words and not any("http" in w or "x.org" in w for w in words)
    assert caption_words("") == [] and caption_words("#only #tags") == []


def test_a_word_that_always_came_with_an_own_tag_raises_it(scorers):
    with_words, without = scorers
    caption = "Best novel I read this year"
    evidence = with_words.word_evidence(Query.from_post(Post(text=caption)))
    assert evidence[with_words.key_index["bookclub"]] > 0
    assert evidence[with_words.key_index["hiking"]] == 0  # never came with "novel"
    assert score(with_words, caption)["bookclub"] > score(without, caption)["bookclub"]


def test_an_unrelated_caption_does_not_get_the_tag(scorers):
    with_words, without = scorers
    caption = "Fixing my bike chain in the garage"
    assert not np.any(with_words.word_evidence(Query.from_post(Post(text=caption))))
    assert score(with_words, caption) == score(without, caption)  # no shared word: words change nothing
    assert score(with_words, caption)["bookclub"] < score(with_words, "A novel by the fire")["bookclub"]


def test_scores_are_calibrated_probabilities_and_far_posts_fall_back_to_base_rates(scorers):
    scorer, _ = scorers
    far = score(scorer, "Quarterly tax forms and spreadsheets")
    assert all(0 < v <= 1 for v in far.values())
    # The habit (on every post) outranks a one-off tag on a post like none of them ...
    assert far["mylife"] > 3 * far.get("tacotuesday", 0.0)
    # ... and a one-off tag stays small there, but rises on a post like its own.
    near = score(scorer, "Tacos with friends downtown tonight")
    assert near["tacotuesday"] > 2 * far.get("tacotuesday", 0.0)


def test_previous_relative_mode_still_available():
    posts = [Post(id=i, text=t, hashtags=tags, meta={"time": float(n)}) for n, (i, t, tags) in enumerate(READER)]
    scorer = PersonalScorer(absolute=False).set_profile(build_profile("reader", posts, images=False))
    far = score(scorer, "Quarterly tax forms and spreadsheets")
    assert far and max(far.values()) > 0


def test_the_view_reads_personal_scores_absolutely_and_the_plain_model_is_untouched():
    rec = toy_recommender()
    posts = [Post(id=i, text=t, hashtags=tags, meta={"time": float(n)}) for n, (i, t, tags) in enumerate(READER)]
    captions = [Post(text="A novel by the fire"), Post(text="Tacos tonight")]
    before = [p.to_dict() for p in rec.suggest_many(captions, k=10)]
    view = personal_recommender(rec, build_profile("reader", posts, images=False))
    # (the toy model's weighted-sum combiner rescales every scorer; the learned one reads `absolute`)
    assert "personal" not in getattr(rec.bundle.combiner, "absolute", frozenset())
    novel, tacos = (view.suggest(c, k=20) for c in captions)
    assert "bookclub" in [s.key for s in novel.hashtags] and "you" in novel.hashtags[0].evidence
    personal = view.scorer("personal")
    assert score(personal, "A novel by the fire")["bookclub"] > score(personal, "Tacos tonight")["bookclub"]
    assert [p.to_dict() for p in rec.suggest_many(captions, k=10)] == before


def test_the_learned_combiner_reads_absolute_scorers_as_they_are():
    from taglens.models.learned import LearnedCombiner

    combiner = LearnedCombiner(attached={"personal": 2.0})
    scores = {"personal": {"a": 0.2, "b": 0.1}}
    relative = combiner._attached_contributions(scores, ["a", "b"], ["personal"])
    assert relative[:, 0].tolist() == pytest.approx([2.0, 1.0])  # over the post's best: the top gets it all
    combiner.absolute = frozenset({"personal"})
    absolute = combiner._attached_contributions(scores, ["a", "b"], ["personal"])
    assert absolute[:, 0].tolist() == pytest.approx([0.4, 0.2])  # weight x unit x P(tag)
    assert LearnedCombiner.absolute == frozenset()  # per instance: other models are untouched


def test_words_survive_sqlite_and_json(tmp_path):
    posts = [Post(id=i, text=t, hashtags=tags, meta={"time": float(n)}) for n, (i, t, tags) in enumerate(READER)]
    profile = build_profile("reader", posts, images=False)
    assert profile.posts[0].words == ["finished", "novel", "train"]
    store = ProfileStore(tmp_path / "profiles")
    store.save(profile)
    loaded = store.load("reader")
    assert [p.words for p in loaded.posts] == [p.words for p in profile.posts]
    again = profile_from_json(json.loads(json.dumps(profile_to_json(loaded))))
    assert [p.words for p in again.posts] == [p.words for p in profile.posts]
    old = profile_to_json(profile)
    for post in old["posts"]:
        post.pop("words")  # an export written before words were kept still imports
    assert all(p.words == [] for p in profile_from_json(old).posts)
