"""Photos and words in one space: retrieval, caption words, fusion on real posts, pooling, cost.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/image_text.py [--map MAP.npz]

MAP comes from scripts/train_image_text.py --epochs 15 (every train-split pair; the shipped one is
src/taglens/data/models/default/scorers/image_text/map.npz, the 2026-12-02 run used a copy of it); the
benchmark trains five more the same way, each without one fold of the Instagram
posts, so that learned fusion is cross-fitted (takes ~10 min on 2 cores). Held-out shares are `split_of` hashes: Flickr8k photos of the 'test'
share (never used in training; 'val' chose the epoch and the photo-only weight).

Sections (written to benchmarks/RESULTS.md, section image_text):
  1. image -> caption retrieval on held-out Flickr8k photos: random, the class-name
     bridge (ImageNet probabilities x class-name embeddings), the learned map;
  2. Flickr8k photos alone: share of the top-5 positions holding a tag whose words
     occur in one of the photo's five captions, shipped model before / after;
  3. fusion on both Instagram sets (posts with a caption and tags, task 'caption'):
     caption only, photo only, late fusion with the prior weights, with image_text,
     learned fusion (cross-fitted weights, bootstrap intervals), + visual neighbours over
     the train-split posts (image_knn, never shipped), the seed's co-attention network
     retrained on the image-text pairs (benchmarks/_coattention.py, needs torch) and the
     source's most used tags, A@5 with intervals;
  4. carousels: max vs mean vs attention pooling;
  5. three real posts, top 5 before and after;
  6. photo cost on one core, everything included.
Writes the learned weights to benchmarks/reports/image_text_weights.json
(scripts/attach_image_text.py --weights reads them).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import time
from math import comb
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_MAP = ROOT / "src" / "taglens" / "data" / "models" / "default" / "scorers" / "image_text" / "map.npz"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))

from _results import markdown_table, shared_data, write_section  # noqa: E402

CACHE = Path(os.environ.get("TAGLENS_CACHE", "/tmp/taglens-imagetext"))
FIXED_IMAGE = ("image_zeroshot", "image_topic", "image_head", "image_knn")
FOLDS = 5
MULTIPLIERS = (0.0, 0.5, 1.0)          # x the prior weights of the four older image scorers
TEXT_WEIGHTS = (0.0, 5.0, 10.4, 20.0, 40.0, 80.0)  # image_text, x the combiner's unit
PHOTO_WEIGHTS = (10.4, 20.0, 30.0, 40.0)      # image_text on photo-only posts, chosen on Flickr8k val
POWERS = (0.0, 0.5, 1.0)  # ImageTextScorer.calibrate's power (0: no calibration), chosen on Flickr8k val
CAPTION_WORDS = 5  # described words: in the captions of >= 5 Flickr8k training photos
PRIOR = (1.0, 10.4)
PENALTY = 0.01
MAP_EPOCHS = 15  # as scripts/train_image_text.py --epochs 15 (the shipped map)  # A@5 given up per doubling away from the prior: regularise toward the prior


def log(msg: str) -> None:
    print(msg, flush=True)


# -- data ------------------------------------------------------------------------------

def flickr_photos(data: Path, split: str) -> tuple[list[Path], list[list[str]]]:
    from taglens.evaluate.protocol import split_of

    folder = data / "flickr8k-captions-1k"
    by: dict[str, list[str]] = {}
    with open(folder / "captions.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by.setdefault(row["image"], []).append(row["caption"].strip())
    keep = [img for img in sorted(by) if split_of(f"flickr8k:{Path(img).name}") == split and (folder / img).is_file()]
    return [folder / img for img in keep], [by[img] for img in keep]


def instagram_sets(data: Path) -> dict[str, list]:
    from taglens.corpus.importers import read_instaloader
    from taglens.corpus.instaloader_index import index_posts
    from taglens.post import Post

    out = {}
    index = data / "instagram-vaping-instaloader" / "index.jsonl"
    if index.is_file():
        out["vaping"] = [p for _, p in index_posts(index) if isinstance(p, Post)]
    folder = data / "instagram-kanarinka-instaloader"
    if folder.is_dir():
        out["kanarinka"] = [p for _, p in read_instaloader(folder) if isinstance(p, Post)]
    return out


# -- 1. retrieval ----------------------------------------------------------------------------

def recall_table(img: np.ndarray, txt: np.ndarray, owner: np.ndarray, k: int = 10) -> dict[str, float]:
    sims = img @ txt.T
    top = np.argsort(-sims, axis=1)
    ranks_any, per_caption = [], []
    for i in range(len(img)):
        pos = np.flatnonzero(np.isin(top[i], np.flatnonzero(owner == i)))
        ranks_any.append(pos.min())
        per_caption.append(np.mean(pos < k))
    t2i = np.argsort(-sims.T, axis=1)
    t2i_hit = [int(np.flatnonzero(t2i[j] == owner[j])[0]) < k for j in range(len(txt))]
    ranks_any = np.asarray(ranks_any)
    return {"R@1": float(np.mean(ranks_any < 1)), "R@10": float(np.mean(ranks_any < k)),
            "caption R@10": float(np.mean(per_caption)), "text->image R@10": float(np.mean(t2i_hit))}


def retrieval_section(data: Path, mapping) -> tuple[str, dict]:
    from taglens.text.sentence import SentenceEncoder
    from taglens.vision.datasets import encode_paths
    from taglens.vision.encoder import imagenet_labels
    from taglens.vision.zeroshot import class_texts

    paths, captions = flickr_photos(data, "test")
    feats, probs = encode_paths(paths, cache_dir=CACHE)
    flat = [c for cs in captions for c in cs]
    owner = np.asarray([i for i, cs in enumerate(captions) for _ in cs])
    enc = SentenceEncoder.load()
    cap = enc.encode(flat)
    classes = enc.encode(class_texts(imagenet_labels()))
    rng = np.random.default_rng(0)
    unit = lambda a: a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)  # noqa: E731
    systems = {
        "random vectors": recall_table(unit(rng.normal(size=(len(paths), cap.shape[1]))), cap, owner),
        "class-name bridge (ImageNet probs x class-name embeddings)": recall_table(unit(probs @ classes), cap, owner),
        "learned map (this issue)": recall_table(mapping.embed_images(feats, probs), mapping.embed_texts(cap), owner),
    }
    n = len(flat)
    chance = 1 - comb(n - 5, 10) / comb(n, 10)
    rows = [[name] + [f"{100 * m[c]:.1f}" for c in ("R@1", "R@10", "caption R@10", "text->image R@10")]
            for name, m in systems.items()]
    body = (f"{len(paths)} held-out Flickr8k photos (`split_of` 'test', never trained on), {n} captions. "
            f"R@k: share of photos with one of their five captions among the k nearest of all {n} captions "
            f"(chance at k=10: {100 * chance:.1f} %); caption R@10: share of a photo's captions in its top 10 "
            f"(chance {1000 / n:.1f} %); text->image: a caption's photo among the 10 nearest of {len(paths)} photos.\n\n"
            + markdown_table(["system", "R@1 %", "R@10 %", "caption R@10 %", "text->image R@10 %"], rows))
    return body, systems


# -- the model with image_text attached ------------------------------------------------------

def attached_model(map_path: Path, data: Path):
    """The shipped default model as it was (image_text removed if present) plus image_text from
    `map_path`, with the described words of the Flickr8k training captions (calibrated later)."""
    from attach_image_text import attach, caption_words
    from taglens.recommend import Recommender

    words = caption_words(data, CAPTION_WORDS)
    source = (f"content words of the captions of >= {CAPTION_WORDS} Flickr8k training-split photos "
              f"(flickr8k-captions-1k, research use only); {len(words)} words")
    return Recommender(attach("default", map_path, {}, words=words, words_source=source))


def calibrate(rec, data: Path, power: float, scorer=None) -> dict:
    """(Re)calibrate image_text (or `scorer`) on the Flickr8k training photos at `power`."""
    from attach_image_text import calibrate_on_flickr

    return calibrate_on_flickr(scorer or rec.scorer("image_text"), data, CACHE, power=power)


class without_image_text:
    """The recommender with image_text left out while inside (served 'before' rankings)."""

    def __init__(self, rec) -> None:
        self.rec, self.saved = rec, None

    def __enter__(self):
        self.saved = self.rec.bundle.scorers
        self.rec.bundle.scorers = [s for s in self.saved if s.name != "image_text"]
        return self.rec

    def __exit__(self, *exc) -> None:
        self.rec.bundle.scorers = self.saved


def served(rec, paths: list[Path], weight: float | None, k: int = 5) -> list[list[str]]:
    """Top k of photo-only posts as `taglens suggest` serves them (grounding, photo rules, one
    concept per slot), image_text at `weight` on photo-only posts (None: left out)."""
    from taglens.post import Post

    posts = [Post(id=p.name, images=[str(p)]) for p in paths]
    if weight is None:
        with without_image_text(rec):
            return [[s.key for s in pred.hashtags] for pred in rec.suggest_many(posts, k=k)]
    saved, rec.combiner.attached["image_text"] = rec.combiner.attached["image_text"], weight
    try:
        return [[s.key for s in pred.hashtags] for pred in rec.suggest_many(posts, k=k)]
    finally:
        rec.combiner.attached["image_text"] = saved


def combine(rec, per: dict, *, text_weight: float | None, multiplier: float = 1.0,
            captioned: dict | None = None, k: int = 10, query=None) -> list[str]:
    """Rank one post's scorer answers with image_text at `text_weight` (None: left out) and
    the older image scorers' prior weights times `multiplier`, on captioned posts. With the
    post's `query` (the one its answers were scored for), through the serving tail
    (`Recommender.rank`: grounding, photo rules, tag languages), as `suggest` serves it;
    without, the combiner's ranking alone."""
    comb_ = rec.combiner
    fixed = comb_.fixed
    weights = {n: fixed[n] * multiplier for n in FIXED_IMAGE if n in fixed}
    if text_weight is not None:
        weights["image_text"] = text_weight
    comb_.captioned = captioned if captioned is not None else weights
    saved = comb_.attached.get("image_text")
    if text_weight is not None:
        comb_.attached["image_text"] = text_weight
    answers = per if text_weight is not None else {n: s for n, s in per.items() if n != "image_text"}
    try:
        if query is not None:
            return rec.rank(query, answers, k)
        return [r.key for r in comb_.combine(answers)[:k]]
    finally:
        comb_.captioned = {}
        if saved is not None:
            comb_.attached["image_text"] = saved


