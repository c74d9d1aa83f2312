"""Web Push end to end: subscriptions through the API, and pushes a real HTTP server on
127.0.0.1 receives from the worker's job, decrypted with an independent implementation of
RFC 8291 (http_ece) and their VAPID signature checked with the instance's public key."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.jobs.models import Job
from salon.oauth import service as oauth
from salon.push.models import PushSubscription
from tests.conftest import Site, settings_for
from tests.databases import Databases


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushService:
    """A push service on 127.0.0.1: records each POST, answers `status`."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 201
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                service.received.append({"path": self.path, "headers": dict(self.headers),
                                         "body": body})
                self.send_response(service.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Device:
    """A browser's side of a subscription: its P-256 key pair and auth secret."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b"0123456789abcdef"
        self.p256dh = b64(self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    def open(self, push: dict[str, Any]) -> dict[str, Any]:
        """The payload, decrypted by http_ece as the device would."""
        headers = {k.lower(): v for k, v in push["headers"].items()}
        if headers["content-encoding"] == "aes128gcm":
            plain = http_ece.decrypt(push["body"], private_key=self.key, auth_secret=self.auth,
                                     version="aes128gcm")
        else:
            assert headers["content-encoding"] == "aesgcm"
            salt = headers["encryption"].removeprefix("salt=")
            dh = dict(part.split("=", 1) for part in headers["crypto-key"].split(";"))["dh"]
            plain = http_ece.decrypt(push["body"], salt=unb64(salt), dh=unb64(dh),
                                     private_key=self.key, auth_secret=self.auth,
                                     version="aesgcm")
        return dict(json.loads(plain))


@pytest.fixture
def pushes() -> Iterator[PushService]:
    found = PushService()
    yield found
    found.close()


@pytest.fixture
def push_site(tmp_path: Path, databases: Databases) -> Iterator[Site]:
    """The app, with endpoints on 127.0.0.1 allowed (the local push service)."""
    database = databases.fresh(tmp_path)
    try:
        with Site(settings_for(tmp_path, database, push_allow_private=True)) as site:
            yield site
    finally:
        databases.drop(database)


class Person:
    def __init__(self, site: Site, username: str, scopes: str = "read write follow push",
                 signup: bool = True) -> None:
        if signup:
            site.user(username)
        self.site = site

        async def issue(session: AsyncSession) -> tuple[str, str, str, str]:
            app = await oauth.create_app(session, "tests", "urn:ietf:wg:oauth:2.0:oob",
                                         "read write follow push")
            account = await accounts.get_by_username(session, username)
            issued = await oauth.issue_for(session, app, account, scopes.split())
            return issued.access_token, app.client_id, app.client_secret, str(account.id)

        self.token, self.client_id, self.client_secret, self.id = site.call(issue)
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def api(self, method: str, path: str, **kw: Any) -> Any:
        response = self.site.anon.client.request(method, path, headers=self.headers, **kw)
        assert response.status_code < 500, response.text
        return response

    def subscribe(self, endpoint: str, device: Device, standard: bool = True,
                  **data: Any) -> Any:
        return self.api("POST", "/api/v1/push/subscription", json={
            "subscription": {"endpoint": endpoint, "standard": standard,
                             "keys": {"p256dh": device.p256dh, "auth": b64(device.auth)}},
            "data": data or {"alerts": {"mention": True, "follow": True}},
        })


def check_vapid(push: dict[str, Any], audience: str, server_key: str) -> dict[str, Any]:
    """The JWT's ES256 signature, checked with the public key, and its claims."""
    headers = {k.lower(): v for k, v in push["headers"].items()}
    if headers["content-encoding"] == "aes128gcm":
        scheme, _, rest = headers["authorization"].partition(" ")
        assert scheme == "vapid"
        fields = dict(part.strip().split("=", 1) for part in rest.split(","))
        token, key = fields["t"], fields["k"]
    else:
        scheme, _, token = headers["authorization"].partition(" ")
        assert scheme == "WebPush"
        key = dict(part.split("=", 1) for part in headers["crypto-key"].split(";"))["p256ecdsa"]
    assert key == server_key
    head, claims, signature = token.split(".")
    raw = unb64(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(key))
    public.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                       int.from_bytes(raw[32:], "big")),
                  f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        public.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                           int.from_bytes(raw[32:], "big")),
                      f"{head}.{claims}x".encode(), ec.ECDSA(hashes.SHA256()))
    assert json.loads(unb64(head)) == {"typ": "JWT", "alg": "ES256"}
    found = dict(json.loads(unb64(claims)))
    assert found["aud"] == audience
    assert time.time() < found["exp"] <= time.time() + 24 * 3600
    assert found["sub"].startswith(("mailto:", "https:", "http:"))
    assert headers["ttl"].isdigit() and headers["urgency"] == "normal"
    return found


