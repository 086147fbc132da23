"""Scorers, combiner, model folder round trip and the Recommender's guarantees."""

from __future__ import annotations

import json

import pytest

from taglens.errors import InputError, ModelError
from taglens.models import DEFAULT_CONFIG, Query, Vocab, create_scorer, list_scorers, load_model
from taglens.models.combiner import WeightedSumCombiner, candidate_matrix
from taglens.post import Post
from taglens.recommend import Recommender

from conftest import toy_posts

CONFIG = {
    "vocab": {"min_count": 1},
    "scorers": [{"name": "popularity"}, {"name": "cooccurrence", "alpha": 1.0}],
    "combiner": {"type": "weighted", "weights": {"popularity": 0.02, "cooccurrence": 1.0}},
}


@pytest.fixture
def rec() -> Recommender:
    return Recommender.train(toy_posts(), CONFIG)


def keys(prediction) -> list[str]:
    return [s.key for s in prediction.hashtags]


def test_vocab_counts_and_display_forms():
    posts = toy_posts() + [Post(id="x", hashtags=["#Beach"]), Post(id="y", hashtags=["#Beach"])]
    vocab = Vocab.build(posts)
    assert vocab.keys[0] == "beach" and vocab.count("beach") == 6
    assert vocab.display("food") == "#food" and vocab.display("unknown") == "#unknown"
    assert Vocab.build(posts, min_count=3).keys == ["beach", "food", "sea", "foodie"]


def test_cooccurrence_follows_the_given_tag(rec):
    beach = keys(rec.only(["cooccurrence"]).suggest(Post(hashtags=["#beach"]), k=3))
    food = keys(rec.only(["cooccurrence"]).suggest(Post(hashtags=["#pasta"]), k=3))
    assert beach[0] == "sea" and set(beach) <= {"sea", "summer", "sunset", "friends"}
    assert food[0] == "food" and "beach" not in food


def test_popularity_ignores_content(rec):
    pop = rec.only(["popularity"])
    assert keys(pop.suggest(Post(text="anything"), k=2)) == ["food", "beach"]
    assert keys(pop.suggest(Post(text="anything else", hashtags=["#food"]), k=2)) == ["beach", "sea"]


def test_suggest_never_returns_a_given_tag(rec):
    post = Post(text="sun and #SEA all day", hashtags=["#Beach", "#summer"])
    got = keys(rec.suggest(post, k=20))
    assert got and not {"beach", "summer", "sea"} & set(got)


def test_banned_tags_are_filtered_unless_allowed(rec):
    banned = Recommender(rec.bundle, banned={"sea"})
    assert "sea" not in keys(banned.suggest(Post(hashtags=["#beach"]), k=10))
    assert "sea" in keys(banned.suggest(Post(hashtags=["#beach"]), k=10, allow_banned=True))


def test_scores_are_descending_and_evidence_names_scorers(rec):
    prediction = rec.suggest(Post(hashtags=["#beach"]), k=5)
    scores = [s.score for s in prediction.hashtags]
    assert scores == sorted(scores, reverse=True)
    assert prediction.hashtags[0].evidence == ["cooccurrence"]


def test_suggest_many_keeps_input_order_across_batches(rec):
    posts = [Post(id=str(i), hashtags=["#beach" if i % 2 else "#pasta"]) for i in range(7)]
    out = list(rec.suggest_many(posts, k=1, batch_size=3))
    assert [p.id for p in out] == [str(i) for i in range(7)]
    assert [p.hashtags[0].key for p in out] == ["food" if i % 2 == 0 else "sea" for i in range(7)]


def test_bad_k_is_an_input_error(rec):
    with pytest.raises(InputError):
        rec.suggest(Post(text="x"), k=0)


