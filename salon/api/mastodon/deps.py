"""What every API request may need: its parameters however sent, and its bearer token."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from salon.accounts.models import Account
from salon.api.mastodon.rendered import RenderedStatuses
from salon.errors import SalonError
from salon.oauth import scopes as scope_rules
from salon.oauth import service as oauth
from salon.oauth.service import TokenContext
from salon.settings import Settings
from salon.web.deps import db_session


class ApiError(SalonError):
    """An answer with Mastodon's error body: {"error": "..."}."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def params(request: Request) -> dict[str, Any]:
    """Parameters from the query string, a form, or a JSON body, as Mastodon accepts them.
    Repeated keys (`types[]=a&types[]=b`) become lists; unknown ones are simply ignored."""
    merged: dict[str, Any] = {}

    def add(key: str, value: Any) -> None:
        if key.endswith("[]"):
            merged.setdefault(key[:-2], []).append(value)
        else:
            merged[key] = value

    for key, value in request.query_params.multi_items():
        add(key, value)
    if request.method in ("POST", "PUT", "PATCH"):
        kind = request.headers.get("content-type", "")
        if kind.startswith("application/json"):
            try:
                body = json.loads(await request.body() or b"{}")
            except ValueError:
                raise ApiError(400, "The request body is not valid JSON.") from None
            if isinstance(body, dict):
                merged.update(body)
        elif kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            for key, field in (await request.form()).multi_items():
                add(key, field)
    return merged


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    token = request.query_params.get("access_token")  # streaming clients send it this way
    return token or None


async def optional_token(
    request: Request, session: AsyncSession = Depends(db_session)
) -> TokenContext | None:
    raw = _bearer(request)
    if raw is None:
        return None
    context = await oauth.resolve(session, raw)
    if context is None:
        raise ApiError(401, "The access token is invalid")
    if context.account is not None and not context.account.approved:
        raise ApiError(403, "Your login is currently pending approval")
    return context


def scoped(needed: str, *, user: bool = True) -> Callable[..., Awaitable[TokenContext]]:
    """A dependency: the request's token, which must carry `needed` (and, unless `user` is
    False, act for an account), answered as Mastodon does: 401, 403 or 422."""

    async def check(context: TokenContext | None = Depends(optional_token)) -> TokenContext:
        if context is None:
            raise ApiError(401, "The access token is invalid")
        if not scope_rules.covers(context.scopes, needed):
            raise ApiError(403, "This action is outside the authorized scopes")
        if user and context.account is None:
            raise ApiError(422, "This method requires an authenticated user")
        return context

    return check


def account_of(context: TokenContext) -> Account:
    assert context.account is not None  # scoped(user=True) made sure
    return context.account


def viewer_of(context: TokenContext | None) -> int | None:
    """The account a request reads as (None: anonymous, or an app's own token)."""
    return context.account.id if context and context.account else None


def path_id(raw: str) -> int:
    """An id from the path; anything that cannot be one is simply not found, as Mastodon."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise ApiError(404, "Record not found")
    return int(raw)


def base_url(settings: Settings) -> str:
    return settings.base_url.rstrip("/")


async def rendered_statuses(request: HTTPConnection) -> RenderedStatuses:
    """This process's rendered statuses, made with the first request that needs them."""
    kept: RenderedStatuses | None = getattr(request.app.state, "rendered_statuses", None)
    if kept is None:
        settings: Settings = request.app.state.settings
        kept = RenderedStatuses(base_url(settings), settings.status_cache_size)
        request.app.state.rendered_statuses = kept
    return kept
