"""The 8-topic image classifier: a linear probe on encoder features plus ImageNet priors.

Topics (the original project's): pets, art, jewellery, food, travel,
architecture, babies, nature.

    p(topic | image) = softmax( W . standardise(features) + b + beta * log(prior_topic + eps) )

`prior_topic` is the encoder's ImageNet probability mass on the classes mapped to
the topic (necklace -> jewellery, church -> architecture, airliner -> travel ...).
Why both: five topics have hundreds of real photos, and the probe learns them
well; architecture (28 photos), travel (23) and jewellery (2) do not have enough
to learn 1280 weights from, so the ImageNet prior carries them, with a weight
`beta` learned on the same data. Class weights (inverse frequency, capped at
`max_class_weight`) keep the big topics from drowning the thin ones without
letting two jewellery photos dominate the loss.

Fitted with L-BFGS (scipy), so training the probe needs no torch; inference is a
matrix product.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from taglens.topics import TOPICS  # the one list of topic names

NONE = "none"  # "none of these": a laptop, a sports car (its prior is the mass of the classes no topic claims)
EPS = 1e-4


@dataclass
class TopicHead:
    """A fitted topic classifier; arrays are small (8 x 1280)."""

    topics: tuple[str, ...]
    weight: np.ndarray      # (T, D)
    bias: np.ndarray        # (T,)
    mean: np.ndarray        # (D,)
    scale: np.ndarray       # (D,)
    class_topic: np.ndarray  # (C,) topic index of each ImageNet class, -1 for none
    beta: float = 0.0

    def prior(self, probs: np.ndarray) -> np.ndarray:
        """(N, T) ImageNet probability mass per topic."""
        out = np.zeros((len(probs), len(self.topics)), dtype=np.float64)
        for t in range(len(self.topics)):
            out[:, t] = probs[:, self.class_topic == t].sum(axis=1)
        return out

    def logits(self, features: np.ndarray, probs: np.ndarray) -> np.ndarray:
        x = (features - self.mean) / self.scale
        return x @ self.weight.T + self.bias + self.beta * np.log(self.prior(probs) + EPS)

    def predict(self, features: np.ndarray, probs: np.ndarray) -> np.ndarray:
        """(N, T) topic probabilities."""
        return _softmax(self.logits(features, probs))

    def save(self, path: Path) -> None:
        np.savez_compressed(path, weight=self.weight.astype(np.float32), bias=self.bias.astype(np.float32),
                            mean=self.mean.astype(np.float32), scale=self.scale.astype(np.float32),
                            class_topic=self.class_topic.astype(np.int16), beta=np.float32(self.beta),
                            topics=np.asarray(json.dumps(list(self.topics))))

    @classmethod
    def load(cls, path: Path) -> "TopicHead":
        with np.load(path, allow_pickle=False) as z:
            return cls(tuple(json.loads(str(z["topics"]))), z["weight"].astype(np.float64),
                       z["bias"].astype(np.float64), z["mean"].astype(np.float64),
                       z["scale"].astype(np.float64), z["class_topic"].astype(np.int64), float(z["beta"]))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def imagenet_class_topics(topics: Sequence[str] = TOPICS) -> np.ndarray:
    """ImageNet index -> topic index (-1 for none), from the packaged imagenet_topics.json."""
    from taglens.vision.encoder import encoders_dir

    data = json.loads((encoders_dir() / "imagenet_topics.json").read_text(encoding="utf-8"))
    out = np.full(1000, -1, dtype=np.int64)
    for t, topic in enumerate(topics):
        out[data["topics"].get(topic, [])] = t
    if NONE in topics:
        out[out == -1] = list(topics).index(NONE)
    return out


def class_weights(y: np.ndarray, n_topics: int, cap: float) -> np.ndarray:
    counts = np.bincount(y, minlength=n_topics).astype(np.float64)
    w = np.where(counts > 0, len(y) / (n_topics * np.maximum(counts, 1)), 0.0)
    return np.minimum(w, cap)


def fit_topic_head(features: np.ndarray, probs: np.ndarray, y: np.ndarray, class_topic: np.ndarray,
                   topics: Sequence[str] = TOPICS, l2: float = 1e-2, max_class_weight: float = 10.0,
                   use_prior: bool = True, max_iter: int = 300) -> TopicHead:
    """Weighted, L2-regularised multinomial logistic regression (+ a learned prior weight)."""
    from scipy.optimize import minimize

    n, d = features.shape
    t = len(topics)
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
    x = (features - mean) / scale
    head = TopicHead(tuple(topics), np.zeros((t, d)), np.zeros(t), mean, scale, class_topic, 0.0)
    logprior = np.log(head.prior(probs) + EPS) if use_prior else np.zeros((n, t))
    sample_w = class_weights(y, t, max_class_weight)[y]
    sample_w = sample_w / sample_w.sum()
    onehot = np.eye(t)[y]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b, beta = theta[: t * d].reshape(t, d), theta[t * d: t * d + t], theta[-1]
        p = _softmax(x @ w.T + b + beta * logprior)
        value = -np.sum(sample_w * np.log(p[np.arange(n), y] + 1e-12)) + l2 * np.sum(w * w)
        g = (p - onehot) * sample_w[:, None]
        grad_w = g.T @ x + 2 * l2 * w
        grad_beta = np.sum(g * logprior) if use_prior else 0.0
        return value, np.concatenate([grad_w.ravel(), g.sum(axis=0), [grad_beta]])

    theta0 = np.zeros(t * d + t + 1)
    theta0[-1] = 1.0 if use_prior else 0.0
    result = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    theta = result.x
    head.weight, head.bias = theta[: t * d].reshape(t, d), theta[t * d: t * d + t]
    head.beta = float(theta[-1]) if use_prior else 0.0
    return head
