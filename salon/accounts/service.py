"""What can be done with accounts: sign up, sign in, sessions, profiles, suspension."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence

from sqlalchemy import CompoundSelect, Select, case, delete, func, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from salon.accounts import passwords
from salon.accounts.models import Account, Credential, LoginSession
from salon.accounts.passwords import DUMMY_HASH, check_strength
from salon.db.ids import ids_param, utcnow
from salon.errors import Conflict, Forbidden, Invalid, NotFound
from salon.settings import Settings
from salon.timelines.store import timeline_store

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,30}$")
RESERVED = frozenset(
    [
        "admin",
        "administrator",
        "root",
        "salon",
        "api",
        "about",
        "settings",
        "login",
        "logout",
        "signup",
        "search",
        "explore",
        "notifications",
        "bookmarks",
        "tags",
        "home",
        "public",
        "static",
        "media",
        "oauth",
        "well-known",
        "moderation",
        "support",
        "help",
    ]
)
MAX_DISPLAY_NAME = 60
MAX_BIO = 500
MAX_FIELDS = 4  # profile fields, as Mastodon
MAX_FIELD_TEXT = 255  # characters of a field's name, and of its value


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_username(username: str) -> str:
    username = username.strip().lstrip("@")
    if not USERNAME_RE.match(username):
        raise Invalid(
            "Username must be 1 to 30 letters, digits or underscores (no spaces).", "username"
        )
    if username.lower() in RESERVED:
        raise Invalid(f"The username {username!r} is reserved; choose another.", "username")
    return username


async def register(
    session: AsyncSession,
    username: str,
    password: str,
    *,
    display_name: str = "",
    is_admin: bool = False,
    approved: bool = True,
) -> Account:
    username = check_username(username)
    check_strength(password, username)
    if await find_by_username(session, username) is not None:
        raise Conflict(f"The username {username!r} is taken; choose another.", "username")
    password_hash = await passwords.hash(password)  # before any write: SQLite has one writer
    account = Account(
        username=username,
        username_key=username.lower(),
        display_name=display_name.strip()[:MAX_DISPLAY_NAME],
        is_admin=is_admin,
        approved=approved,
    )
    session.add(account)
    await session.flush()
    session.add(Credential(account_id=account.id, password_hash=password_hash))
    # Its home timeline is complete as it is: no rebuild (and no 206) on its first read.
    await timeline_store().start(account.id)
    return account


async def sign_up(
    session: AsyncSession, settings: Settings, username: str, password: str, *,
    display_name: str = "",
) -> Account:
    """A person signing up (web or app), under the instance's rules: sign-ups may be
    closed, or wait for a moderator's approval."""
    if not settings.registrations_open:
        raise Forbidden("Sign-ups are closed on this server.")
    return await register(session, username, password, display_name=display_name,
                          approved=not settings.registrations_approval)


async def set_password(session: AsyncSession, account: Account, password: str) -> None:
    check_strength(password, account.username)
    password_hash = await passwords.hash(password)
    credential = await session.get(Credential, account.id)
    if credential is None:
        session.add(Credential(account_id=account.id, password_hash=password_hash))
    else:
        credential.password_hash = password_hash


async def authenticate(session: AsyncSession, username: str, password: str) -> Account | None:
    """The account if the password matches (None if not); Forbidden if it is suspended."""
    account = await find_by_username(session, username)
    credential = await session.get(Credential, account.id) if account else None
    if credential is None:
        await passwords.verify(DUMMY_HASH, password)
        return None
    if account is None or not await passwords.verify(credential.password_hash, password):
        return None
    # Only someone who knows the password learns these.
    if account.suspended_at is not None:
        raise Forbidden("This account has been suspended by the moderators.")
    if account.disabled_at is not None:
        raise Forbidden("The moderators have disabled the login of this account.")
    if not account.approved:
        raise Forbidden("Your account is waiting for a moderator's approval.")
    return account


