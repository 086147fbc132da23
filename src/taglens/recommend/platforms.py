"""How many hashtags each platform takes, and how it likes them: one small table.

Platforms change these rules (Instagram cut its limit from 30 to 5 in December
2025), so the table carries the date it was last checked, `AS_OF`, and the API
and the page show it. `hard_limit` is a cap the platform enforces; `limit` is
what taglens trims to: the cap where there is one, else the usual convention.
The recommender's list is best-first, so trimming keeps the best tags.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from taglens.errors import InputError

AS_OF = "2026-11"  # when the table below was last checked against each platform's rules


@dataclass(frozen=True, slots=True)
class Platform:
    """One platform's hashtag rules and conventions."""

    name: str
    label: str
    limit: int
    hard_limit: int | None
    placement: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


PLATFORMS: dict[str, Platform] = {p.name: p for p in (
    Platform("instagram", "Instagram", 5, 5, "end of caption",
             "At most 5 hashtags a post since December 2025 (it was 30); pick specific ones."),
    Platform("tiktok", "TikTok", 5, None, "end of caption",
             "No fixed count; 3-5 relevant tags are the norm and count against the caption length."),
    Platform("x", "X", 2, None, "inline or end",
             "Tags use the 280-character budget; 1-2 tags, more reads as spam."),
    Platform("threads", "Threads", 1, 1, "topic tag",
             "One topic tag a post."),
    Platform("linkedin", "LinkedIn", 3, None, "end of post",
             "No fixed cap; 3 or so professional tags, CamelCase for readability."),
    Platform("pinterest", "Pinterest", 5, 20, "pin description",
             "Up to 20 in a description; a few descriptive ones help search."),
    Platform("mastodon", "Mastodon", 5, None, "end of post",
             "Hashtags are how posts are found (no algorithm); CamelCase so screen readers say the words."),
)}


def get_platform(name: str | None) -> Platform | None:
    """The platform called `name` (case-insensitive), None for none; InputError if unknown."""
    if name is None or not name.strip() or name.strip().lower() in {"any", "none"}:
        return None
    platform = PLATFORMS.get(name.strip().lower())
    if platform is None:
        raise InputError(f"unknown platform {name!r}; known: {', '.join(PLATFORMS)}")
    return platform


def platform_table() -> dict[str, Any]:
    """The table as JSON for the API and the page."""
    return {"as_of": AS_OF, "platforms": [p.to_dict() for p in PLATFORMS.values()]}
