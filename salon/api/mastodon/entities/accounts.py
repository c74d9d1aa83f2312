"""Account, CredentialAccount and Relationship."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from salon.accounts.models import Account
from salon.api.mastodon.entities.common import (
    Entity,
    absolute_links,
    account_url,
    media_url,
    static_url,
    timestamp,
)
from salon.graph.service import Relationship

# --- accounts -------------------------------------------------------------------------------


class CustomEmojiEntity(Entity):
    shortcode: str
    url: str
    static_url: str
    visible_in_picker: bool
    category: str | None = None


class FieldEntity(Entity):
    name: str
    value: str
    verified_at: str | None = None


class AccountEntity(Entity):
    omit_when_none = frozenset({"suspended"})

    id: str
    username: str
    acct: str
    url: str
    display_name: str
    note: str
    avatar: str
    avatar_static: str
    header: str
    header_static: str
    locked: bool = False
    fields: list[FieldEntity] = []
    emojis: list[CustomEmojiEntity] = []
    bot: bool = False
    group: bool = False
    discoverable: bool | None = True
    noindex: bool | None = False
    created_at: str
    last_status_at: str | None
    statuses_count: int
    followers_count: int
    following_count: int
    suspended: bool | None = None


class MutedAccountEntity(AccountEntity):
    """An account in /api/v1/mutes: when the mute ends (null: never)."""

    mute_expires_at: str | None


class SourceEntity(Entity):
    privacy: str
    sensitive: bool
    language: str
    note: str
    fields: list[FieldEntity]
    follow_requests_count: int


class RoleEntity(Entity):
    id: str
    name: str
    permissions: str
    color: str
    highlighted: bool


class CredentialAccountEntity(AccountEntity):
    source: SourceEntity
    role: RoleEntity


def account(acc: Account, base: str) -> AccountEntity:
    return AccountEntity(**_account_fields(acc, base))


def muted_account(acc: Account, base: str, expires: datetime | None) -> MutedAccountEntity:
    return MutedAccountEntity(**_account_fields(acc, base),
                              mute_expires_at=timestamp(expires) if expires else None)


def _fields(acc: Account, base: str, *, source: bool) -> list[FieldEntity]:
    """Profile fields: the value as HTML for everyone, as typed in the owner's `source`.
    rel=me verification is not done yet: verified_at is always null."""
    return [FieldEntity(name=f["name"],
                        value=f["value"] if source else absolute_links(f["value_html"], base))
            for f in acc.fields or []]


def _account_fields(acc: Account, base: str) -> dict[str, Any]:
    suspended = acc.suspended_at is not None
    avatar = (
        media_url(base, acc.avatar_key)
        if acc.avatar_key and not suspended
        else static_url(base, "avatar.svg")
    )
    header = (
        media_url(base, acc.header_key)
        if acc.header_key and not suspended
        else static_url(base, "header.png")
    )
    day = acc.created_at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "id": str(acc.id),
        "username": acc.username,
        "acct": acc.username,
        "url": account_url(base, acc),
        # As Mastodon does, a suspended account keeps its name but shows nothing else.
        "display_name": "" if suspended else acc.display_name,
        "note": "" if suspended else absolute_links(acc.bio_html, base),
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "locked": acc.locked,
        "bot": acc.bot,
        "fields": [] if suspended else _fields(acc, base, source=False),
        "discoverable": not suspended,
        "created_at": timestamp(day),
        "last_status_at": acc.last_post_at.astimezone(UTC).date().isoformat()
        if acc.last_post_at
        else None,
        "statuses_count": acc.posts_count,
        "followers_count": acc.followers_count,
        "following_count": acc.following_count,
        "suspended": True if suspended else None,
    }


def credential_account(
    acc: Account, base: str, follow_requests: int = 0
) -> CredentialAccountEntity:
    """The signed-in account as verify_credentials and update_credentials answer it."""
    role = (
        RoleEntity(id="3", name="Owner", permissions="1", color="", highlighted=True)
        if acc.is_admin
        else RoleEntity(id="-99", name="", permissions="65536", color="", highlighted=False)
    )
    source = SourceEntity(
        privacy="public",
        sensitive=False,
        language="",
        note=acc.bio,
        fields=_fields(acc, base, source=True),
        follow_requests_count=follow_requests,
    )
    return CredentialAccountEntity(**_account_fields(acc, base), source=source, role=role)


class RelationshipEntity(Entity):
    id: str
    following: bool
    showing_reblogs: bool
    notifying: bool
    languages: list[str] | None
    followed_by: bool
    blocking: bool
    blocked_by: bool
    muting: bool
    muting_notifications: bool
    requested: bool
    requested_by: bool
    domain_blocking: bool
    endorsed: bool
    note: str


def relationship(account_id: int, rel: Relationship) -> RelationshipEntity:
    return RelationshipEntity(
        id=str(account_id),
        following=rel.following,
        showing_reblogs=rel.showing_reposts,
        notifying=rel.notifying,
        languages=None,
        followed_by=rel.followed_by,
        blocking=rel.blocking,
        blocked_by=rel.blocked_by,
        muting=rel.muting,
        muting_notifications=rel.muting_notifications,
        requested=rel.requested,
        requested_by=rel.requested_by,
        domain_blocking=False,
        endorsed=rel.endorsed,
        note=rel.note,
    )
