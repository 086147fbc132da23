"""Robust image loading: each awkward-but-real input loads as the picture people see;
each broken input is one clear InputError (never a traceback)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from taglens.errors import InputError
from taglens.vision.io import load_image, load_images


def _bytes(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _halves(w: int = 40, h: int = 20) -> Image.Image:
    """Left half red, right half blue: orientation mistakes move the colours."""
    arr = np.zeros((h, w, 3), np.uint8)
    arr[:, : w // 2] = (255, 0, 0)
    arr[:, w // 2:] = (0, 0, 255)
    return Image.fromarray(arr)


def test_exif_orientation_is_applied():
    img = _halves()
    exif = Image.Exif()
    exif[0x0112] = 6  # stored pixels must be rotated 90° clockwise to display
    out = load_image(_bytes(img, "JPEG", exif=exif.tobytes(), quality=95))
    assert out.size == (20, 40)
    top, bottom = np.asarray(out)[2, 10], np.asarray(out)[37, 10]
    assert top[0] > 200 and top[2] < 60      # the red (left) half is now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_cmyk_jpeg_becomes_rgb():
    img = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # pure red in CMYK
    out = load_image(_bytes(img, "JPEG", quality=95))
    r, g, b = np.asarray(out)[8, 8]
    assert out.mode == "RGB" and r > 200 and g < 60 and b < 60


def test_palette_with_transparency_is_matted_on_white():
    img = Image.new("P", (8, 8), 0)
    img.putpalette([0, 0, 0, 0, 200, 0] + [0] * 762)
    img.paste(1, (0, 0, 4, 8))
    out = np.asarray(load_image(_bytes(img, "PNG", transparency=0)))
    assert tuple(out[4, 6]) == (255, 255, 255)   # transparent index 0 -> white, not black
    assert tuple(out[4, 1]) == (0, 200, 0)


def test_rgba_alpha_is_matted_on_white():
    img = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    assert tuple(np.asarray(load_image(_bytes(img, "PNG")))[0, 0]) == (255, 255, 255)


def test_greyscale_8_and_16_bit():
    grey = load_image(_bytes(Image.new("L", (5, 5), 90), "PNG"))
    assert grey.mode == "RGB" and tuple(np.asarray(grey)[0, 0]) == (90, 90, 90)
    arr = np.linspace(0, 60000, 25, dtype=np.uint16).reshape(5, 5)
    deep = np.asarray(load_image(_bytes(Image.fromarray(arr), "PNG")))
    assert deep[0, 0, 0] == 0 and deep[4, 4, 0] == 255   # stretched, not clipped to white


def test_animated_gif_gives_first_frame():
    red, blue = Image.new("RGB", (8, 8), (255, 0, 0)), Image.new("RGB", (8, 8), (0, 0, 255))
    data = _bytes(red, "GIF", save_all=True, append_images=[blue], duration=100, loop=0)
    r, _, b = np.asarray(load_image(data))[4, 4]
    assert r > 200 and b < 60


def test_tiny_image_loads(tmp_path):
    path = tmp_path / "dot.png"
    Image.new("RGB", (1, 1), (10, 20, 30)).save(path)
    assert load_image(path).size == (1, 1)
    assert load_image(str(path)).size == (1, 1)


def _png_declaring(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header claims width x height (a decompression bomb's trick)."""
    data = bytearray(_bytes(Image.new("L", (1, 1)), "PNG"))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(data)


def test_pixel_limit_refuses_bombs_before_decoding():
    with pytest.raises(InputError, match="limit|too many pixels"):
        load_image(_png_declaring(100_000, 100_000))
    with pytest.raises(InputError, match="limit"):
        load_image(_bytes(Image.new("RGB", (100, 100)), "PNG"), max_pixels=5_000)


def test_huge_jpeg_is_decoded_at_reduced_scale():
    img = Image.new("RGB", (4000, 3000), (0, 128, 0))
    out = load_image(_bytes(img, "JPEG", quality=70))
    assert 448 <= min(out.size) < 3000 and out.size[0] / out.size[1] == pytest.approx(4 / 3, rel=0.01)


@pytest.mark.parametrize("payload, why", [
    (b"", "empty"),
    (b"this is a caption, not a photo", "not an image"),
    (bytes(range(256)) * 10, "not an image"),
])
def test_non_images_are_clear_input_errors(payload, why):
    with pytest.raises(InputError, match=why):
        load_image(payload)


def test_truncated_jpeg_is_an_input_error():
    rng = np.random.default_rng(0)
    data = _bytes(Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)), "JPEG")
    with pytest.raises(InputError, match="truncated or corrupt"):
        load_image(data[: len(data) // 2])


def test_missing_file_and_batch_keeps_good_images(tmp_path):
    with pytest.raises(InputError, match="no such image"):
        load_image(tmp_path / "nope.jpg")
    good = _bytes(Image.new("RGB", (3, 3)), "PNG")
    out = load_images([good, b"junk", good])
    assert [type(x).__name__ for x in out] == ["Image", "InputError", "Image"]


def test_a_users_own_onnx_encoder_plugs_in_by_name(tmp_path):
    """The registry's 'onnx' entry: a local ONNX image model with a JSON of its preprocessing."""
    import onnx
    from onnx import TensorProto, helper

    from taglens.vision.encoder import create_encoder

    graph = helper.make_graph(
        [helper.make_node("GlobalAveragePool", ["pixels"], ["pooled"]),
         helper.make_node("Flatten", ["pooled"], ["embedding"])],
        "tiny", [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["n", 3, 32, 32])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["n", 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "tiny.onnx"
    onnx.save(model, str(path))
    (tmp_path / "tiny.json").write_text('{"name": "tiny", "size": 32, "resize": 32, "features": "embedding", '
                                        '"mean": [0, 0, 0], "std": [1, 1, 1]}')
    enc = create_encoder("onnx", path=str(path))
    out = enc.encode([Image.new("RGB", (50, 40), (255, 0, 0))])
    assert enc.name == "tiny" and out.probs is None
    assert out.features.shape == (1, 3) and np.allclose(out.features[0], [1.0, 0.0, 0.0], atol=1e-3)


def test_preprocess_normalises_each_channel_by_its_own_mean_and_std():
    """The batch is (pixel / 255 - mean) / std per channel, channels first, centre-cropped."""
    from taglens.vision.encoder import Preprocess

    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    pre = Preprocess(size=32, resize=40, mean=(0.1, 0.5, 0.9), std=(0.2, 0.3, 0.4))
    out = pre.batch([Image.fromarray(pixels), Image.fromarray(pixels[:, ::-1])])
    assert out.shape == (2, 3, 32, 32) and out.dtype == np.float32
    crop = np.asarray(pre._crop(Image.fromarray(pixels)), dtype=np.float64).transpose(2, 0, 1) / 255.0
    expected = (crop - np.array([0.1, 0.5, 0.9])[:, None, None]) / np.array([0.2, 0.3, 0.4])[:, None, None]
    assert np.abs(out[0] - expected).max() < 1e-5
    assert not np.allclose(out[0], out[1])  # each image in its own slot