# -- 2. Flickr8k caption words ---------------------------------------------------------------

def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def caption_words(captions: list[str]) -> set[str]:
    return {_stem(w) for w in re.findall(r"[a-z]+", " ".join(captions).lower())}


def tag_hit(key: str, words: set[str], mode: str = "any") -> bool:
    """A tag's content words (segmented, stopwords and 1-2 letter words dropped) occur in
    the captions: any of them ('any') or all of them ('all')."""
    from taglens.text.clean import STOPWORDS
    from taglens.text.tagtext import tag_words

    ws = [_stem(w) for w in tag_words(key) if w not in STOPWORDS and len(w) > 2]
    if not ws:
        return False
    return any(w in words for w in ws) if mode == "any" else all(w in words for w in ws)


def share_top5(rankings: list[list[str]], words: list[set[str]], mode: str = "any") -> list[float]:
    """Per photo: hits among its top 5 positions / 5 (an empty position is a miss)."""
    return [sum(tag_hit(t, w, mode) for t in r[:5]) / 5 for r, w in zip(rankings, words, strict=True)]


def flickr_queries(rec, data: Path, split: str):
    from taglens.post import Post
    from taglens.query import Query

    paths, captions = flickr_photos(data, split)
    queries = [Query.from_post(Post(id=p.name, images=[str(p)])) for p in paths]
    return rec.score_batch(queries), [caption_words(c) for c in captions]


