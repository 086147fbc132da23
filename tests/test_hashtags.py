"""The one normaliser: what counts as a hashtag, its key and display form."""

import pytest

from taglens.hashtags import (
    display_form,
    extract_hashtags,
    hashtag_key,
    is_hashtag_body,
    parse_hashtag,
    remove_hashtags,
    unique_keys,
)


def displays(text: str) -> list[str]:
    return [t.display for t in extract_hashtags(text)]


def test_basic_extraction_keeps_display_and_order():
    assert displays("Golden hour #Sunset at the #pier") == ["#Sunset", "#pier"]
    assert [t.key for t in extract_hashtags("#Sunset #SUNSET #sunset")] == ["sunset"]


@pytest.mark.parametrize("text", ["#123", "#2019", "# sunset", "#", "##", "#_"])
def test_numbers_and_empty_bodies_are_not_tags(text):
    assert displays(text) == []


def test_letters_with_digits_are_tags():
    assert displays("#b2b #4ever #2019vibes") == ["#b2b", "#4ever", "#2019vibes"]


def test_tag_stops_at_punctuation_and_emoji():
    assert displays("love it #sunset! and #beach, #sea.") == ["#sunset", "#beach", "#sea"]
    assert displays("#sun🌞set") == ["#sun"]
    assert displays("#dog's day") == ["#dog"]
    assert displays("#one#two") == ["#one"]  # Twitter does not link a tag glued to another
    assert displays("#snake_case_tag") == ["#snake_case_tag"]


def test_not_a_tag_when_glued_to_a_word_or_entity():
    assert displays("abc#def") == []
    assert displays("don&#39;t") == []
    assert displays("(#inparens)") == ["#inparens"]


def test_unicode_letters_and_marks():
    assert displays("#café #東京 #привет #नमस्ते") == ["#café", "#東京", "#привет", "#नमस्ते"]
    assert displays("＃fullwidth") == ["#fullwidth"]


def test_key_is_nfkc_casefold_without_hash():
    assert hashtag_key("#CaféLife") == "cafélife"
    assert hashtag_key("#Straße") == "strasse"
    assert hashtag_key("#ｆｏｏｄ") == "food"  # full-width letters fold by NFKC
    assert hashtag_key("Cafe\u0301") == hashtag_key("#Café")  # decomposed vs composed


def test_parse_hashtag_validates_user_tags():
    assert parse_hashtag("sunset").display == "#sunset"
    assert parse_hashtag("#SunsetLover") .key == "sunsetlover"
    for bad in ["#123", "", "#sun set", "#sun!"]:
        with pytest.raises(ValueError):
            parse_hashtag(bad)


def test_is_hashtag_body_and_display_form():
    assert is_hashtag_body("b2b") and not is_hashtag_body("2019") and not is_hashtag_body("a b")
    assert display_form("  #SunsetLover ") == "#SunsetLover"


def test_remove_hashtags_only_the_named_keys():
    text = "Sunset #Beach vibes #sea #love"
    assert remove_hashtags(text, {"beach", "love"}) == "Sunset vibes #sea"
    assert remove_hashtags(text) == "Sunset vibes"
    assert remove_hashtags("price #1 today", {"1"}) == "price #1 today"


def test_unique_keys_dedupes_in_order():
    assert unique_keys(["#A", "a", "#b", "", "#B"]) == ["a", "b"]


def test_a_ligature_that_unfolds_into_words_is_not_a_tag() -> None:
    """'#ﷺ' (one Arabic ligature) is four words with spaces under NFKC: extract and Post agree it is no tag."""
    from taglens.hashtags import extract_hashtags
    from taglens.post import Post

    tags = extract_hashtags("قال رسول الله #ﷺ #مصر")
    assert [t.display for t in tags] == ["#مصر"]
    Post(id="x", text="#ﷺ", hashtags=[t.display for t in tags])  # what extract yields, Post accepts


def test_turkish_capital_dotted_i_folds_to_plain_i():
    # casefold() turns 'İ' into 'i' + U+0307; without dropping the dot '#İstanbul' would be a
    # different tag from '#istanbul', and no place lookup would find it
    assert hashtag_key("#İstanbul") == hashtag_key("#istanbul") == "istanbul"
    assert [h.key for h in extract_hashtags("#İZMİR #izmir")] == ["izmir"]
    assert hashtag_key("#ışık") == "ışık"  # the dotless ı is its own letter in Turkish
    assert hashtag_key("#Café\u0301") != "cafe"  # other combining marks stay
