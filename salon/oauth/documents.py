"""Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, the way MCP's
authorization spec prefers clients to introduce themselves): a client whose client_id is an
https URL needs no registration; the JSON document at that URL gives its name and redirect
URIs. It is fetched through salon.outbound (public addresses only, no redirects, 5 KB,
5 seconds), kept as an OAuthApp row so that codes, tokens and Connected apps work as for any
app, and fetched again once the cache time its server gave has passed. A document that
cannot be fetched or read ends the authorization: nothing of it is kept."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from salon import outbound
from salon.db.ids import new_id, utcnow
from salon.db.session import insert_or_ignore
from salon.errors import Invalid, SalonError
from salon.oauth import scopes as scope_rules
from salon.oauth import service as oauth
from salon.oauth.inputs import Params
from salon.oauth.models import OAuthApp
from salon.settings import Settings

LIMIT = 5 * 1024  # bytes: the MCP spec's advice for a document
AT_ONCE = 4  # fetches in a process at once
_fetching = asyncio.Semaphore(AT_ONCE)
log = logging.getLogger("salon.oauth")
SECONDS = 5.0
MAX_URL = 500  # the column's length
KEEP_DEFAULT = timedelta(hours=1)  # when the server gives no max-age
KEEP_MOST = timedelta(hours=24)  # a changed redirect URI is seen within a day at the latest
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.I)
_JSON = re.compile(r"application/(?:[\w.+-]+\+)?json", re.I)


def is_document_url(client_id: str) -> bool:
    """Whether a client_id names a metadata document rather than a registered app."""
    return client_id.startswith("https://") or client_id.startswith("http://")


def _refused(client_id: str, why: str) -> oauth.OAuthError:
    return oauth.OAuthError("invalid_client", f"The client's metadata document ({client_id}) "
                            f"{why}")


def check_url(client_id: str, allow_private: bool) -> str:
    """The draft's rules for a client_id URL, and the outbound rules for any address."""
    if not client_id.startswith("https://"):
        raise oauth.OAuthError("invalid_client", "client_id must be an https URL or the id "
                               "of a registered app.")
    if len(client_id) > MAX_URL:
        raise oauth.OAuthError("invalid_client", f"client_id must be at most {MAX_URL} "
                               "characters.")
    try:
        outbound.check_url(client_id, allow_private, "client_id", "a client metadata document")
    except Invalid as refused:
        raise oauth.OAuthError("invalid_client", refused.message) from None
    parts = urlsplit(client_id)
    segments = parts.path.split("/")
    if parts.path in ("", "/") or "." in segments or ".." in segments or "#" in client_id:
        raise oauth.OAuthError("invalid_client", "client_id must be an https URL with a path, "
                               "without . or .. segments or a #fragment.")
    return client_id


def _keep_for(headers: httpx.Headers) -> timedelta:
    """How long the document may be used before it is fetched again (its Cache-Control)."""
    control = headers.get("cache-control", "")
    if re.search(r"no-store|no-cache", control, re.I):
        return timedelta(0)
    found = _MAX_AGE.search(control)
    if found is None:
        return KEEP_DEFAULT
    return min(timedelta(seconds=int(found.group(1)[:9])), KEEP_MOST)


