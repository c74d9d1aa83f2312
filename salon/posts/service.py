"""Writing posts: create (with media, poll, reply, quote), edit with history, delete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.db.ids import new_id, utcnow
from salon.errors import Forbidden, Invalid, NotFound
from salon.events import service as events
from salon.generation import posting as generated
from salon.graph import service as graph
from salon.jobs import service as jobs
from salon.lists.models import ListMember
from salon.media import service as media
from salon.posts import conversations, languages, search, text
from salon.posts.models import Mention, Poll, PollOption, Post, PostEdit, PostTag, Tag, Visibility
from salon.posts.schemas import PollSpec
from salon.posts.visibility import OPEN, visible_to
from salon.settings import Settings

MAX_SPOILER = 200
MAX_POLL_OPTION = 50
# A link counts 23 however long it is, so the raw text may run past max_chars, but not without
# bound: anything longer than this many times max_chars is refused before it is parsed.
RAW_FACTOR = 10
# The job a post mentioning the instance's assistant starts (salon/assistant/tasks.py).
ASSISTANT_ASKED = "assistant.asked"


@dataclass
class Rules:
    """Limits a post must meet; from Settings so the API can report the same numbers."""

    max_chars: int = 500
    max_media: int = 4
    poll_min_seconds: int = 300
    poll_max_seconds: int = 30 * 24 * 3600

    @classmethod
    def from_settings(cls, settings: Settings) -> Rules:
        return cls(
            settings.max_post_chars,
            settings.max_media_per_post,
            settings.poll_min_seconds,
            settings.poll_max_seconds,
        )


async def get_visible(session: AsyncSession, post_id: int, viewer_id: int | None) -> Post:
    """The post if the viewer may see it. Posts they may not see are 'not found', never
    'forbidden', so that their existence does not leak."""
    post = await session.scalar(select(Post).where(Post.id == post_id, visible_to(viewer_id)))
    if post is None:
        raise NotFound("This post does not exist or is not visible to you.")
    return post


async def _get_own(session: AsyncSession, post_id: int, actor: Account) -> Post:
    post = await session.get(Post, post_id)
    if post is None or post.reblog_of_id is not None:
        raise NotFound("This post does not exist.")
    if post.account_id != actor.id:
        # Say "not found" unless the actor could see it anyway.
        await get_visible(session, post_id, actor.id)
        raise Forbidden("You can only change your own posts.")
    return post


def _check_text(body: str, spoiler: str, rules: Rules, has_attachments: bool) -> None:
    if not body.strip() and not has_attachments:
        raise Invalid("Write something, or attach an image or a poll.", "text")
    if len(body) > rules.max_chars * RAW_FACTOR:
        raise Invalid(
            f"Posts can have at most {rules.max_chars} characters; this one has "
            f"{len(body)}. Shorten it.",
            "text",
        )
    length = text.count(body)
    if length > rules.max_chars:
        raise Invalid(
            f"Posts can have at most {rules.max_chars} characters; this one has "
            f"{length}. Shorten it by {length - rules.max_chars}.",
            "text",
        )
    if len(spoiler) > MAX_SPOILER:
        raise Invalid(
            f"Content warnings can have at most {MAX_SPOILER} characters.", "spoiler_text"
        )


def _check_poll(poll: PollSpec, rules: Rules) -> list[str]:
    options = [o.strip() for o in poll.options if o.strip()]
    if len(options) < 2 or len(options) > 4:
        raise Invalid("A poll needs 2 to 4 options.", "poll")
    if any(len(o) > MAX_POLL_OPTION for o in options):
        raise Invalid(f"Poll options can have at most {MAX_POLL_OPTION} characters.", "poll")
    if len({o.lower() for o in options}) != len(options):
        raise Invalid("Poll options must be different from each other.", "poll")
    if not rules.poll_min_seconds <= poll.expires_in <= rules.poll_max_seconds:
        raise Invalid("A poll must run between 5 minutes and 30 days.", "poll")
    return options


async def _render(session: AsyncSession, body: str) -> tuple[text.Rendered, list[Account]]:
    known = await accounts.usernames_for_keys(session, text.mentioned_usernames(body))
    rendered = text.render(body, {k: a.username for k, a in known.items()})
    return rendered, [known[k] for k in rendered.mentions]


async def _tag_ids(session: AsyncSession, names: list[str]) -> list[int]:
    if not names:
        return []
    keys = {n.lower(): n for n in names}
    existing = {t.name: t for t in await session.scalars(select(Tag).where(Tag.name.in_(keys)))}
    for key, shown in keys.items():
        if key not in existing:
            tag = Tag(name=key, display_name=shown)
            session.add(tag)
            existing[key] = tag
    await session.flush()
    return [t.id for t in existing.values()]


async def _index(
    session: AsyncSession, post: Post, rendered: text.Rendered, mentioned: list[Account]
) -> None:
    """Mentions and tags for the current text of `post`."""
    await session.execute(delete(Mention).where(Mention.post_id == post.id))
    await session.execute(delete(PostTag).where(PostTag.post_id == post.id))
    for account in mentioned:
        session.add(Mention(post_id=post.id, account_id=account.id))
    for tag_id in await _tag_ids(session, rendered.tags):
        session.add(PostTag(post_id=post.id, tag_id=tag_id))


async def create_post(
    session: AsyncSession,
    author: Account,
    body: str,
    *,
    rules: Rules | None = None,
    spoiler_text: str = "",
    visibility: str = Visibility.public,
    media_ids: list[int] | None = None,
    in_reply_to_id: int | None = None,
    quote_of_id: int | None = None,
    poll: PollSpec | None = None,
    recipe_hidden: bool = False,
    created_at: datetime | None = None,
    language: str | None = None,
    application_id: int | None = None,
    scheduled_id: int | None = None,
) -> Post:
    """Write a post and enqueue its delivery. `created_at` backdates it (imports, demo
    content); its id is then made from that time so it sorts where it belongs. `language`
    is an ISO 639 code (languages.py), `application_id` the OAuth app posting it, and
    `scheduled_id` the scheduled post it publishes (whose reserved media it may take)."""
    rules = rules or Rules()
    media_ids = media_ids or []
    body = body.replace("\r\n", "\n").strip()
    spoiler_text = " ".join(spoiler_text.split())
    if visibility not in Visibility.__members__:
        raise Invalid("Visibility must be public, unlisted, private or direct.", "visibility")
    if len(media_ids) > rules.max_media:
        raise Invalid(f"A post can have at most {rules.max_media} images.", "media")
    if poll and media_ids:
        raise Invalid("A post can have images or a poll, not both.", "poll")
    _check_text(body, spoiler_text, rules, bool(media_ids or poll))
    options = _check_poll(poll, rules) if poll else []
    language = languages.language(language)

    parent = await get_visible(session, in_reply_to_id, author.id) if in_reply_to_id else None
    if parent is not None and parent.reblog_of_id:
        raise Invalid("Reply to the original post, not to a repost.", "in_reply_to_id")
    quoted = await get_visible(session, quote_of_id, author.id) if quote_of_id else None
    if quoted is not None:
        if quoted.reblog_of_id:
            quoted = await get_visible(session, quoted.reblog_of_id, author.id)
        if quoted.visibility not in OPEN:
            raise Invalid("Only public and unlisted posts can be quoted.", "quote_of_id")

    rendered, mentioned = await _render(session, body)
    post = Post(
        account_id=author.id,
        text=body,
        content_html=rendered.html,
        spoiler_text=spoiler_text,
        visibility=visibility,
        in_reply_to_id=parent.id if parent else None,
        in_reply_to_account_id=parent.account_id if parent else None,
        quote_of_id=quoted.id if quoted else None,
        recipe_hidden=recipe_hidden,
        language=language,
        application_id=application_id,
    )
    if created_at is not None:
        post.id, post.created_at = new_id(created_at), created_at
    session.add(post)
    await session.flush()
    session.add(
        PostEdit(
            post_id=post.id,
            text=body,
            content_html=rendered.html,
            spoiler_text=spoiler_text,
            created_at=post.created_at,
        )
    )
    await _index(session, post, rendered, mentioned)
    attached = (await media.attach(session, author.id, media_ids, post.id,
                                   limit=rules.max_media, scheduled_id=scheduled_id)
                if media_ids else [])
    await generated.link_post(session, post, attached)
    if attached and visibility in OPEN:
        media.schedule_publish(session, post.id)
    if poll:
        record = Poll(
            post_id=post.id,
            multiple=poll.multiple,
            expires_at=post.created_at + timedelta(seconds=poll.expires_in),
        )
        session.add(record)
        await session.flush()
        for position, title in enumerate(options):
            session.add(PollOption(poll_id=record.id, position=position, title=title))
        jobs.enqueue(session, "posts.poll_ended", {"poll_id": record.id}, run_at=record.expires_at)
    await search.reindex(session, post)  # with its pictures and poll, all there now
    await accounts.add_to_counter(session, author.id, "posts_count", 1)
    author.last_post_at = post.created_at
    if parent is not None:
        await _bump(session, parent.id, "replies_count", 1)
    _deliver(session, post)
    if any(account.is_assistant for account in mentioned):
        jobs.enqueue(session, ASSISTANT_ASKED, {"post_id": post.id})
    return post


def _deliver(session: AsyncSession, post: Post) -> None:
    """Fan-out and notifications run as durable jobs in the same transaction; a direct
    post joins its participants' conversations."""
    jobs.enqueue(session, "timelines.fanout", {"post_id": post.id})
    jobs.enqueue(session, "notifications.post_created", {"post_id": post.id})
    if post.visibility == Visibility.direct:
        jobs.enqueue(session, "posts.conversation", {"post_id": post.id})


