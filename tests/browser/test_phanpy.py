"""Phanpy, a real Mastodon web client, served from its own origin and driven in Chromium
against `salon serve` behind TLS, as a person uses it: sign-in through the OAuth popup and
the redirect back, home, posting an image with alt text, a live update over the WebSocket,
grouped notifications, lists, scheduled posts, private conversations, filters and follow
requests. No request of the client to Salon may fail: what broke sign-in and
streaming before (CORS, the consent page's redirect, the WebSocket, v2 notifications, issue
15 items 1-4) cannot come back unnoticed."""

from __future__ import annotations

import datetime
import functools
import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.helpers import GUARD_MS, GUARD_S
from tests.browser.test_journey import _png
from tests.certificates import self_signed
from tests.conftest import PASSWORD, _free_port, salon_serve, settings_for
from tests.databases import Databases, process_env
from tests.security.live import signed_up

ROOT = Path(__file__).resolve().parents[2]


def _phanpy() -> Path:
    """The built client: SALON_PHANPY_DIR, or ../shared/clients/phanpy beside the checkout."""
    found = Path(os.environ.get("SALON_PHANPY_DIR") or ROOT.parent / "shared/clients/phanpy")
    if not (found / "index.html").exists():
        pytest.fail(f"Phanpy's build is missing at {found}: set SALON_PHANPY_DIR")
    return found


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


