"""The profile's trust fitted on the user's own history (issue 16 follow-up): replayed in time
order, stored with the profile, refitted on feedback, and the top-5 slot rule it drives.

Synthetic histories with hand-made unit embeddings (no encoder, no ../shared).
"""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from taglens.errors import InputError
from taglens.models.combiner import Combiner, Ranked
from taglens.models.scorers.personal import PersonalScorer
from taglens.profile.model import TEXT_DIM, Profile, ProfilePost, unit_or_none
from taglens.profile.selftrust import (
    LAST, MAX_SCALE, current_self_trust, fit_self_trust, scale_of, self_trust_from_json,
)
from taglens.profile.slots import SlotCombiner, promote
from taglens.profile.store import ProfileStore, profile_from_json, profile_to_json


def history(n: int, reuse: bool, seed: int = 0) -> Profile:
    """`n` posts on three topics (captions near their topic's centre). A reuser tags each post
    with its topic's tag; the other writes a new tag on every post."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, TEXT_DIM))
    posts = []
    for i in range(n):
        topic = i % 3
        text = unit_or_none(centres[topic] + 0.15 * rng.normal(size=TEXT_DIM), TEXT_DIM)
        tags = [f"#topic{topic}"] if reuse else [f"#oneoff{i}"]
        posts.append(ProfilePost(id=f"p{i}", time=float(i), tags=tags, text=text))
    return Profile("u", posts=posts)


def test_trust_rises_for_a_user_who_reuses_tags_and_falls_for_one_who_does_not():
    reuser, loner = fit_self_trust(history(60, reuse=True)), fit_self_trust(history(60, reuse=False))
    assert reuser.replayed == loner.replayed == 57  # every post with >= 3 before it
    assert reuser.hits == reuser.replayed  # the nearest posts' topic tag was right every time
    assert reuser.scale > 1.0 > loner.scale
    assert loner.hits == 0 and loner.expected > 0  # it predicted old one-off tags and missed


def test_trust_is_shrunk_toward_the_default_by_the_posts_replayed():
    few, many = fit_self_trust(history(8, reuse=False)), fit_self_trust(history(80, reuse=False))
    assert few.replayed < many.replayed
    assert many.scale < few.scale < 1.0  # more evidence of misses, further from 1
    assert scale_of(0, 0.0, 0.0) == 1.0 and scale_of(5, 5.0, 0.0) == 1.0
    assert scale_of(10_000, 10_000.0, 1.0) == MAX_SCALE


def test_replay_never_sees_the_post_it_predicts_and_is_capped():
    profile = history(LAST + 50, reuse=False)
    trust = fit_self_trust(profile)
    assert trust.replayed == LAST and trust.posts == LAST + 50
    # a one-off tag can only be predicted by a scorer that saw its own post: never a hit
    assert trust.hits == 0
    scorer = PersonalScorer().set_profile(profile)
    rounds = scorer.replay(last=5)
    assert len(rounds) == 5 and all(not hit for top in rounds for _p, hit in top)


def test_replay_matches_scoring_the_post_from_the_posts_before_it():
    """The replay's P for post t is what the scorer gives when its profile is only posts < t."""
    profile = history(30, reuse=True)
    full = PersonalScorer().set_profile(profile)
    t = 20
    (p_replay, hit), = full.replay(last=30 - t, top=1)[0]
    before = PersonalScorer().set_profile(Profile("u", posts=profile.posts[:t]))
    sims = before.similarities(profile.posts[t].text, None)
    p_direct = before._posterior(sims)
    assert p_replay == pytest.approx(float(p_direct.max()), rel=1e-5) and hit


def test_stale_fit_is_refitted_and_current_one_reused():
    profile = history(20, reuse=True)
    profile.self_trust = fit_self_trust(profile)
    assert current_self_trust(profile) is profile.self_trust
    profile.posts.append(ProfilePost(id="new", time=99.0, tags=["#topic0"], text=profile.posts[0].text))
    fresh = current_self_trust(profile)
    assert fresh.posts == 21 and fresh is not profile.self_trust


