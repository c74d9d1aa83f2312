"""What every API request may need: its parameters however sent, read through one typed
layer (Params), and its bearer token, checked through one mechanism: every route declares the
scope it needs with token() (anonymous allowed) or scoped() (a token required)."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol, cast

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile
from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute

from salon.accounts.models import Account
from salon.api.mastodon.rendered import RenderedStatuses
from salon.errors import Invalid, SalonError
from salon.filters import service as filter_service
from salon.filters.matching import FilterCache, Matcher
from salon.oauth import scopes as scope_rules
from salon.oauth import service as oauth
from salon.oauth.service import TokenContext
from salon.settings import Settings
from salon.text_input import clean_text
from salon.web.deps import db_session


class ApiError(SalonError):
    """An answer with Mastodon's error body: {"error": "..."}."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


MAX_ID = 2**63 - 1  # ids are signed 64-bit in every database
# A search's q (only its first 200 characters are read): longer, its query string would
# outgrow the request line the server reads, and the client would get uvicorn's bare 400.
SEARCH_MAX = 1000
_TRUE = frozenset({"1", "true", "on", "yes", "t"})
_FALSE = frozenset({"", "0", "false", "off", "no", "f"})
_WHOLE = re.compile("-?[0-9]{1,19}")  # ASCII: isdigit() passes '²', which int() refuses


def as_id(raw: Any) -> int | None:
    """An id from ASCII digits (or a JSON whole number) that fits the database, else None:
    str.isdigit() alone also takes '²', which int() refuses."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 19:
        number = int(raw)
    else:
        return None
    return number if 0 <= number <= MAX_ID else None


class Params(dict[str, Any]):
    """Parameters however sent, read through typed accessors: each refuses a value of the
    wrong type or shape with a 422 that names the field, so no bad input reaches a 500."""

    def __init__(self, values: dict[str, Any], prefix: str = "") -> None:
        super().__init__(values)
        self.prefix = prefix  # `poll[`: fields of a nested object are named poll[options]

    def name(self, field: str) -> str:
        return f"{self.prefix}{field}]" if self.prefix else field

    def refuse(self, field: str, what: str) -> ApiError:
        return ApiError(422, f"{self.name(field)} must be {what}.")

    def given(self, field: str) -> bool:
        return self.get(field) not in (None, "")

    def text(self, field: str, default: str = "", *, max_len: int = 100_000,
             multiline: bool = False) -> str:
        value = self.get(field)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.refuse(field, "text")
        if len(value) > max_len:
            raise self.refuse(field, f"at most {max_len} characters")
        try:
            return clean_text(value, self.name(field), multiline=multiline)
        except Invalid as error:
            raise ApiError(422, error.message) from None

    def optional_text(self, field: str, *, max_len: int = 100_000,
                      multiline: bool = False) -> str | None:
        if self.get(field) is None:
            return None
        return self.text(field, max_len=max_len, multiline=multiline)

    def texts(self, field: str, *, max_count: int = 100, max_len: int = 1000) -> list[str]:
        """A list of strings (`types[]=a&types[]=b`, or one value)."""
        value = self.get(field)
        items = value if isinstance(value, list) else [] if value is None else [value]
        if len(items) > max_count:
            raise self.refuse(field, f"at most {max_count} values")
        return [Params({field: item}, self.prefix).text(field, max_len=max_len)
                for item in items]

    def id(self, field: str) -> int | None:
        if not self.given(field):
            return None
        found = as_id(self[field])
        if found is None:
            raise self.refuse(field, "an id (ASCII digits, at most 2^63-1)")
        return found

    def ids(self, field: str, *, max_count: int = 100) -> list[int]:
        value = self.get(field)
        items = value if isinstance(value, list) else [] if value in (None, "") else [value]
        if len(items) > max_count:
            raise self.refuse(field, f"at most {max_count} ids")
        found = [as_id(item) for item in items]
        if None in found:
            raise self.refuse(field, "ids (ASCII digits, at most 2^63-1)")
        return [i for i in found if i is not None]

    def number(self, field: str, default: int, lo: int, hi: int, *, clamp: bool = False) -> int:
        """A whole number from lo to hi (clamped into the range where Mastodon clamps)."""
        value = self.get(field)
        if value in (None, ""):
            return default
        if isinstance(value, str) and _WHOLE.fullmatch(value):
            number = int(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        else:
            raise self.refuse(field, "a whole number")
        if clamp:
            return max(lo, min(number, hi))
        if not lo <= number <= hi:
            raise self.refuse(field, f"a whole number from {lo} to {hi}")
        return number

    def numbers(self, field: str, lo: int, hi: int, *, max_count: int = 100) -> list[int]:
        value = self.get(field)
        items = value if isinstance(value, list) else [] if value in (None, "") else [value]
        if len(items) > max_count:
            raise self.refuse(field, f"at most {max_count} numbers")
        return [Params({field: item}, self.prefix).number(field, lo, lo, hi) for item in items]

    def flag(self, field: str, default: bool = False) -> bool:
        value = self.get(field)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise self.refuse(field, "true or false")

    def optional_flag(self, field: str) -> bool | None:
        return None if self.get(field) is None else self.flag(field)

    def choice(self, field: str, options: Iterable[str], default: str) -> str:
        options = tuple(options)
        value = self.text(field, default, max_len=100) or default
        if value not in options:
            raise self.refuse(field, "one of " + ", ".join(options))
        return value

    def object(self, field: str) -> Params:
        """A nested object: JSON's {"poll": {...}}, or a form's poll[options][]=...; a JSON
        list reads as an object keyed by position ("0", "1"...), as Rails takes nested
        attributes, and a form's fields_attributes[0][name] nests as deep as it goes."""
        value = self.get(field)
        if isinstance(value, list):
            value = {str(i): item for i, item in enumerate(value)}
        if isinstance(value, dict):
            return Params(value, f"{self.name(field)}[")
        if value is not None:
            raise self.refuse(field, "an object")
        start = f"{field}["
        inner: dict[str, Any] = {}
        for key, item in self.items():
            if key.startswith(start) and key.endswith("]"):
                rest = key[len(start):]
                close = rest.index("]")  # a[0][name] -> 0[name]; data[alerts][x] -> alerts[x]
                inner[rest[:close] + rest[close + 1:]] = item
        return Params(inner, f"{self.name(field)}[")

    def objects(self, field: str, *, max_count: int = 100) -> list[Params]:
        """A list of objects: JSON's [{...}, ...] (or Rails' {"0": {...}}), a form's
        field[][keyword]=a&field[][whole_word]=1 (a repeated key starts the next object) or
        field[0][keyword]=a. Their fields are named field[0][keyword]."""
        value = self.get(field)
        if value is None or value == "":
            pattern = re.compile(re.escape(field) + r"\[([0-9]{1,6})\]\[([^\[\]]+)\]")
            groups: dict[int, dict[str, Any]] = {}
            for key, item in self.items():
                if (found := pattern.fullmatch(key)) is not None:
                    groups.setdefault(int(found[1]), {})[found[2]] = item
            items: list[Any] = [groups[i] for i in sorted(groups)]
        elif isinstance(value, dict):
            items = list(value.values())
        elif isinstance(value, list):
            items = value
        else:
            raise self.refuse(field, "a list of objects")
        if len(items) > max_count:
            raise self.refuse(field, f"at most {max_count} objects")
        if not all(isinstance(item, dict) for item in items):
            raise self.refuse(field, "a list of objects")
        return [Params(item, f"{self.name(field)}[{i}][") for i, item in enumerate(items)]

    def file(self, field: str) -> UploadFile | None:
        value = self.get(field)
        if value is None or value == "":
            return None
        if not isinstance(value, UploadFile):
            raise self.refuse(field, "a file sent as multipart/form-data")
        return value


