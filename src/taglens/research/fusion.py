"""Image + caption on real Instagram posts: image-only, text-only, late fusion and
co-attention, side by side, on the same hash split and the same hidden tags.

Protocol: task 'caption' (the caption with every hashtag removed; all the post's
tags are gold). With only a couple of hundred posts one test split is a few dozen
posts, so the posts are cut into 5 folds by a hash of their id and every fold is
the test set once (train: three folds, val: the next fold). Every system is
trained on train; its free weights (the fusion weights, the co-attention's early
stopping) are chosen on val; the numbers pool all test folds, so every post is
judged exactly once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from taglens.evaluate.protocol import build_task, score_rankings
from taglens.query import Query
from taglens.models.combiner import WeightedSumCombiner
from taglens.post import Post

FOLDS = 5
TEXT = {"popularity": 0.05, "sentence": 0.5, "knn": 1.0}
IMAGE = {"image_head": 1.0, "image_knn": 1.0, "image_zeroshot": 0.3}


def instaloader_posts(folder: Path) -> list[Post]:
    """The folder's index.jsonl as taglens posts, through the importer's own reader
    (`corpus.instaloader_index.index_posts`: a record it refuses, such as a '#31' that is
    no hashtag, is left out, as `taglens import` leaves it out)."""
    from taglens.corpus.instaloader_index import index_posts

    return [p for _, p in index_posts(folder / "index.jsonl") if isinstance(p, Post)]


def _rank(per_scorer: Sequence[dict], weights: dict[str, float], k: int = 10) -> list[list[str]]:
    combiner = WeightedSumCombiner({n: w for n, w in weights.items() if w > 0})
    return [[r.key for r in combiner.combine(p)[:k]] for p in per_scorer]


def _tune(per_val: Sequence[dict], gold_val: Sequence[set[str]], grid: Sequence[dict[str, float]]) -> dict[str, float]:
    """The weights with the best validation A@5 (ties: MRR)."""
    def key(w: dict[str, float]) -> tuple[float, float]:
        m = score_rankings(_rank(per_val, w), gold_val)
        return m["A@5"], m["MRR"]
    return max(grid, key=key)


def _grid() -> dict[str, list[dict[str, float]]]:
    text = [TEXT, {**TEXT, "sentence": 0.0}, {**TEXT, "knn": 0.3}]
    image = [{"popularity": 0.05, **IMAGE}, {"popularity": 0.05, **IMAGE, "image_knn": 0.0},
             {"popularity": 0.05, **IMAGE, "image_head": 0.0}, {"popularity": 0.05, **IMAGE, "image_zeroshot": 0.0}]
    fused = [{**t, **{n: w * a for n, w in i.items() if n != "popularity"}}
             for t in text for i in image for a in (0.25, 0.5, 1.0, 2.0)]
    return {"text only (sentence + kNN + popularity)": text,
            "image only (image head + image kNN + zero-shot + popularity)": image,
            "late fusion (weighted sum of both)": fused}


def fold_of(post_id: str, folds: int = FOLDS) -> int:
    """A stable fold from a hash of the id (the same on every machine)."""
    return int(hashlib.sha1(post_id.encode("utf-8")).hexdigest()[:8], 16) % folds


def run_fusion(folder: Path, cache_dir: Path, log: Callable[[str], None] = print) -> tuple[str, dict]:
    from taglens.evaluate.metrics import METRIC_NAMES

    posts = [p for p in instaloader_posts(folder) if p.tag_keys]
    fold = {p.id: fold_of(p.id) for p in posts}
    rankings: dict[str, list[list[str]]] = {}
    gold: list[set[str]] = []
    for f in range(FOLDS):
        part = {"test": [p for p in posts if fold[p.id] == f],
                "val": [p for p in posts if fold[p.id] == (f + 1) % FOLDS]}
        part["train"] = [p for p in posts if fold[p.id] not in (f, (f + 1) % FOLDS)]
        for name, ranked in _one_fold(part, cache_dir, log).items():
            rankings.setdefault(name, []).extend(ranked)
        gold.extend(build_task(part["test"], "caption").gold)
    results = {name: score_rankings(r, gold) for name, r in rankings.items()}
    rows = [[name] + [f"{m[k]:.3f}" for k in METRIC_NAMES] for name, m in results.items()]
    body = (f"`{folder.name}`: {len(posts)} real posts with tags, {FOLDS} folds by a hash of the shortcode; "
            f"each fold is the test set once (train on three folds, choose weights / stop early on the fourth), "
            f"so all {len(gold)} posts are judged once. Task 'caption': every hashtag removed from the "
            f"caption, all tags gold.\n\n" + _table(rows, METRIC_NAMES))
    return body, results


def _one_fold(part: dict[str, list[Post]], cache_dir: Path, log: Callable[[str], None]) -> dict[str, list[list[str]]]:
    from taglens.recommend import Recommender

    tasks = {s: build_task(part[s], "caption") for s in ("train", "val", "test")}
    config = {"vocab": {"min_count": 2},
              "scorers": [{"name": "popularity"}, {"name": "sentence"}, {"name": "knn", "k": 20},
                          {"name": "image_head", "min_posts": 2}, {"name": "image_knn"},
                          {"name": "image_zeroshot"}],
              "combiner": {"type": "weighted", "weights": TEXT}}
    rec = Recommender.train(part["train"], config)
    per = {s: rec.score_batch([Query.from_post(p) for p in tasks[s].inputs]) for s in ("val", "test")}
    out = {"popularity (baseline)": _rank(per["test"], {"popularity": 1.0})}
    for name, grid in _grid().items():
        weights = _tune(per["val"], tasks["val"].gold, grid)
        out[name] = _rank(per["test"], weights)
        log(f"{name}: {weights}")
    out["co-attention (image regions x caption tokens)"] = _coattention(rec, tasks, cache_dir)
    return out


def _table(rows: list[list[str]], names: Sequence[str]) -> str:
    lines = ["| system | " + " | ".join(names) + " |", "|" + "---|" * (len(names) + 1)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows]) + "\n"


def _coattention(rec, tasks, cache_dir: Path) -> list[list[str]]:
    """Train the co-attention network on train, early-stop on val; test rankings."""
    from taglens.text.tagtext import post_text
    from taglens.research.coattention import (CoAttentionData, predict_coattention, region_features,
                                            token_states, train_coattention)
    from taglens.vision.io import load_image

    keys, index = rec.vocab.keys, rec.vocab.index

    def data(task) -> CoAttentionData:
        regions = np.stack([_regions(p, cache_dir, load_image, region_features) for p in task.inputs])
        tokens, mask = token_states([post_text(p) for p in task.inputs])
        targets = np.zeros((len(task.inputs), len(keys)), np.float32)
        for i, gold in enumerate(task.gold):
            for key in gold:
                if key in index:
                    targets[i, index[key]] = 1.0
        return CoAttentionData(regions.astype(np.float32), tokens, mask, targets)

    net = train_coattention(data(tasks["train"]), data(tasks["val"]))
    logits = predict_coattention(net, data(tasks["test"]))
    return [[keys[j] for j in np.argsort(-row)[:10]] for row in logits]


def _regions(post: Post, cache_dir: Path, load_image, region_features) -> np.ndarray:
    """A post's first picture's 49 region features, cached per picture file."""
    cached = cache_dir / "regions" / (Path(post.images[0]).stem + ".npy")
    if cached.is_file():
        return np.load(cached)
    regions = region_features([load_image(post.images[0])])[0].astype(np.float16)
    cached.parent.mkdir(parents=True, exist_ok=True)
    np.save(cached, regions)
    return regions
