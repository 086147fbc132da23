"""The post being served, as every stage sees it: the ground floor beside `Post`.

`Query` lives here, not in `models/`, so that `text/` and `vision/` can read and
fill the per-post cache without importing the model layer (imports run one way:
post/query <- text, vision <- models <- recommend, evaluate <- serve, cli).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from taglens.post import Post

# Cache keys more than one layer reads (a scorer fills them, a filter in recommend/ reads them).
PROFILE_SUPPORT = "profile.supported"  # tag keys the user's own history uses: support for any claim
EVIDENCE_DETAIL = "evidence_detail"  # tag key -> {source: what a photo showed}, for Suggestion.evidence_detail


@dataclass
class Query:
    """A post being served, plus a per-post cache that scorers share.

    `given` holds the keys of the tags already on the post (listed or written in
    the caption); the recommender never suggests them. Expensive per-post work
    (a caption embedding, image features) goes through `cached`, so that several
    scorers pay for it once.
    """

    post: Post
    given: tuple[str, ...] = ()
    cache: dict[str, Any] = field(default_factory=dict)
    displays: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_post(cls, post: Post) -> "Query":
        return cls(post=post, given=tuple(post.all_tag_keys()))

    @property
    def pictures_only(self) -> bool:
        """No caption text and no given tags: a post that reaches ranking so has nothing but its
        pictures to go on (grounding's 'rare' rule for image_text, the combiner's off-topic weighing)."""
        return not self.post.text.strip() and not self.given

    def cached(self, name: str, compute: Callable[[], Any]) -> Any:
        if name not in self.cache:
            self.cache[name] = compute()
        return self.cache[name]
