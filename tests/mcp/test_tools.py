"""The tools over real HTTP (and `salon mcp` over stdio), with the SDK's client: scopes
decide which tools a token sees and may call; bad input and refusals are tool errors that
say what to change, never a broken session; a tool never shows what the account may not
see; a disconnected assistant stops at once."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, ReadResourceResult, TextContent, TextResourceContents

from tests.api.mastodon.test_oauth import pkce
from tests.conftest import real_site
from tests.databases import Databases
from tests.mcp.test_http import REDIRECT, Memory, Person, connected, structured


@pytest.fixture(scope="module")
def site_env(tmp_path_factory: pytest.TempPathFactory, databases: Databases
             ) -> Iterator[tuple[str, dict[str, str]]]:
    with real_site(tmp_path_factory, databases) as found:
        yield found


@pytest.fixture(scope="module")
def site(site_env: tuple[str, dict[str, str]]) -> str:
    return site_env[0]


def text_of(read: ReadResourceResult) -> str:
    [content] = read.contents
    assert isinstance(content, TextResourceContents)
    return content.text


def error_of(result: CallToolResult) -> str:
    assert result.is_error, result
    return " ".join(c.text for c in result.content if isinstance(c, TextContent))


async def read_only_token(site: str, person: Person) -> str:
    """The OAuth dance by hand, asking for `read` only (the SDK's client asks for what the
    protected-resource metadata lists: read and write)."""
    async with httpx.AsyncClient(base_url=site) as web:
        client = (await web.post("/oauth/register", json={
            "client_name": "Reader", "redirect_uris": [REDIRECT], "scope": "read",
            "token_endpoint_auth_method": "none"})).json()
        verifier, challenge = pkce()
        await person.open("/oauth/authorize?" + urlencode({
            "response_type": "code", "client_id": client["client_id"],
            "redirect_uri": REDIRECT, "scope": "read", "resource": f"{site}/mcp",
            "code_challenge": challenge, "code_challenge_method": "S256"}))
        issued = (await web.post("/oauth/token", data={
            "grant_type": "authorization_code", "code": person.redirect["code"][0],
            "redirect_uri": REDIRECT, "client_id": client["client_id"],
            "code_verifier": verifier, "resource": f"{site}/mcp"})).json()
    assert issued["scope"] == "read", issued
    return str(issued["access_token"])


async def test_scopes_decide_which_tools_a_token_sees_and_may_call(site: str) -> None:
    token = await read_only_token(site, Person(site, "reader"))
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http, \
            Client(streamable_http_client(f"{site}/mcp", http_client=http)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"whoami", "read_timeline", "read_thread", "search"} <= names
        assert not names & {"create_post", "like_post", "delete_post", "follow_account"}
        refused = await client.call_tool("create_post", {"text": "hello"})
        assert "not allowed write:statuses" in error_of(refused)
        assert structured(await client.call_tool("whoami", {}))["acct"] == "@reader"


async def test_bad_input_and_refusals_are_tool_errors_naming_what_to_change(site: str
                                                                           ) -> None:
    async with connected(site, Person(site, "writer")) as client:
        missing = await client.call_tool("read_thread", {"post_id": "12345"})
        assert "does not exist or is not visible" in error_of(missing)
        no_tag = await client.call_tool("read_timeline", {"timeline": "hashtag"})
        assert "hashtag" in error_of(no_tag)
        wrong_type = await client.call_tool("read_timeline", {"limit": "many"})
        assert "limit" in error_of(wrong_type)
        too_many = await client.call_tool("read_timeline", {"limit": 500})
        assert "limit" in error_of(too_many)
        bad_id = await client.call_tool("like_post", {"post_id": "1 OR 1=1"})
        assert "post_id" in error_of(bad_id)
        long = await client.call_tool("create_post", {"text": "x" * 5000})
        assert "characters" in error_of(long)
        nobody = await client.call_tool("follow_account", {"account": "@nobody"})
        assert "nobody" in error_of(nobody) or "not" in error_of(nobody)
        long_prompt = await client.call_tool("generate_pictures", {"prompt": "x" * 3000})
        assert "prompt" in error_of(long_prompt)
        no_engine = await client.call_tool("generate_pictures", {"prompt": "a cat",
                                                                 "engine": "dalle-9"})
        assert "dalle-9" in error_of(no_engine) or "engine" in error_of(no_engine)
        unknown = await client.call_tool("make_coffee", {})
        assert "make_coffee" in error_of(unknown)
        # The session is still whole.
        assert structured(await client.call_tool("whoami", {}))["acct"] == "@writer"


async def test_a_tool_never_shows_what_the_account_may_not_see(site: str) -> None:
    owner_person = Person(site, "owner")
    async with connected(site, owner_person) as owner:
        shown = {v: structured(await owner.call_tool("create_post", {
            "text": f"a {v} fox in the snow", "visibility": v}))["id"]
            for v in ("public", "unlisted", "private", "direct")}
    async with connected(site, Person(site, "stranger")) as stranger:
        for visibility in ("private", "direct"):
            hidden = await stranger.call_tool("read_thread", {"post_id": shown[visibility]})
            assert "not visible" in error_of(hidden)
            liked = await stranger.call_tool("like_post", {"post_id": shown[visibility]})
            assert liked.is_error
        seen = structured(await stranger.call_tool("read_thread",
                                                   {"post_id": shown["unlisted"]}))
        assert seen["post"]["id"] == shown["unlisted"]
        public = structured(await stranger.call_tool("read_timeline",
                                                     {"timeline": "public", "limit": 40}))
        ids = {p["id"] for p in public["posts"]}
        assert shown["public"] in ids and not ids & {shown["private"], shown["direct"]}
        found = structured(await stranger.call_tool("search", {
            "query": "fox in the snow", "kind": "posts", "limit": 40}))
        ids = {p["id"] for p in found["posts"]}
        assert not ids & {shown["private"], shown["direct"]}
        followed = structured(await stranger.call_tool("follow_account",
                                                       {"account": "@owner"}))
        assert followed["following"]
        # Following: the followers-only post is readable now, the direct one still not.
        seen = structured(await stranger.call_tool("read_thread",
                                                   {"post_id": shown["private"]}))
        assert seen["post"]["visibility"] == "private"
        assert (await stranger.call_tool("read_thread",
                                         {"post_id": shown["direct"]})).is_error
        explained = structured(await stranger.call_tool("explain_post",
                                                        {"post_id": shown["public"]}))
        assert explained["text"] and explained["engine"] == "builtin"
        assert "not visible" in error_of(await stranger.call_tool(
            "explain_post", {"post_id": shown["direct"]}))
        # Resources answer by the same rule.
        read = await stranger.read_resource(f"salon://posts/{shown['private']}")
        assert json.loads(text_of(read))["visibility"] == "private"
        with pytest.raises(MCPError, match="not visible"):
            await stranger.read_resource(f"salon://posts/{shown['direct']}")
        profile = await stranger.read_resource("salon://accounts/owner")
        assert json.loads(text_of(profile))["followers_count"] == 1
    async with connected(site, owner_person) as owner:
        told = structured(await owner.call_tool("read_notifications", {}))
        assert [(n["type"], n["account"]["acct"]) for n in told["notifications"]][:1] == [
            ("follow", "@stranger")]


async def test_a_disconnected_assistant_stops_at_once(site: str) -> None:
    ada = Person(site, "ada2")
    storage = Memory()
    async with connected(site, ada, storage) as client:
        await client.call_tool("whoami", {})
    page = ada.browser.get("/settings/apps")
    assert "Test assistant" in page.text and "chat assistant (MCP)" in page.text
    app_id = re.search(r'name="app_id" value="([0-9]+)"', page.text)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert app_id and csrf
    done = ada.browser.post("/settings/apps/revoke", data={"app_id": app_id.group(1),
                                                          "csrf_token": csrf.group(1)})
    assert done.status_code == 303
    assert "Test assistant" not in ada.browser.get("/settings/apps").text
    assert storage.tokens is not None
    async with httpx.AsyncClient() as web:
        answer = await web.post(f"{site}/mcp", json={"jsonrpc": "2.0", "id": 1,
                                                     "method": "ping"},
                                headers={"Authorization": f"Bearer {storage.tokens.access_token}",
                                         "Accept": "application/json, text/event-stream"})
        assert answer.status_code == 401
        renewed = await web.post(f"{site}/oauth/token", data={
            "grant_type": "refresh_token", "refresh_token": storage.tokens.refresh_token,
            "client_id": storage.client.client_id if storage.client else ""})
        assert renewed.json()["error"] == "invalid_grant"


async def test_salon_mcp_over_stdio_with_a_token_from_settings(
        site_env: tuple[str, dict[str, str]]) -> None:
    base, env = site_env
    eve = Person(base, "eve")
    page = eve.browser.get("/settings/apps")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    made = eve.browser.post("/settings/apps/token", data={
        "name": "My laptop", "scope_read": "1", "scope_write": "1",
        "csrf_token": csrf.group(1)})
    token = re.search(r'<code class="token">([^<]+)</code>', made.text)
    assert token, made.text[:500]
    salon = str(Path(sys.executable).parent / "salon")
    params = StdioServerParameters(command=salon, args=["mcp"],
                                   env={**env, "SALON_MCP_TOKEN": token.group(1)})
    async with Client(params) as client:
        assert structured(await client.call_tool("whoami", {}))["acct"] == "@eve"
        made_post = structured(await client.call_tool("create_post", {"text": "from stdio"}))
        assert made_post["via"] == "My laptop"
    refused = StdioServerParameters(command=salon, args=["mcp"],
                                    env={**env, "SALON_MCP_TOKEN": "not-a-token"})
    with pytest.raises(Exception):  # noqa: B017 - the server exits before the handshake
        async with Client(refused) as client:
            await client.call_tool("whoami", {})


async def test_the_persons_filters_apply_as_in_the_api(site: str) -> None:
    """A hide filter leaves its posts out of timelines and threads; a warn filter marks
    them (`filtered`), as Mastodon apps show them."""
    async with connected(site, Person(site, "poster")) as poster:
        fox = structured(await poster.call_tool("create_post", {"text": "a red fox at dawn"}))
        owl = structured(await poster.call_tool("create_post", {"text": "an owl at night"}))
    reader = Person(site, "picky")
    async with httpx.AsyncClient(base_url=site) as web:  # filters are made in an app
        app = (await web.post("/api/v1/apps", data={
            "client_name": "Filters", "redirect_uris": REDIRECT, "scopes": "read write"})).json()
        await reader.open("/oauth/authorize?" + urlencode({
            "response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT,
            "scope": "read write"}))
        token = (await web.post("/oauth/token", data={
            "grant_type": "authorization_code", "code": reader.redirect["code"][0],
            "redirect_uri": REDIRECT, "client_id": app["client_id"],
            "client_secret": app["client_secret"]})).json()["access_token"]
        for title, action, word in (("No foxes", "hide", "fox"), ("Owls", "warn", "owl")):
            made = await web.post("/api/v2/filters", headers={"Authorization": f"Bearer {token}"},
                                  json={"title": title, "context": ["public", "thread"],
                                        "filter_action": action,
                                        "keywords_attributes": [{"keyword": word}]})
            assert made.status_code == 200, made.text
    async with connected(site, reader) as client:
        public = structured(await client.call_tool("read_timeline", {"timeline": "public"}))
        shown = {p["id"]: p for p in public["posts"]}
        assert fox["id"] not in shown and shown[owl["id"]]["filtered"] == ["Owls"]
