"""Profiles over HTTP (issue 16): only when the server starts with `--profiles`.

Why a token off loopback: a profile is one person's data. On 127.0.0.1 only
this machine's user can connect; on any other address anyone on the network
could read or change a profile, so every profile request must then carry the
token set at start (`--token`, or $TAGLENS_SERVE_TOKEN), as `Authorization:
Bearer TOKEN` or `X-Taglens-Token`. Without `--profiles` a request naming a
profile is refused (403) and the plain model answers everything else.

Views are cached per profile and rebuilt when its file changes (feedback).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import threading
from typing import Any

from taglens.errors import InputError
from taglens.serve.errors import ApiError

TOKEN_ENV = "TAGLENS_SERVE_TOKEN"


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_serve_options(host: str, profiles: bool, token: str | None) -> str | None:
    """The token to require (None: none needed); refuse profiles on an open address without one."""
    token = token or os.environ.get(TOKEN_ENV) or None
    if profiles and not is_loopback(host) and not token:
        raise InputError(f"--profiles on {host} needs a token: --token TOKEN or ${TOKEN_ENV} "
                         "(or serve on 127.0.0.1)")
    if token is not None and len(token) < 16:
        raise InputError("the token must be at least 16 characters")
    return token


class ProfileService:
    """The server's profiles: store, token check and per-profile recommender views."""

    def __init__(self, store: Any, token: str | None = None) -> None:
        self.store = store
        self.token = token
        self._views: dict[str, tuple[int, Any]] = {}
        self._lock = threading.Lock()

    def authorise(self, headers: Any) -> None:
        if self.token is None:
            return
        given = headers.get("x-taglens-token") or ""
        auth = headers.get("authorization") or ""
        if auth.lower().startswith("bearer "):
            given = given or auth[7:].strip()
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            raise ApiError(401, "profile requests on this server need its token (Authorization: Bearer TOKEN)")

    def names(self) -> list[str]:
        return self.store.names()

    def view(self, rec: Any, name: str) -> Any:
        from taglens.profile.attach import personal_recommender

        path = self._path(name)
        if not path.is_file():
            raise ApiError(404, f"no profile named {name!r}")
        stamp = path.stat().st_mtime_ns
        with self._lock:
            cached = self._views.get(name)
            if cached and cached[0] == stamp:
                return cached[1]
        view = personal_recommender(rec, self.store.load(name))
        with self._lock:
            self._views[name] = (stamp, view)
        return view

    def feedback(self, name: str, accepted: list[str], rejected: list[str], caption: str) -> dict[str, Any]:
        from taglens.profile.build import add_feedback

        if not self._path(name).is_file():
            raise ApiError(404, f"no profile named {name!r}")
        with self._lock:
            profile = self.store.update(name, lambda p: add_feedback(p, accepted, rejected, caption))
            self._views.pop(name, None)
        return {"profile": name, "accepted": sorted(profile.accepted()), "rejected": sorted(profile.rejected())}

    def _path(self, name: str):  # noqa: ANN202 - Path
        try:
            return self.store.path(name)
        except InputError as exc:
            raise ApiError(422, f"profile: {exc}") from None