def count_subscriptions(site: Site) -> int:
    async def count(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(PushSubscription))
                   or 0)

    return int(site.call(count))


def test_a_mention_is_pushed_encrypted_and_signed(push_site: Site,
                                                  pushes: PushService) -> None:
    alice, bob = Person(push_site, "alice"), Person(push_site, "bob")
    device = Device()
    made = alice.subscribe(pushes.base + "/push/alice", device).json()
    assert made["endpoint"] == pushes.base + "/push/alice" and made["standard"] is True
    assert made["alerts"]["mention"] is True and made["alerts"]["favourite"] is False
    assert made["policy"] == "all"
    instance = alice.api("GET", "/api/v2/instance").json()
    server_key = instance["configuration"]["vapid"]["public_key"]
    assert made["server_key"] == server_key and len(unb64(server_key)) == 65
    # The same token's other app (the draft coding), to see both codings arrive.
    legacy = Person(push_site, "alice", signup=False)
    old_device = Device()
    assert legacy.subscribe(pushes.base + "/push/legacy", old_device,
                            standard=False).status_code == 200

    bob.api("POST", "/api/v1/statuses", json={"status": "@alice look at this picture"})
    push_site.run_jobs()
    by_path = {push["path"]: push for push in pushes.received}
    assert sorted(by_path) == ["/push/alice", "/push/legacy"], pushes.received
    note = alice.api("GET", "/api/v1/notifications").json()[0]
    for path, dev, token in (("/push/alice", device, alice.token),
                             ("/push/legacy", old_device, legacy.token)):
        push = by_path[path]
        check_vapid(push, pushes.base, server_key)
        payload = dev.open(push)
        assert payload == {
            "access_token": token, "preferred_locale": "en",
            "notification_id": note["id"], "notification_type": "mention",
            "icon": note["account"]["avatar_static"], "title": "bob mentioned you",
            "body": "@alice look at this picture",
        }
    assert {k.lower(): v for k, v in by_path["/push/alice"]["headers"].items()}[
        "content-encoding"] == "aes128gcm"
    # Nothing is pushed twice: running the jobs again sends nothing.
    push_site.run_jobs()
    assert len(pushes.received) == 2


