"""Edits and deletes reach only the streams that carry the post, and a list's stream only
its owner: over real WebSockets, against the real app served by uvicorn."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from salon.settings import Settings
from tests.security.live import Live, next_event, quiet, serving

pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402


async def heard(socket: Any, kind: str, post_id: str) -> dict[str, Any]:
    """The next `kind` event about the post (other events on the stream are skipped)."""
    while True:
        event = await next_event(socket)
        payload = event["payload"]
        found = payload if kind == "delete" else json.loads(payload)["id"]
        if event["event"] == kind and found == post_id:
            return event


async def call(live: Live, method: str, path: str, token: str, **kw: Any) -> Any:
    return await asyncio.to_thread(live.api, method, path, token, **kw)


def test_edits_and_deletes_reach_the_streams_that_carry_the_post(settings: Settings) -> None:
    with serving(settings) as live:
        alice, carol, dave = live.token("alice"), live.token("carol"), live.token("dave")
        alice_id = live.api("GET", "/api/v1/accounts/verify_credentials", alice)["id"]
        for follower in (carol, dave):
            live.api("POST", f"/api/v1/accounts/{alice_id}/follow", follower)
        listed = live.api("POST", "/api/v1/lists", carol, data={"title": "Alice"})
        live.api("POST", f"/api/v1/lists/{listed['id']}/accounts", carol,
                 data={"account_ids[]": alice_id})
        # Dave keeps Alice in an exclusive list: her posts leave his home stream too.
        apart = live.api("POST", "/api/v1/lists", dave, data={"title": "A",
                                                              "exclusive": "true"})
        live.api("POST", f"/api/v1/lists/{apart['id']}/accounts", dave,
                 data={"account_ids[]": alice_id})
        tagged_b = live.api("POST", "/api/v1/statuses", alice, data={"status": "on #b"})["id"]

        async def scenario() -> None:
            await asyncio.sleep(1.0)  # fan-out is done: what follows is the edit's own
            async with connect(live.ws + "?stream=hashtag&tag=a") as tag_a, \
                    connect(live.ws + "?stream=hashtag&tag=b") as tag_b, \
                    connect(f"{live.ws}?stream=user&access_token={carol}") as home, \
                    connect(f"{live.ws}?stream=list&list={listed['id']}"
                            f"&access_token={carol}") as the_list, \
                    connect(f"{live.ws}?stream=user&access_token={dave}") as excluded:
                await call(live, "PUT", f"/api/v1/statuses/{tagged_b}", alice,
                           data={"status": "on #b, edited"})
                for socket in (tag_b, home, the_list):
                    event = await heard(socket, "status.update", tagged_b)
                    assert "edited" in json.loads(event["payload"])["content"]
                assert await quiet(tag_a) and await quiet(excluded, 0.2)

                new = (await call(live, "POST", "/api/v1/statuses", alice,
                                  data={"status": "now #a"}))["id"]
                for socket in (tag_a, home, the_list):
                    event = await heard(socket, "update", new)
                assert event["stream"] == ["list", listed["id"]]
                assert await quiet(tag_b, 0.2) and await quiet(excluded, 0.2)

                await call(live, "DELETE", f"/api/v1/statuses/{tagged_b}", alice)
                for socket in (tag_b, home, the_list):
                    await heard(socket, "delete", tagged_b)
                assert await quiet(tag_a)

        asyncio.run(scenario())


def test_a_list_stream_is_its_owner_s_alone(settings: Settings) -> None:
    with serving(settings) as live:
        alice, eve = live.token("alice"), live.token("eve")
        listed = live.api("POST", "/api/v1/lists", alice, data={"title": "Mine"})

        async def scenario() -> None:
            async with connect(f"{live.ws}?access_token={eve}") as socket:
                await socket.send(json.dumps({"type": "subscribe", "stream": "list",
                                              "list": listed["id"]}))
                assert await next_event(socket) == {"error": "List not found", "status": 401}
                await socket.send(json.dumps({"type": "subscribe", "stream": "list"}))
                assert (await next_event(socket))["status"] == 422
            async with connect(f"{live.ws}?stream=list&list={listed['id']}"
                               f"&access_token={eve}") as socket:
                with pytest.raises(ConnectionClosed):
                    await socket.recv()
            async with connect(f"{live.ws}?stream=list&list={listed['id']}") as socket:
                with pytest.raises(ConnectionClosed):  # no token: nobody's list
                    await socket.recv()

        asyncio.run(scenario())
        sse = live.http + "/api/v1/streaming/list"
        for token, status in ((eve, 401), (alice, 200)):
            with httpx.stream("GET", sse, params={"list": listed["id"]}, timeout=5,
                              headers={"Authorization": f"Bearer {token}"}) as response:
                assert response.status_code == status
        assert httpx.get(sse, params={"list": "x"}, timeout=5,
                         headers={"Authorization": f"Bearer {alice}"}).status_code == 422
