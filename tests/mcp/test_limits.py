"""MCP on a site served as in production: several processes behind one port when Redis is
there (stateless: a client's next request may reach the other process), and an in-process
worker that would sleep an hour between polls, so that what an assistant writes is worked
on only because the write woke it. The composer's limits hold: a small daily allowance and
a blocked word are tool errors saying what to do, and the session goes on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from tests.conftest import SERVER_START_GUARD_S, real_site
from tests.databases import REDIS, Databases
from tests.mcp.test_http import Person, connected, structured
from tests.mcp.test_tools import error_of


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[str]:
    limits = {"SALON_WORKER_POLL_SECONDS": "3600", "SALON_GENERATION_DAILY_QUOTA": "3",
              "SALON_PROMPT_BLOCKLIST": "forbidden,smoke signal"}
    processes = ("--workers", "2") if REDIS else ()  # SQLite serves from one process
    with real_site(tmp_path_factory, databases, limits, *processes) as (base, _):
        yield base


async def test_an_assistants_writes_are_worked_on_at_once(site: str) -> None:
    """With an hour between polls, the pictures come back within the call and the post
    reaches a follower's home only because each write woke the worker."""
    fan, painter = Person(site, "fan2"), Person(site, "painter")
    async with connected(site, fan) as client:
        await client.call_tool("follow_account", {"account": "@painter"})
    async with connected(site, painter) as client:
        made = structured(await client.call_tool("generate_pictures", {
            "prompt": "a harbour in fog", "count": 2}))
        assert made["state"] == "succeeded" and len(made["candidates"]) == 2
        posted = structured(await client.call_tool("create_post", {
            "text": "Harbour", "picture_ids": [made["candidates"][0]["id"]]}))
    deadline = time.monotonic() + SERVER_START_GUARD_S  # a last resort, not a budget
    async with connected(site, fan) as client:
        while True:
            home = structured(await client.call_tool("read_timeline", {"timeline": "home"}))
            if any(p["id"] == posted["id"] for p in home["posts"]):
                break
            assert time.monotonic() < deadline, "the fan-out was not worked on"
            await asyncio.sleep(0.1)


async def test_the_allowance_and_blocked_words_are_tool_errors(site: str) -> None:
    async with connected(site, Person(site, "sketcher")) as client:
        blocked = await client.call_tool("generate_pictures",
                                         {"prompt": "a Forbidden garden", "count": 1})
        assert "may not contain “Forbidden”" in error_of(blocked)
        phrase = await client.call_tool("generate_pictures",
                                        {"prompt": "a smoke signal at dawn", "count": 1})
        assert "may not contain “smoke signal”" in error_of(phrase)
        first = structured(await client.call_tool("generate_pictures", {
            "prompt": "a quiet garden", "count": 2}))
        assert first["state"] == "succeeded"
        over = await client.call_tool("generate_pictures", {"prompt": "a quiet garden",
                                                            "count": 2})
        assert "You can make 3 images a day and have 1 left. Ask for 1 or fewer" in (
            error_of(over))
        # The session goes on: a refusal is an answer, not a broken connection.
        assert structured(await client.call_tool("whoami", {}))["acct"] == "@sketcher"
