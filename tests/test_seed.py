"""`salon seed`, the README's first command: demo people, posts and generated pictures, on a
small instance too, and nothing added twice; and what they say reads like a small community
(varied texts that fit the post they are under, replies that answer what they reply to)."""

from __future__ import annotations

import random
import re
from collections import Counter
from typing import NamedTuple

from sqlalchemy import func, select

from salon.accounts.models import Account
from salon.db.session import Database
from salon.generation.models import Generation
from salon.media.models import MediaAttachment
from salon.posts.models import Poll, PollOption, Post
from salon.seed import PEOPLE, run_seed
from salon.seed_art import PALETTE_NAMES
from salon.seed_text import plan
from salon.settings import Settings

# Words that only make sense about a picture, and about one of several pictures.
PICTURE_TALK = re.compile("|".join([
    r"\bfinished this\b", r"\bthe colou?rs\b", r"\bthis one\b", r"\bcomposition here\b",
    r"\btexture\b", r"\bwallpaper\b", r"\bmood board\b", r"\balbum cover\b", r"\bas a print\b",
    r"\bhow did you make\b", r"\bgenerative or by hand\b", *map(re.escape, PALETTE_NAMES),
    r"\b(the )?(first|second|third|last) one\b", r"\bside by side\b", r"\bbetween them\b"]),
    re.IGNORECASE)
SEVERAL_TALK = re.compile(r"\b(first|second|third|last) one\b|\bside by side\b|\bbetween them\b"
                          r"|\ball of these\b|\bthe first, maybe\b", re.IGNORECASE)


class Row(NamedTuple):
    author: str
    text: str
    pictures: int
    reply_to: int | None
    quote_of: int | None
    options: list[str]  # a poll's


def check_community(rows: dict[int, Row], most_repeats: int) -> None:
    """What a visitor would notice: the same sentence again and again, "love the colours"
    under a post without a picture, someone replying to themselves, thanks from a stranger."""
    repeats = Counter(r.text for r in rows.values()).most_common(3)
    assert repeats[0][1] <= most_repeats, repeats
    sentences = Counter(s for r in rows.values()
                        for s in re.split(r"(?<=[.!?])\s+", re.sub(r"#\w+", "", r.text).strip())
                        if s).most_common(3)
    assert sentences[0][1] <= most_repeats + 1, sentences

    def root(key: int) -> Row:
        while (parent := rows[key].reply_to) is not None:
            key = parent
        return rows[key]

    for key, row in rows.items():
        about = (root(key) if row.reply_to is not None
                 else rows[row.quote_of] if row.quote_of is not None else row)
        if PICTURE_TALK.search(row.text):
            assert about.pictures, f"{row.text!r} is about a post with no picture: {about}"
        if SEVERAL_TALK.search(row.text):
            assert about.pictures > 1, f"{row.text!r} is under a single picture: {about}"
        if row.reply_to is None:
            continue
        parent = rows[row.reply_to]
        assert row.author != parent.author, f"{row.author} answers themselves: {row.text!r}"
        if row.text.startswith("Thank"):
            assert row.author == root(key).author, f"{row.text!r} by a stranger"
        if parent.options:  # a vote names one of the poll's options
            assert any(o.lower() in row.text.lower() for o in parent.options), row.text


def test_a_default_seed_reads_like_a_community() -> None:
    """The seed's 300 posts by 24 people, as `salon seed` plans them (nothing written)."""
    people = [(username, name) for username, name, _ in PEOPLE[:24]]
    planned = plan(random.Random(20261125), people, 300)
    rows = {i: Row(people[p.author][0], p.text, len(p.pictures), p.reply_to, p.quote_of,
                   p.poll) for i, p in enumerate(planned)}
    check_community(rows, most_repeats=3)
    kinds = Counter("reply" if p.reply_to is not None else "quote" if p.quote_of is not None
                    else "picture" if p.pictures else "poll" if p.poll else "text"
                    for p in planned)
    assert kinds["reply"] > 60 and kinds["picture"] > 100, kinds  # a lively site
    assert all(kinds[kind] > 5 for kind in ("quote", "poll", "text")), kinds
    longest = max(_depth(rows, key) for key in rows)
    assert longest >= 3, "no conversation goes past a reply and its answer"


def _depth(rows: dict[int, Row], key: int) -> int:
    depth = 0
    while (parent := rows[key].reply_to) is not None:
        key, depth = parent, depth + 1
    return depth


async def _counts(settings: Settings) -> list[int]:
    """Accounts, posts and generations."""
    db = Database(settings)
    try:
        async with db.sessions() as session:
            return [int(await session.scalar(select(func.count()).select_from(t)) or 0)
                    for t in (Account, Post, Generation)]
    finally:
        await db.dispose()


async def _rows(settings: Settings) -> dict[int, Row]:
    """Every post as it was written (reposts aside), with its pictures and poll options."""
    db = Database(settings)
    try:
        async with db.sessions() as session:
            pictures = Counter(dict((await session.execute(
                select(MediaAttachment.post_id, func.count()).where(
                    MediaAttachment.post_id.is_not(None)).group_by(MediaAttachment.post_id)
            )).all()))
            options: dict[int, list[str]] = {}
            for post_id, title in (await session.execute(
                    select(Poll.post_id, PollOption.title).join(
                        PollOption, PollOption.poll_id == Poll.id))).all():
                options.setdefault(post_id, []).append(title)
            found = (await session.execute(
                select(Post.id, Account.username, Post.text, Post.in_reply_to_id,
                       Post.quote_of_id).join(Account, Account.id == Post.account_id)
                .where(Post.reblog_of_id.is_(None)))).all()
            return {i: Row(who, text, pictures[i], reply, quote, options.get(i, []))
                    for i, who, text, reply, quote in found}
    finally:
        await db.dispose()


async def test_seed_fills_a_small_instance_once(settings: Settings) -> None:
    said: list[str] = []
    await run_seed(settings, n_accounts=6, n_posts=40, echo=said.append)
    people, posts, generations = await _counts(settings)
    assert people == 6 and posts >= 40 and generations > 0, said
    rows = await _rows(settings)
    check_community(rows, most_repeats=2)  # as written, with the Imagine demo's posts
    assert sum(1 for r in rows.values() if r.reply_to is not None) > 5
    await run_seed(settings, n_accounts=6, n_posts=40, echo=said.append)
    assert await _counts(settings) == [people, posts, generations]
    assert any("already there" in line for line in said)