async def start_login_session(
    session: AsyncSession, account: Account, user_agent: str = ""
) -> tuple[str, LoginSession]:
    """A new signed-in browser; returns the cookie token (stored only as a hash)."""
    token = secrets.token_urlsafe(32)
    login = LoginSession(
        token_hash=_token_hash(token),
        account_id=account.id,
        csrf_token=secrets.token_urlsafe(32),
        user_agent=user_agent[:300],
        last_seen_at=utcnow(),
    )
    session.add(login)
    return token, login


async def resume_login_session(
    session: AsyncSession, token: str
) -> tuple[Account, LoginSession] | None:
    login = await session.get(LoginSession, _token_hash(token))
    if login is None:
        return None
    account = await session.get(Account, login.account_id)
    if (account is None or account.suspended_at is not None or not account.approved
            or account.disabled_at is not None):
        return None
    return account, login


async def end_login_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))


async def find_by_username(session: AsyncSession, username: str) -> Account | None:
    key = username.strip().lstrip("@").lower()
    return await session.scalar(select(Account).where(Account.username_key == key))


async def get_by_username(session: AsyncSession, username: str) -> Account:
    account = await find_by_username(session, username)
    if account is None or account.suspended_at is not None or not account.approved:
        raise NotFound(f"There is no account @{username}.")
    return account


async def get(session: AsyncSession, account_id: int) -> Account:
    account = await session.get(Account, account_id)
    if account is None or account.suspended_at is not None or not account.approved:
        raise NotFound("That account does not exist.")
    return account


_MANY = select(Account).where(Account.id.in_(ids_param("ids")))  # built once: every page


async def get_many(session: AsyncSession, ids: Iterable[int]) -> dict[int, Account]:
    """Accounts by id; those this session has loaded already (and not expired) come
    without a query, as a SELECT of them would return the same objects."""
    found: dict[int, Account] = {}
    wanted = []
    for account_id in set(ids):
        loaded = session.identity_map.get(identity_key(Account, account_id))
        if isinstance(loaded, Account) and not inspect(loaded).expired_attributes:
            found[account_id] = loaded
        else:
            wanted.append(account_id)
    if wanted:
        found.update((a.id, a) for a in await session.scalars(_MANY, {"ids": wanted}))
    return found


async def usernames_for_keys(session: AsyncSession, keys: Iterable[str]) -> dict[str, Account]:
    """Active accounts by username key, for resolving @mentions."""
    wanted = list(set(keys))
    if not wanted:
        return {}
    rows = await session.scalars(
        select(Account).where(Account.username_key.in_(wanted), Account.suspended_at.is_(None),
                              Account.approved.is_(True))
    )
    return {a.username_key: a for a in rows}


async def update_profile(
    session: AsyncSession,
    account: Account,
    *,
    display_name: str | None = None,
    bio: str | None = None,
    avatar_key: str | None = None,
    header_key: str | None = None,
    locked: bool | None = None,
    fields: Sequence[tuple[str, str]] | None = None,
    delete_replaced: bool = False,
) -> Account:
    """Change what is given (None leaves it). `fields` replaces all profile fields: pairs
    with both parts blank are dropped, as Mastodon. `delete_replaced`: a new avatar or
    header's predecessor is deleted (not when the caller moved the file itself)."""
    from salon.posts.text import render

    if display_name is not None:
        display_name = " ".join(display_name.split())
        if len(display_name) > MAX_DISPLAY_NAME:
            raise Invalid(
                f"Display name must be at most {MAX_DISPLAY_NAME} characters.", "display_name"
            )
        account.display_name = display_name
    if bio is not None:
        bio = bio.strip()
        if len(bio) > MAX_BIO:
            raise Invalid(f"Bio must be at most {MAX_BIO} characters.", "bio")
        from salon.posts.text import mentioned_usernames

        known = await usernames_for_keys(session, mentioned_usernames(bio))
        account.bio = bio
        account.bio_html = render(bio, {k: a.username for k, a in known.items()}).html
    for which, key in (("avatar", avatar_key), ("header", header_key)):
        if key is not None:
            replace_picture(session, account, which, key, delete_old=delete_replaced)
    if locked is not None:
        account.locked = locked
    if fields is not None:
        account.fields = await profile_fields(session, fields)
    return account


