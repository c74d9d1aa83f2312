"""What the admin API (Mastodon's /api/v1/admin/...) asks of moderation: finding accounts and
reports, acting on them, and the audit log of each action. Only moderators (accounts with
the admin role) get past `require_staff`; every change is recorded with who made it."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from sqlalchemy import Select, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.errors import Forbidden, Invalid, NotFound
from salon.moderation.models import Report
from salon.moderation.service import record
from salon.posts.models import Post
from salon.timelines.schemas import Cursor

NOT_ALLOWED = "This action is not allowed"
STATUSES = ("active", "pending", "disabled", "silenced", "suspended")
# Roles as Salon has them: moderators (the admin role, shown as Mastodon's Owner) and
# everyone else (Mastodon's @everyone, id -99).
ADMIN_ROLE, EVERYONE_ROLE = "3", "-99"
# What POST /accounts/:id/action takes. `silence` and `sensitive` name features Salon does
# not have (no limited accounts, no forced content warnings): refused, never faked.
ACTIONS = ("none", "disable", "suspend")
UNSUPPORTED_ACTIONS = ("silence", "sensitive")
# Mastodon's report categories, as Admin::Report shows Salon's: both are taken by PUT.
SHOWN_CATEGORY = {"spam": "spam", "illegal": "legal", "harassment": "violation",
                  "violence": "violation", "violation": "violation", "other": "other"}
STORED_CATEGORY = {"spam": "spam", "legal": "illegal", "illegal": "illegal",
                   "harassment": "harassment", "violence": "violence", "other": "other",
                   "violation": "violation"}


def require_staff(actor: Account) -> None:
    if not actor.is_admin:
        raise Forbidden(NOT_ALLOWED)


# --- accounts -------------------------------------------------------------------------------


@dataclass
class AccountFilter:
    """GET /api/v2/admin/accounts' filters (v1's booleans map onto the same)."""

    origin: str | None = None  # local or remote
    status: str | None = None  # one of STATUSES
    staff: bool = False
    username: str = ""
    display_name: str = ""
    email: str = ""
    ip: str = ""
    role_ids: list[str] = field(default_factory=list)


def _like(text: str) -> str:
    return text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(found: AccountFilter) -> Select[Account] | None:
    """The accounts matching, or None where nothing can match on Salon: there are no remote
    accounts, silenced accounts, e-mail addresses or recorded IP addresses."""
    if found.ip:
        try:
            ipaddress.ip_network(found.ip, strict=False)
        except ValueError:
            raise Invalid("ip must be an IP address or range.", "ip") from None
    if found.origin == "remote" or found.status == "silenced" or found.email or found.ip:
        return None
    stmt = select(Account)
    active = (Account.approved.is_(True), Account.suspended_at.is_(None),
              Account.disabled_at.is_(None))
    status = {"active": active, "pending": (Account.approved.is_(False),),
              "disabled": (Account.disabled_at.is_not(None),),
              "suspended": (Account.suspended_at.is_not(None),)}
    if found.status:
        stmt = stmt.where(*status[found.status])
    if found.staff:
        stmt = stmt.where(Account.is_admin.is_(True))
    if found.role_ids:
        roles = set(found.role_ids)
        admins = true() if ADMIN_ROLE in roles else false()
        others = true() if EVERYONE_ROLE in roles else false()
        stmt = stmt.where((Account.is_admin & admins) | (~Account.is_admin & others))
    if found.username:
        stmt = stmt.where(Account.username_key.like(_like(found.username) + "%", escape="\\"))
    if found.display_name:
        stmt = stmt.where(func.lower(Account.display_name).like(
            "%" + _like(found.display_name) + "%", escape="\\"))
    return stmt


async def find_accounts(session: AsyncSession, actor: Account, found: AccountFilter,
                        cursor: Cursor) -> list[Account]:
    require_staff(actor)
    stmt = _filtered(found)
    if stmt is None:
        return []
    return list(await session.scalars(cursor.apply(stmt, Account.id)))


async def get_account(session: AsyncSession, actor: Account, account_id: int) -> Account:
    """Any account, pending, disabled and suspended ones too."""
    require_staff(actor)
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound("Record not found")
    return account


async def approve(session: AsyncSession, actor: Account, account_id: int) -> Account:
    account = await _pending(session, actor, account_id)
    await accounts.approve(session, account.id)
    record(session, actor, "approve", "account", account.id)
    return account


async def reject(session: AsyncSession, actor: Account, account_id: int) -> Account:
    """Refuse a waiting sign-up: the account is deleted. Returns it as it was."""
    account = await _pending(session, actor, account_id)
    await accounts.reject(session, account.id)
    record(session, actor, "reject", "account", account.id)
    return account


async def _pending(session: AsyncSession, actor: Account, account_id: int) -> Account:
    account = await get_account(session, actor, account_id)
    if account.approved:
        raise Forbidden(f"{NOT_ALLOWED}: the account is not waiting for approval.")
    return account


async def act(session: AsyncSession, actor: Account, account_id: int, kind: str, *,
              report_id: int | None = None, text: str = "") -> None:
    """Mastodon's account action: none, disable or suspend, noted in the audit log. With a
    report it resolves that report; any action other than `none` resolves every open report
    against the account."""
    account = await get_account(session, actor, account_id)
    if kind in UNSUPPORTED_ACTIONS:
        raise Invalid(f"type {kind} is not supported on this server: Salon has no "
                      f"{'limited (silenced)' if kind == 'silence' else 'forced-sensitive'} "
                      f"accounts. Use one of: {', '.join(ACTIONS)}.", "type")
    if kind not in ACTIONS:
        raise Invalid(f"type must be one of: {', '.join(ACTIONS)}.", "type")
    report = None
    if report_id is not None:
        report = await session.get(Report, report_id)
        if report is None or report.target_account_id != account.id:
            raise NotFound("Record not found")
    if kind == "disable":
        await accounts.disable(session, account.id)
    elif kind == "suspend":
        await accounts.suspend(session, account.id)
    record(session, actor, kind, "account", account.id, text)
    if kind == "none":
        closing = [report] if report is not None and report.resolved_at is None else []
    else:
        closing = list(await session.scalars(select(Report).where(
            Report.target_account_id == account.id, Report.resolved_at.is_(None))))
    for each in closing:
        _close(session, actor, each, kind)


async def lift(session: AsyncSession, actor: Account, account_id: int, kind: str) -> Account:
    """enable, unsuspend, unsilence or unsensitive. Only unsuspend insists that there is
    something to lift (as Mastodon); no account is ever silenced or forced sensitive here."""
    account = await get_account(session, actor, account_id)
    if kind == "unsuspend":
        if account.suspended_at is None:
            raise Forbidden(f"{NOT_ALLOWED}: the account is not suspended.")
        await accounts.unsuspend(session, account.id)
    elif kind == "enable":
        await accounts.enable(session, account.id)
    record(session, actor, kind, "account", account.id)
    return account


# --- reports --------------------------------------------------------------------------------


async def find_reports(session: AsyncSession, actor: Account, cursor: Cursor, *,
                       resolved: bool = False, account_id: int | None = None,
                       target_account_id: int | None = None) -> list[Report]:
    """Open reports (or resolved ones), by whom or against whom, newest first."""
    require_staff(actor)
    stmt = select(Report).where(Report.resolved_at.is_not(None) if resolved
                                else Report.resolved_at.is_(None))
    if account_id is not None:
        stmt = stmt.where(Report.reporter_id == account_id)
    if target_account_id is not None:
        stmt = stmt.where(Report.target_account_id == target_account_id)
    return list(await session.scalars(cursor.apply(stmt, Report.id)))


async def get_report(session: AsyncSession, actor: Account, report_id: int) -> Report:
    require_staff(actor)
    report = await session.get(Report, report_id)
    if report is None:
        raise NotFound("Record not found")
    return report


async def update_report(session: AsyncSession, actor: Account, report_id: int, *,
                        category: str | None, rule_ids: list[int]) -> Report:
    """Change a report's category. Salon has no server rules, so no rule can be named."""
    report = await get_report(session, actor, report_id)
    if rule_ids:
        raise Invalid("rule_ids names no rule of this server (it has none).", "rule_ids")
    if category is not None:
        if category not in STORED_CATEGORY:
            raise Invalid("category must be one of: spam, legal, violation, other.",
                          "category")
        stored = STORED_CATEGORY[category]
        if SHOWN_CATEGORY.get(report.category) != SHOWN_CATEGORY[stored]:
            report.category = stored  # harassment stays harassment when asked `violation`
            report.updated_at = utcnow()
            record(session, actor, "update", "report", report.id, f"category {stored}")
    return report


