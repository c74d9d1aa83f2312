"""What every web request may need: a database session, the signed-in viewer, CSRF checks."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account, LoginSession
from salon.db.session import Database
from salon.errors import Forbidden
from salon.settings import Settings

SESSION_COOKIE = "salon_session"
CSRF_COOKIE = "salon_csrf"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session per request. Handlers that change something call commit() once; whatever
    is left uncommitted (an error midway) is rolled back, so nothing is half-written."""
    db: Database = request.app.state.db
    async with db.sessions() as session:
        try:
            yield session
        except Exception:
            await undo(request, session)
            current: Viewer | None = getattr(request.state, "viewer", None)
            if current is not None and current.account is not None:
                session.expunge(current.account)  # the error page renders after we close
            raise
        finally:
            await session.rollback()


async def undo(request: Request, session: AsyncSession) -> None:
    """Roll back this request's changes. The rollback expires every loaded row, and pages
    still show who is signed in, so the viewer's account is loaded again."""
    await session.rollback()
    current: Viewer | None = getattr(request.state, "viewer", None)
    if current is not None and current.account is not None:
        await session.refresh(current.account)


async def get_settings(request: Request) -> Settings:
    # async: FastAPI runs a plain-def dependency in its thread pool (a hop per request)
    settings: Settings = request.app.state.settings
    return settings


@dataclass
class Viewer:
    account: Account | None
    login: LoginSession | None
    csrf_token: str
    new_csrf_cookie: bool = False

    @property
    def id(self) -> int | None:
        return self.account.id if self.account else None


async def viewer(request: Request, session: AsyncSession = Depends(db_session)) -> Viewer:
    cached: Viewer | None = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    account = login = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        found = await accounts.resume_login_session(session, token)
        if found:
            account, login = found
    if login is not None:
        current = Viewer(account, login, login.csrf_token)
    else:
        anon = request.cookies.get(CSRF_COOKIE) or ""
        fresh = len(anon) < 20
        current = Viewer(None, None, secrets.token_urlsafe(32) if fresh else anon, fresh)
    request.state.viewer = current
    return current


async def verify_csrf(request: Request, current: Viewer = Depends(viewer)) -> None:
    """Every state-changing web request carries the viewer's CSRF token, in the form field
    `csrf_token` or the X-CSRF-Token header (HTMX sends it from the page's hx-headers)."""
    if request.method not in UNSAFE:
        return
    sent = request.headers.get("x-csrf-token", "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else ""
    if current.new_csrf_cookie or not sent or not hmac.compare_digest(sent, current.csrf_token):
        raise Forbidden(
            "This form has expired or came from another site. Reload the page and try again."
        )


async def require_account(current: Viewer = Depends(viewer)) -> Account:
    if current.account is None:
        raise LoginRequired()
    return current.account


class LoginRequired(Exception):
    """Raised for pages that need a signed-in viewer; answered with a redirect to /login."""


def wake_worker(request: Request) -> None:
    """Background work was just committed: let the in-process worker start on it now."""
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake.set()