async def _bump(session: AsyncSession, post_id: int, column: str, by: int) -> None:
    from sqlalchemy import case

    col = getattr(Post, column)
    await session.execute(
        update(Post)
        .where(Post.id == post_id)
        .values({column: case((col + by < 0, 0), else_=col + by)})
    )


async def edit_post(
    session: AsyncSession,
    editor: Account,
    post_id: int,
    body: str,
    *,
    spoiler_text: str | None = None,
    rules: Rules | None = None,
    language: str | None = None,
) -> Post:
    """Change the text (and content warning, and language when given); every version is
    kept in the history."""
    rules = rules or Rules()
    post = await _get_own(session, post_id, editor)
    if (language := languages.language(language)) is not None:
        post.language = language
    body = body.replace("\r\n", "\n").strip()
    spoiler = post.spoiler_text if spoiler_text is None else " ".join(spoiler_text.split())
    has_media = bool((await media.for_posts(session, [post.id])).get(post.id))
    has_poll = await session.scalar(select(Poll.id).where(Poll.post_id == post.id)) is not None
    _check_text(body, spoiler, rules, has_media or has_poll)
    if body == post.text and spoiler == post.spoiler_text:
        return post
    rendered, mentioned = await _render(session, body)
    post.text, post.content_html, post.spoiler_text = body, rendered.html, spoiler
    post.edited_at = utcnow()
    session.add(
        PostEdit(
            post_id=post.id,
            text=body,
            content_html=rendered.html,
            spoiler_text=spoiler,
            created_at=post.edited_at,
        )
    )
    await _index(session, post, rendered, mentioned)
    await search.reindex(session, post)
    jobs.enqueue(session, "notifications.post_edited", {"post_id": post.id})
    # Its streams hear of the edit from the job, which finds them as fan-out did.
    jobs.enqueue(session, "timelines.edited", {"post_id": post.id})
    return post


