"""Turn an HTTP request into a checked suggest job: fields, tags and files.

JSON bodies carry text only; multipart bodies add `images` and `video` files.
Both end up as the same `SuggestJob`, validated once, so the two forms cannot
drift apart.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from taglens.errors import InputError
from taglens.hashtags import parse_hashtag
from taglens.recommend.grounding import parse_allow
from taglens.recommend.platforms import Platform, get_platform
from taglens.recommend.tag_language import parse_tag_language
from taglens.serve.errors import ApiError, validation_message
from taglens.serve.limits import ServeLimits
from taglens.serve.schemas import SuggestFields
from taglens.serve.uploads import Upload

_TAG_SPLIT = re.compile(r"[\s,]+")
TEXT_FIELDS = ("caption", "hashtags", "k", "platform", "tag_language", "allow")


@dataclass
class SuggestJob:
    """A validated suggest request, ready for the recommender."""

    caption: str
    hashtags: list[str]
    k: int
    platform: Platform | None
    tag_language: str = "any"
    images: list[Upload] = field(default_factory=list)
    video: Upload | None = None
    allow: frozenset[str] = frozenset()  # grounding rules switched off (recommend/grounding.py)


async def read_job(request: Request, limits: ServeLimits) -> SuggestJob:
    """Parse and check a /v1/suggest request, JSON or multipart."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        return check_fields(_json_fields(await request.body()), limits)
    if content_type == "multipart/form-data":
        return await _multipart_job(request, limits)
    raise ApiError(415, "send application/json (text only) or multipart/form-data (with files), "
                        f"not {content_type or 'no Content-Type'}")


def _json_fields(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"bad JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(422, "the JSON body must be an object")
    return data


def check_fields(raw: dict[str, Any], limits: ServeLimits) -> SuggestJob:
    """Validate the text fields; 422 with a readable message for any bad one."""
    try:
        fields = SuggestFields.model_validate(raw)
    except ValidationError as exc:
        raise ApiError(422, validation_message(list(exc.errors()))) from None
    if fields.k > limits.max_k:
        raise ApiError(422, f"k: at most {limits.max_k}")
    if len(fields.caption) > limits.max_caption_chars:
        raise ApiError(422, f"caption: at most {limits.max_caption_chars} characters")
    try:
        platform = get_platform(fields.platform)
    except InputError as exc:
        raise ApiError(422, f"platform: {exc}") from None
    try:
        tag_language = parse_tag_language(fields.tag_language)
    except InputError as exc:
        raise ApiError(422, f"tag_language: {exc}") from None
    try:
        allow = parse_allow(fields.allow if fields.allow else None)
    except InputError as exc:
        raise ApiError(422, f"allow: {exc}") from None
    return SuggestJob(fields.caption, parse_tags(fields.hashtags), fields.k, platform, tag_language, allow=allow)


def parse_tags(value: list[str] | str) -> list[str]:
    """'#a #b, c' or ['#a', 'b'] -> display forms; 422 naming a malformed tag."""
    items = _TAG_SPLIT.split(value) if isinstance(value, str) else value
    tags = []
    for item in items:
        if not item.strip():
            continue
        try:
            tags.append(parse_hashtag(item).display)
        except ValueError as exc:
            raise ApiError(422, f"hashtags: {exc}") from None
    return tags


async def _multipart_job(request: Request, limits: ServeLimits) -> SuggestJob:
    try:
        form = await request.form(max_files=limits.max_images + 2, max_fields=20)
    except HTTPException as exc:
        status = 413 if "too many files" in str(exc.detail).lower() else 400
        if status == 413:
            raise ApiError(413, f"at most {limits.max_images} images a request") from None
        raise ApiError(400, f"bad multipart body: {exc.detail}") from None
    text: dict[str, Any] = {}
    images: list[Upload] = []
    video: Upload | None = None
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            if not value.filename and not value.size:
                continue  # an empty file input, as browsers send it
            if key in ("images", "images[]", "image"):
                images.append(_upload(f"images[{len(images)}]", value))
            elif key == "video" and video is None:
                video = _upload("video", value)
            else:
                raise ApiError(422, f"unexpected file field {key!r} (use 'images' and one 'video')")
        elif key in ("images", "images[]", "image", "video"):
            raise ApiError(422, f"'{key}' must be a file upload (multipart file part), not text")
        elif key in TEXT_FIELDS:
            joined = key in ("hashtags", "allow") and key in text
            text[key] = f"{text[key]}{',' if key == 'allow' else ' '}{value}" if joined else value
        else:
            raise ApiError(422, f"unknown field {key!r}; known: {', '.join(TEXT_FIELDS)}, images, video")
    if len(images) > limits.max_images:
        raise ApiError(413, f"{len(images)} images: at most {limits.max_images} a request")
    if text.get("platform") == "":
        text["platform"] = None
    job = check_fields(text, limits)
    job.images, job.video = images, video
    return job


def _upload(label: str, value: UploadFile) -> Upload:
    return Upload(label, value.filename or "upload", (value.content_type or "").lower(), value.file)
