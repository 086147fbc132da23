"""The packaged encoder, the zero-shot bridge, several images, video, and serving a
post whose pictures are partly broken. Real photos: scikit-image's bundled CC0 data."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import onnxruntime  # noqa: E402,F401 - declared dependencies: a missing one fails, never skips
import skimage.data as skdata  # noqa: E402

from taglens.models.base import Query, create_scorer  # noqa: E402
from taglens.post import Post  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402
from taglens.vision.encoder import create_encoder, list_encoders  # noqa: E402
from taglens.vision.features import ensure_image_evidence  # noqa: E402
from taglens.vision.io import load_image  # noqa: E402
from taglens.vision.video import sample_frames  # noqa: E402

CAT_CLASSES = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
TAGS = {  # tag -> how many posts use it (the bridge tilts towards used tags)
    "#cat": 300, "#catsofinstagram": 120, "#kitten": 40, "#coffee": 200, "#latte": 30,
    "#food": 400, "#car": 150, "#beach": 250, "#sunset": 220, "#rocket": 5, "#space": 60,
}


def _png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("photos")
    out = {}
    for name in ("chelsea", "coffee", "astronaut"):
        out[name] = root / f"{name}.jpg"
        Image.fromarray(getattr(skdata, name)()).save(out[name], quality=90)
    (root / "broken.jpg").write_bytes(out["coffee"].read_bytes()[:300])
    out["broken"] = root / "broken.jpg"
    return out


@pytest.fixture(scope="module")
def rec() -> Recommender:
    """A tiny model: popularity plus the zero-shot image scorer, trained on made-up posts."""
    posts = []
    for i, (tag, n) in enumerate(TAGS.items()):
        posts += [Post(id=f"{i}-{j}", hashtags=[tag]) for j in range(n // 20 + 2)]
    config = {"vocab": {"min_count": 1}, "scorers": [{"name": "popularity"}, {"name": "image_zeroshot"}],
              "combiner": {"type": "weighted", "weights": {"popularity": 0.01, "image_zeroshot": 1.0}}}
    return Recommender.train(posts, config)


def test_registry_and_encoder_outputs(photos):
    assert "efficientnet_lite0" in list_encoders() and "onnx" in list_encoders()
    enc = create_encoder("efficientnet_lite0")
    cat, coffee = load_image(photos["chelsea"]), load_image(photos["coffee"])
    out = enc.encode([cat, coffee])
    assert out.features.shape == (2, 1280) and out.probs.shape == (2, 1000)
    assert np.allclose(out.probs.sum(axis=1), 1.0, atol=1e-4)
    assert int(out.probs[0].argmax()) in CAT_CLASSES
    assert enc.labels[int(out.probs[1].argmax())] in {"espresso", "cup", "coffee mug", "eggnog"}
    alone = enc.encode([coffee], batch_size=1)  # batching must not change a picture's result
    assert np.allclose(alone.features[0], out.features[1], atol=1e-3)


def test_zero_shot_bridge_gives_a_cat_photo_cat_tags(rec, photos):
    prediction = rec.suggest(Post(id="c", images=[str(photos["chelsea"])]), k=3, allow="variants")  # all cat tags
    tags = [s.key for s in prediction.hashtags]
    cats = {"cat", "catsofinstagram", "kitten"}
    assert tags[0] in cats, tags
    assert all(s.evidence == ["image"] for s in prediction.hashtags), prediction.hashtags  # the photo alone
    assert prediction.hashtags[0].evidence == ["image"]
    every_variant = rec.suggest(Post(id="c", images=[str(photos["chelsea"])]), k=3, allow="variants")
    assert {s.key for s in every_variant.hashtags} <= cats, every_variant.hashtags  # the bridge itself: all cat


def test_several_images_aggregate(rec, photos):
    post = Post(id="two", images=[str(photos["chelsea"]), str(photos["coffee"])])
    tags = [s.key for s in rec.suggest(post, k=4).hashtags]
    assert "cat" in tags and ("coffee" in tags or "latte" in tags), tags


def test_broken_image_keeps_the_post_served(rec, photos):
    post = Post(id="mixed", images=[str(photos["broken"]), str(photos["chelsea"]), "/no/such.jpg"])
    prediction = rec.suggest(post, k=3)
    assert prediction.hashtags and prediction.hashtags[0].key in {"cat", "catsofinstagram", "kitten"}
    assert len(prediction.warnings) == 2 and all("image skipped" in w for w in prediction.warnings)
    only_broken = rec.suggest(Post(id="b", text="x", images=[str(photos["broken"])]), k=3)
    assert only_broken.warnings and "truncated or corrupt" in only_broken.warnings[0]


def test_image_features_are_computed_once_and_batched(photos):
    queries = [Query.from_post(Post(id=str(i), images=[str(photos["chelsea"])])) for i in range(3)]
    queries.append(Query.from_post(Post(id="text only", text="hello")))
    first = ensure_image_evidence(queries)
    assert first[3] is None and all(e.features.shape == (1, 1280) for e in first[:3])
    assert ensure_image_evidence(queries)[0] is first[0]  # cached, not re-encoded


def test_uploaded_bytes_are_accepted(rec):
    query = Query.from_post(Post(id="upload"))
    query.cache["image_sources"] = [_png(skdata.chelsea())]
    scores = rec.scorer("image_zeroshot").score(query, rec.vocab)
    assert max(scores, key=scores.get) in {"cat", "catsofinstagram", "kitten"}


def _write_clip(path: Path, seconds: float = 3.0, fps: int = 10) -> None:
    import av

    frame = np.asarray(Image.fromarray(skdata.chelsea()).resize((160, 112)))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 160, 112, "yuv420p"
        for _ in range(int(seconds * fps)):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_video_is_sampled_within_limits_and_served(rec, tmp_path):
    clip = tmp_path / "cat.mp4"
    _write_clip(clip)
    frames = sample_frames(clip, max_frames=4)
    assert len(frames) == 4 and frames[0].size == (160, 112)
    assert len(sample_frames(clip, max_frames=4, max_seconds=0.25)) <= 4
    assert len(sample_frames(clip.read_bytes(), max_frames=2)) == 2
    prediction = rec.suggest(Post(id="v", video=str(clip)), k=3)
    assert prediction.hashtags[0].key in {"cat", "catsofinstagram", "kitten"}
    bad = rec.suggest(Post(id="bad", text="hi", video=str(tmp_path / "missing.mp4")), k=3)
    assert bad.warnings and "video skipped" in bad.warnings[0]


def test_create_scorer_by_name():
    assert create_scorer("image_zeroshot").name == "image_zeroshot"


def test_the_shipped_model_weighs_topic_tags_by_how_far_a_photo_is_from_the_topics(photos, monkeypatch):
    """On a post of pictures only, the combiner hears the topic head's p('none of these') (the
    astronaut is no pet, food or travel photo); with a caption or a given tag it hears 0."""
    from taglens.models.scorers.image_topic import OFF_TOPIC_KEY

    rec = Recommender.load()
    assert rec.combiner.off_topic == {"image_topic": 1.0}
    heard: list[float] = []
    combine = type(rec.combiner).combine
    monkeypatch.setattr(type(rec.combiner), "combine",
                        lambda self, per, off_topic=0.0: heard.append(off_topic) or combine(self, per, off_topic))
    astronaut = Post(id="a", images=[str(photos["astronaut"])])
    query = Query.from_post(astronaut)
    rec.rank(query, rec.score_batch([query])[0], 5)
    assert heard[-1] == query.cache[OFF_TOPIC_KEY] > 0.5
    for post in (Post(id="b", text="suit day", images=[str(photos["astronaut"])]),
                 Post(id="c", hashtags=["#space"], images=[str(photos["astronaut"])])):
        query = Query.from_post(post)
        rec.rank(query, rec.score_batch([query])[0], 5)
        assert heard[-1] == 0.0
