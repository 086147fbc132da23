"""image_zeroshot: hashtags for the post's pictures with no image-hashtag training data.

The encoder's ImageNet probabilities go through a class-to-tag bridge built from
sentence embeddings (see taglens.vision.zeroshot). Several pictures (photos and
video frames) are averaged first, so the tags all of them support rank highest.
A post without pictures gets nothing from this scorer, so text-only serving is
unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from taglens.models.arrays import load_csr, save_csr
from taglens.models.base import Query, Scorer, Scores, Vocab, register_scorer, top_scores
from taglens.post import Post
from taglens.vision.encoder import DEFAULT_ENCODER, create_encoder
from taglens.vision.features import ensure_image_evidence
from taglens.vision.zeroshot import bridge_scores, build_bridge, class_texts


def _tag_texts(displays: Sequence[str]) -> list[str]:
    try:
        from taglens.text.tagtext import tag_texts
    except ImportError:  # the text package's segmentation is optional here
        return [d.lstrip("#") for d in displays]
    return tag_texts(displays)


@functools.lru_cache(maxsize=4)
def _class_vectors(encoder: str) -> np.ndarray:
    """Sentence embeddings of the encoder's class names (with group hints); the same for every fit."""
    from taglens.text.sentence import SentenceEncoder

    labels = create_encoder(encoder).labels
    if not labels:
        raise ValueError(f"encoder {encoder!r} has no class labels to bridge from")
    return SentenceEncoder.load().encode(class_texts(labels))


@register_scorer
class ImageZeroShotScorer(Scorer):
    """sum over ImageNet classes of p(class | pictures) x text similarity(class name, tag)."""

    name = "image_zeroshot"

    def __init__(self, encoder: str = DEFAULT_ENCODER, per_class: int = 40, floor: float = 0.3,
                 popularity: float = 0.5, min_prob: float = 0.01, limit: int = 100, **params: Any) -> None:
        super().__init__(encoder=encoder, per_class=per_class, floor=floor, popularity=popularity,
                         min_prob=min_prob, limit=limit, **params)
        self.encoder, self.per_class, self.floor = encoder, int(per_class), float(floor)
        self.popularity, self.min_prob, self.limit = float(popularity), float(min_prob), int(limit)
        self.bridge: sparse.csr_matrix | None = None

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        """Build the bridge for this vocabulary; the training posts are not needed."""
        from taglens.text.sentence import SentenceEncoder

        classes = _class_vectors(self.encoder)
        tags = SentenceEncoder.load().encode(_tag_texts(vocab.displays))
        self.bridge = build_bridge(classes, tags, vocab.counts, self.per_class, self.floor, self.popularity)

    def score(self, query: Query, vocab: Vocab) -> Scores:
        return self.score_many([query], vocab)[0]

    def score_many(self, queries: Sequence[Query], vocab: Vocab) -> list[Scores]:
        if self.bridge is None:
            raise RuntimeError("image_zeroshot used before fit or load")
        out: list[Scores] = []
        for query, evidence in zip(queries, ensure_image_evidence(queries, self.encoder), strict=True):
            probs = evidence.mean_probs() if evidence is not None else None
            if probs is None:
                out.append({})
                continue
            scores = top_scores(vocab.keys, bridge_scores(self.bridge, probs, self.min_prob), self.limit,
                                exclude=query.given)
            out.append({k: v for k, v in scores.items() if v > 0})
        return out

    def save(self, folder: Path) -> None:
        if self.bridge is None:
            raise RuntimeError("nothing to save: image_zeroshot is not fitted")
        self.save_params(folder)
        save_csr(folder / "bridge.npz", self.bridge, np.float16)

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "ImageZeroShotScorer":
        scorer = cls(**params)
        scorer.bridge = load_csr(folder / "bridge.npz")
        if scorer.bridge.shape[1] != len(vocab):
            raise ValueError("image_zeroshot bridge does not match the model's vocabulary")
        return scorer