@pytest.fixture(scope="module")
def phanpy() -> Iterator[str]:
    """The client's static files on an origin of their own, as any host would serve them."""
    handler = functools.partial(Quiet, directory=str(_phanpy()))
    httpd = ThreadingHTTPServer(("127.0.0.1", _free_port()), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    # Named `localhost`: this build takes 127.0.0.1 for its own website (127.0.0.1:8080) and
    # would send the sign-in back there.
    yield f"http://localhost:{httpd.server_address[1]}"
    httpd.shutdown()


class Salon:
    """`salon serve` behind TLS, with bob (a token of his) and alice (signed up, to sign in
    from the client)."""

    def __init__(self, base: str, bob: str, alice: str, carol: str) -> None:
        self.base, self.bob, self.alice, self.carol = base, bob, alice, carol

    def as_bob(self, method: str, path: str, **kw: Any) -> Any:
        return self.call(self.bob, method, path, **kw)

    def call(self, token: str, method: str, path: str, **kw: Any) -> Any:
        answer = httpx.request(method, self.base + path, verify=False, timeout=GUARD_S,
                               headers={"Authorization": f"Bearer {token}"}, **kw)
        assert answer.status_code < 300, answer.text
        return answer.json()

    def in_home_of_alice(self, text: str) -> None:
        """Waits for the worker to have put a post with `text` in alice's home."""
        while not any(text in s["content"] for s in
                      self.call(self.alice, "GET", "/api/v1/timelines/home")):
            time.sleep(0.1)


@pytest.fixture(scope="module")
def salon(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[Salon]:
    data = tmp_path_factory.mktemp("phanpy-salon")
    port = _free_port()
    database = databases.fresh(data)
    settings = settings_for(data, database)
    bob = signed_up(settings, "bob")
    alice = signed_up(settings, "alice")
    carol = signed_up(settings, "carol")
    cert, key = self_signed(data)
    env = {**process_env(settings), "SALON_WORKER_POLL_SECONDS": "0.1",
           "SALON_BASE_URL": f"https://127.0.0.1:{port}"}
    try:
        with salon_serve(env, data / "server.log", port, "--ssl-certfile", str(cert),
                         "--ssl-keyfile", str(key)) as base:
            yield Salon(base, bob, alice, carol)
    finally:
        databases.drop(database)


def test_phanpy_signs_in_and_uses_salon_day_to_day(
        browser: Any, phanpy: str, salon: Salon, tmp_path: Path) -> None:
    alice = salon.as_bob("GET", "/api/v1/accounts/lookup", params={"acct": "alice"})
    bob = salon.as_bob("GET", "/api/v1/accounts/verify_credentials")
    salon.as_bob("POST", "/api/v1/statuses", data={"status": "Hello from bob"})

    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280,
                                                                     "height": 900})
    context.set_default_timeout(GUARD_MS)  # each wait is for an event; this is the last resort
    failures: list[str] = []  # every answer of Salon's the client got as an error
    context.on("response", lambda r: failures.append(f"{r.status} {r.request.method} {r.url}")
               if r.url.startswith(salon.base) and r.status >= 400 else None)
    page = context.new_page()
    page.on("dialog", lambda d: failures.append(f"dialog: {d.message}"))  # e.g. no alt text
    page.on("console", lambda m: failures.append(f"console: {m.text}")
            if m.type == "error" and "CORS" in m.text else None)
    sockets: list[Any] = []  # the client's WebSockets to Salon's streaming
    page.on("websocket", lambda socket: sockets.append(socket))

    # Sign in: the instance's address, then Salon's own pages in the popup.
    page.goto(phanpy + "/")
    page.get_by_text("Log in with Mastodon").click()
    page.locator("input").first.fill(salon.base.removeprefix("https://"))
    with context.expect_page() as opened:
        page.keyboard.press("Enter")
    popup = opened.value
    popup.fill("input[name=username]", "alice")
    popup.fill("input[name=password]", PASSWORD)
    popup.click("button[type=submit]")
    with context.expect_event("response",
                              lambda r: r.url == salon.base + "/oauth/token") as token:
        popup.get_by_role("button", name="Authorize").click()
    assert token.value.status == 200

    # Home: empty until alice follows bob from his profile in the client.
    page.get_by_text("Nothing to see here.").wait_for()
    with page.expect_response(lambda r: "/follow" in r.url) as followed:
        page.goto(f"{phanpy}/#/{salon.base.removeprefix('https://')}/a/{bob['id']}")
        page.get_by_role("button", name="Follow", exact=True).click()
    assert followed.value.status == 200
    salon.in_home_of_alice("Hello from bob")  # the worker copies his posts in
    page.goto(phanpy + "/#/")
    page.reload()
    page.get_by_text("Hello from bob").first.wait_for()

    # Posting an image with its description.
    page.locator("#compose-button").click()
    page.fill("textarea.compose-field", "A red square from Phanpy")
    page.set_input_files("#compose-container input[type=file]", _png(tmp_path / "red.png"))
    page.fill("textarea[placeholder='Image description']", "A red square")
    # The composer takes the description 250 ms after the last keystroke (a debounce); a
    # browser timer set now for longer fires after it, however busy the machine is.
    page.evaluate("() => new Promise(done => setTimeout(done, 400))")
    with page.expect_response(lambda r: r.url == salon.base + "/api/v1/statuses") as posted:
        page.get_by_role("button", name="Post", exact=True).click()
    status = posted.value.json()
    assert status["account"]["id"] == alice["id"]
    [picture] = status["media_attachments"]
    assert picture["description"] == "A red square" and picture["type"] == "image"
    assert status["language"] == "en"  # as the composer sent it
    assert status["application"]["name"] == "Phanpy"

    # Live: bob's new post and his like reach the client's WebSocket as events of its user
    # stream (Phanpy shows new posts on its next look at home, every 15 s).
    # The newest open one: Phanpy may have reconnected, and the old socket may not have
    # closed yet.
    socket = [s for s in sockets if s.url == salon.base.replace("https", "wss", 1)
              + "/api/v1/streaming" and not s.is_closed()][-1]
    with socket.expect_event("framereceived", lambda f: "Live from bob" in str(f)) as update:
        salon.as_bob("POST", "/api/v1/statuses", data={"status": "Live from bob"})
    assert json.loads(update.value)["event"] == "update"
    with socket.expect_event("framereceived", lambda f: '"notification"' in str(f)) as liked:
        salon.as_bob("POST", f"/api/v1/statuses/{status['id']}/favourite")
    assert json.loads(json.loads(liked.value)["payload"])["type"] == "favourite"

    # Grouped notifications: the like and a boost, as the client reads them (v2).
    salon.as_bob("POST", f"/api/v1/statuses/{status['id']}/reblog")
    while not salon.call(salon.alice, "GET", "/api/v1/notifications",
                         params={"types[]": "reblog"}):  # the worker makes it
        time.sleep(0.1)
    with page.expect_response(lambda r: "/api/v2/notifications?" in r.url) as grouped:
        page.goto(phanpy + "/#/notifications")
    assert grouped.value.status == 200
    groups = grouped.value.json()["notification_groups"]
    assert {g["type"] for g in groups} >= {"favourite", "reblog"}
    page.locator(".notification").filter(has_text="liked").first.wait_for()
    page.locator(".notification").filter(has_text="boosted").first.wait_for()

    # What else people use daily, made through the API and seen in the client: a list, a
    # scheduled post, a private conversation, a filter, a follow request.
    friends = salon.call(salon.alice, "POST", "/api/v1/lists", data={"title": "Friends"})
    salon.call(salon.alice, "POST", f"/api/v1/lists/{friends['id']}/accounts",
               data={"account_ids[]": bob["id"]})
    later = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)).isoformat()
    salon.call(salon.alice, "POST", "/api/v1/statuses",
               data={"status": "Written now, out later", "scheduled_at": later})
    salon.as_bob("POST", "/api/v1/statuses",
                 data={"status": "@alice psst, a secret", "visibility": "direct"})
    salon.call(salon.alice, "POST", "/api/v2/filters", json={
        "title": "Spoilers", "context": ["home"], "filter_action": "warn",
        "keywords_attributes": [{"keyword": "spoiler", "whole_word": True}]})
    salon.as_bob("POST", "/api/v1/statuses", data={"status": "The ending, a spoiler"})
    salon.call(salon.alice, "PATCH", "/api/v1/accounts/update_credentials",
               data={"locked": "true"})
    salon.call(salon.carol, "POST", f"/api/v1/accounts/{alice['id']}/follow")

    with page.expect_response(lambda r: r.url.startswith(salon.base + "/api/v1/lists")):
        page.goto(phanpy + "/#/l")
    with page.expect_response(lambda r: "/api/v1/timelines/list/" in r.url) as listed:
        page.get_by_text("Friends").first.click()
    assert listed.value.status == 200
    page.get_by_text("Hello from bob").first.wait_for()

    with page.expect_response(lambda r: "/api/v1/scheduled_statuses" in r.url) as scheduled:
        page.goto(phanpy + "/#/sp")
    assert scheduled.value.status == 200
    page.get_by_text("Written now, out later").first.wait_for()

    with page.expect_response(lambda r: "/api/v1/conversations" in r.url) as talks:
        page.goto(phanpy + "/#/mentions?type=private")
    assert talks.value.status == 200
    page.get_by_text("psst, a secret").first.wait_for()

    salon.in_home_of_alice("a spoiler")
    page.goto(phanpy + "/#/")
    page.reload()
    # Folded under the filter's title, as its `warn` says.
    page.locator("[class*=status-filtered]").filter(has_text="Spoilers").first.wait_for()

    with page.expect_response(lambda r: "/api/v1/follow_requests" in r.url) as asked:
        page.goto(phanpy + "/#/notifications")
    assert [a["username"] for a in asked.value.json()] == ["carol"]
    page.get_by_text("Follow requests").first.wait_for()

    assert failures == []
    context.close()
