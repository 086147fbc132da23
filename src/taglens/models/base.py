"""The scorer contract, the tag vocabulary and the scorer registry.

A *scorer* is one named, trainable, saveable source of evidence. Given a post it
proposes candidate hashtags with a score each (higher is better; scales differ
between scorers, the combiner learns how to weigh them). Scorers never see the
tags hidden from a post: the `Query` carries the post as the user gave it.

A registry maps a scorer's `name` to its class, so that a model folder's
manifest can rebuild a recommender without code changes (as timm and open_clip
rebuild models from a name and a config).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

from taglens.errors import ModelError
from taglens.hashtags import hashtag_key
from taglens.post import Post
from taglens.query import Query  # re-exported: scorers import it from here too

Scores = dict[str, float]


class Vocab:
    """The candidate tag space of a model: keys, display forms and post counts."""

    def __init__(self, keys: Sequence[str], displays: Sequence[str], counts: Sequence[int]) -> None:
        if not (len(keys) == len(displays) == len(counts)):
            raise ValueError("vocab arrays differ in length")
        self.keys = list(keys)
        self.displays = list(displays)
        self.counts = np.asarray(counts, dtype=np.int64)
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.total_posts = 0

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: object) -> bool:
        return key in self.index

    def display(self, key: str) -> str:
        i = self.index.get(key)
        return self.displays[i] if i is not None else "#" + key

    def count(self, key: str) -> int:
        i = self.index.get(key)
        return int(self.counts[i]) if i is not None else 0

    def check_ids(self, ids: np.ndarray, owner: str) -> None:
        """Raise when stored tag ids point past this vocabulary: `owner` was saved with another model's."""
        if len(ids) and int(np.max(ids)) >= len(self):
            raise ValueError(f"{owner}: stored tag ids do not match the model's vocabulary")

    @classmethod
    def build(cls, posts: Iterable[Post], min_count: int = 1, max_size: int | None = None) -> "Vocab":
        """Tags seen in at least `min_count` posts, most frequent first.

        The display form kept for a key is the one written most often.
        """
        counts: dict[str, int] = {}
        forms: dict[str, dict[str, int]] = {}
        total = 0
        for post in posts:
            total += 1
            seen: set[str] = set()
            for tag in post.hashtags:
                key = hashtag_key(tag)
                if not key or key in seen:
                    continue
                seen.add(key)
                counts[key] = counts.get(key, 0) + 1
                by_form = forms.setdefault(key, {})
                by_form[tag] = by_form.get(tag, 0) + 1
        ranked = sorted((k for k, n in counts.items() if n >= min_count), key=lambda k: (-counts[k], k))
        if max_size is not None:
            ranked = ranked[:max_size]
        displays = [max(forms[k].items(), key=lambda kv: (kv[1], kv[0] == "#" + k))[0] for k in ranked]
        vocab = cls(ranked, displays, [counts[k] for k in ranked])
        vocab.total_posts = total
        return vocab

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({
            "keys": self.keys, "displays": self.displays,
            "counts": self.counts.tolist(), "total_posts": self.total_posts,
        }, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> "Vocab":
        data = json.loads(path.read_text(encoding="utf-8"))
        vocab = cls(data["keys"], data["displays"], data["counts"])
        vocab.total_posts = int(data.get("total_posts", 0))
        return vocab


class Scorer(ABC):
    """One source of evidence for hashtags. Subclasses register with `@register_scorer`."""

    name: ClassVar[str]

    def __init__(self, **params: Any) -> None:
        self.params: dict[str, Any] = params

    @abstractmethod
    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        """Learn from training posts; `vocab` is the model's shared candidate space."""

    @abstractmethod
    def score(self, query: Query, vocab: Vocab) -> Scores:
        """Candidate keys for this post with scores; may include keys outside `vocab`."""

    def score_many(self, queries: Sequence[Query], vocab: Vocab) -> list[Scores]:
        """Batch form; scorers with batched models (ONNX encoders) override it."""
        return [self.score(q, vocab) for q in queries]

    @abstractmethod
    def save(self, folder: Path) -> None:
        """Write learned state into `folder` (npz, safetensors, JSON; never pickle)."""

    @classmethod
    @abstractmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "Scorer":
        """Rebuild from `folder` and the params recorded in the manifest."""

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "params": self.params}

    def save_params(self, folder: Path) -> None:
        """Create `folder` and write the params beside the arrays (config.json: readable
        without the manifest). Every `save` starts here."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps(self.params))



class StatelessScorer(Scorer):
    """A scorer whose only state is its params (it reads the shared vocab at query time):
    saving writes the params, loading rebuilds from them."""

    def save(self, folder: Path) -> None:
        self.save_params(folder)

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "Scorer":
        return cls(**params)

_SCORERS: dict[str, type[Scorer]] = {}
S = TypeVar("S", bound=type[Scorer])


def register_scorer(cls: S) -> S:
    """Class decorator: make a scorer constructible by name from a manifest."""
    if cls.name in _SCORERS and _SCORERS[cls.name] is not cls:
        raise ValueError(f"scorer name {cls.name!r} registered twice")
    _SCORERS[cls.name] = cls
    return cls


def _ensure_builtin_scorers() -> None:
    import taglens.models.scorers  # noqa: F401  (registers the built-in scorers)


def list_scorers() -> list[str]:
    _ensure_builtin_scorers()
    return sorted(_SCORERS)


def scorer_class(name: str) -> type[Scorer]:
    _ensure_builtin_scorers()
    try:
        return _SCORERS[name.split("/", 1)[0]]  # 'image_labels/flowers': one instance per head
    except KeyError:
        raise ModelError(f"unknown scorer {name!r}; known: {', '.join(sorted(_SCORERS))}") from None


def create_scorer(name: str, **params: Any) -> Scorer:
    """A fresh, untrained scorer by registry name: `create_scorer('cooccurrence', alpha=1.0)`."""
    return scorer_class(name)(**params)


def top_scores(keys: Sequence[str], values: np.ndarray, limit: int, exclude: Iterable[str] = ()) -> Scores:
    """The `limit` best (key, value) pairs of a dense score vector, skipping `exclude`."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return {}
    take = min(limit + len(tuple(exclude)) + 1, values.size)
    idx = np.argpartition(-values, take - 1)[:take]
    idx = idx[np.argsort(-values[idx], kind="stable")]
    banned = set(exclude)
    out: Scores = {}
    for i in idx:
        key = keys[i]
        if key in banned or not np.isfinite(values[i]):
            continue
        out[key] = float(values[i])
        if len(out) >= limit:
            break
    return out


def vote_for_tags(posts: Iterable[int], weights: Iterable[float], indptr: np.ndarray, tag_ids: np.ndarray,
                  vocab: Vocab, exclude: Iterable[str], limit: int, scale: float = 1.0) -> Scores:
    """Neighbour posts vote for their tags: each post's weight goes to every tag it
    holds (`tag_ids[indptr[p]:indptr[p + 1]]`, ids into `vocab`); the `limit` best
    keys not in `exclude`, each vote divided by `scale`."""
    votes: dict[int, float] = {}
    for post, weight in zip(posts, weights, strict=True):
        for tag in tag_ids[indptr[post]:indptr[post + 1]]:
            votes[int(tag)] = votes.get(int(tag), 0.0) + float(weight)
    banned = set(exclude)
    out: Scores = {}
    for tag, vote in sorted(votes.items(), key=lambda kv: -kv[1]):
        key = vocab.keys[tag]
        if key not in banned:
            out[key] = vote / scale
            if len(out) >= limit:
                break
    return out

