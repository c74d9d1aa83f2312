"""Headers every response carries: a strict Content Security Policy and friends."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self'; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    # No training on anything unless a route knows everyone shown said yes (datasets.signals).
    (b"x-robots-tag", b"noai, noimageai"),
]


_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*\Z")
_HOST = re.compile(r"[A-Za-z0-9.:\[\]-]+\Z")  # host, port, IPv6: nothing a policy would split


def csp(media_origin: str = "", form_target: str = "") -> str:
    """The Content Security Policy; pictures may come from `media_origin` (an object store
    or a CDN), and forms may also lead to `form_target`'s origin (the consent page, whose
    answer redirects to the app: browsers hold redirects after a form to form-action)."""
    policy = CSP
    if media_origin:
        policy = policy.replace("img-src 'self'", f"img-src 'self' {media_origin}")
    source = _source(form_target)
    if source:
        policy = policy.replace("form-action 'self'", f"form-action 'self' {source}")
    return policy


def _source(uri: str) -> str:
    """A CSP source for a URI: its origin for http(s), its scheme for an app's own (native
    apps' redirect URIs); '' when it cannot be written safely."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if not _SCHEME.match(scheme):
        return ""
    if scheme in ("http", "https"):
        return f"{scheme}://{parts.netloc}" if _HOST.match(parts.netloc) else ""
    return f"{scheme}:"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, hsts: bool = False, media_origin: str = "") -> None:
        self.app = app
        headers = HEADERS
        if media_origin:  # pictures served by an object store or a CDN
            headers = [(b"content-security-policy", csp(media_origin).encode()), *HEADERS[1:]]
        self.headers = headers + (
            [(b"strict-transport-security", b"max-age=31536000")] if hsts else []
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                present = {k.lower() for k, _ in message["headers"]}
                message["headers"].extend(h for h in self.headers if h[0] not in present)
            await send(message)

        await self.app(scope, receive, with_headers)


class HeadAsGet:
    """Answer HEAD as GET without the body (uptime monitors and link checkers use HEAD;
    FastAPI routes only declare GET)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        done = False

        async def without_body(message: Message) -> None:
            nonlocal done
            if message["type"] == "http.response.body":
                if done:  # the rest of a streamed body
                    return
                done = True
                message = {**message, "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
