"""Zero-shot image hashtags: ImageNet classes bridged into the hashtag space by text.

No image-hashtag pairs are needed. Each ImageNet class name ('tabby', with a
coarse group hint: 'tabby, a cat') and each vocabulary tag (as words:
'cats of instagram') are embedded with the sentence encoder (MiniLM); their
cosine is the bridge. A photo's tag score is the class probabilities pushed
through the bridge:  score(t) = sum_c p(c | image) * w(c, t),  with w the
cosine above a floor, kept for the best `per_class` tags of each class, and
tilted towards tags people use (log count), so '#cat' and '#catsofinstagram'
beat a one-off '#tabbycatlover'.

The bridge is a sparse (classes x tags) matrix computed once at fit time; at
serving time it is one sparse product per post.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

# Coarse groups of ImageNet-1k indices (the standard class order). A bare breed or
# species name ('Samoyed', 'tabby') embeds far from '#dog' / '#cat'; the hint closes it.
_GROUPS: tuple[tuple[int, int, str], ...] = (
    (0, 6, "fish"), (7, 24, "bird"), (25, 32, "amphibian"), (33, 68, "reptile"),
    (69, 79, "arthropod"), (80, 100, "bird"), (101, 106, "wild animal"), (107, 126, "sea creature"),
    (127, 146, "bird"), (147, 150, "sea animal"), (151, 268, "dog"), (269, 280, "wild dog"),
    (281, 285, "cat"), (286, 293, "big cat"), (294, 297, "bear"), (298, 299, "wild animal"),
    (300, 326, "insect"), (327, 329, "sea creature"), (330, 332, "rabbit"), (333, 338, "rodent"),
    (339, 388, "animal"), (389, 397, "fish"), (924, 934, "food"), (935, 946, "vegetable"),
    (947, 947, "food"), (948, 957, "fruit"), (959, 967, "food"), (969, 969, "drink"),
    (970, 970, "landscape"), (972, 980, "landscape"), (984, 990, "plant"), (991, 997, "fungus"),
)


def class_texts(labels: Sequence[str]) -> list[str]:
    """'name, a group' for grouped classes, the bare name for the rest."""
    hints: dict[int, str] = {}
    for lo, hi, group in _GROUPS:
        for i in range(lo, hi + 1):
            hints[i] = group
    out = []
    for i, name in enumerate(labels):
        hint = hints.get(i) if len(labels) == 1000 else None
        out.append(f"{name}, a {hint}" if hint and hint not in name.lower() else name)
    return out


def build_bridge(class_vectors: np.ndarray, tag_vectors: np.ndarray, tag_counts: np.ndarray,
                 per_class: int = 40, floor: float = 0.3, popularity: float = 0.5) -> sparse.csr_matrix:
    """Sparse (classes x tags) weights: cosine above `floor`, times a log-count tilt, top `per_class`."""
    counts = np.asarray(tag_counts, dtype=np.float64)
    tilt = (np.log1p(counts) / max(np.log1p(counts.max(initial=1.0)), 1e-9)) ** popularity if counts.size else counts
    rows, cols, vals = [], [], []
    for start in range(0, len(class_vectors), 128):
        sims = class_vectors[start:start + 128] @ tag_vectors.T
        weights = np.maximum(sims - floor, 0.0) * tilt[None, :]
        take = min(per_class, weights.shape[1])
        if take == 0:
            continue
        best = np.argpartition(-weights, take - 1, axis=1)[:, :take]
        for r, idx in enumerate(best):
            keep = idx[weights[r, idx] > 0]
            rows.extend([start + r] * len(keep))
            cols.extend(keep.tolist())
            vals.extend(weights[r, keep].tolist())
    shape = (len(class_vectors), len(tag_vectors))
    return sparse.csr_matrix((np.asarray(vals, np.float32), (rows, cols)), shape=shape)


def bridge_scores(bridge: sparse.csr_matrix, probs: np.ndarray, min_prob: float = 0.01) -> np.ndarray:
    """Dense tag scores for one probability vector, ignoring classes below `min_prob`."""
    p = np.where(probs >= min_prob, probs, 0.0).astype(np.float32)
    return np.asarray(bridge.T @ p).ravel()
