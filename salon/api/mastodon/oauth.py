"""OAuth 2 as Mastodon does it: app registration, the consent page, tokens, revocation."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.api.mastodon.deps import base_url, params, scoped
from salon.errors import Invalid
from salon.mcp import resource_url as mcp_resource
from salon.oauth import documents
from salon.oauth import scopes as scope_rules
from salon.oauth import service as oauth
from salon.oauth.inputs import (
    Params,
    api_refusal,
    oauth_refusal,
    problem,
    registration_refusal,
)
from salon.oauth.models import OAuthApp
from salon.oauth.service import OOB, IssuedToken, OAuthError, TokenContext
from salon.push import vapid
from salon.settings import Settings
from salon.web import ratelimit
from salon.web.deps import Viewer, db_session, get_settings, require_account, verify_csrf, viewer
from salon.web.render import page
from salon.web.security import csp

router = APIRouter()
consent = APIRouter(dependencies=[Depends(verify_csrf)])


def application(app: OAuthApp, settings: Settings, *, secret: bool) -> dict[str, Any]:
    uris = app.redirect_uris.split("\n")
    body: dict[str, Any] = {
        "id": str(app.id), "name": app.name, "website": app.website,
        "scopes": app.scopes.split(), "redirect_uri": "\n".join(uris), "redirect_uris": uris,
        "vapid_key": vapid.keys(settings).public,  # as the instance's, for older apps
    }
    if secret:
        body |= {"client_id": app.client_id, "client_secret": app.client_secret,
                 "client_secret_expires_at": 0}
    return body


@router.post("/api/v1/apps")
async def register_app(request: Request, session: AsyncSession = Depends(db_session),
                       settings: Settings = Depends(get_settings)) -> JSONResponse:
    p = Params(await params(request), api_refusal)
    app = await oauth.create_app(session, p.text("client_name") or "",
                                 p.texts("redirect_uris", 10_000) or "", p.texts("scopes"),
                                 p.text("website"))
    await session.commit()
    return JSONResponse(application(app, settings, secret=True))


@router.get("/api/v1/apps/verify_credentials")
async def verify_app(context: TokenContext = Depends(scoped("read", user=False)),
                     settings: Settings = Depends(get_settings)) -> JSONResponse:
    return JSONResponse(application(context.app, settings, secret=False))


def resources(settings: Settings) -> list[str]:
    """What tokens can be bound to (RFC 8707 `resource`): Salon's MCP server."""
    return [mcp_resource(settings)]


@dataclass
class Authorization:
    app: OAuthApp
    redirect_uri: str
    scopes: list[str]
    resource: str | None  # None: the Mastodon API


async def _authorization(session: AsyncSession, p: Params, settings: Settings) -> Authorization:
    if (p.text("response_type") or "code") != "code":
        raise OAuthError("unsupported_response_type", "response_type must be code.")
    app = await documents.app_for(session, settings, p.text("client_id") or "")
    if app is None:
        raise OAuthError("invalid_client", "Unknown client_id: register the app first.", 401)
    redirect_uri = oauth.redirect_uri_for(app, p.text("redirect_uri"))
    resource = oauth.check_resource(p.text("resource"), resources(settings))
    # An MCP client that names no scope asks for what it registered (Mastodon's default,
    # read, would leave an assistant that can post unable to).
    wanted = oauth.requested_scopes(app, p.text("scope") or (app.scopes if resource else None))
    oauth.check_authorization(app, resource, p.text("code_challenge"),
                              p.text("code_challenge_method"))
    p.text("state")  # echoed in the redirect: checked like the rest
    return Authorization(app, redirect_uri, wanted, resource)


@consent.get("/oauth/authorize")
@consent.get("/oauth/authorize/")  # toot asks with a trailing slash
async def authorize_page(
    request: Request,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    p = Params(await params(request), oauth_refusal)
    asked = await _authorization(session, p, settings)
    await session.commit()  # a client's metadata document, if it was fetched
    app, redirect_uri = asked.app, asked.redirect_uri
    answer = page(request, "oauth/authorize.html", {
        "title": f"Authorize {app.name}", "app": app, "scopes": asked.scopes,
        "fields": {k: p.text(k) for k in ("client_id", "redirect_uri", "state", "scope",
                                          "code_challenge", "code_challenge_method",
                                          "resource")
                   if p.text(k)},
        "redirect_uri": redirect_uri, "assistant": asked.resource is not None,
        # Anyone may register a client under any name: where the code goes says who it is.
        "redirect_host": urlsplit(redirect_uri).netloc or urlsplit(redirect_uri).scheme,
        # A client known by its metadata document: whose site vouches for the name.
        "document_host": urlsplit(app.client_id).netloc if app.document_expires_at else None,
    })
    # Authorizing answers with a redirect to the app, which the browser checks against this
    # page's form-action: the app's origin (or scheme) is allowed here, and only here.
    answer.headers["content-security-policy"] = csp(request.app.state.media_origin,
                                                    redirect_uri)
    return answer


@consent.post("/oauth/authorize")
async def authorize(
    request: Request,
    me: Account = Depends(require_account),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    p = Params(await params(request), oauth_refusal)
    asked = await _authorization(session, p, settings)
    app, redirect_uri = asked.app, asked.redirect_uri
    state = {"state": p.text("state") or ""} if p.text("state") else {}
    if p.text("decision") != "approve":
        if redirect_uri == OOB:
            return page(request, "message.html", {"title": "Not authorized",
                                                  "message": f"{app.name} was not authorized."})
        query = urlencode({"error": "access_denied", **state})
        return RedirectResponse(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}",
                                status_code=303)
    code = await oauth.grant_code(session, app, me, redirect_uri, asked.scopes,
                                  p.text("code_challenge"), p.text("code_challenge_method"),
                                  asked.resource)
    await session.commit()
    if redirect_uri == OOB:
        return page(request, "oauth/code.html", {"title": "Authorization code", "code": code,
                                                 "app": app})
    query = urlencode({"code": code, **state})
    return RedirectResponse(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}",
                            status_code=303)


