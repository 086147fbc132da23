"""The image-text space: the map's save/load round trip, a map trained on a generated
fixture pairs each photo with its own caption, the image_text scorer (round trip,
pooling, caption candidates) and a user's own CLIP towers through the `onnx` slot."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

pytest.importorskip("onnxruntime")

from taglens.models.base import Query, Vocab, create_scorer  # noqa: E402
from taglens.post import Post  # noqa: E402
from taglens.vision.imagetext import ImageTextMap, pool_scores  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def random_map(d_in: int = 2280, d: int = 384, hidden: int = 16, seed: int = 0) -> ImageTextMap:
    rng = np.random.default_rng(seed)
    return ImageTextMap(
        mean=rng.normal(size=d_in).astype(np.float32), scale=rng.uniform(0.5, 2, d_in).astype(np.float32),
        w_lin=rng.normal(size=(d_in, d)).astype(np.float32) * 0.05, bias=rng.normal(size=d).astype(np.float32),
        w1=rng.normal(size=(d_in, hidden)).astype(np.float32) * 0.05, b1=rng.normal(size=hidden).astype(np.float32),
        w2=rng.normal(size=(hidden, d)).astype(np.float32) * 0.05,
        text_adapter=rng.normal(size=(d, d)).astype(np.float32) * 0.01, temperature=0.03, info={"seed": seed})


def test_map_save_load_round_trip(tmp_path):
    mapping = random_map()
    rng = np.random.default_rng(1)
    feats, probs = rng.normal(size=(4, 1280)), rng.dirichlet(np.ones(1000), size=4)
    texts = rng.normal(size=(3, 384))
    mapping.save(tmp_path / "map.npz")
    loaded = ImageTextMap.load(tmp_path / "map.npz")
    assert loaded.info == {"seed": 0} and loaded.temperature == pytest.approx(0.03)
    # fp16 storage: the same directions to ~1e-3, unit length, and not all the same row
    a, b = mapping.embed_images(feats, probs), loaded.embed_images(feats, probs)
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(a * b, axis=1)) > 0.999
    assert np.max(np.abs(b[0] - b[1])) > 0.01
    assert np.min(np.sum(mapping.embed_texts(texts) * loaded.embed_texts(texts), axis=1)) > 0.999
    with pytest.raises(Exception, match="no image-text map"):
        ImageTextMap.load(tmp_path / "missing.npz")


def test_pooling_max_mean_attention():
    per_photo = np.array([[1.0, 0.0, 0.2], [0.0, 1.0, 0.2]])
    assert pool_scores(per_photo, "max").tolist() == [1.0, 1.0, 0.2]
    assert pool_scores(per_photo, "mean").tolist() == [0.5, 0.5, 0.2]
    attn = pool_scores(per_photo, "attention", np.array([10.0, 0.0]))
    assert attn[0] > 0.99 and attn[1] < 0.01
    with pytest.raises(ValueError, match="unknown pooling"):
        pool_scores(per_photo, "median")


# -- a generated fixture: shapes and colours with their captions ------------------------

COLOURS = {"red": (220, 30, 30), "green": (30, 180, 40), "blue": (30, 60, 220), "yellow": (240, 220, 20)}
SHAPES = ("circle", "square")


def _draw(colour: str, shape: str, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    bg = tuple(int(v) for v in rng.integers(200, 256, 3))
    img = Image.new("RGB", (160, 160), bg)
    draw = ImageDraw.Draw(img)
    x, y, r = int(rng.integers(45, 115)), int(rng.integers(45, 115)), int(rng.integers(30, 45))
    box = (x - r, y - r, x + r, y + r)
    (draw.ellipse if shape == "circle" else draw.rectangle)(box, fill=COLOURS[colour])
    return img


@pytest.fixture(scope="module")
def fixture_pairs():
    """Eight concepts x five renders each; caption 'a red circle on a white background'."""
    from taglens.vision.encoder import create_encoder

    concepts = [(c, s) for c in COLOURS for s in SHAPES]
    images, captions, concept_of = [], [], []
    for k, (colour, shape) in enumerate(concepts):
        for seed in range(5):
            images.append(_draw(colour, shape, 100 * k + seed))
            captions.append(f"a {colour} {shape} on a white background")
            concept_of.append(k)
    out = create_encoder().encode(images)
    return ImageTextMap.inputs(out.features, out.probs), captions, np.array(concept_of)


def test_trained_map_scores_own_caption_above_shuffled(fixture_pairs):
    """Train on four renders of each concept; on the fifth (unseen) render, the photo and
    its own caption are closer than the photo and a shuffled (other concept's) caption."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    sys.path.insert(0, str(ROOT / "scripts"))
    from train_image_text import train_map
    from taglens.text.sentence import SentenceEncoder

    x, captions, concept = fixture_pairs
    texts = sorted(set(captions))
    vecs = SentenceEncoder.load().encode(texts)
    ids = [[texts.index(c)] for c in captions]
    test = np.arange(len(captions)) % 5 == 4
    mapping, _ = train_map(x[~test], [ids[i] for i in np.flatnonzero(~test)], vecs, hidden=0, epochs=60,
                           seed=0, batch=8, lr=3e-3, dropout=0.0)
    zi = mapping.embed_inputs(x[test])
    zt = mapping.embed_texts(vecs)
    own = np.array([zi[j] @ zt[ids[i][0]] for j, i in enumerate(np.flatnonzero(test))])
    rng = np.random.default_rng(0)
    shuffled_text = [(ids[i][0] + int(rng.integers(1, len(texts)))) % len(texts) for i in np.flatnonzero(test)]
    shuffled = np.array([zi[j] @ zt[t] for j, t in enumerate(shuffled_text)])
    assert own.mean() > shuffled.mean() + 0.1
    assert np.mean(own > shuffled) >= 0.75
    # the untrained map (random) has no such preference: the test can fail
    base = random_map(d_in=x.shape[1], hidden=0)
    zi0, zt0 = base.embed_inputs(x[test]), base.embed_texts(vecs)
    own0 = np.array([zi0[j] @ zt0[ids[i][0]] for j, i in enumerate(np.flatnonzero(test))])
    shuffled0 = np.array([zi0[j] @ zt0[t] for j, t in enumerate(shuffled_text)])
    assert abs(own0.mean() - shuffled0.mean()) < own.mean() - shuffled.mean()


# -- the scorer -------------------------------------------------------------------------

def _vocab(tags: dict[str, int]) -> Vocab:
    return Vocab(list(tags), ["#" + t for t in tags], list(tags.values()))


def test_scorer_round_trip_and_caption_candidates(tmp_path, fixture_pairs):
    from taglens.vision.features import ImageEvidence, cache_key
    from taglens.vision.encoder import DEFAULT_ENCODER

    mapping = random_map(seed=3)
    mapping.save(tmp_path / "trained.npz")
    vocab = _vocab({"red": 50, "blue": 40, "beach": 30, "sunset": 20, "dog": 10})
    scorer = create_scorer("image_text", map_path=str(tmp_path / "trained.npz"), max_tags=4, limit=3)
    scorer.fit([], vocab)
    assert len(scorer.tag_ids) == 4 and "dog" not in scorer._keys  # the most used tags only
    x, _, _ = fixture_pairs

    def query(text: str = "", n: int = 1) -> Query:
        q = Query.from_post(Post(id="p", text=text, images=["unused.jpg"] * n))
        feats, logp = x[:n, :1280], x[:n, 1280:]
        q.cache[cache_key(DEFAULT_ENCODER)] = ImageEvidence(feats, np.exp(logp))
        return q

    first = scorer.score(query(), vocab)
    assert 0 < len(first) <= 3 and all(v > 0 for v in first.values()) and set(first) <= set(scorer._keys)
    scorer.save(tmp_path / "s")
    assert (tmp_path / "s" / "map.npz").is_file()
    loaded = type(scorer).load(tmp_path / "s", json.loads((tmp_path / "s" / "config.json").read_text()), vocab)
    again = loaded.score(query(), vocab)
    assert list(again) == list(first) and np.allclose(list(again.values()), list(first.values()), rtol=1e-4)
    # the caption's own candidates join (a name the vocabulary never saw), and given tags never come back
    loaded.limit = 10
    with_caption = loaded.score(query("Lunch at Gasworks Park #red"), vocab)
    assert "red" not in with_caption
    assert any(k not in vocab for k in with_caption)
    # a post without pictures gets nothing
    assert loaded.score(Query.from_post(Post(id="t", text="no pictures")), vocab) == {}


def test_carousel_pooling_uses_every_photo(tmp_path, fixture_pairs):
    from taglens.vision.features import ImageEvidence, cache_key
    from taglens.vision.encoder import DEFAULT_ENCODER

    random_map(seed=4).save(tmp_path / "m.npz")
    vocab = _vocab({f"t{i}": 100 - i for i in range(40)})
    x, _, _ = fixture_pairs
    scores = {}
    for pooling in ("max", "mean"):
        scorer = create_scorer("image_text", map_path=str(tmp_path / "m.npz"), pooling=pooling, limit=40, min_zipf=0.0,
                               popularity=0.0)
        scorer.fit([], vocab)
        q = Query.from_post(Post(id="c", images=["a.jpg", "b.jpg"]))
        q.cache[cache_key(DEFAULT_ENCODER)] = ImageEvidence(x[[0, 30], :1280], np.exp(x[[0, 30], 1280:]))
        scores[pooling] = q, scorer.score(q, vocab)
    (q, max_scores), (_, mean_scores) = scores["max"], scores["mean"]
    assert max_scores.keys() != mean_scores.keys() or list(max_scores.values()) != list(mean_scores.values())


# -- a user's own CLIP: a tiny random ONNX pair and a tokenizer generated here -----------

def _clip_files(folder: Path, dim: int = 8) -> dict[str, Path]:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, models, pre_tokenizers

    rng = np.random.default_rng(0)
    w_img = rng.normal(size=(3, dim)).astype(np.float32)
    image = helper.make_graph(
        [helper.make_node("GlobalAveragePool", ["pixels"], ["pooled"]),
         helper.make_node("Flatten", ["pooled"], ["flat"]),
         helper.make_node("MatMul", ["flat", "w"], ["image_embeds"])],
        "image_tower", [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["n", 3, 32, 32])],
        [helper.make_tensor_value_info("image_embeds", TensorProto.FLOAT, ["n", dim])],
        [numpy_helper.from_array(w_img, "w")])
    words = ["[PAD]", "[UNK]", "red", "green", "blue", "sea", "photo", "of", "a"]
    # each colour word sits where a plain photo of that colour lands; the rest is random
    from taglens.vision.encoder import Preprocess

    pre = Preprocess(size=32, resize=32)
    table = rng.normal(size=(len(words), dim)).astype(np.float32)
    for name in ("red", "green", "blue"):
        pixels = pre.batch([Image.new("RGB", (32, 32), COLOURS[name])])
        table[words.index(name)] = pixels.mean(axis=(2, 3))[0] @ w_img * 5
    table[0] = 0.0
    text = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["tokens"]),
         helper.make_node("ReduceSum", ["tokens", "axes"], ["text_embeds"], keepdims=0)],
        "text_tower", [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["n", "t"])],
        [helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["n", dim])],
        [numpy_helper.from_array(table, "table"), numpy_helper.from_array(np.array([1], np.int64), "axes")])
    paths = {"image": folder / "clip_image.onnx", "text": folder / "clip_text.onnx", "tok": folder / "tokenizer.json"}
    for graph, path in ((image, paths["image"]), (text, paths["text"])):
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        model.ir_version = 8
        onnx.save(model, str(path))
    (folder / "clip_image.json").write_text(json.dumps({"size": 32, "resize": 32, "features": "image_embeds"}))
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(paths["tok"]))
    return paths


