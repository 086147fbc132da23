"""Uploaded photos and videos: check what they are, copy them to a temp folder.

Types are decided from the bytes, not from the client's Content-Type, which is
often missing or wrong. A file that is not an image at all is 415; a file that
looks like an image but does not decode is 400; one over a limit is 413. The
temp folder lives only as long as the request.
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from taglens.serve.errors import ApiError
from taglens.serve.limits import ServeLimits

IMAGE_TYPES = "JPEG, PNG, WebP, GIF or BMP"
VIDEO_TYPES = "MP4, MOV, WebM or MKV"


@dataclass(frozen=True, slots=True)
class Upload:
    """One file of the request: the form field it came in, its name and its bytes."""

    label: str          # e.g. "images[2]" - how error messages name it
    filename: str
    content_type: str
    file: BinaryIO


def is_heic(head: bytes) -> bool:
    """iPhone photos (HEIC/HEIF): an ISO media file with an image brand."""
    return head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif")


def sniff_image(head: bytes) -> str | None:
    """The image format from a file's first bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"BM"):
        return "bmp"
    return None


def sniff_video(head: bytes) -> str | None:
    """The video container from a file's first bytes, or None."""
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head[:4] == b"RIFF" and head[8:11] == b"AVI":
        return "avi"
    return None


def save_image(upload: Upload, folder: Path, index: int, limits: ServeLimits) -> Path:
    """Copy an uploaded image into `folder` after checking its type, size and pixels."""
    head = _head(upload.file)
    if not head:
        raise ApiError(400, f"{upload.label} ({upload.filename}): empty file")
    kind = sniff_image(head)
    if kind is None:
        if is_heic(head):
            raise ApiError(415, f"{upload.label} ({upload.filename}): HEIC/AVIF photos are not supported; "
                                f"export as JPEG (expected {IMAGE_TYPES})")
        if upload.content_type.startswith("image/"):
            raise ApiError(400, f"{upload.label} ({upload.filename}): not a readable image")
        raise ApiError(415, f"{upload.label} ({upload.filename}): expected {IMAGE_TYPES}, "
                            f"got {upload.content_type or 'an unknown type'}")
    path = _copy(upload.file, folder / f"image-{index}.{kind}")
    check_image(path, upload, limits)
    return path


def check_image(path: Path, upload: Upload, limits: ServeLimits) -> None:
    """413 when the header declares too many pixels; 400 when the safe loader cannot decode it.

    Decoding goes through `taglens.vision.io.load_image`, the one safe loader, so
    the server accepts exactly the images the image pipeline can read.
    """
    from PIL import Image

    from taglens.errors import InputError
    from taglens.vision.io import load_image

    name = f"{upload.label} ({upload.filename})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:  # reads the header only
                width, height = image.size
    except Image.DecompressionBombError:
        raise ApiError(413, f"{name}: over the limit of {limits.max_pixels:,} pixels") from None
    except Exception:  # noqa: BLE001 - any header failure is a broken image, reported below
        width = height = 0
    if width * height > limits.max_pixels:
        raise ApiError(413, f"{name}: {width}x{height} is over the limit of {limits.max_pixels:,} pixels")
    try:
        load_image(path, max_pixels=limits.max_pixels)
    except InputError as exc:
        reason = str(exc).replace(f"{path}: ", "").replace(str(path), upload.filename)
        raise ApiError(400, f"{name}: not a readable image: {reason}") from None


def save_video(upload: Upload, folder: Path, limits: ServeLimits) -> Path:
    """Copy an uploaded video into `folder` after checking its type and length."""
    head = _head(upload.file)
    if not head:
        raise ApiError(400, f"video ({upload.filename}): empty file")
    kind = sniff_video(head)
    if kind is None:
        if upload.content_type.startswith("video/"):
            raise ApiError(400, f"video ({upload.filename}): not a readable video")
        raise ApiError(415, f"video ({upload.filename}): expected {VIDEO_TYPES}, "
                            f"got {upload.content_type or 'an unknown type'}")
    path = _copy(upload.file, folder / f"video.{kind}")
    seconds = video_seconds(path, upload.filename)
    if seconds > limits.max_video_seconds:
        raise ApiError(413, f"video ({upload.filename}): {seconds:.1f} s is over the limit of "
                            f"{limits.max_video_seconds:g} s")
    return path


def video_seconds(path: Path, filename: str) -> float:
    """The length of a video from its container, without decoding frames."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise ApiError(400, f"video ({filename}): has no video stream")
            if container.duration is not None:
                return container.duration / av.time_base
            stream = container.streams.video[0]
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
    except ApiError:
        raise
    except Exception as exc:  # PyAV raises many FFmpeg error types for broken files
        reason = str(exc).replace(str(path), filename)
        raise ApiError(400, f"video ({filename}): not a readable video ({reason})") from None
    raise ApiError(400, f"video ({filename}): cannot tell how long it is")


def _head(file: BinaryIO, size: int = 32) -> bytes:
    file.seek(0)
    head = file.read(size)
    file.seek(0)
    return head


def _copy(file: BinaryIO, path: Path) -> Path:
    with open(path, "wb") as out:
        shutil.copyfileobj(file, out, 1024 * 1024)
    return path
