"""GloVe: vectors trained on the corpus (our numpy GloVe), optionally blended
with pretrained GloVe 6B 50d (Wikipedia + Gigaword), as the original project
blended Wikipedia GloVe into its text model.

The blend is a concatenation: each word or tag vector becomes
[sqrt(1 - b) * corpus, sqrt(b) * pretrained], so a cosine is
(1 - b) * corpus cosine + b * pretrained cosine. A tag's pretrained half is the
mean of its segmented words' GloVe vectors ('losangeles' -> 'los', 'angeles'),
which is how tags the corpus barely saw still find their neighbours. Only the
vectors of the model's own words and tags are stored, not GloVe's 400k.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from taglens.models.base import Vocab, register_scorer
from taglens.models.scorers._embedding import EmbeddingScorer, Space
from taglens.text.clean import segment_tag
from taglens.text.glove import cooccurrence, train_glove


@register_scorer
class GloveScorer(EmbeddingScorer):
    name = "glove"

    def __init__(self, dim: int = 50, window: int = 10, epochs: int = 20, lr: float = 0.1,
                 x_max: float = 10.0, pretrained_weight: float = 0.0, **params: Any) -> None:
        super().__init__(dim=dim, window=window, epochs=epochs, lr=lr, x_max=x_max,
                         pretrained_weight=pretrained_weight, **params)

    def train_vectors(self, sentences: list[list[str]]) -> tuple[list[str], np.ndarray, np.ndarray | None]:
        counts: dict[str, int] = {}
        for sentence in sentences:
            for w in sentence:
                counts[w] = counts.get(w, 0) + 1
        words = sorted((w for w, n in counts.items() if n >= int(self.params["min_count"])),
                       key=lambda w: (-counts[w], w))
        dim = int(self.params["dim"])
        if not words:
            return [], np.zeros((0, dim), dtype=np.float32), None
        index = {w: i for i, w in enumerate(words)}
        ids = [[index[w] for w in s if w in index] for s in sentences]
        x = cooccurrence(ids, len(words), int(self.params["window"]))
        if x.nnz == 0:
            return [], np.zeros((0, dim), dtype=np.float32), None
        model = train_glove(x, dim=dim, epochs=int(self.params["epochs"]), lr=float(self.params["lr"]),
                            x_max=float(self.params["x_max"]), seed=int(self.params["seed"]))
        if self.params["mode"] == "cosine":
            return words, model.vectors, None
        return words, model.W, model.C  # predict: a caption's W against a tag's C ~ log co-occurrence

    def finish_space(self, space: Space, vocab: Vocab) -> Space:
        """Concatenate pretrained GloVe halves when `pretrained_weight` > 0."""
        beta = float(self.params["pretrained_weight"])
        if beta <= 0 or not space.words:
            return space
        from taglens.text.glove_pretrained import PretrainedGlove

        glove = PretrainedGlove.load()
        words = np.vstack([_pretrained(glove, w) for w in space.words])
        tags = (np.vstack([_pretrained(glove, "#" + vocab.keys[int(r)]) for r in space.tag_rows])
                if space.tag_rows.size else np.zeros((0, glove.dim), dtype=np.float32))
        a, b = np.sqrt(1.0 - beta), np.sqrt(beta)
        return replace(space, word_vectors=np.hstack([a * space.word_vectors, b * words]).astype(np.float32),
                       tag_vectors=np.hstack([a * space.tag_vectors, b * tags]).astype(np.float32))


def _pretrained(glove: Any, token: str) -> np.ndarray:
    """Unit GloVe 6B vector of a word, or of a tag token's segmentation; zeros if unknown."""
    if token.startswith("#"):
        key = token[1:]
        v = glove.unit(key) if key in glove else glove.phrase(list(segment_tag(key)))
    else:
        v = glove.unit(token)
    return np.zeros(glove.dim, dtype=np.float32) if v is None else np.asarray(v, dtype=np.float32)


@register_scorer
class GloveTopicScorer(GloveScorer):
    """GloVe per topic, the original project's best approach, under its own name so
    that a model can hold it beside the global GloVe."""

    name = "glove_topic"

    def __init__(self, per_topic: bool = True, **params: Any) -> None:
        super().__init__(per_topic=per_topic, **params)