def imagenet_samples(data: Path, every: int = 1) -> tuple[list[Path], list[str]]:
    """The ImageNet sample photos (every `every`-th, in name order) and each one's class name as a
    hashtag key, read from its file name ('n02085620_Chihuahua.jpg' -> chihuahua): the names the
    photo measures look for in a photo's top 5."""
    paths = sorted((data / "imagenet-sample-images" / "images").glob("*.jpg"))[::every]
    return paths, ["".join(p.stem.split("_", 1)[1].lower().split("_")) for p in paths]


def topic8_val_posts(data: Path) -> tuple[list, list[set[str]]]:
    """The topic8 *val* photos as photo-only posts, and each one's topic top-100 tags."""
    import vision
    from taglens.post import Post

    top100 = vision.topic_top100(data)
    photos, _f, _p, split = vision.topic_split(data)
    idx = np.where(split == "val")[0]
    wanted = [vision.topic_wanted(top100, photos.topics[i]) for i in idx]
    return [Post(id=str(i), images=[str(photos.paths[i])]) for i in idx], wanted


def topic8_val(rec, data: Path) -> tuple[list[dict], list[set[str]], list]:
    """The topic8 *val* photos alone and each one's topic top-100 tags (the image-labels measure)."""
    from taglens.query import Query

    posts, wanted = topic8_val_posts(data)
    queries = [Query.from_post(p) for p in posts]
    return rec.score_batch(queries), wanted, queries


def choose_photo_weight(rec, data: Path) -> tuple[tuple[float, float], list[list[object]]]:
    """image_text's calibration power and weight on photo-only posts: the best caption-word
    share on Flickr8k *val* photos as served, among the settings that keep the image-labels
    measure (topic8 val photos with a topic top-100 tag in their top 5) at least where it is
    without image_text. Leaves the scorer calibrated at the choice."""
    from taglens.query import Query

    paths, captions = flickr_photos(data, "val")
    words = [caption_words(c) for c in captions]
    queries = [Query.from_post(Post_(p)) for p in paths]
    per = rec.score_batch(queries)
    topic_per, wanted, topic_queries = topic8_val(rec, data)
    scorer = rec.scorer("image_text")

    def topic_rate(w: float | None) -> float:
        return float(np.mean([bool(set(combine(rec, p, text_weight=w)[:5]) & g) for p, g in zip(topic_per, wanted,
                                                                                             strict=True)]))
    floor = topic_rate(None)
    items = labels_train(data)
    calibrate(rec, data, 0.0)
    label_floor = labels_rates(rec, items, 20.0)  # image_text as last shipped: the labels figures' state
    log(f"labels constraint (training-split photos, last shipped image_text): {label_floor}")
    rows, best = [], (-1.0, (POWERS[0], PHOTO_WEIGHTS[0]))
    for power in POWERS:
        calibrate(rec, data, power)
        for q, p in zip(queries, per, strict=True):
            p["image_text"] = scorer.score(q, rec.vocab)
        for q, p in zip(topic_queries, topic_per, strict=True):
            p["image_text"] = scorer.score(q, rec.vocab)
        for w in PHOTO_WEIGHTS:
            share = float(np.mean(share_top5(served(rec, paths, w), words)))
            ranked = float(np.mean(share_top5([combine(rec, p, text_weight=w) for p in per], words)))
            rate = topic_rate(w)
            labels = labels_rates(rec, items, w)
            keeps = all(labels[n] >= label_floor[n] for n in label_floor)
            rows.append([power, w, f"{100 * share:.1f}", f"{100 * ranked:.1f}", f"{rate:.3f}",
                         " ".join(f"{100 * labels[n]:.0f}" for n in label_floor), "yes" if keeps else "no"])
            if rate >= floor and keeps:
                best = max(best, (share, (power, w)))
    rows.append(["without image_text", "", f"{100 * np.mean(share_top5(served(rec, paths, None), words)):.1f}",
                 f"{100 * np.mean(share_top5([combine(rec, p, text_weight=None) for p in per], words)):.1f}",
                 f"{floor:.3f}", "", ""])
    rows.append(["last shipped", 20.0, "", "", "", " ".join(f"{100 * label_floor[n]:.0f}" for n in label_floor),
                 "(the floor)"])
    calibrate(rec, data, best[1][0])
    return best[1], rows


LABEL_PHOTOS = 40  # training-split photos a labelled set for the labels constraint


def labels_train(data: Path) -> list[tuple[str, Path, set[str]]]:
    """(set, photo, the keys naming its label) for LABEL_PHOTOS evenly spread *training*-split
    photos of each labelled set: the image-labels measure, away from its held-out photos."""
    from _image_labels import held_out, names_of
    from taglens.vision.datasets import LABEL_SETS, labelled_set

    items = []
    for name in LABEL_SETS:
        photos, ids = labelled_set(data, name)
        train = np.flatnonzero(~held_out(ids))
        for i in train[np.linspace(0, len(train) - 1, min(LABEL_PHOTOS, len(train))).astype(int)]:
            items.append((name, Path(photos.paths[i]), names_of(name, photos.labels[i])))
    return items


def labels_rates(rec, items: list, weight: float | None) -> dict[str, float]:
    """Per labelled set, the share of its photos whose label is named in the served top 5
    (top 10 for the pets' breeds), as the image-labels measure counts it."""
    ranks = served(rec, [p for _, p, _ in items], weight, k=10)
    hits: dict[str, list[bool]] = {}
    for (name, _, names), r in zip(items, ranks, strict=True):
        hits.setdefault(name, []).append(bool(set(r[:10 if name == "pets" else 5]) & names))
    return {name: float(np.mean(h)) for name, h in hits.items()}


def Post_(path: Path):
    from taglens.post import Post

    return Post(id=path.name, images=[str(path)])


