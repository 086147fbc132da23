"""The REST API through FastAPI's TestClient: every endpoint, every error, never a 5xx for bad input."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from serve_toy import image_bytes, toy_recommender

from taglens.errors import InputError
from taglens.serve import ServeLimits, create_app

LIMITS = ServeLimits(max_upload_bytes=300_000, max_images=3, max_pixels=500_000,
                     max_video_seconds=1.0, max_k=30)


@pytest.fixture(scope="module")
def recommender():
    return toy_recommender()


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    folder = tmp_path / "uploads"
    folder.mkdir()
    return folder


@pytest.fixture
def client(recommender, uploads: Path) -> TestClient:
    return TestClient(create_app(recommender, limits=LIMITS, upload_dir=uploads),
                      raise_server_exceptions=False)


def jpeg_part(name: str = "photo.jpg", data: bytes | None = None, ctype: str = "image/jpeg"):
    return ("images", (name, image_bytes() if data is None else data, ctype))


def assert_error(response, status: int, needle: str = "") -> dict:
    """An error is JSON with the status, a phrase and a message; never HTML, never 5xx."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status and body["error"] and body["message"]
    assert needle.lower() in body["message"].lower(), body["message"]
    return body


@pytest.fixture(scope="module")
def short_video(tmp_path_factory) -> bytes:
    """A real 2-second MP4 (16x16, 10 fps), made with PyAV."""
    import av
    import numpy as np

    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        for i in range(20):
            frame = av.VideoFrame.from_ndarray(np.full((16, 16, 3), i * 10, np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path.read_bytes()


# -- the happy paths ------------------------------------------------------------------

def test_healthz_and_models(client: TestClient) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok"
    models = client.get("/v1/models").json()
    assert models["model"]["scorers"] == ["popularity", "cooccurrence"]
    assert models["model"]["tags"] > 5 and models["model"]["training_posts"] == 10
    assert models["limits"]["max_images"] == 3 and "default" in models["shipped"]


def test_platforms_table(client: TestClient) -> None:
    table = client.get("/v1/platforms").json()
    by_name = {p["name"]: p for p in table["platforms"]}
    assert by_name["instagram"]["limit"] == 5 and by_name["threads"]["limit"] == 1
    assert set(by_name) == {"instagram", "tiktok", "x", "threads", "linkedin", "pinterest", "mastodon"}
    assert table["as_of"]


def test_docs_openapi_and_page(client: TestClient) -> None:
    docs = client.get("/docs").text
    assert "swagger" in docs.lower() and "cdn." not in docs  # served from the package: works offline
    script = docs.split('src="', 1)[1].split('"', 1)[0]
    assert client.get(script).status_code == 200
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/v1/suggest"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)
    assert "/v1/segment" in spec["paths"]
    page = client.get("/")
    assert page.status_code == 200 and "taglens" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/static/app.js").status_code == 200


def test_suggest_json(client: TestClient) -> None:
    r = client.post("/v1/suggest", json={"caption": "waves", "hashtags": ["#beach"], "k": 4})
    assert r.status_code == 200, r.text
    body = r.json()
    tags = body["hashtags"]
    assert len(tags) == 4 and body["took_ms"] >= 0 and body["topic"] is None
    assert set(tags[0]) == {"tag", "display", "score", "evidence", "reach", "kind"}
    assert tags[0]["kind"] in ("place", "event", "brand", "junk", "content")
    assert "#beach" not in [t["tag"].lower() for t in tags]
    assert tags[0]["tag"] == "#sea"  # co-occurs with #beach most in the toy corpus
    assert tags[0]["display"] == "#Sea" and tags[0]["evidence"] == ["cooccurrence"]
    assert [t["score"] for t in tags] == sorted((t["score"] for t in tags), reverse=True)
    assert all(t["reach"] in {"broad", "medium", "niche"} for t in tags)


def test_suggest_json_hashtags_as_a_string_and_in_the_caption(client: TestClient) -> None:
    listed = client.post("/v1/suggest", json={"hashtags": "#beach, sunset", "k": 5}).json()
    written = client.post("/v1/suggest", json={"caption": "evening #beach #sunset", "k": 5}).json()
    assert listed["hashtags"] == written["hashtags"]
    assert not {"beach", "sunset"} & {t["tag"].lstrip("#") for t in listed["hashtags"]}


@pytest.mark.parametrize("platform,limit", [("instagram", 5), ("Threads", 1), ("x", 2)])
def test_suggest_platform_trims(client: TestClient, platform: str, limit: int) -> None:
    body = client.post("/v1/suggest", json={"hashtags": ["#food"], "k": 20, "platform": platform}).json()
    assert len(body["hashtags"]) == limit
    assert body["platform"]["name"] == platform.lower()


def test_suggest_multipart_with_images_cleans_up(client: TestClient, uploads: Path) -> None:
    files = [jpeg_part("a.jpg"), jpeg_part("b.png", image_bytes("PNG"), "image/png"),
             jpeg_part("c.webp", image_bytes("WEBP"), "application/octet-stream")]
    r = client.post("/v1/suggest", data={"caption": "pasta night", "hashtags": "#food", "k": "3",
                                         "platform": ""}, files=files)
    assert r.status_code == 200, r.text
    assert len(r.json()["hashtags"]) == 3
    assert list(uploads.iterdir()) == []  # the request's temp folder is gone


def test_the_recommender_sees_the_uploaded_files(recommender, uploads: Path, short_video: bytes,
                                                 monkeypatch) -> None:
    seen = {}

    def spy(post, **kwargs):
        seen.update(images=[Path(p).read_bytes()[:3] for p in post.images],
                    video=Path(post.video).stat().st_size, thread=threading.current_thread().name,
                    kwargs=kwargs)
        return type(recommender).suggest(recommender, post, **kwargs)

    monkeypatch.setattr(recommender, "suggest", spy)
    client = TestClient(create_app(recommender, limits=ServeLimits(max_video_seconds=5), upload_dir=uploads))
    r = client.post("/v1/suggest", data={"caption": "beach"}, files=[
        jpeg_part(), ("video", ("clip.mp4", short_video, "video/mp4"))])
    assert r.status_code == 200, r.text
    assert seen["images"] == [b"\xff\xd8\xff"] and seen["video"] == len(short_video)
    assert seen["thread"] != threading.main_thread().name and "worker" in seen["thread"].lower()
    assert seen["kwargs"] == {"k": 10, "platform": None, "tag_language": "any", "allow": frozenset()}
    assert list(uploads.iterdir()) == []


def test_segment(client: TestClient) -> None:
    from taglens.text.segment import segment

    r = client.post("/v1/segment", json={"hashtags": ["#sunsetlover", "foodporn", "#TBT"]})
    assert r.status_code == 200, r.text
    segments = r.json()["segments"]
    assert [s["tag"] for s in segments] == ["#sunsetlover", "#foodporn", "#TBT"]
    for item in segments:  # the segmenter's words, lower-case, and a CamelCase form of the same tag
        assert item["words"] == [w.lower() for w in segment(item["tag"])]
        assert "".join(item["words"]) == item["tag"][1:].lower()
        assert item["camel_case"].lower() == item["tag"].lower() and item["camel_case"][1].isupper()
    assert segments[2]["camel_case"] == "#TBT"  # written with capitals: kept as written


# -- every error: JSON with a message, a 4xx, never a 5xx ---------------------------------

BAD_JSON = [
    (b"{broken", 400, "bad JSON"),
    (b"\xff\xfe\x00", 400, "bad JSON"),
    (b"[1, 2]", 422, "object"),
    (json.dumps({"caption": "x", "k": 0}).encode(), 422, "k"),
    (json.dumps({"caption": "x", "k": "many"}).encode(), 422, "k"),
    (json.dumps({"caption": "x", "k": 2.5}).encode(), 422, "k"),
    (json.dumps({"caption": "x", "k": True}).encode(), 422, "whole number"),
    (json.dumps({"caption": "x", "k": 31}).encode(), 422, "at most 30"),
    (json.dumps({"caption": "x", "platform": "myspace"}).encode(), 422, "unknown platform"),
    (json.dumps({"caption": "x", "hashtags": ["#123"]}).encode(), 422, "not a hashtag"),
    (json.dumps({"caption": "x", "hashtags": [3]}).encode(), 422, "hashtags"),
    (json.dumps({"caption": "x", "colour": "red"}).encode(), 422, "colour"),
    (json.dumps({"caption": 42}).encode(), 422, "caption"),
    (json.dumps({"caption": "x" * 5001}).encode(), 422, "5000"),
    (json.dumps({"caption": "   "}).encode(), 422, "give a caption"),
]


@pytest.mark.parametrize("body,status,needle", BAD_JSON)
def test_bad_json_bodies(client: TestClient, body: bytes, status: int, needle: str) -> None:
    assert_error(client.post("/v1/suggest", content=body, headers={"content-type": "application/json"}),
                 status, needle)


@pytest.mark.parametrize("headers", [{"content-type": "text/plain"}, {}, {"content-type": "image/png"}])
def test_wrong_request_type_is_415(client: TestClient, headers: dict) -> None:
    assert_error(client.post("/v1/suggest", content=b"sunset", headers=headers), 415, "multipart")


BAD_FILES = [
    ([jpeg_part("x.png", b"\x89PNG\r\n\x1a\n" + b"junk" * 20, "image/png")], 400, "not a readable image"),
    ([jpeg_part("x.jpg", image_bytes()[:200])], 400, "not a readable image"),  # truncated JPEG
    ([jpeg_part("x.jpg", b"this is not a jpeg")], 400, "not a readable image"),  # claims image/jpeg
    ([jpeg_part("notes.txt", b"hello", "text/plain")], 415, "expected JPEG"),
    ([jpeg_part("doc.pdf", b"%PDF-1.4 ...", "application/pdf")], 415, "expected JPEG"),
    ([jpeg_part("IMG_1.HEIC", b"\x00\x00\x00\x18ftypheic" + bytes(40), "image/heic")], 415, "export as JPEG"),
    ([jpeg_part("empty.jpg", b"")], 400, "empty file"),
    ([("video", ("clip.mp4", b"plain text", "text/plain"))], 415, "expected MP4"),
    ([("video", ("clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "video/mp4"))], 400,
     "not a readable video"),
    ([jpeg_part()] * 4, 413, "at most 3"),
    ([jpeg_part("big.png", image_bytes("PNG", size=(1000, 800)), "image/png")], 413, "500,000 pixels"),
    ([("document", ("a.jpg", image_bytes(), "image/jpeg"))], 422, "unexpected file field"),
]


@pytest.mark.parametrize("files,status,needle", BAD_FILES)
def test_bad_uploads(client: TestClient, uploads: Path, files, status: int, needle: str) -> None:
    r = client.post("/v1/suggest", data={"caption": "beach"}, files=files)
    assert_error(r, status, needle)
    assert list(uploads.iterdir()) == []  # cleaned up on errors too


def test_video_over_the_length_limit_is_413(client: TestClient, short_video: bytes) -> None:
    r = client.post("/v1/suggest", data={"caption": "beach"},
                    files=[("video", ("clip.mp4", short_video, "video/mp4"))])
    assert_error(r, 413, "over the limit of 1 s")


@pytest.mark.parametrize("data,needle", [
    ({"caption": "x", "k": "0"}, "k"),
    ({"caption": "x", "k": "ten"}, "k"),
    ({"caption": "x", "k": ""}, "k"),
    ({"caption": "x", "mood": "happy"}, "unknown field 'mood'"),
    ({"caption": "x", "images": "photo.jpg"}, "must be a file upload"),
    ({"caption": "x", "hashtags": "#ok #12"}, "not a hashtag"),
    ({"caption": "x", "platform": "orkut"}, "unknown platform"),
])
def test_bad_multipart_fields_are_422(client: TestClient, data: dict, needle: str) -> None:
    assert_error(client.post("/v1/suggest", data=data, files=[jpeg_part()]), 422, needle)


def test_upload_over_the_size_limit_is_413(client: TestClient) -> None:
    big = b"\xff\xd8\xff" + bytes(400_000)
    assert_error(client.post("/v1/suggest", files=[jpeg_part("big.jpg", big)]), 413, "upload limit")


def test_streamed_upload_over_the_size_limit_is_413(client: TestClient) -> None:
    def chunks():  # no Content-Length: the limit is enforced while the body streams
        yield b'{"caption": "'
        for _ in range(40):
            yield b"x" * 10_000
        yield b'"}'

    r = client.post("/v1/suggest", content=chunks(), headers={"content-type": "application/json"})
    assert_error(r, 413, "upload limit")


def test_malformed_multipart_is_4xx(client: TestClient) -> None:
    r = client.post("/v1/suggest", content=b"", headers={"content-type": "multipart/form-data"})
    assert_error(r, 400, "boundary")
    r = client.post("/v1/suggest", content=b"--xyz\r\nnonsense",
                    headers={"content-type": "multipart/form-data; boundary=xyz"})
    assert_error(r, 422, "give a caption")  # nothing usable in it


@pytest.mark.parametrize("body,status,needle", [
    ({"hashtags": "#sunsetlover"}, 422, "hashtags"),
    ({"hashtags": ["#2024"]}, 422, "not a hashtag"),
    ({"tags": ["#a"]}, 422, "tags"),
    ({"hashtags": ["#a"] * 101}, 413, "at most 100"),
])
def test_segment_errors(client: TestClient, body: dict, status: int, needle: str) -> None:
    assert_error(client.post("/v1/segment", json=body), status, needle)


def test_segment_bad_json_is_400(client: TestClient) -> None:
    r = client.post("/v1/segment", content=b"{nope", headers={"content-type": "application/json"})
    assert_error(r, 400, "bad JSON")


def test_unknown_route_and_method_are_json(client: TestClient) -> None:
    assert_error(client.get("/v2/nothing"), 404, "not found")
    assert_error(client.get("/v1/suggest"), 405, "not allowed")


def test_input_error_from_the_pipeline_is_400(recommender, monkeypatch) -> None:
    """The image pipeline raises InputError for a file it cannot use: the client gets 400."""
    def broken(post, **kwargs):
        raise InputError(f"{post.images[1]}: cannot decode")

    monkeypatch.setattr(recommender, "suggest", broken)
    client = TestClient(create_app(recommender, limits=LIMITS))
    r = client.post("/v1/suggest", data={"caption": "x"}, files=[jpeg_part("a.jpg"), jpeg_part("b.jpg")])
    body = assert_error(r, 400, "images[1] (b.jpg): cannot decode")
    assert "taglens-upload" not in body["message"]  # no server paths in messages


def test_a_bug_is_a_json_500_without_a_trace(recommender, monkeypatch) -> None:
    def bug(post, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(recommender, "suggest", bug)
    client = TestClient(create_app(recommender, limits=LIMITS), raise_server_exceptions=False)
    body = assert_error(client.post("/v1/suggest", json={"caption": "x"}), 500, "bug")
    assert "secret" not in body["message"]
