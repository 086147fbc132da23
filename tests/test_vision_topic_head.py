"""The image topic (into the post's JSON), the learned image-to-hashtag head, a model
folder round trip, and the CLI with --image / --video / JSONL images."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

import onnxruntime  # noqa: E402,F401 - declared dependencies: a missing one fails, never skips
import skimage.data as skdata  # noqa: E402

from taglens.cli import main  # noqa: E402
from taglens.models.base import Query  # noqa: E402
from taglens.models.scorers.image_topic import merge_topic  # noqa: E402
from taglens.post import Post, TopicPrediction  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402
from taglens.vision.topic import TOPICS, TopicHead, fit_topic_head  # noqa: E402


def _views(arr: np.ndarray, n: int, folder, name: str, seed: int) -> list[str]:
    """n different crops of one photo, written as JPEGs: a small 'corpus' of pictures."""
    rng = np.random.default_rng(seed)
    img = Image.fromarray(arr)
    out = []
    for i in range(n):
        w, h = img.size
        cw, ch = int(w * rng.uniform(0.6, 0.95)), int(h * rng.uniform(0.6, 0.95))
        x, y = int(rng.integers(0, w - cw)), int(rng.integers(0, h - ch))
        path = folder / f"{name}{i}.jpg"
        img.crop((x, y, x + cw, y + ch)).save(path, quality=85)
        out.append(str(path))
    return out


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model trained on posts with pictures: cat crops tagged #cat, coffee crops #coffee."""
    root = tmp_path_factory.mktemp("corpus")
    cats = _views(skdata.chelsea(), 5, root, "cat", 1)
    cups = _views(skdata.coffee(), 5, root, "cup", 2)
    posts = [Post(id=f"c{i}", text="my friend", hashtags=["#cat", "#pet"], images=[p]) for i, p in enumerate(cats[:4])]
    posts += [Post(id=f"k{i}", text="morning", hashtags=["#coffee", "#morning"], images=[p]) for i, p in enumerate(cups[:4])]
    config = {"vocab": {"min_count": 1},
              "scorers": [{"name": "popularity"}, {"name": "image_head", "min_posts": 2, "l2": 10.0},
                          {"name": "image_knn", "k": 3}, {"name": "image_topic"}],
              "combiner": {"type": "weighted", "weights": {"popularity": 0.01, "image_head": 1.0, "image_knn": 1.0,
                                                           "image_topic": 0.3}}}
    rec = Recommender.train(posts, config)
    folder = rec.save(root / "model")
    return Recommender.load(folder), folder, {"cat": cats[4], "cup": cups[4]}


def test_image_head_learns_from_a_corpus_with_pictures(trained):
    rec, _folder, held_out = trained
    assert len(rec.scorer("image_head").head.tag_ids) == 4
    cat = rec.suggest(Post(id="x", images=[held_out["cat"]]), k=2)
    cup = rec.suggest(Post(id="y", images=[held_out["cup"]]), k=2)
    assert {s.key for s in cat.hashtags} == {"cat", "pet"}, cat.hashtags
    assert {s.key for s in cup.hashtags} == {"coffee", "morning"}, cup.hashtags
    assert all(s.evidence == ["image"] for s in cat.hashtags)
    query = Query.from_post(Post(id="z", images=[held_out["cup"]]))
    knn = rec.scorer("image_knn").score(query, rec.vocab)
    assert sorted(knn, key=knn.get)[-2:] in (["coffee", "morning"], ["morning", "coffee"])


def test_topic_goes_into_the_prediction_json(trained):
    rec, _folder, held_out = trained
    cat = rec.suggest(Post(id="x", images=[held_out["cat"]]), k=2).to_dict()
    cup = rec.suggest(Post(id="y", images=[held_out["cup"]]), k=2).to_dict()
    assert cat["topic"]["label"] == "pets" and cat["topic"]["score"] > 0.5
    assert cup["topic"]["label"] == "food"
    assert "topic" not in rec.suggest(Post(id="t", text="no pictures here"), k=2).to_dict()


def test_text_only_post_is_unchanged_by_image_scorers(trained):
    rec, _folder, _ = trained
    query = Query.from_post(Post(id="t", text="hello"))
    per = rec.score_batch([query])[0]
    assert per["image_head"] == {} and per["image_topic"] == {} and per["image_knn"] == {}