def share_section(rec, data: Path, photo_weight: float, power: float) -> tuple[str, dict]:
    from taglens.evaluate.metrics import bootstrap_interval

    paths, _ = flickr_photos(data, "test")
    calibrate(rec, data, 0.0)  # image_text as the last session shipped it: uncalibrated, weight 20
    per, words = flickr_queries(rec, data, "test")
    last = ([combine(rec, p, text_weight=20.0) for p in per], served(rec, paths, 20.0))
    calibrate(rec, data, power)
    per, words = flickr_queries(rec, data, "test")
    systems = {
        "shipped model before (no image_text)": ([combine(rec, p, text_weight=None) for p in per],
                                                 served(rec, paths, None)),
        "+ image_text as last shipped (weight 20, no calibration)": last,
        f"shipped model + image_text (weight {photo_weight:g} on photo-only posts)":
            ([combine(rec, p, text_weight=photo_weight) for p in per], served(rec, paths, photo_weight)),
        "image_text alone": ([list(p.get("image_text", {}))[:10] for p in per], None),
    }
    rows, out = [], {}
    for name, (ranks, serves) in systems.items():
        cells = []
        for r in (serves, ranks):
            if r is None:
                cells.append("–")
                continue
            any_ = share_top5(r, words, "any")
            lo, hi = bootstrap_interval(any_)
            cells.append(f"{100 * np.mean(any_):.1f} ({100 * lo:.1f}-{100 * hi:.1f})")
            out.setdefault(name, float(np.mean(any_)))
        rows.append([name, *cells, f"{100 * np.mean(share_top5(ranks, words, 'all')):.1f}"])
    _, captions = flickr_photos(data, "test")
    before, after = systems[list(systems)[0]][1], systems[list(systems)[2]][1]
    shown = [i for i in range(len(paths)) if before[i] != after[i]][:3]
    examples = "\n".join(
        f"- `{paths[i].name}`, \"{captions[i][0]}\"\n  - before: {' '.join('#' + t for t in before[i])} "
        f"({sum(tag_hit(t, words[i]) for t in before[i])} of 5 in the captions)\n  - after: "
        f"{' '.join('#' + t for t in after[i])} ({sum(tag_hit(t, words[i]) for t in after[i])} of 5)" for i in shown)
    body = (f"{len(per)} held-out Flickr8k photos, photo alone (no caption). A position counts when its tag's "
            "content words (segmented; stopwords and words under 3 letters dropped; a plural 's' ignored) occur in "
            "one of the photo's five captions: *any* of them (the goal's measure), or *all* of them (stricter, "
            "combiner ranking). An empty position is a miss. **As served**: the top 5 `taglens suggest` returns "
            "(grounding, photo rules, one concept per slot in five: #dog and #dogs share one); **ranked**: the "
            "combiner's top 5 before those rules (the figure earlier runs reported). 95 % bootstrap interval over "
            "photos.\n\n"
            + markdown_table(["system", "as served, any word % (95 % CI)", "ranked, any word % (95 % CI)",
                              "ranked, all words %"], rows)
            + "\nHeld-out photos as served, before and after (first three that differ):\n\n" + examples + "\n")
    return body, out


# -- 3. fusion on real Instagram posts ---------------------------------------------------------

def fold_of(post_id: str) -> int:
    return int(hashlib.sha1(post_id.encode("utf-8")).hexdigest()[:8], 16) % FOLDS


def captioned_tasks(posts: list) -> tuple[list, list[set[str]], list[str]]:
    """Posts with hashtags and caption prose, as task 'caption' sees them (+ the original ids)."""
    from taglens.evaluate.protocol import hide
    from taglens.text.tagtext import has_prose

    inputs, gold, ids = [], [], []
    for post in posts:
        if not post.tag_keys or not post.images:
            continue
        hidden = hide(post, "caption")
        if hidden is None or not has_prose(hidden[0]):
            continue
        inputs.append(hidden[0])
        gold.append(hidden[1])
        ids.append(post.id)
    return inputs, gold, ids


def variants(rec, inputs: list) -> dict:
    """Scorer answers for caption only, caption + photos, photos only, and under 'queries' the
    Query each was scored for (ranking through the serving tail reads what scoring cached)."""
    from dataclasses import replace

    from taglens.query import Query

    queries = {"caption": [Query.from_post(replace(p, images=[])) for p in inputs],
               "both": [Query.from_post(p) for p in inputs],
               "photo": [Query.from_post(replace(p, text="")) for p in inputs]}
    return {**{name: rec.score_batch(qs) for name, qs in queries.items()}, "queries": queries}


def served_a_at_5(rec, s: dict, variant: str, gold: list[set[str]], **weights) -> np.ndarray:
    """Per-post A@5 of one variant of a share ('caption', 'both', 'photo'), ranked as served."""
    return a_at_5([combine(rec, p, query=q, **weights) for p, q in zip(s[variant], s["queries"][variant],
                                                                       strict=True)], gold)


def a_at_5(rankings: list[list[str]], gold: list[set[str]]) -> np.ndarray:
    return np.asarray([float(bool(set(r[:5]) & g)) for r, g in zip(rankings, gold, strict=True)])


def grid_scores(rec, per_both: list[dict], queries: list, gold: list[set[str]]) -> dict[tuple[float, float], np.ndarray]:
    """Per-post A@5 for every (multiplier, image_text weight) of the grid, on caption + photos, as served."""
    return {(m, w): a_at_5([combine(rec, p, text_weight=w, multiplier=m, query=q)
                            for p, q in zip(per_both, queries, strict=True)], gold)
            for m in MULTIPLIERS for w in TEXT_WEIGHTS}


def _distance(theta: tuple[float, float]) -> float:
    m, w = theta
    return abs(np.log2((m + 0.25) / (PRIOR[0] + 0.25))) + abs(np.log2((w + 2.5) / (PRIOR[1] + 2.5)))


