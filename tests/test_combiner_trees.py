"""Residual trees on the learned combiner: they find what a linear score cannot,
stay out of posts their gate scorer did not speak on, and round-trip as npz."""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np
import pytest

import lightgbm  # noqa: E402,F401 - declared (train extra): a missing one fails, never skips

from scorer_fakes import FakeScorer  # noqa: E402

from taglens.models.base import Query, Scores, Vocab  # noqa: E402
from taglens.models.combiner import combiner_from_config  # noqa: E402
from taglens.models.learned import LearnedCombiner  # noqa: E402
from taglens.models.model_dir import ModelBundle  # noqa: E402
from taglens.models.trees import TreeEnsemble  # noqa: E402
from taglens.post import Post  # noqa: E402

TAGS = [f"t{i}" for i in range(40)]


class Band(FakeScorer):
    """The hidden tag scores in the middle band (0.45..0.55); decoys score low or high.
    Any score monotone in this scorer's output ranks a decoy first."""

    name = "band"

    def score(self, query: Query, vocab: Vocab) -> Scores:
        rng = random.Random(query.post.text)
        gold = query.post.text.split()[-1]
        out = {t: rng.choice([rng.uniform(0.0, 0.3), rng.uniform(0.7, 1.0)]) for t in rng.sample(TAGS, 12)}
        out.pop(gold, None)
        out[gold] = rng.uniform(0.45, 0.55)
        return out


class Gate(FakeScorer):
    """Speaks only on posts whose text says 'caption' (the trees' gate)."""

    name = "gate"

    def score(self, query: Query, vocab: Vocab) -> Scores:
        return {"t0": 0.01} if "caption" in query.post.text else {}


def posts(n: int, seed: int, word: str = "caption") -> list[Post]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        tag = rng.choice(TAGS[1:])
        out.append(Post(id=f"p{seed}-{i}", text=f"{word} {i} about {tag}", hashtags=["#" + tag]))
    return out


def fitted(trees: dict[str, Any] | None) -> tuple[LearnedCombiner, ModelBundle]:
    vocab = Vocab(TAGS, ["#" + t for t in TAGS], [10] * len(TAGS))
    combiner = LearnedCombiner(trees=trees)
    bundle = ModelBundle(vocab=vocab, scorers=[Band(), Gate()], combiner=combiner)
    combiner.fit(bundle, posts(400, seed=1))
    return combiner, bundle


TREES = {"gate": "gate", "rounds": 60, "min_data_in_leaf": 5, "num_leaves": 7}


def hits(combiner: LearnedCombiner, bundle: ModelBundle, test: list[Post]) -> int:
    n = 0
    for post in test:
        q = Query.from_post(Post(text=post.text))
        ranked = combiner.combine({s.name: s.score(q, bundle.vocab) for s in bundle.scorers})
        n += ranked[0].key == post.tag_keys[0]
    return n


def test_trees_find_a_band_that_no_linear_score_can() -> None:
    linear, bundle = fitted(None)
    boosted, _ = fitted(TREES)
    assert isinstance(boosted.trees, TreeEnsemble) and len(boosted.trees) == 60
    test = posts(100, seed=2)
    assert hits(linear, bundle, test) < 40
    assert hits(boosted, bundle, test) >= 85


def test_trees_stay_out_of_posts_their_gate_did_not_speak_on() -> None:
    boosted, bundle = fitted(TREES)
    linear = LearnedCombiner(scorers=boosted.scorers, weights=boosted.weights, contexts=boosted.contexts)
    linear.bind(bundle.vocab)
    for post in posts(20, seed=3, word="taglist"):
        q = Query.from_post(Post(text=post.text))
        per = {s.name: s.score(q, bundle.vocab) for s in bundle.scorers}
        assert not per["gate"]
        assert [r.key for r in boosted.combine(per)] == [r.key for r in linear.combine(per)]


def test_trees_round_trip_through_the_combiner_folder(tmp_path) -> None:
    boosted, bundle = fitted(TREES)
    boosted.save(tmp_path)
    assert (tmp_path / "trees.npz").is_file()
    again = combiner_from_config(boosted.to_config(), tmp_path)
    again.bind(bundle.vocab)
    q = Query.from_post(Post(text="caption 7 about t9"))
    per = {s.name: s.score(q, bundle.vocab) for s in bundle.scorers}
    first, second = boosted.combine(per), again.combine(per)
    assert [r.key for r in first] == [r.key for r in second]
    # the manifest keeps weights to 6 decimals: scores agree to that rounding, times the features' size
    assert [r.score for r in first] == pytest.approx([r.score for r in second], abs=1e-5)


