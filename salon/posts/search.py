"""Full-text search over posts, kept in the same transaction as the post: SQLite's FTS5
table, or on PostgreSQL a tsvector per post with a GIN index (the 'simple' configuration:
no stemming, any language). Each word of a query matches as a prefix, on both. A post is
found by its text and content warning, its poll's options, its pictures' alt texts and the
prompts of its generated pictures, unless its author hid their recipe."""

from __future__ import annotations

import re

from sqlalchemy import BigInteger, Float, Select, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.session import dialect_name
from salon.generation.models import Candidate, Generation
from salon.graph import service as graph
from salon.jobs import service as jobs
from salon.media.models import MediaAttachment
from salon.posts.models import Poll, PollOption, Post
from salon.posts.visibility import visible_to

TABLE = "post_search"
EMBED_JOB = "meaning.embed"  # salon/meaning/tasks.py: the post's vector, made again
# Letters and digits only, as queries are split: PostgreSQL's parser would otherwise keep
# "Mastodon.py" or "example.com/x" as single tokens that a search for "py" never finds.
TSVECTOR = "to_tsvector('simple', regexp_replace({}, '[^[:alnum:]]+', ' ', 'g'))"


def body_sql(dialect: str) -> str:
    """What `reindex` writes, as SQL over `posts p`: for rebuilding entries in bulk."""
    join = "group_concat({}, ' ')" if dialect == "sqlite" else "string_agg({}, ' ')"
    options = join.format("o.title")
    pictures = join.format(
        "m.description || ' ' || CASE WHEN p.recipe_hidden THEN '' "
        "ELSE coalesce(g.prompt, '') END")
    return (
        "p.spoiler_text || ' ' || p.text"
        f" || ' ' || coalesce((SELECT {options} FROM poll_options o"
        " JOIN polls l ON l.id = o.poll_id WHERE l.post_id = p.id), '')"
        f" || ' ' || coalesce((SELECT {pictures} FROM media_attachments m"
        " LEFT JOIN generation_candidates c ON c.media_id = m.id"
        " LEFT JOIN generations g ON g.id = c.generation_id WHERE m.post_id = p.id), '')"
    )


def _sqlite(session: AsyncSession) -> bool:
    return dialect_name(session) == "sqlite"


async def index(session: AsyncSession, post_id: int, body: str) -> None:
    if _sqlite(session):
        await unindex(session, post_id)
        await session.execute(
            text(f"INSERT INTO {TABLE}(rowid, body) VALUES (:id, :body)"),
            {"id": post_id, "body": body},
        )
    else:
        await session.execute(
            text(f"INSERT INTO {TABLE} (post_id, body) VALUES (:id, {TSVECTOR.format(':body')}) "
                 "ON CONFLICT (post_id) DO UPDATE SET body = excluded.body"),
            {"id": post_id, "body": body},
        )


async def document(session: AsyncSession, post: Post) -> str:
    """What the post is found by: its text and content warning, poll options, pictures'
    alt texts and, unless its recipe is hidden, their prompts (search by meaning embeds
    the same)."""
    pictures = await session.execute(
        select(MediaAttachment.description, Generation.prompt)
        .outerjoin(Candidate, Candidate.media_id == MediaAttachment.id)
        .outerjoin(Generation, Generation.id == Candidate.generation_id)
        .where(MediaAttachment.post_id == post.id)
        .order_by(MediaAttachment.position)
    )
    options = await session.scalars(
        select(PollOption.title).join(Poll, Poll.id == PollOption.poll_id)
        .where(Poll.post_id == post.id).order_by(PollOption.position)
    )
    parts = [post.spoiler_text, post.text, *options]
    for alt, prompt in pictures:
        parts += [alt, "" if post.recipe_hidden or prompt is None else prompt]
    return "\n".join(p for p in parts if p)


async def reindex(session: AsyncSession, post: Post) -> None:
    """The post's entry, from what it holds now: called whenever its text, poll, pictures'
    alt texts or recipe's visibility change. A hidden recipe's prompt is never in it. Its
    vector follows in a job (embedding is too slow for the request)."""
    await index(session, post.id, await document(session, post))
    jobs.enqueue(session, EMBED_JOB, {"post_id": post.id})


async def unindex(session: AsyncSession, post_id: int) -> None:
    column = "rowid" if _sqlite(session) else "post_id"
    await session.execute(text(f"DELETE FROM {TABLE} WHERE {column} = :id"), {"id": post_id})


def _fts_query(query: str) -> str:
    """Each word as a quoted prefix term, so user input can never be FTS syntax."""
    words = re.findall(r"\w+", query)
    return " ".join(f'"{w}"*' for w in words[:10])


def _ts_query(query: str) -> str:
    """The same for PostgreSQL's to_tsquery: words (letters and digits only) as prefixes."""
    words = [w.lower() for w in re.findall(r"[^\W_]+", query)]
    return " & ".join(f"{w}:*" for w in words[:10])


async def posts(
    session: AsyncSession,
    query: str,
    viewer_id: int | None,
    *,
    max_id: int | None = None,
    limit: int = 20,
) -> list[Post]:
    """Posts matching every word of `query` that the viewer may see, newest first."""
    stmt: Select[Post] = select(Post).where(
        visible_to(viewer_id), Post.reblog_of_id.is_(None)
    )
    if _sqlite(session):
        match = _fts_query(query)
        if not match:
            return []
        hits = text(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :q").bindparams(q=match)
        stmt = stmt.where(Post.id.in_(hits.columns(rowid=Post.id.type).subquery().select()))
    else:
        match = _ts_query(query)
        if not match:
            return []
        hits = text(f"SELECT post_id FROM {TABLE} WHERE body @@ to_tsquery('simple', :q)"
                    ).bindparams(q=match)
        stmt = stmt.where(Post.id.in_(hits.columns(post_id=Post.id.type).subquery().select()))
    if max_id is not None:
        stmt = stmt.where(Post.id < max_id)
    return list(await session.scalars(stmt.order_by(Post.id.desc()).limit(limit)))


async def ranked_ids(
    session: AsyncSession,
    query: str,
    viewer_id: int | None,
    *,
    limit: int = 100,
    max_id: int | None = None,
) -> list[int]:
    """Ids of posts matching every word of `query`, best first (FTS5's bm25 `rank` on
    SQLite, ts_rank on PostgreSQL; newer first among equals): only posts the viewer may
    see, by authors they neither block, are blocked by, nor muted. What search by meaning
    fuses with its own ranks (salon/meaning/search.py)."""
    if _sqlite(session):
        match = _fts_query(query)
        found = text(f"SELECT rowid AS id, rank AS score FROM {TABLE} WHERE {TABLE} MATCH :q")
    else:
        match = _ts_query(query)
        # Negated, so that lower is better on both (bm25 is negative, best lowest).
        found = text(f"SELECT post_id AS id, -ts_rank(body, to_tsquery('simple', :q)) AS score "
                     f"FROM {TABLE} WHERE body @@ to_tsquery('simple', :q)")
    if not match:
        return []
    hits = found.bindparams(q=match).columns(id=BigInteger, score=Float).subquery()
    stmt = (select(Post.id).join(hits, hits.c.id == Post.id)
            .where(visible_to(viewer_id), Post.reblog_of_id.is_(None)))
    if viewer_id is not None:
        stmt = stmt.where(Post.account_id.not_in(graph.hidden_author_ids(viewer_id)))
    if max_id is not None:
        stmt = stmt.where(Post.id < max_id)
    return list(await session.scalars(
        stmt.order_by(hits.c.score, Post.id.desc()).limit(limit)))