def choose(grid: dict[tuple[float, float], np.ndarray], base: np.ndarray, rows: np.ndarray) -> tuple[float, float]:
    """The weights with the best mean A@5 on `rows` minus the pull toward the prior, among those
    that do not make the posts worse on average than the caption alone (else the nearest-zero)."""
    ok = {t: a[rows].mean() - PENALTY * _distance(t) for t, a in grid.items() if a[rows].mean() >= base[rows].mean()}
    if not ok:
        return (0.0, 0.0)
    return max(ok, key=lambda t: (ok[t], -_distance(t)))


def paired_interval(a: np.ndarray, b: np.ndarray, seed: int = 0) -> tuple[float, float]:
    from taglens.evaluate.metrics import bootstrap_interval

    return bootstrap_interval((a - b).tolist(), seed=seed)


def fold_maps(data: Path, log_=log) -> list[Path]:
    """One map a fold: trained as the shipped one, minus the Instagram posts of that fold."""
    import train_image_text as T

    d = T.build(data, CACHE, log=lambda *_: None)
    val = T.subset(d, "val", "flickr8k")
    paths = []
    for f in range(FOLDS):
        path = CACHE / f"fold-map-{f}-{MAP_EPOCHS}.npz"
        if not path.is_file():
            keep = [i for i, (g, pid, sp) in enumerate(zip(d["group"], d["id"], d["split"], strict=True))
                    if sp == "train" and (g != "instagram" or fold_of(T.split_key(pid)) != f)]
            mapping, _ = T.train_map(d["x"][keep], [d["text_ids"][i] for i in keep], d["vecs"], hidden=0,
                                     epochs=MAP_EPOCHS, seed=13, val=val, log=lambda *_: None)
            mapping.save(path)
            log_(f"fold {f}: map trained on {len(keep)} photos")
        paths.append(path)
    return paths


def fold_scorers(rec, maps: list[Path], data: Path, power: float) -> list:
    from taglens.models.base import create_scorer

    params = {k: v for k, v in rec.scorer("image_text").params.items()}
    out = []
    shipped = rec.scorer("image_text")
    for path in maps:
        scorer = create_scorer("image_text", map_path=str(path), **params)
        scorer.fit([], rec.vocab)
        if shipped.words:
            scorer.add_words(shipped.words, rec.vocab, shipped.words_source)
        if power:
            calibrate(rec, data, power, scorer)  # Flickr8k training photos only: no Instagram post
        out.append(scorer)
    return out


def crossfit_image_text(rec, scorers: list, s: dict) -> None:
    """Replace each post's image_text answers by those of the map that never saw its fold."""
    from dataclasses import replace

    from taglens.query import Query

    for i, (post, post_id) in enumerate(zip(s["inputs"], s["ids"], strict=True)):
        scorer = scorers[fold_of(post_id)]
        s["both"][i] = {**s["both"][i], "image_text": scorer.score(Query.from_post(post), rec.vocab)}
        s["photo"][i] = {**s["photo"][i], "image_text": scorer.score(Query.from_post(replace(post, text="")),
                                                                     rec.vocab)}


def system_rows(rec, name: str, s: dict, learned: np.ndarray, grid_prior: np.ndarray,
                extra: dict[str, np.ndarray] | None = None) -> tuple[list, dict]:
    from taglens.evaluate.metrics import bootstrap_interval

    g = s["gold"]
    caption = served_a_at_5(rec, s, "caption", g, text_weight=None)
    photo_w = rec.combiner.attached["image_text"]
    systems = {
        "caption only": caption,
        "photo only, before (older image scorers)": served_a_at_5(rec, s, "photo", g, text_weight=None),
        f"photo only, + image_text ({photo_w:g})": served_a_at_5(rec, s, "photo", g, text_weight=photo_w),
        "late fusion, prior weights (before)": served_a_at_5(rec, s, "both", g, text_weight=None),
        "late fusion, prior weights + image_text 10.4": grid_prior,
        "learned fusion": learned,
        **(extra or {}),
    }
    rows, figures = [], {}
    for system, values in systems.items():
        lo, hi = bootstrap_interval(values.tolist())
        dlo, dhi = paired_interval(values, caption)
        rows.append([name, len(g), system, f"{100 * values.mean():.1f} ({100 * lo:.1f}-{100 * hi:.1f})",
                     f"{100 * (values.mean() - caption.mean()):+.1f} ({100 * dlo:+.1f} to {100 * dhi:+.1f})"])
        figures[system] = float(values.mean())
    return rows, figures


def neighbour_scorers(rec, sets: dict[str, list]) -> tuple[list, object]:
    """image_knn over the *train-split* Instagram posts' photos and tags (both sets pooled):
    one index a fold without that fold's posts (cross-fitting), and one over all of them for
    the held-out posts. Built here in memory, never shipped (the sets' licences: research and
    testing only, do not redistribute)."""
    from taglens.evaluate.protocol import split_of
    from taglens.models.base import create_scorer

    train = [p for posts in sets.values() for p in posts if split_of(p.id) == "train" and p.images and p.tag_keys]

    def index(posts):
        scorer = create_scorer("image_knn")
        scorer.fit(posts, rec.vocab)
        return scorer
    return [index([p for p in train if fold_of(p.id) != f]) for f in range(FOLDS)], index(train)


def with_neighbours(rec, s: dict, scorer_of) -> dict:
    """A copy of a share's 'both' answers with image_knn from `scorer_of(post_id)`."""
    from taglens.query import Query

    both = [{**per, "image_knn": scorer_of(pid).score(Query.from_post(post), rec.vocab)}
            for per, post, pid in zip(s["both"], s["inputs"], s["ids"], strict=True)]
    return {**s, "both": both}


def crossfit(grid: dict, caption: np.ndarray, folds: np.ndarray) -> tuple[np.ndarray, list, tuple, dict]:
    """Per post, A@5 under the weights chosen on the other folds; those choices; the choice on
    all posts; bootstrap intervals of it."""
    learned, chosen = np.zeros(len(caption)), []
    for f in range(FOLDS):
        theta = choose(grid, caption, np.flatnonzero(folds != f))
        chosen.append(theta)
        learned[folds == f] = grid[theta][folds == f]
    final = choose(grid, caption, np.arange(len(caption)))
    rng = np.random.default_rng(0)
    boots = [choose(grid, caption, rng.integers(0, len(caption), len(caption))) for _ in range(200)]
    intervals = {"multiplier_95": [float(np.quantile([b[0] for b in boots], q)) for q in (0.025, 0.975)],
                 "image_text_95": [float(np.quantile([b[1] for b in boots], q)) for q in (0.025, 0.975)]}
    return learned, chosen, final, intervals


