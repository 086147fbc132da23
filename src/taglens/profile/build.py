"""Turn a user's posts into a profile: their tags, times and embeddings.

The caption is embedded with its tags as words (on the validation share this
beat the caption with its tags removed: photographer P@5 79.7 vs 79.2, kanarinka
equal; and a post written only in tags still gets a text); photos are encoded with the image
scorers' encoder, so a new photo and a past one are compared in one space.
Both encoders are the ones the default model already loads: building a profile
adds no model.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from taglens.hashtags import extract_hashtags
from taglens.post import Post
from taglens.profile.model import IMAGE_DIM, TEXT_DIM, Feedback, Profile, ProfilePost, unit_or_none
from taglens.profile.sources import post_time
from taglens.profile.words import caption_words


def caption_text(post: Post) -> str:
    """The text embedded for a past post: the caption prose and the words of its tags, as the
    sentence scorer embeds a post (text/tagtext.post_text). A post that is only tags
    (#sagradafamilia) so still has a text to be near."""
    from taglens.text.tagtext import post_text

    return post_text(post)


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    if not any(t.strip() for t in texts):
        return np.zeros((len(texts), TEXT_DIM), np.float32)
    from taglens.text.sentence import SentenceEncoder

    return SentenceEncoder.load().encode(list(texts))


def embed_images(posts: Sequence[Post], batch: int = 16) -> list[np.ndarray | None]:
    """Each post's mean photo feature (unit), None for a post without (readable) photos."""
    from taglens.query import Query
    from taglens.vision.features import ensure_image_evidence

    out: list[np.ndarray | None] = [None] * len(posts)
    todo = [i for i, p in enumerate(posts) if p.images or p.video]
    for start in range(0, len(todo), batch):
        idx = todo[start:start + batch]
        queries = [Query.from_post(posts[i]) for i in idx]
        for i, evidence in zip(idx, ensure_image_evidence(queries), strict=True):
            if evidence is not None and not evidence.empty:
                out[i] = unit_or_none(evidence.mean_feature(), IMAGE_DIM)
    return out


def post_tags(post: Post) -> list[str]:
    """The post's tags as the user spelled them: listed ones, then any written only in the caption."""
    tags = list(post.hashtags)
    listed = set(post.tag_keys)
    for tag in extract_hashtags(post.text):
        if tag.key not in listed:
            listed.add(tag.key)
            tags.append(tag.display)
    return tags


def profile_posts(posts: Sequence[Post], images: bool = True) -> list[ProfilePost]:
    """Profile rows for `posts` (any order; each keeps its own time)."""
    texts = [caption_text(p) for p in posts]
    vectors = embed_texts(texts)
    pictures = embed_images(posts) if images else [None] * len(posts)
    rows = []
    for i, (post, text, vector, picture) in enumerate(zip(posts, texts, vectors, pictures, strict=True)):
        stamp = post_time(post)
        rows.append(ProfilePost(
            id=post.id or f"post-{i}", time=float(stamp if stamp is not None else i),
            tags=post_tags(post),
            text=unit_or_none(vector, TEXT_DIM) if text.strip() else None, image=picture,
            words=caption_words(post.text),
        ))
    return rows


def build_profile(name: str, posts: Sequence[Post], *, source: str = "", images: bool = True) -> Profile:
    """A fresh profile from the user's posts (read with `sources.read_history`), with its trust
    fitted on its own history (profile/selftrust.py)."""
    from taglens.profile.selftrust import refit

    return refit(Profile(name=name, posts=profile_posts(posts, images=images), source=source))


def add_feedback(profile: Profile, accepted: Sequence[str] = (), rejected: Sequence[str] = (),
                 caption: str = "", when: float | None = None) -> Profile:
    """Record choices; an accepted tag with a caption also becomes a post (it rises for similar posts).
    The self-trust is refitted: the profile it was fitted on has changed."""
    now = time.time() if when is None else when
    profile.feedback.extend(Feedback(t, "accepted", now) for t in accepted)
    profile.feedback.extend(Feedback(t, "rejected", now) for t in rejected)
    if accepted and caption.strip():
        row = profile_posts([Post(id=f"accepted-{now:.6f}", text=caption, hashtags=list(accepted),
                                  meta={"time": now})], images=False)[0]
        row.origin = "accepted"
        profile.posts.append(row)
    from taglens.profile.selftrust import refit

    return refit(profile)
