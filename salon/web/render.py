"""Rendering pages and fragments: one Jinja2 environment, filters, and the cookie upkeep
every page needs."""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from salon import __version__
from salon.db.ids import utcnow
from salon.media.store import media_store
from salon.settings import get_settings
from salon.web.deps import CSRF_COOKIE, Viewer

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def ago(value: datetime) -> str:
    """Compact relative time as social apps show it: 45s, 12m, 3h, 4d, then a date."""
    seconds = int((utcnow() - value).total_seconds())
    if seconds < 60:
        return f"{max(seconds, 0)}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    if seconds < 7 * 86400:
        return f"{seconds // 86400}d"
    fmt = "%b %-d" if value.year == utcnow().year else "%b %-d, %Y"
    return value.strftime(fmt)


def compact(n: int) -> str:
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}K".replace(".0K", "K")
    return f"{n / 1_000_000:.1f}M".replace(".0M", "M")


@pass_context
def media_url(context: Context, key: str | None) -> str:
    """Where the browser fetches a stored file: the app's own store decides (/media/... on
    the local folder, the object store's public address on S3)."""
    if not key:
        return ""
    request = context.get("request")
    store = request.app.state.store if request is not None else media_store(get_settings())
    return str(store.url(key))


def query(request: Request, **changes: Any) -> str:
    """The current URL's query with some parameters changed (None removes one)."""
    params = {k: v for k, v in request.query_params.items() if k not in changes}
    params.update({k: v for k, v in changes.items() if v is not None})
    return "?" + urlencode(params) if params else request.url.path


templates.env.filters["ago"] = ago
templates.env.filters["compact"] = compact
templates.env.filters["media_url"] = media_url
templates.env.globals["version"] = __version__
templates.env.globals["query"] = query


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def page(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    # What AI crawlers may train on: a route that knows whose posts it shows says so in
    # request.state.robots (datasets.signals); anything else allows nothing.
    robots = getattr(request.state, "robots", None) or "noai, noimageai"
    ctx = {
        "viewer": viewer,
        "me": viewer.account if viewer else None,
        "settings": request.app.state.settings,
        "robots": robots,
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    response.headers["x-robots-tag"] = robots
    keep_csrf_cookie(request, response)
    return response


def keep_csrf_cookie(request: Request, response: Response) -> None:
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    if viewer is not None and viewer.new_csrf_cookie:
        response.set_cookie(
            CSRF_COOKIE,
            viewer.csrf_token,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.secure_cookies,
            max_age=86400 * 30,
        )


def safe_next(target: str, default: str = "/home") -> str:
    """`target` if it is a path of this site, else `default`: a redirect taken from the
    request never leads elsewhere. "//host" and "/\\host" are other hosts to a browser,
    which also drops tabs and newlines ("/\\t/host"): none of those pass."""
    if (target.startswith("/") and not target.startswith(("//", "/\\"))
            and "\\" not in target and target.isprintable()):
        return target
    return default


def back(request: Request, fallback: str = "/", anchor: str = "") -> RedirectResponse:
    """After a form post without JavaScript: go back where the person was (same site only),
    optionally to an element of that page."""
    location = fallback
    own = urlsplit(str(request.base_url))
    with contextlib.suppress(ValueError):  # a Referer that is no URL: the fallback
        came = urlsplit(request.headers.get("referer", ""))
        if (came.scheme, came.netloc) == (own.scheme, own.netloc):  # the same origin only
            location = safe_next(came.path + (f"?{came.query}" if came.query else ""),
                                 fallback)
    if anchor:
        location = location.split("#")[0] + "#" + anchor
    return RedirectResponse(location, status_code=303)
