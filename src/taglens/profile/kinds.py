"""The user's prior over tag kinds: broad or niche, engagement tags or none, CamelCase or not.

Kinds are counted over the user's tag uses and shrunk towards the crowd's
(the model vocabulary's) with the same Dirichlet prior strength m that
profile/shrinkage.py fits, so a five-post profile barely moves them.
What each kind changes:

- reach tier (broad / medium / niche, recommend/reach.py's tiers): the personal
  scorer's candidates are scaled by the user's share of that tier over the
  crowd's, clipped to [0.5, 2] (a niche-tag user's niche tags rise);
- engagement tags (#instagood, #photooftheday ...): a user whose shrunk
  engagement share is under a quarter of the crowd's gets none suggested;
- CamelCase: the user's own spelling is shown for their tags (#DataFeminism),
  so a CamelCase writer reads CamelCase.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from taglens.hashtags import hashtag_key
from taglens.models.base import Vocab
from taglens.profile.model import Profile
from taglens.recommend.reach import TIERS, vocab_reach

ENGAGEMENT = frozenset(hashtag_key(t) for t in (
    "instagood", "photooftheday", "picoftheday", "instadaily", "instalike", "instamood", "igers",
    "instagram", "insta", "bestoftheday", "photooftheweek", "instapic", "webstagram", "all_shots",
    "tbt", "nofilter", "followme", "follow", "like", "likes", "like4like", "likeforlike", "follow4follow",
    "followforfollow", "l4l", "f4f", "tagsforlikes", "instafollow", "likeforfollow", "comment4comment",
    "explorepage", "explore", "viral", "trending", "fyp", "foryou", "foryoupage", "reels", "instareels",
))
CLIP = (0.5, 2.0)


@dataclass
class KindPrior:
    """The shrunk shares and what they imply for one user against one model."""

    tier_share: dict[str, float] = field(default_factory=dict)
    crowd_tier_share: dict[str, float] = field(default_factory=dict)
    engagement_share: float = 0.0
    crowd_engagement_share: float = 0.0
    camel_share: float = 0.0

    @property
    def drop_engagement(self) -> bool:
        return self.engagement_share < 0.25 * self.crowd_engagement_share

    def tier_factor(self, tier: str) -> float:
        crowd = self.crowd_tier_share.get(tier, 0.0)
        if crowd <= 0:
            return 1.0
        return min(max(self.tier_share.get(tier, 0.0) / crowd, CLIP[0]), CLIP[1])

    def to_dict(self) -> dict[str, object]:
        return {"tiers": {t: round(v, 3) for t, v in self.tier_share.items()},
                "crowd_tiers": {t: round(v, 3) for t, v in self.crowd_tier_share.items()},
                "engagement": round(self.engagement_share, 4),
                "crowd_engagement": round(self.crowd_engagement_share, 4),
                "drop_engagement": self.drop_engagement, "camel": round(self.camel_share, 3)}


def kind_prior(profile: Profile, vocab: Vocab, m: float) -> KindPrior:
    """The user's kind shares, each (user count + m x crowd share) / (user uses + m)."""
    uses = [(key, tag) for post in profile.posts for key, tag in zip(post.keys, _spelled(post.tags), strict=False)]
    n = len(uses)
    m = m if m != float("inf") else 1e9
    crowd_tiers, crowd_engagement = _crowd(vocab)
    user_tiers = {t: 0 for t in TIERS}
    engaged = camel = multi = 0
    for key, tag in uses:
        user_tiers[vocab_reach(vocab, key)] += 1
        engaged += key in ENGAGEMENT
        body = tag.lstrip("#")
        if any(c.isupper() for c in body[1:]):
            camel += 1
        multi += len(body) > 6
    return KindPrior(
        tier_share={t: (user_tiers[t] + m * crowd_tiers[t]) / (n + m) for t in TIERS},
        crowd_tier_share=crowd_tiers,
        engagement_share=(engaged + m * crowd_engagement) / (n + m),
        crowd_engagement_share=crowd_engagement,
        camel_share=camel / multi if multi else 0.0,
    )


def _crowd(vocab: Vocab) -> tuple[dict[str, float], float]:
    """The crowd's tier and engagement shares of tag uses; computed once per vocabulary."""
    cached = getattr(vocab, "_crowd_kinds", None)
    if cached is not None:
        return cached
    total = float(vocab.counts.sum()) or 1.0
    tiers = {t: 0.0 for t in TIERS}
    engagement = 0.0
    for key, count in zip(vocab.keys, vocab.counts.tolist(), strict=True):
        tiers[vocab_reach(vocab, key)] += count / total
        if key in ENGAGEMENT:
            engagement += count / total
    vocab._crowd_kinds = (tiers, engagement)  # type: ignore[attr-defined]
    return tiers, engagement


def _spelled(tags: list[str]) -> list[str]:
    """Tags in key order, one per key (ProfilePost.keys drops repeats the same way)."""
    seen: set[str] = set()
    out = []
    for tag in tags:
        key = hashtag_key(tag)
        if key and key not in seen:
            seen.add(key)
            out.append(tag)
    return out