def test_stored_in_sqlite_and_json_and_round_tripped(tmp_path):
    profile = history(20, reuse=True)
    profile.self_trust = fit_self_trust(profile)
    store = ProfileStore(tmp_path)
    path = store.save(profile)
    with sqlite3.connect(path) as conn:
        meta = dict(conn.execute("SELECT key, value FROM meta"))
    assert json.loads(meta["self_trust"])["replayed"] == profile.self_trust.replayed
    loaded = store.load("u")
    assert loaded.self_trust.to_dict() == profile.self_trust.to_dict()
    data = profile_to_json(loaded)
    assert profile_from_json(data).self_trust.to_dict() == profile.self_trust.to_dict()


def test_hostile_self_trust_is_rejected():
    profile = history(10, reuse=True)
    profile.self_trust = fit_self_trust(profile)
    good = profile_to_json(profile)["self_trust"]
    bad = [
        "high", [1], {**good, "extra": 1}, {k: v for k, v in good.items() if k != "scale"},
        {**good, "scale": 2.9}, {**good, "scale": -1.0}, {**good, "scale": True}, {**good, "scale": "1"},
        {**good, "hits": good["replayed"] + 1}, {**good, "replayed": -1}, {**good, "replayed": 1.5},
        {**good, "posts": 0}, {**good, "expected": float("inf")},
    ]
    for value in bad:
        with pytest.raises(InputError):
            self_trust_from_json(value)
    data = profile_to_json(profile)
    data["self_trust"] = {**good, "posts": 11}  # fitted on more posts than the file holds
    with pytest.raises(InputError, match="more posts"):
        profile_from_json(data)


class Fixed(Combiner):
    """A combiner that returns the model's ranking as given."""

    name = "fixed-test"

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def combine(self, per_scorer, off_topic=0.0):  # noqa: ANN001, ANN201
        return [Ranked(k, 10.0 - i, ["sentence"]) for i, k in enumerate(self.keys)]

    def to_config(self):  # noqa: ANN201
        return {}

    @classmethod
    def from_config(cls, config, folder=None):  # noqa: ANN001, ANN206
        return cls([])


def test_slot_rule_moves_a_sure_own_tag_into_the_top_five_only_when_trusted():
    model = [f"m{i}" for i in range(8)]
    mine = {"datafeminism": 0.4, "m1": 0.3, "weak": 0.05}
    keys = lambda c: [r.key for r in c.combine({"personal": mine})]  # noqa: E731
    moved = keys(SlotCombiner(Fixed(model), scale=1.0, threshold=0.1))
    assert moved[:5] == ["m0", "m1", "m2", "m3", "datafeminism"] and moved[5] == "m4"
    assert keys(SlotCombiner(Fixed(model), scale=0.2, threshold=0.1)) == model  # an untrusted profile: no slot
    two = keys(SlotCombiner(Fixed(model), scale=1.0, threshold=0.1, slots=3))
    assert two[:5] == ["m0", "m1", "m2", "m3", "datafeminism"]  # m1 already in; "weak" under the threshold
    assert keys(SlotCombiner(Fixed(model), scale=1.0, threshold=0.1)) != model
    assert keys(SlotCombiner(Fixed(model), scale=1.0, threshold=0.5)) == model
    ranked = SlotCombiner(Fixed(model), scale=1.0, threshold=0.1).combine({"personal": mine})
    assert "personal" in ranked[4].evidence
    scores = [r.score for r in ranked]
    assert scores == sorted(scores, reverse=True)


def test_promote_keeps_a_tag_already_high_and_places_two_in_order():
    ranking = [Ranked(k, 9.0 - i) for i, k in enumerate("abcdefg")]
    assert [r.key for r in promote(list(ranking), "b", 4, "personal")] == list("abcdefg")
    combiner = SlotCombiner(Fixed(list("abcdefg")), scale=1.0, threshold=0.1, slots=2)
    out = [r.key for r in combiner.combine({"personal": {"x": 0.9, "g": 0.5}})]
    assert out[:5] == ["a", "b", "c", "x", "g"]  # the surest first, both in the top five


def test_a_personal_view_still_saves_as_its_model(tmp_path):
    """The slot wrapper is invisible to saving: the view's combiner config is the model's."""
    from serve_toy import toy_recommender

    from taglens.profile.attach import personal_recommender

    rec = toy_recommender()
    view = personal_recommender(rec, history(12, reuse=True))
    assert isinstance(view.combiner, SlotCombiner) and view.combiner.name == rec.combiner.name
    assert view.combiner.to_config() == view.combiner.inner.to_config()
    assert personal_recommender(rec, history(12, reuse=True), slot_threshold=None).combiner.name == rec.combiner.name
