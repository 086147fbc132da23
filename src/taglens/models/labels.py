"""Give a trained model the photo's own words: the concept scorer and labels heads, attached.

    bundle = add_labels(load_model("default"), ["heads/mine"])   # what `--labels HEAD_DIR` does

Both join through `taglens.models.attach.attach_scorers`, so the trained text
weights and residual trees are untouched and a text-only post ranks exactly as
before (these scorers are silent without pictures). The weights are multiples of
the learned combiner's unit weight, chosen on the train split of the labelled sets
(benchmarks/vision.py, image-labels section) so that a photo's named concept
outranks the generic topic tags the older image scorers push.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from pathlib import Path

from taglens.models.attach import attach_scorers
from taglens.models.model_dir import ModelBundle

CONCEPTS_WEIGHT = 20.0
LABELS_WEIGHT = 30.0


def add_concepts(bundle: ModelBundle, weight: float = CONCEPTS_WEIGHT) -> ModelBundle:
    """The bundle plus the image_concepts scorer fitted on its vocabulary."""
    from taglens.models.scorers.image_concepts import ImageConceptsScorer

    scorer = ImageConceptsScorer()
    scorer.fit([], bundle.vocab)
    return attach_scorers(bundle, [scorer], {scorer.name: weight},
                          note="image_concepts: WordNet concepts of the ImageNet classes (taglens.models.labels)")


def add_labels(bundle: ModelBundle, heads: Iterable[str | Path], weight: float = LABELS_WEIGHT,
               params: Mapping[str, dict[str, Any]] | None = None) -> ModelBundle:
    """The bundle plus one image_labels scorer per head folder (InputError for a folder that is not a head);
    `params[folder name]` sets a head's scorer params (max_labels, min_prob)."""
    from taglens.models.scorers.image_labels import ImageLabelsScorer

    scorers = [ImageLabelsScorer.from_dir(h, bundle.vocab, **(params or {}).get(Path(h).name, {})) for h in heads]
    if not scorers:
        return bundle
    return attach_scorers(bundle, scorers, {s.name: weight for s in scorers},
                          note="labels head attached by taglens.models.labels")
