"""The evaluation protocol: deterministic splits, hidden tags, one scoring loop.

Tasks (what the recommender is given; the rest is gold):
  caption    the caption with every hashtag removed; all tags are gold
  given1     the caption and the first tag; the other tags are gold
  givenhalf  the caption and the first half of the tags; the other half is gold

Hidden tags are removed from the caption too, so a gold tag never leaks into
the input. Nor does anything else a post carries: its meta (a crawl's search
query is often one of its tags: HARRISON's query folder is a hidden tag of 68%
of its posts) and its id (HARRISON's id is that folder's path) are replaced by an
opaque id. Posts with too few tags for a task are skipped, and counted. Given
the training posts, posts that copy one (dedup.py) are set aside and counted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from taglens.errors import InputError
from taglens.evaluate.dedup import DedupReport, TrainingIndex, drop_duplicates
from taglens.evaluate.metrics import mean_metrics, post_metrics
from taglens.hashtags import remove_hashtags
from taglens.post import Post
from taglens.splits import split_key, split_of, split_of_post  # noqa: F401 - the protocol's splits

TASKS = ("caption", "given1", "givenhalf")


def opaque_id(post_id: str) -> str:
    """A stable id that says nothing about the post (ids can name tags: `harrison:…/sea/image_50.jpg`)."""
    return "q" + hashlib.sha1(f"query:{post_id}".encode("utf-8")).hexdigest()[:16]


def hide(post: Post, task: str) -> tuple[Post, set[str]] | None:
    """The post as the recommender sees it for `task`, and the gold keys; None to skip."""
    if task not in TASKS:
        raise InputError(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    keys = post.all_tag_keys()
    displays = {k: t for k, t in zip(post.tag_keys, post.hashtags, strict=False)}
    if task == "caption":
        kept: list[str] = []
    elif task == "given1":
        kept = keys[:1]
    else:
        kept = keys[: len(keys) // 2]
    gold = set(keys) - set(kept)
    if not gold or (task != "caption" and not kept):
        return None
    visible = Post(
        id=opaque_id(post.id), text=remove_hashtags(post.text, gold), images=list(post.images),
        video=post.video, hashtags=[displays.get(k, "#" + k) for k in kept],
        source=post.source, topic=None,
    )
    return visible, gold


@dataclass
class TaskSet:
    task: str
    inputs: list[Post] = field(default_factory=list)
    gold: list[set[str]] = field(default_factory=list)
    topics: list[str | None] = field(default_factory=list)
    skipped: int = 0
    dedup: DedupReport | None = None  # what was removed as copies of training posts
    duplicates: TaskSet | None = None  # those posts as a task of their own, for the 'with duplicates' line


def build_task(posts: Iterable[Post], task: str, train: Iterable[Post] | TrainingIndex | None = None) -> TaskSet:
    """The task over `posts`; with `train`, posts duplicating a training post are set aside
    (evaluate/dedup.py) and kept in `.duplicates`, so reports can show both figures."""
    out = TaskSet(task)
    usable: list[tuple[Post, tuple[Post, set[str]]]] = []
    for post in posts:
        hidden = hide(post, task)
        if hidden is None:
            out.skipped += 1
        else:
            usable.append((post, hidden))
    if train is not None:  # only posts the task can use are checked, so the count means what it says
        kept, out.dedup = drop_duplicates([post for post, _ in usable], train)
        kept_ids = {id(p) for p in kept}
        out.duplicates = TaskSet(task)
        for post, hidden in usable:
            if id(post) not in kept_ids:
                _add(out.duplicates, post, hidden)
        usable = [(post, hidden) for post, hidden in usable if id(post) in kept_ids]
    for post, hidden in usable:
        _add(out, post, hidden)
    return out


def _add(tasks: TaskSet, post: Post, hidden: tuple[Post, set[str]]) -> None:
    tasks.inputs.append(hidden[0])
    tasks.gold.append(hidden[1])
    tasks.topics.append(post.topic)


def score_rankings(rankings: Sequence[Sequence[str]], gold: Sequence[set[str]]) -> dict[str, float]:
    """Mean metrics of ranked key lists against gold sets (same order)."""
    if len(rankings) != len(gold):
        raise ValueError("rankings and gold differ in length")
    return mean_metrics(post_metrics(list(r), g) for r, g in zip(rankings, gold, strict=True))


def rankings_of(predictions: Iterable) -> Iterator[list[str]]:
    for prediction in predictions:
        yield [s.key for s in prediction.hashtags]


def evaluate_recommender(recommender, tasks: TaskSet, k: int = 10) -> dict[str, float]:
    """Run a recommender on a task set and score its top-k against the hidden tags."""
    rankings = list(rankings_of(recommender.suggest_many(tasks.inputs, k=k)))
    return score_rankings(rankings, tasks.gold)