def replace_picture(session: AsyncSession, account: Account, which: str,
                    key: str | None, *, delete_old: bool = True) -> None:
    """Set (or, None, remove) the avatar or header; the stored file it replaces is deleted
    once this commits (a job, so a rollback keeps it)."""
    from salon.media.service import schedule_delete

    old = account.avatar_key if which == "avatar" else account.header_key
    setattr(account, f"{which}_key", key)
    if delete_old and old and old != key:
        schedule_delete(session, [old])


async def profile_fields(session: AsyncSession, pairs: Sequence[tuple[str, str]]
                         ) -> list[dict[str, str]] | None:
    """Profile fields as stored: name and value as typed (trimmed), and the value's HTML
    (links, mentions and hashtags, as Mastodon renders a field; everything else escaped)."""
    from salon.posts.text import mentioned_usernames, render

    kept = [(" ".join(name.split()), " ".join(value.split())) for name, value in pairs]
    kept = [(name, value) for name, value in kept if name or value]
    if len(kept) > MAX_FIELDS:
        raise Invalid(f"At most {MAX_FIELDS} profile fields.", "fields_attributes")
    for name, value in kept:
        if len(name) > MAX_FIELD_TEXT or len(value) > MAX_FIELD_TEXT:
            raise Invalid(f"Profile field names and values must be at most {MAX_FIELD_TEXT} "
                          "characters.", "fields_attributes")
    if not kept:
        return None
    known = await usernames_for_keys(
        session, [key for _, value in kept for key in mentioned_usernames(value)])
    names = {k: a.username for k, a in known.items()}
    out = []
    for name, value in kept:
        html = render(value, names).html
        html = html.removeprefix("<p>").removesuffix("</p>")  # one line, no paragraph
        out.append({"name": name, "value": value, "value_html": html})
    return out


async def search(session: AsyncSession, query: str, limit: int = 20) -> list[Account]:
    q = query.strip().lstrip("@").lower()
    if not q:
        return []
    pattern = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await session.scalars(
        select(Account)
        .where(
            Account.suspended_at.is_(None),
            Account.approved.is_(True),
            or_(
                Account.username_key.like(pattern, escape="\\"),
                func.lower(Account.display_name).like("%" + pattern, escape="\\"),
            ),
        )
        .order_by(Account.followers_count.desc(), Account.id)
        .limit(limit)
    )
    return list(rows)


async def add_to_counter(session: AsyncSession, account_id: int, column: str, by: int) -> None:
    """Move a denormalised counter (followers_count, ...) without ever going below zero."""
    col = getattr(Account, column)
    await session.execute(
        update(Account)
        .where(Account.id == account_id)
        .values({column: case((col + by < 0, 0), else_=col + by)})
    )


async def suspend(session: AsyncSession, account_id: int) -> None:
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound("That account does not exist.")
    if account.is_admin:
        raise Invalid("Admins cannot be suspended; remove the admin role first.")
    account.suspended_at = utcnow()
    await session.execute(delete(LoginSession).where(LoginSession.account_id == account_id))


async def disable(session: AsyncSession, account_id: int) -> Account:
    """Stop the account signing in (its posts stay up): browsers are signed out, and its
    tokens stop working until `enable`."""
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound("That account does not exist.")
    if account.is_admin:
        raise Invalid("Admins cannot be disabled; remove the admin role first.")
    account.disabled_at = account.disabled_at or utcnow()
    await session.execute(delete(LoginSession).where(LoginSession.account_id == account_id))
    return account


async def enable(session: AsyncSession, account_id: int) -> Account:
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound("That account does not exist.")
    account.disabled_at = None
    return account


async def suspended_accounts(session: AsyncSession, limit: int = 100) -> list[Account]:
    rows = await session.scalars(
        select(Account).where(Account.suspended_at.is_not(None))
        .order_by(Account.suspended_at.desc()).limit(limit)
    )
    return list(rows)


async def unsuspend(session: AsyncSession, account_id: int) -> None:
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound("That account does not exist.")
    account.suspended_at = None


