"""How much to trust a profile: an empirical-Bayes prior, fitted on the user's own posts.

Model. The user's tag distribution gets a Dirichlet prior centred on the
model's (every user looks like the crowd until their posts say otherwise), of
strength m. After N tag uses with counts c_t the posterior mean is

    p(t) = (c_t + m * p0(t)) / (N + m) = lambda * c_t / N + (1 - lambda) * p0(t),
    lambda = N / (N + m).

lambda is the share of the estimate that comes from the user: it grows with the
profile's size, and it grows faster for a user who keeps reusing tags. m is
fitted by empirical Bayes (type-II maximum likelihood, MacKay & Peto 1995): the
m that best predicts each of the user's posts from their others (leave one post
out), over a log grid. Two users cannot teach a learned weight; this needs no
training data beyond the profile itself, and says how far to trust each one.

The personal scorer's attached weight is `full_weight x lambda`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

GRID = np.logspace(-1, 5, 121)


@dataclass(frozen=True)
class Trust:
    """The fitted prior and the resulting trust, as the benchmark reports it."""

    posts: int
    uses: int
    prior_strength: float  # m, in tag uses
    trust: float           # lambda = N / (N + m)
    loo_gain: float        # mean log-likelihood gain per held-out use over the crowd prior alone

    def to_dict(self) -> dict[str, float]:
        return {"posts": self.posts, "uses": self.uses, "m": round(self.prior_strength, 2),
                "lambda": round(self.trust, 3), "loo_gain_nats": round(self.loo_gain, 3)}


def fit_trust(posts: Sequence[Sequence[str]], base: Callable[[str], float]) -> Trust:
    """Fit m on the user's posts (each a list of tag keys) against the crowd's p0 = `base(key)`."""
    tagged = [list(dict.fromkeys(p)) for p in posts if p]
    uses = sum(len(p) for p in tagged)
    if len(tagged) < 2 or uses == 0:
        return Trust(len(tagged), uses, float("inf"), 0.0, 0.0)
    counts: dict[str, int] = {}
    for post in tagged:
        for key in post:
            counts[key] = counts.get(key, 0) + 1
    own = np.asarray([counts[k] - 1 for p in tagged for k in p], dtype=np.float64)  # c_t without this post
    p0 = np.asarray([base(k) for p in tagged for k in p], dtype=np.float64)
    rest = np.asarray([uses - len(p) for p in tagged for _ in p], dtype=np.float64)  # N without this post
    loglik = [float(np.sum(np.log(own + m * p0) - np.log(rest + m))) for m in GRID]
    best = int(np.argmax(loglik))
    m = float(GRID[best])
    crowd = float(np.sum(np.log(p0)))
    return Trust(len(tagged), uses, m, uses / (uses + m), (loglik[best] - crowd) / uses)


def crowd_prior(counts: np.ndarray, index: dict[str, int]) -> Callable[[str], float]:
    """p0(t) from the model's tag counts, add-one smoothed so a tag it never saw is possible."""
    total = float(np.sum(counts)) + len(counts) + 1.0

    def base(key: str) -> float:
        i = index.get(key)
        return (float(counts[i]) + 1.0) / total if i is not None else 1.0 / total

    return base
