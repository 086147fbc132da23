"""Unsupported-claim rates: how often a system's top 5 claims what the post does not show.

Per post and its top-k list (k = 5), with tag kinds from text/tagkinds.py and the
literal support rule of recommend/grounding.py (the caption, the `@ Place`
check-in or the post's own tags name the place or something inside it):

- `place tag`: the list holds any place tag;
- `unsupported place`: it holds a place tag the post does not support;
- `unsupported event/brand`: it holds an event or brand tag the post does not name
  (nor, for a brand, its one place). Measured literally: the neighbour evidence a
  model may use for events is not counted as support here, so this rate is an
  upper bound for grounded systems;
- for posts that name a place: `named place or region` (the list holds the place,
  or a tag of what contains it) and `unrelated place` (a place tag that is neither
  the named place nor what contains it).

Rates are shares of posts (0..1); `n` and `n named` say over how many.
"""

from __future__ import annotations

from collections.abc import Sequence

from taglens.post import Post
from taglens.query import Query
from taglens.recommend.grounding import Grounding, post_support

K = 5
RATE_NAMES = ("place tag", "unsupported place", "unsupported event/brand", "named place or region", "unrelated place")


def post_claims(post: Post, ranking: Sequence[str], grounding: Grounding, k: int = K) -> dict[str, bool | None]:
    """Which claims one post's top k makes (None: the measure does not apply to the post)."""
    query = Query.from_post(post)
    support = post_support(query, grounding.kinds, grounding.g)
    top = list(ranking)[:k]
    kinds = {key: grounding.kinds.kind(key) for key in top}
    places = [key for key in top if kinds[key] == "place"]
    unsupported = [key for key in places if not grounding.supported(key, query, None, "place")]
    other = [key for key in top if kinds[key] in ("event", "brand")
             and not grounding.supported(key, query, None, kinds[key])]
    out: dict[str, bool | None] = {
        "place tag": bool(places), "unsupported place": bool(unsupported),
        "unsupported event/brand": bool(other), "named place or region": None, "unrelated place": None,
    }
    if support.named:
        out["named place or region"] = any(key in support.places or grounding.kinds.place_of(key, grounding.g)
                                           in support.places for key in top)
        out["unrelated place"] = bool(unsupported)
    return out


def claim_rates(posts: Sequence[Post], rankings: Sequence[Sequence[str]], grounding: Grounding,
                k: int = K) -> dict[str, float]:
    """Each rate over the posts it applies to, with `n` and `n named`."""
    rows = [post_claims(p, r, grounding, k) for p, r in zip(posts, rankings, strict=True)]
    out: dict[str, float] = {"n": float(len(rows))}
    for name in RATE_NAMES:
        values = [row[name] for row in rows if row[name] is not None]
        out[name] = sum(1.0 for v in values if v) / len(values) if values else float("nan")
    out["n named"] = float(sum(1 for row in rows if row["named place or region"] is not None))
    return out


def claims_table(systems: dict[str, dict[str, float]]) -> str:
    """Markdown: one row per system, rates in percent."""
    lines = ["| system | n | " + " | ".join(RATE_NAMES) + " | n named |", "|---|---:|" + "---:|" * (len(RATE_NAMES) + 1)]
    for name, rates in systems.items():
        cells = ["–" if rates[r] != rates[r] else f"{100 * rates[r]:.1f}" for r in RATE_NAMES]
        lines.append(f"| {name} | {int(rates['n'])} | " + " | ".join(cells) + f" | {int(rates['n named'])} |")
    return "\n".join(lines) + "\n"
