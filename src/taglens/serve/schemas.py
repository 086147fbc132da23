"""Request and response shapes: they validate input and document the API at /docs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class SuggestFields(BaseModel):
    """The text fields of a suggest request, the same in JSON and in multipart."""

    model_config = ConfigDict(extra="forbid")

    caption: str = Field("", description="the post's caption; hashtags written in it count as given")
    hashtags: list[str] | str = Field(
        default_factory=list, description="tags already on the post: a list, or one string '#a #b'")
    k: int = Field(10, ge=1, description="how many hashtags to return")
    platform: str | None = Field(
        None, description="trim to a platform's limit: instagram, tiktok, x, threads, linkedin, "
                          "pinterest, mastodon")
    fallback: str | None = Field(
        None, description="for a post with nothing to go on: 'none' (default: no tags and a warning) "
                          "or 'popular' (the most frequent tags)")
    profile: str | None = Field(
        None, description="follow a saved profile's style (only on a server started with --profiles)")
    allow: list[str] | str = Field(
        default_factory=list, description="grounding rules to switch off: place, event, brand, junk, variants, broader, "
                                          "rare (a list, or one string 'place,junk')")

    tag_language: str = Field("any", description="which language the tags are in: any (the caption's "
                              "language first, then English tags that fit), caption, en")

    @field_validator("k", mode="before")
    @classmethod
    def _no_bool_k(cls, value: Any) -> Any:
        # JSON `true` would otherwise pass as k=1; multipart sends k as a string, which is fine.
        if isinstance(value, bool):
            raise ValueError("k must be a whole number")
        return value


class FeedbackRequest(BaseModel):
    """Which suggested tags the user kept or removed, for a profile (server started with --profiles)."""

    model_config = ConfigDict(extra="forbid")

    profile: str
    accepted: list[str] = Field(default_factory=list, max_length=200, description="tags the user added")
    rejected: list[str] = Field(default_factory=list, max_length=200, description="tags the user removed")
    caption: str = Field("", max_length=5000, description="the post they were for: accepted tags rise for similar posts")


class HashtagOut(BaseModel):
    tag: str = Field(description="the tag as most often written, e.g. #sunsetlover")
    display: str = Field(description="CamelCase form for reading and screen readers, e.g. #SunsetLover")
    score: float
    evidence: list[str] = Field(description="the scorers behind the suggestion")
    reach: str | None = Field(description="broad, medium or niche: how common the tag is")
    kind: str | None = Field(None, description="the claim the tag makes: place, event, brand, junk or content")
    evidence_detail: list[dict[str, str | float]] = Field(
        default_factory=list, description='what the pictures showed: [{"source": "image", "concept": "cat", "score": 0.97}]')


class TopicOut(BaseModel):
    label: str
    score: float


class SuggestResponse(BaseModel):
    hashtags: list[HashtagOut]
    topic: TopicOut | None = None
    platform: dict | None = Field(None, description="the platform's rules, when one was asked for")
    warnings: list[str] = Field(default_factory=list)
    took_ms: float


class SegmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hashtags: list[str] = Field(description="tags to split into words, e.g. ['#sunsetlover']")


class SegmentOut(BaseModel):
    tag: str
    words: list[str]
    camel_case: str


class SegmentResponse(BaseModel):
    segments: list[SegmentOut]


class ErrorOut(BaseModel):
    status: int
    error: str
    message: str


ERROR_RESPONSES = {
    code: {"model": ErrorOut, "description": text}
    for code, text in {
        400: "bad JSON, or an image or video that does not decode",
        413: "over a limit: upload size, number of images, pixels, video length",
        415: "not JSON or multipart, or a file of the wrong type",
        422: "a bad field: k, platform, a hashtag, an unknown field",
    }.items()
}

MULTIPART_SCHEMA = {
    "type": "object",
    "properties": {
        "images": {"type": "array", "items": {"type": "string", "format": "binary"},
                   "description": "0-10 photos (JPEG, PNG, WebP, GIF, BMP)"},
        "video": {"type": "string", "format": "binary", "description": "one short video"},
        "caption": {"type": "string"},
        "hashtags": {"type": "string", "description": "tags already on the post, '#a #b'"},
        "k": {"type": "integer", "default": 10},
        "platform": {"type": "string"},
        "fallback": {"type": "string", "description": "none (default) or popular"},
        "profile": {"type": "string", "description": "a saved profile (server started with --profiles)"},
        "tag_language": {"type": "string", "enum": ["any", "caption", "en"], "default": "any"},
    },
}
