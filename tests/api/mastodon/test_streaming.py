"""The streaming API's WebSocket and health check, through the real app."""

from __future__ import annotations

import json
from typing import Any

from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site


def test_health(site: Site) -> None:
    response = site.anon.client.get("/api/v1/streaming/health")
    assert response.status_code == 200 and response.text == "OK"


def test_websocket_public_and_user_streams(site: Site) -> None:
    alice = token_for(site, "alice")
    bob = token_for(site, "bob")
    bob_token = bob["Authorization"].split()[1]
    me = api(site, "GET", "/api/v1/accounts/verify_credentials", alice).json()
    api(site, "POST", f"/api/v1/accounts/{me['id']}/follow", bob)
    site.run_jobs()
    with site.anon.client.websocket_connect(
        f"/api/v1/streaming?stream=user&access_token={bob_token}"
    ) as socket:
        socket.send_text(json.dumps({"type": "subscribe", "stream": "public"}))
        posted = api(site, "POST", "/api/v1/statuses", alice, data={"status": "hi all"}).json()
        site.run_jobs()
        seen = [json.loads(socket.receive_text()) for _ in range(2)]
        assert {tuple(m["stream"]) for m in seen} == {("user",), ("public",)}
        assert all(m["event"] == "update" for m in seen)
        assert {json.loads(m["payload"])["id"] for m in seen} == {posted["id"]}
        api(site, "DELETE", f"/api/v1/statuses/{posted['id']}", alice)
        gone = [json.loads(socket.receive_text()) for _ in range(2)]
        assert {m["event"] for m in gone} == {"delete"} and gone[0]["payload"] == posted["id"]


def test_websocket_refuses_a_bad_token(site: Site) -> None:
    import pytest
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect), site.anon.client.websocket_connect(
        "/api/v1/streaming?stream=user&access_token=nope"
    ) as socket:
        socket.receive_text()


def test_generation_progress_reaches_only_its_owner(site: Site) -> None:
    alice = token_for(site, "alice")
    bob = token_for(site, "bob")
    alice_token = alice["Authorization"].split()[1]
    bob_token = bob["Authorization"].split()[1]
    with site.anon.client.websocket_connect(
        f"/api/v1/streaming?stream=user&access_token={alice_token}"
    ) as mine, site.anon.client.websocket_connect(
        f"/api/v1/streaming?stream=user&access_token={bob_token}"
    ) as theirs:
        made = api(site, "POST", "/api/v1/salon/generations", alice,
                   json={"prompt": "a paper boat", "count": 1}).json()
        states: list[dict[str, Any]] = []

        def hear() -> None:
            message = json.loads(mine.receive_text())
            assert message["event"] == "salon.generation"
            payload = json.loads(message["payload"])
            assert payload["id"] == made["id"]
            states.append(payload)

        hear()  # no worker has run: it is queued
        site.run_jobs()
        while states[-1]["state"] not in ("succeeded", "failed"):
            hear()
        # Each event shows the generation as it is when sent, so some steps may be seen
        # as later ones; never out of order.
        order = ["queued", "running", "succeeded"]
        seen = [order.index(s["state"]) for s in states]
        assert seen[0] == 0 and seen == sorted(seen) and len(seen) > 1
        assert states[-1]["state"] == "succeeded" and len(states[-1]["candidates"]) == 1
        # Bob's stream carries nothing of it: the next thing he hears is his own post.
        api(site, "POST", "/api/v1/statuses", bob, data={"status": "mine"})
        site.run_jobs()
        heard = json.loads(theirs.receive_text())
        assert heard["event"] == "update" and "paper boat" not in heard["payload"]


def test_a_notification_arrives_once_on_the_user_stream(site: Site) -> None:
    """`user` hears `user:notification` too: published to both, each came twice."""
    alice = token_for(site, "alice")
    bob = token_for(site, "bob")
    bob_token = bob["Authorization"].split()[1]
    mine = api(site, "POST", "/api/v1/statuses", bob, data={"status": "like me"}).json()
    site.run_jobs()
    with site.anon.client.websocket_connect(
        f"/api/v1/streaming?stream=user&access_token={bob_token}"
    ) as socket:
        api(site, "POST", f"/api/v1/statuses/{mine['id']}/favourite", alice)
        site.run_jobs()
        api(site, "POST", "/api/v1/statuses", bob, data={"status": "the next thing"})
        site.run_jobs()
        heard = [json.loads(socket.receive_text()) for _ in range(2)]
        assert [m["event"] for m in heard] == ["notification", "update"], heard