def coattention_rows(rec, data: Path, cv: dict, held: dict) -> tuple[dict[str, dict[str, np.ndarray]], str]:
    """Per held-out set, A@5 of the seed's co-attention network retrained here (benchmarks/_coattention.py)."""
    import _coattention
    from taglens.errors import ModelError

    def posts(part):
        return [(s["inputs"][i].images[0], s["inputs"][i].text, sorted(s["gold"][i]), s["ids"][i])
                for s in part.values() for i in range(len(s["ids"]))]
    flickr = {split: flickr_photos(data, split) for split in ("train", "val")}
    t0 = time.time()
    try:
        ranks, info = _coattention.coattention_rankings(flickr, posts(cv), posts(held), rec.vocab, CACHE, fold_of, log)
    except (ModelError, ImportError) as exc:
        return {}, f"Co-attention skipped: {exc}."
    from collections import Counter

    counts = Counter(k for s in cv.values() for g in s["gold"] for k in g)
    popular = [k for k, _ in counts.most_common(10)]
    out, offset = {}, 0
    for name, s in held.items():
        n = len(s["gold"])
        out[name] = {"co-attention (the seed's network, retrained on the image-text pairs)":
                     a_at_5(ranks[offset:offset + n], s["gold"]),
                     "the train-split posts' most used tags (no photo, no caption)":
                     a_at_5([popular] * n, s["gold"])}
        offset += n
    note = (f"**Co-attention** (held-out rows): the seed's network (`taglens.research.coattention`: caption-guided "
            f"attention over the 7x7 regions, image-guided attention over the caption's MiniLM tokens) trained "
            f"once on {info['pairs']} pairs (Flickr8k training photos with two captions each, targets their words "
            f"that are tags, and the train-split posts of both sets but one hash fold), early-stopped on Flickr8k "
            f"val and that fold, over {info['tags']} tags; {time.time() - t0:.0f} s. It ranks the tags from the "
            f"photo and caption alone (no other scorer). Next to it, the same source's prior: the 10 tags the "
            f"train-split posts of both sets use most, for every post.")
    return out, note


def fusion_section(rec, data: Path, sets: dict[str, list], power: float = 0.0) -> tuple[str, dict, dict]:
    """Learn the fusion weights by cross-fitting on the TRAIN-split posts (each scored by a map
    that never saw its fold), then check them on the val + test posts the shipped map never saw."""
    from taglens.evaluate.protocol import split_of

    scorers = fold_scorers(rec, fold_maps(data), data, power)
    cv, held = {}, {}
    for name, posts in sets.items():
        for part, keep in ((cv, lambda p: split_of(p.id) == "train"), (held, lambda p: split_of(p.id) != "train")):
            inputs, gold, ids = captioned_tasks([p for p in posts if keep(p)])
            part[name] = {"inputs": inputs, "gold": gold, "ids": ids, **variants(rec, inputs)}
        crossfit_image_text(rec, scorers, cv[name])
        log(f"{name}: {len(cv[name]['gold'])} train-split posts (cross-fitted), {len(held[name]['gold'])} held out")
    gold = [g for s in cv.values() for g in s["gold"]]
    ids = [i for s in cv.values() for i in s["ids"]]
    caption = np.concatenate([served_a_at_5(rec, s, "caption", s["gold"], text_weight=None) for s in cv.values()])
    folds = np.asarray([fold_of(i) for i in ids])
    both_queries = [q for s in cv.values() for q in s["queries"]["both"]]
    grid = grid_scores(rec, [p for s in cv.values() for p in s["both"]], both_queries, gold)
    learned, chosen, final, intervals = crossfit(grid, caption, folds)
    weights = {"multiplier": final[0], "image_text": final[1], **intervals, "folds": [list(t) for t in chosen]}
    # visual neighbours over the train-split posts (image_knn: m x its prior weight), learned the same way
    knn_folds, knn_all = neighbour_scorers(rec, sets)
    cv_knn = {n: with_neighbours(rec, s, lambda pid: knn_folds[fold_of(pid)]) for n, s in cv.items()}
    held_knn = {n: with_neighbours(rec, s, lambda pid: knn_all) for n, s in held.items()}
    grid_knn = grid_scores(rec, [p for s in cv_knn.values() for p in s["both"]], both_queries, gold)
    learned_knn, chosen_knn, final_knn, intervals_knn = crossfit(grid_knn, caption, folds)
    weights["neighbours"] = {"multiplier": final_knn[0], "image_text": final_knn[1], **intervals_knn,
                             "folds": [list(t) for t in chosen_knn]}
    log(f"neighbours: fold choices {chosen_knn}, final {final_knn}")
    coatt, coatt_note = coattention_rows(rec, data, cv, held)
    rows_cv, rows_held, figures, offset = [], [], {}, 0
    for name, s in cv.items():
        n = len(s["gold"])
        sl = slice(offset, offset + n)
        offset += n
        r, f_ = system_rows(rec, name, s, learned[sl], grid[PRIOR][sl],
                            {"learned fusion + visual neighbours (train-split posts, not shipped)": learned_knn[sl]})
        rows_cv += r
        figures[f"cv:{name}"] = f_
    for name, s in held.items():
        prior = served_a_at_5(rec, s, "both", s["gold"], text_weight=PRIOR[1], multiplier=PRIOR[0])
        after = served_a_at_5(rec, s, "both", s["gold"], text_weight=final[1], multiplier=final[0])
        knn = served_a_at_5(rec, held_knn[name], "both", s["gold"], text_weight=final_knn[1], multiplier=final_knn[0])
        extra = {"learned fusion + visual neighbours (train-split posts, not shipped)": knn}
        extra.update(coatt.get(name, {}))
        r, f_ = system_rows(rec, name, s, after, prior, extra)
        rows_held += r
        figures[f"held:{name}"] = f_
    headers = ["set", "posts", "system", "A@5 % (95 % CI)", "minus caption only (paired 95 % CI)"]
    body = (f"Posts with a caption, at least one tag and a photo; task 'caption' (every hashtag removed from the "
            f"caption, all tags gold). **Learned fusion** has two weights for posts with a caption: m, a multiple "
            f"of the older image scorers' prior weights, and w, image_text's weight (x the combiner's unit). They "
            f"are chosen by cross-fitting on the *train-split* posts of both sets pooled (5 folds by a hash of the "
            f"shortcode; each post's image_text answers come from a map trained without its fold's posts): mean "
            f"A@5 minus {PENALTY} per doubling away from the prior (m=1, w=10.4), among the weights that do not "
            f"lower A@5 below the caption alone. Fold choices (m, w): {chosen}. On all train-split posts: "
            f"m = {final[0]:g} (bootstrap 95 %: {weights['multiplier_95'][0]:g}-{weights['multiplier_95'][1]:g}), "
            f"w = {final[1]:g} ({weights['image_text_95'][0]:g}-{weights['image_text_95'][1]:g}), 200 resamples. "
            f"Every ranking goes through the serving tail (`Recommender.rank`: grounding, photo rules, tag "
            f"languages), as `suggest` serves it, and the weights are chosen on those served rankings. "
            f"A@5 % with a 95 % bootstrap interval; the last column is the paired difference from the caption "
            f"alone. **+ visual neighbours**: image_knn over the train-split posts' photos and their tags "
            f"(both sets pooled; each fold's index without that fold's posts; the held-out posts use all of them), "
            f"its weight m x its prior, (m, w) learned the same way: fold choices {chosen_knn}, on all "
            f"{final_knn}. Built in memory for this table only: both sets' licences forbid redistribution, so no "
            f"index derived from them ships.\n\n**Cross-fitted, train-split posts** (learned fusion: each fold's weights chosen on the "
            f"other four):\n\n" + markdown_table(headers, rows_cv)
            + "\n**Held out: val + test split posts** (never trained or tuned on; the shipped map, the weights "
            "above):\n\n" + markdown_table(headers, rows_held)
            + "\n" + coatt_note + "\n")
    return body, weights, {"per_set": held, "cv": cv, "figures": figures, "scorers": scorers}


