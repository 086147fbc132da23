"""What one request may send: the limits a server operator sets.

Every limit answers with 413 and a message naming the limit, so a client knows
what to shrink. The defaults fit phone photos and short clips.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ServeLimits:
    """Per-request limits, and the threads that do the blocking work."""

    max_upload_bytes: int = 25 * MB     # the whole request body
    max_images: int = 10
    max_pixels: int = 40_000_000        # per image (width x height); 40 MP covers phone cameras
    max_video_seconds: float = 60.0
    max_k: int = 50
    max_caption_chars: int = 5000
    max_segment_tags: int = 100
    workers: int = 4                    # threads for decoding and scoring, off the event loop

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is None or value < (0 if name == "max_images" else 1):
                raise ValueError(f"{name} must be positive, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
