"""The MCP server over real HTTP against a running `salon serve`, with the official SDK's
client: discovery from a 401 (RFC 9728), dynamic registration (RFC 7591), consent with
PKCE and `resource` (RFC 8707), then tools as the person who approved; a token bound to
/mcp is refused by the Mastodon API and the other way round; DNS rebinding is refused."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata
from mcp.shared.auth import OAuthToken as SdkToken
from mcp_types import ReadResourceResult, TextResourceContents

from salon.mcp.server import SCOPES
from salon.oauth.scopes import covers
from tests.conftest import SERVER_START_GUARD_S, real_site
from tests.databases import Databases

PASSWORD = "correct horse battery"
REDIRECT = "http://127.0.0.1:9/callback"  # never opened: the test reads the redirect itself


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[str]:
    with real_site(tmp_path_factory, databases) as (base, _):
        yield base


class Memory:
    """The SDK's TokenStorage, in memory: what a chat assistant keeps per connection."""

    def __init__(self) -> None:
        self.tokens: SdkToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> SdkToken | None:
        return self.tokens

    async def set_tokens(self, tokens: SdkToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class Person:
    """A browser signed in as `username` that approves (or denies) what it is shown."""

    def __init__(self, base: str, username: str, approve: bool = True) -> None:
        self.browser = httpx.Client(base_url=base, follow_redirects=False)
        self.approve = approve
        self.consent = ""
        self.redirect: dict[str, list[str]] = {}
        page = self.browser.get("/signup").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf
        signed_up = self.browser.post("/signup", data={
            "username": username, "password": PASSWORD, "csrf_token": csrf.group(1)})
        assert signed_up.status_code == 303

    async def open(self, url: str) -> None:
        """The SDK's redirect handler: the assistant sends the person to this URL."""
        consent = self.browser.get(url)
        assert consent.status_code == 200, consent.text[:500]
        self.consent = consent.text
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                                 consent.text))
        answered = self.browser.post("/oauth/authorize", data={
            **fields, "decision": "approve" if self.approve else "deny"})
        assert answered.status_code == 303, answered.text[:300]
        self.redirect = parse_qs(urlsplit(answered.headers["location"]).query)

    async def back(self) -> AuthorizationCodeResult:
        """The SDK's callback handler: the code (and state) the redirect carried."""
        return AuthorizationCodeResult(code=self.redirect["code"][0],
                                       state=self.redirect.get("state", [None])[0])


@asynccontextmanager
async def connected(base: str, person: Person, storage: Memory | None = None,
                    document: str | None = None) -> AsyncIterator[Client]:
    """The SDK's client with its OAuth provider, as an assistant connects: it asks for the
    scopes the protected-resource metadata lists. With `document`, the URL of its client
    metadata document is its client_id; without, it registers."""
    metadata = OAuthClientMetadata(client_name="Test assistant", redirect_uris=[REDIRECT],
                                   grant_types=["authorization_code", "refresh_token"],
                                   response_types=["code"], token_endpoint_auth_method="none")
    auth = OAuthClientProvider(f"{base}/mcp", metadata, storage or Memory(),
                               redirect_handler=person.open, callback_handler=person.back,
                               client_metadata_url=document)
    async with httpx2.AsyncClient(auth=auth, timeout=60) as http, Client(
            streamable_http_client(f"{base}/mcp", http_client=http)) as client:
        yield client


def as_json(read: ReadResourceResult) -> Any:
    [content] = read.contents
    assert isinstance(content, TextResourceContents)
    return json.loads(content.text)


def structured(result: Any) -> Any:
    assert not result.is_error, result.content
    return result.structured_content