def test_alerts_and_policy_choose_what_is_pushed(push_site: Site,
                                                 pushes: PushService) -> None:
    alice, bob, carol = (Person(push_site, name) for name in ("alice", "bob", "carol"))
    device = Device()
    # Mentions only: a follow is not pushed.
    alice.subscribe(pushes.base + "/p", device, alerts={"mention": True, "follow": False})
    bob.api("POST", f"/api/v1/accounts/{alice.id}/follow")
    push_site.run_jobs()
    assert pushes.received == []
    bob.api("POST", "/api/v1/statuses", json={"status": "hi @alice"})
    push_site.run_jobs()
    assert [device.open(p)["notification_type"] for p in pushes.received] == ["mention"]
    # Only from accounts alice follows: carol's mention is not pushed, bob's after she
    # follows him is. PUT replaces the alerts (form-encoded, as Mastodon apps send).
    changed = alice.api("PUT", "/api/v1/push/subscription", data={
        "data[alerts][mention]": "true", "data[policy]": "followed"}).json()
    assert changed["policy"] == "followed" and changed["alerts"]["mention"] is True
    pushes.received.clear()
    carol.api("POST", "/api/v1/statuses", json={"status": "hey @alice"})
    push_site.run_jobs()
    assert pushes.received == []
    alice.api("POST", f"/api/v1/accounts/{bob.id}/follow")
    bob.api("POST", "/api/v1/statuses", json={"status": "again @alice"})
    push_site.run_jobs()
    assert [device.open(p)["body"] for p in pushes.received] == ["again @alice"]
    # policy none: nothing.
    alice.api("PUT", "/api/v1/push/subscription",
              json={"data": {"alerts": {"mention": True}, "policy": "none"}})
    pushes.received.clear()
    bob.api("POST", "/api/v1/statuses", json={"status": "once more @alice"})
    push_site.run_jobs()
    assert pushes.received == []


def test_gone_ends_the_subscription_and_busy_retries(push_site: Site,
                                                     pushes: PushService) -> None:
    alice, bob = Person(push_site, "alice"), Person(push_site, "bob")
    alice.subscribe(pushes.base + "/p", Device())
    pushes.status = 503
    bob.api("POST", "/api/v1/statuses", json={"status": "hi @alice"})
    push_site.run_jobs()
    assert len(pushes.received) == 1

    async def deliveries(session: AsyncSession) -> list[tuple[str, int]]:
        rows = await session.execute(select(Job.status, Job.attempts)
                                     .where(Job.kind == "push.deliver"))
        return [(row[0], row[1]) for row in rows]

    assert push_site.call(deliveries) == [("queued", 1)]  # retried later, with backoff
    assert alice.api("GET", "/api/v1/push/subscription").status_code == 200
    pushes.status = 410
    bob.api("POST", "/api/v1/statuses", json={"status": "still there @alice?"})
    push_site.run_jobs()
    assert len(pushes.received) == 2
    assert alice.api("GET", "/api/v1/push/subscription").status_code == 404
    assert count_subscriptions(push_site) == 0


def test_one_subscription_per_token_and_revoking_ends_it(push_site: Site,
                                                         pushes: PushService) -> None:
    alice = Person(push_site, "alice")
    device = Device()
    alice.subscribe(pushes.base + "/one", device)
    again = alice.subscribe(pushes.base + "/two", device).json()
    assert alice.api("GET", "/api/v1/push/subscription").json() == again
    assert again["endpoint"].endswith("/two") and count_subscriptions(push_site) == 1
    other = Person(push_site, "alice", signup=False)
    assert other.api("GET", "/api/v1/push/subscription").status_code == 404
    other.subscribe(pushes.base + "/three", device)
    assert count_subscriptions(push_site) == 2
    # DELETE ends this token's only.
    assert other.api("DELETE", "/api/v1/push/subscription").json() == {}
    assert other.api("GET", "/api/v1/push/subscription").status_code == 404
    assert count_subscriptions(push_site) == 1
    # Revoking the token ends its subscription.
    revoked = push_site.anon.client.post("/oauth/revoke", data={
        "client_id": alice.client_id, "client_secret": alice.client_secret,
        "token": alice.token})
    assert revoked.status_code == 200
    assert count_subscriptions(push_site) == 0


