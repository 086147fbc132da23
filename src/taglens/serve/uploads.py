"""Uploaded photos and videos: check what they are, copy them to a temp folder.

One rule for both fields: the type is judged from the bytes, never from the
client's Content-Type or file name, which are often missing or wrong. Bytes of
another type (text named `.jpg`, a PDF, a photo sent as the video) are 415 and
the message says what the bytes look like; bytes of the right type that do not
decode (a truncated JPEG, a broken MP4) are 400; over a limit is 413. The video
field takes what the CLI's `--video` takes: MP4/MOV, WebM/MKV, AVI and animated
GIF. The temp folder lives only as long as the request.
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
VIDEO_TYPES = "MP4, MOV, WebM, MKV, AVI or GIF"


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
    """The video container from a file's first bytes, or None (an animated GIF counts, as in the CLI)."""
    if head[4:8] == b"ftyp" and not is_heic(head):
        return "mp4"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head[:4] == b"RIFF" and head[8:11] == b"AVI":
        return "avi"
    return None


def describe_bytes(head: bytes) -> str:
    """What a file's first bytes look like, for a 415 message: 'text', 'a PDF', 'an MP4 video', ..."""
    image = sniff_image(head)
    if image:
        return f"a {image.upper()} image"
    if is_heic(head):
        return "a HEIC/AVIF photo"
    video = sniff_video(head)
    if video:
        return f"{'an' if video[0] in 'aeiou' else 'a'} {video.upper()} video"
    if head.startswith(b"%PDF"):
        return "a PDF"
    if head[:4] == b"PK\x03\x04":
        return "a ZIP archive"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "not a known image or video format"
    return "text"


def _wrong_type(name: str, expected: str, head: bytes, hint: str = "") -> ApiError:
    return ApiError(415, f"{name}: expected {expected}; its bytes are {describe_bytes(head)}{hint}")


def save_image(upload: Upload, folder: Path, index: int, limits: ServeLimits) -> Path:
    """Copy an uploaded image into `folder` after checking its type, size and pixels."""
    head = _head(upload.file)
    if not head:
        raise ApiError(400, f"{upload.label} ({upload.filename}): empty file")
    kind = sniff_image(head)
    if kind is None:
        name = f"{upload.label} ({upload.filename})"
        if is_heic(head):
            raise ApiError(415, f"{name}: HEIC/AVIF photos are not supported; export as JPEG "
                                f"(expected {IMAGE_TYPES})")
        hint = "; send it as the video" if sniff_video(head) else ""
        raise _wrong_type(name, IMAGE_TYPES, head, hint)
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
        hint = "; send it as one of the images" if sniff_image(head) else ""
        raise _wrong_type(f"video ({upload.filename})", VIDEO_TYPES, head, hint)
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
        from taglens.vision.video import decoder_reason

        reason = decoder_reason(exc).replace(str(path), filename)
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
