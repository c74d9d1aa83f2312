"""Mastodon.py, unmodified and with its default settings, against a running Salon: register
an app, create an account through the API, log in with the authorization code flow, post
with media, read and page timelines, favourite, reblog, reply, read a thread, notifications."""

from __future__ import annotations

import io
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from mastodon import Mastodon, StreamListener
from PIL import Image

REDIRECT = "https://client.example/callback"
SCOPES = ["read", "write", "follow"]
PASSWORD = "correct horse battery"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def _authorize_in_browser(base: str, url: str, username: str) -> str:
    """What a person does in the browser the app opens: sign in, approve, get the code."""
    with httpx.Client(base_url=base, follow_redirects=False) as browser:
        page = browser.get("/signup").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf
        signed_up = browser.post("/signup", data={"username": username, "password": PASSWORD,
                                                  "csrf_token": csrf.group(1)})
        assert signed_up.status_code == 303
        consent = browser.get(url)
        assert consent.status_code == 200 and "Authorize" in consent.text
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                                 consent.text))
        approved = browser.post("/oauth/authorize", data={**fields, "decision": "approve"})
        assert approved.status_code == 303, approved.text[:300]
        return parse_qs(urlsplit(approved.headers["location"]).query)["code"][0]


def _eventually(fn: Any, seconds: float = 10) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = fn()
        if result:
            return result
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.2)


def test_mastodon_py_end_to_end(server: str) -> None:
    client_id, client_secret = Mastodon.create_app(
        "Mastodon.py test", api_base_url=server, scopes=SCOPES, redirect_uris=REDIRECT)

    # Bob signs up through the API, as apps with in-app sign-up do.
    bob = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)
    bob.create_account("bob", PASSWORD, "bob@example.com", agreement=True, scopes=SCOPES)
    assert bob.account_verify_credentials()["username"] == "bob"

    # Alice logs in the usual way: the authorization code flow in a browser.
    alice = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)
    # allow_http: the test server has no TLS (Mastodon.py offers the flag for testing).
    url = alice.auth_request_url(redirect_uris=REDIRECT, scopes=SCOPES, allow_http=True)
    code = _authorize_in_browser(server, url, "alice")
    alice.log_in(code=code, redirect_uri=REDIRECT, scopes=SCOPES, allow_http=True)
    me = alice.account_verify_credentials()
    assert me["username"] == "alice" and me["acct"] == "alice"

    bob.account_follow(me["id"])
    media = alice.media_post(_png(), mime_type="image/png", description="A blue rectangle")
    assert media["type"] == "image" and media["description"] == "A blue rectangle"
    posted = alice.status_post("Hello from Mastodon.py #salon", media_ids=[media["id"]])
    assert posted["media_attachments"][0]["id"] == media["id"]
    assert posted["tags"][0]["name"] == "salon"
    for n in range(25):
        alice.status_post(f"filler {n}", visibility="unlisted")

    home = _eventually(lambda: [s for s in bob.timeline_home(limit=40)
                                if s["id"] == posted["id"]])
    assert home[0]["account"]["username"] == "alice"
    first = bob.account_statuses(me["id"], limit=10)
    second = bob.fetch_next(first)
    assert len(first) == 10 and second and len(second) == 10
    assert not {s["id"] for s in first} & {s["id"] for s in second}

    assert bob.status_favourite(posted["id"])["favourited"] is True
    reblog = bob.status_reblog(posted["id"])
    assert reblog["reblog"]["id"] == posted["id"]
    reply = bob.status_post("Lovely blue!", in_reply_to_id=posted["id"])
    context = alice.status_context(posted["id"])
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]

    kinds = _eventually(lambda: {n["type"] for n in alice.notifications()} >=
                        {"follow", "favourite", "reblog", "mention"} and
                        {n["type"] for n in alice.notifications()})
    assert "follow" in kinds
    public = bob.timeline_public()
    assert posted["id"] in {s["id"] for s in public}
    found = bob.search_v2("Mastodon.py")
    assert posted["id"] in {s["id"] for s in found["statuses"]}
    assert [a["username"] for a in bob.search_v2("alice", result_type="accounts")["accounts"]] \
        == ["alice"]


class Heard(StreamListener):
    def __init__(self) -> None:
        super().__init__()
        self.updates: list[Any] = []
        self.notifications: list[Any] = []

    def on_update(self, status: Any) -> None:
        self.updates.append(status)

    def on_notification(self, notification: Any) -> None:
        self.notifications.append(notification)


def test_mastodon_py_hears_live_updates(server: str) -> None:
    client_id, client_secret = Mastodon.create_app(
        "Streaming test", api_base_url=server, scopes=SCOPES, redirect_uris=REDIRECT)
    carol = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)
    carol.create_account("carol", PASSWORD, "carol@example.com", agreement=True, scopes=SCOPES)
    dave = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)
    dave.create_account("dave", PASSWORD, "dave@example.com", agreement=True, scopes=SCOPES)
    carol.account_follow(dave.account_verify_credentials()["id"])

    heard = Heard()
    handle = carol.stream_user(heard, run_async=True, reconnect_async=False)
    try:
        time.sleep(1)  # let the stream connect
        posted = dave.status_post("Live from the stream test")
        _eventually(lambda: any(s["id"] == posted["id"] for s in heard.updates))
        dave.status_favourite(carol.status_post("like me")["id"])
        _eventually(lambda: any(n["type"] == "favourite" for n in heard.notifications))
        secret = dave.status_post("not for carol", visibility="direct")
        time.sleep(1)
        assert all(s["id"] != secret["id"] for s in heard.updates)
    finally:
        handle.close()