async def test_an_assistant_discovers_registers_signs_in_and_acts(site: str) -> None:
    ada = Person(site, "ada")
    storage = Memory()
    async with connected(site, ada, storage) as client:
        assert "Test assistant" in ada.consent and "chat assistant" in ada.consent
        assert storage.client is not None and storage.client.client_secret is None  # public
        me = structured(await client.call_tool("whoami", {}))
        assert me["acct"] == "@ada"
        assert "read" in ada.consent and "admin" not in ada.consent
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"whoami", "read_timeline", "create_post", "like_post"} <= names
        made = structured(await client.call_tool("create_post", {
            "text": "Hello from an assistant #mcp", "visibility": "public"}))
        assert made["via"] == "Test assistant" and made["author"]["acct"] == "@ada"
        public = structured(await client.call_tool("read_timeline", {"timeline": "public"}))
        assert made["id"] in [p["id"] for p in public["posts"]]
    assert storage.tokens is not None
    token = storage.tokens.access_token
    # The token is bound to /mcp: the Mastodon API refuses it.
    async with httpx.AsyncClient() as web:
        refused = await web.get(f"{site}/api/v1/accounts/verify_credentials",
                                headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401


def test_without_a_token_mcp_answers_401_naming_its_metadata(site: str) -> None:
    answer = httpx.post(f"{site}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                        headers={"Accept": "application/json, text/event-stream"})
    assert answer.status_code == 401
    found = re.search(r'resource_metadata="([^"]+)"', answer.headers["www-authenticate"])
    assert found and found.group(1) == f"{site}/.well-known/oauth-protected-resource/mcp"
    metadata = httpx.get(found.group(1)).json()
    assert metadata["resource"] == f"{site}/mcp"
    assert metadata["authorization_servers"] == [f"{site}/"]
    # What clients ask for: enough for every tool, never the admin scopes.
    assert metadata["scopes_supported"] == ["read", "write"]
    assert all(covers(metadata["scopes_supported"], needed) for needed in SCOPES.values())
    server = httpx.get(f"{site}/.well-known/oauth-authorization-server").json()
    assert server["issuer"] == f"{site}/"
    assert server["registration_endpoint"] == f"{site}/oauth/register"
    assert "none" in server["token_endpoint_auth_methods_supported"]
    assert server["code_challenge_methods_supported"] == ["S256"]


def test_a_mastodon_token_is_not_an_mcp_token(site: str) -> None:
    app = httpx.post(f"{site}/api/v1/apps", data={
        "client_name": "An app", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
        "scopes": "read"}).json()
    token = httpx.post(f"{site}/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "scope": "read"}).json()["access_token"]
    answer = httpx.post(f"{site}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                        headers={"Authorization": f"Bearer {token}",
                                 "Accept": "application/json, text/event-stream"})
    assert answer.status_code == 401


async def test_dns_rebinding_is_refused(site: str) -> None:
    storage = Memory()
    async with connected(site, Person(site, "bea"), storage) as client:
        await client.call_tool("whoami", {})
    assert storage.tokens is not None
    headers = {"Authorization": f"Bearer {storage.tokens.access_token}",
               "Accept": "application/json, text/event-stream",
               "Content-Type": "application/json"}
    ping = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "a page", "version": "1"}}}
    async with httpx.AsyncClient() as web:
        evil_origin = await web.post(f"{site}/mcp", json=ping,
                                     headers={**headers, "Origin": "http://evil.example"})
        evil_host = await web.post(f"{site}/mcp", json=ping,
                                   headers={**headers, "Host": "evil.example"})
        fine = await web.post(f"{site}/mcp", json=ping, headers=headers)
    assert evil_origin.status_code == 403
    assert evil_host.status_code in (403, 421)
    assert fine.status_code == 200, fine.text


async def test_an_assistant_makes_a_picture_posts_it_and_followers_see_it(site: str) -> None:
    """The issue's end to end: connect with nothing but the URL, sign in, make pictures
    (with progress), post one; a follower's home shows it with its recipe and "via"."""
    follower = Person(site, "fan")
    artist = Person(site, "artist")
    async with connected(site, follower) as fan:
        assert structured(await fan.call_tool("follow_account",
                                              {"account": "@artist"}))["following"]
    notified: list[float] = []

    async def told(progress: float, total: float | None, message: str | None) -> None:
        notified.append(progress)

    async with connected(site, artist) as client:
        made = await client.call_tool("generate_pictures", {
            "prompt": "a lighthouse at dusk, watercolor", "count": 2, "seed": 7},
            progress_callback=told)
        body = structured(made)
        assert body["state"] == "succeeded" and len(body["candidates"]) == 2
        images = [c for c in made.content if c.type == "image"]
        assert len(images) == 2 and images[0].mime_type.startswith("image/")
        assert body["candidates"][0]["recipe"]["prompt"] == "a lighthouse at dusk, watercolor"
        posted = structured(await client.call_tool("create_post", {
            "text": "Made with my assistant", "picture_ids": [body["candidates"][1]["id"]]}))
        assert posted["via"] == "Test assistant"
        assert posted["pictures"][0]["recipe"]["seed"] == body["candidates"][1]["recipe"]["seed"]
        recipe = structured(await client.call_tool("read_recipe", {"post_id": posted["id"]}))
        assert recipe["result"][0]["recipe"]["prompt"] == "a lighthouse at dusk, watercolor"
        secret = structured(await client.call_tool("create_post", {
            "text": "No recipe for this one", "hide_recipe": True,
            "picture_ids": [body["candidates"][0]["id"]]}))
    assert notified  # at least one notification while it ran
    async with connected(site, follower) as fan:
        deadline = time.monotonic() + SERVER_START_GUARD_S  # a last resort, not a budget
        while True:  # the fan-out job runs in the worker
            home = structured(await fan.call_tool("read_timeline", {"timeline": "home"}))
            if any(p["id"] == posted["id"] for p in home["posts"]):
                break
            assert time.monotonic() < deadline, "the fan-out was not worked on"
            await asyncio.sleep(0.1)
        seen = next(p for p in home["posts"] if p["id"] == posted["id"])
        assert seen["via"] == "Test assistant" and seen["pictures"][0]["recipe"]["engine"]
        picture = await fan.read_resource(f"salon://pictures/{seen['pictures'][0]['id']}")
        assert as_json(picture)["recipe"]["prompt"] == "a lighthouse at dusk, watercolor"
        hidden = await fan.read_resource(f"salon://pictures/{secret['pictures'][0]['id']}")
        assert as_json(hidden)["recipe"] is None and as_json(hidden)["url"]
        assert structured(await fan.call_tool("read_lists", {})) == {"result": []}
