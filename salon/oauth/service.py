"""Client apps, authorization codes (with PKCE), tokens, refresh and revocation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.errors import Invalid, SalonError
from salon.oauth import scopes as scope_rules
from salon.oauth.models import OAuthApp, OAuthGrant, OAuthToken
from salon.push import service as push

OOB = "urn:ietf:wg:oauth:2.0:oob"
CODE_LIFETIME = timedelta(minutes=10)


class OAuthError(SalonError):
    """An error named by RFC 6749 (invalid_client, invalid_grant, ...)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class IssuedToken:
    access_token: str
    refresh_token: str | None
    scopes: list[str]
    created_at: int  # seconds since the epoch, as Mastodon answers


@dataclass
class TokenContext:
    """Who a request's bearer token acts for, and what it may do."""

    token: OAuthToken
    app: OAuthApp
    account: Account | None
    scopes: list[str]


# Schemes a browser runs or reads locally instead of handing to a client: never a
# redirect. Other custom schemes (com.example.app:/cb) are how native apps get their code.
FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob", "about",
                               "filesystem", "view-source"})
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
_CHALLENGE = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 section 4.2


def check_redirect_uri(uri: str) -> str:
    uri = uri.strip()
    if uri == OOB:
        return uri
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in uri):
        raise Invalid(f"redirect_uris must not contain spaces or control characters; {uri!r} "
                      "does.", "redirect_uris")
    parts = urlsplit(uri)
    if not _SCHEME.fullmatch(parts.scheme) or (
        parts.scheme in ("http", "https") and not parts.netloc
    ):
        raise Invalid(f"redirect_uris must be absolute URIs or {OOB}; {uri!r} is not.",
                      "redirect_uris")
    if parts.scheme in FORBIDDEN_SCHEMES:
        raise Invalid(f"redirect_uris must not use the {parts.scheme}: scheme.", "redirect_uris")
    if parts.fragment or "#" in uri:
        raise Invalid("redirect_uris must not have a #fragment.", "redirect_uris")
    return uri


def check_website(website: str | None) -> str | None:
    """Only a web page is shown as a link on the consent page."""
    website = (website or "").strip()
    if not website:
        return None
    parts = urlsplit(website)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(
        ord(c) < 0x21 or ord(c) == 0x7F for c in website
    ):
        raise Invalid("website must be an http:// or https:// address.", "website")
    if len(website) > 500:
        raise Invalid("website must be at most 500 characters.", "website")
    return website


async def create_app(
    session: AsyncSession, name: str, redirect_uris: str | list[str],
    scopes: str | list[str] | None = None,
    website: str | None = None, *, public: bool = False, client_id: str | None = None,
) -> OAuthApp:
    """An app as Mastodon registers one (with a secret), or a public client (dynamic
    registration with token_endpoint_auth_method "none": PKCE instead of a secret). A
    client known by its metadata document's URL gives that as its `client_id`."""
    name = name.strip()
    if not name:
        raise Invalid("client_name is required.", "client_name")
    if len(name) > 200:
        raise Invalid("client_name must be at most 200 characters.", "client_name")
    raw = redirect_uris.split() if isinstance(redirect_uris, str) else redirect_uris
    uris = [check_redirect_uri(u) for u in raw if u.strip()]
    if not uris:
        raise Invalid(f"redirect_uris is required (use {OOB} if you have none).",
                      "redirect_uris")
    app = OAuthApp(
        name=name, website=check_website(website),
        redirect_uris="\n".join(uris), scopes=" ".join(scope_rules.parse(scopes)),
        client_id=client_id or secrets.token_urlsafe(32), client_secret=secrets.token_urlsafe(32),
        public=public,
    )
    session.add(app)
    await session.flush()
    return app


REGISTERED_GRANTS = ("authorization_code", "refresh_token")
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
DYNAMIC_SCOPES = "read write follow"  # what a client that names none may later ask for


def check_registration(redirect_uris: list[str], *, method: str, grants: list[str],
                       response_types: list[str]) -> None:
    """What dynamic registration (RFC 7591) and metadata documents may ask for; else
    Invalid naming the field."""
    if method not in AUTH_METHODS:
        raise Invalid(f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}.",
                      "token_endpoint_auth_method")
    if not set(grants) <= set(REGISTERED_GRANTS):
        raise Invalid("grant_types may be authorization_code and refresh_token.",
                      "grant_types")
    if not set(response_types) <= {"code"}:
        raise Invalid("response_types may only be code.", "response_types")
    if not redirect_uris:
        raise Invalid("redirect_uris must be a list of one or more URIs.", "redirect_uris")