def _client_credentials(request: Request, p: Params) -> tuple[str, str | None]:
    """From the body, or from HTTP Basic as RFC 6749 prefers."""
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            raise OAuthError("invalid_client", "Malformed Basic credentials.", 401) from None
        if problem(client_id, "client_id") or problem(secret, "client_secret"):
            raise OAuthError("invalid_client", "Malformed Basic credentials.", 401)
        return client_id, secret
    return p.text("client_id") or "", p.text("client_secret")


def _token_body(issued: IssuedToken) -> dict[str, Any]:
    body: dict[str, Any] = {"access_token": issued.access_token, "token_type": "Bearer",
                            "scope": " ".join(issued.scopes), "created_at": issued.created_at}
    if issued.refresh_token:
        body["refresh_token"] = issued.refresh_token
    return body


TOKEN_PARAMETERS = ("client_id", "client_secret", "grant_type", "code", "redirect_uri",
                    "code_verifier", "refresh_token", "scope", "username", "password",
                    "resource")


@router.post("/oauth/token")
async def token(
    request: Request,
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    p = Params(await params(request), oauth_refusal)
    for name in TOKEN_PARAMETERS:  # each grant reads some: all are checked alike
        p.text(name)
    app = await oauth.client(session, *_client_credentials(request, p))
    grant = p.text("grant_type")
    if grant == "authorization_code":
        code = p.text("code")
        if not code:
            raise OAuthError("invalid_request", "code is required.")
        issued = await oauth.exchange_code(session, app, code, p.text("redirect_uri"),
                                           p.text("code_verifier"), p.text("resource"))
    elif grant == "client_credentials":
        issued = await oauth.client_credentials(session, app, p.text("scope"))
    elif grant == "refresh_token":
        issued = await oauth.refresh(session, app, p.text("refresh_token") or "")
    elif grant == "password" and settings.oauth_password_grant:
        username = p.text("username") or ""
        await ratelimit.check_sign_in(request, username)  # the sign-in page's limits, here too
        try:
            issued = await oauth.password_grant(session, app, username,
                                                p.text("password") or "", p.text("scope"))
        except OAuthError as refused:
            if refused.code == "invalid_grant":
                await ratelimit.failed_sign_in(request, username)
            raise
    else:
        raise OAuthError("unsupported_grant_type", "grant_type must be authorization_code, "
                         "client_credentials or refresh_token.")
    await session.commit()
    return JSONResponse(_token_body(issued), headers={"Cache-Control": "no-store"})


@router.post("/oauth/revoke")
async def revoke(request: Request, session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = Params(await params(request), oauth_refusal)
    app = await oauth.client(session, *_client_credentials(request, p))
    await oauth.revoke(session, app, p.text("token") or "")
    await session.commit()
    return JSONResponse({})


@router.get("/.well-known/oauth-authorization-server")
async def metadata(settings: Settings = Depends(get_settings)) -> JSONResponse:
    base = base_url(settings)
    return JSONResponse({
        "issuer": f"{base}/",
        "service_documentation": f"{base}/docs",
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "registration_endpoint": f"{base}/oauth/register",  # RFC 7591, for MCP clients
        "client_id_metadata_document_supported": settings.client_documents,
        "scopes_supported": sorted(scope_rules.KNOWN),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                  "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic",
                                                       "client_secret_post", "none"],
    })


@router.post("/oauth/register", status_code=201)
async def register_client(request: Request, session: AsyncSession = Depends(db_session),
                          settings: Settings = Depends(get_settings)) -> JSONResponse:
    """Dynamic client registration (RFC 7591), as MCP clients (ChatGPT, Claude) register
    themselves: a public client (`token_endpoint_auth_method` "none") gets no secret and
    must use PKCE; a confidential one gets a secret, as /api/v1/apps gives."""
    p = Params(await params(request), registration_refusal)
    method = p.text("token_endpoint_auth_method") or "client_secret_basic"
    grants = _listed(p, "grant_types", ["authorization_code"])
    uris = p.texts("redirect_uris", 2000)
    if not isinstance(uris, list):
        raise registration_refusal("redirect_uris", "redirect_uris must be a list of one "
                                   "or more URIs.")
    try:
        app = await oauth.register_client(
            session, p.text("client_name", 200), uris, p.text("scope"), p.text("client_uri", 500),
            method=method, grants=grants,
            response_types=_listed(p, "response_types", ["code"]))
    except Invalid as refused:
        raise registration_refusal(refused.field or "", refused.message) from None
    await session.commit()
    body: dict[str, Any] = {
        "client_id": app.client_id, "client_id_issued_at": int(app.created_at.timestamp()),
        "client_name": app.name, "redirect_uris": app.redirect_uris.split("\n"),
        "grant_types": grants, "response_types": ["code"], "scope": app.scopes,
        "token_endpoint_auth_method": method,
    }
    if app.website:
        body["client_uri"] = app.website
    if not app.public:
        body |= {"client_secret": app.client_secret, "client_secret_expires_at": 0}
    return JSONResponse(body, status_code=201, headers={"Cache-Control": "no-store"})


def _listed(p: Params, name: str, default: list[str]) -> list[str]:
    found = p.texts(name)
    if found is None:
        return default
    if not isinstance(found, list):
        raise registration_refusal(name, f"{name} must be a list.")
    return found



