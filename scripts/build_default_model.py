"""Rebuild the default model shipped in `src/taglens/data/models/default`.

Training data (from ../shared/data, read-only, never copied into the repo):
  * TweetEval emoji, train_text.txt (Instagram cross-posts: captions + hashtags); val_text.txt is
    never seen, so evaluations on it are honest;
  * HARRISON hashtag lists, the hash splits 'train' and 'val' (taglens.evaluate.protocol.split_of);
    its 'test' split is never seen, so evaluations on it are honest.

Usage:  .venv/bin/python scripts/build_default_model.py [--shared ../shared] [--out DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

from taglens.corpus.importers import read_harrison, read_tweeteval
from taglens.evaluate.protocol import split_of
from taglens.models.model_dir import save_model
from taglens.models.train import DEFAULT_CONFIG, train_model
from taglens.post import Post

REPO = Path(__file__).resolve().parents[1]


def load_training_posts(shared: Path) -> tuple[list[Post], list[Post]]:
    """(scorer-training posts, combiner-validation posts) from TweetEval and HARRISON.

    With the default config's cross-fitting, train_model uses both lists as training
    posts (every one teaches the combiner once, through scorers fitted without it)."""
    data = shared / "data"
    tweets = [p for _, p in read_tweeteval(data / "tweeteval-emoji" / "train_text.txt") if isinstance(p, Post)]
    harrison = [p for _, p in read_harrison(data / "harrison") if isinstance(p, Post)]
    train = [p for p in tweets if split_of(p.id) != "val"]
    train += [p for p in harrison if split_of(p.id) == "train"]
    val = [p for p in tweets if split_of(p.id) == "val"]
    val += [p for p in harrison if split_of(p.id) == "val"]
    return train, val


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", default=str(REPO.parent / "shared"))
    parser.add_argument("--out", default=str(REPO / "src" / "taglens" / "data" / "models" / "default"))
    args = parser.parse_args()
    shared = Path(args.shared)
    if not (shared / "data").is_dir():
        print(f"no shared data at {shared}/data: cannot rebuild the default model", file=sys.stderr)
        return 2
    train, val = load_training_posts(shared)
    provenance = {
        "sources": [
            "tweeteval-emoji train_text.txt (cardiffnlp/tweeteval 4fbd22cd), all of it",
            "harrison data_list.txt + tag_list.txt (minstone/HARRISON-Dataset efa6e777), hash splits train+val",
        ],
        "held_out": "HARRISON hash split 'test'; TweetEval val_text.txt",
        "validation": "the combiner is cross-fitted on 3 folds of the training posts keyed by content (copies share a fold; config crossfit_folds)",
    }
    start, cpu = time.perf_counter(), time.process_time()
    bundle = train_model(train, DEFAULT_CONFIG, provenance=provenance, validation=val,
                         log=lambda m: print(m, file=sys.stderr))
    path = save_model(bundle, args.out)
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    print(f"default model written to {path} ({size / 1e6:.1f} MB, {len(bundle.vocab)} tags)")
    record_build(time.perf_counter() - start, time.process_time() - cpu, size, len(bundle.vocab))
    return 0


def record_build(wall: float, cpu: float, size: int, tags: int) -> None:
    """The build's cost into RESULTS.md (the README quotes it from there)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from _results import write_section

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024  # KiB -> GiB
    write_section("default-model", "Building the default model", (
        f"{wall / 60:.1f} min wall, {cpu / 60:.1f} min CPU, peak memory {peak:.1f} GiB (ru_maxrss); "
        f"the model folder is {size / 1e6:.1f} MB with {tags:,} tags.\n"))


if __name__ == "__main__":
    sys.exit(main())
