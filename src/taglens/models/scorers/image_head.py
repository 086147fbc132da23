"""image_head: hashtags learned from the training corpus's own pictures.

When the training posts have images, a multi-label head (taglens.vision.taghead)
is fitted on their encoder features; several pictures of a post are averaged.
The L2 penalty is strong by default (1000 / posts): a few hundred posts against 1280
features overfit otherwise (chosen on the validation split of the Instagram
benchmark: A@5 0.60 at l2=1, 0.66 at 1000).
Trained on a corpus without images it stays empty and proposes nothing, so the
same config works for text-only and multimodal corpora.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taglens.models.base import Query, Scorer, Scores, Vocab, register_scorer, top_scores
from taglens.post import Post
from taglens.vision.encoder import DEFAULT_ENCODER
from taglens.vision.features import ensure_image_evidence, per_pictured_post
from taglens.vision.taghead import TagHead, fit_tag_head


def post_features(posts: Sequence[Post], encoder: str = DEFAULT_ENCODER) -> tuple[list[int], np.ndarray]:
    """Indices of posts with at least one readable picture, and their mean features."""
    queries = [Query(post=p) for p in posts]
    evidence = ensure_image_evidence(queries, encoder)
    keep = [i for i, e in enumerate(evidence) if e is not None]
    feats = np.stack([evidence[i].mean_feature() for i in keep]) if keep else np.zeros((0, 1280), np.float32)
    return keep, feats


@register_scorer
class ImageHeadScorer(Scorer):
    name = "image_head"

    def __init__(self, encoder: str = DEFAULT_ENCODER, min_posts: int = 3, max_tags: int = 2000,
                 l2: float = 1000.0, limit: int = 100, **params: Any) -> None:
        super().__init__(encoder=encoder, min_posts=min_posts, max_tags=max_tags, l2=l2, limit=limit, **params)
        self.encoder, self.min_posts, self.max_tags = encoder, int(min_posts), int(max_tags)
        self.l2, self.limit = float(l2), int(limit)
        self.head = TagHead.empty()

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        with_pictures = [p for p in posts if (p.images or p.video) and p.tag_keys]
        keep, feats = post_features(with_pictures, self.encoder)
        if not keep:
            self.head = TagHead.empty()
            return
        rows = [with_pictures[i] for i in keep]
        counts: dict[int, int] = {}
        for post in rows:
            for key in post.tag_keys:
                if key in vocab.index:
                    counts[vocab.index[key]] = counts.get(vocab.index[key], 0) + 1
        tag_ids = np.asarray(sorted((t for t, n in counts.items() if n >= self.min_posts),
                                    key=lambda t: -counts[t])[: self.max_tags], dtype=np.int32)
        if not len(tag_ids):
            self.head = TagHead.empty()
            return
        column = {int(t): j for j, t in enumerate(tag_ids)}
        targets = np.zeros((len(rows), len(tag_ids)))
        for i, post in enumerate(rows):
            for key in post.tag_keys:
                j = column.get(vocab.index.get(key, -1))
                if j is not None:
                    targets[i, j] = 1.0
        self.head = fit_tag_head(feats, targets, tag_ids, l2=self.l2)

    def score(self, query: Query, vocab: Vocab) -> Scores:
        return self.score_many([query], vocab)[0]

    def score_many(self, queries: Sequence[Query], vocab: Vocab) -> list[Scores]:
        if not len(self.head.tag_ids):
            return [{} for _ in queries]
        keys = [vocab.keys[i] for i in self.head.tag_ids]
        return per_pictured_post(queries, self.encoder, lambda query, evidence: top_scores(
            keys, self.head.predict(evidence.features).mean(axis=0), self.limit, exclude=query.given), dict)

    def save(self, folder: Path) -> None:
        self.save_params(folder)
        h = self.head
        np.savez_compressed(folder / "head.npz", tag_ids=h.tag_ids, weight=h.weight.astype(np.float16),
                            bias=h.bias.astype(np.float32), mean=h.mean.astype(np.float32),
                            scale=h.scale.astype(np.float32))

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "ImageHeadScorer":
        scorer = cls(**params)
        with np.load(folder / "head.npz", allow_pickle=False) as z:
            scorer.head = TagHead(z["tag_ids"].astype(np.int32), z["weight"].astype(np.float32),
                                  z["bias"].astype(np.float32), z["mean"].astype(np.float32),
                                  z["scale"].astype(np.float32))
        vocab.check_ids(scorer.head.tag_ids, "image_head")
        return scorer
