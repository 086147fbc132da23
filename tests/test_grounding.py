"""Grounded suggestions: tag kinds, support rules, the list, and the claim metrics."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from taglens.errors import InputError
from taglens.evaluate.claims import claim_rates, post_claims
from taglens.models.scorers.openvocab import caption_candidates
from taglens.post import Post
from taglens.query import Query
from taglens.recommend import Recommender
from taglens.recommend.grounding import Grounding, concept, parse_allow
from taglens.text.language import detect_language, is_stopword
from taglens.text.places import gazetteer
from taglens.text.tagkinds import TagKinds
from taglens.vision.labels import PLACE_HEADS_KEY


def cooccurrence(keys: list[str], lists: list[list[str]]) -> tuple[list[int], sparse.csr_matrix]:
    """Counts and the tag x tag post-count matrix of some tag lists (as the cooccurrence scorer keeps it)."""
    index = {k: i for i, k in enumerate(keys)}
    rows, cols = [], []
    counts = [0] * len(keys)
    for tags in lists:
        ids = sorted({index[t] for t in tags})
        for a in ids:
            counts[a] += 1
            rows += [a] * (len(ids) - 1)
            cols += [b for b in ids if b != a]
    m = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(keys), len(keys)))
    m.sum_duplicates()
    return counts, m


# A fixture corpus: 'nice' is tagged beside #cute and #love, 'paris' beside #france and #travel,
# 'dodgers' with #losangeles, and the rest as its name says.
FIXTURE = ([["paris", "france", "travel"]] * 6 + [["nice", "cute", "love", "dog"]] * 6
           + [["dodgers", "losangeles", "baseball"]] * 8 + [["losangeles", "beach", "sunset"]] * 2
           + [["london", "travel", "england"]] * 4 + [["beach", "sunset", "tbt"]] * 4
           + [["christmas", "tree"]] * 3 + [["coachella2017", "music"]] * 2 + [["cute", "dog", "love"]] * 20)
FIXTURE_KEYS = sorted({t for tags in FIXTURE for t in tags})


@pytest.fixture(scope="module")
def kinds() -> TagKinds:
    counts, matrix = cooccurrence(FIXTURE_KEYS, FIXTURE)
    return TagKinds.from_corpus(FIXTURE_KEYS, counts, matrix, len(FIXTURE))


def test_tag_kinds_on_a_fixture_vocabulary(kinds: TagKinds) -> None:
    assert {k: kinds.kind(k) for k in ("paris", "france", "london", "england", "losangeles")} == dict.fromkeys(
        ("paris", "france", "london", "england", "losangeles"), "place")
    assert kinds.kind("nice") == "content" and "nice" in kinds.ambiguous  # beside #cute and #love, not places
    assert kinds.kind("christmas") == "event" and kinds.kind("coachella2017") == "event"
    assert kinds.kind("dodgers") == "brand" and kinds.anchor("dodgers") == "losangeles"
    assert kinds.kind("tbt") == "junk"
    assert kinds.kind("beach") == kinds.kind("dog") == kinds.kind("sunset") == "content"
    assert kinds.kind("Agra") == "place"  # not in the vocabulary: read from the gazetteer
    for word in ("turkey", "sakura", "chihuahua", "paradise"):
        assert kinds.kind(word) == "content", word
    assert kinds.kind("batman") == "brand"  # the franchise (data/named_things.txt), not the Turkish city
    assert kinds.kind("lalife") == "place" and kinds.place_of("lalife") == "losangeles"


def test_tag_kinds_round_trip(kinds: TagKinds, tmp_path) -> None:
    kinds.save(tmp_path / "tagkinds.json")
    again = TagKinds.load(tmp_path / "tagkinds.json")
    assert again.kinds == kinds.kinds and again.anchors == kinds.anchors and again.ambiguous == kinds.ambiguous


def test_the_shipped_tag_kinds_are_what_the_gazetteer_and_lists_make_now() -> None:
    """tagkinds.json is a cache of TagKinds.from_corpus over the default model (written by
    scripts/build_tagkinds.py): an edit to places.json or named_things.txt that is not rebuilt
    into it silently serves the old kinds (it once lacked 93 brand-derived kinds and every CJK
    city name). Rebuild it when this fails."""
    from taglens.models.model_dir import load_model, resolve_model_path
    from taglens.text.tagkinds import FILE

    folder = resolve_model_path(None)
    bundle = load_model(folder)
    counts = next(s.counts for s in bundle.scorers if s.name == "cooccurrence")
    fresh = TagKinds.from_corpus(bundle.vocab.keys, bundle.vocab.counts, counts, bundle.vocab.total_posts)
    shipped = TagKinds.load(folder / FILE)
    assert shipped.kinds == fresh.kinds and shipped.anchors == fresh.anchors and shipped.ambiguous == fresh.ambiguous
    assert shipped.kind("pnw") == "place" and shipped.kind("lululemon") == "brand"


def test_gazetteer_regions() -> None:
    g = gazetteer()
    assert {"india", "asia"} <= g.region_keys("agra") and "california" not in g.region_keys("agra")
    assert {"london", "england", "unitedkingdom", "uk"} <= g.region_keys("thames")
    assert "losangeles" == g.canonical("la") == g.canonical("dtla")
    assert g.find_in_text("Sunrise over the Taj Mahal in Agra") == ["tajmahal", "agra"]
    assert g.find_in_text("Best pizza in town, reading a book") == []
    assert g.find_in_text("Atardecer en la playa") == []  # Spanish 'la' is not Los Angeles
    # a US state's postal code after a comma and a city of that state is the state
    assert g.find_in_text("Jazz brunch (at @user in New Orleans, LA)") == ["neworleans", "louisiana"]
    assert g.find_in_text("Brunch in Santa Monica, CA") == ["santamonica", "california"]
    assert g.find_in_text("Hollywood, LA vibes") == ["hollywood", "losangeles"]  # not a Louisiana city
    assert g.find_in_text("Night out in LA") == ["losangeles"]
    # a short name is read in lower case only where no language has the word: 'pdx', not 'la' or 'sf'
    assert g.find_in_text("Coffee and rain in pdx") == ["portland"]
    assert g.find_in_text("Landed at sfo") == ["sanfrancisco"]
    assert g.find_in_text("Brunch in sf today") == [] and g.find_in_text("Brunch in SF today") == ["sanfrancisco"]
    # a landmark named with everyday words is read only as a name: capitalised
    assert g.find_in_text("A walk in the grove behind our house") == []
    assert g.find_in_text("Shopping at The Grove") == ["thegrove"] and g.find_in_text("Game day at the Rose Bowl") == ["rosebowl"]
    assert g.find_in_text("sunrise over the taj mahal") == ["tajmahal"]  # no everyday words: any case
    # a big city's name is no everyday word, though as common ('edinburgh', Zipf 3.9): before, a landmark
    # named by it and a word was read only capitalised, and 'Edinburgh castle' supported no #edinburgh
    assert g.find_in_text("Edinburgh castle in the mist") == ["edinburghcastle"]
    assert "edinburgh" in g.region_keys("edinburghcastle")
    assert g.find_in_text("golden temple at dawn") == []  # 'golden' names a town of 20,000, still a word
    assert g.find_in_text("Sea lions at Pier 39 today") == ["pier39"]  # a number is neither case
    # a region is read by its key as well as its name; a short key only in capitals, as other short names
    assert g.find_in_text("Weekend in the PNW") == ["pnw"] and g.find_in_text("Back to SoCal") == ["socal"]
    assert g.find_in_text("Best crabs in the DMV") == ["dmv"] and g.find_in_text("dmv line is so long") == []
    assert g.place("dmv").level == "region"  # #dmv (DC, Maryland, Virginia) is a place claim the post must name


def test_a_city_named_like_a_word_of_the_captions_language() -> None:
    """Dutch says 'amsterdam' as often as Portuguese says 'praia': a town named like a common
    word of the caption's language is that word unless the name is known abroad, the city is
    big enough and the caption writes it capitalised mid-sentence."""
    g = gazetteer()
    assert g.find_in_text("Lekker fietsen langs de grachten van Amsterdam", lang="nl") == ["amsterdam"]
    assert g.find_in_text("Weekend à Lyon avec les copains", lang="fr") == ["lyon"]
    assert g.find_in_text("Jantar no Porto com amigos", lang="pt") == ["porto"]
    assert g.find_in_text("Um dia lindo na praia", lang="pt") == []  # the word for beach
    assert g.find_in_text("O porto estava cheio de barcos", lang="pt") == []  # a harbour
    assert g.find_in_text("Feliz Natal a todos os amigos", lang="pt") == []  # Christmas, not the city
    assert g.find_in_text("Ich will essen in Essen", lang="de") == []  # 'essen' is known only at home
    # German capitalises its nouns, so case cannot tell the mountains from the city; an article can
    assert g.find_in_text("Wanderung in den Bergen heute", lang="de") == []
    assert g.find_in_text("Wochenende in Bergen, Norwegen", lang="de") == ["bergen"]


def test_a_citys_other_name_rare_in_english_is_read_only_capitalised() -> None:
    """'Pesto' is Pest's Italian name (Budapest's half): 'basil pesto' had supported #europe and
    #hungary. A city's other names rarer than an everyday English word need capitals; its own
    name and common nicknames do not ('philly cheesesteak', 'tokyo at night')."""
    g = gazetteer()
    assert g.find_in_text("Homemade pasta with basil pesto") == []
    assert g.find_in_text("weekend in münchen") == [] and g.find_in_text("Weekend in München") == ["munich"]
    assert g.find_in_text("philly cheesesteak") == ["philadelphia"] and g.find_in_text("tokyo at night") == ["tokyo"]


# A deliberately skewed corpus: most posts, whatever they show, carry #california or #losangeles.
SKEWED = [
    ("Golden hour at the beach", ["#beach", "#sunset", "#california"]),
    ("Beach day with friends", ["#beach", "#friends", "#losangeles"]),
    ("Waves all day", ["#beach", "#surf", "#california", "#losangeles"]),
    ("Walk with the dog", ["#dog", "#dogsofinstagram", "#california"]),
    ("My dog loves the park", ["#dog", "#park", "#losangeles"]),
    ("Street food night", ["#food", "#streetfood", "#losangeles", "#california"]),
    ("Tacos tonight", ["#food", "#tacos", "#california"]),
    ("Sunset again", ["#sunset", "#california", "#losangeles"]),
    ("Temples of Kyoto", ["#japan", "#kyoto", "#travel"]),
    ("Tokyo nights", ["#japan", "#tokyo", "#travel"]),
    ("Delhi markets", ["#india", "#travel", "#food"]),
    ("Cats at home", ["#cat", "#cats", "#catsofinstagram", "#kitty", "#tbt"]),
]
SKEWED_CONFIG = {
    "vocab": {"min_count": 1},
    "scorers": [{"name": "popularity"}, {"name": "cooccurrence"}, {"name": "openvocab"}],
    "combiner": {"type": "weighted", "weights": {"popularity": 1.0, "cooccurrence": 1.0, "openvocab": 0.5}},
}


@pytest.fixture(scope="module")
def skewed() -> Recommender:
    posts = [Post(id=f"s{i}", text=t, hashtags=h) for i, (t, h) in enumerate(SKEWED)]
    return Recommender.train(posts, SKEWED_CONFIG)


def places_in(rec: Recommender, post: Post | str, k: int = 5, **options) -> list[str]:
    prediction = rec.suggest(post, k=k, **options)
    return [s.key for s in prediction.hashtags if rec.grounding.kind(s.key) == "place"]


def test_a_placeless_caption_gets_no_place_tag_from_a_skewed_model(skewed: Recommender) -> None:
    for caption in ("Golden hour at the beach with friends", "Long walk with the dog", "Street food night market"):
        assert places_in(skewed, caption) == [], caption
        ungrounded = Recommender(skewed.bundle, grounded=False).suggest(caption, k=5)
        assert {"california", "losangeles"} & {s.key for s in ungrounded.hashtags}  # the skew is real
        assert places_in(skewed, caption, allow="place")  # and --allow place brings it back


def test_a_named_place_brings_its_region_and_not_another(skewed: Recommender) -> None:
    found = places_in(skewed, "Cherry blossoms in Kyoto")
    assert "japan" in found or "kyoto" in found
    assert not {"california", "losangeles", "india", "tokyo"} & set(found)
    found = places_in(skewed, Post(text="Tacos at the beach @ Venice Beach"))
    assert set(found) <= {"california", "losangeles"} and found


def test_the_json_says_what_kind_of_claim_a_tag_is(skewed: Recommender) -> None:
    data = skewed.suggest("Cherry blossoms in Kyoto", k=5).to_dict()
    kinds = {h["tag"].lstrip("#").lower(): h["kind"] for h in data["hashtags"]}
    assert kinds.get("japan", kinds.get("kyoto")) == "place"
    assert set(kinds.values()) <= {"place", "event", "brand", "junk", "content"}


def test_junk_ranks_below_content_and_one_variant_per_concept(skewed: Recommender) -> None:
    post = Post(text="Cats at home", hashtags=["#catsofinstagram"])
    got = [s.key for s in skewed.suggest(post, k=5).hashtags]
    assert sum(1 for k in got if concept(k) == "cat") == 1
    assert "tbt" not in got[:2]
    if "tbt" in got:
        assert all(skewed.grounding.kind(k) == "junk" for k in got[got.index("tbt"):])
    both = [s.key for s in skewed.suggest(post, k=5, allow="variants,junk").hashtags]
    assert sum(1 for k in both if concept(k) == "cat") >= 2
    assert concept("catsofinstagram") == concept("kitty") == concept("cats") == "cat"
    assert concept("beach") != concept("cat")


def test_events_need_the_post_to_be_about_them(kinds: TagKinds) -> None:
    grounding = Grounding(kinds)
    assert grounding.supported("christmas", Query.from_post(Post(text="Christmas morning with the family")))
    assert not grounding.supported("christmas", Query.from_post(Post(text="Pumpkin spice season is here")))
    neighbours = {"knn": {"christmas": 0.35}}  # a third of the neighbours' vote is not a majority
    assert not grounding.supported("christmas", Query.from_post(Post(text="Pumpkin spice season")), neighbours)
    assert grounding.supported("christmas", Query.from_post(Post(text="Decorating the tree")), {"knn": {"christmas": 0.6}})
    spanish = Query.from_post(Post(text="Decorando el árbol con mi familia esta noche"))
    assert not grounding.supported("christmas", spanish, {"knn": {"christmas": 0.6}})  # neighbours in another language
    assert grounding.supported("dodgers", Query.from_post(Post(text="Game night @ Los Angeles, California")))
    assert not grounding.supported("dodgers", Query.from_post(Post(text="Baseball night")))


def test_a_named_venue_is_a_place_claim_its_name_or_city_supports(kinds: TagKinds) -> None:
    """#staplescenter once led an Indonesian vape shop's caption (the cross-lingual table's
    match): a venue tag claims the post is there, as #losangeles does (places.json landmarks)."""
    grounding = Grounding(kinds)
    for venue, city in [("staplescenter", "losangeles"), ("attpark", "sanfrancisco"), ("fremontstreet", "lasvegas"),
                        ("balboapark", "sandiego"), ("kerrypark", "seattle")]:
        assert kinds.kind(venue) == "place", venue
        assert gazetteer().place(venue).parents == (city,), venue
        assert not grounding.supported(venue, Query.from_post(Post(text="Pesanan khusus dari customer")))
    named = Query.from_post(Post(text="Adele at Staples Center tonight"))
    assert grounding.supported("staplescenter", named) and grounding.supported("losangeles", named)
    assert not grounding.supported("attpark", named)  # another city's venue
    for word in ("dogpark", "nationalpark", "farmersmarket", "cityhall"):  # kinds of place, not one place
        assert kinds.kind(word) == "content", word