async def history(session: AsyncSession, post_id: int, viewer_id: int | None) -> list[PostEdit]:
    """Every version of the post, oldest first."""
    await get_visible(session, post_id, viewer_id)
    rows = await session.scalars(
        select(PostEdit).where(PostEdit.post_id == post_id).order_by(PostEdit.id)
    )
    return list(rows)


async def delete_post(session: AsyncSession, actor: Account, post_id: int) -> Post:
    """Delete own post (or any, for an admin). Returns it, for delete-and-redraft."""
    post = await session.get(Post, post_id)
    if post is None or post.reblog_of_id is not None:
        raise NotFound("This post does not exist.")
    if post.account_id != actor.id and not actor.is_admin:
        await _get_own(session, post_id, actor)
    await remove(session, post)
    return post


async def remove(session: AsyncSession, post: Post) -> None:
    """Delete a post and undo what it counted; reposts of it go with it."""
    if post.in_reply_to_id is not None:
        await _bump(session, post.in_reply_to_id, "replies_count", -1)
    if post.reblog_of_id is not None:
        await _bump(session, post.reblog_of_id, "reposts_count", -1)
    if post.remix_of_id is not None:
        await _bump(session, post.remix_of_id, "remixes_count", -1)
    reposts = [(int(r[0]), int(r[1])) for r in await session.execute(
        select(Post.id, Post.account_id).where(Post.reblog_of_id == post.id)
    )]
    for _, account_id in reposts:
        await accounts.add_to_counter(session, account_id, "posts_count", -1)
    # Home timelines in Redis do not follow the row out as database ones do: a job takes
    # the post and its reposts out, with the mentions noted now, before they go with it.
    mentioned = [] if post.visibility in OPEN else list(
        await session.scalars(select(Mention.account_id).where(Mention.post_id == post.id))
    )
    jobs.enqueue(session, "timelines.remove_post", {
        "post_id": post.id, "author_id": post.account_id, "mentioned": mentioned,
        "reposts": reposts,
    })
    await accounts.add_to_counter(session, post.account_id, "posts_count", -1)
    tags = await tag_names(session, post.id)  # for the delete's streams, while they exist
    await generated.forget_post(session, post.id)
    await media.delete_for_post(session, post.id)
    await search.unindex(session, post.id)
    talks = (await conversations.of_post(session, post.id)
             if post.visibility == Visibility.direct else [])
    await session.delete(post)
    await _announce_delete(session, post, mentioned, tags, [a for _, a in reposts])
    await session.flush()
    await conversations.forget_post(session, talks)


