"""What kind of claim a tag makes: place, event, brand, junk, or content.

    kinds = TagKinds.from_corpus(vocab.keys, vocab.counts, cooccurrence_counts)
    kinds.kind("losangeles") -> 'place';  kinds.kind("christmas") -> 'event'
    kinds.kind("dodgers")    -> 'brand' (anchored to losangeles);  kinds.kind("tbt") -> 'junk'
    kinds.kind("Agra")       -> 'place' (not in the vocabulary: read from the gazetteer)

Why kinds: a place, an event or a brand tag claims something about the post
(it is there, it is about that season or that team); a content tag describes
what it shows. The recommender holds claims to evidence (recommend/grounding.py)
and ranks engagement/junk tags below content.

- place: the gazetteer (text/places.py) names it, unless people tag the name as
  something else. Which names those are is read from the corpus: a name that is
  also a common English word and is used beside food, animals, emotions or
  fashion rather than beside other places and travel is content (#nice beside
  #cute and #love, #jordan beside #nike). Small towns named like common words
  (#paradise, #sakura, #batman) need strong place company to count. A short
  reviewed list (data/places/places.json 'not_places') settles what the corpus
  cannot (#turkey: beside #istanbul in the photo lists, a bird in the captions).
- event: holidays and dated events by name (#christmas, #thanksgiving), the
  national/world ...day pattern, and a year or an anniversary number on a name
  (#coachella2017, #disneyland60).
- brand: a tag mostly used together with one place (a team, a venue, a local
  chain: #dodgers with #losangeles); it carries that place as its anchor.
- junk: engagement and app tags (#tbt, #repost, #instagood, #likeforlike).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import regex

from taglens.hashtags import hashtag_key
from taglens.text.language import word_zipf, zipf
from taglens.text.places import Gazetteer, gazetteer

KINDS = ("place", "event", "brand", "junk", "content")
CLAIMS = ("place", "event", "brand")  # kinds that need support from the post
FILE = "tagkinds.json"

# Engagement, app and filler tags: they say nothing about the post.
JUNK = frozenset("""
tbt throwbackthursday fbf flashbackfriday repost regram latergram latepost vscocam vsco vscogood vscodaily vscophile
nofilter nofilterneeded instagood instadaily instalike instamood instapic instaphoto instacool instagramers igers
igdaily ig instagram instagramhub webstagram statigram tweegram iphoneonly iphonesia photooftheday picoftheday
bestoftheday potd pictureoftheday photo pic pics picture photos follow followme follow4follow f4f followforfollow
followback like like4like likeforlike l4l likes tagsforlikes tagforlikes likeforfollow comment4comment
shoutout s4s spam4spam all_shots instasize tflers tfl love instalove instafollow followforlike
""".split())  # not adjectives (#happy, #cute): they describe a post, #love under a sushi dinner does not
_JUNK_PATTERNS = regex.compile(r"^(?:.*4(?:like|follow|likes|follow)s?|.*forlikes?|.*forfollows?|insta(?:good|daily|like|mood)\w*"
                               r"|(?:photo|pic|picture|selfie)oftheday|tagsfor\w+|vsco\w*|follow\w*back)$")
# Holidays and recurring events a post must be about to carry.
EVENTS = frozenset("""
christmas xmas merrychristmas christmastree christmaseve christmasday christmasmarket halloween happyhalloween
thanksgiving happythanksgiving easter happyeaster newyear newyears newyearseve nye happynewyear valentines
valentinesday valentine stpatricksday stpattysday mothersday happymothersday fathersday happyfathersday
fourthofjuly 4thofjuly july4th independenceday memorialday laborday blackfriday cybermonday cincodemayo
diwali ramadan eid eidmubarak hanukkah chanukah chinesenewyear lunarnewyear holi carnival carnaval mardigras
superbowl oscars grammys emmys metgala coachella comiccon sdcc sxsw worldcup olympics marchmadness
dayofthedead diadelosmuertos oktoberfest prideparade pridemonth pride womensmarch earthday
""".split())
_EVENT_PATTERNS = regex.compile(r"^(?:national\w+day|world\w+day|international\w+day|happy\w+day|\w+day20\d\d"
                                r"|\w{3,}(?:19|20)\d\d|(?:19|20)\d\d\w{3,})$")
_NUMBER_SUFFIX = regex.compile(r"^(\p{L}{4,})(\d{2,3})$")

MEMO_SIZE = 200_000  # TagKinds.kind answers kept (a few MB)
COMMON_WORD = 3.0  # wordfreq Zipf at or above which a name is also an English word
PLACE_COMPANY = 0.5  # share of a tag's company that is places/travel below which a common-word name is content
SMALL_TOWN = 300_000
SMALL_TOWN_WORD = 3.5  # Zipf of a small town's name above which the word is meant
BRAND_SHARE = 0.5  # a brand is used with its one place in at least half of its posts
BRAND_LIFT = 5.0
MIN_BRAND_POSTS = 8
BRAND_WORD = 4.0  # a word this common (#bridge, #casino, #first) is content wherever the corpus was posted
MIN_EVIDENCE = 5.0
TRAVEL = frozenset("travel trip vacation wanderlust explore travelgram instatravel traveling travelling city citylife "
                   "architecture roadtrip adventure tourist tourism sightseeing visit skyline downtown".split())
CONTENT_SEEDS = frozenset("food foodie foodporn yummy delicious dinner lunch breakfast instafood thanksgiving cake dessert "
                          "chocolate dog cat pets puppy dogsofinstagram catsofinstagram pet animal love happy smile fun cute "
                          "beautiful friends family girl boy selfie fashion style shoes sneakers sneakerhead nike kicks "
                          "basketball nba sports flowers flower spring pink yellow color art anime movie superhero marvel "
                          "comics baby".split())


@functools.lru_cache(maxsize=1)
def _reviewed() -> dict[str, list[str]]:
    data = json.loads(resources.files("taglens").joinpath("data/places/places.json").read_text("utf-8"))
    return {"not_places": data.get("not_places", [])}


@functools.lru_cache(maxsize=1)
def named_things() -> frozenset[str]:
    """Keys of the tags that name one brand, app, franchise, team or public figure
    (data/named_things.txt, reviewed): brand claims, suggested only when the post names them
    (a listed team still learns its home place from a corpus: `TagKinds._find_brands`)."""
    text = resources.files("taglens").joinpath("data/named_things.txt").read_text("utf-8")
    return frozenset(hashtag_key(line) for line in map(str.strip, text.splitlines()) if line and not line.startswith("#"))


def lexical_kind(key: str, g: Gazetteer | None = None, ambiguous: Iterable[str] = ()) -> str:
    """The kind of a tag read from its name alone (open-vocabulary candidates, tags
    with too little corpus evidence)."""
    key = hashtag_key(key)
    if key in JUNK or _JUNK_PATTERNS.match(key):
        return "junk"
    if key in EVENTS or _EVENT_PATTERNS.match(key):
        return "event"
    if key in named_things():
        return "brand"
    g = g or gazetteer()
    place = g.place(key)
    if place is not None and key not in set(ambiguous) and key not in _reviewed()["not_places"]:
        small = place.level == "city" and place.population < SMALL_TOWN
        if not (small and word_zipf(key) >= SMALL_TOWN_WORD):
            return "place"  # not #tabaco (Spanish 'tobacco'), #kota (Indonesian 'city'), #salt
    if affix_place(key, g, ambiguous):
        return "place"
    return "content"


_PLACE_SUFFIXES = ("life", "living", "eats", "food", "foodie", "style", "lovers", "lover", "love", "gram", "city",
                   "trip", "travel", "vibes", "nights", "night", "sunset", "beach", "girl", "native", "local",
                   "proud", "strong", "bound", "baby", "weekend", "adventures")
_PLACE_PREFIXES = ("visit", "ilove", "love", "explore", "discover", "only", "downtown", "greetingsfrom")


def affix_place(key: str, g: Gazetteer | None = None, ambiguous: Iterable[str] = ()) -> str | None:
    """The place inside a place-bound tag: #lalife -> losangeles, #visitjapan -> japan."""
    g = g or gazetteer()
    skip = set(ambiguous) | set(_reviewed()["not_places"])
    for suffix in _PLACE_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            inner = key[: -len(suffix)]
            if inner not in skip and g.place(inner) is not None and _strong_name(inner, g):
                return g.canonical(inner)
    for prefix in _PLACE_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix) + 3:
            inner = key[len(prefix):]
            if inner not in skip and g.place(inner) is not None and _strong_name(inner, g):
                return g.canonical(inner)
    return None


