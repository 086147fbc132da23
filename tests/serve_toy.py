"""A tiny recommender and images for the serve tests (no ../shared, trains in milliseconds)."""

from __future__ import annotations

import io

from conftest import toy_posts

from taglens.recommend import Recommender

CONFIG = {
    "vocab": {"min_count": 1},
    "scorers": [{"name": "popularity"}, {"name": "cooccurrence", "alpha": 1.0}],
    "combiner": {"type": "weighted", "weights": {"popularity": 0.02, "cooccurrence": 1.0}},
}


def toy_recommender() -> Recommender:
    return Recommender.train(toy_posts(), CONFIG)


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), color=(240, 140, 60)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()