async def _announce_delete(session: AsyncSession, post: Post, mentioned: list[int],
                           tags: list[str], reposters: list[int]) -> None:
    """The delete goes only to the streams that could have shown the post: the row is gone
    when listeners hear of it, so they cannot check. Lists that hold its author, or one
    who reposted it, may show it; public and hashtag streams, when it was on them."""
    if post.visibility != Visibility.direct:
        for list_id in set(await session.scalars(select(ListMember.list_id).where(
                ListMember.account_id.in_([post.account_id, *reposters])))):
            events.publish(session, f"list:{list_id}", "delete", post_id=post.id)
    top_level = post.in_reply_to_account_id in (None, post.account_id)
    if post.visibility == Visibility.public and post.reblog_of_id is None and top_level:
        for stream in ("public", "public:local", *(f"hashtag:{tag}" for tag in tags),
                       *(f"hashtag:local:{tag}" for tag in tags)):
            events.publish(session, stream, "delete", post_id=post.id)
    if post.visibility in OPEN:  # any signed-in person may have it at home (a repost)
        events.publish(session, events.SIGNED_IN, "delete", post_id=post.id)
        return
    audience = {post.account_id, *mentioned}
    if post.visibility == Visibility.private:
        audience.update(await session.scalars(graph.follower_ids(post.account_id)))
    for account_id in audience:
        events.publish(session, f"user:{account_id}", "delete", post_id=post.id)


async def count_local(session: AsyncSession) -> int:
    """Posts on this instance, reposts not counted (the instance's status count)."""
    from sqlalchemy import func

    return int(await session.scalar(
        select(func.count()).select_from(Post).where(Post.reblog_of_id.is_(None))
    ) or 0)


async def tag_names(session: AsyncSession, post_id: int) -> list[str]:
    """The post's hashtags (lower-case keys)."""
    return list(await session.scalars(
        select(Tag.name).join(PostTag, PostTag.tag_id == Tag.id).where(PostTag.post_id == post_id)
    ))
