"""Personal style (issue 16): profiles on disk, --history vs --profile, feedback, hostile imports.

Everything runs on the toy corpus and a toy model trained here (no ../shared); the
profile's caption embeddings come from the packaged MiniLM encoder.
"""

from __future__ import annotations

import copy
import json
import lzma
import os
import stat
from pathlib import Path

import pytest
from conftest import toy_posts
from serve_toy import toy_recommender

from taglens.cli import main
from taglens.errors import InputError
from taglens.post import Post
from taglens.profile.attach import personal_recommender
from taglens.profile.build import add_feedback, build_profile
from taglens.profile.session import load_for
from taglens.profile.shrinkage import fit_trust
from taglens.profile.sources import read_history
from taglens.profile.store import ProfileStore

# The user: a surfer who always writes their own tags (#surfing, #wavechaser) next to beach words.
USER_POSTS = [
    ("u1", "Dawn patrol, glassy waves", ["#surfing", "#wavechaser", "#beach"]),
    ("u2", "Paddling out at sunrise", ["#surfing", "#wavechaser", "#sunrise"]),
    ("u3", "Big swell today, board waxed", ["#surfing", "#wavechaser"]),
    ("u4", "Pasta after the session", ["#food", "#pasta", "#wavechaser"]),
    ("u5", "Offshore wind and clean sets", ["#surfing", "#wavechaser", "#sea"]),
]


def user_posts() -> list[Post]:
    return [Post(id=i, text=t, hashtags=tags, meta={"time": 1000.0 + n}) for n, (i, t, tags) in
            enumerate(USER_POSTS)]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProfileStore:
    root = tmp_path / "profiles"
    monkeypatch.setenv("TAGLENS_PROFILES", str(root))
    return ProfileStore(root)


@pytest.fixture(scope="module")
def rec():
    return toy_recommender()


@pytest.fixture
def model_dir(tmp_path: Path, rec) -> Path:
    return rec.save(tmp_path / "model")


@pytest.fixture
def history(tmp_path: Path) -> Path:
    path = tmp_path / "mine.jsonl"
    path.write_text("".join(p.to_json() + "\n" for p in user_posts()), encoding="utf-8")
    return path


def keys(prediction) -> list[str]:
    return [s.key for s in prediction.hashtags]


def files_state(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir())} if root.exists() else {}


