"""The polite client: per-host spacing, retries that honour the server, capped image downloads."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest
from werkzeug import Response

from collect_fakes import png
from taglens.collect.http import (
    FetchError,
    HostRateLimiter,
    HttpConfig,
    MediaError,
    PoliteClient,
    retry_after_seconds,
)


def client(sleeps: list[float], **overrides) -> PoliteClient:
    config = HttpConfig(min_interval=0.0, timeout=2.0, backoff_base=0.5, max_retries=2, **overrides)
    return PoliteClient(config, sleep=sleeps.append)


def test_rate_limiter_spaces_requests_per_host():
    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = HostRateLimiter(1.0, clock=lambda: now[0], sleep=sleep)
    assert limiter.wait("a.example") == 0.0
    now[0] += 0.25
    assert limiter.wait("a.example") == pytest.approx(0.75)  # waits out the rest of the second
    assert limiter.wait("b.example") == 0.0                  # another host is not held back
    now[0] += 5
    assert limiter.wait("a.example") == 0.0
    assert slept == [pytest.approx(0.75)]


def test_retry_after_as_seconds_date_or_mastodon_reset():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    later = now + timedelta(seconds=30)
    assert retry_after_seconds(httpx.Headers({"Retry-After": "7"}), now) == 7.0
    assert retry_after_seconds(httpx.Headers({"Retry-After": format_datetime(later, usegmt=True)}), now) == 30.0
    reset = (now + timedelta(seconds=90)).isoformat().replace("+00:00", ".000Z")
    assert retry_after_seconds(httpx.Headers({"X-RateLimit-Reset": reset}), now) == 90.0
    assert retry_after_seconds(httpx.Headers({}), now) is None


def test_429_waits_at_least_retry_after_then_succeeds(httpserver):
    httpserver.expect_ordered_request("/x").respond_with_data("", status=429, headers={"Retry-After": "4"})
    httpserver.expect_ordered_request("/x").respond_with_json([1, 2])
    sleeps: list[float] = []
    body, _ = client(sleeps).get_json(httpserver.url_for("/x"))
    assert body == [1, 2] and sleeps == [4.0]


def test_5xx_backs_off_exponentially_and_gives_up(httpserver):
    httpserver.expect_request("/down").respond_with_data("no", status=503)
    sleeps: list[float] = []
    c = client(sleeps)
    with pytest.raises(FetchError, match="HTTP 503 after 3 attempts"):
        c.get_json(httpserver.url_for("/down"))
    assert sleeps == [0.5, 1.0] and c.stats.requests == 3


def test_other_4xx_fail_at_once_with_the_status(httpserver):
    httpserver.expect_request("/gone").respond_with_json({"error": "Record not found"}, status=404)
    sleeps: list[float] = []
    with pytest.raises(FetchError) as info:
        client(sleeps).get_json(httpserver.url_for("/gone"))
    assert info.value.status == 404 and sleeps == []


def test_an_absurd_retry_after_is_not_waited_out_in_process(httpserver):
    httpserver.expect_request("/busy").respond_with_data("", status=429, headers={"Retry-After": "86400"})
    with pytest.raises(FetchError, match="try again later"):
        client([]).get_json(httpserver.url_for("/busy"))


def test_every_request_has_a_timeout(httpserver):
    def slow(_request):
        time.sleep(0.6)
        return Response("[]", content_type="application/json")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    c = PoliteClient(HttpConfig(min_interval=0, timeout=0.1, max_retries=1, backoff_base=0.0), sleep=lambda s: None)
    started = time.monotonic()
    with pytest.raises(FetchError, match="Timeout"):
        c.get_json(httpserver.url_for("/slow"))
    assert time.monotonic() - started < 1.2


def test_images_are_checked_and_capped(httpserver):
    good, cap = png(7), 600
    httpserver.expect_request("/ok.png").respond_with_data(good, content_type="image/png")
    httpserver.expect_request("/page.png").respond_with_data("<html>login</html>", content_type="text/html")
    httpserver.expect_request("/cut.png").respond_with_data(good[:30], content_type="image/png")
    httpserver.expect_request("/big.png").respond_with_data(good + b"\0" * 1000, content_type="image/png")
    httpserver.expect_request("/chunked.png").respond_with_handler(
        lambda _r: Response(iter([good, b"\0" * 1000]), content_type="image/png", direct_passthrough=True))
    httpserver.expect_request("/missing.png").respond_with_data("", status=404)
    c = client([], max_media_bytes=cap)
    assert c.get_image(httpserver.url_for("/ok.png")) == good
    for path, reason in [("/page.png", "not an image"), ("/cut.png", "broken image"),
                         ("/big.png", "cap"), ("/chunked.png", "cap"), ("/missing.png", "HTTP 404")]:
        with pytest.raises(MediaError, match=reason):
            c.get_image(httpserver.url_for(path))


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_first_connection_stops_at_once_without_retries():
    """Issue 17 #8: a dead server is one request and one clear line, not minutes of retries."""
    from taglens.collect.http import Unreachable

    sleeps: list[float] = []
    polite = client(sleeps)
    url = f"http://127.0.0.1:{closed_port()}/api/v1/timelines/tag/cat"
    with pytest.raises(Unreachable, match=r"cannot reach http://127\.0\.0\.1:\d+: the connection was refused"):
        polite.get_json(url)
    assert polite.stats.requests == 1 and sleeps == [] and polite.stats.retries == 0


def test_an_unknown_host_name_stops_at_once():
    from taglens.collect.http import Unreachable

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    sleeps: list[float] = []
    polite = PoliteClient(HttpConfig(min_interval=0.0, max_retries=3), transport=httpx.MockTransport(refuse),
                          sleep=sleeps.append)
    with pytest.raises(Unreachable, match="host name 'nowhere.example' was not found"):
        polite.get_json("https://nowhere.example/api")
    assert polite.stats.requests == 1 and sleeps == []


def test_a_lost_connection_after_the_host_answered_is_retried_and_timeouts_too():
    calls = {"n": 0}

    def flaky(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 2:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if calls["n"] == 3:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json=[])

    sleeps: list[float] = []
    polite = PoliteClient(HttpConfig(min_interval=0.0, max_retries=3, backoff_base=0.5),
                          transport=httpx.MockTransport(flaky), sleep=sleeps.append)
    assert polite.get_json("https://a.example/x")[0] == []
    assert polite.get_json("https://a.example/y")[0] == []  # refused once, timed out once, then served
    assert calls["n"] == 4 and sleeps == [0.5, 1.0]


def test_collect_against_a_dead_server_is_one_line(tmp_path, capsys):
    import time as _time

    from taglens.cli import main

    started = _time.monotonic()
    code = main(["collect", "--source", "mastodon", "--instance", f"http://127.0.0.1:{closed_port()}",
                 "--timeout", "2", "--db", str(tmp_path / "c.sqlite"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "cannot reach" in err[0] and "refused" in err[0], err
    assert _time.monotonic() - started < 60  # was 6 attempts per hashtag: minutes
    assert list(tmp_path.iterdir()) == []  # issue 17 #18: and no empty corpus is left behind
