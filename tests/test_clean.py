"""Caption cleaning: what the text scorers read from a real-looking caption."""

from __future__ import annotations

from taglens.text.clean import clean, post_words, segment_tag, split_location, strip_noise, tokenize


def test_cross_post_place_is_kept_as_location_not_words():
    c = clean("Sunday walking through Venice with @user \ufe0f \ufe0f @ Abbot Kinney, Venice")
    assert c.location == "Abbot Kinney, Venice"
    assert "abbot" not in c.tokens and "venice" in c.tokens
    assert c.location_tokens == ("abbot", "kinney", "venice")


def test_swarm_checkin_and_truncated_place():
    assert clean("Chomp, belch! (@ Lucille's Smokehouse Bar-B-Que)").location == "Lucille's Smokehouse Bar-B-Que"
    assert clean("Full of love \ufe0f @ Los Angeles,…").location == "Los Angeles"
    assert clean('\ufe0f \ufe0f @ Toys"R"Us').tokens == ()


def test_mentions_are_not_places():
    c = clean("@user draw the line ~")
    assert c.location is None and c.tokens == ("draw", "line")
    assert split_location("lunch (at @user") == ("lunch (at @user", None)


def test_urls_mentions_emoji_and_entities_are_stripped():
    text = "Fish &amp; chips 🐟🍟 with @jane_doe https://t.co/abc www.example.com/x ❤️ #Yum…"
    assert strip_noise(text) == "Fish & chips with #Yum"
    c = clean(text)
    assert c.tokens == ("fish", "chips") and c.hashtags == ("yum",) and c.location is None


def test_tokens_lowercase_no_stopwords_no_bare_numbers():
    assert tokenize("The Cat's 2 BIG dogs in 2019!") == ["cat", "big", "dogs"]
    assert tokenize("The cat", drop_stopwords=False) == ["the", "cat"]


def test_hashtags_are_segmented_when_embedding():
    c = clean("Golden light #GoldenHour")
    assert c.hashtags == ("goldenhour",)
    assert c.words(segment_tags=False) == ["golden", "light"]
    assert c.words(segment_tags=True) == ["golden", "light", "golden", "hour"]
    assert segment_tag("#sun_set") and "".join(segment_tag("sunset2019")).startswith("sun")


def test_post_words_include_place_and_listed_tags():
    words = post_words("Nap time @ Los Angeles, California", ["losangeles"])
    assert words[:2] == ["nap", "time"]
    assert {"los", "angeles", "california"} <= set(words)


def test_odd_input_never_raises():
    for text in ("", "   ", "\ufe0f\ufe0f", "@ ", "@", "…", "&#;", "#", "@user", "🎉" * 50):
        c = clean(text)
        assert isinstance(c.tokens, tuple)


def test_swarm_companions_and_city_do_not_hide_the_place():
    assert split_location("Back at it (@ The Mirage Hotel & Casino - @user") == ("Back at it", "The Mirage Hotel & Casino")
    assert split_location("Dinner (@ Sushi Roku w/ @user")[1] == "Sushi Roku"
    assert split_location("Coffee (@ Starbucks in Phoenix, AZ)")[1] == "Starbucks in Phoenix, AZ"
    # a mention after a dash is no check-in
    assert split_location("me - @user is great") == ("me - @user is great", None)
