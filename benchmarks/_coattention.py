"""The seed's co-attention network (taglens.research.coattention), retrained on the real
image-text data, for benchmarks/image_text.py's fusion table.

Training pairs (train shares only): Flickr8k's training photos with two of their captions
each (targets: the caption words that are vocabulary tags), and the train-split Instagram
posts of both sets (caption with its hashtags removed; targets: their tags). Early stopping
on the Flickr8k val photos and the Instagram posts of one hash fold. Tested on the held-out
(val + test split) Instagram posts, the same posts as the fusion table's held-out rows.
Region features (7x7 x 1280, EfficientNet-Lite0 in torch) are cached per photo file.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np


def regions_of(paths: list[str], cache: Path) -> np.ndarray:
    """(N, 49, 1280) float16 region grids of the image files, cached per file."""
    from taglens.research.coattention import region_features
    from taglens.vision.io import load_image

    out = []
    for path in paths:
        cached = cache / "regions" / (hashlib.sha1(str(path).encode()).hexdigest()[:20] + ".npy")
        if not cached.is_file():
            cached.parent.mkdir(parents=True, exist_ok=True)
            np.save(cached, region_features([load_image(path)])[0].astype(np.float16))
        out.append(np.load(cached))
    return np.stack(out)


def _caption_targets(captions: list[str], index: dict[str, int]) -> list[int]:
    from taglens.text.language import is_stopword

    words = {w for c in captions for w in re.findall(r"[a-z]+", c.lower()) if len(w) > 2 and not is_stopword(w, "en")}
    return sorted(index[w] for w in words if w in index)


def build(items: list[tuple[str, str, list[str]]], tags: list[str], cache: Path):
    """CoAttentionData from (image path, text, gold tag keys) items over the tag list `tags`."""
    from taglens.research.coattention import CoAttentionData, token_states

    index = {t: i for i, t in enumerate(tags)}
    regions = regions_of([p for p, _, _ in items], cache).astype(np.float32)
    tokens, mask = token_states([t for _, t, _ in items])
    targets = np.zeros((len(items), len(tags)), np.float32)
    for i, (_, _, gold) in enumerate(items):
        for key in gold:
            if key in index:
                targets[i, index[key]] = 1.0
    return CoAttentionData(regions, tokens, mask, targets)


def coattention_rankings(flickr: dict[str, tuple[list, list]], train_posts: list[tuple], held_posts: list[tuple],
                         vocab, cache: Path, fold_of, log=print, epochs: int = 25) -> list[list[str]]:
    """Train on Flickr8k train + train-split Instagram posts, stop early on Flickr8k val + one
    fold of those posts; the held-out posts' top 10. Posts are (image path, text, gold keys)."""
    from taglens.research.coattention import predict_coattention, train_coattention

    index = vocab.index
    fl_train = [(str(p), c, [vocab.keys[j] for j in _caption_targets([c], index)])
                for p, cs in zip(*flickr["train"], strict=True) for c in cs[:2]]
    fl_val = [(str(p), cs[0], [vocab.keys[j] for j in _caption_targets(cs, index)])
              for p, cs in zip(*flickr["val"], strict=True)]
    ig_val = [x for x in train_posts if fold_of(x[3]) == 0]
    ig_train = [x for x in train_posts if fold_of(x[3]) != 0]
    train_items = [x for x in fl_train if x[2]] + [x[:3] for x in ig_train]
    tags = sorted({k for _, _, g in train_items for k in g if k in index})
    log(f"co-attention: {len(train_items)} training pairs ({len(fl_train)} Flickr8k captions, {len(ig_train)} "
        f"posts), {len(tags)} tags")
    train = build(train_items, tags, cache)
    val = build([x for x in fl_val if x[2]] + [x[:3] for x in ig_val], tags, cache)
    net = train_coattention(train, val, epochs=epochs, log=lambda m: None)
    test = build([x[:3] for x in held_posts], tags, cache)
    logits = predict_coattention(net, test)
    return [[tags[j] for j in np.argsort(-row)[:10]] for row in logits], {"pairs": len(train_items), "tags": len(tags)}
