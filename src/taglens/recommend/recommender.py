"""The Recommender: one object, one verb.

    rec = Recommender.load()                      # the shipped default model
    rec.suggest(Post(text="sunset at the pier", hashtags=["#travel"]), k=10)

It asks every scorer of its model for candidates, lets the combiner rank them,
then filters: tags already on the post, spam, and (when asked) a platform's limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from taglens.errors import InputError
from taglens.query import Query
from taglens.models.base import Scorer, Scores, Vocab
from taglens.models.combiner import Combiner, WeightedSumCombiner
from taglens.models.model_dir import ModelBundle, load_model, save_model
from taglens.models.train import train_model
from taglens.post import Post, Prediction, Suggestion, TopicPrediction
from taglens.recommend.filters import default_banned
from taglens.recommend.platforms import get_platform
from taglens.recommend.reach import vocab_reach


def evidence_labels(names: Sequence[str]) -> list[str]:
    """Scorer names as the user reads them: every picture-based scorer (image_*) is 'image',
    the personal scorer (a profile, profile/attach.py) is 'you'."""
    out: list[str] = []
    for name in names:
        label = "image" if name.startswith("image_") else ("you" if name == "personal" else name)
        if label not in out:
            out.append(label)
    return out


class Recommender:
    """Ranked hashtag suggestions for posts, from a model folder."""

    def __init__(self, bundle: ModelBundle, banned: Iterable[str] | None = None,
                 never: Iterable[str] = ()) -> None:
        self.bundle = bundle
        self.banned: set[str] = set(default_banned() if banned is None else banned)
        self.never: set[str] = set(never)  # never suggested, not even with allow_banned (a user's rejections)

    # -- construction ---------------------------------------------------------
    @classmethod
    def load(cls, name_or_path: str | Path | None = None, **kwargs: Any) -> "Recommender":
        """Load a model folder, or a shipped model by name ('default' when omitted)."""
        return cls(load_model(name_or_path), **kwargs)

    @classmethod
    def train(cls, posts: Sequence[Post], config: dict[str, Any] | None = None, **kwargs: Any) -> "Recommender":
        return cls(train_model(posts, config, **kwargs))

    def save(self, folder: str | Path) -> Path:
        return save_model(self.bundle, folder)

    @property
    def vocab(self) -> Vocab:
        return self.bundle.vocab

    @property
    def scorers(self) -> list[Scorer]:
        return self.bundle.scorers

    @property
    def combiner(self) -> Combiner:
        return self.bundle.combiner

    def scorer(self, name: str) -> Scorer:
        for scorer in self.scorers:
            if scorer.name == name:
                return scorer
        raise KeyError(name)

    def only(self, names: Sequence[str], weights: dict[str, float] | None = None) -> "Recommender":
        """A view that uses only the named scorers, for ablations and baselines."""
        missing = [n for n in names if n not in {s.name for s in self.scorers}]
        if missing:
            raise KeyError(f"model has no scorer(s) {missing}")
        scorers = [s for s in self.scorers if s.name in names]
        combiner = WeightedSumCombiner(weights or {n: 1.0 for n in names})
        bundle = ModelBundle(vocab=self.vocab, scorers=scorers, combiner=combiner,
                             training=self.bundle.training, extras=self.bundle.extras)
        return Recommender(bundle, banned=self.banned, never=self.never)

    # -- serving --------------------------------------------------------------
    def suggest(self, post: Post | str, k: int = 10, **options: Any) -> Prediction:
        """Top-k hashtags for one post (a Post, or a caption string)."""
        if isinstance(post, str):
            post = Post(text=post)
        return next(iter(self.suggest_many([post], k=k, **options)))

    def suggest_many(self, posts: Iterable[Post], k: int = 10, *, batch_size: int = 64,
                     allow_banned: bool = False, max_tags: int | None = None,
                     platform: str | None = None) -> Iterator[Prediction]:
        """Predictions for many posts, in input order; scorers see them in batches.

        `platform` ('instagram', 'threads', ...) caps the list at that platform's limit.
        """
        if k < 1:
            raise InputError("k must be at least 1")
        rules = get_platform(platform)
        if rules is not None:
            max_tags = rules.limit if max_tags is None else min(max_tags, rules.limit)
        batch: list[Post] = []
        for post in posts:
            batch.append(post)
            if len(batch) >= batch_size:
                yield from self._serve_batch(batch, k, allow_banned, max_tags)
                batch = []
        if batch:
            yield from self._serve_batch(batch, k, allow_banned, max_tags)

    def score_batch(self, queries: Sequence[Query]) -> list[dict[str, Scores]]:
        """Each scorer's raw candidates for each query (what the combiner sees)."""
        per_query: list[dict[str, Scores]] = [{} for _ in queries]
        for scorer in self.scorers:
            for i, scores in enumerate(scorer.score_many(queries, self.vocab)):
                per_query[i][scorer.name] = scores
        return per_query

    def _serve_batch(self, posts: Sequence[Post], k: int, allow_banned: bool,
                     max_tags: int | None) -> Iterator[Prediction]:
        queries = [Query.from_post(p) for p in posts]
        if not any(s.name.startswith("image_") for s in self.scorers):
            for query in queries:  # say so rather than silently ignore the pictures
                if query.post.images or query.post.video:
                    query.warnings.append("this model has no image scorers: the pictures were not used")
        limit = k if max_tags is None else max(0, min(k, max_tags))
        for query, per_scorer in zip(queries, self.score_batch(queries), strict=True):
            given = set(query.given)
            suggestions: list[Suggestion] = []
            for ranked in self.combiner.combine(per_scorer):
                if ranked.key in given or ranked.key in self.never or (
                        not allow_banned and ranked.key in self.banned):
                    continue
                display = query.displays.get(ranked.key) or self.vocab.display(ranked.key)
                suggestions.append(Suggestion(display, ranked.key, ranked.score, evidence_labels(ranked.evidence),
                                              reach=vocab_reach(self.vocab, ranked.key)))
                if len(suggestions) >= limit:
                    break
            topic = query.cache.get("topic")
            yield Prediction(
                id=query.post.id, hashtags=suggestions,
                topic=topic if isinstance(topic, TopicPrediction) else None,
                warnings=query.warnings,
            )