def test_profile_and_landmark_hooks_count_as_support(kinds: TagKinds) -> None:
    grounding = Grounding(kinds)
    query = Query.from_post(Post(text="Sunset walk"))
    query.cache["profile.supported"] = {"paris"}
    assert grounding.supported("paris", query)
    photo = Query.from_post(Post(text="What a view"))
    photo.cache["vision.landmarks"] = {"eiffeltower"}
    assert grounding.supported("france", photo) and not grounding.supported("london", photo)


@pytest.mark.parametrize("caption", [
    "Atardecer en la playa con mis amigos, qué día tan bonito",
    "Pôr do sol na praia com meus amigos, que dia lindo",
    "Sonnenuntergang am Strand mit meinen Freunden, was für ein Tag",
    "Coucher de soleil sur la plage avec mes amis, quelle belle journée",
    "Tramonto sulla spiaggia con i miei amici, che bella giornata",
])
def test_no_stopword_tag_from_captions_in_five_languages(caption: str, skewed: Recommender) -> None:
    lang = detect_language(caption)[0]
    assert lang in ("es", "pt", "de", "fr", "it")
    made = caption_candidates(caption, lang)
    single = [k for k, (display, _s) in made.items() if sum(c.isupper() for c in display) <= 1]
    assert single and not [k for k in single if is_stopword(k, lang)]
    suggested = [s.key for s in skewed.suggest(caption, k=10).hashtags]
    assert not [k for k in suggested if is_stopword(k, lang)]


