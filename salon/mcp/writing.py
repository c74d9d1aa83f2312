"""Write tools: post (text, reply, quote, visibility, content warning, poll), edit and
delete your own posts, like, repost, bookmark, follow. The same services, rules and limits
as the Mastodon API (post length, poll sizes, who may be replied to or quoted); a post
made here names the connected app as `via`, as Mastodon shows `application`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.graph import service as graph
from salon.mcp import views
from salon.mcp.acting import Runtime
from salon.mcp.reading import ID, PostId
from salon.posts import interactions, reading
from salon.posts import service as posts
from salon.posts.models import Post
from salon.posts.schemas import PollSpec

WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False,
                         open_world_hint=False)
TOGGLES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                          open_world_hint=False)
DELETES = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True,
                          open_world_hint=False)
OptionalPostId = Annotated[str | None, Field(None, pattern=ID)]
Interaction = Callable[[AsyncSession, Account, int], Awaitable[Post]]  # like, unlike, ...


class Followed(BaseModel):
    account: views.Person
    following: bool
    requested: bool = Field(False, description="a locked account: it must approve first")


def register(server: MCPServer, rt: Runtime) -> None:
    base = rt.settings.base_url.rstrip("/")

    async def shown(session: AsyncSession, post: Post, viewer_id: int) -> views.PostOut:
        [view] = await reading.present(session, [post], viewer_id)
        return views.post(view, base)

    @server.tool(title="Post", annotations=WRITES)
    async def create_post(
        text: Annotated[str, Field(max_length=20_000, description="the post's text; "
                                   "@mentions and #hashtags work as in Salon")],
        visibility: Literal["public", "unlisted", "private", "direct"] = "public",
        content_warning: Annotated[str, Field(max_length=1000)] = "",
        in_reply_to_id: OptionalPostId = None,
        quote_of_id: OptionalPostId = None,
        poll_options: Annotated[list[Annotated[str, Field(max_length=1000)]] | None,
                                Field(None, max_length=20)] = None,
        poll_expires_in: Annotated[int, Field(ge=300, le=2_629_746,
                                              description="seconds")] = 86_400,
        poll_multiple: bool = False,
        picture_ids: Annotated[list[Annotated[str, Field(pattern=ID)]] | None,
                               Field(None, max_length=4, description="candidates from "
                                     "generate_pictures to post")] = None,
        hide_recipe: Annotated[bool, Field(description="post the pictures without their "
                                           "prompt and settings")] = False,
    ) -> views.PostOut:
        """Post as the connected account: private is for followers only, direct for the
        people it mentions. A reply, a quote, a poll and pictures are optional."""
        async with rt.acting("write:statuses") as (session, me, context):
            post = await posts.create_post(
                session, me, text, rules=posts.Rules.from_settings(rt.settings),
                spoiler_text=content_warning, visibility=visibility,
                in_reply_to_id=int(in_reply_to_id) if in_reply_to_id else None,
                quote_of_id=int(quote_of_id) if quote_of_id else None,
                poll=PollSpec(poll_options, poll_expires_in, poll_multiple)
                if poll_options else None,
                media_ids=[int(i) for i in picture_ids or ()], recipe_hidden=hide_recipe,
                application_id=context.app.id)
            return await shown(session, post, me.id)

    @server.tool(title="Edit a post", annotations=WRITES)
    async def edit_post(post_id: PostId,
                        text: Annotated[str, Field(max_length=20_000)],
                        content_warning: Annotated[str | None, Field(None, max_length=1000)]
                        = None) -> views.PostOut:
        """Change the text (and content warning) of one of your posts; the earlier version
        stays in its history."""
        async with rt.acting("write:statuses") as (session, me, _context):
            post = await posts.edit_post(session, me, int(post_id), text,
                                         spoiler_text=content_warning,
                                         rules=posts.Rules.from_settings(rt.settings))
            return await shown(session, post, me.id)

    @server.tool(title="Delete a post", annotations=DELETES)
    async def delete_post(post_id: PostId) -> views.PostOut:
        """Delete one of your posts (it cannot be undone); answers what it was."""
        async with rt.acting("write:statuses") as (session, me, _context):
            post = await posts.get_visible(session, int(post_id), me.id)
            if post.account_id != me.id:
                raise ToolError("post_id: you can only delete your own posts.")
            before = await shown(session, post, me.id)
            await posts.delete_post(session, me, post.id)
            return before

    toggles = {
        "like_post": ("write:favourites", interactions.like, interactions.unlike,
                      "Like a post (undo=true takes the like back)."),
        "repost_post": ("write:statuses", interactions.repost, interactions.unrepost,
                        "Repost a post to your followers (undo=true takes it back)."),
        "bookmark_post": ("write:bookmarks", interactions.bookmark, interactions.unbookmark,
                          "Bookmark a post, privately (undo=true removes it)."),
    }
    def toggle(scope: str, do: Interaction, undo_it: Interaction
               ) -> Callable[[str, bool], Awaitable[views.PostOut]]:
        async def act(post_id: PostId, undo: bool = False) -> views.PostOut:
            async with rt.acting(scope) as (session, me, _context):
                post = await (undo_it if undo else do)(session, me, int(post_id))
                return await shown(session, post, me.id)
        return act

    for name, (scope, do, undo_it, description) in toggles.items():
        server.add_tool(toggle(scope, do, undo_it), name=name,
                        title=name.replace("_", " ").capitalize(), description=description,
                        annotations=TOGGLES)

    @server.tool(title="Follow an account", annotations=TOGGLES)
    async def follow_account(
        account: Annotated[str, Field(min_length=1, max_length=100,
                                      description="@username (or username)")],
        undo: bool = False,
    ) -> Followed:
        """Follow someone (undo=true unfollows). A locked account gets a request."""
        async with rt.acting("write:follows") as (session, me, _context):
            target = await accounts.get_by_username(session, account.strip().lstrip("@"))
            if undo:
                await graph.unfollow(session, me.id, target.id)
            else:
                await graph.follow(session, me.id, target.id)
            state = await graph.relationship(session, me.id, target.id)
            return Followed(account=views.person(target, base), following=state.following,
                            requested=state.requested)