def test_numpy_trees_match_lightgbm() -> None:
    import lightgbm

    rng = np.random.default_rng(0)
    x = rng.random((2000, 6)).astype(np.float32)
    y = ((x[:, 0] > 0.3) & (x[:, 0] < 0.6) | (x[:, 2] > 0.9)).astype(int)
    booster = lightgbm.train({"objective": "lambdarank", "num_leaves": 7, "verbose": -1, "num_threads": 1,
                              "min_data_in_leaf": 5}, lightgbm.Dataset(x, y, group=[50] * 40), num_boost_round=30)
    ours = TreeEnsemble.from_lightgbm(booster.dump_model())
    test = rng.random((300, 6)).astype(np.float32)
    assert np.allclose(ours.predict(test), booster.predict(test), atol=1e-9)
    assert ours.predict(test[:0]).shape == (0,)


def test_scorers_attach_to_a_combiner_with_trees_outside_its_features() -> None:
    from taglens.models.attach import IMAGE_SCORERS, add_image_scorers

    boosted, plain = fitted(TREES)
    plain.combiner.off_topic = {"image_topic": 1.0}
    attached = add_image_scorers(plain)  # no new feature columns: the trees read what they were trained on
    assert attached.combiner.off_topic == {"image_topic": 1.0}  # nor any setting lost (a profile's view attaches too)
    assert attached.combiner.trees is plain.combiner.trees
    assert attached.combiner.features.names == plain.combiner.features.names
    assert set(attached.combiner.attached) == set(IMAGE_SCORERS)
    test = posts(200, seed=2)
    assert hits(attached.combiner, attached, test) == hits(plain.combiner, plain, test)  # images silent
    loud = {**{"band": {"a": 1.0, "b": 0.5}}, "image_topic": {"z": 1.0, "b": 0.2}}
    ranked = attached.combiner.combine(loud)
    assert "z" in [r.key for r in ranked]  # an attached scorer proposes candidates of its own
    z = next(r for r in ranked if r.key == "z")
    assert z.evidence == ["image_topic"]
    # z is outside the vocabulary and the gate is silent: its whole score is the attached term
    assert z.score == pytest.approx(attached.combiner.attached["image_topic"] * attached.combiner.unit)
    again = type(attached.combiner).from_config(json.loads(json.dumps(attached.combiner.to_config())))
    again.trees = attached.combiner.trees
    again.bind(attached.vocab)
    reloaded = again.combine(loud)  # the attachment survives the manifest (weights kept to 6 decimals)
    assert [r.key for r in reloaded] == [r.key for r in ranked]
    assert [r.score for r in reloaded] == pytest.approx([r.score for r in ranked], abs=1e-4)


def test_a_floor_reads_a_probability_scorer_by_its_confidence_not_its_rank() -> None:
    """Over its own best, a post's best concept at 0.17 would weigh as much as a sure one at 0.9;
    with a floor of 0.5 it weighs 0.17 / 0.5 of it, a sure one is unchanged, and the floor
    survives the manifest and re-attaching (taglens.models.attach)."""
    from taglens.models.attach import _extend, add_image_scorers

    _boosted, plain = fitted(TREES)
    attached = add_image_scorers(plain)
    combiner = attached.combiner
    unit, weight = combiner.unit, combiner.attached["image_topic"]
    unsure, sure = {"image_topic": {"z": 0.17, "y": 0.085}}, {"image_topic": {"z": 0.9}}
    score = lambda per: next(r.score for r in combiner.combine(per) if r.key == "z")  # noqa: E731
    assert score(unsure) == pytest.approx(weight * unit)  # no floor: the best is the unit, whatever it is
    combiner.floors = {"image_topic": 0.5}
    assert score(unsure) == pytest.approx(weight * unit * 0.17 / 0.5)
    assert next(r.score for r in combiner.combine(unsure) if r.key == "y") == pytest.approx(weight * unit * 0.085 / 0.5)
    assert score(sure) == pytest.approx(weight * unit)  # above the floor: over its best, as before
    again = type(combiner).from_config(json.loads(json.dumps(combiner.to_config())))
    assert again.floors == {"image_topic": 0.5}
    assert _extend(combiner, ["image_text"], attached, {"image_text": 1.0}).floors == {"image_topic": 0.5}
    for bad in ({"image_topic": "high"}, {"image_topic": 2.0}, {"image_topic": float("nan")}, ["image_topic"]):
        with pytest.raises(ValueError, match="floor"):  # model_dir turns it into a ModelError
            type(combiner).from_config({**combiner.to_config(), "floors": bad})


def test_resetting_image_weights_keeps_the_trees() -> None:
    from taglens.models.base import create_scorer
    from taglens.models.attach import IMAGE_SCORERS, add_image_scorers

    _boosted, plain = fitted(TREES)
    images = [create_scorer(name) for name in IMAGE_SCORERS]
    for scorer in images:
        scorer.fit([], plain.vocab)
    combiner = LearnedCombiner(trees=TREES, fixed={name: 1.0 for name in IMAGE_SCORERS})
    bundle = ModelBundle(vocab=plain.vocab, scorers=[Band(), Gate(), *images], combiner=combiner)
    combiner.fit(bundle, posts(400, seed=1))
    again = add_image_scorers(bundle, fixed={name: 3.0 for name in IMAGE_SCORERS})
    assert again.combiner.trees is combiner.trees
    assert again.combiner.fixed["image_head"] == 3.0
    test = posts(200, seed=2)
    assert hits(again.combiner, again, test) == hits(combiner, bundle, test)  # text posts: images silent


