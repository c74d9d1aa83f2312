"""Generated pictures in posts: which candidates a post picked, its remix source, its recipe
(shown or hidden), and the remixes of a post."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.errors import NotFound
from salon.generation import service
from salon.generation.models import Candidate, Generation
from salon.generation.schemas import Recipe
from salon.jobs import service as jobs
from salon.media import service as media
from salon.media.models import MediaAttachment
from salon.posts import search
from salon.posts.models import Post
from salon.posts.visibility import OPEN, visible_to
from salon.timelines.schemas import Cursor

RESTORE_RECIPE_JOB = "generation.restore_recipe"


async def _rows(
    session: AsyncSession, media_ids: Sequence[int]
) -> list[tuple[Candidate, Generation]]:
    if not media_ids:
        return []
    rows = await session.execute(
        select(Candidate, Generation)
        .join(Generation, Generation.id == Candidate.generation_id)
        .where(Candidate.media_id.in_(list(media_ids)))
    )
    return [(c, g) for c, g in rows]


async def link_post(session: AsyncSession, post: Post, attached: list[MediaAttachment]) -> None:
    """Record which candidates the new post picked (the others of their generations were
    not), take its remix source from their generation, and drop the recipe from the files
    when the author hid it."""
    rows = await _rows(session, [m.id for m in attached])
    if not rows:
        post.recipe_hidden = False  # nothing generated: nothing to hide
        return
    for candidate, _generation in rows:
        candidate.post_id = post.id
    source_id = next((g.remix_of_id for _c, g in rows if g.remix_of_id), None)
    if source_id is not None:
        source = await session.scalar(
            select(Post).where(Post.id == source_id, visible_to(post.account_id))
        )
        if source is not None and not source.recipe_hidden and source.reblog_of_id is None:
            post.remix_of_id = source.id
            await session.execute(
                update(Post).where(Post.id == source.id)
                .values(remixes_count=Post.remixes_count + 1)
            )
    if post.recipe_hidden:
        await _use_plain_files(session, rows, {m.id: m for m in attached})


def prompt_alt(generation: Generation) -> str:
    """A candidate's alt text until its author writes one: the prompt that made it."""
    return generation.prompt[:1500]


async def _use_plain_files(
    session: AsyncSession,
    rows: list[tuple[Candidate, Generation]],
    by_id: dict[int, MediaAttachment],
) -> None:
    stale: list[str] = []
    for candidate, generation in rows:
        item = by_id.get(candidate.media_id or 0)
        if item is None or candidate.plain_key is None:
            continue
        if item.description == prompt_alt(generation):
            item.description = ""  # the default alt text is the prompt: it goes too
        item.file_key = candidate.plain_key
        if candidate.recipe_key:
            stale.append(candidate.recipe_key)
        candidate.recipe_key = None
    media.schedule_delete(session, stale)


async def set_recipe_hidden(session: AsyncSession, actor: Account, post_id: int,
                            hidden: bool) -> Post:
    """The author hides or shows the recipe of their post. Hiding is immediate (the files
    switch to their recipe-less copies); showing writes the recipe back in a job."""
    post = await session.get(Post, post_id)
    # Someone else's post reads as missing: a 403 would confirm that it exists.
    if post is None or post.reblog_of_id is not None or post.account_id != actor.id:
        raise NotFound("This post does not exist.")
    if post.recipe_hidden == hidden:
        return post
    attached = list(await session.scalars(
        select(MediaAttachment).where(MediaAttachment.post_id == post.id)
    ))
    rows = await _rows(session, [m.id for m in attached])
    post.recipe_hidden = hidden
    if hidden:
        await _use_plain_files(session, rows, {m.id: m for m in attached})
        if rows and post.visibility in OPEN:
            media.schedule_publish(session, post.id)  # the recipe-less copies were private
    elif rows:
        for candidate, generation in rows:
            item = next((m for m in attached if m.id == candidate.media_id), None)
            if item is not None and not item.description:
                item.description = prompt_alt(generation)
        jobs.enqueue(session, RESTORE_RECIPE_JOB, {"post_id": post.id})
    if rows:
        await search.reindex(session, post)  # the prompt leaves the search entry, or returns
    return post


async def forget_media(session: AsyncSession, media_id: int) -> list[str]:
    """Before an unposted picture is deleted: unlink its candidate and return the
    candidate's other copies of the file, to delete with it."""
    keys: list[str] = []
    for candidate in await session.scalars(select(Candidate).where(
            Candidate.media_id == media_id)):
        keys += [k for k in (candidate.recipe_key, candidate.plain_key) if k]
        candidate.media_id = candidate.recipe_key = candidate.plain_key = None
    await session.flush()
    return keys