def test_allow_names_the_rules_and_refuses_others() -> None:
    assert parse_allow("place, junk") == {"place", "junk"}
    assert parse_allow(None) == frozenset() and parse_allow("all") >= {"place", "event", "junk"}
    with pytest.raises(InputError, match="unknown --allow"):
        parse_allow("places")


def test_claim_metrics_count_hand_made_cases(kinds: TagKinds) -> None:
    grounding = Grounding(kinds)
    posts = [Post(text="Long walk with the dog"),           # placeless
             Post(text="Long walk with the dog"),           # placeless, gets a place tag
             Post(text="Sunrise over the Taj Mahal in Agra"),
             Post(text="Fish and chips by the Thames"),
             Post(text="Pumpkin spice season is here"),
             Post(text="Game night @ Los Angeles, California")]
    rankings = [["dog", "walk"],
                ["dog", "losangeles"],                      # unsupported place
                ["sunrise", "india", "london"],             # named region hit, and an unrelated place
                ["england", "food"],                        # a region of the Thames: supported
                ["pumpkin", "christmas"],                   # unsupported event
                ["dodgers", "california"]]                  # brand anchored to the check-in: supported
    assert post_claims(posts[1], rankings[1], grounding)["unsupported place"] is True
    assert post_claims(posts[0], rankings[0], grounding)["named place or region"] is None
    rates = claim_rates(posts, rankings, grounding)
    assert rates["n"] == 6 and rates["n named"] == 3
    assert rates["place tag"] == pytest.approx(4 / 6)
    assert rates["unsupported place"] == pytest.approx(2 / 6)
    assert rates["unsupported event/brand"] == pytest.approx(1 / 6)
    assert rates["named place or region"] == pytest.approx(1.0)
    assert rates["unrelated place"] == pytest.approx(1 / 3)


