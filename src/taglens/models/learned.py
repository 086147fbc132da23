"""The learned combiner: learning to rank over the scorers' outputs.

Fixed weights cannot know that the kNN vote is worth more than popularity on a
caption, but far less than co-occurrence once a tag is given. This combiner
learns that from a validation split the scorers never trained on.

Features of a candidate tag, per scorer s (all 0 when s did not propose it):
  norm_s   score / s's best score for this post (the weighted combiner's input)
  raw_s    the raw score clipped to [0, 1] (a cosine, a share, a probability)
  rank_s   1 / sqrt(rank in s's list)
plus tag features: log popularity, in the vocabulary, share of scorers proposing it,
and two kinds of products: norm_s x in-vocabulary (a caption word that people
also use as a tag) and norm_a x norm_b for each pair (two scorers agreeing).
Every feature appears in several blocks: once always, and once per *context*
scorer that spoke for this post (co-occurrence: tags were given; openvocab: the
post has a caption), because the evidence that matters differs between a bare
caption, a bare tag list and a tagged caption.

Model: a linear score, trained with a listwise softmax loss (the gold tags'
probability mass among each post's candidates; ListNet-style) plus L2, by
L-BFGS. Posts where the `gate` scorer spoke (a caption) and posts where it did
not (a bare tag list) each carry half the loss, however many of each there are.
It is plain numpy at serving time; weights live in the manifest. Validation
features are held as sparse matrices (about 4% non-zero) while training.

Optional residual trees (`trees: {...}`): boosted regression trees (LightGBM's
lambdarank at training, `models/trees.py` numpy at serving) fitted on top of
the linear score (its init score) for posts where the `gate` context scorer
spoke (default openvocab: the post has a caption). A linear score cannot say
'kNN agreeing with TF-IDF matters only for a rare tag'; the trees add such
interactions as a correction, in the linear score's own units, so the fixed
image weights and the evidence (read off the linear part) keep their meaning,
and tag-list queries keep the linear ranking.

Scorers the validation data cannot train (image scorers: the validation posts
have no images) get a *fixed* weight instead: `fixed: {"image_x": 1.0}` puts
1.0 x (the mean learned norm weight of the trained scorers) on their norm
feature. A scorer absent for a post (no image) contributes 0 to every
candidate, so the other scorers' ranking is unchanged: absence never breaks it.

Evidence of a suggestion: the scorers whose features carry at least `share` of
its positive score.

*Attached* scorers (`attached: {"image_labels": 10.0}`) join a trained combiner
without retraining it: a scorer added after training (a labels head, a profile,
an image-text map) adds `weight x unit x norm_s` to each candidate's score, where
unit is the mean learned norm weight. They take no feature column, so the linear
weights and the residual trees read exactly the features they were trained on,
and a post the attached scorer is silent on is ranked exactly as before.
`captioned` ({"image_text": 6.0, "image_zeroshot": 2.0}) gives image scorers (fixed or
attached) another weight, in the same unit, on posts with a caption (the gate scorer
spoke): the weight of the photo against the caption is learned from real posts with
pictures (benchmarks/image_text.py), while photo-only posts keep the prior.
`floors` ({"image_concepts": 0.5}) are for attached scorers whose scores are
probabilities: such a scorer's answers are divided by max(best, floor) rather than by
their best, so a post's best ImageNet concept at 0.17 (a three-dog photo read as
'llama') counts a third of a sure one, where over its own best it would count fully
(benchmarks/concept_confidence.py).
`off_topic` ({"image_topic": 1.0}) is for posts of pictures only: `combine(off_topic=p)`, p the
image topic head's p('none of these'), weighs each named scorer's features by 1 - w x p. The
topic head's tags (#nature, #art, #travel: 18 % of Flickr8k photos' top 5 positions, said by
none of their captions) are its topic probabilities bridged to tags, and a post's scores are
read over their best, which hides how little of the photo the topics claim; this gives it back.
A photo of the corpus' topics (p near 0) is ranked as before.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from taglens.errors import InputError
from taglens.query import Query
from taglens.models.base import Scores, Vocab
from taglens.models.combiner import Combiner, Ranked, register_combiner
from taglens.models.trees import TreeEnsemble

if TYPE_CHECKING:
    from taglens.models.model_dir import ModelBundle
    from taglens.post import Post

PER_SCORER = ("norm", "raw", "rank")
Features = np.ndarray | sparse.csr_matrix
Group = tuple[sparse.csr_matrix, np.ndarray]  # one validation post: candidate features, gold flags
TREES_FILE = "trees.npz"
GLOBAL = ("popularity", "in_vocab", "agreement")


class FeatureBuilder:
    """Turns one post's per-scorer candidates into a feature matrix."""

    def __init__(self, scorers: Sequence[str], contexts: Sequence[str], vocab: Vocab | None) -> None:
        self.scorers = list(scorers)
        self.contexts = [c for c in contexts if c in self.scorers]
        self.set_vocab(vocab)

    def set_vocab(self, vocab: Vocab | None) -> None:
        self.vocab = vocab
        top = int(vocab.counts.max(initial=1)) if vocab is not None and len(vocab) else 1
        self.log_top = math.log1p(top)

    @property
    def pairs(self) -> list[tuple[int, int]]:
        n = len(self.scorers)
        return [(a, b) for a in range(n) for b in range(a + 1, n)]

    @property
    def base_names(self) -> list[str]:
        names = [f"{f}:{s}" for s in self.scorers for f in PER_SCORER] + list(GLOBAL)
        names += [f"vocab*norm:{s}" for s in self.scorers]
        return names + [f"both:{self.scorers[a]}+{self.scorers[b]}" for a, b in self.pairs]

    @property
    def names(self) -> list[str]:
        return self.base_names + [f"{c}*{n}" for c in self.contexts for n in self.base_names]

    def build(self, per_scorer: Mapping[str, Scores],
              extra: Sequence[str] = ()) -> tuple[list[str], np.ndarray]:
        """(candidate keys, feature matrix): the base block, then one copy per context,
        zero where that context's scorer did not speak (what the weights are learned on).

        `extra` scorers add candidates (rows) but no columns: an attached scorer's
        candidate gets the same tag features (popularity, in vocabulary) as any other."""
        keys, base, on = self.build_base(per_scorer, extra)
        return keys, np.hstack([base] + [base * (1.0 if spoke else 0.0) for spoke in on])

    def build_base(self, per_scorer: Mapping[str, Scores],
                   extra: Sequence[str] = ()) -> tuple[list[str], np.ndarray, list[bool]]:
        """(candidate keys, base block, which contexts spoke): `build` without the context
        copies, which serving never needs whole (a ~500-candidate post's full matrix is
        three times the base block, and every product with it reads all of it)."""
        on = [bool(per_scorer.get(c)) for c in self.contexts]
        index: dict[str, int] = {}
        for name in (*self.scorers, *extra):
            for key in per_scorer.get(name) or ():
                index.setdefault(key, len(index))
        keys = list(index)
        n, s = len(keys), len(self.scorers)
        if not n:
            return keys, np.zeros((0, len(self.base_names)), dtype=np.float32), on
        base = np.zeros((n, s * len(PER_SCORER) + len(GLOBAL)), dtype=np.float32)
        active = 0
        for j, name in enumerate(self.scorers):
            scores = per_scorer.get(name) or {}
            if not scores:
                continue
            active += 1
            rows = np.fromiter((index[k] for k in scores), dtype=np.int64, count=len(scores))
            values = np.maximum(np.fromiter(scores.values(), dtype=np.float64, count=len(scores)), 0.0)
            best = values.max()
            ranks = np.empty(len(values))
            ranks[np.argsort(-values, kind="stable")] = np.arange(1, len(values) + 1)
            base[rows, 3 * j] = values / (best if best > 0 else 1.0)
            base[rows, 3 * j + 1] = np.minimum(values, 1.0)
            base[rows, 3 * j + 2] = 1.0 / np.sqrt(ranks)
        g = s * len(PER_SCORER)
        if self.vocab is not None:
            ids = np.fromiter((self.vocab.index.get(k, -1) for k in keys), dtype=np.int64, count=n)
            counts = np.where(ids >= 0, self.vocab.counts[np.maximum(ids, 0)], 0)
            base[:, g] = np.log1p(counts) / self.log_top
            base[:, g + 1] = counts > 0
        base[:, g + 2] = (base[:, 2:g:3] > 0).sum(axis=1) / max(active, 1)
        norms = base[:, 0:g:3]
        pairs = self.pairs
        cross = norms[:, [a for a, _ in pairs]] * norms[:, [b for _, b in pairs]] if pairs else norms[:, :0]
        return keys, np.hstack([base, norms * base[:, g + 1:g + 2], cross]), on


