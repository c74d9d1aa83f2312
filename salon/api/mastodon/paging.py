"""Mastodon's paging: max_id / since_id / min_id / limit, and Link headers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from salon.api.mastodon.deps import ApiError
from salon.timelines.schemas import Cursor, Page


def _id(raw: Any, name: str) -> int | None:
    if raw in (None, ""):
        return None
    text = str(raw)
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise ApiError(422, f"{name} must be an id (a whole number).")
    return int(text)


def cursor(p: dict[str, Any], default: int = 20, maximum: int = 40) -> Cursor:
    try:
        limit = int(p.get("limit") or default)
    except ValueError:
        limit = default
    found = Cursor(max_id=_id(p.get("max_id"), "max_id"), since_id=_id(p.get("since_id"),
                   "since_id"), min_id=_id(p.get("min_id"), "min_id"))
    found.limit = max(1, min(limit, maximum))  # Mastodon clamps rather than refuses
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