# -- create / show / delete, on disk -------------------------------------------------
def test_profile_create_show_list_delete_on_disk(store, history, capsys):
    assert main(["profile", "create", "me", "--from", str(history), "--no-images"]) == 0
    path = store.path("me")
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700
    capsys.readouterr()
    assert main(["profile", "list"]) == 0
    assert capsys.readouterr().out.split() == ["me"]
    assert main(["profile", "show", "me", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["posts"] == 5 and shown["tags"] == 7
    assert shown["top_tags"][0] == ["#wavechaser", 5] and shown["top_tags"][1] == ["#surfing", 4]
    import sqlite3

    with sqlite3.connect(path) as conn:  # counts and co-occurrences are on disk, readable without taglens
        assert conn.execute("SELECT count FROM tags WHERE key='surfing'").fetchone() == (4,)
        assert conn.execute("SELECT count FROM cooccurrence WHERE a='surfing' AND b='wavechaser'").fetchone() == (4,)
    assert main(["profile", "create", "me", "--from", str(history)]) == 2  # exists: refused
    assert main(["profile", "delete", "me"]) == 0
    assert not path.exists() and store.names() == []
    assert main(["profile", "show", "me"]) == 2
    assert "no profile named 'me'" in capsys.readouterr().err


def test_bad_profile_names_are_refused(store):
    for name in ("../evil", "a/b", "", ".hidden", "x" * 65):
        with pytest.raises(InputError):
            store.path(name)


def test_instaloader_folder_is_searched_recursively(tmp_path):
    target = tmp_path / "download" / "someuser"
    target.mkdir(parents=True)
    (target / "2020-05-01_10-00-00_UTC.txt").write_text("Second post #wavechaser", encoding="utf-8")
    (target / "2020-05-01_10-00-00_UTC.json.xz").write_bytes(
        lzma.compress(json.dumps({"node": {"shortcode": "B2"}}).encode()))
    (target / "2019-01-01_08-00-00_UTC.txt").write_text("First post #surfing #beach", encoding="utf-8")
    posts = read_history(tmp_path / "download")
    assert [p.id for p in posts] == ["instagram:2019-01-01_08-00-00_UTC", "instagram:B2"]  # oldest first
    assert posts[0].meta["time"] < posts[1].meta["time"]
    assert posts[0].hashtags == ["#surfing", "#beach"]
    with pytest.raises(InputError, match="no posts"):
        read_history(tmp_path / "download" / "someuser" / "2019-01-01_08-00-00_UTC.txt")


# -- no profile: exactly as before ---------------------------------------------------
def test_no_profile_gives_exactly_what_it_gave_before(rec):
    posts = toy_posts()
    before = [p.to_dict() for p in rec.suggest_many(posts, k=10)]
    assert load_for(rec) is rec
    view = personal_recommender(rec, build_profile("me", user_posts(), images=False))
    assert [p.to_dict() for p in view.suggest_many(posts, k=10)] != before  # the profile does change things
    assert [p.to_dict() for p in rec.suggest_many(posts, k=10)] == before  # ... and never the plain model
    assert "personal" not in {s.name for s in rec.scorers}


def test_profile_brings_the_users_own_tags_with_evidence_you(rec):
    view = personal_recommender(rec, build_profile("me", user_posts(), images=False))
    plain = rec.suggest("Morning waves at the beach", k=5)
    mine = view.suggest("Morning waves at the beach", k=5)
    assert "wavechaser" not in keys(plain)
    assert keys(mine)[0] in {"wavechaser", "surfing"}
    top = {s.key: s for s in mine.hashtags}
    assert "you" in top["wavechaser"].evidence
    assert view.personal.trust.trust > 0  # type: ignore[attr-defined]


# -- --history and --profile agree ------------------------------------------------------
def test_history_and_profile_give_the_same_result(store, history, model_dir, capsys, tmp_path):
    assert main(["profile", "create", "me", "--from", str(history), "--no-images"]) == 0
    capsys.readouterr()
    posts = tmp_path / "new.jsonl"
    posts.write_text("".join(Post(id=f"n{i}", text=t).to_json() + "\n" for i, t in enumerate(
        ["Clean waves this morning", "Pasta dinner", "Sunset swim", "Wind on the sea"])), encoding="utf-8")
    outputs = []
    for flag, value in (("--history", str(history)), ("--profile", "me")):
        assert main(["suggest", "--jsonl", str(posts), "--model", str(model_dir), flag, value]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert "#wavechaser" in outputs[0]
    assert main(["suggest", "--caption", "x", "--model", str(model_dir), "--profile", "me",
                 "--history", str(history)]) == 2


def test_batch_takes_a_profile(store, history, model_dir, tmp_path, capsys):
    from taglens.batch import suggest_file

    assert main(["profile", "create", "me", "--from", str(history), "--no-images"]) == 0
    posts = tmp_path / "new.jsonl"
    posts.write_text(Post(id="n1", text="Clean waves this morning").to_json() + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["suggest", "--jsonl", str(posts), "--model", str(model_dir), "--profile", "me"]) == 0
    single = capsys.readouterr().out
    result = suggest_file(str(model_dir), posts, tmp_path / "out.jsonl", profile="me")
    assert result.posts == 1
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == single


# -- feedback --------------------------------------------------------------------------
def test_rejected_tag_is_never_suggested_again(store, history, rec, capsys):
    assert main(["profile", "create", "me", "--from", str(history), "--no-images"]) == 0
    captions = ["Morning waves at the beach", "Surf trip", "Pasta night", "Sunset over the sea", ""]
    view = load_for(rec, profile="me", store=store)
    assert "wavechaser" in keys(view.suggest("Morning waves at the beach", k=5))
    assert main(["feedback", "me", "--rejected", "#wavechaser", "#beach"]) == 0
    view = load_for(rec, profile="me", store=store)
    for caption in captions:
        post = Post(text=caption, hashtags=["#surfing"] if not caption else [])
        for allow in (False, True):
            got = keys(view.suggest(post, k=len(rec.vocab) + 20, allow_banned=allow))
            assert "wavechaser" not in got and "beach" not in got
    assert "beach" in keys(rec.suggest("Morning waves at the beach", k=10))  # only this user's choice


def test_accepted_tag_ranks_higher_for_similar_posts(store, history, rec):
    store.save(build_profile("me", read_history(history), images=False))
    similar, other = "Clean glassy waves at dawn", "Homemade pizza for dinner"

    def rank(caption: str) -> tuple[int, float]:
        got = load_for(rec, profile="me", store=store).suggest(caption, k=40).hashtags
        found = [i for i, s in enumerate(got) if s.key == "sea"]
        return (found[0], got[found[0]].score) if found else (99, 0.0)

    before_similar, before_other = rank(similar), rank(other)
    store.update("me", lambda p: add_feedback(p, accepted=["#sea"], caption="Glassy waves at dawn"))
    after_similar, after_other = rank(similar), rank(other)
    assert after_similar[0] < before_similar[0]
    assert after_similar[0] <= after_other[0] and after_similar[1] > 2 * after_other[1]
    # it rises far more on the post like the one it was accepted for than on an unrelated one
    assert after_similar[1] - before_similar[1] > 2 * (after_other[1] - before_other[1])
    assert store.load("me").accepted() == {"sea"}


def test_feedback_refits_the_self_trust(store, history):
    assert main(["profile", "create", "me", "--from", str(history), "--no-images"]) == 0
    before = store.load("me").self_trust
    assert before is not None and before.replayed == len(USER_POSTS) - 3
    assert main(["feedback", "me", "--accepted", "#surfing", "--caption", "Clean lines at the point"]) == 0
    after = store.load("me").self_trust
    assert after.posts == before.posts + 1 and after.replayed == before.replayed + 1


def test_a_later_accept_undoes_a_reject(store, history, rec):
    profile = build_profile("me", read_history(history), images=False)
    add_feedback(profile, rejected=["#surfing"], when=1.0)
    assert profile.rejected() == {"surfing"}
    add_feedback(profile, accepted=["#surfing"], when=2.0)
    assert profile.rejected() == set() and profile.accepted() == {"surfing"}


# -- export / import, hostile files ------------------------------------------------------
def test_export_import_round_trip(store, history, rec, tmp_path, capsys):
    assert main(["profile", "create", "me", "--from", str(history), "--no-images"]) == 0
    assert main(["feedback", "me", "--rejected", "#beach"]) == 0
    out = tmp_path / "me.json"
    assert main(["profile", "export", "me", "-o", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert main(["profile", "import", str(out), "--name", "copy"]) == 0
    a = load_for(rec, profile="me", store=store).suggest("Morning waves", k=10)
    b = load_for(rec, profile="copy", store=store).suggest("Morning waves", k=10)
    assert a.to_dict() == b.to_dict()
    assert store.load("copy").rejected() == {"beach"}


def _hostile_variants(good: dict) -> list[tuple[str, object]]:
    """(why, data or raw text): each must be refused."""
    out: list[tuple[str, object]] = []

    def variant(why: str, change) -> None:  # noqa: ANN001
        data = copy.deepcopy(good)
        change(data)
        out.append((why, data))

    variant("format", lambda d: d.update(format="something-else"))
    variant("version", lambda d: d.update(format_version=99))
    variant("path name", lambda d: d.update(name="../../etc/passwd"))
    variant("unknown field", lambda d: d.update(extra=1))
    variant("posts not a list", lambda d: d.update(posts={"a": 1}))
    variant("bad tag", lambda d: d["posts"][0].update(tags=["#a b; DROP TABLE"]))
    variant("tag not a string", lambda d: d["posts"][0].update(tags=[{"x": 1}]))
    variant("time is a bool", lambda d: d["posts"][0].update(time=True))
    variant("short embedding", lambda d: d["posts"][0].update(text="AAAA"))
    variant("not base64", lambda d: d["posts"][0].update(text="%%%%" * 192))
    variant("not unit", lambda d: d["posts"][0].update(text="ADw=" * 384))  # all 1.0: norm 19.6
    variant("bad verdict", lambda d: d.update(feedback=[{"tag": "#a", "verdict": "maybe", "time": 1}]))
    variant("bad origin", lambda d: d["posts"][0].update(origin="server"))
    variant("post missing id", lambda d: d["posts"][0].pop("id"))
    variant("words not a list", lambda d: d["posts"][0].update(words="glassy waves"))
    variant("a word with a space", lambda d: d["posts"][0].update(words=["glassy waves"]))
    variant("a word not a string", lambda d: d["posts"][0].update(words=[7]))
    variant("too many words", lambda d: d["posts"][0].update(words=[f"w{i}" for i in range(5000)]))
    variant("self_trust not an object", lambda d: d.update(self_trust=[1, 2]))
    variant("self_trust scale a string", lambda d: d["self_trust"].update(scale="high"))
    variant("self_trust scale not from its counts", lambda d: d["self_trust"].update(scale=3.0))
    variant("self_trust unknown field", lambda d: d["self_trust"].update(weight=99))
    variant("self_trust on more posts", lambda d: d["self_trust"].update(posts=999))
    out.append(("NaN", json.dumps(good).replace('"time": 1000.0', '"time": NaN', 1)))
    out.append(("duplicate key", json.dumps(good)[:-1] + ', "name": "other"}'))
    out.append(("deep nesting", "[" * 100000 + "]" * 100000))
    out.append(("not JSON", "{not json"))
    out.append(("binary", b"\xff\xfe\x00garbage"))
    return out


def test_hostile_profile_json_is_rejected_and_changes_nothing(store, history, tmp_path, capsys):
    assert main(["profile", "create", "me", "--from", str(history), "--no-images"]) == 0
    good = store.export_json("me")
    assert any(p["text"] for p in good["posts"]) and any(p["words"] for p in good["posts"])
    assert good["self_trust"]["posts"] == len(USER_POSTS)  # fitted at create time, exported
    before = files_state(store.root)
    for i, (why, data) in enumerate(_hostile_variants(good)):
        path = tmp_path / f"hostile-{i}.json"
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        capsys.readouterr()
        for name in (None, "fresh"):
            args = ["profile", "import", str(path), "--replace"] + (["--name", name] if name else [])
            assert main(args) == 2, why
            err = capsys.readouterr().err
            assert err.startswith("taglens: error:") and len(err.strip().splitlines()) == 1, (why, err)
        assert files_state(store.root) == before, why
    assert store.names() == ["me"]


def test_import_refuses_to_overwrite_without_replace(store, history, tmp_path):
    store.save(build_profile("me", read_history(history), images=False))
    path = tmp_path / "me.json"
    path.write_text(json.dumps(store.export_json("me")), encoding="utf-8")
    with pytest.raises(InputError, match="exists"):
        store.import_json(path)


# -- shrinkage -----------------------------------------------------------------------------
def test_trust_grows_with_profile_size_and_with_reuse():
    def base(_key: str) -> float:
        return 1e-4

    habit = [["mine", "surf"], ["mine", "sea"], ["mine", "surf"], ["mine", "dawn"]]
    small, large = fit_trust(habit, base), fit_trust(habit * 10, base)
    assert 0 < small.trust < large.trust < 1
    novelty = [[f"t{i}", f"u{i}"] for i in range(40)]  # never reuses a tag
    assert fit_trust(novelty, base).trust < 0.05 < large.trust
    assert fit_trust([["a"]], base).trust == 0.0  # one post: nothing to learn from


def test_store_writes_atomically(store, history, monkeypatch):
    profile = build_profile("me", read_history(history), images=False)
    store.save(profile)
    before = files_state(store.root)
    import taglens.profile.store as module

    def broken(conn, profile):  # noqa: ANN001
        raise RuntimeError("disk full")

    monkeypatch.setattr(module, "_write_db", broken)
    with pytest.raises(RuntimeError):
        store.save(profile)
    assert files_state(store.root) == before
    assert not [p for p in os.listdir(store.root) if p.endswith(".tmp")]


def test_personal_scorer_save_load_round_trip(rec, tmp_path):
    from taglens.models.base import Query
    from taglens.models.scorers.personal import PersonalScorer

    scorer = PersonalScorer().set_profile(build_profile("me", user_posts(), images=False), {"surfing": 1.5})
    scorer.save(tmp_path / "personal")
    assert not list((tmp_path / "personal").glob("*.pkl"))
    loaded = PersonalScorer.load(tmp_path / "personal", scorer.params, rec.vocab)
    query = Query.from_post(Post(text="Glassy waves at dawn", hashtags=["#beach"]))
    again = Query.from_post(Post(text="Glassy waves at dawn", hashtags=["#beach"]))
    assert scorer.score(query, rec.vocab) == loaded.score(again, rec.vocab)
    assert "beach" not in scorer.score(query, rec.vocab)  # a given tag is never proposed


def test_a_profile_counts_as_support_for_its_own_tags(rec):
    """The personal scorer marks the user's own tags (not the rejected ones) as supported, and the
    photo-only rule then keeps such a tag although no image scorer proposed it."""
    from taglens.models.combiner import Ranked
    from taglens.query import PROFILE_SUPPORT, Query
    from taglens.recommend.photo_rules import PhotoRules

    profile = build_profile("me", user_posts(), images=False)
    add_feedback(profile, accepted=[], rejected=["#sea"])
    view = personal_recommender(rec, profile)
    query = Query.from_post(Post(id="p", images=["photo.jpg"]))
    view.score_batch([query])
    assert {"surfing", "wavechaser"} <= query.cache[PROFILE_SUPPORT]
    assert "sea" not in query.cache[PROFILE_SUPPORT]  # a rejected tag supports nothing
    ranked = [Ranked("wavechaser", 2.0, ["you"]), Ranked("dog", 1.0, ["popularity"])]
    image = {"image_topic": {"beach": 1.0}}
    kept = [r.key for r in PhotoRules(None).apply(query, image, ranked)]
    assert kept == ["wavechaser"]  # the user's own tag stays on a photo-only post; #dog does not
