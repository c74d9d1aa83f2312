"""Admin::Account and Admin::Report, as Mastodon's REST::Admin serializers write them."""

from __future__ import annotations

from typing import Any

from salon.accounts.models import Account
from salon.api.mastodon.entities.accounts import AccountEntity, RoleEntity, account
from salon.api.mastodon.entities.common import Entity, maybe_timestamp, timestamp
from salon.moderation.admin import ADMIN_ROLE, EVERYONE_ROLE, SHOWN_CATEGORY
from salon.moderation.models import Report


class AdminAccountEntity(Entity):
    id: str
    username: str
    domain: str | None
    created_at: str
    # Salon keeps no e-mail addresses or sign-in IP addresses: empty, as for an account
    # Mastodon has none of these for.
    email: str
    ip: str | None
    ips: list[dict[str, str]]
    locale: str | None
    invite_request: str | None
    role: RoleEntity
    confirmed: bool
    approved: bool
    disabled: bool
    silenced: bool
    suspended: bool
    sensitized: bool
    account: AccountEntity


class AdminReportEntity(Entity):
    id: str
    action_taken: bool
    action_taken_at: str | None
    category: str
    comment: str
    forwarded: bool
    created_at: str
    updated_at: str
    account: AdminAccountEntity
    target_account: AdminAccountEntity
    assigned_account: AdminAccountEntity | None
    action_taken_by_account: AdminAccountEntity | None
    statuses: list[dict[str, Any]]
    rules: list[dict[str, Any]]


def role(acc: Account) -> RoleEntity:
    if acc.is_admin:
        return RoleEntity(id=ADMIN_ROLE, name="Owner", permissions="1", color="",
                          highlighted=True)
    return RoleEntity(id=EVERYONE_ROLE, name="", permissions="65536", color="",
                      highlighted=False)


def admin_account(acc: Account, base: str) -> AdminAccountEntity:
    return AdminAccountEntity(
        id=str(acc.id), username=acc.username, domain=None, created_at=timestamp(acc.created_at),
        email="", ip=None, ips=[], locale=None, invite_request=None, role=role(acc),
        confirmed=True, approved=acc.approved, disabled=acc.disabled_at is not None,
        silenced=False, suspended=acc.suspended_at is not None, sensitized=False,
        account=account(acc, base),
    )


def admin_report(report: Report, people: dict[int, Account], base: str,
                 statuses: list[dict[str, Any]]) -> AdminReportEntity:
    """`people` holds the accounts it names; `statuses` the reported post, rendered."""

    def person(account_id: int | None) -> AdminAccountEntity | None:
        found = people.get(account_id) if account_id is not None else None
        return admin_account(found, base) if found is not None else None

    reporter, target = person(report.reporter_id), person(report.target_account_id)
    assert reporter is not None and target is not None  # reports go with their accounts
    return AdminReportEntity(
        id=str(report.id), action_taken=report.resolved_at is not None,
        action_taken_at=maybe_timestamp(report.resolved_at),
        category=SHOWN_CATEGORY.get(report.category, "other"), comment=report.comment,
        forwarded=False, created_at=timestamp(report.created_at),
        updated_at=timestamp(report.updated_at or report.created_at),
        account=reporter, target_account=target,
        assigned_account=person(report.assigned_account_id),
        action_taken_by_account=person(report.resolved_by_id),
        statuses=statuses, rules=[],
    )
