"""A deleted post's id reaches only the streams that could have shown the post."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from salon.settings import Settings
from tests.security.live import Live, next_event, quiet, serving

pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402


async def _deletes(socket: Any, count: int) -> list[str]:
    """The next `count` deletes the socket hears (updates and notifications skipped)."""
    heard: list[str] = []
    while len(heard) < count:
        event = await next_event(socket)
        if event["event"] == "delete":
            heard.append(event["payload"])
    return heard


def test_deletes_reach_only_who_could_see_the_post(settings: Settings) -> None:
    with serving(settings) as live:
        alice, bob, carol = live.token("alice"), live.token("bob"), live.token("carol")
        me = live.api("GET", "/api/v1/accounts/verify_credentials", alice)
        live.api("POST", f"/api/v1/accounts/{me['id']}/follow", carol)

        def post(visibility: str) -> str:
            made: dict[str, Any] = live.api("POST", "/api/v1/statuses", alice, data={
                "status": f"@bob {visibility}", "visibility": visibility})
            return str(made["id"])

        posts = {v: post(v) for v in ("direct", "private", "unlisted", "public")}

        async def scenario(live: Live) -> None:
            await asyncio.sleep(1.0)  # fan-out and notifications are done: deletes remain
            async with connect(live.ws + "?stream=public") as public, connect(
                f"{live.ws}?stream=user&access_token={bob}"
            ) as mentioned, connect(f"{live.ws}?stream=user&access_token={carol}") as follower:
                for post_id in posts.values():
                    await asyncio.to_thread(live.api, "DELETE", f"/api/v1/statuses/{post_id}",
                                            alice)
                assert await _deletes(public, 1) == [posts["public"]]
                assert await quiet(public)
                # Bob is mentioned in each; Carol only follows Alice.
                assert await _deletes(mentioned, 4) == list(posts.values())
                assert await _deletes(follower, 3) == [
                    posts["private"], posts["unlisted"], posts["public"]]

        asyncio.run(scenario(live))