@register_combiner
class LearnedCombiner(Combiner):
    """Linear learning-to-rank over scorer features; see the module docstring."""

    name = "learned"
    # Attached scorers whose scores are probabilities, read as they are rather than over the
    # post's best (the personal scorer's calibrated P(tag), set per view by profile/attach.py).
    absolute: frozenset[str] = frozenset()

    def __init__(self, scorers: Sequence[str] = (), weights: Sequence[float] | None = None,
                 fixed: Mapping[str, float] | None = None,
                 contexts: Sequence[str] = ("cooccurrence", "openvocab"),
                 l2: float = 1e-3, max_validation: int | Mapping[str, int] = 10000, share: float = 0.2,
                 seed: int = 7, trained: Sequence[str] | None = None,
                 trees: Mapping[str, Any] | None = None, attached: Mapping[str, float] | None = None,
                 captioned: Mapping[str, float] | None = None, floors: Mapping[str, float] | None = None,
                 off_topic: Mapping[str, float] | None = None) -> None:
        self.scorers = list(scorers)
        self.off_topic = {k: float(v) for k, v in (off_topic or {}).items()}
        self.floors = _floors(floors or {})
        self.captioned = {k: float(v) for k, v in (captioned or {}).items()}
        self.attached = {k: float(v) for k, v in (attached or {}).items() if k not in self.scorers}
        self.fixed = dict(fixed or {})
        self.contexts = list(contexts)
        self.l2, self.share, self.seed = float(l2), float(share), int(seed)
        self.max_validation = dict(max_validation) if isinstance(max_validation, Mapping) else int(max_validation)
        self.features = FeatureBuilder(self.scorers, self.contexts, None)
        self.weights = np.asarray(weights, dtype=np.float64) if weights is not None else None
        self.trained = list(trained or [])
        self.tree_params = dict(trees or {})
        self.trees: TreeEnsemble | None = None

    # -- serving --------------------------------------------------------------
    def combine(self, per_scorer: Mapping[str, Scores], off_topic: float = 0.0) -> list[Ranked]:
        if self.weights is None:
            raise RuntimeError("learned combiner used before fit")
        extra = [n for n in self.attached if per_scorer.get(n)]
        keys, base, on = self.features.build_base(per_scorer, extra)
        if not keys:
            return []
        captioned = bool(self.captioned) and bool(per_scorer.get(self._gate))
        weights = self._folded(self._captioned_weights() if captioned else self.weights, on)
        if off_topic > 0 and self.off_topic:
            weights = weights * self._off_topic_scale(min(float(off_topic), 1.0))
        totals = base @ weights
        if self.trees is not None and per_scorer.get(self._gate):
            totals = totals + self.trees.predict(self._tree_input_of(base, on))
        added = self._attached_contributions(per_scorer, keys, extra, captioned)
        if added.shape[1]:
            totals = totals + added.sum(axis=1)
        order = np.argsort(-totals, kind="stable")
        evidence = self._evidence_of(base[order], on, added[order], extra)
        return [Ranked(keys[i], float(totals[i]), ev) for i, ev in zip(order, evidence, strict=True)]

    def _off_topic_scale(self, off: float) -> np.ndarray:
        """Per base feature, the factor of its weight on a post of pictures only `off` away from
        the corpus' topics: max(0, 1 - w x off) for an `off_topic` scorer's features (its own
        and its products with others; the larger w where a product joins two), 1 for the rest."""
        return np.maximum(0.0, 1.0 - self._off_topic_weights() * off)

    def _off_topic_weights(self) -> np.ndarray:
        """Each base feature's `off_topic` weight (0 for features of no such scorer), once per
        setting: combine() asks on every post of pictures only."""
        setting = (tuple(sorted(self.off_topic.items())), len(self.features.base_names))
        cached = getattr(self, "_off_topic_cache", None)
        if cached is None or cached[0] != setting:
            def weight(feature: str) -> float:
                kind, _, rest = feature.partition(":")
                named = rest.split("+") if kind in (*PER_SCORER, "vocab*norm", "both") else ()
                return max((self.off_topic[n] for n in named if n in self.off_topic), default=0.0)
            cached = (setting, np.asarray([weight(n) for n in self.features.base_names]))
            self._off_topic_cache = cached
        return cached[1]

    def _folded(self, weights: np.ndarray, on: Sequence[bool]) -> np.ndarray:
        """The weights of the full matrix as weights of its base block: a context's copy of
        the base is the base itself or zero, so its weights add to the base's or drop out."""
        blocks = weights.reshape(1 + len(on), -1)
        return blocks[0] + sum((blocks[1 + i] for i, spoke in enumerate(on) if spoke), np.zeros(blocks.shape[1]))

    @property
    def unit(self) -> float:
        """The mean learned norm weight: the unit that fixed and attached weights are given in."""
        if self.weights is None:
            return 1.0
        cached = getattr(self, "_unit", None)  # once per weight vector: combine() asks on every post
        if cached is None or cached[0] is not self.weights:
            cached = (self.weights, unit_weight(self.features.names, self.weights, self.trained))
            self._unit = cached
        return cached[1]

    def _captioned_weights(self) -> np.ndarray:
        """The weights with the `captioned` weights of untrained (fixed) scorers' norm columns
        (once per weight vector: combine() asks on every captioned post)."""
        cached = getattr(self, "_captioned", None)
        if cached is None or cached[0] is not self.weights or cached[1] != (self.captioned, tuple(self.trained)):
            cached = (self.weights, (dict(self.captioned), tuple(self.trained)), self._with_captioned_weights())
            self._captioned = cached
        return cached[2]

    def _with_captioned_weights(self) -> np.ndarray:
        w = np.asarray(self.weights, dtype=np.float64).copy()
        unit = self.unit
        for i, n in enumerate(self.features.names):
            if n.startswith("norm:") and n[5:] in self.captioned and n[5:] not in self.trained:
                w[i] = self.captioned[n[5:]] * unit
        return w

    def _attached_contributions(self, per_scorer: Mapping[str, Scores], keys: Sequence[str],
                                extra: Sequence[str], captioned: bool = False) -> np.ndarray:
        """(candidates x attached scorers that spoke): weight x unit x score / best score (or over
        max(best, floor) for a scorer with a floor; as it is for an `absolute` one)."""
        out = np.zeros((len(keys), len(extra)))
        if not extra:
            return out
        index = {k: i for i, k in enumerate(keys)}
        unit = self.unit
        for j, name in enumerate(extra):
            scores = per_scorer[name]
            weight = self.captioned.get(name, self.attached[name]) if captioned else self.attached[name]
            best = max(scores.values())
            scale = 1.0 if name in self.absolute or best <= 0 else max(best, self.floors.get(name, 0.0))
            for key, value in scores.items():
                out[index[key], j] = weight * unit * max(value, 0.0) / scale
        return out

    def _evidence_of(self, base: np.ndarray, on: Sequence[bool], added: np.ndarray | None = None,
                     extra: Sequence[str] = ()) -> list[list[str]]:
        """Per row: scorers carrying at least `share` of its positive per-scorer contribution.

        A scorer's contribution is its own features plus its `vocab*norm` column and half
        of each `both:` product it takes part in: without those, a tag lifted by them
        (popular, proposed by two scorers) had no scorer over the share and showed
        `evidence: []`. Where no scorer adds anything positive, the scorers that proposed
        the tag are named, strongest first: every suggestion says why it is there.

        Read from the base block: a context that spoke repeats it under its own weights.
        """
        s = len(self.scorers)
        blocks = self.weights.reshape(1 + len(on), -1)
        contrib = np.maximum(base * blocks[0], 0.0)
        for i in (i for i, spoke in enumerate(on) if spoke):
            contrib += np.maximum(base * blocks[1 + i], 0.0)
        by_scorer = contrib[:, : 3 * s].reshape(len(base), s, 3).sum(axis=2)
        g = 3 * s + len(GLOBAL)
        by_scorer = by_scorer + contrib[:, g:g + s]
        for p, (a, b) in enumerate(self.features.pairs):
            half = contrib[:, g + s + p] / 2.0
            by_scorer[:, a] += half
            by_scorer[:, b] += half
        proposed = base[:, : 3 * s].reshape(len(base), s, 3).max(axis=2)
        names = list(self.scorers)
        if added is not None and added.shape[1]:
            by_scorer = np.hstack([by_scorer, np.maximum(added, 0.0)])
            proposed = np.hstack([proposed, added])
            names += list(extra)
        total = by_scorer.sum(axis=1, keepdims=True)
        strong = (by_scorer >= self.share * total) & (total > 0)
        order = np.argsort(-by_scorer, axis=1, kind="stable")
        # every row's strong scorers, strongest first, in one pass: a ~500-row post made a
        # Python loop over rows x scorers the largest part of this function
        rows, ranks = np.nonzero(np.take_along_axis(strong, order, axis=1))
        flat = np.asarray(names, dtype=object)[order[rows, ranks]].tolist()
        ends = np.cumsum(np.bincount(rows, minlength=len(base))).tolist()
        out = [flat[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]
        for i, row in enumerate(out):
            if not row:
                out[i] = [names[j] for j in np.argsort(-proposed[i], kind="stable") if proposed[i, j] > 0]
        return out

    @property
    def _gate(self) -> str:
        return str(self.tree_params.get("gate", "openvocab"))

    def _tree_input_of(self, base: np.ndarray, on: Sequence[bool]) -> np.ndarray:
        """`_tree_input` of the full matrix, from its base block: a context's flag is 1 on
        the rows where its copy of the base has any non-zero feature."""
        if not on:
            return base
        nonzero = base.any(axis=1)
        flags = np.stack([nonzero & spoke for spoke in on], axis=1)
        return np.hstack([base, flags.astype(base.dtype)])

    def _tree_input(self, x: Features) -> Features:
        """The base block plus one 0/1 column per context: trees find interactions themselves.
        Dense in, dense out (serving); sparse in, sparse out (training)."""
        nb = len(self.features.base_names)
        blocks = [x[:, nb * (i + 1):nb * (i + 2)] for i in range(len(self.features.contexts))]
        if sparse.issparse(x):
            flags = [(b.getnnz(axis=1) > 0)[:, None] for b in blocks]
            return sparse.hstack([x[:, :nb], *[sparse.csr_matrix(f.astype(x.dtype)) for f in flags]], format="csr")
        flags = [b.any(axis=1) for b in blocks]
        return np.hstack([x[:, :nb], np.stack(flags, axis=1).astype(x.dtype)]) if flags else x[:, :nb]

    def bind(self, vocab: Vocab) -> None:
        """Give the combiner the model's vocabulary (popularity features)."""
        self.features.set_vocab(vocab)

    # -- training -------------------------------------------------------------
    def fit(self, bundle: "ModelBundle", validation: Sequence["Post"]) -> None:
        """Learn weights from `validation` posts (their tags hidden, see `validation_queries`)."""
        self.fit_folds([(bundle, validation)])

    def fit_folds(self, folds: Sequence[tuple["ModelBundle", Sequence["Post"]]]) -> None:
        """Learn weights from (scorers, posts those scorers never saw) pairs.

        One pair is a plain validation split. Several pairs are cross-fitting: each
        fold's posts are scored by scorers fitted without them, so every training
        post can teach the combiner once, and `max_validation` is shared by the folds.
        Each fold's features read that fold's vocabulary, so a tag's popularity never
        counts the post that is asking.
        """
        if not self.scorers:
            self.scorers = [s.name for s in folds[0][0].scorers]
            self.features = FeatureBuilder(self.scorers, self.contexts, folds[0][0].vocab)
        groups: list[Group] = []
        gated: list[bool] = []
        spoke: set[str] = set()
        cap = self.max_validation
        limit = ({k: max(1, v // len(folds)) for k, v in cap.items()} if isinstance(cap, dict)
                 else max(1, cap // len(folds)))
        for bundle, posts in folds:
            self.bind(bundle.vocab)
            queries, gold = validation_queries(posts, limit, self.seed)
            for scores, g in zip(iter_scores(bundle, queries), gold, strict=True):
                spoke |= {name for name, s in scores.items() if s}
                keys, x = self.features.build(scores)
                y = np.asarray([k in g for k in keys], dtype=bool)
                if y.any() and not y.all():
                    # sparse: ~4% of the features are non-zero, so every validation post fits in memory
                    groups.append((sparse.csr_matrix(x), y))
                    gated.append(bool(scores.get(self._gate)))
        self.trained = [s for s in self.scorers if s not in self.fixed and s in spoke]
        self.weights = self._learn(groups, _balance(gated))
        self.trees = None
        if self.tree_params:
            self.trees = self._grow_trees([g for g, on in zip(groups, gated, strict=True) if on])

    def _grow_trees(self, groups: list[Group]) -> TreeEnsemble | None:
        """Boosted trees correcting the linear score on gated posts (see the module docstring)."""
        if not groups:
            return None
        try:
            import lightgbm
        except ImportError:
            raise InputError("the learned combiner's trees need LightGBM at training time: "
                             "pip install 'taglens[train]'") from None
        params = {"objective": "lambdarank", "learning_rate": 0.05, "num_leaves": 31, "max_depth": 8,
                  "min_data_in_leaf": 100, "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1,
                  "lambdarank_truncation_level": 20, "verbose": -1, "num_threads": 1, "seed": self.seed,
                  "deterministic": True, "force_row_wise": True}
        params.update({k: v for k, v in self.tree_params.items() if k not in ("gate", "rounds", "serve_rounds")})
        x = sparse.vstack([self._tree_input(g[0]) for g in groups], format="csr")
        init = np.concatenate([g[0] @ self.weights for g in groups])
        y = np.concatenate([g[1] for g in groups]).astype(np.int32)
        data = lightgbm.Dataset(x, y, group=[len(g[1]) for g in groups], init_score=init)
        booster = lightgbm.train(params, data, num_boost_round=int(self.tree_params.get("rounds", 100)))
        return TreeEnsemble.from_lightgbm(booster.dump_model())

    def _learn(self, groups: list[Group], group_weights: np.ndarray | None = None) -> np.ndarray:
        names = self.features.names
        free = np.asarray([_scorer_of(n) in self.trained or _scorer_of(n) is None for n in names])
        w = np.zeros(len(names))
        if groups:
            w[free] = _fit_listwise(groups, free, self.l2, group_weights)
        unit = unit_weight(names, w, self.trained)
        for i, n in enumerate(names):
            scorer = _scorer_of(n)
            if scorer is not None and scorer not in self.trained and n.startswith("norm:"):
                w[i] = self.fixed.get(scorer, 1.0) * unit
        return w

    # -- persistence ----------------------------------------------------------
    def to_config(self) -> dict[str, Any]:
        return {
            "type": self.name, "scorers": self.scorers, "fixed": self.fixed, "contexts": self.contexts,
            "l2": self.l2, "max_validation": self.max_validation, "share": self.share, "seed": self.seed,
            "trained": self.trained, "trees": self.tree_params, "attached": self.attached,
            "captioned": self.captioned, "floors": self.floors, "off_topic": self.off_topic,
            "feature_names": self.features.names,
            "weights": None if self.weights is None else [round(float(v), 6) for v in self.weights],
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], folder: Path | None = None) -> "LearnedCombiner":
        keep = ("scorers", "weights", "fixed", "contexts", "l2", "max_validation", "share", "seed", "trained",
                "trees", "attached", "captioned", "floors", "off_topic")
        combiner = cls(**{k: config[k] for k in keep if k in config})
        if combiner.tree_params and folder is not None and (folder / TREES_FILE).is_file():
            combiner.trees = TreeEnsemble.load(folder / TREES_FILE)
            served = combiner.tree_params.get("serve_rounds")
            if served is not None:  # re-chosen after training (benchmarks/text_limits.py)
                combiner.trees = combiner.trees.first(int(served))
        return combiner

    def save(self, folder: Path) -> None:
        if self.trees is not None:
            folder.mkdir(parents=True, exist_ok=True)
            self.trees.save(folder / TREES_FILE)


def _floors(floors: Mapping[str, Any]) -> dict[str, float]:
    """The `floors` as {scorer: float in [0, 1]}; anything else is a damaged model (ValueError)."""
    if not isinstance(floors, Mapping):
        raise ValueError("combiner 'floors' must map scorer names to numbers")
    out = {}
    for name, value in floors.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"combiner floor of {name!r} must be a number in [0, 1], not {value!r}")
        out[str(name)] = float(value)
    return out


def unit_weight(names: Sequence[str], weights: np.ndarray, learned: Sequence[str]) -> float:
    """The mean learned weight of the scorers' norm features: fixed and attached weights are
    multiples of it. Never below zero (a scorer that ranks backwards on the validation posts
    must not turn every fixed weight upside down): then the mean magnitude, else 1."""
    terms = [float(w) for n, w in zip(names, weights, strict=True) if n.startswith("norm:") and n[5:] in learned]
    if not terms:
        return 1.0
    mean = float(np.mean(terms))
    return mean if mean > 0 else (float(np.mean(np.abs(terms))) or 1.0)


def _scorer_of(feature: str) -> str | None:
    name = feature.split("*", 1)[1] if "*" in feature.split(":", 1)[0] else feature
    if name.startswith("both:") or ":" not in name:
        return None
    return name.split(":", 1)[1]


def validation_queries(posts: Sequence["Post"], limit: int | Mapping[str, int],
                       seed: int) -> tuple[list[Query], list[set[str]]]:
    """Validation posts as the recommender would see them: a post with a caption
    is asked from its caption alone ('caption'); a post without (HARRISON) from its
    first tag ('given1'). At most `limit` of each kind (or `limit[kind]`), a seeded
    sample, so a large tag-list corpus does not crowd out the captions."""
    from taglens.evaluate.protocol import hide
    from taglens.hashtags import remove_hashtags

    rng = np.random.default_rng(seed)
    by_task: dict[str, list[tuple["Post", set[str]]]] = {"caption": [], "given1": []}
    for post in posts:
        task = "caption" if remove_hashtags(post.text).strip() else "given1"
        hidden = hide(post, task)
        if hidden is not None:
            by_task[task].append(hidden)
    queries, gold = [], []
    for task, group in by_task.items():
        cap = limit.get(task, 0) if isinstance(limit, Mapping) else limit
        if len(group) > cap:
            group = [group[i] for i in sorted(rng.choice(len(group), cap, replace=False))]
        queries += [Query.from_post(visible) for visible, _ in group]
        gold += [g for _, g in group]
    return queries, gold


def iter_scores(bundle: "ModelBundle", queries: Sequence[Query], batch: int = 64) -> Iterator[dict[str, Scores]]:
    """Every scorer's answer per query, in order; batched, and streamed so that a
    large validation set never holds all its candidate dicts at once."""
    for start in range(0, len(queries), batch):
        chunk = queries[start:start + batch]
        per: list[dict[str, Scores]] = [{} for _ in chunk]
        for scorer in bundle.scorers:
            for i, scores in enumerate(scorer.score_many(chunk, bundle.vocab)):
                per[i][scorer.name] = scores
        yield from per


def _balance(gated: Sequence[bool]) -> np.ndarray:
    """Per-post loss weights giving captioned posts and bare tag lists half the loss each
    (when both are present), however many of each the validation data holds: neither
    kind of query should buy its ranking at the other's expense by being more numerous."""
    flags = np.asarray(gated, dtype=bool)
    counts = np.asarray([np.count_nonzero(~flags), np.count_nonzero(flags)], dtype=np.float64)
    kinds = np.count_nonzero(counts)
    if kinds == 0:
        return np.zeros(0)
    per_kind = np.divide(1.0, kinds * counts, out=np.zeros(2), where=counts > 0)
    return per_kind[flags.astype(int)] * len(flags)


def _fit_listwise(groups: list[Group], free: np.ndarray, l2: float,
                  group_weights: np.ndarray | None = None) -> np.ndarray:
    """Weights maximising each post's (weighted) softmax mass on its gold candidates."""
    from scipy.optimize import minimize

    x = sparse.vstack([g[0] for g in groups], format="csr")[:, np.flatnonzero(free)]  # float32, ~4% non-zero
    y = np.concatenate([g[1] for g in groups])
    sizes = np.asarray([len(g[1]) for g in groups])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    seg = np.repeat(np.arange(len(groups)), sizes)
    n = len(groups)
    gw = np.ones(n) if group_weights is None else np.asarray(group_weights, dtype=np.float64)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = (x @ w.astype(np.float32)).astype(np.float64)
        smax = np.maximum.reduceat(s, starts)
        e = np.exp(s - smax[seg])
        z_all = np.add.reduceat(e, starts)
        z_pos = np.bincount(seg, weights=e * y, minlength=n)
        value = -np.sum(gw * (np.log(z_pos) - np.log(z_all))) / n + l2 * w @ w
        p_all = e / z_all[seg]
        p_pos = np.where(y, e / np.maximum(z_pos[seg], 1e-300), 0.0)
        grad = (x.T @ (gw[seg] * (p_all - p_pos)).astype(np.float32)).astype(np.float64) / n + 2 * l2 * w
        return float(value), grad

    result = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 300})
    return result.x
