"""personal: the user's own tags, for this post (evidence label `you`).

Three parts, summed per candidate tag and scaled by the user's prior over tag
kinds (`kind_factor`, see profile/kinds.py):

- **fit**: the user's past posts nearest to this one vote for their tags. A past
  post's similarity is the cosine of the caption embeddings, averaged with the
  cosine of the photo features when both posts have photos; the `k` nearest vote
  with weight exp((sim - best) / temperature), the votes summing to 1. Two
  options, off by default because the validation share did not favour them
  (benchmarks/personal.py): `closeness=p` weighs a vote by sim^p instead, and
  `gate=True` scales all votes by where the nearest similarity falls between the
  10th and 90th percentile of how close the user's own posts are to each other
  (photographer val P@5 76.9 with the gate, 79.7 without; kanarinka equal).
- **recency**: how often the user used the tag, each past post weighted
  0.5 ** (posts since / half_life): a tag they dropped a year ago fades.
- **co-occurrence**: P(tag | a tag already on the post) in the user's own posts.

**Calibrated** (`absolute=True`, the default since the every-post benchmark): instead
of the relative vote above (the nearest posts always share one whole vote, and the
combiner rescales the best candidate to 1, so on a post unlike anything the user
posted their nearest tags still arrive at full weight: #amc2018 on "Babies
everywhere at"), each tag gets an estimate of P(tag on this post):

    P(t | post) = (sum_j w_j [t in post_j] + prior * r_t) / (sum_j w_j + prior)

over the `k` nearest past posts j, with an absolute kernel w_j = exp((sim_j - 1) /
temperature) (a near copy weighs 1, an unrelated post next to 0) and the tag's
recency-weighted share of the user's posts r_t as the prior. A post unlike any
past one so falls back to the user's base rates (their habitual tags, weakly), and
a close one brings its tags strongly.

**Words** (calibrated mode, `words` > 0): a per-user association of caption words
with own tags, from the user's own captions (their bag of words, profile/words.py).
For each word w of this caption that the user has used, the evidence for tag t is
the smoothed likelihood ratio log P(w | t) / P(w) (naive Bayes, presence terms), with
P(w | t) = (n_tw + beta * P(w)) / (n_t + beta) and P(w) = (df_w + 1) / (N + 2): a word
that always came with the tag raises it, a word seen once with a one-off tag little
(beta shrinks it), a word that came with other tags lowers it. The sum is clipped to
[0, word_cap] nats (the words of one caption are not independent, and words are only
ever evidence for a tag, never against the rest of the scorer) and counts only for a
tag at least one of the words came with `min_together` times (once is a coincidence: a
one-off tag would otherwise rise on any caption sharing a word with its one post): an
unrelated caption brings nothing. It is
added, times `words`, to the log odds of P(t | post). Off by default (`words=0`): on the
validation posts it cost the photographer P@5 (79.7 without, 74.4 at 0.5, 66.7 at 1,
beta 10; their alt texts already name the content, and the model finds those words) and
changed nothing on kanarinka's 8 validation posts (benchmarks/personal.py --tune). The combiner reads these as they are, not
rescaled by the best (`LearnedCombiner.absolute`), so their size means something.
kernel 0.2 and prior 0.3 were chosen on the validation posts (photographer P@5 79.7;
kernel 0.3: 78.6; prior 0.1: 79.2; the previous relative vote 78.9; kanarinka's 8
validation posts equal for all).

A tag the user rejected is never proposed (the recommender also drops it after
ranking). How much the scorer counts against the model is not decided here but
by its attached weight: profile/attach.py shrinks it by the profile's size.

The scorer is built per profile at request time (profile/attach.py), never
stored in a model folder; `save`/`load` write the profile as its JSON export so
a personal model folder can still be round-tripped, never as pickle.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taglens.models.base import Query, Scorer, Scores, Vocab, register_scorer
from taglens.post import Post
from taglens.profile.model import IMAGE_DIM, TEXT_DIM, Profile
from taglens.query import PROFILE_SUPPORT


def _unit_rows(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)).astype(np.float32)


@register_scorer
class PersonalScorer(Scorer):
    """The user's tags weighted by fit to this post, by recency and by their own co-occurrence."""

    name = "personal"

    def __init__(self, k: int = 8, temperature: float = 0.1, half_life: float = 40.0, recency: float = 0.5,
                 cooccurrence: float = 1.0, limit: int = 20, images: bool = True, image_dims: int = 128,
                 exact_images: int = 2000, closeness: float = 0.0, gate: bool = False, absolute: bool = True,
                 prior: float = 0.3, kernel: float = 0.2, words: float = 0.0, beta: float = 10.0,
                 word_cap: float = 3.0, min_together: int = 2, **params: Any) -> None:
        super().__init__(k=k, temperature=temperature, half_life=half_life, recency=recency,
                         cooccurrence=cooccurrence, limit=limit, images=images, image_dims=image_dims,
                         exact_images=exact_images, closeness=closeness, gate=gate, absolute=absolute,
                         prior=prior, kernel=kernel, words=words, beta=beta, word_cap=word_cap,
                         min_together=min_together, **params)
        self.absolute, self.prior, self.kernel = bool(absolute), float(prior), float(kernel)
        self.word_weight, self.beta, self.word_cap = float(words), float(beta), float(word_cap)
        self.min_together = int(min_together)
        self.closeness, self.use_gate = float(closeness), bool(gate)
        self.image_dims, self.exact_images = int(image_dims), int(exact_images)
        self.k, self.temperature, self.half_life = int(k), float(temperature), float(half_life)
        self.recency_weight, self.cooc_weight = float(recency), float(cooccurrence)
        self.limit, self.use_images = int(limit), bool(images)
        self.profile: Profile | None = None
        self.kind_factor: dict[str, float] = {}
        self.factors: np.ndarray | None = None
        self._index(Profile(name="empty"))

    # -- building -------------------------------------------------------------
    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        """Build from the user's own posts (the `--history` path: nothing is saved)."""
        from taglens.profile.build import build_profile

        self.set_profile(build_profile("history", posts, images=self.use_images))

    def set_profile(self, profile: Profile, kind_factor: Mapping[str, float] | None = None) -> "PersonalScorer":
        self.profile = profile
        self.kind_factor = dict(kind_factor or {})
        self._index(profile)
        self.factors = np.asarray([self.kind_factor.get(k, 1.0) for k in self.keys]) if self.kind_factor else None
        return self

    def _index(self, profile: Profile) -> None:
        """Arrays over the tagged posts, oldest first: what scoring reads."""
        posts = [p for p in profile.history if p.keys]
        self.banned = profile.rejected()
        self.keys: list[str] = []
        index: dict[str, int] = {}
        ids: list[int] = []
        ptr = [0]
        for post in posts:
            for key in post.keys:
                if key not in index:
                    index[key] = len(self.keys)
                    self.keys.append(key)
                ids.append(index[key])
            ptr.append(len(ids))
        self.key_index = index
        self.tag_ptr = np.asarray(ptr, dtype=np.int64)
        self.tag_ids = np.asarray(ids, dtype=np.int64)
        self.post_of_use = np.repeat(np.arange(len(posts)), np.diff(self.tag_ptr))
        n = len(posts)
        self.text_rows = np.asarray([i for i, p in enumerate(posts) if p.text is not None], dtype=np.int64)
        self.text = (np.stack([posts[i].text for i in self.text_rows]).astype(np.float32)
                     if len(self.text_rows) else np.zeros((0, TEXT_DIM), np.float32))
        self.image_rows = np.asarray([i for i, p in enumerate(posts) if p.image is not None], dtype=np.int64)
        self.images = (np.stack([posts[i].image for i in self.image_rows]).astype(np.float32)
                       if len(self.image_rows) else np.zeros((0, IMAGE_DIM), np.float32))
        self.text_projection = self._projection(self.text)
        if self.text_projection is not None:
            self.text = _unit_rows(self.text @ self.text_projection)
        self.projection = self._projection(self.images)
        if self.projection is not None:
            self.images = _unit_rows(self.images @ self.projection)
        age = (n - 1 - np.arange(n)) / max(self.half_life, 1e-9)
        weights = 0.5 ** age
        recency = np.bincount(self.tag_ids, weights=weights[self.post_of_use], minlength=len(self.keys))
        self.recency = recency / weights.sum() if n else recency
        self.counts = np.bincount(self.tag_ids, minlength=len(self.keys)).astype(np.float64)
        self.n_posts = n
        self.word_posts: dict[str, np.ndarray] = {}
        by_word: dict[str, list[int]] = {}
        for i, post in enumerate(posts):
            for word in post.words:
                by_word.setdefault(word, []).append(i)
        self.word_posts = {w: np.asarray(v, dtype=np.int64) for w, v in by_word.items()}
        self.tag_posts = np.bincount(self.tag_ids, minlength=len(self.keys)).astype(np.float64)
        self.displays = profile.displays()
        self.gate_range = self._typical_closeness() if self.use_gate else None

    def _typical_closeness(self, sample: int = 200) -> tuple[float, float] | None:
        """How close a past post usually is to its nearest other past post (10th and 90th
        percentile, over up to `sample` posts): the scale the vote gate reads a new post's
        nearest similarity on. None when the profile is too small to say."""
        if self.n_posts < 5:
            return None
        rng = np.random.default_rng(0)
        picks = rng.choice(self.n_posts, min(sample, self.n_posts), replace=False)
        text_of = {int(r): i for i, r in enumerate(self.text_rows)}
        image_of = {int(r): i for i, r in enumerate(self.image_rows)}
        best = []
        for post in picks:
            t = self.text[text_of[post]] if int(post) in text_of else None
            im = self.images[image_of[post]] if int(post) in image_of else None
            sims = self.similarities(t, im)
            sims[post] = np.nan
            if np.any(~np.isnan(sims)):
                best.append(float(np.nanmax(sims)))
        if len(best) < 5:
            return None
        low, high = np.percentile(best, [10, 90])
        return (float(low), float(high)) if high > low else None

    def _projection(self, rows: np.ndarray) -> np.ndarray | None:
        """For a large profile, the top principal directions of its own embeddings.

        Why: one cosine per past post is the scorer's main cost (10,000 photos: 13 M
        multiply-adds a post at 1280-d); `image_dims` directions of the user's own posts
        keep the nearest neighbours and cost a fraction. Profiles up to `exact_images`
        posts stay exact (so the two real users in the benchmark are never projected)."""
        if len(rows) <= self.exact_images or self.image_dims >= rows.shape[1]:
            return None
        rng = np.random.default_rng(0)
        sample = rows[rng.choice(len(rows), min(len(rows), 4000), replace=False)]
        _u, _s, vt = np.linalg.svd(sample - sample.mean(axis=0), full_matrices=False)
        return vt[: self.image_dims].T.astype(np.float32)

    # -- scoring --------------------------------------------------------------
    def score(self, query: Query, vocab: Vocab) -> Scores:
        return self.score_many([query], vocab)[0]

    def score_many(self, queries: Sequence[Query], vocab: Vocab) -> list[Scores]:
        if not self.n_posts:
            return [{} for _ in queries]
        for query in queries:  # the user's own tags count as support (grounding, photo-only rules)
            query.cache.setdefault(PROFILE_SUPPORT, set()).update(k for k in self.keys if k not in self.banned)
        texts = self._query_texts(queries)
        pictures = self._query_images(queries)
        return [self._score_one(q, t, p) for q, t, p in zip(queries, texts, pictures, strict=True)]

    def _query_texts(self, queries: Sequence[Query]) -> list[np.ndarray | None]:
        if not len(self.text_rows):
            return [None] * len(queries)
        from taglens.models.scorers.sentence import ensure_caption_embeddings

        out: list[np.ndarray | None] = []
        for vector in ensure_caption_embeddings(queries):
            if not np.any(vector):
                out.append(None)
                continue
            v = vector.astype(np.float32) if self.text_projection is None else vector @ self.text_projection
            out.append(v / max(float(np.linalg.norm(v)), 1e-9))
        return out

    def _query_images(self, queries: Sequence[Query]) -> list[np.ndarray | None]:
        if not (self.use_images and len(self.image_rows)):
            return [None] * len(queries)
        from taglens.vision.features import ensure_image_evidence, has_pictures

        out: list[np.ndarray | None] = [None] * len(queries)
        todo = [i for i, q in enumerate(queries) if has_pictures(q)]
        if todo:
            for i, evidence in zip(todo, ensure_image_evidence([queries[i] for i in todo]), strict=True):
                if evidence is not None and not evidence.empty:
                    feature = evidence.mean_feature().astype(np.float32)
                    if self.projection is not None:
                        feature = feature @ self.projection
                    out[i] = feature / max(float(np.linalg.norm(feature)), 1e-9)
        return out

    def similarities(self, text: np.ndarray | None, image: np.ndarray | None) -> np.ndarray:
        """Each past post's similarity to this one (NaN where neither side can be compared)."""
        total = np.zeros(self.n_posts)
        sides = np.zeros(self.n_posts)
        if text is not None:
            total[self.text_rows] += self.text @ text
            sides[self.text_rows] += 1
        if image is not None:
            total[self.image_rows] += self.images @ image
            sides[self.image_rows] += 1
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(sides > 0, total / np.maximum(sides, 1), np.nan)

    def _score_one(self, query: Query, text: np.ndarray | None, image: np.ndarray | None) -> Scores:
        sims = self.similarities(text, image)
        if self.absolute:
            totals = self._posterior(sims)
            if self.word_weight and self.word_posts:
                totals = self._with_words(totals, query)
        else:
            totals = self.recency_weight * self.recency + self._neighbour_votes(sims)
        given = [self.key_index[g] for g in query.given if g in self.key_index]
        if given and self.cooc_weight:
            totals = totals + self.cooc_weight * self._cooccurrence(given)
        if self.factors is not None:
            totals = totals * self.factors
        banned = set(query.given) | self.banned
        order = np.argsort(-totals, kind="stable")
        out: Scores = {}
        for i in order:
            if totals[i] <= 0 or len(out) >= self.limit:
                break
            key = self.keys[i]
            if key in banned:
                continue
            out[key] = float(totals[i])
            if key in self.displays and key not in query.displays:
                query.displays[key] = self.displays[key]
        return out

    def _posterior(self, sims: np.ndarray, recency: np.ndarray | None = None) -> np.ndarray:
        """P(tag on this post): the nearest posts' tags under an absolute kernel, shrunk to the
        tag's recency-weighted share r_t with the strength of `prior` posts (see module doc).
        `recency` replaces r_t (the replay's: the share among the posts before the replayed one)."""
        hits = np.zeros(len(self.keys))
        mass = 0.0
        known = np.flatnonzero(~np.isnan(sims))
        if len(known):
            take = min(self.k, len(known))
            near = known[np.argpartition(-sims[known], take - 1)[:take]]
            weights = np.exp((np.minimum(sims[near], 1.0) - 1.0) / max(self.kernel, 1e-6))
            for post, weight in zip(near, weights, strict=True):
                hits[self.tag_ids[self.tag_ptr[post]:self.tag_ptr[post + 1]]] += weight
            mass = float(weights.sum())
        share = self.recency if recency is None else recency
        return (hits + self.prior * share) / (mass + self.prior)

    # -- replay: the user's own posts, each predicted from the posts before it -----
    def replay(self, last: int = 200, min_history: int = 3, top: int = 3) -> list[list[tuple[float, bool]]]:
        """For each of the last `last` tagged posts (with at least `min_history` before it), the
        calibrated P and hit/miss of this scorer's `top` tags when that post is predicted from the
        posts before it only (its own tags hidden). Why: how far this user's P(tag) can be trusted
        is measured on their own history (profile/selftrust.py), never on anyone's evaluation
        posts. Runs on the stored embeddings (no encoder); cost ~ `last` x one score."""
        out: list[list[tuple[float, bool]]] = []
        if not self.absolute:
            return out
        text_of = {int(r): i for i, r in enumerate(self.text_rows)}
        image_of = {int(r): i for i, r in enumerate(self.image_rows)}
        start = max(min_history, self.n_posts - last)
        if start >= self.n_posts:
            return out
        decay = 0.5 ** (1.0 / max(self.half_life, 1e-9))
        end = int(self.tag_ptr[start])  # the recency share of the posts before `start`, then kept up
        prefix = np.bincount(self.tag_ids[:end], weights=decay ** (start - 1 - self.post_of_use[:end]),
                             minlength=len(self.keys))
        norm = float(np.sum(decay ** np.arange(start)))
        for post in range(start, self.n_posts):
            if post > start:  # one post older for all, plus post - 1 at weight 1
                prefix *= decay
                prefix[self.tag_ids[self.tag_ptr[post - 1]:self.tag_ptr[post]]] += 1.0
                norm = norm * decay + 1.0
            t = self.text[text_of[post]] if post in text_of else None
            im = self.images[image_of[post]] if post in image_of else None
            sims = self.similarities(t, im)
            sims[post:] = np.nan
            end = int(self.tag_ptr[post])
            p = self._posterior(sims, prefix / max(norm, 1e-12))
            if self.factors is not None:
                p = p * self.factors
            gold = set(self.tag_ids[end:int(self.tag_ptr[post + 1])].tolist())
            best = np.argsort(-p, kind="stable")[:top]
            out.append([(float(p[i]), int(i) in gold) for i in best if p[i] > 0])
        return out

    def word_evidence(self, query: Query) -> np.ndarray:
        """Per own tag, the sum over this caption's words the user has used of log P(w | t) / P(w),
        clipped to [0, word_cap]; 0 for a tag none of these words ever came with."""
        from taglens.profile.words import caption_words

        out = np.zeros(len(self.keys))
        seen = np.zeros(len(self.keys), dtype=bool)
        n = self.n_posts
        for word in caption_words(query.post.text):
            posts = self.word_posts.get(word)
            if posts is None:
                continue
            p_w = (len(posts) + 1.0) / (n + 2.0)
            uses = np.concatenate([self.tag_ids[self.tag_ptr[p]:self.tag_ptr[p + 1]] for p in posts])
            together = np.bincount(uses, minlength=len(self.keys)).astype(np.float64)
            out += np.log((together + self.beta * p_w) / ((self.tag_posts + self.beta) * p_w))
            seen[together >= self.min_together] = True
        return np.where(seen, np.clip(out, 0.0, self.word_cap), 0.0)

    def _with_words(self, p: np.ndarray, query: Query) -> np.ndarray:
        """P(t | post) with the word evidence added to its log odds."""
        evidence = self.word_evidence(query)
        if not np.any(evidence):
            return p
        q = np.clip(p, 1e-6, 1 - 1e-6)
        logit = np.log(q / (1 - q)) + self.word_weight * evidence
        return np.where(evidence > 0, 1.0 / (1.0 + np.exp(-logit)), p)

    def _neighbour_votes(self, sims: np.ndarray) -> np.ndarray:
        votes = np.zeros(len(self.keys))
        known = np.flatnonzero(~np.isnan(sims))
        if not len(known):
            return votes
        take = min(self.k, len(known))
        near = known[np.argpartition(-sims[known], take - 1)[:take]]
        if self.closeness > 0:  # absolute: a vote counts as much as its post is close to this one
            weights = np.maximum(sims[near], 0.0) ** self.closeness
        else:  # relative: the nearest posts share one vote, however far they are
            weights = np.exp((sims[near] - sims[near].max()) / self.temperature)
            weights /= weights.sum()
        if self.gate_range is not None:  # a post unlike anything the user posted gets few votes
            low, high = self.gate_range
            weights = weights * min(max((float(sims[near].max()) - low) / (high - low), 0.0), 1.0)
        for post, weight in zip(near, weights, strict=True):
            votes[self.tag_ids[self.tag_ptr[post]:self.tag_ptr[post + 1]]] += weight
        return votes

    def _cooccurrence(self, given: Sequence[int]) -> np.ndarray:
        """Mean over the given tags g of P(tag | g) in the user's posts."""
        out = np.zeros(len(self.keys))
        for g in given:
            posts = np.unique(self.post_of_use[self.tag_ids == g])
            for post in posts:
                out[self.tag_ids[self.tag_ptr[post]:self.tag_ptr[post + 1]]] += 1.0 / (len(posts) * len(given))
        out[list(given)] = 0.0
        return out

    # -- storage --------------------------------------------------------------
    def save(self, folder: Path) -> None:
        from taglens.profile.store import profile_to_json

        self.save_params(folder)
        (folder / "profile.json").write_text(json.dumps(profile_to_json(self.profile or Profile("empty"))))
        (folder / "kinds.json").write_text(json.dumps(self.kind_factor))

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "PersonalScorer":
        from taglens.profile.store import profile_from_json

        scorer = cls(**params)
        profile = profile_from_json(json.loads((folder / "profile.json").read_text(encoding="utf-8")))
        kinds = json.loads((folder / "kinds.json").read_text(encoding="utf-8"))
        return scorer.set_profile(profile, kinds)