async def forget_post(session: AsyncSession, post_id: int) -> None:
    """Before a post's media go: schedule the candidates' extra copies for deletion."""
    rows = await session.execute(
        select(Candidate.recipe_key, Candidate.plain_key, MediaAttachment.file_key)
        .join(MediaAttachment, MediaAttachment.id == Candidate.media_id)
        .where(MediaAttachment.post_id == post_id)
    )
    keys = [k for recipe_key, plain_key, served in rows
            for k in (recipe_key, plain_key) if k and k != served]
    media.schedule_delete(session, keys)


@dataclass(frozen=True)
class PostRecipe:
    """What a post shows of how its pictures were made."""

    engine: str  # the engine that made them
    ai_generated: bool  # a trained model (the engine's `trained`)
    # Each generated picture's recipe by media id, in the post's order; empty when hidden.
    pictures: dict[int, Recipe]
    counts: dict[int, int]  # how many pictures each picture's generation made, by media id

    @property
    def recipe(self) -> Recipe | None:
        """The first picture's: None when hidden (or nothing generated)."""
        return next(iter(self.pictures.values()), None)


async def for_posts(session: AsyncSession, posts: Sequence[Post],
                    author_id: int | None = None) -> dict[int, PostRecipe]:
    """The recipe of each generated picture of a page of posts, in one query. Posts without
    generated pictures are not keys. A hidden recipe is left out, except for its author
    (`author_id`: the reader, where the reader is shown their own hidden recipes)."""
    ids = [p.id for p in posts]
    if not ids:
        return {}
    rows = await session.execute(
        select(MediaAttachment.post_id, MediaAttachment.id, Candidate.seed, Generation)
        .join(Candidate, Candidate.media_id == MediaAttachment.id)
        .join(Generation, Generation.id == Candidate.generation_id)
        .where(MediaAttachment.post_id.in_(ids))
        .order_by(MediaAttachment.post_id, MediaAttachment.position)
    )
    hidden = {p.id for p in posts if p.recipe_hidden and p.account_id != author_id}
    found: dict[int, PostRecipe] = {}
    for post_id, media_id, seed, generation in rows:
        if post_id is None:
            continue
        made = found.setdefault(post_id, PostRecipe(generation.engine, generation.trained,
                                                    {}, {}))
        if post_id not in hidden:
            made.pictures[media_id] = service.recipe(generation, seed)
            made.counts[media_id] = generation.count
    return found


async def visible_recipe(session: AsyncSession, post_id: int, viewer_id: int | None,
                         media_id: int | None = None) -> tuple[Post, Recipe, int]:
    """The post, the recipe of its picture `media_id` (else its first) and how many pictures
    that generation made, if the viewer may see them; otherwise one NotFound for missing,
    not visible, hidden and nothing generated alike."""
    post = await session.scalar(select(Post).where(Post.id == post_id, visible_to(viewer_id)))
    made = (await for_posts(session, [post])).get(post_id) if post is not None else None
    pictures = made.pictures if post is not None and made is not None else {}
    chosen = next(iter(pictures), None) if media_id is None else media_id
    if post is None or made is None or chosen is None or chosen not in pictures:
        raise NotFound(service.NO_RECIPE)
    return post, made.pictures[chosen], made.counts[chosen]


async def remixes(
    session: AsyncSession, post_id: int, viewer_id: int | None, cursor: Cursor
) -> list[Post]:
    """Posts that remix this one and that the viewer may see, newest first."""
    source = await session.scalar(select(Post).where(Post.id == post_id, visible_to(viewer_id)))
    if source is None:
        raise NotFound("This post does not exist or is not visible to you.")
    stmt = select(Post).where(Post.remix_of_id == post_id, visible_to(viewer_id))
    rows = list(await session.scalars(cursor.apply(stmt, Post.id)))
    return rows[::-1] if cursor.ascending else rows


async def preference_pairs(session: AsyncSession, post_id: int) -> dict[str, list[int]]:
    """For a post from generations: the candidates it picked and those it passed over (by
    candidate id), the preference data a training export reads."""
    generation_ids = select(Candidate.generation_id).where(Candidate.post_id == post_id)
    rows = await session.execute(
        select(Candidate.id, Candidate.post_id).where(Candidate.generation_id.in_(generation_ids))
    )
    picked: list[int] = []
    passed: list[int] = []
    for candidate_id, picked_by in rows:
        (picked if picked_by == post_id else passed).append(candidate_id)
    return {"picked": sorted(picked), "passed": sorted(passed)}
