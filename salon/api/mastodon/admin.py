"""The admin API moderation apps use: /api/v1/admin/accounts and /api/v1/admin/reports.
Each route needs its admin scope (admin:read:accounts, admin:write:reports, ...); a token
that has it but acts for an account without the admin role gets 403 "This action is not
allowed", as Mastodon answers it (the scope is granted to anyone who asks; the role is not)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.api.mastodon import rendered
from salon.api.mastodon.deps import (
    ApiError,
    Params,
    account_of,
    base_url,
    params,
    path_id,
    rendered_statuses,
    scoped,
)
from salon.api.mastodon.entities.admin import admin_account, admin_report
from salon.api.mastodon.paging import cursor, paged
from salon.moderation import admin
from salon.moderation.models import Report
from salon.oauth.service import TokenContext
from salon.settings import Settings
from salon.timelines.schemas import Cursor, Page
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api")
Staff = Callable[..., Awaitable[Account]]


def staff(needed: str) -> Staff:
    """A dependency: the token must carry `needed`, and act for a moderator."""
    has_scope = scoped(needed)

    async def check(context: TokenContext = Depends(has_scope)) -> Account:
        me = account_of(context)
        if not me.is_admin:
            raise ApiError(403, admin.NOT_ALLOWED)
        return me

    return check


READ_ACCOUNTS, WRITE_ACCOUNTS = staff("admin:read:accounts"), staff("admin:write:accounts")
READ_REPORTS, WRITE_REPORTS = staff("admin:read:reports"), staff("admin:write:reports")
STATUS_CHOICES = ("", *admin.STATUSES)


def _page(request: Request, body: list[Any], ids: list[int], found: Cursor) -> JSONResponse:
    if found.ascending:  # min_id pages come oldest first from the query; answered newest first
        body, ids = body[::-1], ids[::-1]
    return paged(request, body, Page.of(body, ids, found))


# --- accounts -------------------------------------------------------------------------------


async def _accounts_page(request: Request, session: AsyncSession, settings: Settings,
                         me: Account, p: Params, found: admin.AccountFilter) -> JSONResponse:
    page_cursor = cursor(p, 100, 200)
    rows = await admin.find_accounts(session, me, found, page_cursor)
    body = [admin_account(a, base_url(settings)).model_dump(mode="json") for a in rows]
    return _page(request, body, [a.id for a in rows], page_cursor)


def _common_filters(p: Params) -> dict[str, Any]:
    return {"username": p.text("username", max_len=100),
            "display_name": p.text("display_name", max_len=100),
            "email": p.text("email", max_len=320), "ip": p.text("ip", max_len=100)}


@router.get("/v2/admin/accounts")
async def accounts_v2(request: Request, me: Account = Depends(READ_ACCOUNTS),
                      session: AsyncSession = Depends(db_session),
                      settings: Settings = Depends(get_settings)) -> JSONResponse:
    p = await params(request)
    found = admin.AccountFilter(
        origin=p.choice("origin", ("", "local", "remote"), "") or None,
        status=p.choice("status", STATUS_CHOICES, "") or None,
        staff=p.choice("permissions", ("", "staff"), "") == "staff",
        role_ids=p.texts("role_ids", max_len=20), **_common_filters(p))
    return await _accounts_page(request, session, settings, me, p, found)


@router.get("/v1/admin/accounts")
async def accounts_v1(request: Request, me: Account = Depends(READ_ACCOUNTS),
                      session: AsyncSession = Depends(db_session),
                      settings: Settings = Depends(get_settings)) -> JSONResponse:
    """v1's booleans (local, remote, active, pending, ...) as v2's filters."""
    p = await params(request)
    origins = [o for o in ("local", "remote") if p.flag(o)]
    statuses = [s for s in admin.STATUSES if p.flag(s)]
    if p.flag("sensitized"):
        statuses.append("silenced")  # no account is forced sensitive either: none match
    if len(origins) > 1 or len(statuses) > 1:
        return _page(request, [], [], cursor(p, 100, 200))  # no account is both
    found = admin.AccountFilter(origin=origins[0] if origins else None,
                                status=statuses[0] if statuses else None,
                                staff=p.flag("staff"), **_common_filters(p))
    return await _accounts_page(request, session, settings, me, p, found)


def _one(acc: Account, settings: Settings) -> JSONResponse:
    return JSONResponse(admin_account(acc, base_url(settings)).model_dump(mode="json"))


@router.get("/v1/admin/accounts/{account_id}")
async def show_account(account_id: str, me: Account = Depends(READ_ACCOUNTS),
                       session: AsyncSession = Depends(db_session),
                       settings: Settings = Depends(get_settings)) -> JSONResponse:
    return _one(await admin.get_account(session, me, path_id(account_id)), settings)


@router.delete("/v1/admin/accounts/{account_id}")
async def delete_account(account_id: str, me: Account = Depends(WRITE_ACCOUNTS),
                         session: AsyncSession = Depends(db_session)) -> JSONResponse:
    """Mastodon erases a suspended account's data here. Salon cannot erase an account yet
    (a suspension already hides everything it had): refused as Mastodon refuses it."""
    await admin.get_account(session, me, path_id(account_id))
    raise ApiError(403, f"{admin.NOT_ALLOWED}: Salon does not erase accounts' data; "
                        "a suspension hides all of it.")


@router.post("/v1/admin/accounts/{account_id}/action")
async def account_action(request: Request, account_id: str,
                         me: Account = Depends(WRITE_ACCOUNTS),
                         session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    kind = p.text("type", max_len=20)
    if not kind:
        raise ApiError(422, "type is required: one of " + ", ".join(admin.ACTIONS) + ".")
    report_id = p.id("report_id")
    if p.id("warning_preset_id") is not None:  # Salon has no warning presets
        raise ApiError(404, "Record not found")
    p.flag("send_email_notification")  # taken, but Salon sends no e-mail
    await admin.act(session, me, path_id(account_id), kind, report_id=report_id,
                    text=p.text("text", max_len=5000, multiline=True))
    await session.commit()
    return JSONResponse({})


async def _approve(session: AsyncSession, me: Account, account_id: int) -> Account:
    return await admin.approve(session, me, account_id)


async def _reject(session: AsyncSession, me: Account, account_id: int) -> Account:
    return await admin.reject(session, me, account_id)


def _lifting(kind: str) -> Callable[[AsyncSession, Account, int], Awaitable[Account]]:
    async def lift(session: AsyncSession, me: Account, account_id: int) -> Account:
        return await admin.lift(session, me, account_id, kind)

    return lift


ACCOUNT_CHANGES = {"approve": _approve, "reject": _reject, "enable": _lifting("enable"),
                   "unsilence": _lifting("unsilence"), "unsuspend": _lifting("unsuspend"),
                   "unsensitive": _lifting("unsensitive")}


def _account_change(name: str) -> None:
    change = ACCOUNT_CHANGES[name]

    async def answer(account_id: str, me: Account = Depends(WRITE_ACCOUNTS),
                     session: AsyncSession = Depends(db_session),
                     settings: Settings = Depends(get_settings)) -> JSONResponse:
        changed = await change(session, me, path_id(account_id))
        body = _one(changed, settings)  # before the commit: a rejected sign-up is gone after
        await session.commit()
        return body

    router.add_api_route(f"/v1/admin/accounts/{{account_id}}/{name}", answer,
                         methods=["POST"], name=f"admin_account_{name}")


for _name in ACCOUNT_CHANGES:
    _account_change(_name)


# --- reports --------------------------------------------------------------------------------


async def _reports_json(request: Request, session: AsyncSession, me: Account,
                        reports: list[Report]) -> list[dict[str, Any]]:
    """Admin::Reports in a fixed number of queries: the accounts they name, and the reported
    posts, which a moderator reads whoever else may (the only private posts shown here)."""
    people = await accounts.get_many(session, {
        i for r in reports for i in (r.reporter_id, r.target_account_id,
                                     r.assigned_account_id, r.resolved_by_id) if i})
    posts = await admin.reported_posts(session, reports)
    kept = await rendered_statuses(request)
    # By id: a reported repost of a post the moderator may not see is left out.
    shown = {int(s["id"]): s for s in map(json.loads, await rendered.statuses(
        session, kept, list(posts.values()), me.id))}
    base = base_url(request.app.state.settings)
    return [admin_report(r, people, base, [shown[r.post_id]] if r.post_id in shown else []
                         ).model_dump(mode="json")
            for r in reports if r.reporter_id in people and r.target_account_id in people]


@router.get("/v1/admin/reports")
async def reports(request: Request, me: Account = Depends(READ_REPORTS),
                  session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    page_cursor = cursor(p, 100, 200)
    rows = await admin.find_reports(session, me, page_cursor, resolved=p.flag("resolved"),
                                    account_id=p.id("account_id"),
                                    target_account_id=p.id("target_account_id"))
    body = await _reports_json(request, session, me, rows)
    return _page(request, body, [r.id for r in rows], page_cursor)


async def _report(request: Request, session: AsyncSession, me: Account,
                  report: Report) -> JSONResponse:
    return JSONResponse((await _reports_json(request, session, me, [report]))[0])


@router.get("/v1/admin/reports/{report_id}")
async def show_report(request: Request, report_id: str, me: Account = Depends(READ_REPORTS),
                      session: AsyncSession = Depends(db_session)) -> JSONResponse:
    return await _report(request, session, me,
                         await admin.get_report(session, me, path_id(report_id)))


@router.put("/v1/admin/reports/{report_id}")
async def update_report(request: Request, report_id: str,
                        me: Account = Depends(WRITE_REPORTS),
                        session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    category = p.optional_text("category", max_len=20)
    rule_ids = p.ids("rule_ids", max_count=100)
    changed = await admin.update_report(session, me, path_id(report_id),
                                        category=category or None, rule_ids=rule_ids)
    await session.commit()
    return await _report(request, session, me, changed)


async def _assign(session: AsyncSession, me: Account, report_id: int) -> Report:
    return await admin.assign(session, me, report_id, to_self=True)


async def _unassign(session: AsyncSession, me: Account, report_id: int) -> Report:
    return await admin.assign(session, me, report_id, to_self=False)


REPORT_CHANGES = {"assign_to_self": _assign, "unassign": _unassign,
                  "resolve": admin.resolve, "reopen": admin.reopen}


def _report_change(name: str) -> None:
    change = REPORT_CHANGES[name]

    async def answer(request: Request, report_id: str, me: Account = Depends(WRITE_REPORTS),
                     session: AsyncSession = Depends(db_session)) -> JSONResponse:
        changed = await change(session, me, path_id(report_id))
        await session.commit()
        return await _report(request, session, me, changed)

    router.add_api_route(f"/v1/admin/reports/{{report_id}}/{name}", answer,
                         methods=["POST"], name=f"admin_report_{name}")


for _name in REPORT_CHANGES:
    _report_change(_name)
