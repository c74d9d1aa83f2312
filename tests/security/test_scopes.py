"""Every API route checks its token's scope through one mechanism (deps.token / deps.scoped):
walked route by route, a token without the scope is refused with 403 and one with it is let
through; anonymous reads of public things stay allowed where Mastodon allows them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import BaseRoute
from starlette.testclient import WebSocketDisconnect

from salon.api.mastodon.deps import route_scope
from salon.api.mastodon.routes import PUBLIC, undeclared
from salon.oauth import scopes as scope_rules
from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site
from tests.security.tokens import PATH_VALUES, issuer

API_PREFIXES = ("/api/", "/oauth", "/.well-known", "/nodeinfo")
# Tokens that cover little: each route is tried with every one that does not cover its scope.
NARROW = ("push", "profile", "write:media", "read:notifications")
# Server-sent event streams never end: their refusal is checked here, their acceptance in
# tests/api/mastodon/test_streaming.py.
ENDLESS = "/api/v1/streaming/"
OUTSIDE = {"error": "This action is outside the authorized scopes"}


def every_route(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """app.routes, with the routes of included routers (FastAPI keeps those nested)."""
    for route in routes:
        nested = getattr(route, "original_router", None)
        yield from every_route(nested.routes) if nested is not None else [route]


def api_routes(site: Site) -> list[APIRoute | APIWebSocketRoute]:
    found = [r for r in every_route(site.app.routes)
             if isinstance(r, APIRoute | APIWebSocketRoute) and r.path.startswith(API_PREFIXES)]
    assert len(found) > 80  # the walk sees the whole API
    return found


def test_every_route_declares_a_scope_or_is_public(site: Site) -> None:
    routes = api_routes(site)
    assert undeclared(routes) == []
    for route in routes:
        scope = route_scope(route)
        assert (scope in scope_rules.KNOWN) if scope else route.path in PUBLIC, route.path
    # The public list is short, names real routes, and none of them checks a token.
    paths = {r.path for r in routes}
    # (Mastodon's public instance, discovery and WebFinger reads make most of it.)
    assert len(PUBLIC) <= 30 and PUBLIC.issubset(paths)
    assert not [r.path for r in routes if r.path in PUBLIC and route_scope(r)]


def test_the_api_description_names_each_routes_scope(site: Site) -> None:
    """/openapi.json says what each operation needs, from the same declaration."""
    described = site.anon.client.get("/openapi.json").json()["paths"]
    for route in api_routes(site):
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            security = described[route.path][method.lower()]["security"]
            scope = route_scope(route)
            assert ({"oauth2": [scope]} in security) if scope else security == [{}], route.path
            # Anonymous reads are described as allowed exactly where they are.
            anonymous = site.anon.client.request(method, route.path.replace("{", "").replace(
                "}", "")) if method == "GET" and not route.path.startswith(ENDLESS) else None
            if anonymous is not None and {} not in security:
                assert anonymous.status_code == 401, route.path


def test_a_route_without_a_scope_is_caught() -> None:
    from fastapi import APIRouter

    stray = APIRouter()

    @stray.get("/api/v1/stray")
    async def leak() -> None: ...

    assert undeclared(stray.routes) == ["/api/v1/stray"]


@pytest.fixture
def filled(site: Site) -> dict[str, str]:
    """Real ids for the path parameters, so an accepted request reaches its handler."""
    alice = token_for(site, "alice", "read write")
    status = api(site, "POST", "/api/v1/statuses", alice,
                 json={"status": "a poll #sea", "poll": {"options": ["a", "b"]}}).json()
    return {**PATH_VALUES, "post_id": status["id"], "status_id": status["id"],
            "account_id": status["account"]["id"], "poll_id": status["poll"]["id"]}


def test_each_route_refuses_a_token_without_its_scope(site: Site, filled: dict[str, str]
                                                      ) -> None:
    carol = issuer(site, "carol")
    narrow = {scope: carol(scope) for scope in NARROW}
    tried = 0
    for route in api_routes(site):
        scope = route_scope(route)
        if scope is None or isinstance(route, APIWebSocketRoute):
            continue
        path = route.path.format(**filled)
        for method in route.methods or ():
            for granted, headers in narrow.items():
                if scope_rules.covers([granted], scope):
                    continue
                answer = api(site, method, path, headers)
                assert answer.status_code == 403 and answer.json() == OUTSIDE, (
                    method, path, granted, answer.text)
                tried += 1
            if path.startswith(ENDLESS):
                continue
            answer = api(site, method, path, carol(scope))
            # Let through: whatever the handler answers (a 404, a 422), not the scope's 403.
            refused = answer.status_code == 401 or "json" in answer.headers.get(
                "content-type", "") and answer.json() == OUTSIDE
            assert not refused, (method, path, scope, answer.text)
    assert tried > 150


def test_a_push_token_reads_nothing_of_its_account(site: Site) -> None:
    """The review's case: a token for push alone read its account's direct posts."""
    alice = token_for(site, "alice", "read write")
    bob = issuer(site, "bob")
    bob_push, bob_read = bob("push"), bob("read:statuses read:search")
    secret = api(site, "POST", "/api/v1/statuses", alice, json={
        "status": "@bob secret pollish", "visibility": "direct",
        "poll": {"options": ["x", "y"]}}).json()
    reads = [f"/api/v1/statuses/{secret['id']}", f"/api/v1/statuses/{secret['id']}/context",
             f"/api/v1/polls/{secret['poll']['id']}", "/api/v2/search?q=secret",
             f"/api/v1/accounts/{secret['account']['id']}/statuses"]
    for path in reads:
        assert api(site, "GET", path, bob_push).status_code == 403, path
        assert api(site, "GET", path, bob_read).status_code == 200, path
    assert api(site, "GET", reads[0], {}).status_code == 404  # direct: not for anyone
    public = api(site, "POST", "/api/v1/statuses", alice, json={"status": "hello"}).json()
    assert api(site, "GET", f"/api/v1/statuses/{public['id']}", {}).status_code == 200


def test_the_streaming_socket_needs_read_statuses(site: Site) -> None:
    bob = issuer(site, "bob")
    push, read = (bob(s)["Authorization"].split()[1] for s in ("push", "read:statuses"))
    with pytest.raises(WebSocketDisconnect), site.anon.client.websocket_connect(
            f"/api/v1/streaming?access_token={push}&stream=user"):
        pass
    with site.anon.client.websocket_connect(
            f"/api/v1/streaming?access_token={read}&stream=user") as socket:
        socket.close()
