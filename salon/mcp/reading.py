"""Read tools: who am I, timelines (home, For You, public, local, a hashtag, a list), a
thread, search, notifications. Each parses its arguments (the SDK validates them against
the schema it derives from the signature), calls the service the Mastodon API calls, and
answers a compact shape (views.py). Visibility is the services' (posts.visibility)."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field

from salon.accounts import service as accounts
from salon.api.mastodon.entities.common import timestamp
from salon.assistant import explaining
from salon.db.ids import is_id
from salon.errors import NotFound
from salon.feeds import for_you
from salon.lists import service as lists
from salon.mcp import views
from salon.mcp.acting import Runtime
from salon.meaning import search as meaning_search
from salon.media.models import MediaAttachment
from salon.notifications import service as notifications
from salon.posts import reading
from salon.posts import service as posts
from salon.timelines import service as timelines
from salon.timelines.schemas import Cursor

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                            open_world_hint=False)
Limit = Annotated[int, Field(ge=1, le=40, description="how many, at most")]
# Ids are 64-bit: 18 digits at most (db.ids.is_id); more could not name anything.
ID = r"^[0-9]{1,18}$"
PostId = Annotated[str, Field(pattern=ID, description="a post's id")]
MaxId = Annotated[str | None, Field(None, pattern=ID,
                                    description="only posts older than this id (paging)")]


class Thread(BaseModel):
    ancestors: list[views.PostOut]
    post: views.PostOut
    replies: list[views.PostOut]


class NotificationOut(BaseModel):
    id: str
    type: str = Field(description="mention, reply, favourite, reblog, quote, follow, "
                      "follow_request, poll, ...")
    created_at: str
    account: views.Person
    post: views.PostOut | None = None


class Notifications(BaseModel):
    notifications: list[NotificationOut]
    next_max_id: str | None = None


class ListOut(BaseModel):
    id: str = Field(description="read it with read_timeline(timeline='list', list_id=...)")
    title: str


class Explained(BaseModel):
    text: str = Field(description="the assistant's explanation, for the asker alone")
    engine: str
    model: str


class Found(BaseModel):
    accounts: list[views.Profile] = []
    posts: list[views.PostOut] = []
    hashtags: list[str] = []


def register(server: MCPServer, rt: Runtime) -> None:
    base = rt.settings.base_url.rstrip("/")

    @server.tool(title="Who am I", annotations=READ_ONLY)
    async def whoami() -> views.Profile:
        """The Salon account this connection acts for."""
        async with rt.acting("read:accounts") as (_, me, _context):
            return views.profile(me, base)

    @server.tool(title="Read a timeline", annotations=READ_ONLY)
    async def read_timeline(
        timeline: Literal["home", "for_you", "public", "local", "hashtag", "list"] = "home",
        hashtag: Annotated[str | None, Field(None, max_length=100,
                                             description="for timeline=hashtag")] = None,
        list_id: Annotated[str | None, Field(None, pattern=ID,
                                             description="for timeline=list")] = None,
        limit: Limit = 20, max_id: MaxId = None,
    ) -> views.Posts:
        """Newest first: home (people you follow), for_you (ranked, each post says why),
        public (this server's public posts), local (the same: Salon does not federate
        yet), a hashtag's posts, or one of your lists."""
        cursor = Cursor(max_id=int(max_id) if max_id else None, limit=limit)
        async with rt.acting("read:statuses") as (session, me, context):
            if timeline == "for_you":
                page = await for_you.page(session, rt.settings, me.id, cursor,
                                          client=f"token:{context.token.id}")
                shown = await rt.filtered(session, me, "home", await reading.present(
                    session, page.posts, me.id))  # filters made since it was ranked
                return views.Posts(
                    posts=[views.post(v, base, page.reasons[v.id].text) for v in shown],
                    next_max_id=str(page.next_max_id) if page.next_max_id else None)
            if timeline == "home":
                found = await timelines.home(session, rt.settings, me.id, cursor)
            elif timeline in ("public", "local"):
                found = await timelines.public(session, me.id, cursor)
            elif timeline == "hashtag":
                if not hashtag or not hashtag.strip("# "):
                    raise ToolError("hashtag: name the hashtag to read (timeline=hashtag).")
                found = await timelines.tag(session, hashtag.strip("# "), me.id, cursor)
            else:
                if not list_id:
                    raise ToolError("list_id: give the id of one of your lists "
                                    "(timeline=list).")
                found = await lists.timeline(session, me.id, int(list_id), cursor)
            where = "public" if timeline in ("public", "local", "hashtag") else "home"
            shown = await rt.filtered(session, me, where, found.items)
            return views.Posts(posts=[views.post(v, base) for v in shown],
                               next_max_id=str(found.next_max_id) if found.next_max_id
                               else None)

    @server.tool(title="Read a thread", annotations=READ_ONLY)
    async def read_thread(post_id: PostId) -> Thread:
        """A post with the posts it replies to and the replies you may see."""
        async with rt.acting("read:statuses") as (session, me, _context):
            post = await posts.get_visible(session, int(post_id), me.id)
            thread = await timelines.thread(session, post.id, me.id)
            around = await rt.filtered(session, me, "thread", [
                *thread.ancestors, *(n.view for n in thread.descendants)])
            [focus] = await rt.filtered(session, me, None, [thread.focus])
            before = {v.id for v in thread.ancestors}
            return Thread(ancestors=[views.post(v, base) for v in around if v.id in before],
                          post=views.post(focus, base),
                          replies=[views.post(v, base) for v in around
                                   if v.id not in before])

    @server.tool(title="Search", annotations=READ_ONLY)
    async def search(
        query: Annotated[str, Field(min_length=1, max_length=200)],
        kind: Literal["all", "accounts", "posts", "hashtags"] = "all",
        limit: Limit = 10,
    ) -> Found:
        """Accounts by name, hashtags, and posts by words and meaning together ("sad robot
        in the rain" finds "a lonely android under a storm")."""
        async with rt.acting("read:search") as (session, me, _context):
            found = Found()
            if kind in ("all", "accounts"):
                found.accounts = [views.profile(a, base)
                                  for a in await accounts.search(session, query, limit)]
            if kind in ("all", "hashtags"):
                found.hashtags = [t.display_name for t in
                                  await timelines.search_tags(session, query, limit)]
            if kind in ("all", "posts"):
                hits = await meaning_search.statuses(session, rt.settings, query, me.id,
                                                     limit=limit)
                found.posts = [views.post(v, base)
                               for v in await reading.present(session, hits, me.id)]
            return found

    @server.tool(title="Read notifications", annotations=READ_ONLY)
    async def read_notifications(limit: Limit = 20, max_id: MaxId = None) -> Notifications:
        """Mentions, replies, likes, reposts, quotes, follows and ended polls, newest
        first."""
        cursor = Cursor(max_id=int(max_id) if max_id else None, limit=limit)
        async with rt.acting("read:notifications") as (session, me, _context):
            found = await notifications.page(session, me.id, cursor)
            posts_shown = {v.id for v in await rt.filtered(
                session, me, "notifications", [n.post for n in found.items if n.post])}
            return Notifications(notifications=[NotificationOut(
                id=str(n.id), type=n.type, created_at=timestamp(n.notification.created_at),
                account=views.person(n.from_account, base),
                post=views.post(n.post, base) if n.post is not None else None)
                for n in found.items if n.post is None or n.post.id in posts_shown],
                next_max_id=str(found.next_max_id) if found.next_max_id else None)

    @server.resource("salon://posts/{post_id}", name="post", mime_type="application/json",
                     description="A post you may see, with its pictures and recipes")
    async def post_resource(post_id: str) -> str:
        async with rt.acting("read:statuses") as (session, me, _context):
            if not is_id(post_id):
                raise ResourceNotFoundError("A post id is up to 18 digits.")
            try:
                post = await posts.get_visible(session, int(post_id), me.id)
            except NotFound as missing:
                raise ResourceNotFoundError(missing.message) from None
            [view] = await reading.present(session, [post], me.id)
            return views.post(view, base).model_dump_json()

    @server.resource("salon://accounts/{username}", name="profile",
                     mime_type="application/json", description="An account's profile")
    async def profile_resource(username: str) -> str:
        async with rt.acting("read:accounts") as (session, _me, _context):
            try:
                found = await accounts.get_by_username(session, username[:100])
            except NotFound as missing:
                raise ResourceNotFoundError(missing.message) from None
            return views.profile(found, base).model_dump_json()

    @server.tool(title="Explain a post", annotations=ToolAnnotations(
        read_only_hint=True, destructive_hint=False, idempotent_hint=False,
        open_world_hint=False))
    async def explain_post(post_id: PostId) -> Explained:
        """Salon's assistant explains a post (what it shows, how its pictures were made,
        the thread around it) to you alone: never posted. Counts against your daily
        answers from the assistant."""
        async with rt.acting("read:statuses") as (session, me, _context):
            ask_id = await explaining.start(session, rt.settings, me, int(post_id))
        async for kind, data in explaining.explanation(rt.database(), rt.settings, ask_id):
            if kind == explaining.DONE:
                return Explained(text=data["text"], engine=data["engine"],
                                 model=data["model"])
            if kind == explaining.ERROR:
                raise ToolError(data["error"])
        raise ToolError(explaining.FAILED)

    @server.tool(title="Your lists", annotations=READ_ONLY)
    async def read_lists() -> list[ListOut]:
        """Your lists of accounts (read one with read_timeline, timeline=list)."""
        async with rt.acting("read:lists") as (session, me, _context):
            return [ListOut(id=str(found.id), title=found.title)
                    for found in await lists.owned(session, me.id)]

    @server.resource("salon://pictures/{picture_id}", name="picture",
                     mime_type="application/json",
                     description="A picture of a post you may see, with its recipe")
    async def picture_resource(picture_id: str) -> str:
        async with rt.acting("read:statuses") as (session, me, _context):
            if not is_id(picture_id):
                raise ResourceNotFoundError("A picture id is up to 18 digits.")
            found = await session.get(MediaAttachment, int(picture_id))
            try:
                if found is None or found.post_id is None:
                    raise NotFound("This picture is not in a post you may see.")
                post = await posts.get_visible(session, found.post_id, me.id)
            except NotFound as missing:
                raise ResourceNotFoundError(missing.message) from None
            [view] = await reading.present(session, [post], me.id)
            [picture] = [p for p in views.post(view, base).pictures
                         if int(p.id) == int(picture_id)]
            return picture.model_dump_json()
