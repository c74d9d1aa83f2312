"""Sign up, sign in, sign out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.errors import SalonError
from salon.settings import Settings
from salon.web import ratelimit
from salon.web.deps import (
    SESSION_COOKIE,
    Viewer,
    db_session,
    get_settings,
    verify_csrf,
    viewer,
)
from salon.web.render import page, safe_next

router = APIRouter(dependencies=[Depends(verify_csrf)])


async def _signed_in(
    request: Request, session: AsyncSession, account: Account, target: str
) -> Response:
    token, _ = await accounts.start_login_session(
        session, account, request.headers.get("user-agent", "")
    )
    await session.commit()
    response = RedirectResponse(safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
        max_age=86400 * 60,
    )
    return response


@router.get("/signup")
async def signup_form(request: Request, current: Viewer = Depends(viewer)) -> Response:
    if current.account:
        return RedirectResponse("/home", status_code=303)
    return page(request, "signup.html", {"form": {}})


@router.post("/signup")
async def signup(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    display_name: str = Form(""),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    form = {"username": username, "display_name": display_name}
    try:
        await request.app.state.limiter.hit("signup", ratelimit.client_address(request),
                                            settings.signups_per_hour, 3600)
        account = await accounts.sign_up(session, settings, username, password,
                                         display_name=display_name)
    except SalonError as error:
        return page(
            request,
            "signup.html",
            {"form": form, "error": error.message, "field": error.field},
            error.status,
        )
    if not account.approved:
        await session.commit()
        return page(request, "message.html", {
            "title": "Thanks for signing up",
            "message": "A moderator will look at your sign-up soon. You can log in once it "
                       "is approved.",
        })
    return await _signed_in(request, session, account, "/home")


@router.get("/login")
async def login_form(
    request: Request, next: str = "/home", current: Viewer = Depends(viewer)
) -> Response:
    if current.account:
        return RedirectResponse(safe_next(next), status_code=303)
    return page(request, "login.html", {"next": safe_next(next), "form": {}})


@router.post("/login")
async def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/home"),
    session: AsyncSession = Depends(db_session),
) -> Response:
    form = {"username": username}
    try:
        account = await ratelimit.authenticate(request, session, username, password)
    except SalonError as error:  # too many attempts, or a suspended account
        return page(request, "login.html", {"next": next, "form": form, "error": error.message},
                    error.status)
    if account is None:
        return page(request, "login.html", {
            "next": next, "form": form,
            "error": "That username and password do not match an account.",
        }, 401)
    return await _signed_in(request, session, account, next)


@router.post("/logout")
async def logout(request: Request, session: AsyncSession = Depends(db_session)) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await accounts.end_login_session(session, token)
        await session.commit()
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
