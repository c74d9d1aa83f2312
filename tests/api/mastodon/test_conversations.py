"""Conversations of direct posts: one row per participant, unread for all but who posted
last, moved to the top by a new post in the thread; read, removed; never showing a post to
someone it does not mention; and `conversation` events on the direct stream over a real
WebSocket against a real `salon serve`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from salon.settings import Settings
from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site
from tests.security.live import Live, next_event, quiet, serving


def _post(site: Site, who: dict[str, str], text: str, visibility: str = "direct",
          **more: Any) -> str:
    made = api(site, "POST", "/api/v1/statuses", who,
               data={"status": text, "visibility": visibility, **more})
    assert made.status_code == 200, made.text
    site.run_jobs()
    return str(made.json()["id"])


def _talks(site: Site, who: dict[str, str], **query: Any) -> list[dict[str, Any]]:
    found = api(site, "GET", "/api/v1/conversations", who, params=query)
    assert found.status_code == 200
    return list(found.json())


def _names(talk: dict[str, Any]) -> list[str]:
    return sorted(a["username"] for a in talk["accounts"])


def test_each_participant_has_the_conversation_and_its_unread(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    carol, dave = token_for(site, "carol"), token_for(site, "dave")
    first = _post(site, alice, "@bob @carol secret")
    mine = _talks(site, alice)
    assert len(mine) == 1 and mine[0]["unread"] is False
    assert _names(mine[0]) == ["bob", "carol"]
    assert mine[0]["last_status"]["id"] == first
    theirs = _talks(site, bob)
    assert len(theirs) == 1 and theirs[0]["unread"] is True
    assert _names(theirs[0]) == ["alice", "carol"] and theirs[0]["last_status"]["id"] == first
    assert set(theirs[0]) == {"id", "unread", "accounts", "last_status"}
    assert _talks(site, dave) == []  # not mentioned: nothing

    other = _post(site, alice, "@bob just us")  # another set of people: another one
    assert [t["last_status"]["id"] for t in _talks(site, bob)] == [other, first]
    # Bob answers in the first thread: it moves to the top, unread for Alice and Carol.
    reply = _post(site, bob, "@alice @carol answer", in_reply_to_id=first)
    bobs = _talks(site, bob)
    assert [t["last_status"]["id"] for t in bobs] == [reply, other]
    assert bobs[0]["id"] == theirs[0]["id"] and bobs[0]["unread"] is False
    alices = _talks(site, alice)
    assert alices[0]["last_status"]["id"] == reply and alices[0]["unread"] is True
    assert alices[0]["id"] == mine[0]["id"]
    assert _talks(site, carol)[0]["unread"] is True

    read = api(site, "POST", f"/api/v1/conversations/{alices[0]['id']}/read", alice)
    assert read.status_code == 200 and read.json()["unread"] is False
    assert _talks(site, alice)[0]["unread"] is False
    assert _talks(site, carol)[0]["unread"] is True  # each has their own

    # Paging by the last status.
    page = api(site, "GET", "/api/v1/conversations", bob, params={"limit": 1})
    assert len(page.json()) == 1 and 'rel="next"' in page.headers["link"]
    rest = _talks(site, bob, max_id=reply)
    assert [t["last_status"]["id"] for t in rest] == [other]

    # Another's conversation is not found; removing is for one participant only.
    assert api(site, "POST", f"/api/v1/conversations/{alices[0]['id']}/read",
               dave).status_code == 404
    assert api(site, "DELETE", f"/api/v1/conversations/{alices[0]['id']}",
               dave).status_code == 404
    assert api(site, "DELETE", f"/api/v1/conversations/{alices[0]['id']}",
               alice).json() == {}
    assert [t["last_status"]["id"] for t in _talks(site, alice)] == [other]
    assert len(_talks(site, carol)) == 1
    assert api(site, "GET", "/api/v1/conversations", {}).status_code == 401


def test_only_direct_posts_to_people_who_may_see_them(site: Site) -> None:
    alice, bob, carol = token_for(site, "alice"), token_for(site, "bob"), token_for(site, "carol")
    for visibility in ("public", "unlisted", "private"):
        _post(site, alice, f"@bob {visibility}", visibility)
    assert _talks(site, bob) == [] and _talks(site, alice) == []
    bob_id = api(site, "GET", "/api/v1/accounts/verify_credentials", bob).json()["id"]
    alice_id = api(site, "GET", "/api/v1/accounts/verify_credentials", alice).json()["id"]
    # Carol blocks Alice: Alice's direct post to both reaches Bob only.
    api(site, "POST", f"/api/v1/accounts/{alice_id}/block", carol)
    _post(site, alice, "@bob @carol hello")
    assert len(_talks(site, bob)) == 1 and _talks(site, carol) == []
    # Bob blocks Alice afterwards: the conversation no longer shows her post to him.
    api(site, "POST", f"/api/v1/accounts/{alice_id}/block", bob)
    assert _talks(site, bob) == []
    api(site, "POST", f"/api/v1/accounts/{alice_id}/unblock", bob)
    assert len(_talks(site, bob)) == 1
    assert bob_id


def test_deleting_posts_shows_the_last_one_left(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    first = _post(site, alice, "@bob one")
    second = _post(site, bob, "@alice two", in_reply_to_id=first)
    assert _talks(site, alice)[0]["last_status"]["id"] == second
    api(site, "DELETE", f"/api/v1/statuses/{second}", bob)
    assert [t["last_status"]["id"] for t in _talks(site, alice)] == [first]
    api(site, "DELETE", f"/api/v1/statuses/{first}", alice)
    assert _talks(site, alice) == [] and _talks(site, bob) == []


async def _conversations(socket: Any, count: int) -> list[dict[str, Any]]:
    import json

    heard: list[dict[str, Any]] = []
    while len(heard) < count:
        event = await next_event(socket)
        assert event["stream"] == ["direct"]
        if event["event"] == "conversation":
            heard.append(json.loads(event["payload"]))
    return heard


def test_the_direct_stream_brings_conversations_to_each_participant(
        settings: Settings) -> None:
    pytest.importorskip("websockets")
    from websockets.asyncio.client import connect

    with serving(settings) as live:
        alice, bob, carol = live.token("alice"), live.token("bob"), live.token("carol")

        async def scenario(live: Live) -> None:
            async with connect(f"{live.ws}?stream=direct&access_token={alice}") as mine, \
                    connect(f"{live.ws}?stream=direct&access_token={bob}") as bobs, \
                    connect(f"{live.ws}?stream=direct&access_token={carol}") as carols:
                made = await asyncio.to_thread(live.api, "POST", "/api/v1/statuses", alice,
                                               data={"status": "@bob psst",
                                                     "visibility": "direct"})
                [to_bob] = await _conversations(bobs, 1)
                assert to_bob["unread"] is True and to_bob["last_status"]["id"] == made["id"]
                assert [a["username"] for a in to_bob["accounts"]] == ["alice"]
                [to_me] = await _conversations(mine, 1)
                assert to_me["unread"] is False
                assert [a["username"] for a in to_me["accounts"]] == ["bob"]
                assert await quiet(carols)  # not mentioned: hears nothing
                await asyncio.to_thread(live.api, "POST", "/api/v1/statuses", alice,
                                        data={"status": "@bob public", "visibility": "public"})
                assert await quiet(bobs)  # only direct posts make conversations

        asyncio.run(scenario(live))