def test_clip_onnx_slot_drives_the_same_scorer(tmp_path):
    paths = _clip_files(tmp_path)
    photos = {}
    for name in ("red", "blue"):
        photos[name] = tmp_path / f"{name}.png"
        Image.new("RGB", (48, 40), COLOURS[name]).save(photos[name])
    vocab = _vocab({"red": 10, "green": 10, "blue": 10, "sea": 10})
    params = {"space": "clip", "image_model": str(paths["image"]), "text_model": str(paths["text"]),
              "tokenizer": str(paths["tok"]), "template": "{}", "min_zipf": 0.0, "popularity": 0.0, "limit": 2, "candidates": 0}
    scorer = create_scorer("image_text", **params)
    scorer.fit([], vocab)
    for name in ("red", "blue"):
        scores = scorer.score(Query.from_post(Post(id=name, images=[str(photos[name])])), vocab)
        assert next(iter(scores)) == name
    scorer.save(tmp_path / "s")
    assert not (tmp_path / "s" / "map.npz").exists()  # the user's towers stay where they are
    loaded = type(scorer).load(tmp_path / "s", json.loads((tmp_path / "s" / "config.json").read_text()), vocab)
    scores = loaded.score(Query.from_post(Post(id="b", images=[str(photos["blue"])])), vocab)
    assert next(iter(scores)) == "blue"
    # text tower alone: 'a photo of red' sits nearer 'red' than 'blue'
    vec = loaded.space.text_vectors(["a photo of red", "red", "blue"])
    assert vec[0] @ vec[1] > vec[0] @ vec[2]
    with pytest.raises(Exception, match="tokenizer JSON"):
        create_scorer("image_text", **{**params, "tokenizer": str(tmp_path / "none.json")}).fit([], vocab)