async def suggestions(
    session: AsyncSession,
    viewer_id: int | None,
    exclude: Select[int] | CompoundSelect | None = None,
    limit: int = 5,
    *,
    besides: int | None = None,
) -> list[Account]:
    """Popular accounts, minus the viewer, the ids `exclude` selects (those followed) and
    `besides` (the profile being shown, which has its own Follow button). The assistant
    is not a person to follow: it answers whoever mentions it."""
    query = select(Account).where(Account.suspended_at.is_(None), Account.approved.is_(True),
                                  Account.is_assistant.is_(False))
    for left_out in (viewer_id, besides):
        if left_out is not None:
            query = query.where(Account.id != left_out)
    if exclude is not None:
        query = query.where(Account.id.not_in(exclude))
    rows = await session.scalars(
        query.order_by(Account.followers_count.desc(), Account.id).limit(limit)
    )
    return list(rows)


DIRECTORY_DEPTH = 1000  # how far /api/v1/directory's offset reaches


async def directory(session: AsyncSession, *, order: str, offset: int, limit: int,
                    exclude: Select[int] | CompoundSelect | None = None) -> list[Account]:
    """The profile directory: approved, unsuspended accounts, most recently posting first
    (`active`; those that never posted last) or newest first (`new`). Mastodon pages it by
    offset; here the first `offset + limit` ids are read along an index (bounded by
    DIRECTORY_DEPTH) and sliced, so no SQL OFFSET walks the table. People only: the
    assistant has its profile, not a place among them."""
    wanted = min(offset + limit, DIRECTORY_DEPTH)
    if offset >= wanted:
        return []
    listed = select(Account.id).where(Account.suspended_at.is_(None),
                                      Account.approved.is_(True),
                                      Account.is_assistant.is_(False))
    if exclude is not None:
        listed = listed.where(Account.id.not_in(exclude))
    if order == "new":
        ids = list(await session.scalars(listed.order_by(Account.id.desc()).limit(wanted)))
    else:
        ids = list(await session.scalars(
            listed.where(Account.last_post_at.is_not(None))
            .order_by(Account.last_post_at.desc(), Account.id.desc()).limit(wanted)))
        if len(ids) < wanted:
            ids += await session.scalars(
                listed.where(Account.last_post_at.is_(None))
                .order_by(Account.id.desc()).limit(wanted - len(ids)))
    page = ids[offset:wanted]
    found = await get_many(session, page)
    return [found[i] for i in page if i in found]


START_TABS = ("home", "for_you")


async def set_start_tab(session: AsyncSession, account: Account, tab: str) -> None:
    """The tab the web UI opens on: home (chronological) or for_you (ranked)."""
    if tab not in START_TABS:
        raise Invalid("start_tab must be home or for_you.", "start_tab")
    account.start_tab = tab
    await session.flush()


def suspended_ids() -> Select[int]:
    """Subquery of suspended accounts, whose posts nobody sees."""
    return select(Account.id).where(Account.suspended_at.is_not(None))


async def count_active(session: AsyncSession) -> int:
    """Accounts that are not suspended (the instance's user count): people, not the
    assistant."""
    return int(await session.scalar(
        select(func.count()).select_from(Account)
        .where(Account.suspended_at.is_(None), Account.approved.is_(True),
               Account.is_assistant.is_(False))
    ) or 0)


async def pending_accounts(session: AsyncSession, limit: int = 100) -> list[Account]:
    """Sign-ups waiting for a moderator, oldest first."""
    rows = await session.scalars(
        select(Account).where(Account.approved.is_(False)).order_by(Account.id).limit(limit)
    )
    return list(rows)


async def approve(session: AsyncSession, account_id: int) -> None:
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound("That account does not exist.")
    account.approved = True


async def reject(session: AsyncSession, account_id: int) -> None:
    """Refuse a waiting sign-up: the account is deleted (its name becomes free again)."""
    account = await session.get(Account, account_id)
    if account is None or account.approved:
        raise NotFound("There is no sign-up waiting with that id.")
    await session.delete(account)