async def params(request: Request) -> Params:
    """Parameters from the query string, a form, or a JSON body, as Mastodon accepts them.
    Repeated keys (`types[]=a&types[]=b`) become lists, `list[][field]=...` lists of
    objects; unknown ones are simply ignored."""
    merged: dict[str, Any] = {}

    def add(key: str, value: Any) -> None:
        if "[][" in key and key.endswith("]"):  # list[][field]: a list of objects
            name, field = key[:-1].split("[][", 1)
            items = merged.get(name)
            if not isinstance(items, list) or (items and not isinstance(items[-1], dict)):
                items = merged[name] = []
            if not items or field in items[-1]:  # a field seen again starts the next one
                items.append({})
            items[-1][field] = value
        elif key.endswith("[]"):
            found = merged.get(key[:-2])
            # `x=a&x[]=b`: the list wins, so the accessors see one shape.
            merged[key[:-2]] = [*found, value] if isinstance(found, list) else [value]
        elif not isinstance(merged.get(key), list):
            merged[key] = value

    for key, value in request.query_params.multi_items():
        add(key, value)
    # DELETE too: apps send a list's account_ids[] to remove in the body (masto.js).
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        kind = request.headers.get("content-type", "")
        if kind.startswith("application/json"):
            try:
                body = json.loads(await request.body() or b"{}")
            except (ValueError, RecursionError):  # nested too deep is not JSON we take
                raise ApiError(400, "The request body is not valid JSON.") from None
            if isinstance(body, dict):
                merged.update(body)
        elif kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            for key, field in (await request.form()).multi_items():
                add(key, field)
    return Params(merged)


def bearer(request: HTTPConnection) -> str | None:
    """The access token the request presents (Web Push hands it back to the app)."""
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    token = request.query_params.get("access_token")  # streaming clients send it this way
    return token or None