async def assign(session: AsyncSession, actor: Account, report_id: int,
                 to_self: bool) -> Report:
    report = await get_report(session, actor, report_id)
    report.assigned_account_id = actor.id if to_self else None
    report.updated_at = utcnow()
    record(session, actor, "assign_to_self" if to_self else "unassign", "report", report.id)
    return report


async def resolve(session: AsyncSession, actor: Account, report_id: int) -> Report:
    """Resolved with no further action (already resolved: left as it was)."""
    report = await get_report(session, actor, report_id)
    if report.resolved_at is None:
        _close(session, actor, report, "dismiss")
    return report


async def reopen(session: AsyncSession, actor: Account, report_id: int) -> Report:
    report = await get_report(session, actor, report_id)
    if report.resolved_at is not None:
        report.resolved_at = report.resolved_by_id = None
        report.action_taken = ""
        report.updated_at = utcnow()
        record(session, actor, "reopen", "report", report.id)
    return report


def _close(session: AsyncSession, actor: Account, report: Report, action: str) -> None:
    report.resolved_at = report.updated_at = utcnow()
    report.resolved_by_id = actor.id
    report.action_taken = action
    record(session, actor, "resolve", "report", report.id, action)


async def reported_posts(session: AsyncSession, reports: list[Report]) -> dict[int, Post]:
    """The posts these reports name that still exist, whoever may see them: a moderator
    reads a reported post even when it is private (and only reported posts so)."""
    ids = {r.post_id for r in reports if r.post_id is not None}
    if not ids:
        return {}
    return {p.id: p for p in await session.scalars(select(Post).where(Post.id.in_(ids)))}