# -- 4. pooling on carousels ------------------------------------------------------------------

def pooling_section(rec, fusion: dict, weights: dict) -> str:
    """Carousels of both shares: cross-fitted posts scored by their fold's map, held-out ones by the shipped map."""
    from taglens.query import Query

    shipped = rec.scorer("image_text")
    rows = []
    for name in fusion["per_set"]:
        posts = []
        for part, scorer_of in ((fusion["cv"][name], lambda pid: fusion["scorers"][fold_of(pid)]),
                                (fusion["per_set"][name], lambda pid: shipped)):
            posts += [(part["inputs"][i], part["both"][i], part["gold"][i], scorer_of(part["ids"][i]),
                       part["queries"]["both"][i])
                      for i in range(len(part["ids"])) if len(part["inputs"][i].images) > 1]
        if not posts:
            continue
        for pooling in ("max", "mean", "attention"):
            ranks = []
            for post, per, _, scorer, query in posts:
                before, scorer.pooling = scorer.pooling, pooling
                per = {**per, "image_text": scorer.score(Query.from_post(post), rec.vocab)}
                scorer.pooling = before
                ranks.append(combine(rec, per, text_weight=weights["image_text"] or PRIOR[1],
                                     multiplier=weights["multiplier"], query=query))
            values = a_at_5(ranks, [g for _, _, g, _, _ in posts])
            rows.append([name, len(posts), pooling, f"{100 * values.mean():.1f}"])
    if not rows:
        return "No carousel post with a caption and tags.\n"
    return ("Carousel posts (several photos) with a caption and tags, train-split ones scored by their fold's map; "
            "image_text's per-tag evidence pooled over the photos by max, mean, or attention (softmax over photos "
            "of their cosine with the caption). Caption + photos, the learned weights (image_text at 10.4 where "
            "the learned weight is 0). Too few posts to separate the three: read as a smoke test.\n\n"
            + markdown_table(["set", "posts", "pooling", "A@5 %"], rows))


# -- 5. examples ---------------------------------------------------------------------------------

def examples_section(rec_eval, fusion: dict, weights: dict) -> str:
    from taglens.evaluate.protocol import split_of

    lines = []
    for name, s in fusion["per_set"].items():
        shown = 0
        for i, post_id in enumerate(s["ids"]):
            if split_of(post_id) == "train" or shown >= (2 if name == "vaping" else 1):
                continue
            query = s["queries"]["both"][i]
            before = combine(rec_eval, s["both"][i], text_weight=None, k=5, query=query)
            after = combine(rec_eval, s["both"][i], text_weight=weights["image_text"],
                            multiplier=weights["multiplier"], k=5, query=query)
            if before == after and shown == 0 and i < len(s["ids"]) - 1:
                continue
            text = s["inputs"][i].text.replace("\n", " ")[:90]
            gold = " ".join("#" + g for g in sorted(s["gold"][i])[:8])
            lines.append(f"- **{name}** `{post_id}` ({split_of(post_id)} split), caption \"{text}\"; "
                         f"gold (first 8): {gold}\n  - before: {' '.join('#' + t for t in before)}\n"
                         f"  - after: {' '.join('#' + t for t in after)}")
            shown += 1
    return "\n".join(lines) + "\n"


# -- 6. cost ---------------------------------------------------------------------------------------