class Scoped(Protocol):
    """A dependency that checks the request's token; `scope` is what the route needs."""

    scope: str

    def __call__(self, *args: Any, **kwargs: Any) -> Awaitable[TokenContext | None]: ...


async def _presented(request: HTTPConnection, session: AsyncSession) -> TokenContext | None:
    raw = bearer(request)
    if raw is None:
        return None
    context = await oauth.resolve(session, raw)
    if context is None:
        raise ApiError(401, "The access token is invalid")
    if context.account is not None and not context.account.approved:
        raise ApiError(403, "Your login is currently pending approval")
    return context


def _allow(context: TokenContext, needed: str) -> None:
    if not scope_rules.covers(context.scopes, needed):
        raise ApiError(403, "This action is outside the authorized scopes")


def token(needed: str) -> Scoped:
    """A dependency for what anyone may read: no token reads anonymously, but a token, once
    presented, must carry `needed` (as Mastodon's authorize_if_got_token!), or a `push`-only
    token would read its account's direct posts."""

    async def check(request: Request, session: AsyncSession = Depends(db_session)
                    ) -> TokenContext | None:
        context = await _presented(request, session)
        if context is not None:
            _allow(context, needed)
        return context

    check.anonymous = True  # type: ignore[attr-defined]  # described so in /openapi.json
    return cast(Scoped, _declare(check, needed))


def scoped(needed: str, *, user: bool = True) -> Scoped:
    """A dependency: the request's token, which must carry `needed` (and, unless `user` is
    False, act for an account), answered as Mastodon does: 401, 403 or 422."""

    async def check(request: Request, session: AsyncSession = Depends(db_session)
                    ) -> TokenContext:
        context = await _presented(request, session)
        if context is None:
            raise ApiError(401, "The access token is invalid")
        _allow(context, needed)
        if user and context.account is None:
            raise ApiError(422, "This method requires an authenticated user")
        return context

    return cast(Scoped, _declare(check, needed))


def declares(needed: str) -> Callable[[], None]:
    """Only a declaration, for the streaming WebSocket, which reads its token itself (it may
    come as the subprotocol) and closes the socket rather than answering 403."""

    def declared() -> None:
        return None

    return _declare(declared, needed)


def _declare(check: Callable[..., Any], needed: str) -> Any:
    assert needed in scope_rules.KNOWN, needed
    check.scope = needed  # type: ignore[attr-defined]
    return check


def route_scope(route: BaseRoute) -> str | None:
    """The scope a route declared through token(), scoped() or declares(); None: none."""
    check = _scope_check(route)
    return getattr(check, "scope", None) if check is not None else None


def anonymous_allowed(route: BaseRoute) -> bool:
    """Whether a route reads without a token (declared with token(), or public)."""
    check = _scope_check(route)
    return check is None or getattr(check, "anonymous", False)


def _scope_check(route: BaseRoute) -> Any:
    root: Dependant | None = getattr(route, "dependant", None)
    pending = [root] if root is not None else []
    while pending:
        dependant = pending.pop()
        if isinstance(getattr(dependant.call, "scope", None), str):
            return dependant.call
        pending.extend(dependant.dependencies)
    return None


def account_of(context: TokenContext) -> Account:
    assert context.account is not None  # scoped(user=True) made sure
    return context.account


def viewer_of(context: TokenContext | None) -> int | None:
    """The account a request reads as (None: anonymous, or an app's own token)."""
    return context.account.id if context and context.account else None


def path_id(raw: str) -> int:
    """An id from the path; anything that cannot be one is simply not found, as Mastodon."""
    found = as_id(raw)
    if found is None:
        raise ApiError(404, "Record not found")
    return found


def base_url(settings: Settings) -> str:
    return settings.base_url.rstrip("/")


async def viewer_filters(request: HTTPConnection, session: AsyncSession,
                         context: TokenContext | None, where: str | None) -> Matcher | None:
    """The viewer's filters that apply in context `where` (None: a single status, bookmarks
    and the like, where they mark but hide nothing); None when none apply. Compiled ones are
    kept per process by the account's filters_version, so this is mostly no query."""
    if context is None or context.account is None:
        return None
    cache: FilterCache | None = getattr(request.app.state, "filter_cache", None)
    if cache is None:
        cache = request.app.state.filter_cache = FilterCache()
    account = context.account
    compiled = await filter_service.compiled(session, cache, account.id,
                                             account.filters_version)
    return compiled.context(where)


async def rendered_statuses(request: HTTPConnection) -> RenderedStatuses:
    """This process's rendered statuses, made with the first request that needs them."""
    kept: RenderedStatuses | None = getattr(request.app.state, "rendered_statuses", None)
    if kept is None:
        settings: Settings = request.app.state.settings
        kept = RenderedStatuses(base_url(settings), settings.status_cache_size)
        request.app.state.rendered_statuses = kept
    return kept
