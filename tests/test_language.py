"""taglens.text.language: caption language and the stopwords that never become tags."""

from __future__ import annotations

import pytest

from taglens.post import Post
from taglens.query import Query
from taglens.text import language
from taglens.text.language import detect_language, is_stopword, query_language, stopwords

CAPTIONS = {
    "en": "Golden hour at the beach with my friends",
    "es": "Atardecer en la playa con mis amigos, qué día tan bonito",
    "pt": "Pôr do sol na praia com meus amigos, que dia lindo",
    "de": "Sonnenuntergang am Strand mit meinen Freunden",
    "fr": "Coucher de soleil sur la plage avec mes amis",
    "it": "Tramonto sulla spiaggia con gli amici di sempre",
    "id": "Selamat pagi dari Bali, cuaca sangat cerah hari ini",
}


@pytest.mark.parametrize("code", sorted(CAPTIONS))
def test_detects_the_language_of_a_caption(code: str) -> None:
    found, confidence = detect_language(CAPTIONS[code])
    assert found == code
    assert 0.5 <= confidence <= 1.0


def test_tags_mentions_and_the_checkin_do_not_decide_the_language() -> None:
    caption = "Atardecer en la playa con mis amigos #sunset #goldenhour #beachlife @johnny @ Santa Monica Pier"
    assert detect_language(caption)[0] == "es"


def test_short_english_captions_default_to_english_not_a_rare_language() -> None:
    for caption in ("pizza night", "beach day", "sunset"):
        assert detect_language(caption)[0] == "en", caption


def test_nothing_to_read_is_undetermined() -> None:
    assert detect_language("") == ("und", 0.0)
    assert detect_language("#sunset #beach 🌅") == ("und", 0.0)
    assert detect_language("Guten Morgen")[0] in ("de", "und")  # never claimed English


def test_a_shouted_caption_is_read_in_lower_case() -> None:
    # as written py3langid reads the lower-case tail: Portuguese at 0.19; in lower case Italian at 0.99
    code, confidence = detect_language("FINISCE LA POLITICA, E CI LASCIA SOLI, da http http")
    assert code == "it" and confidence > 0.9


def test_a_weak_guess_is_settled_by_everyday_words() -> None:
    # py3langid: pt 0.45 and pl 0.34 (below MIN_CONFIDENCE); both words are everyday Portuguese
    assert detect_language("Hoje tem !!!!")[0] == "pt"
    # es 0.34 beside pt 0.29: 'pode' is Portuguese, so the words pick pt among the likely ones
    assert detect_language("Azul n pode perder socorro")[0] == "pt"


def test_names_and_slang_stay_undetermined() -> None:
    assert language._words_decide("Forza Beppeeeeee", language._identifier()) is None
    assert detect_language("@user @user Forza Beppeeeeee!")[0] == "und"
    assert language._words_decide("sunset", language._identifier()) is None  # one word never decides


def test_function_words_of_each_language_are_stopwords() -> None:
    cases = {"es": ["mis", "con", "la"], "pt": ["meus", "com", "que", "pôr"], "de": ["mit", "am", "meinen"],
             "fr": ["mes", "avec", "sur"], "it": ["con", "gli", "sulla"], "id": ["dari", "ini"]}
    for lang, words in cases.items():
        for word in words:
            assert is_stopword(word, lang), (lang, word)
            assert is_stopword(word.capitalize(), lang), (lang, word)


def test_romanised_hindi_function_words_are_hindi_stopwords_and_its_content_words_are_not() -> None:
    """stopwordsiso's Hindi list is Devanagari only; a Hinglish caption's 'ke', 'hai', 'saath'
    are function words all the same, and 'aaj' (today), 'ghar' (home), 'chai' are not."""
    assert detect_language("yaar aaj ka match bahut accha tha")[0] == "hi"
    for word in ("ke", "hai", "saath", "mein", "nahi", "kya", "bhi", "mera"):
        assert word not in language._stopwordsiso("hi") and is_stopword(word, "hi"), word
    for word in ("aaj", "ghar", "chai", "beach", "dosto", "khana"):
        assert not is_stopword(word, "hi"), word
    assert not is_stopword("ke", "pt") and not is_stopword("saath", "it")  # a Hindi word, not everyone's


def test_english_function_words_are_stopwords_whatever_the_language() -> None:
    for lang in ("pt", "de", "und", "ja"):
        for word in ("the", "with", "my", "you're"):
            assert is_stopword(word, lang), (lang, word)


def test_reviewed_content_words_are_not_stopwords() -> None:
    assert "dia" in language._stopwordsiso("pt") and not is_stopword("dia", "pt")
    assert "tag" in language._stopwordsiso("de") and not is_stopword("Tag", "de")
    assert "home" in language._stopwordsiso("en") and not is_stopword("home", "en")
    for word in ("new", "war", "world", "tiempo"):
        assert not is_stopword(word, "es") and not is_stopword(word, "en")


def test_content_words_are_not_stopwords() -> None:
    for word, lang in [("playa", "es"), ("praia", "pt"), ("strand", "de"), ("plage", "fr"),
                       ("spiaggia", "it"), ("sunset", "en"), ("pantai", "id")]:
        assert not is_stopword(word, lang), (word, lang)
    assert not stopwords("es") & {"playa", "amigos", "atardecer"}


def test_the_language_is_computed_once_per_query_and_cached() -> None:
    query = Query.from_post(Post(text=CAPTIONS["fr"]))
    assert query_language(query)[0] == "fr"
    assert query.cache["language"][0] == "fr"
    query.cache["language"] = ("it", 1.0)  # a filter that sees the cache sees the same answer
    assert query_language(query) == ("it", 1.0)
