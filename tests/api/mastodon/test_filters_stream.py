"""Filters on the streams, over a real WebSocket against the served app: a hide filter keeps
a post off its owner's streams while another listener still gets it, and a warn filter
marks it `filtered` for that listener only (on the shared public rendering too)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from salon.settings import Settings
from tests.security.live import Live, next_event, quiet, serving

pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402


async def _updates(socket: Any, count: int) -> list[dict[str, Any]]:
    """The statuses of the next `count` updates the socket hears."""
    heard: list[dict[str, Any]] = []
    while len(heard) < count:
        event = await next_event(socket)
        if event["event"] == "update":
            heard.append(json.loads(event["payload"]))
    return heard


def test_hide_and_warn_filters_on_streams(settings: Settings) -> None:
    with serving(settings) as live:
        alice, bob, carol = live.token("alice"), live.token("bob"), live.token("carol")
        me = live.api("GET", "/api/v1/accounts/verify_credentials", alice)
        for follower in (bob, carol):
            live.api("POST", f"/api/v1/accounts/{me['id']}/follow", follower)
        keyword = [{"keyword": "spoiler", "whole_word": True}]
        live.api("POST", "/api/v2/filters", bob, json={
            "title": "No spoilers", "context": ["home", "public"], "filter_action": "hide",
            "keywords_attributes": keyword})
        warned = live.api("POST", "/api/v2/filters", carol, json={
            "title": "Careful", "context": ["home", "public"], "filter_action": "warn",
            "keywords_attributes": keyword})

        async def scenario(live: Live) -> None:
            await asyncio.sleep(0.5)  # the follows' notifications are out of the way
            async with connect(f"{live.ws}?stream=user&access_token={bob}") as bob_home, \
                    connect(f"{live.ws}?stream=user&access_token={carol}") as carol_home, \
                    connect(f"{live.ws}?stream=public&access_token={bob}") as bob_public, \
                    connect(f"{live.ws}?stream=public&access_token={carol}") as carol_public, \
                    connect(f"{live.ws}?stream=public") as anonymous:
                for text in ("a big Spoiler ahead", "nothing to hide"):
                    await asyncio.to_thread(live.api, "POST", "/api/v1/statuses", alice,
                                            data={"status": text})
                # Bob's hide filter keeps the first post off both his streams.
                for stream in (bob_home, bob_public):
                    [only] = await _updates(stream, 1)
                    assert only["content"] == "<p>nothing to hide</p>"
                    assert only.get("filtered", []) == []  # public streams carry no flags
                # Carol gets both, the first marked by her warn filter, on either stream.
                for stream in (carol_home, carol_public):
                    first, second = await _updates(stream, 2)
                    assert [r["filter"]["id"] for r in first["filtered"]] == [warned["id"]]
                    assert first["filtered"][0]["keyword_matches"] == ["spoiler"]
                    assert first["filtered"][0]["filter"]["filter_action"] == "warn"
                    assert second.get("filtered", []) == []
                first, second = await _updates(anonymous, 2)
                assert "filtered" not in first and "filtered" not in second
                assert await quiet(bob_home) and await quiet(bob_public)

        asyncio.run(scenario(live))
