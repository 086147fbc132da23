"""Deduplication of evaluation posts against training posts (evaluate/dedup.py)."""

from __future__ import annotations

import random
from pathlib import Path

from conftest import write_jpeg

from taglens.evaluate.dedup import TrainingIndex, caption_tokens, content_key, drop_duplicates
from taglens.post import Post

TRAIN = [
    Post(id="t1", text="Sunset swim at the beach #beach #sunset", hashtags=["#sea"]),
    Post(id="t2", text="one two three four five six seven eight nine ten", hashtags=["#x"]),
    Post(id="t3", text="", hashtags=["#a", "#b", "#c", "#d", "#e", "#f", "#g"]),
    Post(id="t4", text="", hashtags=["#food", "#pizza"]),
    Post(id="t5", text="tiny caption here now", hashtags=["#y"]),
]


def kind(post: Post, **options) -> str | None:  # noqa: ANN003
    return TrainingIndex(TRAIN, **options).duplicate_kind(post)


def test_exact_copy_ignores_tags_case_links_and_mentions() -> None:
    copy = Post(id="v1", text="SUNSET swim at the beach!! @friend https://t.co/x #other")
    assert kind(copy) == "exact"
    assert caption_tokens(copy.text) == ["sunset", "swim", "at", "the", "beach"]


def test_near_copy_needs_jaccard_of_at_least_point_nine() -> None:
    # one extra word on ten: J = 10/11 = 0.91 -> a copy; on four words: J = 4/5 -> not
    assert kind(Post(id="v", text="one two three four five six seven eight nine ten eleven")) == "near"
    assert kind(Post(id="v", text="tiny caption here now again")) is None
    # two words changed of ten: J = 8/12 -> new
    assert kind(Post(id="v", text="one two three four five six seven eight apple pear")) is None


def test_tag_lists_are_copies_only_when_long_and_in_the_same_order() -> None:
    assert kind(Post(id="v", hashtags=["#a", "#b", "#c", "#d", "#e", "#f", "#g"])) == "taglist"
    assert kind(Post(id="v", hashtags=["#a", "#b", "#c", "#d", "#e", "#f"])) is None  # a shorter list is another
    assert kind(Post(id="v", hashtags=["#b", "#a", "#c", "#d", "#e", "#f", "#g"])) is None  # order differs
    assert kind(Post(id="v", hashtags=["#food", "#pizza"])) is None  # short lists repeat naturally
    short = [Post(id="t", hashtags=["#a", "#b", "#c", "#d", "#e"])]
    assert TrainingIndex(short).duplicate_kind(short[0]) is None  # five tags: below min_tags
    assert TrainingIndex(short, min_tags=5).duplicate_kind(short[0]) == "taglist"


def test_prefix_filter_finds_exactly_the_pairs_brute_force_finds() -> None:
    rng = random.Random(3)
    words = [f"w{i}" for i in range(30)]
    train = [Post(id=f"t{i}", text=" ".join(rng.sample(words, rng.randint(8, 22)))) for i in range(150)]
    index = TrainingIndex(train, jaccard=0.9)
    sets = [set(caption_tokens(p.text)) for p in train]
    found_near = 0
    for i in range(300):
        base = sets[rng.randrange(len(sets))]
        tokens = set(base)
        for _ in range(rng.randint(0, 2)):  # small edits: some stay within 0.9, some do not
            tokens.symmetric_difference_update({rng.choice(words)})
        post = Post(id=f"q{i}", text=" ".join(sorted(tokens, reverse=bool(i % 2))))
        truth = any(len(tokens & s) / len(tokens | s) >= 0.9 for s in sets) if tokens else False
        got = index.duplicate_kind(post) in ("exact", "near")
        assert got == truth, sorted(tokens)
        found_near += index.duplicate_kind(post) == "near"
    assert found_near > 10  # the case that needs the similarity join did occur


