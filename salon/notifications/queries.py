"""Which of an account's notifications a list shows: the conditions every list shares."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement

from salon.accounts import service as accounts
from salon.graph import service as graph
from salon.notifications.models import Notification


@dataclass
class Filters:
    """Which of an account's notifications a list shows (Mastodon's list parameters)."""

    types: list[str] | None = None
    exclude_types: list[str] | None = None
    from_account_id: int | None = None
    include_filtered: bool = False


def shown(account_id: int, filters: Filters | None = None) -> list[ColumnElement[bool]]:
    """SQL conditions on Notification: the account's, shown as `filters` ask, never from an
    account blocked either way or muted with its notifications, nor from a suspended one."""
    filters = filters or Filters()
    found: list[ColumnElement[bool]] = [
        Notification.account_id == account_id,
        Notification.from_account_id.not_in(graph.notification_hidden_ids(account_id)),
        Notification.from_account_id.not_in(accounts.suspended_ids()),
    ]
    if not filters.include_filtered:
        found.append(Notification.filtered.is_(False))
    if filters.types:
        found.append(Notification.type.in_(filters.types))
    if filters.exclude_types:
        found.append(Notification.type.not_in(filters.exclude_types))
    if filters.from_account_id is not None:
        found.append(Notification.from_account_id == filters.from_account_id)
    return found
