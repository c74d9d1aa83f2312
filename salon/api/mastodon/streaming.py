"""Live updates as Mastodon streams them: server-sent events at /api/v1/streaming/<stream>
and a WebSocket at /api/v1/streaming. Each event is rendered for the listening viewer, and
only if that viewer may see it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import PlainTextResponse, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon import entities, render
from salon.api.mastodon.deps import ApiError, base_url, declares, token, viewer_of
from salon.db.session import Database
from salon.errors import NotFound
from salon.events.bus import BUS, Event
from salon.graph import service as graph
from salon.notifications import service as notifications
from salon.oauth import scopes as scope_rules
from salon.oauth import service as oauth
from salon.oauth.service import TokenContext
from salon.posts import reading
from salon.posts import service as posts
from salon.timelines.schemas import Cursor

router = APIRouter(prefix="/api/v1/streaming")
HEARTBEAT_SECONDS = 15.0
EVERYONE = "everyone"  # deletes and edits, checked per listener


def streams_for(name: str, account_id: int | None, tag: str | None) -> list[str]:
    """Bus streams behind one of Mastodon's stream names."""
    if name in ("user", "user:notification") and account_id is None:
        raise ApiError(401, "Streaming this needs an access token.")
    tag = (tag or "").lower().lstrip("#")
    names = {
        "user": [f"user:{account_id}", f"user:notification:{account_id}", EVERYONE],
        "user:notification": [f"user:notification:{account_id}"],
        "public": ["public", EVERYONE], "public:local": ["public:local", EVERYONE],
        "public:media": ["public", EVERYONE], "public:local:media": ["public:local", EVERYONE],
        "hashtag": [f"hashtag:{tag}", EVERYONE], "hashtag:local": [f"hashtag:local:{tag}",
                                                                   EVERYONE],
    }
    if name not in names:
        raise ApiError(404, f"Unknown stream {name!r}.")
    if name.startswith("hashtag") and not tag:
        raise ApiError(422, "Say which hashtag: tag=...")
    return names[name]


async def rendered(db: Database, base: str, viewer_id: int | None, event: Event
                   ) -> tuple[str, str] | None:
    """(event name, payload) for this viewer, or None when they must not see it."""
    if event.kind == "delete":
        return "delete", str(event.data["post_id"])
    async with db.sessions() as session:
        if event.kind == "notification":
            return await _notification(session, base, viewer_id, int(event.data[
                "notification_id"]))
        if event.kind == "salon.generation":
            return await _generation(session, base, viewer_id, int(event.data["generation_id"]))
        try:
            post = await posts.get_visible(session, int(event.data["post_id"]), viewer_id)
        except NotFound:
            return None
        if viewer_id is not None and event.stream != f"user:{viewer_id}" and (
            post.account_id in set(await session.scalars(graph.hidden_author_ids(viewer_id)))
        ):
            return None
        return event.kind, json.dumps(await render.one_status(session, post, base, viewer_id))


async def _generation(session: AsyncSession, base: str, viewer_id: int | None,
                      generation_id: int) -> tuple[str, str] | None:
    """Progress and completion of the viewer's own generations (published to their stream
    only; checked again here all the same)."""
    from salon.api.mastodon.generations import rendered as rendered_generations
    from salon.generation.models import Generation

    made = await session.get(Generation, generation_id)
    if made is None or viewer_id is None or made.account_id != viewer_id:
        return None
    return "salon.generation", json.dumps((await rendered_generations(session, [made], base))[0])


async def _notification(session: AsyncSession, base: str, viewer_id: int | None,
                        notification_id: int) -> tuple[str, str] | None:
    if viewer_id is None:
        return None
    page = await notifications.page(session, viewer_id,
                                    Cursor(max_id=notification_id + 1, limit=1))
    if not page.items or page.items[0].id != notification_id:
        return None
    note = page.items[0]
    mentions = await reading.mentioned_accounts(session, [note.post.id] if note.post else [])
    body = entities.notification(note, base, mentions).model_dump(mode="json")
    return "notification", json.dumps(body)


def _viewer(context: TokenContext | None) -> int | None:
    if context is not None and not scope_rules.covers(context.scopes, "read:statuses"):
        raise ApiError(403, "This action is outside the authorized scopes")
    return viewer_of(context)


@router.get("/health")
async def health() -> PlainTextResponse:
    return PlainTextResponse("OK")


