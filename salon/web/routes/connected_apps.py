"""Settings → Connected apps: the Mastodon apps and chat assistants (MCP) holding tokens for
the person, each revocable at once, and new tokens for programs of their own (a local
assistant started with `salon mcp`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.errors import Invalid
from salon.oauth import service as oauth
from salon.web.deps import Viewer, db_session, require_account, verify_csrf, viewer
from salon.web.render import page
from salon.web.routes.common import form_id, form_text, frame

router = APIRouter(dependencies=[Depends(verify_csrf)])
TOKEN_SCOPES = ("read", "write", "follow")


async def _page(request: Request, session: AsyncSession, current: Viewer, me: Account,
                issued: oauth.IssuedToken | None = None, name: str = "") -> Response:
    return page(request, "connected_apps.html", {
        "title": "Connected apps", "connections": await oauth.connections(session, me.id),
        "issued": issued, "issued_name": name, "token_scopes": TOKEN_SCOPES,
        **await frame(session, current)})


@router.get("/settings/apps")
async def connected_apps(request: Request, me: Account = Depends(require_account),
                         current: Viewer = Depends(viewer),
                         session: AsyncSession = Depends(db_session)) -> Response:
    return await _page(request, session, current, me)


@router.post("/settings/apps/revoke")
async def revoke(request: Request, me: Account = Depends(require_account),
                 session: AsyncSession = Depends(db_session)) -> Response:
    form = await request.form()
    app_id = form_id(form, "app_id", "the id of a connected app")
    if app_id is None:
        raise Invalid("app_id: say which app to disconnect.", "app_id")
    await oauth.disconnect(session, me.id, app_id)
    await session.commit()
    return RedirectResponse("/settings/apps?revoked=1", status_code=303)


@router.post("/settings/apps/token")
async def new_token(request: Request, me: Account = Depends(require_account),
                    current: Viewer = Depends(viewer),
                    session: AsyncSession = Depends(db_session)) -> Response:
    """Shown once, on the page this answers: only its hash is kept."""
    form = await request.form()
    name = form_text(form, "name")[:200].strip() or "My assistant"
    wanted = [s for s in TOKEN_SCOPES if form.get(f"scope_{s}")] or ["read"]
    issued = await oauth.personal_token(session, me, name, wanted)
    await session.commit()
    answer = await _page(request, session, current, me, issued, name)
    answer.headers["Cache-Control"] = "no-store"  # the token, shown this once
    return answer