def test_drop_duplicates_keeps_order_and_counts_each_kind() -> None:
    posts = [
        Post(id="a", text="sunset swim at the beach"),
        Post(id="b", text="a brand new caption"),
        Post(id="c", hashtags=["#a", "#b", "#c", "#d", "#e", "#f", "#g"]),
        Post(id="d", text="one two three four five six seven eight nine ten eleven"),
        Post(id="e", hashtags=["#food", "#pizza"]),
    ]
    kept, report = drop_duplicates(posts, TRAIN)
    assert [p.id for p in kept] == ["b", "e"]
    assert report.checked == 5 and report.total == 3
    assert report.removed == {"exact": 1, "near": 1, "taglist": 1, "photo": 0}
    assert "removed 3 of 5" in report.describe()


def test_content_key_is_the_caption_else_a_long_tag_list() -> None:
    assert content_key(Post(id="x", text="Hello, World! #tag")) == "hello world"
    assert content_key(Post(id="x", hashtags=["#a", "#b"])) is None
    assert content_key(Post(id="x", hashtags=[f"#t{i}" for i in range(6)])) == "#t0 #t1 #t2 #t3 #t4 #t5"


def test_photo_duplicates_by_perceptual_hash(tmp_path: Path) -> None:
    from PIL import Image, ImageDraw

    def picture(name: str, shift: int, quality: int) -> Path:
        img = Image.new("RGB", (96, 96), (240, 240, 240))
        draw = ImageDraw.Draw(img)
        draw.rectangle([10 + shift, 10, 50 + shift, 80], fill=(20, 30, 200))
        draw.ellipse([55, 20, 90, 60], fill=(200, 40, 20))
        path = tmp_path / name
        img.save(path, "JPEG", quality=quality)
        return path

    original = picture("a.jpg", 0, 95)
    recompressed = picture("b.jpg", 0, 40)
    other = write_jpeg(tmp_path / "c.jpg", color=(10, 200, 10), size=(96, 96))
    index = TrainingIndex([Post(id="t", images=[str(original)])], photos=True)
    assert index.duplicate_kind(Post(id="v1", images=[str(recompressed)])) == "photo"
    assert index.duplicate_kind(Post(id="v2", images=[str(other)])) is None
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    assert index.duplicate_kind(Post(id="v3", images=[str(broken)])) is None  # unreadable: not a copy


def test_build_task_sets_copies_aside_and_counts_only_usable_posts() -> None:
    from taglens.evaluate.protocol import build_task

    posts = [Post(id="copy", text="Sunset swim at the beach", hashtags=["#sunset"]),
             Post(id="untagged copy", text="sunset swim at the beach"),  # the task cannot use it anyway
             Post(id="new", text="rain on the window", hashtags=["#rain"])]
    tasks = build_task(posts, "caption", train=TRAIN)
    assert tasks.dedup is not None and tasks.dedup.checked == 2 and tasks.dedup.total == 1
    assert tasks.skipped == 1 and len(tasks.inputs) == 1 and tasks.gold == [{"rain"}]
    assert tasks.duplicates is not None and tasks.duplicates.gold == [{"sunset"}]
    plain = build_task(posts, "caption")
    assert plain.dedup is None and len(plain.inputs) == 2


def test_content_splits_keep_copies_together() -> None:
    from collections import Counter

    from taglens.splits import split_of_post

    copies = [Post(id=f"id{i}", text="Same tweet again! #tag", hashtags=[f"#t{i}"]) for i in range(50)]
    assert len({split_of_post(p) for p in copies}) == 1  # new ids, one content, one split
    lists = [Post(id=f"h{i}", hashtags=[f"#a{j}" for j in range(6)]) for i in range(20)]
    assert len({split_of_post(p) for p in lists}) == 1
    varied = Counter(split_of_post(Post(id=f"v{i}", text=f"caption number {i}")) for i in range(2000))
    assert 0.07 < varied["val"] / 2000 < 0.13 and 0.07 < varied["test"] / 2000 < 0.13  # still a 80/10/10 cut
    short = [Post(id=f"s{i}", hashtags=["#food", "#pizza"]) for i in range(200)]
    assert len({split_of_post(p) for p in short}) == 3  # short tag lists are not content: split by id