def test_the_first_n_trees_are_the_model_after_n_rounds() -> None:
    import lightgbm

    rng = np.random.default_rng(1)
    x = rng.random((1000, 4)).astype(np.float32)
    y = (x[:, 1] > 0.5).astype(int)
    params = {"objective": "lambdarank", "num_leaves": 5, "verbose": -1, "num_threads": 1, "min_data_in_leaf": 5}
    booster = lightgbm.train(params, lightgbm.Dataset(x, y, group=[50] * 20), num_boost_round=20)
    ours = TreeEnsemble.from_lightgbm(booster.dump_model())
    test = rng.random((200, 4)).astype(np.float32)
    assert np.allclose(ours.first(7).predict(test), booster.predict(test, num_iteration=7), atol=1e-9)
    assert not np.allclose(ours.first(7).predict(test), ours.predict(test))
    assert np.all(ours.first(0).predict(test) == 0.0)  # no trees: the linear score alone
    with pytest.raises(Exception, match="at least 0"):
        ours.first(-1)


def test_serve_rounds_in_the_manifest_truncates_the_trees_at_load(tmp_path) -> None:
    boosted, bundle = fitted(TREES)
    boosted.save(tmp_path)
    config = boosted.to_config()
    config["trees"] = {**config["trees"], "serve_rounds": 0}
    linear = combiner_from_config(config, tmp_path)
    linear.bind(bundle.vocab)
    assert len(linear.trees) == 0 and linear.tree_params["rounds"] == 60  # the training record stays
    test = posts(100, seed=2)
    assert hits(linear, bundle, test) < 40  # the band needs the trees: zero rounds cannot find it
    assert hits(boosted, bundle, test) >= 85


def _random_ensemble(rng: np.random.Generator, width: int, trees: int, depth: int) -> TreeEnsemble:
    """Random full-ish trees, some of them a single leaf (LightGBM writes those too)."""
    feature, threshold, left, right, value, roots = [], [], [], [], [], []

    def add(level: int) -> int:
        i = len(feature)
        feature.append(-1), threshold.append(0.0), left.append(i), right.append(i)
        value.append(float(rng.normal()))
        if level < depth and rng.random() < 0.8:
            feature[i], threshold[i], value[i] = int(rng.integers(width)), float(rng.normal()), 0.0
            left[i] = add(level + 1)
            right[i] = add(level + 1)
        return i

    for t in range(trees):
        roots.append(add(depth if t % 7 == 0 else 0))  # every 7th tree is one leaf
    return TreeEnsemble(np.asarray(feature), np.asarray(threshold), np.asarray(left), np.asarray(right),
                        np.asarray(value), np.asarray(roots), depth)


def test_the_onnx_trees_score_as_the_numpy_walk() -> None:
    rng = np.random.default_rng(11)
    ensemble = _random_ensemble(rng, width=9, trees=30, depth=5)
    x = rng.normal(size=(200, 9))
    x[::13, 2] = np.nan  # NaN goes right, as LightGBM sends it
    x[5] = ensemble.threshold[ensemble.feature >= 0][0]  # a value exactly at a split goes left
    assert ensemble._session(9) is not None  # the ONNX form is what serves
    assert np.array_equal(ensemble.predict(x), ensemble.predict_numpy(x))
    assert np.array_equal(ensemble.first(4).predict(x), ensemble.first(4).predict_numpy(x))


def test_trees_reading_a_column_the_features_lack_are_refused() -> None:
    from taglens.errors import ModelError

    ensemble = _random_ensemble(np.random.default_rng(2), width=9, trees=5, depth=3)
    with pytest.raises(ModelError, match="splits on column"):
        ensemble.predict(np.zeros((3, 4)))


def test_a_damaged_trees_file_is_a_clear_error(tmp_path) -> None:
    from taglens.errors import ModelError

    good = _random_ensemble(np.random.default_rng(4), width=5, trees=4, depth=3)
    arrays = {k: getattr(good, k) for k in ("feature", "threshold", "left", "right", "value", "roots")}
    for field, damage in (("left", lambda a: a + 10_000), ("roots", lambda a: -a - 1), ("value", lambda a: a[:-1])):
        broken = dict(arrays, **{field: damage(arrays[field].copy())})
        np.savez(tmp_path / "trees.npz", depth=np.asarray(good.depth), **broken)
        with pytest.raises(ModelError, match="tree ensemble|not a taglens tree ensemble"):
            TreeEnsemble.load(tmp_path / "trees.npz")
