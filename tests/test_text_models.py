"""Text models (word2vec, GloVe, LDA, the topic classifier, per-topic routing) on a
synthetic corpus where the right answer is obvious: cat captions carry #cat, etc.
(The sentence-embedding scorers are tested in test_text_scorers.py.)"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from taglens.models.base import Query, Vocab, create_scorer, scorer_class
from taglens.post import Post

THEMES = {
    # theme: (caption words, tags)
    "pets": ("cat kitten meow purr whiskers paws furry nap sofa".split(), ["#cat", "#kitten", "#pets"]),
    "food": ("pizza pasta cheese oven dinner tasty sauce slice chef".split(), ["#pizza", "#foodie", "#food"]),
    "travel": ("beach waves sand ocean surf island sunny shore boat".split(), ["#beach", "#travel", "#ocean"]),
}
FILLER = "today really lovely great time with friends new".split()
# Per-topic tag lists in the shape of the original project's file (keys 'pet', not 'pets').
TOPIC_LISTS = {"pet": ["#cat", "#kitten", "#pets"], "food": ["#pizza", "#foodie", "#food"],
               "travel": ["#beach", "#travel", "#ocean"], "selfie": ["#me", "#travel"]}


def synthetic_posts(n_per_theme: int = 40, seed: int = 0) -> list[Post]:
    rng = random.Random(seed)
    posts = []
    for theme, (words, tags) in THEMES.items():
        for i in range(n_per_theme):
            caption = rng.sample(words, 4) + rng.sample(FILLER, 2)
            rng.shuffle(caption)
            chosen = [tags[0]] + rng.sample(tags[1:], 1)
            posts.append(Post(id=f"{theme}{i}", text=" ".join(caption), hashtags=chosen))
    rng.shuffle(posts)
    return posts


SMALL = {"dim": 16, "min_count": 1, "seed": 1}
SCORERS = {
    "word2vec": {**SMALL, "epochs": 40},
    "word2vec_cosine": {**SMALL, "epochs": 40, "mode": "cosine"},
    "glove": {**SMALL, "epochs": 40},
    "glove_cosine": {**SMALL, "epochs": 40, "mode": "cosine"},
    "word2vec_topic": {**SMALL, "epochs": 40, "min_topic_posts": 10, "topic_lists": TOPIC_LISTS},
    "glove_topic": {**SMALL, "epochs": 40, "min_topic_posts": 10, "topic_lists": TOPIC_LISTS},
    "topic": {"topic_lists": TOPIC_LISTS, "min_prob": 0.3},
    "lda": {"num_topics": 3, "passes": 20, "min_count": 1, "seed": 1},
}


def make(name: str):
    """Test ids like 'glove_cosine' are a registry name plus a variant suffix."""
    registry = name if name in {"word2vec_topic", "glove_topic"} else name.split("_")[0]
    return create_scorer(registry, **SCORERS[name])


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Post], Vocab]:
    posts = synthetic_posts()
    return posts, Vocab.build(posts)


@pytest.fixture(scope="module")
def fitted(corpus):
    posts, vocab = corpus
    out = {}
    for name in SCORERS:
        scorer = make(name)
        scorer.fit(posts, vocab)
        out[name] = scorer
    return out


def q(text: str, tags: tuple[str, ...] = ()) -> Query:
    return Query.from_post(Post(text=text, hashtags=list(tags)))


@pytest.mark.parametrize("name", list(SCORERS))
@pytest.mark.parametrize("text,expected", [
    ("my kitten having a nap, meow", "cat"),
    ("cheese pizza from the oven", "pizza"),
    ("surf and sand at the beach", "beach"),
])
def test_obvious_tag_ranks_first(fitted, corpus, name, text, expected):
    scores = fitted[name].score(q(text), corpus[1])
    assert scores, f"{name} proposed nothing for {text!r}"
    theme_tags = {t[1:] for _, tags in THEMES.values() for t in tags if expected in {x[1:] for x in tags}}
    best = max(scores, key=scores.get)
    assert best in theme_tags, f"{name}: {best!r} for {text!r}"


@pytest.mark.parametrize("name", list(SCORERS))
def test_save_load_round_trip_gives_identical_scores(fitted, corpus, tmp_path, name):
    vocab = corpus[1]
    scorer = fitted[name]
    scorer.save(tmp_path / name)
    saved = list((tmp_path / name).rglob("*"))
    assert not any(p.suffix in {".pkl", ".pickle"} for p in saved)
    loaded = scorer_class(scorer.name).load(tmp_path / name, scorer.params, vocab)
    for text, tags in [("kitten nap on the sofa", ()), ("pasta", ("#food",)), ("", ("#beach",))]:
        a, b = scorer.score(q(text, tags), vocab), loaded.score(q(text, tags), vocab)
        assert list(a) == list(b)
        np.testing.assert_allclose(list(a.values()), list(b.values()), rtol=1e-5, atol=1e-6)
    # a loaded scorer saves what it was loaded from: re-saving a shipped model loses nothing
    loaded.save(tmp_path / f"{name}-again")
    for first in (tmp_path / name).rglob("*.json"):
        again = tmp_path / f"{name}-again" / first.relative_to(tmp_path / name)
        assert json.loads(again.read_text()) == json.loads(first.read_text()), first.name


@pytest.mark.parametrize("name", list(SCORERS))
def test_empty_and_unknown_posts_give_nothing_not_errors(fitted, corpus, name):
    vocab = corpus[1]
    for text in ("", "zzqx blorp", "\ufe0f @ ", "https://t.co/x @user"):
        assert fitted[name].score(q(text), vocab) == {}


@pytest.mark.parametrize("name", list(SCORERS))
def test_given_tags_are_never_proposed(fitted, corpus, name):
    scores = fitted[name].score(q("kitten meow", ("#cat",)), corpus[1])
    assert "cat" not in scores and scores


# -- the numpy GloVe -----------------------------------------------------------

def test_cooccurrence_counts_pairs_within_window_weighted_by_distance():
    from taglens.text.glove import cooccurrence

    m = cooccurrence([[0, 1, 2], [2, 0]], n_words=3, window=2).toarray()
    assert m[0, 1] == m[1, 0] == pytest.approx(1.0)
    assert m[0, 2] == pytest.approx(0.5 + 1.0)  # distance 2 in the first, 1 in the second
    assert m[1, 2] == pytest.approx(1.0) and np.all(np.diag(m) == 0)


def test_glove_reduces_its_loss_and_places_cooccurring_words_closer():
    from taglens.text.glove import cooccurrence, train_glove

    rng = random.Random(0)
    groups = [list(range(0, 6)), list(range(6, 12))]  # words co-occur only within their group
    sentences = [rng.sample(groups[i % 2], 4) for i in range(400)]
    model = train_glove(cooccurrence(sentences, 12, window=3), dim=8, epochs=30, seed=0)
    assert model.losses[-1] < 0.5 * model.losses[0]
    v = model.vectors / np.linalg.norm(model.vectors, axis=1, keepdims=True)
    sims = v @ v.T
    within = np.mean([sims[0, j] for j in range(1, 6)])
    across = np.mean([sims[0, j] for j in range(6, 12)])
    assert within > across + 0.3


# -- the topic classifier --------------------------------------------------------

def test_topic_labels_from_tag_lists_with_generic_tags_downweighted():
    from taglens.text.topics import label_post, tag_votes

    votes = tag_votes(TOPIC_LISTS)
    assert label_post(["cat", "travel"], votes) == "pets"  # '#travel' is shared with 'selfie'
    assert label_post(["me"], votes) is None  # selfie is not one of the 8 topics
    assert label_post(["cat", "pizza"], votes) is None  # a tie stays unlabelled
    assert label_post(["unknown"], votes) is None


def test_topic_classifier_labels_captions_and_feeds_the_recommender(fitted, corpus):
    from taglens.models.combiner import WeightedSumCombiner
    from taglens.models.model_dir import ModelBundle
    from taglens.recommend.recommender import Recommender

    scorer = fitted["topic"]
    for text, topic in [("kitten nap on the sofa", "pets"), ("cheese pizza slice", "food"),
                        ("surf at the beach, sunny shore", "travel")]:
        query = q(text)
        scorer.score(query, corpus[1])
        assert query.cache["topic"].label == topic
    rec = Recommender(ModelBundle(vocab=corpus[1], scorers=[scorer], combiner=WeightedSumCombiner({"topic": 1.0})))
    prediction = rec.suggest(Post(text="purr purr, whiskers and paws"))
    assert prediction.topic is not None and prediction.topic.label == "pets"
    assert prediction.hashtags[0].key in {"cat", "kitten", "pets"}


def test_topic_scorer_keeps_a_more_confident_image_topic(fitted, corpus):
    from taglens.post import TopicPrediction

    query = q("cheese pizza slice")
    query.cache["topic"] = TopicPrediction("art", 0.999)
    fitted["topic"].score(query, corpus[1])
    assert query.cache["topic"].label == "art"
    assert set(query.cache["text_topic_probs"]) == {"pets", "food", "travel"}


@pytest.mark.parametrize("name", ["word2vec_topic", "glove_topic"])
def test_per_topic_models_exist_and_route_by_topic(fitted, corpus, name):
    scorer = fitted[name]
    assert set(scorer.spaces) == {"_global", "pets", "food", "travel"}
    query = q("kitten nap on the sofa")
    assert scorer.route(query) == "pets"


def test_a_model_with_every_text_scorer_saves_loads_and_suggests_the_same(tmp_path):
    import json

    from taglens.models.model_dir import load_model, save_model
    from taglens.models.train import train_model
    from taglens.recommend.recommender import Recommender

    lists = tmp_path / "lists.json"
    lists.write_text(json.dumps(TOPIC_LISTS))
    names = ["word2vec", "glove_topic", "lda", "topic"]
    config = {"vocab": {"min_count": 1},
              "scorers": [{"name": n, **{k: v for k, v in SCORERS[n].items() if k != "topic_lists"},
                           **({"topic_lists": str(lists)} if n in {"glove_topic", "topic"} else {})}
                          for n in names],
              "combiner": {"type": "weighted", "weights": {n: 1.0 for n in names}}}
    bundle = train_model(synthetic_posts(), config)
    save_model(bundle, tmp_path / "model")
    assert not list((tmp_path / "model").rglob("*.pkl"))
    before, after = Recommender(bundle), Recommender(load_model(tmp_path / "model"))
    for text in ["kitten nap on the sofa", "", "pizza @ Some Place"]:
        a, b = before.suggest(Post(text=text), k=5), after.suggest(Post(text=text), k=5)
        assert [s.key for s in a.hashtags] == [s.key for s in b.hashtags]
        assert a.topic == b.topic
    assert after.suggest(Post(text="kitten nap on the sofa")).topic.label == "pets"


@pytest.mark.parametrize("name", ["word2vec", "glove", "lda", "topic"])
def test_training_on_posts_without_words_gives_a_silent_scorer(name):
    posts = [Post(id=str(i), text="\ufe0f", hashtags=["#a1", "#b2"]) for i in range(3)]
    vocab = Vocab.build(posts)
    scorer = make(name)
    scorer.fit(posts, vocab)
    assert scorer.score(q("kitten"), vocab) == {}


def test_without_topic_lists_topic_scorers_train_on_own_labels_or_stay_silent(monkeypatch, tmp_path):
    from taglens.text import topics

    monkeypatch.setenv("TAGLENS_SHARED", str(tmp_path))  # no lists anywhere
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(topics, "_WARNED", set())  # said once per process: forget any earlier test's
    posts = synthetic_posts(10)
    vocab = Vocab.build(posts)
    with pytest.warns(UserWarning, match="learn only from posts that carry a topic label"):
        silent = create_scorer("topic")
        silent.fit(posts, vocab)
    assert silent.score(q("kitten meow"), vocab) == {}
    for post in posts:
        post.topic = "pets" if "cat" in post.tag_keys else "food"
    import warnings

    with warnings.catch_warnings(record=True) as again:  # said once per process (issue 17 #17)
        warnings.simplefilter("always")
        scorer = create_scorer("topic", min_prob=0.3)
        scorer.fit(posts, vocab)
    assert not [w for w in again if "hashtag lists" in str(w.message)]
    query = q("kitten meow purr")
    scorer.score(query, vocab)
    assert query.cache["topic"].label == "pets"


def test_segmentation_ablation_switch_reaches_the_embedding_scorers(fitted, corpus):
    from taglens.text.tagtext import segmentation

    scorer, vocab = fitted["word2vec"], corpus[1]
    query = Query.from_post(Post(text="#kittenmeow"))  # an unknown tag: only its words say anything
    assert scorer.score(query, vocab)
    with segmentation(False):
        assert scorer.score(Query.from_post(Post(text="#kittenmeow")), vocab) == {}


@pytest.mark.parametrize("unseen,expected", [(0.0, False), (0.5, True)])
def test_tags_never_seen_as_tokens_score_by_their_words_only_when_asked(unseen, expected):
    posts = synthetic_posts() + [Post(id="once", text="today", hashtags=["#KittenPurr"])]
    vocab = Vocab.build(posts)
    scorer = create_scorer("word2vec", **{**SMALL, "min_count": 2, "epochs": 40, "unseen_weight": unseen,
                                          "limit": 1000})
    scorer.fit(posts, vocab)
    assert ("kittenpurr" in scorer.score(q("kitten purr meow"), vocab)) is expected


def test_saving_a_model_again_keeps_its_tag_kinds_while_the_vocabulary_is_the_same(tmp_path):
    """Attaching a scorer loads the shipped model and saves it again: the tag kinds file beside
    its vocabulary (text/tagkinds.py) must survive that, and must not outlive a new vocabulary."""
    import json

    from taglens.models.model_dir import load_model, save_model
    from taglens.models.train import train_model
    from taglens.text.tagkinds import FILE

    config = {"vocab": {"min_count": 1}, "scorers": [{"name": "popularity"}, {"name": "cooccurrence"}],
              "combiner": {"type": "weighted", "weights": {"popularity": 1.0, "cooccurrence": 1.0}}}
    folder = save_model(train_model(synthetic_posts(), config), tmp_path / "model")
    kinds = {"format": "taglens-tagkinds", "kinds": {"cat": "content"}}
    (folder / FILE).write_text(json.dumps(kinds))
    again = save_model(load_model(folder), folder)  # in place, as scripts/attach_*.py do
    assert json.loads((again / FILE).read_text()) == kinds
    copy = save_model(load_model(folder), tmp_path / "copy")
    assert (copy / FILE).is_file()
    other = train_model(synthetic_posts()[: len(synthetic_posts()) // 3], config)
    other.path = folder  # a different vocabulary saved over it: the old kinds would lie
    assert load_model(folder).vocab.keys != other.vocab.keys
    assert not (save_model(other, folder) / FILE).exists()
