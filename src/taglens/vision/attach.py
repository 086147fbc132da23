"""Give an already trained text model the image scorers, without retraining it.

Why this is exact for the learned combiner: the image scorers are silent on the
text-only validation posts the combiner learns from, so retraining with them
present learns the same text weights, and the image scorers get their fixed
weights (fixed x the mean learned norm weight), which is what this computes.
For the weighted combiner the image scorers are simply added with their weights.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from taglens.models.base import create_scorer
from taglens.models.combiner import Combiner, WeightedSumCombiner
from taglens.models.model_dir import ModelBundle
from taglens.models.train import DEFAULT_CONFIG

IMAGE_SCORERS = ("image_zeroshot", "image_topic", "image_head", "image_knn")
# Multiples of the combiner's unit weight: the default config's, so a rebuilt model and an attached one agree.
LEARNED_FIXED = dict(DEFAULT_CONFIG["combiner"]["fixed"])
WEIGHTED = {"image_zeroshot": 1.0, "image_topic": 0.75, "image_head": 1.0, "image_knn": 1.0}


def add_image_scorers(bundle: ModelBundle, fixed: Mapping[str, float] | None = None) -> ModelBundle:
    """A new bundle: the same text scorers and weights plus the image scorers fitted on its vocabulary.

    Image scorers already in the model are kept; their fixed weights are (re)set to `fixed`."""
    names = [n for n in IMAGE_SCORERS if n not in {s.name for s in bundle.scorers}]
    scorers = list(bundle.scorers)
    for name in names:
        scorer = create_scorer(name)
        scorer.fit([], bundle.vocab)  # no pictures in hand: image_head / image_knn stay empty
        scorers.append(scorer)
    combiner = _extend(bundle.combiner, names, bundle, fixed)
    extras = {**bundle.extras, "image_scorers": "added by taglens.vision.attach without retraining the text model"}
    return ModelBundle(bundle.vocab, scorers, combiner, bundle.training, bundle.metrics, extras)


def _extend(combiner: Combiner, names: list[str], bundle: ModelBundle, fixed: Mapping[str, float] | None = None) -> Combiner:
    if isinstance(combiner, WeightedSumCombiner):
        weights = {**combiner.weights, **{n: (fixed or WEIGHTED)[n] for n in names}}
        return WeightedSumCombiner(weights)
    if combiner.name != "learned":
        raise ValueError(f"cannot add image scorers to a {combiner.name!r} combiner")
    from taglens.models.learned import LearnedCombiner

    old: LearnedCombiner = combiner  # type: ignore[assignment]
    if names and old.trees is not None:
        # the trees read the feature columns by position, and new scorers shift them
        raise ValueError("cannot add image scorers to a combiner with residual trees: retrain the model with them")
    old_w = dict(zip(old.features.names, old.weights, strict=True))
    new = LearnedCombiner(scorers=old.scorers + names, fixed={**old.fixed, **(fixed or LEARNED_FIXED)},
                          contexts=old.contexts, l2=old.l2, max_validation=old.max_validation, share=old.share,
                          seed=old.seed, trained=old.trained, trees=old.tree_params)
    new.trees = old.trees
    new.bind(bundle.vocab)
    unit_terms = [old_w[n] for n in old_w if n.startswith("norm:") and n[5:] in old.trained]
    unit = float(np.mean(unit_terms)) if unit_terms else 1.0
    weights = np.asarray([old_w.get(n, 0.0) for n in new.features.names])
    for i, n in enumerate(new.features.names):  # every image scorer, new or already there
        if n.startswith("norm:") and n[5:] in IMAGE_SCORERS and n[5:] not in old.trained:
            weights[i] = new.fixed.get(n[5:], 1.0) * unit
    new.weights = weights
    return new