async def register_client(session: AsyncSession, name: str | None, redirect_uris: list[str],
                          scopes: str | None, website: str | None, *, method: str,
                          grants: list[str], response_types: list[str]) -> OAuthApp:
    """Dynamic client registration (RFC 7591): a public client (`method` "none") keeps no
    secret and must use PKCE; what it may not do is refused as Invalid naming the field."""
    check_registration(redirect_uris, method=method, grants=grants,
                       response_types=response_types)
    return await create_app(session, name or "An MCP client", redirect_uris,
                            scopes or DYNAMIC_SCOPES, website, public=method == "none")


async def find_app(session: AsyncSession, client_id: str) -> OAuthApp | None:
    return await session.scalar(select(OAuthApp).where(OAuthApp.client_id == client_id))


async def client(session: AsyncSession, client_id: str, client_secret: str | None) -> OAuthApp:
    """The app whose id and secret these are, or invalid_client. A public client has no
    secret to give: its id is enough, and its codes are bound by PKCE."""
    app = await find_app(session, client_id or "")
    if app is not None and app.public and client_secret is None:
        return app
    # Bytes: compare_digest refuses str with non-ASCII characters.
    if app is None or client_secret is None or not hmac.compare_digest(
        app.client_secret.encode(), client_secret.encode()
    ):
        raise OAuthError("invalid_client", "Client authentication failed: unknown client_id "
                         "or wrong client_secret.", 401)
    return app


def redirect_uri_for(app: OAuthApp, requested: str | None) -> str:
    registered = app.redirect_uris.split("\n")
    if not requested:
        if len(registered) == 1:
            return registered[0]
        raise OAuthError("invalid_request", "redirect_uri is required: this app has several.")
    if requested not in registered:
        raise OAuthError("invalid_request", "redirect_uri does not match one registered for "
                         "this app.")
    try:  # registered before today's rules: refuse to send a code there
        return check_redirect_uri(requested)
    except Invalid as error:
        raise OAuthError("invalid_request", error.message) from None


def requested_scopes(app: OAuthApp, raw: str | None) -> list[str]:
    try:
        wanted = scope_rules.parse(raw)
    except Invalid as error:
        raise OAuthError("invalid_scope", error.message) from None
    if not scope_rules.within(wanted, app.scopes.split()):
        raise OAuthError("invalid_scope", f"This app may only ask for: {app.scopes}.")
    return wanted


def check_resource(requested: str | None, known: Iterable[str]) -> str | None:
    """RFC 8707's `resource`: one of the resources this server issues tokens for (its
    /mcp), or None for the Mastodon API."""
    if not requested:
        return None
    wanted = requested.rstrip("/")
    if wanted not in {k.rstrip("/") for k in known}:
        raise OAuthError("invalid_target", f"resource must be {' or '.join(known)}: this "
                         "server issues tokens for nothing else.")
    return wanted


def check_authorization(app: OAuthApp, resource: str | None, code_challenge: str | None,
                        code_challenge_method: str | None) -> None:
    """PKCE (S256 only) if given; required of public clients and for a resource (the MCP
    authorization spec requires it of every MCP client)."""
    check_pkce(code_challenge, code_challenge_method)
    if (app.public or resource) and not code_challenge:
        raise OAuthError("invalid_request", "code_challenge is required (PKCE with S256) "
                         f"{'for a public client' if app.public else 'for this resource'}.")


async def grant_code(
    session: AsyncSession, app: OAuthApp, account: Account, redirect_uri: str,
    scopes: list[str], code_challenge: str | None = None, code_challenge_method: str | None = None,
    resource: str | None = None,
) -> str:
    """The person approved: an authorization code, good once for ten minutes."""
    check_authorization(app, resource, code_challenge, code_challenge_method)
    code = secrets.token_urlsafe(32)
    session.add(OAuthGrant(
        code_hash=_hash(code), app_id=app.id, account_id=account.id, redirect_uri=redirect_uri,
        scopes=" ".join(scopes), code_challenge=code_challenge,
        code_challenge_method="S256" if code_challenge else None, resource=resource,
        expires_at=utcnow() + CODE_LIFETIME,
    ))
    await session.flush()
    return code


