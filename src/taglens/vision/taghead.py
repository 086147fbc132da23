"""A multi-label image-to-hashtag head: one logistic unit per tag on encoder features.

Why linear: a corpus with pictures *and* hashtags is small (hundreds to a few
thousand posts), the 1280-d EfficientNet features are already linearly rich, and
a linear head trains in seconds with L-BFGS (scipy, no torch) and serves as one
matrix product. Tags need `min_posts` image posts to get a unit; the rest are
left to the zero-shot bridge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class TagHead:
    tag_ids: np.ndarray   # (K,) vocabulary indices
    weight: np.ndarray    # (K, D)
    bias: np.ndarray      # (K,)
    mean: np.ndarray      # (D,)
    scale: np.ndarray     # (D,)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """(N, K) per-tag probabilities."""
        x = (features - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(x @ self.weight.T + self.bias)))

    @classmethod
    def empty(cls, dim: int = 1280) -> "TagHead":
        return cls(np.zeros(0, np.int32), np.zeros((0, dim), np.float32), np.zeros(0, np.float32),
                   np.zeros(dim, np.float32), np.ones(dim, np.float32))


def fit_tag_head(features: np.ndarray, targets: np.ndarray, tag_ids: np.ndarray,
                 l2: float = 1.0, max_iter: int = 200) -> TagHead:
    """One-vs-rest logistic regression, all tags at once; `targets` is (N, K) in {0, 1}."""
    from scipy.optimize import minimize

    n, d = features.shape
    k = targets.shape[1]
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
    x = (features - mean) / scale
    pos = targets.mean(axis=0).clip(1e-4, 1 - 1e-4)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[: k * d].reshape(k, d), theta[k * d:]
        p = 1.0 / (1.0 + np.exp(-(x @ w.T + b)))
        value = -np.sum(targets * np.log(p + 1e-9) + (1 - targets) * np.log(1 - p + 1e-9)) / n
        value += l2 * np.sum(w * w) / n
        g = (p - targets) / n
        return value, np.concatenate([(g.T @ x + 2 * l2 * w / n).ravel(), g.sum(axis=0)])

    theta0 = np.concatenate([np.zeros(k * d), np.log(pos / (1 - pos))])
    theta = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter}).x
    return TagHead(tag_ids.astype(np.int32), theta[: k * d].reshape(k, d), theta[k * d:], mean, scale)
