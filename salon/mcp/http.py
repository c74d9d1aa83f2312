"""/mcp on `salon serve`: streamable HTTP as a protected resource (RFC 9728). Salon's own
OAuth server issues its tokens (a token for /mcp is bound to it with RFC 8707's `resource`
and refused by the Mastodon API, and the other way round); a request without one gets 401
with `WWW-Authenticate` naming `/.well-known/oauth-protected-resource/mcp`. Host and Origin
are checked against SALON_BASE_URL (DNS rebinding)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.routing import Route

from salon.db.session import Database
from salon.mcp import PATH, server
from salon.mcp.acting import Runtime
from salon.settings import Settings


class Verifier:
    """The SDK's TokenVerifier over Salon's tokens: live, for an account, bound to /mcp."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def verify_token(self, token: str) -> AccessToken | None:
        rt = Runtime(self.rt.settings, self.rt.database, self.rt.resource, token)
        async with self.rt.database().sessions() as session:
            caller = await rt.caller(session)
        if caller is None:
            return None
        return AccessToken(token=token, client_id=caller.app.client_id, scopes=caller.scopes,
                           resource=caller.token.resource)


def resource_url(settings: Settings) -> str:
    return f"{settings.base_url.rstrip('/')}{PATH}"


def _transport_security(settings: Settings) -> TransportSecuritySettings:
    parts = urlsplit(settings.base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return TransportSecuritySettings(enable_dns_rebinding_protection=True,
                                     allowed_hosts=[parts.netloc], allowed_origins=[origin])


def app(settings: Settings, database: Callable[[], Database]) -> tuple[Starlette, Any]:
    """The MCP app (its routes: PATH and its protected-resource metadata) and its session
    manager, whose run() the host app's lifespan enters."""
    rt = Runtime(settings, database, resource_url(settings))
    base = settings.base_url.rstrip("/")
    auth = AuthSettings(issuer_url=f"{base}/", resource_server_url=resource_url(settings),
                        validate_token_resource=True, service_documentation_url=f"{base}/docs")
    mcp = server.build(rt, auth=auth, token_verifier=Verifier(rt))
    starlette = mcp.streamable_http_app(streamable_http_path=PATH,
                                        transport_security=_transport_security(settings),
                                        max_request_body_size=settings.max_body_bytes)
    return starlette, mcp.session_manager


def routes(starlette: Starlette) -> list[Route]:
    """Routes for the host app that hand the MCP app's paths to it whole (its middleware
    checks the bearer token)."""
    return [Route(route.path, endpoint=starlette) for route in starlette.routes
            if isinstance(route, Route)]