def check_pkce(challenge: str | None, method: str | None) -> None:
    """Only S256, as the server metadata says: `plain` would hand the verifier to whoever
    sees the authorization request."""
    if not challenge:
        return
    if method != "S256":
        raise OAuthError("invalid_request", "code_challenge_method must be S256 (plain and "
                         "other methods are not supported).")
    if not _CHALLENGE.fullmatch(challenge):
        raise OAuthError("invalid_request", "code_challenge must be 43 to 128 characters of "
                         "A-Z, a-z, 0-9, -, ., _ and ~.")


def _pkce_ok(grant: OAuthGrant, verifier: str | None) -> bool:
    if grant.code_challenge is None:
        return True
    if not verifier or grant.code_challenge_method != "S256":
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=")
    return hmac.compare_digest(expected, grant.code_challenge.encode())


async def _issue(session: AsyncSession, app: OAuthApp, account_id: int | None,
                 scopes: list[str], refresh: bool = True, resource: str | None = None
                 ) -> IssuedToken:
    access = secrets.token_urlsafe(32)
    refresh_token = secrets.token_urlsafe(32) if refresh and account_id else None
    token = OAuthToken(
        token_hash=_hash(access), refresh_hash=_hash(refresh_token) if refresh_token else None,
        app_id=app.id, account_id=account_id, scopes=" ".join(scopes), resource=resource,
    )
    session.add(token)
    await session.flush()
    return IssuedToken(access, refresh_token, scopes, int(token.created_at.timestamp()))


async def issue_for(session: AsyncSession, app: OAuthApp, account: Account,
                    scopes: list[str]) -> IssuedToken:
    """A token for an account an app just registered (Mastodon's sign-up through an app)."""
    return await _issue(session, app, account.id, scopes)


async def exchange_code(
    session: AsyncSession, app: OAuthApp, code: str, redirect_uri: str | None,
    code_verifier: str | None, resource: str | None = None,
) -> IssuedToken:
    grant = await session.scalar(select(OAuthGrant).where(OAuthGrant.code_hash == _hash(code)))
    if grant is None or grant.app_id != app.id or grant.used_at is not None:
        raise OAuthError("invalid_grant", "The authorization code is unknown, already used, "
                         "or for another app.")
    if grant.expires_at <= utcnow():
        raise OAuthError("invalid_grant", "The authorization code has expired; ask again.")
    if (redirect_uri or grant.redirect_uri) != grant.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri differs from the one authorized.")
    if not _pkce_ok(grant, code_verifier):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge.")
    if resource is not None and resource.rstrip("/") != grant.resource:
        raise OAuthError("invalid_target", "resource differs from the one authorized.")
    # Claimed in one statement: of requests racing with one code, one changes the row.
    claimed = await session.execute(
        update(OAuthGrant).where(OAuthGrant.id == grant.id, OAuthGrant.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)
    )
    if _rowcount(claimed) != 1:
        raise OAuthError("invalid_grant", "The authorization code is already used.")
    return await _issue(session, app, grant.account_id, grant.scopes.split(),
                        resource=grant.resource)


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


async def client_credentials(session: AsyncSession, app: OAuthApp, scope: str | None
                             ) -> IssuedToken:
    if app.public:
        raise OAuthError("unauthorized_client", "A public client (no secret) cannot use "
                         "client_credentials.")
    return await _issue(session, app, None, requested_scopes(app, scope), refresh=False)


async def password_grant(session: AsyncSession, app: OAuthApp, username: str, password: str,
                         scope: str | None) -> IssuedToken:
    account = await accounts.authenticate(session, username, password)
    if account is None:
        raise OAuthError("invalid_grant", "That username and password do not match an account.")
    return await _issue(session, app, account.id, requested_scopes(app, scope))


async def refresh(session: AsyncSession, app: OAuthApp, refresh_token: str) -> IssuedToken:
    """A new token pair for a refresh token; the old pair stops working."""
    old = await session.scalar(
        select(OAuthToken).where(OAuthToken.refresh_hash == _hash(refresh_token or ""))
    )
    if old is None or old.app_id != app.id or old.revoked_at is not None:
        raise OAuthError("invalid_grant", "The refresh token is unknown or revoked.")
    # Rotated in one statement: of requests racing with one refresh token, one revokes it.
    rotated = await session.execute(
        update(OAuthToken).where(OAuthToken.id == old.id, OAuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False)
    )
    if _rowcount(rotated) != 1:
        raise OAuthError("invalid_grant", "The refresh token is unknown or revoked.")
    return await _issue(session, app, old.account_id, old.scopes.split(),
                        resource=old.resource)


