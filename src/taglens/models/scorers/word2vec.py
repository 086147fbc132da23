"""word2vec: captions and segmented hashtags embedded together, tags ranked by cosine.

The original project's first text model. Vectors are trained with gensim (a
training-time dependency only); the model folder stores just the word and tag
vectors as npz, so serving needs numpy alone. See `_embedding.py` for how posts
become sentences and how tags are scored (globally or per topic).
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from taglens.errors import ModelError
from taglens.models.base import register_scorer
from taglens.models.scorers._embedding import EmbeddingScorer


def _stable_hash(text: str) -> int:
    """gensim seeds each word's initial vector from a hash; Python's is salted per process."""
    return zlib.crc32(text.encode("utf-8"))


@register_scorer
class Word2VecScorer(EmbeddingScorer):
    name = "word2vec"

    def __init__(self, window: int = 10, epochs: int = 20, sg: int = 1, negative: int = 5,
                 **params: Any) -> None:
        super().__init__(window=window, epochs=epochs, sg=sg, negative=negative, **params)

    def train_vectors(self, sentences: list[list[str]]) -> tuple[list[str], np.ndarray, np.ndarray | None]:
        try:
            from gensim.models import Word2Vec
        except ImportError:
            raise ModelError("training word2vec needs gensim (pip install 'taglens[train]')") from None
        dim = int(self.params["dim"])
        usable = [s for s in sentences if len(s) > 1]
        if not usable:
            return [], np.zeros((0, dim), dtype=np.float32), None
        try:
            model = Word2Vec(
                sentences=usable, vector_size=dim, window=int(self.params["window"]),
                min_count=int(self.params["min_count"]),
                sg=int(self.params["sg"]), negative=int(self.params["negative"]),
                epochs=int(self.params["epochs"]), workers=1, seed=int(self.params["seed"]),
                hashfxn=_stable_hash,
            )
        except RuntimeError:  # gensim: no word reaches min_count (a tiny corpus)
            return [], np.zeros((0, dim), dtype=np.float32), None
        return (list(model.wv.index_to_key), np.asarray(model.wv.vectors, dtype=np.float32),
                np.asarray(model.syn1neg, dtype=np.float32))


@register_scorer
class Word2VecTopicScorer(Word2VecScorer):
    """word2vec per topic (global space as fallback), under its own name so that a
    model can hold it beside the global word2vec."""

    name = "word2vec_topic"

    def __init__(self, per_topic: bool = True, **params: Any) -> None:
        super().__init__(per_topic=per_topic, **params)
