"""Picture tools: make pictures (waiting for them, with progress notifications, and
answering the candidates as image content), read a post's recipes. Posting a chosen
candidate is `create_post` with its id in `picture_ids`, as the API posts one; a remix is
`generate_pictures` with `remix_of_id`. The prompt screen, allowance and engines are the
ones the composer meets (generation.service.request)."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from typing import Annotated, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult, ImageContent, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from salon.api.mastodon.entities.common import media_url
from salon.api.mastodon.entities.salon import recipe as recipe_entity
from salon.generation import service as generation
from salon.generation.models import FINISHED, Generation, State
from salon.generation.schemas import GenerationSpec
from salon.mcp import views
from salon.mcp.acting import Runtime
from salon.mcp.reading import ID, READ_ONLY, PostId
from salon.media.store import media_store
from salon.posts import reading
from salon.posts import service as posts

MAKES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False,
                        open_world_hint=False)
log = logging.getLogger("salon.mcp")
WAIT_SECONDS = 300  # then the answer says it is still running, with its id
POLL_SECONDS = 0.5
IMAGE_TYPES = {"webp": "image/webp", "jpg": "image/jpeg", "jpeg": "image/jpeg",
               "png": "image/png"}


class Made(BaseModel):
    generation_id: str
    state: str = Field(description="succeeded, failed, cancelled, or still queued/running")
    prompt: str
    engine: str
    model: str
    candidates: list[views.Picture] = Field(
        description="post the ones you like with create_post(picture_ids=[...])")
    error: str | None = None


def register(server: MCPServer, rt: Runtime) -> None:
    base = rt.settings.base_url.rstrip("/")

    @server.tool(title="Make pictures", annotations=MAKES)
    async def generate_pictures(
        prompt: Annotated[str, Field(min_length=1, max_length=2000)],
        ctx: Context,
        negative_prompt: Annotated[str, Field(max_length=2000)] = "",
        engine: Annotated[str | None, Field(None, max_length=40, description="one of the "
                                            "server's engines; its default if absent")] = None,
        aspect: Literal["1:1", "3:2", "2:3", "16:9", "9:16"] = "1:1",
        count: Annotated[int, Field(ge=1, le=4)] = 4,
        seed: Annotated[int | None, Field(None, ge=0, le=2**32 - 1)] = None,
        style: Annotated[str, Field(max_length=40)] = "",
        remix_of_id: Annotated[str | None, Field(None, pattern=ID,
                                                 description="remix this post's picture: "
                                                 "its recipe is the starting point")] = None,
    ) -> Annotated[CallToolResult, Made]:
        """Make pictures from a prompt, as the composer does (the account's allowance and
        the server's prompt rules apply), wait for them, and show them. Nothing is posted:
        pick candidates and post them with create_post."""
        spec = GenerationSpec(prompt=prompt, negative_prompt=negative_prompt, count=count,
                              aspect=aspect, seed=seed, style=style, engine=engine,
                              remix_of_id=int(remix_of_id) if remix_of_id else None)
        async with rt.acting("write:media") as (session, me, _context):
            asked = await generation.request(session, rt.settings, me, spec)
        made = await _wait(rt, asked.id, ctx)
        async with rt.database().sessions() as session:
            found = (await generation.candidates(session, [made.id]))[made.id]
        pictures = [c.media for c in found if c.media is not None]
        result = Made(generation_id=str(made.id), state=made.state, prompt=made.prompt,
                      engine=made.engine, model=made.model, error=made.error,
                      candidates=[views.Picture(
                          id=str(m.id), url=media_url(base, m.file_key),
                          alt=m.description, width=m.width, height=m.height,
                          recipe=recipe_entity(generation.recipe(made, c.candidate.seed)))
                          for c in found if (m := c.media) is not None])
        said = (f"{len(pictures)} pictures for “{made.prompt}” ({made.engine}); post the "
                "ones you like with create_post(picture_ids=[...])."
                if made.state == State.succeeded else
                f"The generation {made.state}{': ' + made.error if made.error else ''}."
                if made.state in FINISHED else
                f"Still {made.state} after {WAIT_SECONDS} s: generation {made.id}.")
        images = [i for m in pictures if (i := await _image(rt, m.thumb_key or m.file_key))]
        return CallToolResult(content=[TextContent(type="text", text=said), *images],
                              structured_content=result.model_dump(mode="json"),
                              is_error=made.state in (State.failed, State.cancelled))

    @server.tool(title="Read a recipe", annotations=READ_ONLY)
    async def read_recipe(post_id: PostId) -> list[views.Picture]:
        """How each picture of a post was made (prompt, engine, model, seed, ...), unless
        its author hid the recipe: what a remix starts from."""
        async with rt.acting("read:statuses") as (session, me, _context):
            post = await posts.get_visible(session, int(post_id), me.id)
            [view] = await reading.present(session, [post], me.id)
            return views.post(view, base).pictures


async def _wait(rt: Runtime, generation_id: int, ctx: Context) -> Generation:
    """The generation once finished (or after WAIT_SECONDS), telling its progress."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        async with rt.database().sessions() as session:
            found = await session.get(Generation, generation_id)
        assert found is not None
        if found.state in FINISHED or time.monotonic() > deadline:
            return found
        await ctx.report_progress(round(found.progress, 3), 1.0, f"{found.state}")
        await asyncio.sleep(POLL_SECONDS)


async def _image(rt: Runtime, key: str) -> ImageContent | None:
    """A candidate's thumbnail, inline; None when the store cannot give it now (the
    answer still has its address)."""
    try:
        data = await media_store(rt.settings).get(key)
    except Exception:  # noqa: BLE001 - a missing file or an unreachable store
        log.warning("no thumbnail for %s in the answer", key, exc_info=True)
        return None
    kind = IMAGE_TYPES.get(key.rsplit(".", 1)[-1].lower(), "image/webp")
    return ImageContent(type="image", data=base64.b64encode(data).decode(), mime_type=kind)
