"""The page with a profile, in headless Chromium: add a tag, remove one, see the next suggestion change.

A toy model and a profile written by the test (no ../shared), served by the real
uvicorn on 127.0.0.1 with profiles on. Drives Debian's /usr/bin/chromium through
Playwright, as tests/test_serve_browser.py does.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
from serve_toy import toy_recommender
from test_profile import user_posts
from test_serve_browser import ARGS, CHROMIUM, _block_outside, _free_port, playwright_api

from taglens.profile.build import build_profile
from taglens.profile.store import ProfileStore


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> ProfileStore:
    store = ProfileStore(tmp_path_factory.mktemp("profiles"))
    store.save(build_profile("me", user_posts(), images=False))
    return store


@pytest.fixture(scope="module")
def server_url(store) -> Iterator[str]:
    import uvicorn

    from taglens.serve import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(toy_recommender(), profiles=store), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def chip_keys(page) -> list[str]:
    chips = page.locator("#chips .chip")
    return [chips.nth(i).get_attribute("data-key") for i in range(chips.count())]


def test_page_records_choices_and_the_next_suggestion_follows_them(server_url, store):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        outside = _block_outside(page, server_url)
        page.goto(server_url + "/")
        page.locator("#profile-row").wait_for(state="visible")
        assert "nothing leaves the machine" in page.locator("#profile-note").inner_text()
        page.select_option("#profile", "me")
        page.fill("#caption", "Morning waves at the beach")
        page.click("#suggest")
        page.locator("#chips .chip").first.wait_for()
        first = chip_keys(page)
        assert "wavechaser" in first and len(first) >= 3
        added, removed = first[0], "wavechaser" if first[0] != "wavechaser" else first[1]

        page.click(f'#chips .chip[data-key="{added}"]')  # add a tag: accepted
        page.click(f'#chips .chip-x[data-key="{removed}"]')  # remove one: rejected, gone at once
        assert removed not in chip_keys(page)
        kept: dict = {}
        deadline = time.time() + 15
        while time.time() < deadline:  # both choices sent to the server (the page retries unsent ones)
            kept = json.loads(page.evaluate("() => localStorage.getItem('taglens.feedback.me')") or "{}")
            if len(kept.get("sent", [])) == 2 and not kept.get("pending"):
                break
            time.sleep(0.1)
        assert {(e["verdict"], e["tag"].lstrip("#").lower()) for e in kept["sent"]} == {
            ("accepted", added), ("rejected", removed)}  # kept in the browser ...
        profile = store.load("me")  # ... and recorded by the server, in the profile on disk
        assert removed in profile.rejected() and added in profile.accepted()

        with page.expect_response("**/v1/suggest") as answer:
            page.click("#suggest")
        assert answer.value.ok
        page.wait_for_timeout(300)  # let the page render the answer
        second = chip_keys(page)
        assert removed not in second and second != first
        assert added in second
        assert not errors, errors
        assert not outside, f"the page reached outside 127.0.0.1: {outside}"
        browser.close()
