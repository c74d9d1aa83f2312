"""A followed hashtag's public posts enter the follower's home (fan-out, a rebuild, the live
home stream), and no other post with the tag does, nor a hidden author's."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.posts import interactions
from salon.settings import Settings
from salon.tags import service as tags
from salon.timelines import tasks
from salon.timelines.schemas import Cursor
from salon.timelines.store import timeline_store
from tests.conftest import People
from tests.security.live import Live, next_event, quiet, serving
from tests.timelines.helpers import home_ids, write


async def stored(session: AsyncSession, account_id: int) -> list[int]:
    await session.commit()  # see what the worker wrote
    everything = Cursor()
    everything.limit = 10_000
    return await timeline_store().page(session, account_id, everything, set())


async def test_only_public_posts_of_a_followed_tag_enter_home(
    people: People, session: AsyncSession, settings: Settings, worker: Worker
) -> None:
    alice, carol, dan = [await people.make(n) for n in ("alice", "carol", "dan")]
    blocked, blocker, muted, gone = [await people.make(n)
                                     for n in ("blocked", "blocker", "muted", "gone")]
    for reader in (carol, dan):
        await tags.follow(session, reader.id, "Cats")
    await graph.follow(session, dan.id, alice.id)  # dan follows alice and the tag
    await graph.block(session, carol.id, blocked.id)
    await graph.block(session, blocker.id, carol.id)
    await graph.mute(session, carol.id, muted.id)
    await session.commit()
    await worker.drain()

    public = await write(session, alice, "a #cats picture")
    shouting = await write(session, alice, "#CATS again")
    reply = await write(session, alice, "@dan #cats reply", in_reply_to_id=public.id)
    quiet_ones = {v: (await write(session, alice, f"@carol #cats {v}", visibility=v)).id
                  for v in ("unlisted", "private", "direct")}
    other = await write(session, alice, "#dogs only")
    hidden = [await write(session, someone, "#cats hidden")
              for someone in (blocked, blocker, muted, gone)]
    await accounts.suspend(session, gone.id)
    reposted = await interactions.repost(session, dan, public.id)
    await session.commit()
    await worker.drain()

    wanted = [reply.id, shouting.id, public.id]
    # Carol was mentioned in the followers-only and direct posts: those reach her as a
    # mention, not through the tag; the unlisted one does not reach her at all.
    mentioned = [quiet_ones["direct"], quiet_ones["private"]]
    home = await home_ids(session, settings, carol)
    assert home == mentioned + wanted
    assert other.id not in home and reposted.id not in home
    assert not set(home) & {p.id for p in hidden}
    # Nothing of those who block her, she blocks or mutes was even stored for her.
    assert not set(await stored(session, carol.id)) & {p.id for p in hidden[:3]}
    # Dan follows alice too: each post once.
    dan_home = await home_ids(session, settings, dan)
    assert dan_home.count(public.id) == 1 and len(dan_home) == len(set(dan_home))

    # After unfollowing the tag, new posts with it stay out.
    await tags.unfollow(session, carol.id, (await tags.find(session, "cats")).id)  # type: ignore[union-attr]
    await session.commit()
    later = await write(session, alice, "#cats later")
    await worker.drain()
    assert later.id not in await home_ids(session, settings, carol)


async def test_a_rebuilt_home_brings_back_followed_tag_posts(
    people: People, session: AsyncSession, settings: Settings, worker: Worker
) -> None:
    alice, carol, muted = [await people.make(n) for n in ("alice", "carol", "muted")]
    await tags.follow(session, carol.id, "cats")
    await graph.mute(session, carol.id, muted.id)
    await session.commit()
    public = await write(session, alice, "#cats rebuilt")
    quiet_post = await write(session, alice, "#cats unlisted", visibility="unlisted")
    await write(session, muted, "#cats muted")
    await worker.drain()
    assert await stored(session, carol.id) == [public.id]
    await timeline_store().remove_post(session, public.id, alice.id, select(literal(carol.id)))
    await session.commit()
    assert await stored(session, carol.id) == []
    await tasks.rebuild(session, {"account_id": carol.id})
    await session.commit()
    assert await stored(session, carol.id) == [public.id]
    assert quiet_post.id not in await home_ids(session, settings, carol)


pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402


async def _updates(socket: Any, count: int) -> list[str]:
    heard: list[str] = []
    while len(heard) < count:
        event = await next_event(socket)
        if event["event"] == "update":
            heard.append(json.loads(event["payload"])["id"])
    return heard


def test_a_followed_tag_reaches_the_home_stream(settings: Settings) -> None:
    with serving(settings) as live:
        alice, carol, dan, eve = (live.token(n) for n in ("alice", "carol", "dan", "eve"))
        alice_id = live.api("GET", "/api/v1/accounts/verify_credentials", alice)["id"]
        eve_id = live.api("GET", "/api/v1/accounts/verify_credentials", eve)["id"]
        for reader in (carol, dan):
            live.api("POST", "/api/v1/tags/Cats/follow", reader)
        live.api("POST", f"/api/v1/accounts/{alice_id}/follow", dan)
        live.api("POST", f"/api/v1/accounts/{eve_id}/block", carol)

        async def scenario(live: Live) -> None:
            await asyncio.sleep(0.5)  # the follow's backfill is done
            async with connect(f"{live.ws}?stream=user&access_token={carol}") as home, \
                    connect(f"{live.ws}?stream=user&access_token={dan}") as both:
                def post(token: str, text: str, visibility: str = "public") -> str:
                    made = live.api("POST", "/api/v1/statuses", token,
                                    data={"status": text, "visibility": visibility})
                    return str(made["id"])

                for visibility in ("unlisted", "private"):
                    await asyncio.to_thread(post, alice, f"#cats {visibility}", visibility)
                await asyncio.to_thread(post, eve, "#cats from a blocked account")
                public = await asyncio.to_thread(post, alice, "#cats for all")
                assert await _updates(home, 1) == [public]
                assert await quiet(home)
                # Dan follows alice and the tag: her unlisted, private and public posts,
                # eve's through the tag, and the public one once.
                heard = await _updates(both, 4)
                assert heard[-1] == public and heard.count(public) == 1
                assert await quiet(both)

        asyncio.run(scenario(live))
