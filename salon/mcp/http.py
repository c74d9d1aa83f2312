"""/mcp on `salon serve`: streamable HTTP as a protected resource (RFC 9728). Salon's own
OAuth server issues its tokens (a token for /mcp is bound to it with RFC 8707's `resource`
and refused by the Mastodon API, and the other way round); a request without one gets 401
with `WWW-Authenticate` naming `/.well-known/oauth-protected-resource/mcp`. Host and Origin
are checked against SALON_BASE_URL (DNS rebinding)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from salon.db.session import Database
from salon.mcp import PATH, resource_url, server
from salon.mcp.acting import Runtime
from salon.settings import Settings
from salon.web.admission import Admission

SCOPES_SUPPORTED = ("read", "write")  # what the tools need (server.SCOPES), no more


class Verifier:
    """The SDK's TokenVerifier over Salon's tokens: live, for an account, bound to /mcp."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def verify_token(self, token: str) -> AccessToken | None:
        rt = replace(self.rt, token=token)  # the caller of this request, not the server's
        async with rt.database().sessions() as session:
            caller = await rt.caller(session)
        if caller is None:
            return None
        return AccessToken(token=token, client_id=caller.app.client_id, scopes=caller.scopes,
                           resource=caller.token.resource)


def _transport_security(settings: Settings) -> TransportSecuritySettings:
    parts = urlsplit(settings.base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return TransportSecuritySettings(enable_dns_rebinding_protection=True,
                                     allowed_hosts=[parts.netloc], allowed_origins=[origin])


def app(settings: Settings, database: Callable[[], Database], wake: Callable[[], None]
        ) -> tuple[Starlette, Any]:
    """The MCP app (its routes: PATH and its protected-resource metadata) and its session
    manager, whose run() a lifespan enters once."""
    rt = Runtime(settings, database, resource_url(settings), wake=wake)
    base = settings.base_url.rstrip("/")
    auth = AuthSettings(issuer_url=f"{base}/", resource_server_url=resource_url(settings),
                        validate_token_resource=True, service_documentation_url=f"{base}/docs")
    mcp = server.build(rt, auth=auth, token_verifier=Verifier(rt))
    # Stateless: with `salon serve --workers N` or several hosts, a client's next request
    # may reach another process, which would not know a session of the handshake
    # (2026-07-28 requests have none anyway; progress still streams within a request).
    starlette = mcp.streamable_http_app(streamable_http_path=PATH, stateless_http=True,
                                        transport_security=_transport_security(settings),
                                        max_request_body_size=settings.max_body_bytes)
    return starlette, mcp.session_manager


class Mount:
    """/mcp in the host app: the MCP app of the lifespan now running. The SDK's session
    manager runs once per instance, and a host app may start again (tests do): each start
    makes a new one."""

    PATHS = (PATH, f"/.well-known/oauth-protected-resource{PATH}")

    def __init__(self, settings: Settings, database: Callable[[], Database],
                 wake: Callable[[], None]) -> None:
        self.settings, self.database, self.wake = settings, database, wake
        self.current: Starlette | None = None
        # The site's limit on requests at once, for MCP's alone: its calls may wait
        # minutes on pictures, so they queue among themselves, not in the site's line.
        self.admitted = Admission(self._serve, settings.max_active_requests)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        starlette, sessions = app(self.settings, self.database, self.wake)
        async with sessions.run():
            self.current = starlette
            try:
                yield
            finally:
                self.current = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.admitted(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.current is None:  # not started, or stopping
            await PlainTextResponse("Starting or stopping.", 503)(scope, receive, send)
            return
        await self.current(scope, receive, send)

    def routes(self) -> list[Route]:
        return [Route(PATH, endpoint=self),
                Route(self.PATHS[1], endpoint=self.metadata, methods=["GET"])]

    async def metadata(self, request: Request) -> JSONResponse:
        """RFC 9728, served here rather than by the SDK (which would name the scopes it
        requires of every request): `scopes_supported` is what clients ask for, by the MCP
        spec, so it must be what the tools need (read, write) and not the authorization
        server's whole list, admin scopes included."""
        base = self.settings.base_url.rstrip("/")
        return JSONResponse({
            "resource": resource_url(self.settings), "authorization_servers": [f"{base}/"],
            "scopes_supported": list(SCOPES_SUPPORTED), "bearer_methods_supported": ["header"],
            "resource_name": self.settings.instance_name,
            "resource_documentation": f"{base}/docs"})
