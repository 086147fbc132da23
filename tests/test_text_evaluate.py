"""Evaluation: metrics on hand-computed cases, similarity accuracy, the protocol
(no gold tag leaks into the input), and the runner + report end to end."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from taglens.evaluate.metrics import TagSimilarity, bootstrap_interval, post_metrics, similarity_accuracy
from taglens.evaluate.protocol import TASKS, build_task, hide
from taglens.hashtags import extract_hashtags
from taglens.post import Post


def test_metrics_hand_computed() -> None:
    pred = ["a", "x", "b", "y", "z", "c", "w", "v", "u", "t"]
    gold = {"b", "c", "q"}
    m = post_metrics(pred, gold)
    assert m["P@1"] == 0.0
    assert m["P@5"] == pytest.approx(1 / 5)            # only b in the top 5
    assert m["R@5"] == pytest.approx(1 / 3)            # b of {b, c, q}
    assert m["A@5"] == 1.0
    assert m["MRR"] == pytest.approx(1 / 3)            # first hit at rank 3
    dcg = 1 / math.log2(4) + 1 / math.log2(7)          # hits at ranks 3 and 6
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)     # 3 gold tags
    assert m["nDCG@10"] == pytest.approx(dcg / idcg)


def test_bootstrap_interval_of_a_mean() -> None:
    assert bootstrap_interval([1.0] * 40) == (1.0, 1.0)  # no spread, no doubt
    lo, hi = bootstrap_interval([0.0, 1.0] * 200)  # mean 0.5, standard error 0.025
    assert lo < 0.5 < hi
    assert 0.08 < hi - lo < 0.12  # about 2 x 1.96 x 0.025
    assert bootstrap_interval([0.0, 1.0] * 200) == (lo, hi)  # seeded: the same report twice
    wide = bootstrap_interval([0.0, 1.0] * 20)
    assert wide[1] - wide[0] > hi - lo  # fewer posts, less certainty


def test_metrics_perfect_and_empty() -> None:
    assert post_metrics(["a", "b"], {"a"}) == {"P@1": 1.0, "P@5": 0.2, "R@5": 1.0, "A@5": 1.0,
                                               "MRR": 1.0, "nDCG@10": 1.0}
    assert all(v == 0.0 for v in post_metrics([], {"a"}).values())


class FakeGlove:
    """Three words on a plane: beach ~ sea (cos 0.8), cat far from both."""

    vectors = {"beach": np.array([1.0, 0.0]), "sea": np.array([0.8, 0.6]), "cat": np.array([0.0, 1.0]) * -1}

    def __contains__(self, word: object) -> bool:
        return word in self.vectors

    def unit(self, word: str):
        return self.vectors.get(word)

    def phrase(self, words):
        vecs = [self.vectors[w] for w in words if w in self.vectors]
        if not vecs:
            return None
        m = np.mean(vecs, axis=0)
        return m / np.linalg.norm(m)


def test_similarity_accuracy_hand_case() -> None:
    sim = TagSimilarity(FakeGlove(), segment=lambda key: {"seabeach": ("sea", "beach")}.get(key, (key,)))
    # of 10 slots: 'sea' (0.8 to beach), 'beach' (itself), 'seabeach' (segmented, ~0.95), 'zzz' (exact match)
    pred = ["sea", "cat", "beach", "seabeach", "zzz"]
    assert similarity_accuracy(pred, {"beach", "zzz"}, sim) == pytest.approx(4 / 10)
    assert similarity_accuracy(["cat"], {"beach"}, sim) == 0.0


POSTS = [
    Post(id="1", text="Sunset at the #beach with #friends #love", hashtags=["#summer"]),
    Post(id="2", text="no tags in the text", hashtags=["#a", "#b", "#c", "#d"]),
    Post(id="3", text="#Food #pizza tonight", hashtags=[]),
    Post(id="4", text="only one", hashtags=["#solo"]),
]


@pytest.mark.parametrize("task", TASKS)
def test_protocol_never_leaks_a_gold_tag(task: str) -> None:
    tasks = build_task(POSTS, task)
    assert tasks.inputs, task
    for visible, gold in zip(tasks.inputs, tasks.gold, strict=True):
        shown = {t.key for t in extract_hashtags(visible.text)} | set(visible.tag_keys)
        assert not shown & gold
        words = {w.strip("#.,").casefold() for w in visible.text.split()}
        assert not words & gold
        assert gold


def test_protocol_hides_ids_and_meta_that_name_tags() -> None:
    # HARRISON-style: the id is the crawl folder's path and meta holds the search query, both a hidden tag
    post = Post(id="harrison:instagram_dataset/sea/image_1.jpg", hashtags=["#beach", "#sea"],
                meta={"query": "sea"}, source="harrison")
    visible, gold = hide(post, "given1")
    assert gold == {"sea"}
    assert "sea" not in visible.id and not visible.meta
    assert hide(post, "given1")[0].id == visible.id  # stable, so runs can be compared
    assert visible.id != hide(POSTS[1], "given1")[0].id


def test_protocol_tasks_give_what_they_say() -> None:
    visible, gold = hide(POSTS[1], "given1")
    assert visible.tag_keys == ["a"] and gold == {"b", "c", "d"}
    visible, gold = hide(POSTS[1], "givenhalf")
    assert visible.tag_keys == ["a", "b"] and gold == {"c", "d"}
    visible, gold = hide(POSTS[0], "caption")
    assert visible.tag_keys == [] and gold == {"summer", "beach", "friends", "love"}
    assert hide(POSTS[3], "given1") is None  # nothing left to predict


def test_runner_and_report_end_to_end(tmp_path) -> None:
    from taglens.evaluate.report import write_report
    from taglens.evaluate.runner import FUSED, ORACLE, evaluate_all
    from taglens.recommend import Recommender

    train = [Post(id=f"t{i}", text=f"day {i}", hashtags=["#travel", "#beach" if i % 2 else "#sea"])
             for i in range(20)]
    rec = Recommender.train(train)
    tasks = build_task([Post(id="e1", hashtags=["#travel", "#beach"]),
                        Post(id="e2", hashtags=["#travel", "#sea"])], "given1")
    ev = evaluate_all(rec, tasks, train=train, with_similarity=False, ablation=False)
    assert FUSED in ev.systems and "TF-IDF nearest posts" in ev.systems
    assert ev.systems[ORACLE]["A@5"] == 1.0
    assert ev.systems[FUSED]["A@5"] == 1.0
    assert ev.intervals["A@5"] == (1.0, 1.0) and set(ev.intervals) == {"P@1", "A@5"}
    assert ev.per_topic["unknown"]["n"] == 2
    report = write_report([ev], tmp_path / "rep", ["toy"])
    assert "| system |" in report.read_text()
    assert "A@5 100.0–100.0." in report.read_text()  # the model's interval, under its table
    data = json.loads((tmp_path / "rep" / "results.json").read_text())
    assert data[0]["systems"][FUSED]["n"] == 2
    assert data[0]["intervals"]["A@5"] == [1.0, 1.0]
    assert list((tmp_path / "rep").glob("*.png"))