def test_evaluate_reports_claim_rates_for_every_system(skewed: Recommender) -> None:
    from taglens.evaluate.protocol import build_task
    from taglens.evaluate.report import evaluation_markdown
    from taglens.evaluate.runner import FUSED, UNGROUNDED, evaluate_all

    posts = [Post(id=f"e{i}", text=t, hashtags=h) for i, (t, h) in enumerate(SKEWED)]
    result = evaluate_all(skewed, build_task(posts, "caption"), with_similarity=False, ablation=False)
    assert set(result.claims) == set(result.systems) and FUSED in result.claims
    assert result.claims[FUSED]["unsupported place"] == 0.0
    assert result.claims[UNGROUNDED]["unsupported place"] > 0.0  # the skewed model guesses California
    assert "Unsupported claims" in evaluation_markdown(result) and "claims" in result.to_dict()


def test_the_evaluation_ranks_what_is_served(skewed: Recommender) -> None:
    """rank_grounded goes through the recommender's one serving tail: the same keys as
    `suggest`, for captions in several languages and with --allow rules."""
    from taglens.evaluate.runner import rank_grounded, score_posts

    posts = [Post(id=f"r{i}", text=t) for i, (t, _) in enumerate(SKEWED)]
    posts += [Post(id="x1", text="Cherry blossoms in Kyoto"), Post(id="x2", text="Atardecer en la playa con mis amigos"),
              Post(id="x3", text="Cats at home", hashtags=["#catsofinstagram"])]
    queries, per = score_posts(skewed, posts)
    for allow in (frozenset(), frozenset({"place", "junk"})):
        ranked = rank_grounded(skewed, queries, per, skewed.banned, 5, allow)
        served = [[s.key for s in skewed.suggest(p, k=5, allow=",".join(allow) or None).hashtags] for p in posts]
        assert ranked == served
    with pytest.raises(ValueError):
        rank_grounded(skewed, queries, per, {"other"}, 5)


def test_captions_in_scripts_without_word_lists_are_served(skewed: Recommender) -> None:
    for caption in ("人気の10種類フレーバー 東京", "서울 야시장", "北京烤鸭 好吃"):  # wordfreq needs MeCab/jieba for these
        assert skewed.suggest(caption, k=5).hashtags is not None
        caption_candidates(caption)


def test_a_post_that_carries_an_engagement_tag_is_not_told_to_drop_them(skewed: Recommender) -> None:
    """'unless the user's own history or settings use them': a post tagged #repost by its author
    tags that way, so junk keeps its place in the ranking (as with allow=junk)."""
    from taglens.query import Query

    grounding = skewed.grounding
    assert grounding.kind("repost") == "junk" and grounding.kind("tbt") == "junk"
    plain, tagged = Query.from_post(Post(text="Cats at home")), Query.from_post(Post(text="x", hashtags=["#repost"]))
    assert not grounding.uses_junk(plain) and grounding.uses_junk(tagged)
    ranked = [("tbt", 3.0), ("cat", 2.0), ("home", 1.0)]
    assert [k for k, _ in grounding.arrange(ranked, plain, 3)] == ["cat", "home", "tbt"]
    assert [k for k, _ in grounding.arrange(ranked, tagged, 3)] == ["tbt", "cat", "home"]


def _near(similarity: float, tags: str, language: str = "en", words: str | None = None):
    from taglens.recommend.grounding import Neighbour

    return Neighbour(similarity, frozenset(tags.split()), language, None if words is None else frozenset(words.split()))


def test_subject_support_needs_same_language_and_same_subject() -> None:
    from taglens.recommend.grounding import subject_share, subject_support

    party = Query(Post(id="q", text="Super Bowl party with the guys tonight"))
    assert query_lang(party) == "en"
    on_topic = [_near(0.62, "superbowl party"), _near(0.60, "superbowl"), _near(0.58, "superbowl nfl"),
                _near(0.50, "beach"), _near(0.49, "food")]
    assert subject_support(party, "superbowl", on_topic, typical=0.47)
    assert not subject_support(party, "beach", on_topic, typical=0.47)  # one holder, a small share
    # the same posts in another language support nothing for an English caption
    spanish = [_near(n.similarity, " ".join(n.tags), "es") for n in on_topic]
    assert subject_share(party, "superbowl", spanish, typical=0.47) == 0.0
    # below the language's typical similarity, without a shared word: not on the subject
    assert not subject_support(party, "superbowl", on_topic, typical=0.70)
    # ... but a shared content word makes them on-subject ('bowl', 'party'), whatever the cosine
    worded = [_near(n.similarity, " ".join(n.tags), "en", "super bowl party") for n in on_topic[:3]] + on_topic[3:]
    assert subject_support(party, "superbowl", worded, typical=0.70)
    stop_only = [_near(n.similarity, " ".join(n.tags), "en", "the with and") for n in on_topic[:3]] + on_topic[3:]
    assert not subject_support(party, "superbowl", stop_only, typical=None)  # stopwords are no subject


