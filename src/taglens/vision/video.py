"""Short videos as a set of frames (PyAV), sampled evenly within limits.

Why limits: a "short video" upload may be an hour long or declare 8K frames; we
look at most `max_seconds` from the start, decode at most `max_decoded` frames
and keep `max_frames` evenly spaced ones, so cost is bounded whatever arrives.
The frames then go through the same encoder as photos, as a set of images.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from taglens.errors import InputError
from taglens.vision.io import MAX_BYTES, MAX_PIXELS, ImageSource

MAX_FRAMES = 8
MAX_SECONDS = 120.0
MAX_DECODED = 3000


def sample_frames(source: ImageSource, max_frames: int = MAX_FRAMES, max_seconds: float = MAX_SECONDS,
                  max_decoded: int = MAX_DECODED) -> list:
    """Up to `max_frames` RGB PIL frames spread over the first `max_seconds` of the video."""
    try:
        import av
    except ImportError:  # pragma: no cover - depends on the install
        raise InputError("videos need PyAV (pip install 'taglens[full]')") from None
    name = "video bytes" if isinstance(source, bytes) else str(source)
    if not isinstance(source, bytes):
        path = Path(source)
        if not path.is_file():
            raise InputError(f"no such video file: {path}")
        if path.stat().st_size > 4 * MAX_BYTES:
            raise InputError(f"{path}: video file larger than {4 * MAX_BYTES // 2**20} MB")
    handle = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    try:
        with av.open(handle) as container:
            if not container.streams.video:
                raise InputError(f"{name}: no video stream")
            stream = container.streams.video[0]
            if stream.width * stream.height > MAX_PIXELS:
                raise InputError(f"{name}: {stream.width}x{stream.height} frames are over the pixel limit")
            span = min(_duration(container, stream) or max_seconds, max_seconds)
            return _pick(container, stream, span, max_frames, max_decoded)
    except InputError:
        raise
    except (av.FFmpegError, OSError, ValueError, IndexError) as exc:
        raise InputError(f"{name}: not a readable video ({decoder_reason(exc)})") from None


def decoder_reason(exc: BaseException) -> str:
    """FFmpeg's reason in words: '[Errno 1094995529] Invalid data found ...: 'x.mp4'' -> 'invalid data found ...'.

    The errno is FFmpeg's internal tag and the path is already in the message's prefix.
    """
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", str(text)).split(": '")[0].strip().rstrip(":")
    return (text[:1].lower() + text[1:]) or type(exc).__name__


def _duration(container, stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return None


def _pick(container, stream, span: float, max_frames: int, max_decoded: int) -> list:
    """Decode forward once, keeping the first frame at or after each evenly spaced target time."""
    targets = [span * (i + 0.5) / max_frames for i in range(max_frames)]
    frames: list = []
    last = None
    for decoded, frame in enumerate(container.decode(stream)):
        t = float(frame.time) if frame.time is not None else decoded / float(stream.average_rate or 25)
        last = frame
        while targets and t >= targets[0]:
            targets.pop(0)
            if not frames or frames[-1][0] is not frame:
                frames.append((frame, frame.to_image().convert("RGB")))
        if not targets or t > span or decoded + 1 >= max_decoded:
            break
    if not frames and last is not None:  # a clip shorter than the first target
        frames.append((last, last.to_image().convert("RGB")))
    if not frames:
        raise InputError("video has no decodable frames")
    return [img for _, img in frames]