async def _sse(request: Request, streams: list[str], viewer_id: int | None
               ) -> AsyncIterator[str]:
    db: Database = request.app.state.db
    base = base_url(request.app.state.settings)
    async with BUS.listen(streams) as queue:
        yield ":)\n\n"
        while not await request.is_disconnected():
            try:
                event = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                yield ":thump\n\n"
                continue
            found = await rendered(db, base, viewer_id, event)
            if found is not None:
                yield f"event: {found[0]}\ndata: {found[1]}\n\n"


def _stream_route(path: str, name: str) -> None:
    async def endpoint(request: Request, tag: str | None = None,
                       context: TokenContext | None = Depends(token("read:statuses"))
                       ) -> StreamingResponse:
        viewer_id = _viewer(context)
        streams = streams_for(name, viewer_id, tag)
        return StreamingResponse(_sse(request, streams, viewer_id),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    endpoint.__name__ = f"stream_{name.replace(':', '_')}"
    router.add_api_route(path, endpoint, methods=["GET"])


for _path, _name in (("/user", "user"), ("/user/notification", "user:notification"),
                     ("/public", "public"), ("/public/local", "public:local"),
                     ("/hashtag", "hashtag"), ("/hashtag/local", "hashtag:local")):
    _stream_route(_path, _name)


async def _until(listening: asyncio.Event, task: asyncio.Task[None]) -> None:
    """Until the task listens, or has ended (a failed task must not hold the handshake)."""
    waiter = asyncio.create_task(listening.wait())
    await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()


@router.websocket("", dependencies=[Depends(declares("read:statuses"))])
async def websocket(socket: WebSocket) -> None:
    """Mastodon's multiplexed WebSocket: ?stream=... to start, then subscribe/unsubscribe
    messages; each event is {"stream": [...], "event": ..., "payload": "<json>"}."""
    app = socket.app
    db: Database = app.state.db
    base = base_url(app.state.settings)
    # Browsers cannot set headers on a WebSocket: the token comes in the query or as the
    # subprotocol, which must then be echoed back.
    protocol = socket.headers.get("sec-websocket-protocol")
    raw = socket.query_params.get("access_token") or protocol or ""
    viewer_id = None
    if raw:
        async with db.sessions() as session:
            context = await oauth.resolve(session, raw)
        if context is None or not scope_rules.covers(context.scopes, "read:statuses"):
            await socket.close(code=4001)
            return
        viewer_id = context.account.id if context.account else None
    subscriptions: dict[tuple[str, str | None], asyncio.Task[None]] = {}
    accepted = asyncio.Event()

    async def pump(name: str, tag: str | None, listening: asyncio.Event) -> None:
        async with BUS.listen(streams_for(name, viewer_id, tag)) as queue:
            listening.set()
            await accepted.wait()  # nothing is sent before the handshake ends
            while True:
                event = await queue.get()
                found = await rendered(db, base, viewer_id, event)
                if found is not None:
                    label = [name, tag] if tag else [name]
                    await socket.send_text(json.dumps({"stream": label, "event": found[0],
                                                       "payload": found[1]}))

    def subscribe(name: str, tag: str | None) -> asyncio.Event:
        listening = asyncio.Event()
        if (name, tag) not in subscriptions:
            streams_for(name, viewer_id, tag)  # refuse unknown streams now, not in the task
            subscriptions[(name, tag)] = asyncio.create_task(pump(name, tag, listening))
        return listening

    try:
        first, tag = socket.query_params.get("stream"), socket.query_params.get("tag")
        if first:
            try:
                listening = subscribe(first, tag)
            except ApiError:
                await socket.accept(subprotocol=protocol)  # to close it as before
                raise
            # The handshake ends once the stream listens: whatever happens after the client
            # is connected reaches it (a post made right after connecting, say).
            await _until(listening, subscriptions[(first, tag)])
        await socket.accept(subprotocol=protocol)
        accepted.set()
        while True:
            message: dict[str, Any] = json.loads(await socket.receive_text())
            key = (str(message.get("stream", "")), message.get("tag"))
            if message.get("type") == "subscribe":
                subscribe(*key)
            elif message.get("type") == "unsubscribe" and key in subscriptions:
                subscriptions.pop(key).cancel()
    except (WebSocketDisconnect, ValueError, ApiError):
        pass
    finally:
        for task in subscriptions.values():
            task.cancel()
        with contextlib.suppress(Exception):
            await socket.close()