def test_subject_support_matches_inflected_words_as_the_multilingual_gate_does() -> None:
    """One 'same subject' test (text/subject.py): a German caption's 'Freunden' meets a
    neighbour's 'freunde', as the multilingual scorer's gate already matched them; a
    lookalike ('presente' / 'presidente') is no shared subject."""
    from taglens.recommend.grounding import subject_support

    german = Query(Post(id="g", text="Abendessen mit meinen Freunden am Wochenende"))
    inflected = [_near(s, "tatort", "de", "freunde sonntag") for s in (0.62, 0.60, 0.58)] + [_near(0.5, "beach", "de")]
    assert subject_support(german, "tatort", inflected, typical=0.70)
    spanish = Query(Post(id="s", text="Un presente para mi madre"))
    lookalike = [_near(s, "debate", "es", "presidente") for s in (0.62, 0.60, 0.58)] + [_near(0.5, "playa", "es")]
    assert not subject_support(spanish, "debate", lookalike, typical=0.70)


def test_subject_support_reads_each_neighbour_list_own_words() -> None:
    """Neighbours' words are kept per query (every candidate asks again); lists made in turn
    on one query must each be read for their own words, never an earlier list's."""
    from taglens.recommend.grounding import subject_support

    party = Query(Post(id="q", text="Super Bowl party with the guys tonight"))
    for i in range(60):
        words = "super bowl party" if i % 3 == 0 else "the with and"
        near = [_near(s, "superbowl", "en", words) for s in (0.62, 0.60, 0.58)] + [_near(0.5, "beach")]
        assert subject_support(party, "superbowl", near, typical=0.70) == (i % 3 == 0)


def test_subject_support_pumpkin_spice_is_not_christmas() -> None:
    """The real shape of the default model's neighbours for 'Pumpkin spice season is here': one
    post tagged #christmas near the top, the other holders generic (under the typical 0.47)."""
    from taglens.recommend.grounding import subject_support

    pumpkin = Query(Post(id="q", text="Pumpkin spice season is finally here"))
    near = [_near(0.611, "christmas", words="christmas"), _near(0.473, "christmas2016 donuts", words="christmas donuts"),
            _near(0.46, "pumpkinspice latte", words="pumpkin spice latte"), _near(0.429, "christmas sweettreats"),
            _near(0.418, "christmas star bokeh"), _near(0.412, "christmas thanksgiving")]
    assert not subject_support(pumpkin, "christmas", near, typical=0.47)
    assert subject_support(pumpkin, "christmas", near, typical=0.40)  # were they all typical, they would vote


def query_lang(query: Query) -> str:
    from taglens.text.language import query_language

    return query_language(query)[0]


def test_a_junk_word_the_caption_writes_is_content_for_that_post(kinds: TagKinds) -> None:
    grounding = Grounding(kinds)
    ranked = [("love", 5.0), ("sushi", 4.0), ("dinner", 3.0), ("foodie", 2.0), ("japanesefood", 1.0), ("yum", 0.5)]

    def top(caption: str, items=ranked) -> list[str]:
        return [k for k, _ in grounding.arrange(list(items), Query.from_post(Post(text=caption)), 5)]

    assert "love" not in top("Sushi dinner with friends tonight")[:4]  # #love as the 4th tag of a sushi dinner is noise
    assert top("Love this sushi dinner with friends")[0] == "love"  # the user's own word
    tbt = [("tbt", 5.0), ("lake", 4.0), ("summer", 3.0), ("friends", 2.0), ("sun", 1.0), ("swim", 0.5)]
    assert top("Throwin it back to last summer at the lake", tbt)[0] == "tbt"
    assert top("Tbt to last summer at the lake", tbt)[0] == "tbt"
    assert "tbt" not in top("Last summer at the lake", tbt)  # no throwback written: ranked after the content
    repost = [("repost", 5.0), ("hair", 4.0), ("salon", 3.0), ("fresh", 2.0), ("cut", 1.0), ("style", 0.5)]
    assert top("Fresh new cut by @user with repostapp", repost)[0] == "repost"
    like = [("like", 5.0), ("rain", 4.0), ("clouds", 3.0), ("sky", 2.0), ("storm", 1.0), ("grey", 0.5)]
    assert "like" not in top("Looks like rain again today", like)[:5]  # a stopword is no #like


def test_concepts_do_not_merge_different_things() -> None:
    assert concept("news") != concept("new") and concept("blues") != concept("blue")
    assert concept("vans") != concept("van") and concept("facetime") != concept("face")
    assert concept("nightlife") != concept("night") and concept("lovelife") != concept("life")
    assert concept("sunsets") == concept("sunset") and concept("familytime") == concept("family")
    assert concept("tbt") == concept("flashbackfriday") == concept("throwback")  # one throwback in five


def test_a_landmark_the_photo_shows_supports_its_place(kinds: TagKinds) -> None:
    from taglens.recommend.grounding import photo_landmarks

    per = {"image_labels/landmarks": {"eiffeltower": 0.9, "bigben": 0.2}, "image_concepts": {"castle": 0.9},
           "knn": {"paris": 0.9, "london": 0.8, "france": 0.5}}
    heads = {"image_labels/landmarks"}  # the heads whose cards declare their labels places
    assert photo_landmarks(per, kinds, table={}, place_heads=heads) == {"eiffeltower"}  # sure, not weak
    assert photo_landmarks(per, kinds, table={"castle": "edinburgh"}, place_heads=heads) == {"eiffeltower", "edinburgh"}
    assert photo_landmarks({"knn": {"paris": 1.0}}, kinds, table={}, place_heads={"knn"}) == set()  # text is no photo
    assert photo_landmarks(per, kinds, table={}) == set()  # an undeclared head's label is no place
    query = Query.from_post(Post(text="What a view"))
    query.cache[PLACE_HEADS_KEY] = set(heads)  # as ImageLabelsScorer writes it for a --places head
    kept = Grounding(kinds).filter_scores({k: dict(v) for k, v in per.items()}, query)
    assert "paris" in kept["knn"] and "france" in kept["knn"] and "london" not in kept["knn"]
    assert Grounding(kinds).filter_scores({"knn": {"paris": 0.9}}, Query.from_post(Post(text="What a view"))) == {"knn": {}}