async def revoke(session: AsyncSession, app: OAuthApp, token: str) -> None:
    """Revoke an access or refresh token of this app (unknown tokens are fine, per RFC 7009)."""
    hashed = _hash(token)
    revoked = await session.scalars(
        update(OAuthToken)
        .where(OAuthToken.app_id == app.id, OAuthToken.revoked_at.is_(None),
               (OAuthToken.token_hash == hashed) | (OAuthToken.refresh_hash == hashed))
        .values(revoked_at=utcnow())
        .returning(OAuthToken.id)
        .execution_options(synchronize_session=False)
    )
    await push.end_for_tokens(session, list(revoked))  # its Web Push subscription ends too


# One statement, built once: every API request starts here.
_RESOLVE = (
    select(OAuthToken, OAuthApp, Account)
    .join(OAuthApp, OAuthApp.id == OAuthToken.app_id)
    .outerjoin(Account, Account.id == OAuthToken.account_id)
    .where(OAuthToken.token_hash == bindparam("token_hash"))
)


async def resolve(session: AsyncSession, bearer: str, resource: str | None = None
                  ) -> TokenContext | None:
    """The live token a request carries, with its app and account; None if it is not one,
    or if it was issued for another resource (RFC 8707: a token for /mcp is not one for
    the Mastodon API, whose `resource` is None, nor the other way round)."""
    found = (await session.execute(_RESOLVE, {"token_hash": _hash(bearer)})).first()
    if found is None:
        return None
    token, app, account = found
    if token.revoked_at is not None or token.resource != (resource and resource.rstrip("/")):
        return None
    # A suspended or disabled account's tokens stop working (and work again when lifted).
    if token.account_id and (account is None or account.suspended_at or account.disabled_at):
        return None
    return TokenContext(token, app, account, token.scopes.split())


@dataclass
class Connection:
    """An app (or chat assistant) with live tokens for a person: Settings → Connected apps."""

    app: OAuthApp
    scopes: list[str]  # of its tokens, together
    assistant: bool  # its tokens are bound to a resource (Salon's /mcp)
    since: datetime  # its first live token


async def connections(session: AsyncSession, account_id: int) -> list[Connection]:
    """The apps with live tokens for this account, most recently connected first."""
    found: dict[int, Connection] = {}
    for token, app in await session.execute(
            select(OAuthToken, OAuthApp).join(OAuthApp, OAuthApp.id == OAuthToken.app_id)
            .where(OAuthToken.account_id == account_id, OAuthToken.revoked_at.is_(None))
            .order_by(OAuthToken.id)):
        kept = found.setdefault(app.id, Connection(app, [], False, token.created_at))
        kept.scopes = list(dict.fromkeys(kept.scopes + token.scopes.split()))
        kept.assistant = kept.assistant or token.resource is not None
    return sorted(found.values(), key=lambda c: c.since, reverse=True)


async def disconnect(session: AsyncSession, account_id: int, app_id: int) -> int:
    """Revoke every live token (and refresh token) the app holds for this account, and its
    codes not yet exchanged: it must be authorized again. How many tokens were revoked."""
    revoked = list(await session.scalars(
        update(OAuthToken)
        .where(OAuthToken.account_id == account_id, OAuthToken.app_id == app_id,
               OAuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()).returning(OAuthToken.id)
        .execution_options(synchronize_session=False)))
    await push.end_for_tokens(session, revoked)
    # Codes granted and not yet exchanged would make new tokens: they end too.
    await session.execute(
        update(OAuthGrant).where(OAuthGrant.account_id == account_id,
                                 OAuthGrant.app_id == app_id, OAuthGrant.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return len(revoked)


async def personal_token(session: AsyncSession, account: Account, name: str,
                         scopes: list[str]) -> IssuedToken:
    """A token for a program of the person's own (a local MCP client started with `salon
    mcp`, a script): an app of its name that only this token uses."""
    app = await create_app(session, name, OOB, scopes)
    return await _issue(session, app, account.id, scopes, refresh=False)
