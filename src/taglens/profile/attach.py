"""A per-profile view of a recommender: the model plus the personal scorer, nothing retrained.

    rec = Recommender.load()
    mine = personal_recommender(rec, ProfileStore().load("me"))
    mine.suggest(post)

The personal scorer is attached with models/attach.attach_scorers, at
`FULL_WEIGHT x lambda` times the combiner's unit weight, lambda being the
empirical-Bayes trust of profile/shrinkage.py. On top, the top-5 slot rule
(profile/slots.py): the scorer's surest tag gets the fifth place when its P times
the user's own trust, fitted by replaying their history (profile/selftrust.py),
clears SLOT_THRESHOLD. The user's rejected tags are
never suggested (the view's `never` set: not even with allow_banned), and a user
who uses no engagement tags gets none. Without a profile none of this runs:
the plain recommender is untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from taglens.models.attach import attach_scorers
from taglens.models.scorers.personal import PersonalScorer
from taglens.profile.kinds import ENGAGEMENT, KindPrior, kind_prior
from taglens.profile.model import Profile
from taglens.profile.selftrust import DEFAULT, SelfTrust, current_self_trust
from taglens.profile.shrinkage import Trust, crowd_prior, fit_trust
from taglens.profile.slots import SLOT_THRESHOLD, SlotCombiner
from taglens.recommend.reach import vocab_reach
from taglens.recommend.recommender import Recommender

# The personal scorer's weight at full trust, in units of the combiner's unit weight.
# Chosen on the *validation* share of both users (benchmarks/personal.py: 20 / 30 / 50 / 80 gave
# photographer P@5 76.1 / 78.3 / 79.2 / 77.8, kanarinka A@5 0 / 0 / 37.5 / 37.5 on 8 posts), never on test.
# Kept for the calibrated scorer (P(tag) read as it is): 50 / 100 gave photographer val P@5 79.7 / 77.5,
# kanarinka's 8 val posts (every post in time order) 25.0 both.
FULL_WEIGHT = 50.0


@dataclass
class PersonalFit:
    """What a profile means against one model: the trust, the kind prior, the weight used."""

    trust: Trust
    kinds: KindPrior
    weight: float
    self_trust: SelfTrust = DEFAULT

    def to_dict(self) -> dict[str, Any]:
        return {**self.trust.to_dict(), "weight": round(self.weight, 3), "kinds": self.kinds.to_dict(),
                "self_trust": self.self_trust.to_dict()}


def fit_profile(rec: Recommender, profile: Profile, full_weight: float = FULL_WEIGHT) -> PersonalFit:
    vocab = rec.vocab
    trust = fit_trust([p.keys for p in profile.posts], crowd_prior(vocab.counts, vocab.index))
    kinds = kind_prior(profile, vocab, trust.prior_strength)
    return PersonalFit(trust, kinds, full_weight * trust.trust, current_self_trust(profile))


def personal_recommender(rec: Recommender, profile: Profile, *, full_weight: float = FULL_WEIGHT,
                         scorer_params: dict[str, Any] | None = None,
                         slot_threshold: float | None = SLOT_THRESHOLD) -> Recommender:
    """`rec` plus `profile`'s personal scorer, shrunk by the profile's size, and the top-5 slot
    rule at the user's own fitted trust (see module doc; `slot_threshold=None`: no slot rule)."""
    fit = fit_profile(rec, profile, full_weight)
    if scorer_params:
        fit.self_trust = current_self_trust(profile, scorer_params)
    keys = {k for p in profile.posts for k in p.keys}
    factors = {k: fit.kinds.tier_factor(vocab_reach(rec.vocab, k)) for k in keys}
    scorer = PersonalScorer(**(scorer_params or {})).set_profile(profile, factors)
    bundle = attach_scorers(rec.bundle, [scorer], {scorer.name: fit.weight})
    if scorer.absolute and hasattr(bundle.combiner, "absolute"):  # calibrated P(tag): not rescaled
        bundle.combiner.absolute = frozenset({*bundle.combiner.absolute, scorer.name})
    if scorer.absolute and slot_threshold is not None:  # reads the raw P: the calibrated scorer only
        bundle.combiner = SlotCombiner(bundle.combiner, fit.self_trust.scale, slot_threshold)
    banned = set(rec.banned)
    if fit.kinds.drop_engagement:
        banned |= ENGAGEMENT - keys
    view = Recommender(bundle, banned=banned, never=set(rec.never) | profile.rejected())
    view.personal = fit  # type: ignore[attr-defined]
    return view
