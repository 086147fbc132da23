"""topic: the text topic classifier as a scorer.

It puts the post's topic (one of pets, art, jewellery, food, travel,
architecture, babies, nature) into `query.cache["topic"]`, which the
Recommender reports, and its topic probabilities into
`query.cache["text_topic_probs"]` for the image topic scorer to combine with.
It also proposes each topic's characteristic tags: score(tag) = sum over topics
of P(topic | post) x P(tag | topic), where P(tag | topic) is learned from the
training posts labelled with that topic (only tags of the model's vocabulary).
See `taglens.text.topics` for how posts are labelled and the classifier trained.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taglens.models.base import Query, Scorer, Scores, Vocab, register_scorer, top_scores
from taglens.post import Post, TopicPrediction
from taglens.text.topics import NONE, TopicClassifier


@register_scorer
class TopicScorer(Scorer):
    name = "topic"

    def __init__(self, topic_lists: str | dict | None = None, min_prob: float = 0.4, none_ratio: float = 2.0,
                 c: float = 1.0, tags_per_topic: int = 100, limit: int = 100, seed: int = 0,
                 **params: Any) -> None:
        # A path is recorded; lists handed over as a mapping (tests) stay out of the manifest.
        super().__init__(topic_lists=topic_lists if isinstance(topic_lists, str) else None, min_prob=min_prob, none_ratio=none_ratio, c=c,
                         tags_per_topic=tags_per_topic, limit=limit, seed=seed, **params)
        self.classifier = TopicClassifier(topic_lists, min_prob=min_prob, none_ratio=none_ratio, c=c, seed=seed)
        self.tag_rows = np.zeros((0, 0), dtype=np.int64)  # (n_topics, k) vocab rows
        self.tag_probs = np.zeros((0, 0), dtype=np.float32)  # (n_topics, k) P(tag | topic)
        self.label_counts: dict[str, int] = {}

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        labels = self.classifier.labels_of(posts)
        self.label_counts = self.classifier.fit(posts, labels)
        self._fit_topic_tags(posts, labels, vocab)

    def _fit_topic_tags(self, posts: Sequence[Post], labels: Sequence[str | None], vocab: Vocab) -> None:
        """P(tag | topic) over the vocabulary from the posts labelled with each topic."""
        topics = self.classifier.topics
        counts = np.zeros((len(topics), len(vocab)), dtype=np.float64)
        for post, label in zip(posts, labels, strict=True):
            if label in topics:
                rows = [vocab.index[k] for k in post.tag_keys if k in vocab.index]
                counts[topics.index(label), rows] += 1.0
        k = max(1, min(int(self.params["tags_per_topic"]), len(vocab)))
        order = np.argsort(-counts, axis=1, kind="stable")[:, :k]
        top = np.take_along_axis(counts, order, axis=1)
        self.tag_rows = order.astype(np.int64)
        self.tag_probs = (top / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)).astype(np.float32)

    def predict(self, query: Query) -> dict[str, float] | None:
        """P(class | post); the topic goes to the query cache unless a more confident
        prediction (the image's) is already there."""
        probs = self.classifier.query_probabilities(query)
        mine = self.classifier.decide(probs)
        existing = query.cache.get("topic")
        if mine is not None and not (isinstance(existing, TopicPrediction) and existing.score >= mine.score):
            query.cache["topic"] = mine
        else:
            query.cache.setdefault("topic", None)
        return probs

    def score(self, query: Query, vocab: Vocab) -> Scores:
        probs = self.predict(query)
        if not probs or self.tag_rows.size == 0:
            return {}
        topics = self.classifier.topics
        weights = np.asarray([probs.get(t, 0.0) for t in topics], dtype=np.float32)
        if probs.get(NONE, 0.0) >= weights.max(initial=0.0):
            return {}
        dense = np.zeros(len(vocab), dtype=np.float32)
        np.add.at(dense, self.tag_rows.ravel(), (weights[:, None] * self.tag_probs).ravel())
        hit = np.flatnonzero(dense > 0)
        return top_scores([vocab.keys[i] for i in hit], dense[hit], int(self.params["limit"]),
                          exclude=tuple(query.given))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.classifier.save(folder)
        np.savez_compressed(folder / "topic_tags.npz", rows=self.tag_rows.astype(np.int32),
                            probs=self.tag_probs.astype(np.float32))
        (folder / "config.json").write_text(json.dumps({"params": self.params, "labels": self.label_counts}))

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "TopicScorer":
        scorer = cls(**params)
        scorer.classifier = TopicClassifier.load(folder)
        with np.load(folder / "topic_tags.npz", allow_pickle=False) as z:
            scorer.tag_rows, scorer.tag_probs = z["rows"].astype(np.int64), z["probs"].astype(np.float32)
        if scorer.tag_rows.size and scorer.tag_rows.max() >= len(vocab):
            raise ValueError("topic scorer's tags do not match the model's vocabulary")
        config = folder / "config.json"
        if config.is_file():  # the training label counts: provenance, kept through a load and save
            scorer.label_counts = json.loads(config.read_text(encoding="utf-8")).get("labels", {})
        return scorer
