"""A polite HTTP client for crawling: one request at a time per host, retries that back off.

Why its own module: every source that talks to a server (Mastodon, Pixelfed, media
hosts, Instagram's CDN) must behave the same way, and the crawl loop should not
care how. Rules:

* a minimum interval between requests to the same host (Mastodon allows 300
  requests per 5 minutes per IP: one a second is the default);
* a timeout on every request;
* 429 and 5xx are retried with exponential backoff, waiting at least what the
  server asks in `Retry-After` (seconds or an HTTP date) or `X-RateLimit-Reset`;
  so are timeouts and a connection lost after the host has answered once;
* a refused connection or an unknown host name before the host ever answered
  is `Unreachable` at once: retrying a dead server only makes the user wait;
* media downloads are streamed, refused past a size cap, and must be images.

`sleep` and `clock` are injectable so that tests run in milliseconds and can
assert how long the client *would* have waited.
"""

from __future__ import annotations

import email.utils
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import httpx

from taglens.corpus.store import sniff_media_type
from taglens.errors import TaglensError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(TaglensError):
    """A request that failed for good (after retries, or with a status not worth retrying)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Unreachable(FetchError):
    """The host never answered: connection refused, or its name does not resolve. Not retried."""


class MediaError(Exception):
    """A media file refused: too large, not an image, or unreachable. The post is kept."""


@dataclass
class HttpConfig:
    """Politeness settings; the defaults suit a public Mastodon instance."""

    min_interval: float = 1.0
    timeout: float = 20.0
    max_retries: int = 5
    backoff_base: float = 2.0
    max_backoff: float = 120.0
    max_retry_after: float = 900.0
    max_media_bytes: int = 8 * 1024 * 1024
    user_agent: str = "taglens-collect/0.1 (hashtag research crawler; polite, rate-limited)"


@dataclass
class HttpStats:
    requests: int = 0
    retries: int = 0
    waited_s: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)


class HostRateLimiter:
    """Keeps at least `min_interval` seconds between two requests to the same host."""

    def __init__(self, min_interval: float, clock: Callable[[], float], sleep: Callable[[float], None]):
        self.min_interval = min_interval
        self.clock = clock
        self.sleep = sleep
        self._last: dict[str, float] = {}

    def wait(self, host: str) -> float:
        """Sleep until `host` may be asked again; return the seconds slept."""
        last = self._last.get(host)
        delay = 0.0 if last is None else max(0.0, last + self.min_interval - self.clock())
        if delay > 0:
            self.sleep(delay)
        self._last[host] = self.clock()
        return delay


def retry_after_seconds(headers: httpx.Headers, now: datetime | None = None) -> float | None:
    """Seconds the server asks us to wait: `Retry-After` (delta or date), else `X-RateLimit-Reset`."""
    now = now or datetime.now(timezone.utc)
    value = headers.get("Retry-After")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, (when - now).total_seconds())
    reset = headers.get("X-RateLimit-Reset")
    if reset:
        try:
            when = datetime.fromisoformat(reset.replace("Z", "+00:00"))
        except ValueError:
            return None
        return max(0.0, (when - now).total_seconds())
    return None


def check_image(data: bytes, ref: str) -> bytes:
    """`data` when it is an image; MediaError otherwise.

    The magic bytes catch HTML error pages and videos; Pillow, when installed,
    also parses the file, which catches truncated or corrupt images before they
    reach training.
    """
    kind = sniff_media_type(data[:16])
    if kind is None or not kind[0].startswith("image/"):
        raise MediaError(f"{ref}: not an image")
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with taglens[full]
        return data
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for bad files
        raise MediaError(f"{ref}: broken image ({type(exc).__name__})") from None
    return data


def unreachable_message(url: str, exc: Exception) -> str:
    """One line a user can act on: which server, refused or unknown, and what to check."""
    parts = urlsplit(url)
    server = f"{parts.scheme}://{parts.netloc}" if parts.scheme else url
    text = str(exc).lower()
    if any(s in text for s in ("name or service not known", "nodename nor servname", "getaddrinfo",
                               "name resolution", "no address associated", "not known")):
        why = f"the host name {parts.hostname!r} was not found (DNS)"
    elif "refused" in text:
        why = "the connection was refused (nothing listens there)"
    else:
        why = f"could not connect ({exc or type(exc).__name__})"
    return f"cannot reach {server}: {why}; check the server address and your network"


class PoliteClient:
    """httpx with a per-host rate limit, retries with backoff, and capped image downloads."""

    def __init__(
        self,
        config: HttpConfig | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.config = config or HttpConfig()
        self.sleep = sleep
        self.stats = HttpStats()
        self.limiter = HostRateLimiter(self.config.min_interval, clock, sleep)
        self._answered: set[str] = set()  # hosts that sent any response this run
        self.client = httpx.Client(
            timeout=self.config.timeout, transport=transport, follow_redirects=True,
            headers={"User-Agent": self.config.user_agent, **(headers or {})},
        )

    def close(self) -> None:
        self.client.close()

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> tuple[Any, httpx.Headers]:
        """GET a JSON document; FetchError when it fails for good or is not JSON."""
        response = self._send(url, params)
        try:
            response.read()
            return response.json(), response.headers
        except ValueError:
            raise FetchError(f"{url}: response is not JSON", response.status_code) from None
        finally:
            response.close()

    def get_text(self, url: str) -> str:
        """GET a text document (robots.txt); FetchError when it fails for good."""
        response = self._send(url, None)
        try:
            return response.read().decode("utf-8", errors="replace")
        finally:
            response.close()

    def get_image(self, url: str) -> bytes:
        """Download an image, at most `max_media_bytes`; MediaError says why one is refused."""
        try:
            response = self._send(url, None)
        except FetchError as exc:
            raise MediaError(str(exc)) from None
        try:
            data = self._read_capped(response, url)
        except httpx.HTTPError as exc:
            raise MediaError(f"{url}: download failed ({type(exc).__name__})") from None
        finally:
            response.close()
        return check_image(data, url)

    def _read_capped(self, response: httpx.Response, url: str) -> bytes:
        cap = self.config.max_media_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise MediaError(f"{url}: {declared} bytes, over the {cap}-byte cap")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise MediaError(f"{url}: over the {cap}-byte cap")
            chunks.append(chunk)
        return b"".join(chunks)

    def _send(self, url: str, params: dict[str, Any] | None) -> httpx.Response:
        """One logical request: rate-limited attempts until success or a final failure."""
        host = urlsplit(url).netloc
        attempts = self.config.max_retries + 1
        for attempt in range(attempts):
            self.stats.waited_s += self.limiter.wait(host)
            self.stats.requests += 1
            try:
                request = self.client.build_request("GET", url, params=params)
                response = self.client.send(request, stream=True)
            except httpx.ConnectError as exc:
                if host not in self._answered:
                    raise Unreachable(unreachable_message(url, exc)) from None
                reason, delay = f"{type(exc).__name__}", None
            except httpx.HTTPError as exc:
                reason, delay = f"{type(exc).__name__}", None
            else:
                self._answered.add(host)
                self.stats.statuses[response.status_code] = self.stats.statuses.get(response.status_code, 0) + 1
                if response.status_code < 400:
                    return response
                response.close()
                if response.status_code not in RETRY_STATUSES:
                    raise FetchError(f"{url}: HTTP {response.status_code}", response.status_code)
                reason, delay = f"HTTP {response.status_code}", retry_after_seconds(response.headers)
            if attempt + 1 == attempts:
                raise FetchError(f"{url}: {reason} after {attempts} attempts")
            self._back_off(attempt, delay, url)
        raise AssertionError("unreachable")  # pragma: no cover

    def _back_off(self, attempt: int, server_delay: float | None, url: str) -> None:
        """Wait before a retry: exponential, and never less than the server asked."""
        delay = min(self.config.backoff_base * (2 ** attempt), self.config.max_backoff)
        if server_delay is not None:
            if server_delay > self.config.max_retry_after:
                raise FetchError(f"{url}: server asks to wait {server_delay:.0f} s; try again later")
            delay = max(delay, server_delay)
        self.stats.retries += 1
        self.stats.waited_s += delay
        self.sleep(delay)
