"""Cross-origin reads of the API, as Mastodon allows them: apps served from their own origin
(Phanpy, Elk) call Salon from the browser. The API authenticates with bearer tokens, never
cookies, so any origin may call it (`*`, no credentials); the pages for people (sessions,
CSRF) stay same-origin."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Mastodon's rack-cors resources, and the static files its nginx serves with `*` (apps
# load the default avatar with crossorigin to read its colours).
PATHS = ("/api/", "/oauth/token", "/oauth/revoke", "/oauth/register", "/.well-known/",
         "/nodeinfo/", "/media/", "/static/")
METHODS = b"GET, POST, PUT, DELETE, PATCH, OPTIONS"
EXPOSED = b"Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id"
MAX_AGE = b"86400"


class Cors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(PATHS):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if b"origin" not in headers:  # not a browser on another origin
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            # A preflight: answered here, before any route (none declares OPTIONS).
            allowed = [(b"access-control-allow-origin", b"*"),
                       (b"access-control-allow-methods", METHODS),
                       (b"access-control-max-age", MAX_AGE),
                       (b"vary", b"Access-Control-Request-Headers")]
            asked = headers.get(b"access-control-request-headers")
            if asked:
                allowed.append((b"access-control-allow-headers", asked))
            await send({"type": "http.response.start", "status": 200,
                        "headers": [*allowed, (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] += [(b"access-control-allow-origin", b"*"),
                                       (b"access-control-expose-headers", EXPOSED)]
            await send(message)

        await self.app(scope, receive, with_cors)
