"""Accounts featured on a profile (endorsements), and private notes about accounts."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.errors import Invalid
from salon.graph import service as graph
from salon.graph.models import AccountNote, Endorsement


async def endorse(session: AsyncSession, account_id: int, target_id: int) -> None:
    """Feature an account one follows (as Mastodon, only those)."""
    await accounts.get(session, target_id)
    if not await graph.is_following(session, account_id, target_id):
        raise Invalid("Validation failed: You must be already following the person you want "
                      "to endorse")
    found = await session.scalar(select(Endorsement.id).where(
        Endorsement.account_id == account_id, Endorsement.target_id == target_id))
    if found is None:
        session.add(Endorsement(account_id=account_id, target_id=target_id))
        await session.flush()


async def unendorse(session: AsyncSession, account_id: int, target_id: int) -> None:
    await accounts.get(session, target_id)
    await session.execute(delete(Endorsement).where(
        Endorsement.account_id == account_id, Endorsement.target_id == target_id))


async def endorsed(session: AsyncSession, account_id: int, *, max_id: int | None = None,
                   since_id: int | None = None, limit: int = 40) -> list[tuple[int, int]]:
    """(endorsement id, account id) pairs `account_id` features, newest first; suspended
    accounts are left out by the renderer."""
    query = select(Endorsement.id, Endorsement.target_id).where(
        Endorsement.account_id == account_id)
    if max_id is not None:
        query = query.where(Endorsement.id < max_id)
    if since_id is not None:
        query = query.where(Endorsement.id > since_id)
    rows = await session.execute(query.order_by(Endorsement.id.desc()).limit(limit))
    return [(r[0], r[1]) for r in rows]


async def set_note(session: AsyncSession, account_id: int, target_id: int, comment: str
                   ) -> None:
    """Save (or, empty, remove) `account_id`'s private note about `target_id`."""
    await accounts.get(session, target_id)
    comment = comment.strip()
    if len(comment) > graph.NOTE_MAX:
        raise Invalid(f"comment must be at most {graph.NOTE_MAX} characters.", "comment")
    found = await session.scalar(select(AccountNote).where(
        AccountNote.account_id == account_id, AccountNote.target_id == target_id))
    if not comment:
        if found is not None:
            await session.delete(found)
    elif found is None:
        session.add(AccountNote(account_id=account_id, target_id=target_id, comment=comment))
    else:
        found.comment = comment
    await session.flush()