def test_merging_image_and_text_topics():
    image = np.asarray([0.6, 0.0, 0.0, 0.4, 0, 0, 0, 0])
    assert merge_topic(TOPICS, image, {}).label == "pets"
    text = {"food": 0.9, "pets": 0.1}
    joint = merge_topic(TOPICS, image, {"text_topic_probs": text})
    assert joint.label == "food" and 0.5 < joint.score <= 1.0
    confident_text = {"topic": TopicPrediction("art", 0.95)}
    assert merge_topic(TOPICS, image, confident_text).label == "art"


def test_topic_head_fit_and_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16)) * 3
    y = np.repeat(np.arange(3), 30)
    feats = centres[y] + rng.normal(size=(90, 16))
    probs = np.full((90, 1000), 1e-3)
    probs /= probs.sum(1, keepdims=True)
    head = fit_topic_head(feats, probs, y, np.full(1000, -1), topics=("a", "b", "c"))
    assert (head.predict(feats, probs).argmax(1) == y).mean() > 0.95
    head.save(tmp_path / "h.npz")
    again = TopicHead.load(tmp_path / "h.npz")
    assert again.topics == ("a", "b", "c")
    assert np.allclose(again.predict(feats, probs), head.predict(feats, probs), atol=1e-4)


def _clip(path, frames: int = 12) -> None:
    import av

    frame = np.asarray(Image.fromarray(skdata.coffee()).resize((128, 96)))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=6)
        stream.width, stream.height, stream.pix_fmt = 128, 96, "yuv420p"
        for _ in range(frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_cli_image_video_and_jsonl(trained, tmp_path, capsys):
    _rec, folder, held_out = trained
    assert main(["suggest", "--image", held_out["cat"], "--model", str(folder), "-k", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["topic"]["label"] == "pets" and out["hashtags"][0]["evidence"] == ["image"]
    clip = tmp_path / "cup.mp4"
    _clip(clip)
    assert main(["suggest", "--video", str(clip), "--model", str(folder), "-k", "2", "--json"]) == 0
    assert {h["tag"] for h in json.loads(capsys.readouterr().out)["hashtags"]} == {"#coffee", "#morning"}
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    Image.open(held_out["cup"]).save(tmp_path / "cup.png")
    lines = [{"id": "a", "images": ["cup.png", "broken.jpg"]}, {"id": "b", "text": "no picture"}]
    (tmp_path / "posts.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    assert main(["suggest", "--jsonl", str(tmp_path / "posts.jsonl"), "--model", str(folder), "-k", "2"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["topic"]["label"] == "food" and "broken.jpg" in rows[0]["warnings"][0]
    assert {h["tag"] for h in rows[0]["hashtags"]} == {"#coffee", "#morning"}


def test_image_scorers_attach_to_a_trained_text_model_without_changing_text_results(trained):
    from conftest import toy_posts

    from taglens.models.attach import add_image_scorers

    _rec, _folder, held_out = trained
    config = {"vocab": {"min_count": 1}, "scorers": [{"name": "popularity"}, {"name": "cooccurrence"}],
              "combiner": {"type": "learned"}}
    text = Recommender.train(toy_posts() * 2, config, validation=toy_posts())
    both = Recommender(add_image_scorers(text.bundle))
    post = Post(id="t", text="beach", hashtags=["#sea"])
    assert [s.key for s in both.suggest(post, k=5).hashtags] == [s.key for s in text.suggest(post, k=5).hashtags]
    pictured = both.suggest(Post(id="p", images=[held_out["cup"]]), k=3)
    assert pictured.topic.label == "food" and "image" in pictured.hashtags[0].evidence
    again = add_image_scorers(both.bundle, fixed={"image_zeroshot": 2.0})  # re-weighting, no second copy
    assert [s.name for s in again.scorers] == [s.name for s in both.scorers]
    assert again.combiner.attached["image_zeroshot"] == 2.0  # attached after training: outside its features


def test_a_model_without_image_scorers_says_it_ignored_the_pictures(trained):
    from conftest import toy_posts

    _rec, _folder, held_out = trained
    text = Recommender.train(toy_posts(), {"vocab": {"min_count": 1}, "scorers": [{"name": "popularity"}],
                                           "combiner": {"type": "weighted", "weights": {"popularity": 1.0}}})
    prediction = text.suggest(Post(id="p", text="x", images=[held_out["cat"]]), k=2)
    assert prediction.hashtags and "no image scorers" in prediction.warnings[0]
