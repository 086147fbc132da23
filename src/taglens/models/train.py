"""Training: configuration as data, turned into a fitted model bundle.

A training config is plain JSON:

    {"vocab": {"min_count": 2, "max_size": 30000},
     "scorers": [{"name": "popularity"}, {"name": "cooccurrence", "alpha": 1.0}],
     "combiner": {"type": "weighted", "weights": {"popularity": 0.05, "cooccurrence": 1.0}}}

Scorers are fitted on the training posts. A combiner that learns (it has a
`fit` method) is fitted on a validation slice held out from those posts, so its
weights are judged on posts the scorers never saw.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from taglens.errors import InputError
from taglens.models.base import Vocab, create_scorer
from taglens.models.combiner import combiner_from_config
from taglens.models.model_dir import ModelBundle, posts_fingerprint
from taglens.post import Post
from taglens.splits import split_key, split_of_post

DEFAULT_CONFIG: dict[str, Any] = {
    # min_count 1: TweetEval's tags are a long tail; the sentence scorer reaches rare tags by their words.
    "vocab": {"min_count": 1, "max_size": 30000},
    # Every training post teaches the combiner once (see train_model); 4 scorer fits instead of 1.
    "crossfit_folds": 3,
    "scorers": [
        {"name": "popularity"},
        {"name": "cooccurrence", "alpha": 1.0},
        {"name": "coverage"},
        {"name": "sentence", "max_tags": 5000},
        {"name": "knn", "max_posts": 28000},
        {"name": "tfidf"},
        {"name": "openvocab"},
        {"name": "topic"},
        {"name": "word2vec", "dim": 32, "max_words": 5000},
        {"name": "glove_topic", "dim": 24, "max_words": 3000, "pretrained_weight": 0.5},
        {"name": "lda"},
        # Pictures (issue 5): silent on posts without images; image_head / image_knn stay empty
        # unless the training posts have pictures (~0.3 MB in all on this vocabulary).
        {"name": "image_zeroshot"},
        {"name": "image_topic"},
        {"name": "image_head"},
        {"name": "image_knn"},
    ],
    # Learned on the validation split; image scorers (absent on text posts) get fixed prior weights.
    # Image weights (x the mean learned norm weight): chosen on topic8 *training* photos, image-only posts;
    # 1.0 leaves popular tags on top (#food first for a painting), ~10 puts the picture's own tags first.
    # (8, 6, 8, 8 until the combiner learned from every captioned post; its unit weight fell 13 %, and
    # x1.3 restores the share of top-5 tags with image evidence on those photos: 0.985 before, 0.987 now.)
    # Residual trees (LightGBM at training, numpy at serving) on captioned posts. Validation queries per kind:
    # every captioned post (features are kept sparse, ~4% non-zero) and a sample of the tag lists; each
    # kind carries half the combiner's loss however many posts it has.
    "combiner": {"type": "learned", "max_validation": {"caption": 40000, "given1": 20000},
                 "trees": {"rounds": 100}, "fixed": {"image_head": 10.4, "image_zeroshot": 10.4, "image_topic": 7.8,
                                              "image_knn": 10.4}},
}


def load_config(path: str | Path | None) -> dict[str, Any]:
    if path is None:
        return copy.deepcopy(DEFAULT_CONFIG)
    try:
        config = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no such config file: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a JSON config ({exc})") from None
    if not isinstance(config, dict) or "scorers" not in config:
        raise InputError(f"{path}: a config needs a 'scorers' list")
    return config


def _with_validation(posts: Sequence[Post], validation: Sequence[Post], config: dict[str, Any],
                     log: Callable[[str], None]) -> tuple[Sequence[Post], Sequence[Post]]:
    """A learning combiner needs posts its scorers never saw: when none are given,
    hold out the hash split 'val' of `posts`; with too few posts for that, fit on them."""
    if validation or config.get("combiner", {}).get("type", "weighted") == "weighted":
        return posts, validation
    held = [p for p in posts if split_of_post(p) == "val"]  # by content: a copy never teaches its twin's ranking
    rest = [p for p in posts if split_of_post(p) != "val"]
    if held and any(p.hashtags for p in rest):
        log(f"holding out {len(held)} posts (hash split 'val') to fit the combiner")
        return rest, held
    log("too few posts to hold out a validation split: the combiner is fitted on the training posts")
    return posts, posts


def train_model(
    posts: Sequence[Post],
    config: dict[str, Any] | None = None,
    *,
    provenance: dict[str, Any] | None = None,
    validation: Sequence[Post] = (),
    log: Callable[[str], None] = lambda _msg: None,
) -> ModelBundle:
    """Fit every scorer in `config` on `posts`; fit a learning combiner on `validation`.

    With `"crossfit_folds": K` (K > 1) in the config and a learning combiner, the
    combiner is cross-fitted instead: `posts` and `validation` together are cut into
    K hash folds, the scorers are fitted K times without one fold and asked about
    it, and the shipped scorers are fitted once more on everything. The combiner then
    learns from every post, not from a small held-out slice, at K + 1 times the cost.
    """
    config = copy.deepcopy(config or DEFAULT_CONFIG)
    folds = int(config.get("crossfit_folds", 0) or 0)
    learns = config.get("combiner", {}).get("type", "weighted") != "weighted"
    if folds > 1 and learns:
        posts = list(posts) + list(validation)
        bundle = _fit_scorers(posts, config, log)
        fold_of = [_fold_of(split_key(p), folds) for p in posts]  # copies share a fold: no leak across folds
        pairs = []
        for k in range(folds):
            held = [p for p, f in zip(posts, fold_of, strict=True) if f == k]
            log(f"cross-fitting: fold {k + 1}/{folds}, {len(held)} posts held out")
            rest = [p for p, f in zip(posts, fold_of, strict=True) if f != k]
            pairs.append((_fit_scorers(rest, config, log), held))
        log(f"fitting combiner {bundle.combiner.name} on {folds} cross-fitted folds")
        bundle.combiner.fit_folds(pairs)
        bundle.combiner.bind(bundle.vocab)
        validation = posts
    else:
        posts, validation = _with_validation(posts, validation, config, log)
        bundle = _fit_scorers(posts, config, log)
        fit = getattr(bundle.combiner, "fit", None)
        if callable(fit):
            if not validation:
                raise InputError("this combiner learns its weights: give it validation posts")
            log(f"fitting combiner {bundle.combiner.name} on {len(validation)} validation posts")
            fit(bundle, validation)
    tagged = [p for p in posts if p.hashtags]
    bundle.training = {
        **(provenance or {}),
        "posts": len(posts),
        "tagged_posts": len(tagged),
        "validation_posts": len(validation),
        "posts_sha256": posts_fingerprint(posts),
        "config": config,
    }
    return bundle


def _fit_scorers(posts: Sequence[Post], config: dict[str, Any], log: Callable[[str], None]) -> ModelBundle:
    """The vocabulary and every scorer of `config` fitted on `posts`; the combiner unfitted."""
    tagged = [p for p in posts if p.hashtags]
    if not tagged:
        raise InputError("no training posts with hashtags")
    vocab = Vocab.build(tagged, **config.get("vocab", {}))
    log(f"vocabulary: {len(vocab)} tags from {len(tagged)} tagged posts")
    scorers = []
    for spec in config["scorers"]:
        params = {k: v for k, v in spec.items() if k != "name"}
        scorer = create_scorer(spec["name"], **params)
        log(f"fitting {scorer.name}")
        scorer.fit(posts, vocab)
        scorers.append(scorer)
    combiner = combiner_from_config(config.get("combiner", {"type": "weighted", "weights": {}}))
    return ModelBundle(vocab=vocab, scorers=scorers, combiner=combiner)


def _fold_of(post_id: str, folds: int) -> int:
    """A stable fold number from a hash of the post's split key (independent of split_of's cut)."""
    return int.from_bytes(hashlib.sha1(f"fold:{post_id}".encode()).digest()[:8], "big") % folds