# -- the learned combiner's weights for posts with a caption ------------------------------

def test_captioned_weights_apply_only_where_the_caption_speaks():
    from taglens.models.combiner import combiner_from_config
    from taglens.models.model_dir import read_manifest, resolve_model_path

    config = dict(read_manifest(resolve_model_path("default"))["combiner"])
    config["attached"] = {**config.get("attached", {}), "image_text": 20.0}
    config["captioned"] = {"image_text": 0.0, "image_zeroshot": 0.0}
    comb = combiner_from_config(config)
    again = combiner_from_config(comb.to_config())
    assert again.captioned == {"image_text": 0.0, "image_zeroshot": 0.0}

    def score(answers: dict, key: str) -> float:
        return next(r.score for r in again.combine(answers) if r.key == key)

    photo = {"image_text": {"zz": 1.0}, "image_zeroshot": {"yy": 1.0}}
    with_caption = {**photo, "openvocab": {"cap": 0.5}}  # openvocab speaking = the post has caption words
    base = combiner_from_config({**config, "captioned": {}})
    # photo only: both image scorers count, as without `captioned`
    assert score(photo, "zz") == pytest.approx(next(r.score for r in base.combine(photo) if r.key == "zz"))
    assert score(photo, "zz") > 1.0 and score(photo, "yy") > 1.0
    # with a caption: weight 0 -> the image tags get no image contribution
    assert score(with_caption, "zz") < score(photo, "zz") - 1.0
    assert score(with_caption, "yy") < score(photo, "yy") - 1.0
    without = next(r.score for r in base.combine(with_caption) if r.key == "zz")
    assert score(with_caption, "zz") < without - 1.0  # the same post, captioned weights unset


