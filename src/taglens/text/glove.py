"""A small GloVe (Pennington et al. 2014) in numpy: co-occurrence counts, then
AdaGrad on the weighted least-squares loss

    J = sum_ij f(X_ij) (w_i . c_j + b_i + b~_j - log X_ij)^2,   f(x) = min(1, (x / x_max)^alpha)

Why our own: no maintained pip GloVe works here (glove-python is abandoned and
does not build), and the corpora are small (tens of thousands of posts), so a
vectorised numpy loop over minibatches of non-zero cells trains in seconds.
Rows repeated inside a minibatch have their gradients summed before the AdaGrad
step, which is what the reference implementation's Hogwild updates approximate.
Defaults differ from the paper's for small corpora: x_max = 10 (post-level
counts are small, so x_max = 100 would weigh almost every cell near zero) and a
larger learning rate, so a few dozen epochs converge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse


def cooccurrence(sentences: Sequence[Sequence[int]], n_words: int, window: int = 10) -> sparse.coo_matrix:
    """Symmetric co-occurrence counts within `window`, each pair weighted 1/distance.

    Vectorised per distance over all sentences laid end to end (pairs that would
    cross a sentence boundary are masked), so no Python loop runs per token pair.
    """
    lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64, count=len(sentences))
    if lengths.sum() == 0:
        return sparse.coo_matrix((n_words, n_words), dtype=np.float32)
    flat = np.fromiter((w for s in sentences for w in s), dtype=np.int64, count=int(lengths.sum()))
    sent = np.repeat(np.arange(len(sentences)), lengths)
    rows, cols, vals = [], [], []
    for d in range(1, window + 1):
        if d >= flat.size:
            break
        same = sent[:-d] == sent[d:]
        a, b = flat[:-d][same], flat[d:][same]
        keep = a != b
        a, b = a[keep], b[keep]
        w = np.full(a.size, 1.0 / d, dtype=np.float32)
        rows += [a, b]
        cols += [b, a]
        vals += [w, w]
    if not rows:
        return sparse.coo_matrix((n_words, n_words), dtype=np.float32)
    m = sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(n_words, n_words), dtype=np.float32)
    m.sum_duplicates()
    return m


@dataclass
class GloveModel:
    """Trained vectors: word (W) and context (C) matrices with their biases."""

    W: np.ndarray
    C: np.ndarray
    bw: np.ndarray
    bc: np.ndarray
    losses: list[float] = field(default_factory=list)

    @property
    def vectors(self) -> np.ndarray:
        """W + C, the usual GloVe word representation for similarity."""
        return self.W + self.C


def train_glove(counts: sparse.coo_matrix, dim: int = 50, epochs: int = 20, lr: float = 0.1,
                x_max: float = 10.0, alpha: float = 0.75, batch: int = 65536, seed: int = 0) -> GloveModel:
    """Fit GloVe to a co-occurrence matrix; `losses` holds the mean loss of each epoch."""
    rng = np.random.default_rng(seed)
    n = counts.shape[0]
    rows, cols = counts.row.astype(np.int64), counts.col.astype(np.int64)
    logx = np.log(counts.data).astype(np.float32)
    weight = np.minimum(1.0, (counts.data / x_max) ** alpha).astype(np.float32)
    params = [((rng.random((n, dim), dtype=np.float32) - 0.5) / dim) for _ in range(2)]
    biases = [np.zeros(n, dtype=np.float32) for _ in range(2)]
    grad_sq = [np.ones((n, dim), dtype=np.float32) for _ in range(2)]
    bias_sq = [np.ones(n, dtype=np.float32) for _ in range(2)]
    model = GloveModel(params[0], params[1], biases[0], biases[1])
    batch = int(np.clip(rows.size // 50, 64, batch))  # small corpora still get ~50 steps an epoch
    for _ in range(epochs):
        order = rng.permutation(rows.size)
        total = 0.0
        for start in range(0, order.size, batch):
            b = order[start:start + batch]
            total += _step(b, rows, cols, logx, weight, params, biases, grad_sq, bias_sq, lr)
        model.losses.append(total / max(rows.size, 1))
    return model


def _step(b: np.ndarray, rows: np.ndarray, cols: np.ndarray, logx: np.ndarray, weight: np.ndarray,
          params: list[np.ndarray], biases: list[np.ndarray], grad_sq: list[np.ndarray],
          bias_sq: list[np.ndarray], lr: float) -> float:
    """One AdaGrad step on a minibatch of cells; returns the batch's summed loss."""
    i, j = rows[b], cols[b]
    W, C = params
    diff = np.einsum("nd,nd->n", W[i], C[j]) + biases[0][i] + biases[1][j] - logx[b]
    fdiff = weight[b] * diff
    loss = float(0.5 * np.dot(fdiff, diff))
    grads = (fdiff[:, None] * C[j], fdiff[:, None] * W[i])
    for side, idx in enumerate((i, j)):
        uniq, inv = np.unique(idx, return_inverse=True)
        gather = sparse.csr_matrix((np.ones(idx.size, dtype=np.float32), (inv, np.arange(idx.size))),
                                   shape=(uniq.size, idx.size))
        g = np.asarray(gather @ grads[side], dtype=np.float32)
        gb = np.asarray(gather @ fdiff, dtype=np.float32).ravel()
        params[side][uniq] -= lr * g / np.sqrt(grad_sq[side][uniq])
        grad_sq[side][uniq] += g * g
        biases[side][uniq] -= lr * gb / np.sqrt(bias_sq[side][uniq])
        bias_sq[side][uniq] += gb * gb
    return loss
