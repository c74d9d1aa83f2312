"""Mastodon's paging: max_id / since_id / min_id / limit, and Link headers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from salon.api.mastodon.deps import Params
from salon.timelines.schemas import Cursor, Page


def cursor(p: Params, default: int = 20, maximum: int = 40) -> Cursor:
    found = Cursor(max_id=p.id("max_id"), since_id=p.id("since_id"), min_id=p.id("min_id"))
    found.limit = p.number("limit", default, 1, maximum, clamp=True)  # Mastodon clamps
    return found


def paged(request: Request, body: list[Any], page: Page[Any]) -> JSONResponse:
    """The list, with `Link: <…max_id=…>; rel="next", <…min_id=…>; rel="prev"`; 206, as
    Mastodon answers, for a home timeline still being rebuilt."""
    return JSONResponse(body, status_code=_status(page), headers=_links(request, page))


def json_list(items: list[str], status_code: int = 200,
              headers: dict[str, str] | None = None) -> Response:
    """A JSON array of items that are JSON texts already."""
    return Response("[" + ",".join(items) + "]", status_code=status_code, headers=headers,
                    media_type="application/json")


def paged_json(request: Request, page: Page[str]) -> Response:
    """`paged` for items that are JSON texts already."""
    return json_list(page.items, _status(page), _links(request, page))


def links(request: Request, page: Page[Any]) -> dict[str, str]:
    """The Link header of a page answered in another shape than a list (grouped
    notifications' object)."""
    return _links(request, page)


def _status(page: Page[Any]) -> int:
    return 206 if page.partial else 200


def _links(request: Request, page: Page[Any]) -> dict[str, str]:
    base = str(request.url.remove_query_params(["max_id", "min_id", "since_id"]))
    links = []
    if page.next_max_id is not None and page.items:
        links.append(f'<{_with(base, max_id=page.next_max_id)}>; rel="next"')
    if page.prev_min_id is not None and page.items:
        links.append(f'<{_with(base, min_id=page.prev_min_id)}>; rel="prev"')
    return {"Link": ", ".join(links)} if links else {}


def _with(url: str, **params: int) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)
