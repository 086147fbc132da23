"""Safe image loading: any photo a user hands us becomes an RGB PIL image, or an InputError.

Why so careful: uploads come from phones and the web. Phones store the camera's
orientation in EXIF instead of rotating pixels; print workflows give CMYK JPEGs;
logos are palette PNGs with transparency; GIFs are animated; and a small file can
declare billions of pixels (a decompression bomb). Every one of those must either
yield the picture a person sees or one clear error for that image alone, so that
the rest of the post is still served.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from pathlib import Path

from taglens.errors import InputError

MAX_PIXELS = 64_000_000     # ~8000 x 8000; larger declared sizes are refused before decoding
MAX_BYTES = 64 * 1024 * 1024
DRAFT_SIZE = (448, 448)     # JPEGs decode at a reduced scale no smaller than this (fast for huge photos)
MATTE = (255, 255, 255)     # transparent pixels are shown on white, as most apps do

ImageSource = str | Path | bytes


def _describe(source: ImageSource) -> str:
    return "image bytes" if isinstance(source, bytes) else str(source)


def _read(source: ImageSource) -> bytes:
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        if not path.is_file():
            raise InputError(f"no such image file: {path}")
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"{path}: image file larger than {MAX_BYTES // 2**20} MB")
        data = path.read_bytes()
    if not data:
        raise InputError(f"{_describe(source)}: empty file")
    if len(data) > MAX_BYTES:
        raise InputError(f"{_describe(source)}: image larger than {MAX_BYTES // 2**20} MB")
    return data


def load_image(source: ImageSource, max_pixels: int = MAX_PIXELS):
    """The picture as a person sees it: RGB, upright, first frame, alpha on white.

    Accepts a path or the file's bytes (an upload). Raises InputError for a
    missing, empty, truncated, corrupt, oversized or non-image file.
    """
    try:
        from PIL import Image, ImageOps, UnidentifiedImageError
    except ImportError:  # pragma: no cover - depends on the install
        raise InputError("images need Pillow (pip install 'taglens[full]')") from None
    name = _describe(source)
    data = _read(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            if width < 1 or height < 1:
                raise InputError(f"{name}: image has no pixels")
            if width * height > max_pixels:
                raise InputError(f"{name}: {width}x{height} pixels is over the limit of {max_pixels:,}")
            img.seek(0)  # animated GIF / APNG / WebP: the first frame
            if img.format == "JPEG":
                img.draft("RGB", DRAFT_SIZE)
            img.load()
            img = _upright(img, ImageOps)
            return _to_rgb(img, Image)
    except InputError:
        raise
    except UnidentifiedImageError:
        raise InputError(f"{name}: not an image (or a format Pillow cannot read)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(f"{name}: too many pixels (decompression bomb guard)") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        raise InputError(f"{name}: truncated or corrupt image ({exc})") from None


def _upright(img, image_ops):
    """Apply the EXIF orientation; a broken EXIF block leaves the pixels as stored."""
    try:
        return image_ops.exif_transpose(img)
    except Exception:  # noqa: BLE001 - bad EXIF must not lose the image
        return img


def _to_rgb(img, image_module):
    """RGB from any mode: palette+transparency, alpha, CMYK, 16-bit and float grey."""
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        img = _grey_to_8bit(img, image_module)
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = image_module.new("RGBA", rgba.size, MATTE + (255,))
        return image_module.alpha_composite(background, rgba).convert("RGB")
    return img if img.mode == "RGB" else img.convert("RGB")


def _grey_to_8bit(img, image_module):
    """Stretch a high-bit-depth greyscale image into 0..255 (convert('L') would clip it)."""
    import numpy as np

    arr = np.asarray(img, dtype=np.float64)
    lo, hi = float(arr.min()), float(arr.max())
    scaled = (arr - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(arr)
    return image_module.fromarray(scaled.astype(np.uint8), "L")


def load_images(sources: Sequence[ImageSource], max_pixels: int = MAX_PIXELS) -> list:
    """Each source loaded, or the InputError for that source: one bad image never hides the rest."""
    out: list = []
    for source in sources:
        try:
            out.append(load_image(source, max_pixels=max_pixels))
        except InputError as exc:
            out.append(exc)
    return out
