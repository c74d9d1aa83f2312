"""Finding local accounts by address: `/.well-known/webfinger` (RFC 7033) and its pointer,
`/.well-known/host-meta` (RFC 6415), as Mastodon answers them. Salon does not federate yet:
the `self` link is the profile's address, until there is an ActivityPub actor to name."""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.api.mastodon.deps import ApiError, base_url, params
from salon.settings import Settings
from salon.web.deps import db_session, get_settings

router = APIRouter()
CACHE = {"Cache-Control": "max-age=259200, public"}  # three days, as Mastodon
JRD = "application/jrd+json; charset=utf-8"
XRD = "application/xrd+xml; charset=utf-8"


def _host(settings: Settings) -> str:
    return (urlsplit(settings.base_url).netloc or "").lower()


def _username(resource: str, settings: Settings) -> str | None:
    """The local username a resource names (None: not ours); 400 for what is not a
    resource WebFinger answers (acct:user@host, or an account's address)."""
    host = _host(settings)
    if resource.startswith(("http://", "https://")):
        url = urlsplit(resource)
        if url.netloc.lower() != host:
            return None
        path = url.path.rstrip("/")
        for prefix in ("/@", "/users/"):
            if path.startswith(prefix) and "/" not in path[len(prefix):]:
                return path[len(prefix):] or None
        return None
    address = resource.removeprefix("acct:")
    user, at, domain = address.rpartition("@")
    if not at or not user or not domain:
        raise ApiError(400, "resource must be acct:user@host or an account's address.")
    return user.removeprefix("@") if domain.lower() == host else None


@router.get("/.well-known/webfinger")
async def webfinger(request: Request, session: AsyncSession = Depends(db_session),
                    settings: Settings = Depends(get_settings)) -> Response:
    p = await params(request)
    resource = p.text("resource", max_len=1000).strip()
    if not resource:
        raise ApiError(400, "resource is required.")
    username = _username(resource, settings)
    account = await accounts.find_by_username(session, username) if username else None
    if account is None or account.suspended_at is not None or not account.approved:
        raise ApiError(404, "Record not found")
    base = base_url(settings)
    profile = f"{base}/@{account.username}"
    return JSONResponse({
        "subject": f"acct:{account.username}@{_host(settings)}",
        "aliases": [profile],
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
             "href": profile},
            {"rel": "self", "type": "application/activity+json", "href": profile},
        ],
    }, media_type=JRD, headers=CACHE)


@router.get("/.well-known/host-meta")
async def host_meta(request: Request, settings: Settings = Depends(get_settings)) -> Response:
    template = f"{base_url(settings)}/.well-known/webfinger?resource={{uri}}"
    if (await params(request)).choice("format", ("xml", "json"), "xml") == "json":
        return JSONResponse({"links": [{"rel": "lrdd", "template": template}]},
                            media_type=JRD, headers=CACHE)
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
            f'  <Link rel="lrdd" template={quoteattr(template)}/>\n'
            '</XRD>\n')
    return Response(body, media_type=XRD, headers=CACHE)
