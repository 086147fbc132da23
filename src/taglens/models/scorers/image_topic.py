"""image_topic: the picture's topic, and the hashtags that name it.

The topic head (taglens.vision.topic; trained on real photos by
scripts/train_image_topic.py, shipped in package data) gives p(topic | pictures),
averaged over a post's photos and video frames, over 8 topics and a calibrated
"none of these" (a laptop, a sports car: the post then gets no topic and no topic tags
beyond the small mass left on the real topics). Two outputs:

* the post's topic, `query.cache["topic"]` (a TopicPrediction, reported in the JSON).
  A text topic classifier that leaves its probabilities in
  `query.cache["text_topic_probs"]` ({topic: p}) is combined by a product of the two
  distributions (independent evidence); a text `TopicPrediction` already there with no
  probabilities is kept only when it is more confident than the image's.
* tag scores: each topic is bridged to vocabulary tags by sentence embeddings of a
  short description ('food: delicious meals and dishes') - no hand-picked tag lists -
  and a tag's score is sum_t p(t) x bridge(t, tag).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from taglens.models.arrays import load_csr, save_csr
from taglens.models.base import Query, Scorer, Scores, Vocab, register_scorer, top_scores
from taglens.post import Post, TopicPrediction
from taglens.vision.encoder import DEFAULT_ENCODER, encoders_dir
from taglens.vision.features import ensure_image_evidence
from taglens.vision.topic import NONE, TopicHead
from taglens.vision.zeroshot import build_bridge

DESCRIPTIONS = {  # generic on purpose: a cat photo's topic must not propose #dog
    "pets": "pets and animals",
    "art": "art and artwork",
    "jewellery": "jewellery and jewelry",
    "food": "food and meals",
    "travel": "travel and trips",
    "architecture": "architecture and buildings",
    "babies": "babies and kids",
    "nature": "nature and landscapes",
}
TEXT_PROBS_KEY = "text_topic_probs"
PROBS_KEY = "image_topic_probs"
OFF_TOPIC_KEY = "image_topic_none"  # the head's p('none of these') for the post's pictures


def off_topic(query: Query) -> float:
    """p('none of these') of the post's pictures, from the topic head (0 when it did not run or
    has no such answer): how far the post lies from the topics the corpus knows."""
    return float(query.cache.get(OFF_TOPIC_KEY, 0.0))


@register_scorer
class ImageTopicScorer(Scorer):
    name = "image_topic"

    def __init__(self, encoder: str = DEFAULT_ENCODER, head: str | None = None, per_topic: int = 12,
                 floor: float = 0.3, popularity: float = 0.5, limit: int = 50, **params: Any) -> None:
        super().__init__(encoder=encoder, head=head, per_topic=per_topic, floor=floor,
                         popularity=popularity, limit=limit, **params)
        self.encoder, self.per_topic, self.floor = encoder, int(per_topic), float(floor)
        self.popularity, self.limit = float(popularity), int(limit)
        self.head_path = Path(head) if head else encoders_dir() / "topic8_head.npz"
        self.head: TopicHead | None = None
        self.bridge: sparse.csr_matrix | None = None

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        """Load the trained topic head and bridge its topics to this vocabulary."""
        from taglens.text.sentence import SentenceEncoder
        from taglens.models.scorers.image_zeroshot import _tag_texts

        self.head = TopicHead.load(self.head_path)
        text = SentenceEncoder.load()
        topics = text.encode([DESCRIPTIONS.get(t, t) for t in self.head.topics if t != NONE])
        tags = text.encode(_tag_texts(vocab.displays))
        self.bridge = build_bridge(topics, tags, vocab.counts, self.per_topic, self.floor, self.popularity)

    def topic_probs(self, queries: Sequence[Query]) -> list[np.ndarray | None]:
        """p(topic | pictures) per query (None without pictures); also sets each post's topic."""
        if self.head is None:
            raise RuntimeError("image_topic used before fit or load")
        out: list[np.ndarray | None] = []
        for query, evidence in zip(queries, ensure_image_evidence(queries, self.encoder), strict=True):
            if evidence is None or evidence.probs is None:
                out.append(None)
                continue
            if PROBS_KEY not in query.cache:
                query.cache[PROBS_KEY] = self.head.predict(evidence.features, evidence.probs).mean(axis=0)
            probs = query.cache[PROBS_KEY]
            if NONE in self.head.topics:
                query.cache[OFF_TOPIC_KEY] = float(probs[list(self.head.topics).index(NONE)])
            topic = merge_topic(self.head.topics, probs, query.cache)
            if topic.label != NONE:  # "none of these": the post gets no topic from its pictures
                query.cache["topic"] = topic
            out.append(probs)
        return out

    def score(self, query: Query, vocab: Vocab) -> Scores:
        return self.score_many([query], vocab)[0]

    def score_many(self, queries: Sequence[Query], vocab: Vocab) -> list[Scores]:
        out: list[Scores] = []
        for query, probs in zip(queries, self.topic_probs(queries), strict=True):
            if probs is None or self.bridge is None:
                out.append({})
                continue
            # the bridge has a row per real topic; "none of these" (the head's last answer) names no tag
            values = np.asarray(self.bridge.T @ probs[: self.bridge.shape[0]].astype(np.float32)).ravel()
            scores = top_scores(vocab.keys, values, self.limit, exclude=query.given)
            out.append({k: v for k, v in scores.items() if v > 0})
        return out

    def save(self, folder: Path) -> None:
        if self.head is None or self.bridge is None:
            raise RuntimeError("nothing to save: image_topic is not fitted")
        self.save_params(folder)
        shutil.copyfile(self.head_path, folder / "head.npz")
        save_csr(folder / "bridge.npz", self.bridge)

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "ImageTopicScorer":
        scorer = cls(**{**params, "head": str(folder / "head.npz")})
        scorer.params = dict(params)
        scorer.head = TopicHead.load(folder / "head.npz")
        scorer.bridge = load_csr(folder / "bridge.npz")
        if scorer.bridge.shape[1] != len(vocab):
            raise ValueError("image_topic bridge does not match the model's vocabulary")
        return scorer


def merge_topic(topics: Sequence[str], image_probs: np.ndarray, cache: dict[str, Any]) -> TopicPrediction:
    """The post's topic from the pictures, combined with text evidence when there is some."""
    text_probs = cache.get(TEXT_PROBS_KEY)
    if isinstance(text_probs, dict) and text_probs:
        text = np.asarray([float(text_probs.get(t, 0.0)) for t in topics]) + 1e-3
        joint = image_probs * text / np.sum(image_probs * text)
        best = int(np.argmax(joint))
        return TopicPrediction(topics[best], float(joint[best]))
    best = int(np.argmax(image_probs))
    mine = TopicPrediction(topics[best], float(image_probs[best]))
    existing = cache.get("topic")
    if isinstance(existing, TopicPrediction) and existing.label != mine.label and existing.score > mine.score:
        return existing
    return mine
