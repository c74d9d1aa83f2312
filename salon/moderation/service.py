"""Reports and the moderators' answers to them: dismiss, remove the post, suspend."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.errors import Forbidden, Invalid, NotFound
from salon.moderation.models import AdminAction, Report
from salon.posts import service as posts
from salon.posts.text import plain
from salon.timelines.schemas import Cursor

CATEGORIES = ("spam", "harassment", "illegal", "violence", "other")
MAX_COMMENT = 1000


async def file_report(
    session: AsyncSession,
    reporter: Account,
    *,
    account_id: int | None = None,
    post_id: int | None = None,
    category: str = "other",
    comment: str = "",
) -> Report:
    """Report a post (and so its author) or an account."""
    if category not in CATEGORIES:
        raise Invalid(f"Category must be one of: {', '.join(CATEGORIES)}.", "category")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid(f"Comments can have at most {MAX_COMMENT} characters.", "comment")
    excerpt = ""
    if post_id is not None:
        post = await posts.get_visible(session, post_id, reporter.id)
        account_id = post.account_id
        excerpt = (post.spoiler_text + " " + plain(post.content_html)).strip()[:500]
    if account_id is None:
        raise Invalid("Say which account or post you are reporting.")
    if account_id == reporter.id:
        raise Invalid("You cannot report yourself.")
    await accounts.get(session, account_id)
    report = Report(
        reporter_id=reporter.id,
        target_account_id=account_id,
        post_id=post_id,
        post_excerpt=excerpt,
        category=category,
        comment=comment,
    )
    session.add(report)
    await session.flush()
    return report


def _require_admin(actor: Account) -> None:
    if not actor.is_admin:
        raise Forbidden("Only moderators can do that.")


def record(session: AsyncSession, actor: Account, action: str, target_type: str,
           target_id: int, text: str = "") -> AdminAction:
    """Note a moderator's action in the audit log (admin_actions), with who took it."""
    entry = AdminAction(account_id=actor.id, action=action, target_type=target_type,
                        target_id=target_id, text=text)
    session.add(entry)
    return entry


async def audit_log(session: AsyncSession, target_type: str, target_id: int,
                    limit: int = 100) -> list[AdminAction]:
    """What moderators did to one account, report or post, newest first."""
    rows = await session.scalars(
        select(AdminAction).where(AdminAction.target_type == target_type,
                                  AdminAction.target_id == target_id)
        .order_by(AdminAction.id.desc()).limit(limit))
    return list(rows)


async def open_reports(session: AsyncSession, actor: Account, cursor: Cursor) -> list[Report]:
    _require_admin(actor)
    stmt = select(Report).where(Report.resolved_at.is_(None))
    return list(await session.scalars(cursor.apply(stmt, Report.id)))


async def resolve(session: AsyncSession, actor: Account, report_id: int, action: str) -> Report:
    """action: dismiss, remove_post or suspend."""
    _require_admin(actor)
    report = await session.get(Report, report_id)
    if report is None:
        raise NotFound("That report does not exist.")
    if action == "remove_post":
        if report.post_id is None:
            raise Invalid("This report is about an account, not a post.")
        await remove_post(session, actor, report.post_id)
    elif action == "suspend":
        await accounts.suspend(session, report.target_account_id)
    elif action != "dismiss":
        raise Invalid("Action must be dismiss, remove_post or suspend.", "action")
    report.resolved_at = report.updated_at = utcnow()
    report.resolved_by_id = actor.id
    report.action_taken = action
    record(session, actor, "resolve", "report", report.id, action)
    return report


async def remove_post(session: AsyncSession, actor: Account, post_id: int) -> None:
    _require_admin(actor)
    post = await posts.delete_post(session, actor, post_id)
    record(session, actor, "remove_post", "post", post_id, f"by account {post.account_id}")


async def suspend(session: AsyncSession, actor: Account, account_id: int) -> None:
    _require_admin(actor)
    await accounts.suspend(session, account_id)
    record(session, actor, "suspend", "account", account_id)


async def unsuspend(session: AsyncSession, actor: Account, account_id: int) -> None:
    _require_admin(actor)
    await accounts.unsuspend(session, account_id)
    record(session, actor, "unsuspend", "account", account_id)


async def suspended(session: AsyncSession, actor: Account) -> list[Account]:
    _require_admin(actor)
    return await accounts.suspended_accounts(session)


async def pending(session: AsyncSession, actor: Account) -> list[Account]:
    _require_admin(actor)
    return await accounts.pending_accounts(session)


async def approve(session: AsyncSession, actor: Account, account_id: int) -> None:
    _require_admin(actor)
    await accounts.approve(session, account_id)
    record(session, actor, "approve", "account", account_id)


async def reject(session: AsyncSession, actor: Account, account_id: int) -> None:
    _require_admin(actor)
    await accounts.reject(session, account_id)
    record(session, actor, "reject", "account", account_id)