def _strong_name(key: str, g: Gazetteer) -> bool:
    """Big enough to be meant inside a longer tag: not a small town named like a word."""
    place = g.place(key)
    if place is None:
        return False
    if len(key) <= 3:
        return key in g.keys and g.places[g.keys[key]].level != "city" or place.population >= SMALL_TOWN or key in ("la", "sf", "nyc")
    return not (place.level == "city" and place.population < SMALL_TOWN and zipf(key) >= COMMON_WORD)


@dataclass
class TagKinds:
    """Kinds of a model's vocabulary (only the non-content tags are stored) plus the
    brands' anchor places; unknown keys are read lexically."""

    kinds: dict[str, str] = field(default_factory=dict)
    anchors: dict[str, str] = field(default_factory=dict)  # brand key -> place key
    ambiguous: set[str] = field(default_factory=set)  # place names the corpus uses as something else
    # kind() per key, across posts: grounding asks about every candidate of every post (~500 a post)
    _memo: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def kind(self, key: str) -> str:
        memo = self._memo.get(key)
        if memo is not None:
            return memo
        if len(self._memo) >= MEMO_SIZE:  # a server meets endless caption words: stay bounded
            self._memo.clear()
        self._memo[key] = found = self._kind(hashtag_key(key))
        return found

    def _kind(self, key: str) -> str:
        if key in self.kinds:
            return self.kinds[key]
        if key in self.ambiguous:
            return "content"
        return _lexical_cached(key)

    def anchor(self, key: str) -> str | None:
        return self.anchors.get(hashtag_key(key))

    def place_of(self, key: str, g: Gazetteer | None = None) -> str | None:
        """The canonical place a place tag claims (#london -> london, #lalife -> losangeles)."""
        g = g or gazetteer()
        key = hashtag_key(key)
        return g.canonical(key) or affix_place(key, g, self.ambiguous)

    # -- building -------------------------------------------------------------
    @classmethod
    def from_corpus(cls, keys: Sequence[str], counts: Sequence[int], cooccurrence: Any | None = None,
                    total_posts: int | None = None, g: Gazetteer | None = None) -> "TagKinds":
        """Classify a vocabulary; `cooccurrence` is the tag x tag post-count matrix
        (scipy sparse, as the cooccurrence scorer keeps it), or None for names only."""
        g = g or gazetteer()
        counts_arr = np.asarray(counts, dtype=np.float64)
        total = float(total_posts or max(counts_arr.sum(), 1.0))
        out = cls()
        lexical = {k: lexical_kind(k, g) for k in keys}
        named = {k for k in keys if g.place(k) is not None and k not in JUNK and lexical[k] != "event"}
        matrix = cooccurrence.tocsr() if cooccurrence is not None else None
        index = {k: i for i, k in enumerate(keys)}
        if matrix is not None:
            out.ambiguous = _ambiguous(keys, counts_arr, matrix, named, g, index)
        out.ambiguous |= set(_reviewed()["not_places"]) & named
        for key in keys:
            if key in out.ambiguous:
                continue
            # with a corpus, its company decides a place name; without, the name alone
            kind = "place" if key in named and matrix is not None else lexical[key]
            if kind != "content":
                out.kinds[key] = kind
        if matrix is not None:
            out._find_brands(keys, counts_arr, matrix, total, index)
        out._number_events(keys)
        out._memo.clear()  # built: nothing asked before this point may stand
        return out

    def _find_brands(self, keys: Sequence[str], counts: np.ndarray, matrix: Any, total: float,
                     index: Mapping[str, int]) -> None:
        places = np.array([self.kinds.get(k) == "place" for k in keys])
        if not places.any():
            return
        for i, key in enumerate(keys):
            listed = self.kinds.get(key) == "brand"  # data/named_things.txt: a brand, perhaps with a home
            if (key in self.kinds and not listed) or key in self.ambiguous or counts[i] < MIN_BRAND_POSTS:
                continue
            if not listed and (zipf(key) >= BRAND_WORD or (key.endswith("s") and key[:-1] in index)):
                continue  # a common word, or the plural of another tag (#sunsets), is not a venue
            row = matrix.getrow(i)
            cols, vals = row.indices, row.data
            mask = places[cols]
            if not mask.any():
                continue
            j = int(np.argmax(np.where(mask, vals, -1)))
            p, together = int(cols[j]), float(vals[j])
            share = together / counts[i]
            lift = share / max(counts[p] / total, 1e-9)
            if share >= BRAND_SHARE and lift >= BRAND_LIFT:
                self.kinds[key] = "brand"
                self.anchors[key] = keys[p]

    def _number_events(self, keys: Sequence[str]) -> None:
        """#disneyland60, #coachella17: a name with an anniversary or year number is an event."""
        known = set(keys)
        for key in keys:
            m = _NUMBER_SUFFIX.match(key)
            if m and key not in self.kinds and (m.group(1) in known or self.kinds.get(m.group(1))):
                if self.kinds.get(m.group(1)) in ("place", "brand", "event"):
                    self.kinds[key] = "event"
                    if m.group(1) in self.anchors or self.kinds.get(m.group(1)) == "place":
                        self.anchors[key] = self.anchors.get(m.group(1), m.group(1))

    # -- storage (JSON beside the model's vocab.json) ---------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"format": "taglens-tagkinds", "version": 1, "kinds": dict(sorted(self.kinds.items())),
                "anchors": dict(sorted(self.anchors.items())), "ambiguous": sorted(self.ambiguous)}

    def save(self, path: Path, provenance: str | None = None) -> None:
        data = self.to_dict()
        if provenance:
            data["provenance"] = provenance
        path.write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "TagKinds":
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != "taglens-tagkinds":
            raise ValueError(f"{path} is not a taglens tag-kinds file")
        kinds = {k: v for k, v in data["kinds"].items() if v in KINDS}
        return cls(kinds=kinds, anchors=dict(data.get("anchors", {})), ambiguous=set(data.get("ambiguous", [])))

    def counts(self) -> dict[str, int]:
        out = {k: 0 for k in KINDS if k != "content"}
        for kind in self.kinds.values():
            out[kind] = out.get(kind, 0) + 1
        return out


