"""Give an already trained model more scorers, without retraining it.

Why this is exact: a scorer added after training (the image scorers, a labels
head, a personal profile) is silent on the text-only posts the combiner learned
from, so those posts rank exactly as before. For the learned combiner a new
scorer is *attached* (`LearnedCombiner.attached`): it adds weight x unit x its
normalised score, outside the trained features, so the linear weights and the
residual trees keep reading the columns they were trained on. For the weighted
combiner the scorer simply gets a weight.

Scorers already in the model are kept; `weights` resets their weight (their
fixed weight when they are part of the learned features).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from taglens.models.base import Scorer, create_scorer
from taglens.models.combiner import Combiner, WeightedSumCombiner
from taglens.models.model_dir import ModelBundle
from taglens.models.train import DEFAULT_CONFIG

IMAGE_SCORERS = ("image_zeroshot", "image_topic", "image_head", "image_knn")
# Multiples of the combiner's unit weight: the default config's, so a rebuilt model and an attached one agree.
LEARNED_FIXED = dict(DEFAULT_CONFIG["combiner"]["fixed"])
WEIGHTED = {"image_zeroshot": 1.0, "image_topic": 0.75, "image_head": 1.0, "image_knn": 1.0}


def attach_scorers(bundle: ModelBundle, scorers: Sequence[Scorer], weights: Mapping[str, float],
                   note: str | None = None) -> ModelBundle:
    """A new bundle: `bundle`'s scorers plus `scorers` (fitted already), weighted by `weights`.

    A scorer whose name the model already has replaces it. `weights` are multiples of
    the learned combiner's unit weight, or plain weights for the weighted combiner."""
    new_names = {s.name for s in scorers}
    kept = [s for s in bundle.scorers if s.name not in new_names]
    combiner = _extend(bundle.combiner, [s.name for s in scorers], bundle, weights)
    extras = dict(bundle.extras)
    if note:
        extras["attached"] = {**extras.get("attached", {}), **{n: note for n in new_names}}
    return ModelBundle(bundle.vocab, kept + list(scorers), combiner, bundle.training, bundle.metrics, extras)


def add_image_scorers(bundle: ModelBundle, fixed: Mapping[str, float] | None = None) -> ModelBundle:
    """The same model plus the image scorers fitted on its vocabulary (image_head and
    image_knn stay empty: no pictures in hand); existing ones keep their fit, re-weighted."""
    have = {s.name: s for s in bundle.scorers}
    scorers = []
    for name in IMAGE_SCORERS:
        scorer = have.get(name)
        if scorer is None:
            scorer = create_scorer(name)
            scorer.fit([], bundle.vocab)
        scorers.append(scorer)
    defaults = LEARNED_FIXED if bundle.combiner.name == "learned" else WEIGHTED
    weights = {n: (fixed or {}).get(n, defaults.get(n, 1.0)) for n in IMAGE_SCORERS}
    return attach_scorers(bundle, scorers, weights, note="added by taglens.models.attach without retraining")


def _extend(combiner: Combiner, names: list[str], bundle: ModelBundle, weights: Mapping[str, float]) -> Combiner:
    if isinstance(combiner, WeightedSumCombiner):
        return WeightedSumCombiner({**combiner.weights, **{n: float(weights.get(n, 1.0)) for n in names}})
    if combiner.name != "learned":
        raise ValueError(f"cannot add scorers to a {combiner.name!r} combiner")
    from taglens.models.learned import LearnedCombiner

    old: LearnedCombiner = combiner  # type: ignore[assignment]
    inside = [n for n in names if n in old.scorers]  # part of the trained features: re-weight them there
    fixed = {**old.fixed, **{n: float(weights.get(n, old.fixed.get(n, 1.0))) for n in inside}}
    attached = {**old.attached, **{n: float(weights.get(n, 1.0)) for n in names if n not in old.scorers}}
    new = LearnedCombiner(scorers=old.scorers, fixed=fixed, contexts=old.contexts, l2=old.l2,
                          max_validation=old.max_validation, share=old.share, seed=old.seed,
                          trained=old.trained, trees=old.tree_params, attached=attached,
                          captioned=old.captioned, floors=old.floors, off_topic=old.off_topic)
    new.trees = old.trees
    new.bind(bundle.vocab)
    w = np.asarray(old.weights, dtype=np.float64).copy()
    unit = old.unit
    for i, n in enumerate(new.features.names):
        if n.startswith("norm:") and n[5:] in inside and n[5:] not in old.trained:
            w[i] = fixed[n[5:]] * unit
    new.weights = w
    return new
