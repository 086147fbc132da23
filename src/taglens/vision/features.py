"""A post's pictures, encoded once per post and shared by every image scorer.

Why here and not in each scorer: encoding is the expensive step (~8 ms a photo on
one core), and the zero-shot, topic and learned-head scorers all read the same
probabilities and features. `ensure_image_evidence` loads and encodes the images
of every query in a batch that is missing them, in one encoder call, and stores
the result in `query.cache`; a bad image becomes a warning on its post and the
rest of the post is still served.

Where the pictures come from: `query.cache["image_sources"]` when a caller put
uploads there (bytes, paths or PIL images, e.g. the REST API), else the post's
`images` paths and its `video`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from taglens.errors import InputError
from taglens.query import Query
from taglens.vision.encoder import DEFAULT_ENCODER, create_encoder
from taglens.vision.io import load_image
from taglens.vision.video import sample_frames

T = TypeVar("T")

SOURCES_KEY = "image_sources"
MAX_IMAGES = 20  # per post; more is almost surely a mistake and only costs time


@dataclass
class ImageEvidence:
    """Per-picture encoder outputs of one post (rows = photos, then video frames)."""

    features: np.ndarray
    probs: np.ndarray | None
    n_video_frames: int = 0

    @property
    def empty(self) -> bool:
        return len(self.features) == 0

    def mean_probs(self) -> np.ndarray | None:
        """Evidence of several pictures, averaged: a tag every photo supports ranks first."""
        return None if self.probs is None or self.empty else self.probs.mean(axis=0)

    def mean_feature(self) -> np.ndarray:
        return self.features.mean(axis=0)


def cache_key(encoder: str) -> str:
    return f"image:{encoder}"


def has_pictures(query: Query) -> bool:
    return bool(query.cache.get(SOURCES_KEY) or query.post.images or query.post.video)


def _pictures(query: Query) -> list[Any]:
    """The post's pictures as RGB images; each failure becomes one warning on the post."""
    sources = list(query.cache.get(SOURCES_KEY) or query.post.images)
    if len(sources) > MAX_IMAGES:
        query.warnings.append(f"only the first {MAX_IMAGES} of {len(sources)} images were used")
        sources = sources[:MAX_IMAGES]
    images: list[Any] = []
    for source in sources:
        if hasattr(source, "convert"):  # already a PIL image
            images.append(source.convert("RGB"))
            continue
        try:
            images.append(load_image(source))
        except InputError as exc:
            query.warnings.append(f"image skipped: {exc}")
    return images


def _frames(query: Query) -> list[Any]:
    if not query.post.video or query.cache.get(SOURCES_KEY):
        return []
    try:
        return sample_frames(query.post.video)
    except InputError as exc:
        query.warnings.append(f"video skipped: {exc}")
        return []


def ensure_image_evidence(queries: Sequence[Query], encoder: str = DEFAULT_ENCODER) -> list[ImageEvidence | None]:
    """Each query's ImageEvidence (None for a post without usable pictures), encoding in one batch."""
    key = cache_key(encoder)
    todo = [q for q in queries if key not in q.cache]
    if todo:
        pending: list[tuple[Query, int, int]] = []
        batch: list[Any] = []
        for query in todo:
            if not has_pictures(query):
                query.cache[key] = None
                continue
            photos, frames = _pictures(query), _frames(query)
            pending.append((query, len(batch), len(frames)))
            batch.extend(photos + frames)
        _encode_into(pending, batch, key, encoder)
    return [q.cache[key] for q in queries]


def _encode_into(pending: list[tuple[Query, int, int]], batch: list[Any], key: str, encoder: str) -> None:
    if not pending:
        return
    enc = create_encoder(encoder) if batch else None
    out = enc.encode(batch) if enc is not None else None
    ends = [start for _, start, _ in pending[1:]] + [len(batch)]
    for (query, start, n_frames), end in zip(pending, ends, strict=True):
        if out is None or end == start:
            query.cache[key] = None
            continue
        probs = out.probs[start:end] if out.probs is not None else None
        query.cache[key] = ImageEvidence(out.features[start:end], probs, n_frames)


def per_pictured_post(queries: Sequence[Query], encoder: str, score: Callable[[Query, ImageEvidence], T],
                      missing: Callable[[], T]) -> list[T]:
    """`score(query, evidence)` for each query with usable pictures (encoded in one batch),
    `missing()` for the rest: the loop every image scorer runs."""
    return [missing() if evidence is None else score(query, evidence)
            for query, evidence in zip(queries, ensure_image_evidence(queries, encoder), strict=True)]


def image_evidence(query: Query, encoder: str = DEFAULT_ENCODER) -> ImageEvidence | None:
    return ensure_image_evidence([query], encoder)[0]