def test_a_breed_named_after_a_place_supports_no_place(kinds: TagKinds) -> None:
    """The pets head's 'Bombay' (a cat) proposed #bombay at 0.9; it must not make #india or
    #mumbai 'shown' by the photo, as it did before heads declared their labels places."""
    per = {"image_labels/pets": {"cat": 0.9, "bombay": 0.9, "bombaycat": 0.8}, "cooccurrence": {"india": 0.6}}
    kept = Grounding(kinds).filter_scores({k: dict(v) for k, v in per.items()}, Query.from_post(Post(text="")))
    assert "india" not in kept["cooccurrence"]


def test_the_default_models_neighbours_feed_subject_support() -> None:
    """NeighbourSource over a kNN scorer's arrays: a caption inside a cluster of #christmas posts
    is supported by them; one far from every post (only generic neighbours) is not."""
    from types import SimpleNamespace

    from taglens.models.scorers.sentence import CACHE_KEY
    from taglens.recommend.grounding import NeighbourSource, subject_support

    rng = np.random.default_rng(0)
    dim, keys = 16, ["christmas", "tree", "food", "dog"]
    centre = np.eye(dim)[0]
    festive = centre + 0.25 * rng.normal(size=(30, dim))
    generic = rng.normal(size=(60, dim))
    emb = np.vstack([festive, generic]).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    lists = [[0, 1]] * 30 + [[2] if i % 2 else [3] for i in range(60)]
    knn = SimpleNamespace(embeddings=emb, has_text=np.ones(90, bool), k=10,
                          indptr=np.cumsum([0] + [len(t) for t in lists]), tag_ids=np.asarray([i for t in lists for i in t]))
    source = NeighbourSource(knn, keys)
    assert source.typical is not None and -1.0 < source.typical < 1.0

    def supported(vector: np.ndarray, caption: str) -> bool:
        query = Query.from_post(Post(text=caption))
        query.cache[CACHE_KEY] = (vector / np.linalg.norm(vector)).astype(np.float32)
        neighbours, typical = source(query)
        assert len(neighbours) == 10 and all(n.language == "en" for n in neighbours)
        return subject_support(query, "christmas", neighbours, typical)

    assert supported(centre, "Decorating the house with the kids tonight")
    assert not supported(np.eye(dim)[5] - centre, "Pumpkin spice season is finally here")
    # the kNN scorer's own vote, left in the query, is reused as it is (no second pass over the posts)
    query = Query.from_post(Post(text="Decorating the house with the kids tonight"))
    query.cache["knn.near"] = (np.arange(30, 40), np.full(10, 0.9, dtype=np.float32))
    neighbours, _typical = source(query)
    assert [n.tags for n in neighbours] == [frozenset({k}) for k in ["dog", "food"] * 5]


def test_tag_kinds_memo_gives_the_same_kinds_and_stays_bounded(monkeypatch) -> None:
    from taglens.text import tagkinds as tk

    kinds = tk.TagKinds(kinds={"tbt": "junk", "london": "place"})
    fresh = tk.TagKinds(kinds={"tbt": "junk", "london": "place"})
    monkeypatch.setattr(tk, "MEMO_SIZE", 3)
    keys = ["#TBT", "tbt", "london", "#London", "christmas", "sunset", "tbt"]
    assert [kinds.kind(k) for k in keys] == [fresh._kind(tk.hashtag_key(k)) for k in keys]
    assert kinds.kind("#TBT") == "junk" and kinds.kind("London") == "place"
    assert len(kinds._memo) <= 3


def test_a_broader_concept_waits_for_what_else_the_photo_shows(kinds: TagKinds) -> None:
    """#animal and #pet beside #dog say nothing #dog did not: within five slots they go after
    the other content (#grass, #running), unless the caption writes them; a narrower tag after a
    broader one (#dog after #animal) and unrelated broad words (#nature) keep their place."""
    from taglens.vision.concepts import load_concepts

    table = load_concepts()
    dog, pizza = table.named_by("dog"), table.named_by("pizza")
    assert table.broader(table.lemma_concepts["animal"], dog) and table.broader(table.lemma_concepts["pet"], dog)
    assert table.broader(table.lemma_concepts["food"], pizza) and not table.broader(table.lemma_concepts["food"], dog)
    assert not table.broader(dog, table.lemma_concepts["animal"]) and not table.broader(dog, dog)
    assert not table.broader(dog, table.named_by("labradorretriever"))  # the everyday name stays beside the breed
    # WordNet's cat holds the lynx and the cougar beside the house cats: #pet is still broader than #cat
    assert table.broader(table.lemma_concepts["pet"], table.named_by("cat"))
    assert not table.broader(table.lemma_concepts["pet"], table.named_by("horse"))
    grounding = Grounding(kinds)
    ranked = [("dog", 6.0), ("animal", 5.0), ("pet", 4.0), ("grass", 3.0), ("running", 2.0), ("nature", 1.0),
              ("ball", 0.5)]

    def top(caption: str, items=ranked, allow: frozenset[str] = frozenset()) -> list[str]:
        return [k for k, _ in grounding.arrange(list(items), Query.from_post(Post(text=caption)), 5, allow)]

    assert top("") == ["dog", "grass", "running", "nature", "ball"]
    assert top("My pet at the park") == ["dog", "pet", "grass", "running", "nature"]  # the user's own word
    assert top("", allow=frozenset({"broader"})) == ["dog", "animal", "pet", "grass", "running"]
    assert top("", [("animal", 3.0), ("dog", 2.0), ("grass", 1.0)]) == ["animal", "dog", "grass"]
    assert top("", [("dog", 3.0), ("pet", 2.0), ("animal", 1.0)]) == ["dog", "pet", "animal"]  # nothing else to show
    assert parse_allow("broader") == frozenset({"broader"})


