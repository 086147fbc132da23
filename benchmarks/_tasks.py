"""The held-out text sets the text benchmarks measure, built one way for all of them.

* TweetEval val (`val_text.txt`), caption only: the default model never trained on it;
* the HARRISON test hash split, one tag given.

With `dedup=True` (the default) the posts that duplicate a post the default model was fitted
on are set aside (`build_task(..., train=...)`, evaluate/dedup.py: exact and near captions,
long tag lists in order) and kept in the task's `.duplicates`, so every table can print its
'with duplicates' line. The training posts are `scripts/build_default_model.py`'s own, its
scorer-training and combiner-validation posts together (cross-fitting fits on both).

Why one module: text_eval, text_limits, grounding, crossfit_rebuild and harrison_suggest
each built these sets; five copies of 'which posts are held out and what counts as a copy'
is how a headline comes to rest on a different set than the table beside it.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from build_default_model import load_training_posts  # noqa: E402
from taglens.corpus.importers import read_harrison, read_tweeteval  # noqa: E402
from taglens.evaluate.protocol import TaskSet, build_task  # noqa: E402
from taglens.post import Post  # noqa: E402
from taglens.splits import split_of  # noqa: E402


@functools.lru_cache(maxsize=2)
def training_posts(data: Path) -> tuple[Post, ...]:
    """Every post the shipped default model was fitted on (TweetEval train, HARRISON train+val)."""
    train, val = load_training_posts(data.parent)
    return tuple(train + val)


def training_of(data: Path, source: str) -> list[Post]:
    """The training posts of one source ('tweeteval' or 'harrison'): what a copy is a copy of."""
    return [p for p in training_posts(data) if p.source == source]


def tweeteval_val(data: Path, limit: int | None = None) -> list[Post]:
    posts = [p for _, p in read_tweeteval(data / "tweeteval-emoji" / "val_text.txt") if isinstance(p, Post)]
    return posts[:limit] if limit else posts


def harrison_test(data: Path, limit: int | None = None) -> list[Post]:
    posts = [p for _, p in read_harrison(data / "harrison") if isinstance(p, Post) and split_of(p.id) == "test"]
    return posts[:limit] if limit else posts


def tweeteval_task(data: Path, limit: int | None = None, dedup: bool = True) -> TaskSet:
    """TweetEval val, caption only (every hashtag hidden), copies of training tweets set aside."""
    return build_task(tweeteval_val(data, limit), "caption", train=training_of(data, "tweeteval") if dedup else None)


def harrison_task(data: Path, limit: int | None = None, dedup: bool = True) -> TaskSet:
    """HARRISON test split, one tag given, posts repeating a training tag list set aside."""
    return build_task(harrison_test(data, limit), "given1", train=training_of(data, "harrison") if dedup else None)