@functools.lru_cache(maxsize=100_000)
def _lexical_cached(key: str) -> str:
    return lexical_kind(key)


def _ambiguous(keys: Sequence[str], counts: np.ndarray, matrix: Any, named: set[str], g: Gazetteer,
               index: Mapping[str, int]) -> set[str]:
    """Place names the corpus uses as something else (see the module docstring)."""
    placey = np.zeros(len(keys), dtype=bool)
    for k in named | TRAVEL:
        if k in index:
            placey[index[k]] = True
    other = np.zeros(len(keys), dtype=bool)
    for k in CONTENT_SEEDS:
        if k in index:
            other[index[k]] = True
    weight = 1.0 / np.sqrt(np.maximum(counts, 1.0))  # so #love does not outvote everything
    out: set[str] = set()
    for key in named:
        z = zipf(key)
        if z < COMMON_WORD:
            continue  # 'agra', 'losangeles': not English words, always places
        place = g.place(key)
        i = index[key]
        row = matrix.getrow(i)
        vals = row.data * weight[row.indices]
        keep = row.indices != i
        near, far = float(vals[placey[row.indices] & keep].sum()), float(vals[other[row.indices] & keep].sum())
        evidence = float(row.data[(placey[row.indices] | other[row.indices]) & keep].sum())
        small = place is not None and place.level == "city" and place.population < SMALL_TOWN
        if small and z >= SMALL_TOWN_WORD:  # #sunset, #holiday, #gap: a word first, a small town second
            out.add(key)
            continue
        if evidence < MIN_EVIDENCE:
            continue
        if place is not None and place.level in ("country", "continent") and z < 4.5:
            continue  # #poland, #korea: countries keep their name unless it is a very common word
        if near / (near + far) < PLACE_COMPANY:
            out.add(key)
    return out


def kinds_for_model(keys: Sequence[str], counts: Sequence[int], cooccurrence: Any | None,
                    total_posts: int | None, folder: Path | None) -> TagKinds:
    """The model's tag kinds: the shipped file beside vocab.json when there, else computed."""
    if folder is not None and (folder / FILE).is_file():
        return TagKinds.load(folder / FILE)
    return TagKinds.from_corpus(keys, counts, cooccurrence, total_posts)