def test_described_words_and_calibration(tmp_path):
    """add_words brings a below-the-cut vocabulary tag in; calibrate promotes the tag people
    write about photos it ranks on and demotes one they never write, and both survive a save."""
    random_map(seed=5).save(tmp_path / "m.npz")
    vocab = _vocab({"red": 50, "blue": 40, "beach": 30, "sunset": 20, "dog": 10})
    scorer = create_scorer("image_text", map_path=str(tmp_path / "m.npz"), max_tags=4, limit=5, min_zipf=0.0,
                           popularity=0.0)
    scorer.fit([], vocab)
    assert "dog" not in scorer._keys
    scorer.add_words(["dog", "zebra"], vocab, "a test")
    assert "dog" in scorer._keys and "zebra" not in scorer._keys  # only words people use as tags
    keys = scorer._keys
    red, blue = keys.index("red"), keys.index("blue")
    # photos on which red and blue both rank top 2; their captions say blue, never red
    pictures = scorer.tag_vectors[[red]] + scorer.tag_vectors[[blue]]
    pictures = np.repeat(pictures / np.linalg.norm(pictures), 6, axis=0)
    q = Query.from_post(Post(id="p", images=["x.jpg"]))
    before = scorer._score_one(q, pictures[:1], vocab)
    summary = scorer.calibrate(pictures, [["a blue ball on the sand"]] * 6, top=2, prior=1.0, power=1.0)
    assert summary["photos"] == 6 and 0 < summary["mean_share"] < 1
    assert scorer.boost[blue] > 1.0 > scorer.boost[red]
    assert all(scorer.boost[i] == 1.0 for i, k in enumerate(keys) if k not in ("red", "blue"))  # never ranked
    after = scorer._score_one(q, pictures[:1], vocab)
    assert after["blue"] / after.get("red", 1e-9) > before["blue"] / before["red"]
    scorer.save(tmp_path / "s")
    loaded = type(scorer).load(tmp_path / "s", json.loads((tmp_path / "s" / "config.json").read_text()), vocab)
    assert loaded._keys == keys and np.allclose(loaded.boost, scorer.boost, rtol=1e-6)
    assert loaded.words == ["dog", "zebra"] and loaded.words_source == "a test"
    again = loaded._score_one(q, pictures[:1], vocab)
    assert list(again) == list(after)