def cost_section(rec, data: Path) -> tuple[str, dict]:
    from taglens.post import Post
    from taglens.query import Query

    paths = sorted((data / "imagenet-sample-images" / "images").glob("*.jpg"))[:40]
    image_scorers = [s for s in rec.scorers if s.name.startswith("image_")]
    totals, only, cpu = [], [], []
    for rep in range(2):  # the first pass warms caches (onnxruntime arenas, the sentence encoder)
        for path in paths:
            q = Query.from_post(Post(id=f"{path.name}:{rep}", images=[str(path)]))
            c0 = time.process_time()
            t0 = time.perf_counter()
            for scorer in image_scorers:
                t1 = time.perf_counter()
                scorer.score_many([q], rec.vocab)
                if scorer.name == "image_text" and rep:
                    only.append((time.perf_counter() - t1) * 1000)
            if rep:
                totals.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
    med, q90 = float(np.median(totals)), float(np.quantile(totals, 0.9))
    before = np.asarray(totals) - np.asarray(only)
    body = (f"One thread (OMP_NUM_THREADS=1, onnxruntime intra-op 1), {len(paths)} ImageNet sample photos, batch of 1, "
            f"second pass (warm). Everything included: decode + resize + encode + every image scorer "
            f"({', '.join(s.name for s in image_scorers)}). Load average {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} cores (shared machine).\n\n"
            + markdown_table(["step", "median ms", "90th pct ms"],
                             [["whole photo (decode, encode, all image scorers)", f"{med:.1f}", f"{q90:.1f}"],
                              ["the same, CPU time of this process (less sensitive to the other jobs)",
                               f"{np.median(cpu):.1f}", f"{np.quantile(cpu, 0.9):.1f}"],
                              ["the same without image_text (before, same run)", f"{np.median(before):.1f}",
                               f"{np.quantile(before, 0.9):.1f}"],
                              ["of which image_text (map + 8,000 tag cosines)", f"{np.median(only):.2f}",
                               f"{np.quantile(only, 0.9):.2f}"]]))
    return body, {"photo_ms": med, "photo_cpu_ms": float(np.median(cpu)), "image_text_ms": float(np.median(only))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--map", type=Path, default=SHIPPED_MAP,
                        help="the image-text map to measure (default: the shipped one; run_all.py passes none)")
    parser.add_argument("--weights-out", type=Path, default=ROOT / "benchmarks" / "reports" / "image_text_weights.json")
    args = parser.parse_args()
    data = shared_data()
    if data is None:
        return 0
    from taglens.vision.imagetext import ImageTextMap

    t0 = time.time()
    mapping = ImageTextMap.load(args.map)
    retrieval, r = retrieval_section(data, mapping)
    log(retrieval)
    rec = attached_model(args.map, data)
    (power, photo_weight), photo_rows = choose_photo_weight(rec, data)
    rec.combiner.attached["image_text"] = photo_weight
    log(f"photo-only weight {photo_weight} from {photo_rows}")
    share, s = share_section(rec, data, photo_weight, power)
    log(share)
    cost, c = cost_section(rec, data)
    log(cost)
    rec_eval = rec
    fusion, weights, fusion_data = fusion_section(rec, data, instagram_sets(data), power)
    log(fusion)
    pooling = pooling_section(rec_eval, fusion_data, weights)
    log(pooling)
    examples = examples_section(rec_eval, fusion_data, weights)
    log(examples)
    shipped = {"attached": {"image_text": photo_weight},
               "captioned": {"image_text": weights["image_text"],
                             **{n: round(rec.combiner.fixed[n] * weights["multiplier"], 4) for n in FIXED_IMAGE}},
               "calibration": {"power": power}, "caption_words": CAPTION_WORDS,
               "intervals": weights, "photo_settings_on_flickr_val": photo_rows}
    args.weights_out.write_text(json.dumps(shipped, indent=2))
    args.weights_out.parent.mkdir(parents=True, exist_ok=True)
    body = (f"Map: `{args.map.name}` (pairs {json.dumps(mapping.info.get('groups'))}, {mapping.info.get('epoch')} "
            f"epochs chosen on Flickr8k val, val R@10 {mapping.info.get('val_flickr_recall_at_10')}). "
            f"Learned weights written to `{args.weights_out.relative_to(ROOT)}`.\n\n"
            f"### Retrieval (Flickr8k, held out)\n\n{retrieval}\n"
            f"### Flickr8k photos alone: caption words in the top 5\n\nimage_text carries the described words "
            f"(vocabulary tags that are content words of >= {CAPTION_WORDS} Flickr8k *training* photos' captions "
            f"join its candidates) and a per-tag calibration learned on those training photos "
            f"(`ImageTextScorer.calibrate`: how often a tag in a photo's image_text top 20 is a word its captions "
            f"use, against the mean, to a power). Power and photo-only weight: the best as-served caption-word "
            f"share on Flickr8k *val* among the settings that keep the image-labels measure (topic8 *val* photos "
            f"alone with a topic top-100 tag in the top 5, combiner ranking) where it is without image_text, and "
            f"the labels measure (label named in the served top 5, breeds top 10, on {LABEL_PHOTOS} *training*-split "
            f"photos of each labelled set: pets, food, flowers, jewellery, architecture) where image_text as last "
            f"shipped (weight 20, uncalibrated) leaves it, so the image-labels figures do not drop.\n\n"
            + markdown_table(["power", "weight", "val as served %", "val ranked %", "topic8 val rate",
                              "labels % (train photos: pets food flowers jewellery architecture)", "keeps labels"], photo_rows)
            + f"\n-> power {power:g}, weight {photo_weight:g}.\n\n{share}\n"
            f"### Fusion on real Instagram posts\n\n{fusion}\n### Carousels: pooling\n\n{pooling}\n"
            f"### Three real posts, top 5 before and after, as served (held-out split)\n\n{examples}\n"
            f"### Photo cost\n\n{cost}\nWhole run: {time.time() - t0:.0f} s.\n")
    write_section("image_text", "Image-text space: retrieval, caption words, fusion on real posts, cost", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
