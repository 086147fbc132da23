"""Profiles over the API (issue 16): off unless --profiles, a token off loopback, feedback."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from serve_toy import toy_recommender
from test_profile import user_posts

from taglens.errors import InputError
from taglens.profile.build import build_profile
from taglens.profile.store import ProfileStore
from taglens.serve import create_app
from taglens.serve.profiles import check_serve_options

TOKEN = "s3cret-token-0123456789"
CAPTION = {"caption": "Morning waves at the beach", "k": 8}


@pytest.fixture(scope="module")
def rec():
    return toy_recommender()


@pytest.fixture
def store(tmp_path) -> ProfileStore:
    store = ProfileStore(tmp_path / "profiles")
    store.save(build_profile("me", user_posts(), images=False))
    return store


def tags(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [h["tag"] for h in response.json()["hashtags"]]


def test_without_profiles_flag_profile_requests_are_refused(rec):
    client = TestClient(create_app(rec))
    assert client.get("/v1/profiles").json() == {"enabled": False, "profiles": []}
    response = client.post("/v1/suggest", json={**CAPTION, "profile": "me"})
    assert response.status_code == 403 and "--profiles" in response.json()["message"]
    assert client.post("/v1/feedback", json={"profile": "me", "rejected": ["#beach"]}).status_code == 403
    assert tags(client.post("/v1/suggest", json=CAPTION))  # the plain model still answers


def test_profile_field_brings_the_users_style_and_none_changes_nothing(rec, store):
    plain = TestClient(create_app(rec))
    client = TestClient(create_app(rec, profiles=store))
    assert client.get("/v1/profiles").json() == {"enabled": True, "profiles": ["me"]}
    assert tags(client.post("/v1/suggest", json=CAPTION)) == tags(plain.post("/v1/suggest", json=CAPTION))
    mine = client.post("/v1/suggest", json={**CAPTION, "profile": "me"}).json()["hashtags"]
    assert mine[0]["tag"] in {"#wavechaser", "#surfing"} and "you" in mine[0]["evidence"]
    multipart = client.post("/v1/suggest", files={"caption": (None, CAPTION["caption"]), "k": (None, "8"),
                                                  "profile": (None, "me")})
    assert [h["tag"] for h in multipart.json()["hashtags"]] == [h["tag"] for h in mine]
    assert client.post("/v1/suggest", json={**CAPTION, "profile": "nobody"}).status_code == 404
    assert client.post("/v1/suggest", json={**CAPTION, "profile": "../x"}).status_code == 422


def test_feedback_over_the_api(rec, store):
    client = TestClient(create_app(rec, profiles=store))
    before = tags(client.post("/v1/suggest", json={**CAPTION, "profile": "me"}))
    assert "#wavechaser" in before
    answer = client.post("/v1/feedback", json={"profile": "me", "rejected": ["#wavechaser"],
                                               "accepted": ["#glassy"], "caption": CAPTION["caption"]})
    assert answer.status_code == 200 and answer.json()["rejected"] == ["wavechaser"]
    after = tags(client.post("/v1/suggest", json={**CAPTION, "profile": "me", "k": 30}))
    assert "#wavechaser" not in after and "#glassy" in after
    assert store.load("me").rejected() == {"wavechaser"}
    bad = client.post("/v1/feedback", json={"profile": "me", "rejected": ["not a tag!"]})
    assert bad.status_code == 422


def test_token_guards_every_profile_request(rec, store):
    client = TestClient(create_app(rec, profiles=store, token=TOKEN))
    before = store.path("me").read_bytes()
    for method, url, body in (("get", "/v1/profiles", None),
                              ("post", "/v1/suggest", {**CAPTION, "profile": "me"}),
                              ("post", "/v1/feedback", {"profile": "me", "rejected": ["#surfing"]})):
        for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}):
            response = client.request(method, url, json=body, headers=headers)
            assert response.status_code == 401, (url, headers)
    assert store.path("me").read_bytes() == before  # nothing changed
    ok = client.post("/v1/suggest", json={**CAPTION, "profile": "me"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    assert client.get("/v1/profiles", headers={"X-Taglens-Token": TOKEN}).status_code == 200
    assert client.post("/v1/suggest", json=CAPTION).status_code == 200  # no profile: no token needed


def test_profiles_on_an_open_address_need_a_token(monkeypatch):
    monkeypatch.delenv("TAGLENS_SERVE_TOKEN", raising=False)
    assert check_serve_options("127.0.0.1", True, None) is None
    assert check_serve_options("::1", True, None) is None
    with pytest.raises(InputError, match="needs a token"):
        check_serve_options("0.0.0.0", True, None)
    with pytest.raises(InputError, match="needs a token"):
        check_serve_options("192.168.1.5", True, None)
    assert check_serve_options("0.0.0.0", True, TOKEN) == TOKEN
    assert check_serve_options("0.0.0.0", False, None) is None  # no profiles: nothing to guard
    monkeypatch.setenv("TAGLENS_SERVE_TOKEN", TOKEN)
    assert check_serve_options("0.0.0.0", True, None) == TOKEN
    with pytest.raises(InputError, match="16"):
        check_serve_options("0.0.0.0", True, "short")
