"""POST /api/v1/salon/statuses/:id/explain: the assistant explains a status to the token's
account alone, as server-sent events, records it as an ask and posts nothing.

Streaming is checked over a real socket (`salon serve` in its own process): with the builtin
engine, and with the openai engine talking to a local fake Chat Completions server
(tests/assistant/fake_chat.py) for an answer that breaks off and for a client that leaves
before the answer is written. Who may have what explained, hidden recipes, the allowance and
the scope go through the real app in-process."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.assistant.models import Ask
from salon.db.session import Database
from salon.posts.models import Post
from salon.settings import Settings
from tests.api.mastodon.test_endpoints import api, token_for
from tests.api.mastodon.test_generations import (
    SECRET,
    account_id,
    browser_of,
    finished,
    generate,
    post_picture,
)
from tests.assistant.fake_chat import FakeChat, Reply, said
from tests.conftest import PASSWORD, Site, _free_port, salon_serve, settings_for
from tests.databases import Databases, process_env
from tests.security.tokens import issuer

DELTA, DONE, ERROR = "salon.explain.delta", "salon.explain.done", "salon.explain.error"
Event = tuple[str, dict[str, Any]]


def explain_path(status_id: str) -> str:
    return f"/api/v1/salon/statuses/{status_id}/explain"


def events(lines: Iterable[str]) -> list[Event]:
    """Server-sent events as a client reads them: `event:` and `data:` lines, a blank line
    ending each."""
    found: list[Event] = []
    name, data = "message", []
    for line in lines:
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            found.append((name, json.loads("\n".join(data))))
            name, data = "message", []
    return found


def explained(site: Site, headers: dict[str, str], status_id: str) -> list[Event]:
    answer = api(site, "POST", explain_path(status_id), headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/event-stream")
    return events(answer.text.split("\n"))


def whole(found: list[Event]) -> str:
    """The done event's text, after checking it joins the deltas before it."""
    assert found[-1][0] == DONE, found
    deltas = [data["text"] for name, data in found[:-1]]
    assert all(name == DELTA for name, _ in found[:-1])
    text: str = found[-1][1]["text"]
    assert "".join(deltas) == text
    return text


def post(site: Site, headers: dict[str, str], text: str, visibility: str = "public") -> str:
    made = api(site, "POST", "/api/v1/statuses", headers,
               json={"status": text, "visibility": visibility})
    assert made.status_code == 200, made.text
    status_id: str = made.json()["id"]
    return status_id


def asks(site: Site) -> list[Ask]:
    async def read(session: AsyncSession) -> list[Ask]:
        return list(await session.scalars(select(Ask).order_by(Ask.id)))

    found: list[Ask] = site.call(read)
    return found


def posts_count(site: Site) -> int:
    async def count(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(Post)) or 0)

    found: int = site.call(count)
    return found


# --- in-process: who may have what explained -------------------------------------------------