async def _fetch(client_id: str, settings: Settings) -> tuple[dict[str, object], timedelta]:
    # A request waits on another site while it holds a database connection: only a few at
    # once, so that slow documents cannot take them all; the rest are told to try again.
    if _fetching.locked():
        raise oauth.OAuthError("temporarily_unavailable", "Too many client documents are "
                               "being fetched right now: try again in a moment.", 503)
    async with _fetching:
        try:
            answer = await outbound.send(
                "GET", client_id, allow_private=settings.client_documents_allow_private,
                seconds=SECONDS, headers={"Accept": "application/json"}, limit=LIMIT)
        except outbound.Refused as refused:
            log.info("client document %s refused: %s", client_id, refused)
            raise _refused(client_id, "is on an address this server does not reach.") from None
        except outbound.TooLarge:
            raise _refused(client_id, f"is larger than {LIMIT} bytes.") from None
        except TimeoutError:
            raise _refused(client_id, f"took longer than {SECONDS:.0f} seconds.") from None
        except (OSError, UnicodeError, httpx.HTTPError) as failed:
            raise _refused(client_id, f"could not be fetched: {type(failed).__name__}."
                           ) from None
    if answer.status != 200:
        raise _refused(client_id, f"answered {answer.status}, not 200 (redirects are not "
                       "followed).")
    if not _JSON.match(answer.headers.get("content-type", "")):
        raise _refused(client_id, "is not served as application/json.")
    try:
        document = json.loads(answer.body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise _refused(client_id, "is not valid JSON.") from None
    if not isinstance(document, dict):
        raise _refused(client_id, "is not a JSON object.")
    return document, _keep_for(answer.headers)


def _read(client_id: str, document: dict[str, object]) -> tuple[str, list[str], str, str | None]:
    """(name, redirect URIs, scopes, website) from a document, or invalid_client saying
    which field is wrong."""

    def refuse(field: str, message: str) -> SalonError:
        return _refused(client_id, f"is not usable: {message}")

    p = Params(document, refuse)
    if p.text("client_id") != client_id:
        raise refuse("client_id", "its client_id must be its own URL, exactly.")
    if "client_secret" in document or "client_secret_expires_at" in document:
        raise refuse("client_secret", "it must not hold a client_secret.")
    method = p.text("token_endpoint_auth_method") or "none"
    if method != "none":
        raise refuse("token_endpoint_auth_method",
                     "token_endpoint_auth_method must be none (a client with a document "
                     "proves itself with PKCE).")
    uris, grants, kinds = (p.texts(name) for name in ("redirect_uris", "grant_types",
                                                       "response_types"))
    if not isinstance(uris, list) or any(not isinstance(x, list) for x in (grants or [],
                                                                          kinds or [])):
        raise refuse("redirect_uris", "redirect_uris, grant_types and response_types must "
                     "be lists.")
    try:
        oauth.check_registration(uris, method=method,
                                 grants=list(grants or ["authorization_code"]),
                                 response_types=list(kinds or ["code"]))
        scopes = " ".join(scope_rules.parse(p.text("scope") or oauth.DYNAMIC_SCOPES))
        uris = [oauth.check_redirect_uri(uri) for uri in uris]
        website = oauth.check_website(p.text("client_uri", 500))
    except Invalid as wrong:
        raise refuse(wrong.field or "", wrong.message) from None
    name = (p.text("client_name", 200) or "").strip() or urlsplit(client_id).netloc
    return name, uris, scopes, website


async def app_for(session: AsyncSession, settings: Settings, client_id: str
                  ) -> OAuthApp | None:
    """The app a client_id names: a registered one, or the one its metadata document
    describes (fetched now if it is new or its cache time has passed)."""
    if not is_document_url(client_id) or not settings.client_documents:
        return await oauth.find_app(session, client_id)
    check_url(client_id, settings.client_documents_allow_private)
    app = await oauth.find_app(session, client_id)
    now = utcnow()
    if app is not None and app.document_expires_at is not None and app.document_expires_at > now:
        return app
    document, keep = await _fetch(client_id, settings)
    name, uris, scopes, website = _read(client_id, document)
    if app is None:  # one statement: another request may be adding the same client
        await insert_or_ignore(session, OAuthApp, {
            "id": new_id(), "created_at": now, "client_id": client_id, "public": True,
            "client_secret": secrets.token_urlsafe(32), "name": name, "redirect_uris": "",
            "scopes": scopes})
        app = await oauth.find_app(session, client_id)
        assert app is not None
    app.name, app.website, app.scopes = name, website, scopes
    app.redirect_uris = "\n".join(uris)
    app.document_expires_at = now + keep
    await session.flush()
    return app
