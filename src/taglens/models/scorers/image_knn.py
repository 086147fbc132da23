"""image_knn: the training posts whose pictures look most like this one vote for their tags.

Why next to the linear image head: on Instagram the same account posts look-alike
photos (the same shop counter, the same product shot) with the same tag set, a
convention a linear head over 1280 features smooths away and nearest neighbours
keep. Features are L2-normalised, so a dot product is a cosine; each of the `k`
nearest posts votes with weight exp((cos - best) / temperature) for its tags.
Stays empty on a corpus without pictures. At most `max_posts` posts are kept
(float16), which bounds the model folder (2,000 posts ~ 5 MB).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taglens.models.base import Query, Scorer, Scores, Vocab, register_scorer, top_scores
from taglens.models.scorers.image_head import post_features
from taglens.post import Post
from taglens.vision.encoder import DEFAULT_ENCODER
from taglens.vision.features import ImageEvidence, per_pictured_post


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


@register_scorer
class ImageKnnScorer(Scorer):
    name = "image_knn"

    def __init__(self, encoder: str = DEFAULT_ENCODER, k: int = 10, temperature: float = 0.05,
                 max_posts: int = 2000, limit: int = 100, seed: int = 13, **params: Any) -> None:
        super().__init__(encoder=encoder, k=k, temperature=temperature, max_posts=max_posts,
                         limit=limit, seed=seed, **params)
        self.encoder, self.k, self.temperature = encoder, int(k), float(temperature)
        self.max_posts, self.limit, self.seed = int(max_posts), int(limit), int(seed)
        self.features = np.zeros((0, 1280), np.float32)
        self.tag_ptr = np.zeros(1, np.int64)
        self.tag_ids = np.zeros(0, np.int32)

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        candidates = [p for p in posts if (p.images or p.video) and any(k in vocab.index for k in p.tag_keys)]
        if len(candidates) > self.max_posts:
            pick = np.random.default_rng(self.seed).choice(len(candidates), self.max_posts, replace=False)
            candidates = [candidates[i] for i in sorted(pick)]
        keep, feats = post_features(candidates, self.encoder)
        ids = [[vocab.index[k] for k in candidates[i].tag_keys if k in vocab.index] for i in keep]
        self.features = _unit(feats).astype(np.float32)
        self.tag_ptr = np.cumsum([0] + [len(x) for x in ids]).astype(np.int64)
        self.tag_ids = np.asarray([t for x in ids for t in x], dtype=np.int32)

    def score(self, query: Query, vocab: Vocab) -> Scores:
        return self.score_many([query], vocab)[0]

    def score_many(self, queries: Sequence[Query], vocab: Vocab) -> list[Scores]:
        if not len(self.features):
            return [{} for _ in queries]
        return per_pictured_post(queries, self.encoder, lambda query, evidence: self._vote(query, evidence, vocab),
                                 dict)

    def _vote(self, query: Query, evidence: ImageEvidence, vocab: Vocab) -> Scores:
        """The look-alike training photos' tags, each photo's vote by its softmax similarity."""
        sims = self.features @ _unit(evidence.mean_feature())
        take = min(self.k, len(sims))
        near = np.argpartition(-sims, take - 1)[:take]
        votes = np.exp((sims[near] - sims[near].max()) / self.temperature)
        totals = np.zeros(len(vocab))
        for j, v in zip(near, votes / votes.sum(), strict=True):
            np.add.at(totals, self.tag_ids[self.tag_ptr[j]:self.tag_ptr[j + 1]], v)
        scores = top_scores(vocab.keys, totals, self.limit, exclude=query.given)
        return {k: s for k, s in scores.items() if s > 0}

    def save(self, folder: Path) -> None:
        self.save_params(folder)
        np.savez_compressed(folder / "neighbours.npz", features=self.features.astype(np.float16),
                            tag_ptr=self.tag_ptr, tag_ids=self.tag_ids)

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "ImageKnnScorer":
        scorer = cls(**params)
        with np.load(folder / "neighbours.npz", allow_pickle=False) as z:
            scorer.features = z["features"].astype(np.float32)
            scorer.tag_ptr, scorer.tag_ids = z["tag_ptr"].astype(np.int64), z["tag_ids"].astype(np.int32)
        vocab.check_ids(scorer.tag_ids, "image_knn")
        return scorer
