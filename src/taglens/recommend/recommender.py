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
from taglens.query import EVIDENCE_DETAIL, Query
from taglens.models.base import Scorer, Scores, Vocab
from taglens.models.combiner import Combiner, Ranked, WeightedSumCombiner
from taglens.models.model_dir import ModelBundle, load_model, save_model
from taglens.models.scorers.image_topic import off_topic
from taglens.models.train import train_model
from taglens.post import Post, Prediction, Suggestion, TopicPrediction
from taglens.recommend.filters import default_banned
from taglens.recommend.grounding import Grounding, grounding_for, parse_allow
from taglens.recommend.grounds import check_fallback, nothing_to_go_on
from taglens.recommend.photo_rules import PhotoRules
from taglens.recommend.platforms import get_platform
from taglens.recommend.reach import vocab_reach
from taglens.recommend.tag_language import TagLanguages, parse_tag_language, tag_languages_for


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

    def __init__(self, bundle: ModelBundle, banned: Iterable[str] | None = None, grounded: bool = True,
                 never: Iterable[str] = ()) -> None:
        self.bundle = bundle
        self.banned: set[str] = set(default_banned() if banned is None else banned)
        self.never: set[str] = set(never)  # never suggested, not even with allow_banned (a user's rejections)
        self.grounded = grounded  # claims need support from the post (recommend/grounding.py)
        self._grounding: Grounding | None = None
        self.photo_rules = PhotoRules.for_scorers(bundle.scorers)

    @property
    def grounding(self) -> Grounding | None:
        """The model's support rules (tag kinds loaded or computed once); None when ungrounded."""
        if self.grounded and self._grounding is None:
            self._grounding = grounding_for(self.bundle)
        return self._grounding if self.grounded else None

    @property
    def tag_languages(self) -> TagLanguages:
        """Which languages each tag is in (recommend/tag_language.py), built once."""
        if getattr(self, "_tag_languages", None) is None:
            self._tag_languages = tag_languages_for(self.bundle)
        return self._tag_languages

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

    @property
    def has_image_scorers(self) -> bool:
        """Whether this model reads pictures at all (else a photo-only post has nothing to go on)."""
        return any(s.name.startswith("image_") for s in self.scorers)

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
        view = Recommender(bundle, banned=self.banned, grounded=self.grounded, never=self.never)
        view._grounding = self._grounding
        return view

    # -- serving --------------------------------------------------------------
    def suggest(self, post: Post | str, k: int = 10, **options: Any) -> Prediction:
        """Top-k hashtags for one post (a Post, or a caption string)."""
        if isinstance(post, str):
            post = Post(text=post)
        return next(iter(self.suggest_many([post], k=k, **options)))

    def suggest_many(self, posts: Iterable[Post], k: int = 10, *, batch_size: int = 64,
                     allow_banned: bool = False, max_tags: int | None = None,
                     platform: str | None = None, allow: str | Iterable[str] | None = None,
                     fallback: str | None = None, tag_language: str | None = None) -> Iterator[Prediction]:
        """Predictions for many posts, in input order; scorers see them in batches.

        `platform` ('instagram', 'threads', ...) caps the list at that platform's limit.
        `allow` ('place,event,brand,junk,variants') switches grounding rules off.
        A post with nothing usable (no caption words, no tags, no readable picture) gets
        no suggestions and a 'nothing to go on' warning; `fallback="popular"` fills
        its list with the model's most frequent tags instead (see recommend/grounds.py).
        """
        allowed = parse_allow(allow)
        mode = parse_tag_language(tag_language)  # 'any' | 'caption' | 'en' (recommend/tag_language.py)
        if k < 1:
            raise InputError("k must be at least 1")
        fallback = check_fallback(fallback)
        rules = get_platform(platform)
        if rules is not None:
            max_tags = rules.limit if max_tags is None else min(max_tags, rules.limit)
        batch: list[Post] = []
        for post in posts:
            batch.append(post)
            if len(batch) >= batch_size:
                yield from self._serve_batch(batch, k, allow_banned, max_tags, allowed, fallback, mode)
                batch = []
        if batch:
            yield from self._serve_batch(batch, k, allow_banned, max_tags, allowed, fallback, mode)

    def score_batch(self, queries: Sequence[Query]) -> list[dict[str, Scores]]:
        """Each scorer's raw candidates for each query (what the combiner sees)."""
        per_query: list[dict[str, Scores]] = [{} for _ in queries]
        silent = [self.tag_languages.silent(q) for q in queries]  # English-only scorers on other languages
        for scorer in self.scorers:
            rows = [i for i, names in enumerate(silent) if scorer.name not in names]
            for i, scores in zip(rows, scorer.score_many([queries[i] for i in rows], self.vocab), strict=True):
                per_query[i][scorer.name] = scores
        return per_query

    def _serve_batch(self, posts: Sequence[Post], k: int, allow_banned: bool,
                     max_tags: int | None, allow: frozenset[str] = frozenset(),
                     fallback: str = "none", tag_language: str = "any") -> Iterator[Prediction]:
        queries = [Query.from_post(p) for p in posts]
        if not self.has_image_scorers:
            for query in queries:  # say so rather than silently ignore the pictures
                if query.post.images or query.post.video:
                    query.warnings.append("this model has no image scorers: the pictures were not used")
        limit = k if max_tags is None else max(0, min(k, max_tags))
        grounding = self.grounding
        for query, per_scorer in zip(queries, self.score_batch(queries), strict=True):
            order, by_key, empty = self._rank(query, per_scorer, limit, allow_banned=allow_banned, allow=allow,
                                              fallback=fallback, tag_language=tag_language)
            details = query.cache.get(EVIDENCE_DETAIL, {})
            suggestions: list[Suggestion] = []
            for key, score in order:
                evidence = evidence_labels(by_key[key].evidence) if key in by_key else ["place"]
                display = query.displays.get(key) or self.vocab.display(key)
                suggestions.append(Suggestion(display, key, score, evidence, reach=vocab_reach(self.vocab, key),
                                              kind=grounding.kind(key) if grounding is not None else None,
                                              evidence_detail=list(details.get(key, {}).values())))
            topic = query.cache.get("topic") if empty is None else None
            yield Prediction(
                id=query.post.id, hashtags=suggestions, language=query.cache.get("language", (None,))[0] if empty is None else None,
                topic=topic if isinstance(topic, TopicPrediction) else None,
                warnings=query.warnings,
            )

    def rank(self, query: Query, per_scorer: dict[str, Scores], k: int = 10, *, allow_banned: bool = False,
             allow: frozenset[str] = frozenset(), fallback: str = "none", tag_language: str = "any") -> list[str]:
        """The keys `suggest` would return for a query whose scorers already spoke (`score_batch`).

        The one serving tail (grounding, photo rules, the tag-language policy, given, banned and
        never-shown tags, the list arrangement): the evaluation ranks through it, so what it
        measures is what is served."""
        return [key for key, _ in self._rank(query, per_scorer, k, allow_banned=allow_banned, allow=allow,
                                             fallback=fallback, tag_language=tag_language)[0]]

    def _rank(self, query: Query, per_scorer: dict[str, Scores], limit: int, *, allow_banned: bool,
              allow: frozenset[str], fallback: str, tag_language: str
              ) -> tuple[list[tuple[str, float]], dict[str, Ranked], str | None]:
        """(the first `limit` (key, score), the combiner's rows by key, why nothing fits or None)."""
        grounding = self.grounding
        given = set(query.given)
        empty = nothing_to_go_on(query, self.has_image_scorers)
        if empty is None:
            if grounding is not None:
                per_scorer = grounding.filter_scores(per_scorer, query, allow)
            off = off_topic(query) if query.pictures_only else 0.0
            ranking = self.photo_rules.apply(query, per_scorer, self.combiner.combine(per_scorer, off_topic=off))
        else:  # never dress popularity up as a judgement of this post
            popular = fallback == "popular"
            query.warnings.append(empty + ("; showing popular tags (fallback popular)" if popular else ""))
            ranking = self._popular() if popular else []
        ranked = []
        for item in self.tag_languages.arrange(ranking, query, tag_language):
            if item.key in given or item.key in self.never or (not allow_banned and item.key in self.banned):
                continue
            ranked.append(item)
            if len(ranked) >= 3 * limit + 10:  # room for grounding to reorder
                break
        order = [(r.key, r.score) for r in ranked]
        if grounding is not None and empty is None:
            order = grounding.arrange(order, query, limit, allow, known=self.vocab.index)
        return order[:limit], {r.key: r for r in ranked}, empty

    def _popular(self) -> list[Ranked]:
        """The model's most frequent tags, as a ranking: the fallback a user asked for."""
        counts = self.vocab.counts
        top = sorted(range(len(self.vocab)), key=lambda i: (-int(counts[i]), i))[:500]
        best = max((int(counts[i]) for i in top), default=1) or 1
        return [Ranked(self.vocab.keys[i], int(counts[i]) / best, ["popularity"]) for i in top]