def test_a_list_of_ten_starts_with_the_list_of_five(kinds: TagKinds) -> None:
    """The variant and broader rules work five slots at a time, so asking for ten tags never
    changes the first five (the evaluation ranks ten and scores the top 5: it must score what a
    user asking for five sees). A slot the broader rule frees goes to the next new concept, not
    to a second variant of one already placed (#dogs beside #dog)."""
    grounding = Grounding(kinds)
    ranked = [("dog", 9.0), ("dogs", 8.5), ("doglover", 8.0), ("blackandwhite", 7.0), ("pet", 6.0),
              ("animal", 5.5), ("puppy", 5.0), ("snow", 4.0), ("white", 3.0), ("pets", 2.5), ("whippet", 2.0),
              ("grass", 1.0), ("cat", 0.5), ("kitten", 0.4)]

    def top(limit: int) -> list[str]:
        return [k for k, _ in grounding.arrange(list(ranked), Query.from_post(Post(text="")), limit)]

    five, ten = top(5), top(10)
    assert five == ["dog", "blackandwhite", "snow", "white", "whippet"]
    assert ten[:5] == five and len(ten) == 10
    assert ten[5] == "dogs"  # the variant waits for the next five, and leads it
    assert "pet" not in ten and "pet" in top(15)  # a broad tag waits while a dog is in its five
    assert ten[6:8] == ["grass", "cat"]  # then new concepts; repeats only once the new ones run out
    # a named place's country is pulled into the first five, the same slot whatever the length
    boston = Query.from_post(Post(text="Hello @ Boston, Massachusetts"))
    filler = [(f"w{i}", 20.0 - i) for i in range(12)]
    ranked = [("boston", 30.0), ("massachusetts", 25.0), *filler, ("usa", 1.0)]
    lists = {k: [key for key, _ in grounding.arrange(list(ranked), boston, k)] for k in (5, 10)}
    assert "usa" in lists[5] and lists[10][:5] == lists[5]


def test_a_named_brand_or_person_needs_the_post_to_name_it(kinds: TagKinds) -> None:
    """#nike, #snapchat, #justinbieber (data/named_things.txt) claim the post is about that
    thing: the caption must name it, or the user's own profile use it; --allow brand lets them by."""
    grounding = Grounding(kinds)
    for key in ("nike", "snapchat", "justinbieber", "starwars"):
        assert kinds.kind(key) == "brand" and kinds.anchor(key) is None, key
    for word in ("apple", "jordan", "instagram"):  # everyday words or tag habits: left out of the list
        assert kinds.kind(word) != "brand", word
    sushi = Query.from_post(Post(text="Sushi dinner with friends tonight"))
    assert not grounding.supported("snapchat", sushi) and not grounding.supported("nike", sushi)
    assert grounding.supported("nike", Query.from_post(Post(text="My new Nike running shoes")))
    assert grounding.supported("justinbieber", Query.from_post(Post(text="Justin Bieber live tonight!")))
    assert not grounding.supported("justinbieber", Query.from_post(Post(text="Justin and me at the beach")))
    mine = Query.from_post(Post(text="Sushi dinner with friends tonight"))
    mine.cache["profile.supported"] = {"nike"}
    assert grounding.supported("nike", mine)
    scores = {"popularity": {"snapchat": 0.9, "sushi": 0.8, "nike": 0.7}}
    assert set(grounding.filter_scores(scores, Query.from_post(Post(text="Sushi dinner")))["popularity"]) == {"sushi"}
    allowed = grounding.filter_scores(scores, Query.from_post(Post(text="Sushi dinner")), allow=frozenset({"brand"}))
    assert set(allowed["popularity"]) == {"snapchat", "sushi", "nike"}


def test_a_one_poster_tag_is_not_copied_from_a_neighbour(kinds: TagKinds) -> None:
    """A tag one or two training posts carry (#floodchurch) is one poster's name for their own
    thing: kNN, TF-IDF and co-occurrence do not copy it onto another caption unless the caption
    writes it or the profile uses it; a scorer that matched the tag's words still may, a tag
    more posts carry is copied as before, and --allow rare switches the rule off."""
    uses = {"floodchurch": 1, "tadejbakerorthodontics": 2, "church": 3, "paris": 1}
    grounding = Grounding(kinds, uses=uses)
    per = {"knn": {"floodchurch": 0.9, "tadejbakerorthodontics": 0.8, "church": 0.7},
           "tfidf": {"floodchurch": 0.5}, "cooccurrence": {"tadejbakerorthodontics": 0.4},
           "sentence": {"floodchurch": 0.6, "church": 0.5}}
    plain = Query.from_post(Post(text="Sunday service with the youth group"))
    kept = grounding.filter_scores({k: dict(v) for k, v in per.items()}, plain)
    assert kept == {"knn": {"church": 0.7}, "tfidf": {}, "cooccurrence": {},
                    "sentence": {"floodchurch": 0.6, "church": 0.5}}
    written = Query.from_post(Post(text="Great night at Flood Church"))
    assert set(grounding.filter_scores({k: dict(v) for k, v in per.items()}, written)["knn"]) == {"floodchurch", "church"}
    mine = Query.from_post(Post(text="Sunday service with the youth group"))
    mine.cache["profile.supported"] = {"tadejbakerorthodontics"}
    assert grounding.filter_scores({k: dict(v) for k, v in per.items()}, mine)["cooccurrence"] == {
        "tadejbakerorthodontics": 0.4}
    allowed = grounding.filter_scores({k: dict(v) for k, v in per.items()}, plain, allow=frozenset({"rare"}))
    assert allowed == per
    # a one-poster place tag is the place rule's to judge: named, it is copied like any other
    paris = Query.from_post(Post(text="Back in Paris at last"))
    assert grounding.filter_scores({"knn": {"paris": 0.9}}, paris) == {"knn": {"paris": 0.9}}
    assert Grounding(kinds).filter_scores({k: dict(v) for k, v in per.items()}, plain)["knn"] == per["knn"]


