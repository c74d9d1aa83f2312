"""Helpers shared by the page routes: paging parameters and the frame around each page."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from salon.accounts import service as accounts
from salon.db.ids import is_id
from salon.errors import Invalid
from salon.filters import service as filter_service
from salon.filters.matching import FilterCache, apply
from salon.graph import service as graph
from salon.notifications import service as notifications
from salon.posts.schemas import PostView
from salon.text_input import clean_text
from salon.timelines import service as timelines
from salon.timelines.schemas import Cursor, Page
from salon.web import asks
from salon.web.deps import Viewer
from salon.web.render import is_htmx, page


def form_text(form: FormData, name: str, *, multiline: bool = False) -> str:
    """A form's text field under the API's rule for text (no NUL, controls or bidi overrides),
    refused with a 422 naming the field."""
    value = form.get(name)
    return clean_text(value, name, multiline=multiline) if isinstance(value, str) else ""


def form_id(form: FormData, name: str, what: str = "an id") -> int | None:
    """An optional id field of a form (None when empty), refused with a 422 naming it."""
    raw = form.get(name)
    if raw in (None, ""):
        return None
    if not (isinstance(raw, str) and is_id(raw)):
        raise Invalid(f"{name} must be {what}.", name)
    return int(raw)


def _int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    # ASCII digits only, and within the 64-bit id range: anything else is the person's error.
    if not (raw.isascii() and raw.lstrip("-").isdigit() and len(raw.lstrip("-")) <= 18):
        raise Invalid(f"{name} must be a whole number, not {raw!r}.", name)
    return int(raw)


def cursor(request: Request, limit: int = 20) -> Cursor:
    return Cursor(
        max_id=_int(request, "max_id"),
        since_id=_int(request, "since_id"),
        min_id=_int(request, "min_id"),
        limit=limit,
    )


async def frame(session: AsyncSession, current: Viewer, *,
                profile_id: int | None = None) -> dict[str, Any]:
    """Navigation badge and sidebar: three small queries per full page. On a profile
    (`profile_id`) its owner is not suggested: the page has its own Follow button."""
    viewer_id = current.id
    return {
        "unread": await notifications.unread_count(session, viewer_id) if viewer_id else 0,
        "trends": await timelines.trending_tags(session, limit=6),
        "suggestions": await accounts.suggestions(
            session, viewer_id, graph.not_suggestable_ids(viewer_id) if viewer_id else None,
            limit=4, besides=profile_id,
        ),
    }


async def filtered(request: Request, session: AsyncSession, current: Viewer,
                   views: list[PostView], where: str | None) -> list[PostView]:
    """The posts the signed-in person's filters of context `where` let through, warned
    ones marked (filters.matching.apply); compiled filters are kept per process."""
    if current.account is None:
        return views
    cache: FilterCache | None = getattr(request.app.state, "filter_cache", None)
    if cache is None:
        cache = request.app.state.filter_cache = FilterCache()
    compiled = await filter_service.compiled(session, cache, current.account.id,
                                             current.account.filters_version)
    return apply(compiled.context(where), views)


async def feed_page(
    request: Request,
    session: AsyncSession,
    current: Viewer,
    feed: Page[PostView],
    template: str,
    context: dict[str, Any],
    where: str | None = None,
    profile_id: int | None = None,
) -> Response:
    """A page of posts: the whole page, or just the items for HTMX 'load more/newer', or
    (asked with X-Salon-Check: newer) only whether there are any: 200 or 204. The signed-in
    person's filters of context `where` fold or leave out posts. A profile's page names its
    owner (`profile_id`) for the sidebar (`frame`)."""
    feed.items = await filtered(request, session, current, feed.items, where)
    if request.headers.get("x-salon-check") == "newer":
        return Response(status_code=200 if feed.items else 204)
    ctx = {"feed": feed, **context,
           "asks": await asks.pending(session, request.app.state.settings, current, feed.items)}
    if is_htmx(request) and request.headers.get("hx-target") == "load-newer":
        return page(request, "partials/feed_newer.html", ctx)
    if is_htmx(request) and request.headers.get("hx-target") != "main":
        return page(request, "partials/feed_items.html", ctx)
    return page(request, template,
                {**ctx, **await frame(session, current, profile_id=profile_id)})