def test_scope_and_bad_input(push_site: Site, pushes: PushService) -> None:
    reader = Person(push_site, "reader", scopes="read write")
    assert reader.api("GET", "/api/v1/push/subscription").status_code == 403
    assert reader.subscribe(pushes.base + "/p", Device()).status_code == 403
    assert push_site.anon.client.get("/api/v1/push/subscription").status_code == 401
    alice = Person(push_site, "alice")
    good = Device()

    def refused(body: dict[str, Any], field: str) -> None:
        response = alice.api("POST", "/api/v1/push/subscription", json=body)
        assert response.status_code == 422, response.text
        assert field in response.json()["error"], response.json()

    keys = {"p256dh": good.p256dh, "auth": b64(good.auth)}
    refused({"subscription": {"keys": keys}}, "subscription[endpoint]")
    refused({"subscription": {"endpoint": "ftp://x.example/p", "keys": keys}},
            "subscription[endpoint]")
    refused({"subscription": {"endpoint": pushes.base, "keys": {**keys, "p256dh": "AAAA"}}},
            "subscription[keys][p256dh]")
    refused({"subscription": {"endpoint": pushes.base, "keys": {**keys, "auth": "short"}}},
            "subscription[keys][auth]")
    refused({"subscription": {"endpoint": pushes.base, "keys": keys},
             "data": {"policy": "friends"}}, "data[policy]")
    refused({"subscription": {"endpoint": pushes.base, "keys": keys},
             "data": {"alerts": {"mention": "maybe"}}}, "data[alerts][mention]")
    # Form-encoded, nested as Mastodon apps send it.
    made = alice.api("POST", "/api/v1/push/subscription", data={
        "subscription[endpoint]": pushes.base + "/form",
        "subscription[keys][p256dh]": good.p256dh, "subscription[keys][auth]": b64(good.auth),
        "data[alerts][favourite]": "true", "data[alerts][reblog]": "1",
    }).json()
    assert made["endpoint"].endswith("/form") and made["standard"] is False
    assert {k for k, v in made["alerts"].items() if v} == {"favourite", "reblog"}
    assert alice.api("PUT", "/api/v1/push/subscription",
                     json={"data": {"policy": "x"}}).status_code == 422


@pytest.mark.parametrize("endpoint", [
    "https://127.0.0.1/push", "https://localhost:8443/push", "https://[::1]/push",
    "https://10.1.2.3/push", "https://169.254.169.254/latest", "https://192.168.0.5/p",
    "https://[::ffff:127.0.0.1]/p", "https://push.localhost/p", "https://intranet/p",
    "http://push.example.com/p", "https://user:pw@push.example.com/p",
])
def test_private_endpoints_are_refused(site: Site, endpoint: str) -> None:
    """Without SALON_PUSH_ALLOW_PRIVATE (the default), the server never POSTs inside."""
    alice = Person(site, "alice")
    device = Device()
    response = alice.subscribe(endpoint, device)
    assert response.status_code == 422, response.text
    assert "subscription[endpoint]" in response.json()["error"]
    assert alice.subscribe("https://push.example.com/send/abc", device).status_code == 200


@pytest.mark.parametrize("change", ["none", "mute", "block", "delete", "unsubscribe"])
def test_delivery_reads_the_notification_as_the_api_would(
        push_site: Site, pushes: PushService, change: str) -> None:
    """What changed between the notification and its delivery counts: a push is sent only
    for what the notifications API would still show."""
    alice, bob = Person(push_site, "alice"), Person(push_site, "bob")
    posted = bob.api("POST", "/api/v1/statuses", json={"status": "hi @alice"}).json()
    push_site.run_jobs()  # the notification, before any subscription: nothing to push
    note_id = int(alice.api("GET", "/api/v1/notifications").json()[0]["id"])
    made = alice.subscribe(pushes.base + "/p", Device()).json()
    if change == "mute":
        alice.api("POST", f"/api/v1/accounts/{bob.id}/mute")
    elif change == "block":
        alice.api("POST", f"/api/v1/accounts/{bob.id}/block")
    elif change == "delete":
        bob.api("DELETE", f"/api/v1/statuses/{posted['id']}")
    elif change == "unsubscribe":
        alice.api("DELETE", "/api/v1/push/subscription")

    async def enqueue(session: AsyncSession) -> None:
        from salon.jobs import service as jobs

        jobs.enqueue(session, "push.deliver", {"subscription_id": int(made["id"]),
                                               "notification_id": note_id})

    push_site.call(enqueue)
    push_site.run_jobs()
    assert len(pushes.received) == (1 if change == "none" else 0)
