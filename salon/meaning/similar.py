"""Similar pictures: the public posts with pictures nearest by meaning to a post (what its
text, alt texts and shown prompts say), for the viewer. Only public posts of others are
candidates: never the viewer's own, never the post itself or a repost, never one they may
not see or whose author they block, are blocked by or muted."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.meaning import service as meaning
from salon.meaning.search import WIDEN, fresh, load, shown_to
from salon.media.models import MediaAttachment
from salon.posts.models import Post
from salon.posts.visibility import listed
from salon.settings import Settings

LIMIT = 12  # shown under a post


async def similar_pictures(session: AsyncSession, settings: Settings, post: Post,
                           viewer_id: int | None, limit: int = LIMIT) -> list[Post]:
    """Up to `limit` posts, most similar first; [] when embeddings are off or the post has
    no vector yet. The caller has checked that the viewer may see `post`."""
    found = (await meaning.vectors(session, settings, [post.id])).get(post.id)
    if found is None:
        return []
    # As search: below settings.search_min_similarity a picture is not "similar", however
    # few there are.
    hits = [i for i, s in await meaning.nearest(session, settings, found,
                                                (limit + 1) * WIDEN * 4)
            if i != post.id and s >= settings.search_min_similarity]
    if not hits:
        return []
    with_pictures = select(MediaAttachment.id).where(MediaAttachment.post_id == Post.id).exists()
    stmt = select(Post.id, Post.recipe_hidden).where(Post.id.in_(hits), listed(),
                                                     with_pictures, *shown_to(viewer_id))
    if viewer_id is not None:
        stmt = stmt.where(Post.account_id != viewer_id)
    allowed = await fresh(session, {r[0]: r[1] for r in await session.execute(stmt)})
    return await load(session, [i for i in hits if i in allowed][:limit])