def test_a_photo_gets_no_one_poster_tag_from_image_text(kinds: TagKinds) -> None:
    """image_text matches a tag's words to the photo; a photo of a painting shows no
    hairdresser's name, so on a post of pictures only its one-poster tags (#byjamesnicholas) are
    held to the rule like the photo kNN's, while a tag more posts carry and a described word (no
    count) stay. A caption lifts it (on captioned Instagram posts the rule cost A@5)."""
    grounding = Grounding(kinds, uses={"byjamesnicholas": 1, "hairbycarolchristine": 2, "painting": 40})
    per = {"image_text": {"byjamesnicholas": 0.044, "hairbycarolchristine": 0.039, "painting": 0.03, "canvas": 0.02},
           "image_topic": {"painting": 0.3}}
    photo = Query.from_post(Post(images=["artwork.jpg"]))
    assert grounding.filter_scores({k: dict(v) for k, v in per.items()}, photo)["image_text"] == {
        "painting": 0.03, "canvas": 0.02}
    # a rare tag that names a thing a photo shows (a concept: #applepie, two posts in a tweet corpus)
    # stays, and so does one a labels head proposes for the photo
    grounding.uses.update({"applepie": 1, "beefcarpaccio": 2})
    dish = {"image_text": {"applepie": 0.05, "beefcarpaccio": 0.04, "byjamesnicholas": 0.03},
            "image_labels/food": {"beefcarpaccio": 0.9}}
    kept = grounding.filter_scores({k: dict(v) for k, v in dish.items()}, Query.from_post(Post(images=["dish.jpg"])))
    assert kept["image_text"] == {"applepie": 0.05, "beefcarpaccio": 0.04}
    captioned = Query.from_post(Post(text="An afternoon at the museum", images=["artwork.jpg"]))
    assert grounding.filter_scores({k: dict(v) for k, v in per.items()}, captioned)["image_text"] == per["image_text"]
    tagged = Query.from_post(Post(hashtags=["#museum"], images=["artwork.jpg"]))
    assert "byjamesnicholas" in grounding.filter_scores({k: dict(v) for k, v in per.items()}, tagged)["image_text"]


def test_a_photo_gets_no_coined_phrase_a_few_posts_carry(kinds: TagKinds) -> None:
    """A venue's, a shop's or a slogan's name (#meetmeattheabbey, #paintthenight: a phrase with a
    function word) that at most PHRASE_USES training posts carry is held to the rule on a post of
    pictures only; a word tag as rare (#canoe), a phrase many posts carry, and the same phrase
    on a captioned post stay."""
    from taglens.recommend import grounding as module
    from taglens.recommend.grounding import PHRASE_USES, coined_phrase

    assert coined_phrase("meetmeattheabbey") and coined_phrase("hairbyconnie") and coined_phrase("paintthenight")
    assert not coined_phrase("canoe") and not coined_phrase("beeftartare") and not coined_phrase("goldenhour")
    uses = {"meetmeattheabbey": 6, "paintthenight": PHRASE_USES, "canoe": 5, "photooftheday": PHRASE_USES + 1}
    grounding = Grounding(kinds, uses=uses)
    per = {"image_knn": {k: 0.5 for k in uses}, "image_text": {k: 0.4 for k in uses}}
    photo = Query.from_post(Post(images=["painting.jpg"]))
    kept = grounding.filter_scores({k: dict(v) for k, v in per.items()}, photo)
    assert set(kept["image_knn"]) == set(kept["image_text"]) == {"canoe", "photooftheday"}
    captioned = Query.from_post(Post(text="Friday night out", images=["bar.jpg"]))
    assert grounding.filter_scores({k: dict(v) for k, v in per.items()}, captioned) == per
    mine = Query.from_post(Post(images=["bar.jpg"]))
    mine.cache["profile.supported"] = {"meetmeattheabbey"}
    assert "meetmeattheabbey" in grounding.filter_scores({k: dict(v) for k, v in per.items()}, mine)["image_knn"]
    module.PHRASE_USES = 0  # off: as before 2026-12-08
    try:
        assert grounding.filter_scores({k: dict(v) for k, v in per.items()}, Query.from_post(Post(images=["p.jpg"]))) == per
    finally:
        module.PHRASE_USES = PHRASE_USES


def test_a_models_grounding_knows_how_many_posts_carry_each_tag(skewed: Recommender) -> None:
    """The rule reads the vocabulary's counts; a model trained on a few posts (every tag rare) has none."""
    from types import SimpleNamespace

    from taglens.recommend.grounding import RARE_MIN_POSTS, grounding_for

    assert skewed.vocab.total_posts < RARE_MIN_POSTS and skewed.grounding.uses == {}
    vocab = SimpleNamespace(keys=["floodchurch", "church"], counts=[1, 40], total_posts=RARE_MIN_POSTS)
    big = grounding_for(SimpleNamespace(vocab=vocab, scorers=[], path=None))
    assert big.uses == {"floodchurch": 1, "church": 40}


def test_a_city_named_in_japanese_supports_its_place(skewed: Recommender) -> None:
    found = places_in(skewed, "京都の桜がきれい")
    assert found and set(found) <= {"kyoto", "japan", "京都"}
    assert not {"california", "losangeles"} & set(places_in(skewed, "公園で犬と散歩"))


def test_a_piece_of_the_captions_phrase_goes_after_the_phrase(kinds: TagKinds) -> None:
    """#Taj and #Mahal after #TajMahal say a piece of what the list already says: they go after
    every other tag. A piece that is the more used tag keeps its place (#cat after #rescuecat),
    a piece ranked above its phrase too, and --allow variants switches the rule off."""
    uses = {"tajmahal": 40, "taj": 3, "rescuecat": 200, "cat": 9000, "sunrise": 800, "india": 700}
    grounding = Grounding(kinds, uses=uses)

    def top(caption: str, ranked: list[str], allow: frozenset[str] = frozenset()) -> list[str]:
        items = [(k, float(len(ranked) - i)) for i, k in enumerate(ranked)]
        return [k for k, _ in grounding.arrange(items, Query.from_post(Post(text=caption)), 5, allow)]

    taj = "Sunrise over the Taj Mahal in Agra"
    assert top(taj, ["sunrise", "tajmahal", "taj", "mahal", "india", "agra", "morning"]) == \
        ["sunrise", "tajmahal", "india", "agra", "morning"]
    assert top(taj, ["taj", "tajmahal", "sunrise"]) == ["taj", "tajmahal", "sunrise"]  # the word came first
    assert top(taj, ["tajmahal", "taj", "sunrise"], allow=frozenset({"variants"})) == ["tajmahal", "taj", "sunrise"]
    assert top("Just adopted a rescue cat", ["rescuecat", "cat", "rescue", "adoptdontshop"]) == \
        ["rescuecat", "cat", "adoptdontshop", "rescue"]
    assert top("Taj and Mahal", ["tajmahal", "taj", "sunrise"])[1] == "taj"  # not adjacent: no phrase
