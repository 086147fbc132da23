"""Grounded suggestions: no tag claims what the post does not show.

A *claim* tag (text/tagkinds.py) says something about the post beyond what it
shows: a place (it is there), an event (it is about that season or show), a
brand (that team, that venue). taglens suggests a claim only with support:

- place: the caption, the `@ Place` check-in or a given tag names it, or names
  something inside it (the Thames -> #london, #england, #uk; Agra or the Taj Mahal
  -> #agra, #india). Naming a place supports its own regions, never another's.
- event: the caption or given tags name it ('Christmas morning' -> #christmas),
  or `subject_support`: the nearest training posts that are in the caption's
  language AND on its subject (they share a content word with it, up to an inflection:
  text/subject.py, the multilingual gate's test too; or their
  similarity is above that language's typical neighbour similarity) hold the tag,
  at least `MIN_HOLDERS` of them and `EVENT_SHARE` of the neighbours' vote.
  #christmas on a pumpkin-spice post is not supported (one near post holds it,
  the rest are generic), #superbowl on 'Super Bowl party' is.
- brand: named literally, or its one place is supported (#dodgers at a check-in in
  Los Angeles).
- also support, for every kind: the user's own profile (hook: a set of tag keys in
  `query.cache[PROFILE_KEY]`, filled by the profile feature) and landmarks a photo
  shows (hook: place keys in `query.cache[LANDMARKS_KEY]`, filled by image models).

Unsupported claims are removed from every scorer's candidates *before* the
combiner sees them (so popularity, kNN and TF-IDF evidence for #california never
stands in for evidence that the post is in California), and a named place's own
tag and country are pulled into the list. Engagement tags (#tbt, #instagood)
rank below every content tag unless the caption writes them ('Love this view',
'Throwin it back': `written_junk`), and one concept fills at most one slot in five
(#cat, #cats, #catsofinstagram, #kitty; not #news with #new), five slots at a time, so a list
of ten starts with the list of five. A caption word ranked below a tag that joins it with its
neighbours (#Taj and #Mahal after #TajMahal) goes after every other tag, unless it is the more
used tag (#cat after #rescuecat). Within five slots a tag that
only names a broader concept than one already there (#animal or #pet after #dog, #food after
#pizza: WordNet's hypernyms, vision/concepts.py) goes after the others, unless the caption writes
it: it says nothing the narrower tag did not, and the slot goes to what else the post shows.
A tag that fewer than three training posts carry (`RARE_USES`) is one poster's name for their
own thing (#tadejbakerorthodontics, #floodchurch, #stigginsrum): a scorer that copies the
nearest posts' tags (`COPYING`: kNN, TF-IDF, the photo kNN, co-occurrence) does not propose it
unless the post writes it, the user's profile uses it, or it names a place the place rule
already holds to the post (a model trained on fewer than `RARE_MIN_POSTS` posts, where nearly
every tag is that rare, has no such rule); a scorer that matches the tag's own words to the post (MiniLM,
word2vec, the cross-lingual table) still may, and so may image_text on a post with words. On a
post that is nothing but pictures image_text is held to the rule too (`PHOTO_COPYING`): a photo
shows no one's name, and its one-poster tags there were credits and shop names that sit near
many photos in its space (#byjamesnicholas, #hairbycarolchristine on a painting). Not a tag that
names a thing (`_names_a_thing`: a concept other than a person; #applepie and #steak are two-post
tags in a tweet corpus, and without this the held-out Food-101 photos lost a dish name) nor one a
labels head or the ImageNet concepts propose (`PHOTO_NAMERS`). On such a post a coined phrase
(`coined_phrase`: #meetmeattheabbey, #hairbyconnie, #palaceoffinearts) is held to the rule up to
`PHRASE_USES` posts: a venue's, a shop's or a slogan's name sits near many photos in image space
and is shown by none of them. Measured in benchmarks/rare_tags.py:
on topic8 val photos a topic tag in the top 5 95.6 -> 97.5 %, photo top 5s with an unwritten
one-poster tag 50.0 -> 34.8 %, Flickr8k caption words -0.2 (val) and -0.3 (test) n.s.; on captioned
Instagram posts the same rule cost 1.7 A@5 (their brand tags are rare here), so a caption lifts it.
A photo supports the places `photo_landmarks` reads from the image scorers (none for the shipped
models). `allow` switches each rule off: 'place', 'event', 'brand', 'junk', 'variants', 'broader',
'rare'.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import regex

from taglens.errors import InputError
from taglens.hashtags import hashtag_key
from taglens.query import PROFILE_SUPPORT, Query
from taglens.text.clean import segment_tag, split_location, strip_noise
from taglens.text.language import is_stopword, query_language
from taglens.text.places import Gazetteer, fold, gazetteer, name_key
from taglens.text.subject import content_words, shares_word
from taglens.text.tagkinds import CLAIMS, TagKinds
from taglens.vision.concepts import ConceptTable, load_concepts
from taglens.vision.labels import PLACE_HEADS_KEY

RULES = ("place", "event", "brand", "junk", "variants", "broader", "rare")
RARE_USES = 2  # a tag at most this many training posts carry is a one-poster tag (89 % of the default vocabulary)
RARE_MIN_POSTS = 1_000  # below this many training posts nearly every tag is rare: counts say nothing of habit
# on a post of pictures only, a coined phrase (three words or more, one a function word: #meetmeattheabbey,
# #hairbyconnie, #paintthenight) that at most this many training posts carry is a venue, a shop or a
# slogan, which no photo shows (benchmarks/photo_phrases.py; 0: off)
PHRASE_USES = 20
COPYING = frozenset({"knn", "tfidf", "image_knn", "cooccurrence"})  # scorers that vote with neighbours' own tags
PHOTO_COPYING = frozenset({"image_text"})  # ... and those held to the rule on a post of pictures only
PHOTO_NAMERS = ("image_labels/", "image_concepts")  # scorers that name what a photo shows (a head's label)
PROFILE_KEY = PROFILE_SUPPORT  # set of tag keys the user's own history uses (filled by the personal scorer)
LANDMARKS_KEY = "vision.landmarks"  # set of place keys the photo shows
SUPPORT_KEY = "grounding.support"
LANDMARK_PROB = 0.5  # an image labels head this sure of a place label supports it
STRONG_CITY = 300_000  # a city read inside a longer given tag must be this big
EVENT_SHARE = 0.45  # of the same-language neighbours' vote (on-subject holders only)
MIN_HOLDERS = 2  # one near post is an anecdote: 'Game of Thrones tonight' has one #sdcc2016 neighbour
NEIGHBOURS_KEY = "grounding.neighbours"  # a scorer may leave (neighbours, typical) here for subject_support
TEMPERATURE = 0.05  # the neighbours' vote weights, exp((cos - best) / T), as the kNN scorer votes
NEIGHBOUR_LANGUAGES = frozenset({"en", "und"})  # the default corpus' language (multilingual models: override)
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")
_EVENT_FILLER = frozenset("happy merry the of and my".split())
# Variants of one concept beyond plural and suffix forms.
_SYNONYMS = {"kitty": "cat", "kitten": "cat", "kittens": "cat", "kitties": "cat", "puppy": "dog", "puppies": "dog",
             "pup": "dog", "pups": "dog", "doggy": "dog", "doggo": "dog", "doggie": "dog",
             "bff": "friend", "bffs": "friend", "bestfriend": "friend",
             "bestfriends": "friend", "sunsets": "sunset", "ocean": "sea", "travelling": "travel",
             "traveling": "travel", "traveler": "travel", "traveller": "travel", "kicks": "sneaker",
             "tbt": "throwback", "throwbackthursday": "throwback", "fbf": "throwback",
             "flashbackfriday": "throwback", "flashback": "throwback"}
_SUFFIXES = ("sofinstagram", "ofinstagram", "sofig", "ofig", "stagram", "gram", "lovers", "lover", "porn",
             "life", "daily", "oftheday", "addict", "time")
_PREFIXES = ("insta", "ilove", "love")
# Tags the suffix and plural rules would fold into another concept, though they name a
# different thing (read off the default model's TweetEval lists and its 4,000 most used tags):
# #news is not #new, #blues is music, #vans and #jordans are shoes, #queens a borough,
# #sunnies sunglasses, #facetime an app, #nightlife going out, #lovelife romance.
_OWN_CONCEPT = frozenset("""
news blues vans jordans queens sunnies rocks springs bars goals glasses facetime bedtime halftime showtime
overtime adventuretime nightlife lovelife goodtime goodtimes goodlife instagood mylife lovemylife ilovemylife
""".split())
# Engagement tags whose meaning a caption can write in other words: 'Throwin it back to last
# summer' is a #tbt post, 'with repostapp' a #repost. Reviewed by hand; the tag itself written as
# a word (or inside a longer word, 5+ letters: 'repostapp') counts too (`written_junk`).
_THROWBACK = ("throwback", "throwbacks", "flashback", "flashbacks", "throwin it back", "throwing it back",
              "years ago", "year ago", "back in the day")
_JUNK_PHRASES = {"tbt": _THROWBACK, "throwbackthursday": _THROWBACK, "fbf": _THROWBACK,
                 "flashbackfriday": _THROWBACK, "repost": ("reposting", "reposted", "regram"),
                 "regram": ("repost", "reposting"), "latergram": ("late post",), "latepost": ("latergram",),
                 "nofilter": ("no filter", "unfiltered", "without filter"), "love": ("loving", "loved", "loves")}


@dataclass(frozen=True)
class Neighbour:
    """One nearest training post, as `subject_support` sees it.

    `similarity` is its cosine to the query in the scorer's own space; `language`
    its language (ISO code); `words` its content words when the scorer knows them
    (caption words and its tags' words; None: unknown, only the similarity test applies)."""

    similarity: float
    tags: frozenset[str]
    language: str
    words: Iterable[str] | None = None  # read only when the similarity test fails (may be lazy)


def query_words(query: Query) -> frozenset[str]:
    """The caption's (and given tags') content words, in the caption's language (once a query:
    every candidate tag's support asks for them)."""
    return query.cached("grounding.query_words", lambda: _query_words(query))


def _query_words(query: Query) -> frozenset[str]:
    lang = query_language(query)[0]
    body, checkin = split_location(query.post.text or "")
    words = _WORD.findall(strip_noise(body) + " " + (checkin or ""))
    for key in query.given:
        words.extend(segment_tag(key))
    return content_words(words, lang)


def subject_share(query: Query, tag: str, neighbours: Sequence[Neighbour], typical: float | None = None,
                  min_holders: int = MIN_HOLDERS) -> float:
    """The share of the same-language neighbours' vote that on-subject neighbours holding `tag` give it.

    Why relative: absolute cosines do not separate subjects (e5 puts off-topic posts at
    0.86-0.90 against a 0.907 in-domain median), so a neighbour is *on the subject* when it
    shares a content word with the caption, or its similarity is at least `typical`, the
    caption language's usual neighbour similarity (None: only the shared-word test). A
    neighbour in another language never counts, and counts against nothing (a caption whose
    language the detector cannot tell, 'und', is compared with every neighbour). Off-subject
    neighbours stay in the denominator: a tag a few stray posts hold gets a small share.
    Below `min_holders` on-subject holders the share is 0."""
    lang = query_language(query)[0]
    same = [n for n in neighbours if lang == "und" or n.language == lang]
    if not same:
        return 0.0
    words = query_words(query)
    best = max(n.similarity for n in same)
    total = held = 0.0
    holders = 0
    for n in same:
        weight = math.exp((n.similarity - best) / TEMPERATURE)
        total += weight
        if tag not in n.tags:
            continue
        on_subject = (typical is not None and n.similarity >= typical) or bool(
            n.words is not None and shares_word(words, _words_of(query, n)))
        if on_subject:
            held += weight
            holders += 1
    return held / total if holders >= min_holders and total > 0 else 0.0


def _words_of(query: Query, neighbour: Neighbour) -> frozenset[str]:
    """A neighbour's content words, computed once per query (every candidate tag is checked
    against the same neighbours). The neighbour is held beside its words: while the query
    lives it cannot be freed, so its id cannot be reused for another."""
    store = query.cache.setdefault("grounding.neighbour_words", {})
    if id(neighbour) not in store:
        store[id(neighbour)] = (neighbour, content_words(neighbour.words or (), neighbour.language))
    return store[id(neighbour)][1]


def subject_support(query: Query, tag: str, neighbours: Sequence[Neighbour], typical: float | None = None,
                    share: float = EVENT_SHARE, min_holders: int = MIN_HOLDERS) -> bool:
    """Whether the caption's nearest posts in its own language and on its subject hold `tag`
    (`subject_share` >= `share`): the support an event, a show or a community tag needs
    when the caption does not name it."""
    return subject_share(query, tag, neighbours, typical, min_holders) >= share


def parse_allow(value: str | Iterable[str] | None) -> frozenset[str]:
    """'place,junk' -> {'place', 'junk'}; a clear error for a rule that does not exist."""
    if value is None:
        return frozenset()
    items = value.split(",") if isinstance(value, str) else list(value)
    out = {item.strip().lower() for item in items if item and item.strip()}
    if "all" in out:
        return frozenset(RULES)
    unknown = out - set(RULES)
    if unknown:
        raise InputError(f"unknown --allow rule(s): {', '.join(sorted(unknown))}; known: {', '.join(RULES)}")
    return frozenset(out)


@dataclass
class Support:
    """What a post supports: place tag keys (named places and their regions), the
    places it names, and the words it uses (for events and brands)."""

    places: set[str] = field(default_factory=set)
    named: list[str] = field(default_factory=list)
    words: set[str] = field(default_factory=set)
    squashed: str = ""  # the folded caption without spaces: 'Dodgers game' -> 'dodgersgame'
    profile: set[str] = field(default_factory=set)


def post_support(query: Query, kinds: TagKinds, g: Gazetteer | None = None) -> Support:
    """The post's support, computed once per query (cached under SUPPORT_KEY)."""
    return query.cached(SUPPORT_KEY, lambda: _support(query, kinds, g or gazetteer()))


def _support(query: Query, kinds: TagKinds, g: Gazetteer) -> Support:
    text = query.post.text or ""
    body, checkin = split_location(text)
    prose = strip_noise(body)
    skip = kinds.ambiguous
    named = g.find_in_text(prose, ambiguous=skip, strict=True, lang=query_language(query)[0])
    if checkin:
        named += [p for p in g.find_in_text(checkin, strict=False) if p not in named]
        whole = g.canonical(name_key(checkin))
        if whole and whole not in named:
            named.append(whole)
    for key in query.given:
        place = _tag_place(key, kinds, g)
        if place and place not in named:
            named.append(place)
    for key in query.cache.get(LANDMARKS_KEY, ()) or ():
        canonical = g.canonical(key)
        if canonical and canonical not in named:
            named.append(canonical)
    places: set[str] = set()
    for place in named:
        places |= g.region_keys(place)
    words = {fold(w) for w in _WORD.findall(prose + " " + (checkin or ""))}
    for key in query.given:
        words.add(fold(key))
        words.update(fold(w) for w in segment_tag(key))
    squashed = fold("".join(_WORD.findall(prose + (checkin or "")))) + " " + " ".join(query.given)
    profile = {hashtag_key(k) for k in (query.cache.get(PROFILE_KEY) or ())}
    return Support(places=places, named=named, words=words, squashed=squashed, profile=profile)


def _tag_place(key: str, kinds: TagKinds, g: Gazetteer) -> str | None:
    """The place a given tag names: itself (#london), or a place inside a longer tag
    (#londonlife, #visitjapan), never an ambiguous name (#nice)."""
    if kinds.kind(key) == "place":
        return kinds.place_of(key, g)
    for cut in range(len(key) - 3, 3, -1):
        for part in (key[:cut], key[len(key) - cut:]):
            place = g.place(part) if part not in kinds.ambiguous else None
            if place is None or kinds.kind(part) != "place":
                continue
            if place.level != "city" or place.population >= STRONG_CITY:  # #vapeindonesia, not #vapekota
                return g.canonical(part)
    return None


class Grounding:
    """The support rules and the list arrangement, for one model's tag kinds."""

    def __init__(self, kinds: TagKinds, g: Gazetteer | None = None, event_share: float = EVENT_SHARE,
                 neighbour_languages: Iterable[str] = NEIGHBOUR_LANGUAGES,
                 neighbours: "NeighbourSource | None" = None, uses: Mapping[str, int] | None = None) -> None:
        self.kinds = kinds
        self.uses = uses or {}  # tag key -> training posts that carry it (the vocabulary's counts)
        self.g = g or gazetteer()
        self.event_share = float(event_share)
        self.neighbour_languages = frozenset(neighbour_languages)
        self.neighbours = neighbours  # the model's nearest posts, for subject_support

    # -- support ----------------------------------------------------------------
    def supported(self, key: str, query: Query, per_scorer: Mapping[str, Mapping[str, float]] | None = None,
                  kind: str | None = None) -> bool:
        """Whether the post supports the claim a tag makes (content and junk: always)."""
        kind = kind or self.kinds.kind(key)
        if kind not in CLAIMS:
            return True
        support = post_support(query, self.kinds, self.g)
        if key in support.profile:
            return True
        if kind == "place":
            if key in support.places or fold(key) in support.places:
                return True
            inner = self.kinds.place_of(key, self.g)
            return inner is not None and inner in support.places
        if self._named_literally(key, support):
            return True
        if kind == "brand":
            anchor = self.kinds.anchor(key)
            return bool(anchor) and (anchor in support.places or self.g.canonical(anchor) in support.places)
        return self._neighbours_vote(key, query, per_scorer)

    def _named_literally(self, key: str, support: Support) -> bool:
        if key in support.squashed:
            return True
        words = [fold(w) for w in segment_tag(key)]
        core = [w for w in words if w not in _EVENT_FILLER and not w.isdigit() and len(w) > 2]
        return bool(core) and all(w in support.words or w.rstrip("s") in support.words for w in core)

    def _neighbours_vote(self, key: str, query: Query, per_scorer: Mapping[str, Mapping[str, float]] | None) -> bool:
        """Same-language nearest posts on the same subject hold the tag (`subject_support`)."""
        left = query.cache.get(NEIGHBOURS_KEY)  # a scorer's own same-language neighbours
        if left is not None:
            neighbours, typical = left
            return subject_support(query, key, neighbours, typical, self.event_share)
        own = query.cache.get("neighbour_votes")  # same-language kNN shares (models/scorers/multilingual.py)
        if own is not None:
            return float(own.get(key, 0.0)) >= self.event_share
        if self.neighbours is not None:
            neighbours, typical = query.cached("grounding.knn_neighbours", lambda: self.neighbours(query))
            return subject_support(query, key, neighbours, typical, self.event_share)
        if not per_scorer or "knn" not in per_scorer:
            return False
        language = query.cache.get("neighbour_language") or query_language(query)[0]
        if language not in self.neighbour_languages:
            return False
        return float(per_scorer["knn"].get(key, 0.0)) >= self.event_share

    # -- at the source ------------------------------------------------------------
    def filter_scores(self, per_scorer: dict[str, dict[str, float]], query: Query,
                      allow: frozenset[str] = frozenset()) -> dict[str, dict[str, float]]:
        """Every scorer's candidates without the unsupported claims (unless allowed) and
        without function words of the caption's language or English (#i, #mis), whichever
        scorer proposed them; place tags are judged by the place rule instead (#la).
        Landmarks the photo shows (`photo_landmarks`) are read first: they are support."""
        if SUPPORT_KEY not in query.cache:
            shown = photo_landmarks(per_scorer, self.kinds, place_heads=query.cache.get(PLACE_HEADS_KEY, ()))
            if shown:
                query.cache[LANDMARKS_KEY] = set(query.cache.get(LANDMARKS_KEY) or ()) | shown
        lang = query_language(query)[0]
        checked: dict[str, bool] = {}
        copied: dict[str, bool] = {}
        rare = "rare" not in allow
        pictures_only = query.pictures_only
        named = _named_by_photo(per_scorer) if rare and pictures_only else frozenset()
        out: dict[str, dict[str, float]] = {}
        for name, scores in per_scorer.items():
            kept = {}
            copying = rare and (name in COPYING or (name in PHOTO_COPYING and pictures_only))
            photo_side = name in PHOTO_COPYING
            for key, value in scores.items():
                if key not in checked:
                    kind = self.kinds.kind(key)
                    checked[key] = (kind in allow or self.supported(key, query, per_scorer, kind)) and \
                        (kind == "place" or not is_stopword(key, lang))
                if not checked[key]:
                    continue
                if copying and not (photo_side and (key in named or self._names_a_thing(key))):
                    if key not in copied:
                        copied[key] = self._copy_allowed(key, query)
                    if not copied[key]:
                        continue
                kept[key] = value
            out[name] = kept
        return out

    def _names_a_thing(self, key: str) -> bool:
        """Whether a tag names a thing a photo can show (a concept of the shipped concept table
        other than a person: #applepie, #steak, #sandwich, #coconut); #byjamesnicholas and
        #gomariners name only people, #lifewithhenry, #menoftheabbey, #31ten nothing. Cached:
        the same for every photo."""
        cache = self.__dict__.setdefault("_things", {})
        if key not in cache:
            from taglens.text.tagtext import tag_words
            from taglens.vision.concepts import load_concepts, tag_concepts

            table = load_concepts()  # parsed once per process
            cache[key] = any(table.kinds[c] != "person" for c in tag_concepts(table, [key], tag_words).get(key, ()))
        return cache[key]

    def _copy_allowed(self, key: str, query: Query) -> bool:
        """Whether a neighbour-copying scorer may propose `key`: a tag at least `RARE_USES` + 1
        training posts carry (on a post of pictures only, a `coined_phrase` at least `PHRASE_USES`
        + 1), or one the post writes, the profile uses, or a place tag (which `supported` has
        already held to the post)."""
        uses = self.uses.get(key, 0)
        if not 0 < uses <= RARE_USES and not (query.pictures_only and 0 < uses <= PHRASE_USES and coined_phrase(key)):
            return True
        support = post_support(query, self.kinds, self.g)
        return key in support.profile or self.kinds.kind(key) == "place" or self._named_literally(key, support)

    # -- the list -------------------------------------------------------------------
    def arrange(self, ranked: Sequence[tuple[str, float]], query: Query, limit: int,
                allow: frozenset[str] = frozenset(), known: Mapping[str, int] | Iterable[str] = ()) -> list[tuple[str, float]]:
        """The final `limit` (key, score): named place pulled up, junk last, one slot
        per concept in five. `known` are keys that may be added (the vocabulary)."""
        items = list(ranked)
        if "place" not in allow:
            known = known if isinstance(known, Mapping) else {k: i for i, k in enumerate(known)}
            items = self._pull_places(items, query, known, limit)
            items = self._pull_region(items, query, known, limit)
        if "junk" not in allow and not self.uses_junk(query):
            items = ([it for it in items if not self._demoted(it[0], query)]
                     + [it for it in items if self._demoted(it[0], query)])
        rules = []
        if "variants" not in allow:
            items = _parts_after(items, caption_phrases(query), self.uses)
            rules.append(_new_concept)
        if "broader" not in allow:
            rules.append(_not_broader(load_concepts(), query_words(query)))
        if rules:  # one pass: a slot the broader rule frees goes to the next new concept
            items = _in_blocks(items, limit, lambda key, placed: all(rule(key, placed) for rule in rules))
        return items[:limit]

    def _pull_places(self, items: list[tuple[str, float]], query: Query, known: Mapping[str, int],
                     limit: int) -> list[tuple[str, float]]:
        """A named place's own tag (or its country's) within the first two slots."""
        support = post_support(query, self.kinds, self.g)
        if not support.named or limit < 2:
            return items
        head = min(3, limit)
        if any(self.kinds.kind(k) == "place" for k, _ in items[:head]):
            return items
        given = set(query.given)
        for i, (key, _score) in enumerate(items):
            if self.kinds.kind(key) == "place" and key in support.places:
                moved = items.pop(i)
                items.insert(min(1, len(items)), moved)
                return items
        return self._add_place(items, support, known, given)

    def _pull_region(self, items: list[tuple[str, float]], query: Query, known: Mapping[str, int],
                     limit: int) -> list[tuple[str, float]]:
        """A named place brings its own country or state (Kyoto -> #japan) into the list's first
        five, the fourth slot of five (the same slot in a list of ten: its first five are the
        list of five)."""
        support = post_support(query, self.kinds, self.g)
        limit = min(limit, 5)
        if not support.named or limit < 4:
            return items
        head = [k for k, _ in items[:limit]]
        regions = set()
        for place in support.named:
            for ancestor in self.g.ancestors(place):
                if ancestor not in support.named:
                    regions |= self.g.variants.get(ancestor, {ancestor})
        if any(k in regions for k in head):
            return items
        given = set(query.given)
        for i, (key, _score) in enumerate(items):
            if key in regions and self.kinds.kind(key) == "place":
                moved = items.pop(i)
                items.insert(min(limit - 2, len(items)), moved)
                return items
        for place in support.named:
            for ancestor in self.g.ancestors(place)[:2]:
                keys = [k for k in sorted(self.g.variants.get(ancestor, {ancestor})) if k in known
                        and k not in given and self.kinds.kind(k) == "place"]
                if keys:
                    score = items[min(limit - 2, len(items) - 1)][1] if items else 1.0
                    items.insert(min(limit - 2, len(items)), (min(keys, key=known.__getitem__), score))
                    return items
        return items

    def _add_place(self, items: list[tuple[str, float]], support: Support, known: Mapping[str, int],
                   given: set[str]) -> list[tuple[str, float]]:
        for place in support.named:  # nothing in the list: add the place or its region from the vocabulary
            for candidate in (place, *self.g.ancestors(place)):
                keys = [k for k in sorted(self.g.variants.get(candidate, {candidate})) if k in known]
                keys = [k for k in keys if k not in given and self.kinds.kind(k) == "place"]
                if keys:
                    best = min(keys, key=known.__getitem__)  # the most used form (vocab order)
                    score = items[min(1, len(items) - 1)][1] if items else 1.0
                    items.insert(min(1, len(items)), (best, score))
                    return items
        return items

    def _demoted(self, key: str, query: Query) -> bool:
        """A junk tag that neither the user's profile uses nor the caption writes."""
        if self.kinds.kind(key) != "junk":
            return False
        return key not in post_support(query, self.kinds, self.g).profile and not written_junk(key, query)

    def uses_junk(self, query: Query) -> bool:
        """The post's own tags include an engagement tag (#tbt, #instagood): this user tags that
        way, so such tags are not pushed below content tags (the issue's 'unless the user's own
        history or settings use them'; the profile's own junk tags are kept either way)."""
        return any(self.kinds.kind(key) == "junk" for key in query.given)

    def kind(self, key: str) -> str:
        return self.kinds.kind(key)


@functools.lru_cache(maxsize=1)
def _photo_landmark_table() -> dict[str, str]:
    """data/places/photo_landmarks.json's `tags`: an image tag key -> the one place it shows."""
    path = resources.files("taglens") / "data" / "places" / "photo_landmarks.json"
    try:
        table = json.loads(path.read_text(encoding="utf-8")).get("tags", {})
    except (OSError, ValueError):
        return {}
    return {hashtag_key(k): hashtag_key(v) for k, v in table.items() if k and v}


def photo_landmarks(per_scorer: Mapping[str, Mapping[str, float]], kinds: TagKinds,
                    table: Mapping[str, str] | None = None, threshold: float = LANDMARK_PROB,
                    place_heads: Iterable[str] = ()) -> set[str]:
    """The places the photo shows, as the image models say: a place label of a head whose card
    declares its labels places (`place_heads`: `image_labels/<head>` proposing #eiffeltower at
    >= `threshold`), or an image tag the reviewed table maps to one place. A head of breeds,
    dishes or styles is no landmark head: the pets head's 'Bombay' is a cat, and it once made
    #india 'supported' on a cat photo. The shipped models know no landmark (no shipped head
    names places, the table is empty: ImageNet's castle is any castle), so this is support
    only for heads a user trains with `taglens train-labels --places`."""
    table = _photo_landmark_table() if table is None else table
    shown: set[str] = set()
    for name, scores in per_scorer.items():
        if not name.startswith("image_"):
            continue
        for key, value in scores.items():
            if value < threshold:
                continue
            if key in table:
                shown.add(table[key])
            elif name in place_heads and kinds.kind(key) == "place":
                shown.add(key)
    return shown


def written_junk(key: str, query: Query) -> bool:
    """Whether the caption itself writes an engagement tag's word: 'Love this view' -> #love,
    'Tbt to last summer' or 'throwin it back' -> #tbt, 'with repostapp' -> #repost. Then it is
    the user's own word, content for this post, and not ranked below the others. A stopword of
    the caption's language never counts ('looks like' is no #like)."""
    text = fold(strip_noise(split_location(query.post.text or "")[0]))
    words = _WORD.findall(text)
    lang = query_language(query)[0]
    if key in words and not is_stopword(key, lang):
        return True
    if len(key) >= 5 and key in "".join(words):
        return True
    spaced = " " + " ".join(words) + " "
    return any(f" {phrase} " in spaced for phrase in _JUNK_PHRASES.get(key, ()))


def concept(key: str) -> str:
    """The concept a tag is a variant of: #cats, #catsofinstagram, #kitty -> 'cat'."""
    k = hashtag_key(key)
    if k in _OWN_CONCEPT:
        return k
    k = _SYNONYMS.get(k, k)
    for prefix in _PREFIXES:
        if k.startswith(prefix) and len(k) - len(prefix) >= 3:
            k = k[len(prefix):]
            break
    for suffix in _SUFFIXES:
        if k.endswith(suffix) and len(k) - len(suffix) >= 3:
            k = k[: -len(suffix)]
            break
    k = _SYNONYMS.get(k, k)
    if k.endswith("ies") and len(k) > 4:
        k = k[:-3] + "y"
    elif k.endswith("s") and not k.endswith("ss") and len(k) > 3:
        k = k[:-1]
    return _SYNONYMS.get(k, k)


def _in_blocks(items: list[tuple[str, float]], limit: int,
               fits: Callable[[str, list[str]], bool]) -> list[tuple[str, float]]:
    """Five slots at a time: each block takes, in rank order, the items that `fits` the block's
    keys so far; the rest wait for the next block. Block by block, so the first five of a list
    of ten are the list of five."""
    out, rest = [], list(items)
    while rest and len(out) < limit:
        block, later = [], []
        for item in rest:
            if len(block) < 5 and fits(item[0], [b[0] for b in block]):
                block.append(item)
            else:
                later.append(item)
        out, rest = out + block, later
    return out + rest


MAX_PHRASE = 4  # caption words a phrase tag joins (#TajMahal, #GoldenRetriever, #NewYorkCity)


def caption_phrases(query: Query) -> dict[str, frozenset[str]]:
    """Tags the caption spells as two to `MAX_PHRASE` adjacent words, each with its words' keys:
    'Sunrise over the Taj Mahal' -> {'sunriseover': ..., 'tajmahal': {'taj', 'mahal'}, ...}."""
    def phrases() -> dict[str, frozenset[str]]:
        body, _checkin = split_location(query.post.text or "")
        keys = [hashtag_key(w) for w in _WORD.findall(strip_noise(body))]
        return {"".join(keys[i:j]): frozenset(keys[i:j])
                for i in range(len(keys)) for j in range(i + 2, min(i + MAX_PHRASE, len(keys)) + 1)}
    return query.cached("grounding.caption_phrases", phrases)


def _parts_after(items: list[tuple[str, float]], phrases: Mapping[str, frozenset[str]],
                 uses: Mapping[str, int]) -> list[tuple[str, float]]:
    """Rule 'variants', for the caption's own phrases: a caption word ranked below a tag that joins
    it with its neighbours (#Taj and #Mahal after #TajMahal, #Retriever after #GoldenRetriever,
    #cherry after #cherryblossoms) goes after every other tag: it is a piece of what the list
    already says. Not when the word is the more used tag of the two (`uses`: training posts):
    #cat after #rescuecat is the tag most cat posts carry. Ranked above the phrase, the word
    keeps its place."""
    if not phrases:
        return items
    covered: set[str] = set()
    keep, pieces = [], []
    for item in items:
        if item[0] in covered:
            pieces.append(item)
            continue
        keep.append(item)
        parts = phrases.get(item[0], frozenset())
        covered |= {w for w in parts if w != item[0] and uses.get(w, 0) <= uses.get(item[0], 0)}
    return keep + pieces


def _new_concept(key: str, placed: list[str]) -> bool:
    """Rule 'variants': one tag per concept in five slots (#cat, then #cats only in the next five)."""
    return concept(key) not in {concept(k) for k in placed}


def _not_broader(table: ConceptTable, written: frozenset[str]) -> Callable[[str, list[str]], bool]:
    """Rule 'broader': a tag naming only concepts broader than a tag already in those five slots
    (#animal, #pet, #animals after #dog; #food after #pizza) waits for the next five, unless the
    caption writes it (`written`: its content words). Measured on Flickr8k *val* photos alone:
    50 of 500 top-5 positions were #animal or #pet beside a dog, and what took them (#grass,
    #running, #water) is what the photos' captions say."""
    return lambda key, placed: not _broader_than(table, key, placed, written)


@functools.lru_cache(maxsize=4096)
def _named(key: str) -> frozenset[int]:
    """The concepts a tag names (most specific, as the photo rules read it)."""
    return load_concepts().named_by(key, tag_segments(key))


def _broader_than(table: ConceptTable, key: str, placed: list[str], written: frozenset[str]) -> bool:
    """`key` names only broader concepts than one of the `placed` tags, and the caption does not write it."""
    general = table.lemma_concepts.get(concept(key))
    if not general or not placed or key in written or concept(key) in written:
        return False
    return any(table.broader(general, _named(other)) for other in placed)


class NeighbourSource:
    """The kNN scorer's nearest captioned posts as `Neighbour`s, and its language's typical
    neighbour similarity (the median, over a seeded sample of its own posts, of their mean
    cosine to their k nearest): the relative test `subject_support` needs. The default corpus
    is English, so every neighbour is `language`; the scorer keeps no caption text, so a
    neighbour's words are its tags' words."""

    SAMPLE = 200

    def __init__(self, knn, vocab_keys: Sequence[str], language: str = "en") -> None:  # noqa: ANN001 - KnnScorer
        self.knn, self.keys, self.language = knn, vocab_keys, language
        self.rows = np.flatnonzero(knn.has_text) if knn.has_text.any() else np.arange(knn.embeddings.shape[0])
        self._typical: float | None = None

    @property
    def typical(self) -> float | None:
        if self._typical is None and len(self.rows) > self.knn.k + 1:
            rng = np.random.default_rng(13)
            sample = rng.choice(self.rows, min(self.SAMPLE, len(self.rows)), replace=False)
            sims = (self.knn.embeddings[sample] @ self.knn.embeddings.T)[:, self.rows]
            k = min(self.knn.k, len(self.rows) - 1)
            top = -np.partition(-sims, k, axis=1)[:, 1:k + 1]  # the k nearest after the post itself
            self._typical = float(np.median(top.mean(axis=1)))
        return self._typical

    def __call__(self, query: Query) -> tuple[list[Neighbour], float | None]:
        from taglens.models.scorers.sentence import ensure_caption_embeddings

        from taglens.text.tagtext import has_prose

        # the kNN scorer's own vote (models/scorers/knn.py), when it matched captioned posts as these rows do
        cached = query.cache.get("knn.near") if has_prose(query.post) and self.knn.has_text.any() else None
        if cached is not None:
            rows, cosines = cached
        else:
            vector = ensure_caption_embeddings([query])[0]
            if not len(self.rows) or not np.any(vector):
                return [], None
            sims = (self.knn.embeddings @ vector)[self.rows]  # no copy of the matrix (28,000 x 384)
            k = min(self.knn.k, len(self.rows))
            near = np.argpartition(-sims, k - 1)[:k]
            rows, cosines = self.rows[near], sims[near]
        out = []
        for i, cosine in zip(rows.tolist(), cosines.tolist(), strict=True):
            tags = frozenset(self.keys[t] for t in self.knn.tag_ids[self.knn.indptr[i]:self.knn.indptr[i + 1]])
            out.append(Neighbour(float(cosine), tags, self.language, _TagWords(tags)))
        return out, self.typical


class _TagWords:
    """A neighbour's tags' words, segmented only if `subject_share` asks (segmenting 40
    neighbours' tags up front costs ~20 ms a query; most checks end at the similarity test)."""

    def __init__(self, tags: Iterable[str]) -> None:
        self.tags = tuple(tags)

    def __iter__(self):  # noqa: ANN204 - an iterator of words
        return (w for t in self.tags for w in tag_segments(t))


@functools.lru_cache(maxsize=65536)
def tag_segments(key: str) -> tuple[str, ...]:
    """A tag's segmented words, once per process (grounding and the photo rules ask per candidate)."""
    return tuple(segment_tag(key))


@functools.lru_cache(maxsize=65536)
def coined_phrase(key: str) -> bool:
    """A tag that reads as a phrase of three words or more, one of them an English function word
    ('meet me at the abbey', 'hair by connie', 'palace of fine arts'): how a venue, a shop, a
    show or a slogan is named, where a thing is named by a word or two (#pond, #beeftartare)."""
    words = tag_segments(key)
    return len(words) >= 3 and any(is_stopword(w, "en") for w in words)


def grounding_for(bundle) -> Grounding:  # noqa: ANN001 - a models.model_dir.ModelBundle
    """The grounding of a model: its shipped tag kinds (tagkinds.json beside vocab.json), else
    computed from its vocabulary and co-occurrence counts (about 2 s); its kNN posts, when it
    has them, for `subject_support`."""
    from taglens.text.tagkinds import kinds_for_model

    vocab = bundle.vocab
    counts = next((s.counts for s in bundle.scorers if s.name == "cooccurrence" and getattr(s, "counts", None) is not None), None)
    knn = next((s for s in bundle.scorers if s.name == "knn" and getattr(s, "embeddings", None) is not None), None)
    source = NeighbourSource(knn, vocab.keys) if knn is not None and knn.embeddings.shape[0] else None
    uses = ({key: int(n) for key, n in zip(vocab.keys, vocab.counts, strict=True)}
            if (vocab.total_posts or 0) >= RARE_MIN_POSTS else None)
    return Grounding(kinds_for_model(vocab.keys, vocab.counts, counts, vocab.total_posts, bundle.path),
                     neighbours=source, uses=uses)


def _named_by_photo(per_scorer: dict[str, dict[str, float]]) -> frozenset[str]:
    """Tags a labels head or the ImageNet concepts propose for the post: what the photo shows by
    name (a dish's #breakfastburrito), which image_text may add to however few posts carry it."""
    return frozenset(key for name, scores in per_scorer.items() if name.startswith(PHOTO_NAMERS) for key in scores)