def test_model_folder_round_trip(tmp_path, rec):
    folder = rec.save(tmp_path / "model")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == "taglens-model" and manifest["vocab"]["size"] == len(rec.vocab)
    assert [s["name"] for s in manifest["scorers"]] == ["popularity", "cooccurrence"]
    assert len(manifest["training"]["posts_sha256"]) == 64
    assert not list(folder.rglob("*.pkl")) and not list(folder.rglob("*.pickle"))
    loaded = Recommender.load(folder)
    for post in [Post(hashtags=["#beach"]), Post(hashtags=["#food", "#dinner"]), Post(text="x")]:
        a, b = rec.suggest(post, k=6), loaded.suggest(post, k=6)
        assert [(s.key, round(s.score, 9), s.evidence) for s in a.hashtags] == \
               [(s.key, round(s.score, 9), s.evidence) for s in b.hashtags]


def test_save_over_an_existing_model_replaces_it(tmp_path, rec):
    folder = tmp_path / "model"
    rec.save(folder)
    small = Recommender.train(toy_posts()[:5], CONFIG)
    small.save(folder)
    assert len(Recommender.load(folder).vocab) == len(small.vocab)
    assert not (tmp_path / "model.old").exists()


def test_model_folder_errors(tmp_path, rec):
    with pytest.raises(ModelError, match="no model"):
        load_model(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="no manifest"):
        load_model(tmp_path / "empty")
    folder = rec.save(tmp_path / "model")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["format_version"] = 99
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="newer taglens"):
        load_model(folder)
    rec.save(tmp_path / "model2")
    (tmp_path / "model2" / "scorers" / "cooccurrence" / "counts.npz").unlink()
    with pytest.raises(ModelError, match="incomplete or damaged"):
        load_model(tmp_path / "model2")


def test_registry_creates_scorers_by_name():
    assert {"popularity", "cooccurrence"} <= set(list_scorers())
    assert create_scorer("cooccurrence", alpha=2.0).alpha == 2.0
    with pytest.raises(ModelError, match="unknown scorer"):
        create_scorer("nope")


def test_combiner_normalises_each_scorer_and_weighs_them():
    per_scorer = {"a": {"x": 10.0, "y": 5.0}, "b": {"y": 0.2, "z": 0.1}}
    names, matrix = candidate_matrix(per_scorer, ["a", "b"])
    assert names == ["x", "y", "z"]
    assert matrix.tolist() == [[1.0, 0.0], [0.5, 1.0], [0.0, 0.5]]
    ranked = WeightedSumCombiner({"a": 1.0, "b": 1.0}).combine(per_scorer)
    assert [r.key for r in ranked] == ["y", "x", "z"]
    assert ranked[0].evidence == ["b", "a"]
    assert [r.key for r in WeightedSumCombiner({"a": 1.0, "b": 0.1}).combine(per_scorer)][0] == "x"


def test_query_collects_tags_from_caption_and_list():
    query = Query.from_post(Post(text="hello #World", hashtags=["#a", "#A"]))
    assert query.given == ("a", "world")


def test_shipped_default_model_loads_and_serves():
    rec = Recommender.load()
    assert len(rec.vocab) > 500
    prediction = rec.suggest(Post(text="dinner", hashtags=["#food"]), k=5)
    assert len(prediction.hashtags) == 5 and "food" not in keys(prediction)
    assert DEFAULT_CONFIG["scorers"]


def test_popularity_fills_its_limit_past_the_given_tags():
    import numpy as np

    vocab = Vocab([f"t{i}" for i in range(10)], [f"#t{i}" for i in range(10)], list(range(100, 0, -10)))
    scorer = create_scorer("popularity", limit=3)
    scores = scorer.score(Query.from_post(Post(hashtags=["#t0", "#t2"])), vocab)
    assert list(scores) == ["t1", "t3", "t4"]
    assert scores["t1"] == pytest.approx(np.log1p(90) / np.log1p(max(vocab.total_posts, 100)))
    assert scores["t1"] > scores["t3"] > scores["t4"] > 0