def test_an_explanation_is_the_askers_alone_and_is_recorded(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    status_id = post(site, alice, "The tide comes in twice a day #sea https://example.com/t")
    before = posts_count(site)
    found = explained(site, bob, status_id)
    text = whole(found)
    assert len(found) > 3  # word-sized pieces, then done
    assert "@alice" in text and "#sea" in text
    done = found[-1][1]
    assert (done["engine"], done["model"]) == ("builtin", "salon-builtin-1")
    assert posts_count(site) == before  # nothing posted, nobody notified
    assert api(site, "GET", "/api/v1/notifications", alice).json() == []
    [ask] = asks(site)
    assert (ask.kind, ask.state, ask.question, ask.answer) == ("explain", "answered", "", text)
    assert str(ask.id) == done["id"] and ask.target_post_id == int(status_id)
    assert ask.asker_id == int(account_id(site, bob)) and ask.finished_at is not None
    assert (ask.engine, ask.model, ask.question_post_id, ask.answer_post_id) == (
        "builtin", "salon-builtin-1", None, None)


VIEWERS = ("author", "follower", "stranger", "blocked")
VISIBLE = {  # who may have each post explained: who may see it
    "public": {"author", "follower", "stranger"},
    "unlisted": {"author", "follower", "stranger"},
    "private": {"author", "follower"},
    "direct": {"author"},
}


def test_only_what_the_asker_may_see_is_explained(site: Site) -> None:
    alice = token_for(site, "alice")
    token_for(site, "erin")
    people = {"author": alice, "follower": token_for(site, "bob"),
              "stranger": token_for(site, "carol"), "blocked": token_for(site, "dan")}
    api(site, "POST", f"/api/v1/accounts/{account_id(site, alice)}/follow", people["follower"])
    api(site, "POST", f"/api/v1/accounts/{account_id(site, people['blocked'])}/block", alice)
    made = {visibility: post(site, alice, f"@erin words #zq{visibility}", visibility)
            for visibility in VISIBLE}
    for visibility, status_id in made.items():
        for viewer in VIEWERS:
            answer = api(site, "POST", explain_path(status_id), people[viewer])
            expected = 200 if viewer in VISIBLE[visibility] else 404
            assert answer.status_code == expected, (visibility, viewer, answer.text)
            if expected == 404:  # the same answer as for a status that does not exist
                assert answer.json() == api(site, "POST", explain_path("999999999"),
                                            people[viewer]).json()
            else:
                assert f"zq{visibility}" in whole(events(answer.text.split("\n")))
    assert api(site, "POST", explain_path("nope"), alice).status_code == 404


def test_a_reply_is_explained_with_only_the_parent_the_asker_may_see(site: Site) -> None:
    alice, bob, carol = (token_for(site, n) for n in ("alice", "bob", "carol"))
    api(site, "POST", f"/api/v1/accounts/{account_id(site, alice)}/follow", bob)
    parent = post(site, alice, "zqfollowersonly thoughts", "private")
    reply = api(site, "POST", "/api/v1/statuses", bob, json={
        "status": "@alice I agree", "in_reply_to_id": parent}).json()["id"]
    assert "zqfollowersonly" in whole(explained(site, bob, reply))
    assert "zqfollowersonly" not in str(explained(site, carol, reply))


def test_a_hidden_recipe_is_explained_to_its_author_alone(site: Site) -> None:
    alice, carol = token_for(site, "alice"), token_for(site, "carol")
    shown = post_picture(site, alice, f"a {SECRET} at noon", "look")["id"]
    done = finished(site, alice, generate(site, alice, f"a {SECRET} at dusk"))
    made = browser_of(site, "alice").post("/posts", {
        "text": "guess how", "hide_recipe": "on", "media_id": done["candidates"][0]["id"]})
    assert made.status_code == 303, made.text
    site.run_jobs()
    hidden = api(site, "GET", f"/api/v1/accounts/{account_id(site, alice)}/statuses",
                 alice).json()[0]["id"]
    assert f"{SECRET} at noon" in whole(explained(site, carol, shown))  # a recipe shown
    secret = explained(site, carol, hidden)
    assert SECRET not in str(secret) and "sketch" in whole(secret).lower()  # what made it, no more
    assert f"{SECRET} at dusk" in whole(explained(site, alice, hidden))


def test_a_repost_explains_what_was_reposted(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    original = post(site, alice, "words #zqoriginal")
    boosted = api(site, "POST", f"/api/v1/statuses/{original}/reblog", bob).json()["id"]
    assert "zqoriginal" in whole(explained(site, bob, boosted))
    assert asks(site)[0].target_post_id == int(original)


def test_blocking_or_muting_the_assistant_still_lets_one_ask(site: Site) -> None:
    """The asker's own private request: nothing is posted, nobody else is reached."""
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    muse = api(site, "GET", "/api/v1/accounts/lookup?acct=muse", bob).json()["id"]
    status_id = post(site, alice, "hello #zqhello")
    assert api(site, "POST", f"/api/v1/accounts/{muse}/mute", bob).status_code == 200
    assert "zqhello" in whole(explained(site, bob, status_id))
    assert api(site, "POST", f"/api/v1/accounts/{muse}/block", bob).status_code == 200
    assert "zqhello" in whole(explained(site, bob, status_id))


def test_the_daily_allowance(settings: Settings) -> None:
    with Site(settings.model_copy(update={"assistant_daily_answers": 2})) as site:
        alice, bob = token_for(site, "alice"), token_for(site, "bob")
        status_id = post(site, alice, "once #zqonce")
        for _ in range(2):
            whole(explained(site, bob, status_id))
        refused = api(site, "POST", explain_path(status_id), bob)
        assert refused.status_code == 429
        assert "2 answers" in refused.json()["error"]
        whole(explained(site, alice, status_id))  # each person's own allowance
        assert [a.state for a in asks(site)] == ["answered"] * 3


def test_switched_off(settings: Settings) -> None:
    with Site(settings.model_copy(update={"assistant_enabled": False})) as site:
        alice = token_for(site, "alice")
        answer = api(site, "POST", explain_path(post(site, alice, "hello")), alice)
        assert answer.status_code == 404
        assert answer.json() == {"error": "The assistant is switched off on this server."}


def test_the_scope(site: Site) -> None:
    carol = issuer(site, "carol")
    status_id = post(site, carol("write:statuses"), "scoped #zqscope")
    for narrow in ("write:media", "push", "read:notifications"):
        answer = api(site, "POST", explain_path(status_id), carol(narrow))
        assert answer.status_code == 403, narrow
        assert answer.json() == {"error": "This action is outside the authorized scopes"}
    assert api(site, "POST", explain_path(status_id), {}).status_code == 401
    assert "zqscope" in whole(explained(site, carol("read:statuses"), status_id))
    assert "zqscope" in whole(explained(site, carol("read"), status_id))


# --- over a real socket ---------------------------------------------------------------------


@contextmanager
def served(tmp_path_factory: pytest.TempPathFactory, databases: Databases,
           env: dict[str, str]) -> Iterator[tuple[str, Settings]]:
    """`salon serve` with `env` added, on a free port; its URL and settings."""
    data = tmp_path_factory.mktemp("explain")
    port = _free_port()
    database = databases.fresh(data)
    settings = settings_for(data, database)
    try:
        with salon_serve({**process_env(settings), **env}, data / "server.log", port) as base:
            yield base, settings
    finally:
        databases.drop(database)


@pytest.fixture(scope="module")
def builtin(tmp_path_factory: pytest.TempPathFactory, databases: Databases
            ) -> Iterator[tuple[str, Settings]]:
    with served(tmp_path_factory, databases, {}) as found:
        yield found


@pytest.fixture(scope="module")
def chat() -> Iterator[FakeChat]:
    with FakeChat() as fake:
        yield fake


@pytest.fixture(scope="module")
def openai(tmp_path_factory: pytest.TempPathFactory, databases: Databases, chat: FakeChat
           ) -> Iterator[tuple[str, Settings]]:
    with served(tmp_path_factory, databases, {
            "SALON_ASSISTANT_ENGINE": "openai", "SALON_ASSISTANT_OPENAI_BASE_URL": chat.url,
            "SALON_ASSISTANT_OPENAI_MODEL": "fake-chat-1",
            "SALON_ASSISTANT_OPENAI_RETRIES": "0"}) as found:
        yield found


def person(base: str, username: str) -> dict[str, str]:
    """Signed up through an app, as Mastodon apps do; the token's headers."""
    with httpx.Client(base_url=base) as http:
        app = http.post("/api/v1/apps", data={
            "client_name": "explain tests", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write"}).json()
        grant = http.post("/oauth/token", data={
            "grant_type": "client_credentials", "client_id": app["client_id"],
            "client_secret": app["client_secret"], "scope": "read write"}).json()
        made = http.post("/api/v1/accounts", headers={
            "Authorization": f"Bearer {grant['access_token']}"}, data={
            "username": username, "password": PASSWORD, "agreement": "true"})
        assert made.status_code == 200, made.text
        return {"Authorization": f"Bearer {made.json()['access_token']}"}


def stored_ask(settings: Settings, ask_id: int | None = None) -> Ask | None:
    """The last ask (or `ask_id`) as the server's database has it."""
    async def read() -> Ask | None:
        db = Database(settings)
        try:
            async with db.sessions() as session:
                query = select(Ask).order_by(Ask.id.desc()).limit(1) if ask_id is None \
                    else select(Ask).where(Ask.id == ask_id)
                found: Ask | None = await session.scalar(query)
                return found
        finally:
            await db.dispose()

    return asyncio.run(read())


def test_pieces_arrive_as_they_are_written(builtin: tuple[str, Settings]) -> None:
    base, settings = builtin
    alice, bob = person(base, "alice"), person(base, "bob")
    with httpx.Client(base_url=base, timeout=30) as http:
        status_id = http.post("/api/v1/statuses", headers=alice, data={
            "status": "Low tide at the harbour this morning #sea"}).json()["id"]
        with http.stream("POST", explain_path(status_id), headers=bob) as answer:
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/event-stream")
            assert answer.headers["cache-control"] == "no-store"
            found = events(answer.iter_lines())
    text = whole(found)
    assert len(found) > 3 and "#sea" in text
    ask = stored_ask(settings, int(found[-1][1]["id"]))
    assert ask is not None and (ask.kind, ask.state, ask.answer) == ("explain", "answered", text)


def test_an_answer_that_breaks_off_ends_with_an_error(openai: tuple[str, Settings],
                                                       chat: FakeChat) -> None:
    base, settings = openai
    alice = person(base, "alice")
    chat.script(Reply("cut", text="The harbour at low tide, seen from the pier."))
    with httpx.Client(base_url=base, timeout=30) as http:
        status_id = http.post("/api/v1/statuses", headers=alice, data={
            "status": "Low tide"}).json()["id"]
        with http.stream("POST", explain_path(status_id), headers=alice) as answer:
            found = events(answer.iter_lines())
    assert [name for name, _ in found] == [DELTA, DELTA, ERROR], found
    assert "".join(data["text"] for _, data in found[:-1]) == "The harbour"[:8]
    assert found[-1][1]["error"]
    ask = stored_ask(settings)
    assert ask is not None and (ask.kind, ask.state, ask.reason) == ("explain", "failed",
                                                                   "engine")
    # The engine's own pieces and the assistant's answer events: engine and model named.
    chat.script(said("Two tides a day."))
    with httpx.Client(base_url=base, timeout=30) as http:
        answer = http.post(explain_path(status_id), headers=alice)
    done = events(answer.text.split("\n"))[-1][1]
    assert (done["text"], done["engine"], done["model"]) == ("Two tides a day.", "openai",
                                                           "fake-chat-1")


def test_a_reader_that_leaves_does_not_stop_the_answer(openai: tuple[str, Settings],
                                                       chat: FakeChat) -> None:
    base, settings = openai
    bob = person(base, "bob")
    with httpx.Client(base_url=base, timeout=30) as http:
        status_id = http.post("/api/v1/statuses", headers=bob, data={
            "status": "Kites over the dunes"}).json()["id"]
        chat.script(said("Kites, written slowly.", delay=1.0))
        with http.stream("POST", explain_path(status_id), headers=bob) as answer:
            assert answer.status_code == 200  # then the reader goes, before any piece
        deadline = time.monotonic() + 20
        while (ask := stored_ask(settings)) is None or ask.state == "thinking":
            assert time.monotonic() < deadline, "the answer was never recorded"
            time.sleep(0.1)
        assert (ask.state, ask.answer) == ("answered", "Kites, written slowly.")
        assert ask.target_post_id == int(status_id)
        assert http.get("/api/v1/instance").status_code == 200  # and the server is fine
    log = Path(settings.data_dir, "server.log").read_text()
    assert "Traceback" not in log, log[-3000:]
