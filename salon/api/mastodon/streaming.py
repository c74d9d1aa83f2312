"""Live updates as Mastodon streams them: server-sent events at /api/v1/streaming/<stream>
and a WebSocket at /api/v1/streaming. Each event is rendered once per audience
(stream_render.py), and sent only to the listeners who may see it; what a client may ask
for, and how many streams it may hold, is in stream_limits.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import PlainTextResponse, StreamingResponse
from starlette.background import BackgroundTask
from starlette.requests import HTTPConnection
from starlette.status import WS_1008_POLICY_VIOLATION, WS_1013_TRY_AGAIN_LATER

from salon.api.mastodon.deps import (
    ApiError,
    as_id,
    declares,
    rendered_statuses,
    token,
    viewer_of,
)
from salon.api.mastodon.stream_limits import Hold, Listeners, hashtag, listeners, subscription
from salon.api.mastodon.stream_render import Renderer
from salon.errors import UNAVAILABLE, NotFound
from salon.events.bus import BUS
from salon.events.service import SIGNED_IN
from salon.lists import service as lists
from salon.oauth import scopes as scope_rules
from salon.oauth import service as oauth
from salon.oauth.service import TokenContext

router = APIRouter(prefix="/api/v1/streaming")
log = logging.getLogger("salon.streaming")


def streams_for(name: str, account_id: int | None, tag: str | None) -> list[str]:
    """Bus streams behind one of Mastodon's stream names (`tag` is the hashtag, or the list
    id of the `list` stream, whose owner `allowed_list` checks)."""
    if name in ("user", "user:notification", "direct", "list") and account_id is None:
        raise ApiError(401, "Streaming this needs an access token.")
    if name == "list":
        if not tag:
            raise ApiError(422, "Say which list: list=...")
        return [f"list:{tag}"]
    tag = hashtag(tag)
    names = {
        "user": [f"user:{account_id}", f"user:notification:{account_id}", SIGNED_IN],
        "user:notification": [f"user:notification:{account_id}"],
        "direct": [f"direct:{account_id}"],  # conversations (posts/conversations.py)
        "public": ["public"], "public:local": ["public:local"],
        "public:media": ["public"], "public:local:media": ["public:local"],
        "hashtag": [f"hashtag:{tag}"], "hashtag:local": [f"hashtag:local:{tag}"],
    }
    if name not in names:
        raise ApiError(404, f"Unknown stream {name!r}.")
    if name.startswith("hashtag") and not tag:
        raise ApiError(422, "Say which hashtag: tag=...")
    return names[name]


async def allowed_list(connection: HTTPConnection, viewer_id: int | None, raw: str | None
                       ) -> str:
    """The list id of a `list` stream, once its owner is the viewer: anyone else's list, or
    none, is refused as Mastodon's streaming server refuses it (401, "List not found")."""
    list_id = as_id(raw)
    if viewer_id is None:
        raise ApiError(401, "Streaming this needs an access token.")
    if list_id is None:
        raise ApiError(422, "Say which list: list=<id>")
    async with connection.app.state.db.sessions() as session:
        try:
            await lists.get_own(session, viewer_id, list_id)
        except NotFound:
            raise ApiError(401, "List not found") from None
    return str(list_id)


async def _renderer(connection: HTTPConnection) -> Renderer:
    """This app's renderer, made with the first stream (it shares the API's kept parts)."""
    made: Renderer | None = getattr(connection.app.state, "stream_renderer", None)
    if made is None:
        made = Renderer(connection.app.state.db, await rendered_statuses(connection))
        connection.app.state.stream_renderer = made
    return made


def _listeners(connection: HTTPConnection) -> Listeners:
    state = connection.app.state
    made: Listeners | None = getattr(state, "stream_listeners", None)
    if made is None:
        made = state.stream_listeners = listeners(state.settings)
    return made


def _address(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown"


def _viewer(context: TokenContext | None) -> int | None:
    if context is not None and not scope_rules.covers(context.scopes, "read:statuses"):
        raise ApiError(403, "This action is outside the authorized scopes")
    return viewer_of(context)


@router.get("/health")
async def health() -> PlainTextResponse:
    return PlainTextResponse("OK")


async def _sse(request: Request, streams: list[str], viewer_id: int | None, hold: Hold
               ) -> AsyncIterator[str]:
    render = await _renderer(request)
    heartbeat = request.app.state.settings.streaming_heartbeat_seconds
    try:
        async with BUS.listen(streams) as queue:
            yield ":)\n\n"
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(queue.get(), heartbeat)
                except TimeoutError:
                    yield ":thump\n\n"
                    continue
                found = await render(event, viewer_id)
                if found is not None:
                    yield f"event: {found[0]}\ndata: {found[1]}\n\n"
    finally:
        hold.release()


def _stream_route(path: str, name: str) -> None:
    async def endpoint(request: Request, tag: str | None = None,
                       context: TokenContext | None = Depends(token("read:statuses"))
                       ) -> StreamingResponse:
        viewer_id = _viewer(context)
        streams = streams_for(name, viewer_id, tag)
        token_id = context.token.id if context is not None else None
        hold = await _listeners(request).admit(_address(request), token_id)
        # Released when the stream ends, or after the response if it never started.
        return StreamingResponse(_sse(request, streams, viewer_id, hold),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"},
                                 background=BackgroundTask(hold.release))

    endpoint.__name__ = f"stream_{name.replace(':', '_')}"
    router.add_api_route(path, endpoint, methods=["GET"])


for _path, _name in (("/user", "user"), ("/user/notification", "user:notification"),
                     ("/direct", "direct"),
                     ("/public", "public"), ("/public/local", "public:local"),
                     ("/hashtag", "hashtag"), ("/hashtag/local", "hashtag:local")):
    _stream_route(_path, _name)


@router.get("/list")
async def stream_list(request: Request, list_id: str | None = Query(None, alias="list"),
                      context: TokenContext | None = Depends(token("read:statuses"))
                      ) -> StreamingResponse:
    """The `list` stream over server-sent events: the viewer's own list only."""
    viewer_id = _viewer(context)
    streams = streams_for("list", viewer_id, await allowed_list(request, viewer_id, list_id))
    token_id = context.token.id if context is not None else None
    hold = await _listeners(request).admit(_address(request), token_id)
    return StreamingResponse(_sse(request, streams, viewer_id, hold),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store"},
                             background=BackgroundTask(hold.release))


async def _until(listening: asyncio.Event, task: asyncio.Task[None]) -> None:
    """Until the task listens, or has ended (a failed task must not hold the handshake)."""
    waiter = asyncio.create_task(listening.wait())
    await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()


async def _error(socket: WebSocket, error: ApiError) -> None:
    """An error event, as Mastodon sends one; the socket stays open."""
    await socket.send_text(json.dumps({"error": error.message, "status": error.status}))


async def _refuse(socket: WebSocket, protocol: str | None, error: ApiError, code: int
                  ) -> None:
    """An error event, then a close: a client told why, not a failed handshake."""
    await socket.accept(subprotocol=protocol)
    await _error(socket, error)
    await socket.close(code=code, reason=error.message[:120])


@router.websocket("", dependencies=[Depends(declares("read:statuses"))])
async def websocket(socket: WebSocket) -> None:
    """Mastodon's multiplexed WebSocket: ?stream=... to start, then subscribe/unsubscribe
    messages; each event is {"stream": [...], "event": ..., "payload": "<json>"}."""
    # Browsers cannot set headers on a WebSocket: the token comes in the query or as the
    # subprotocol, which must then be echoed back.
    protocol = socket.headers.get("sec-websocket-protocol")
    raw = socket.query_params.get("access_token") or protocol or ""
    viewer_id = token_id = None
    if raw:
        async with socket.app.state.db.sessions() as session:
            context = await oauth.resolve(session, raw)
        if context is None or not scope_rules.covers(context.scopes, "read:statuses"):
            await socket.close(code=4001)
            return
        viewer_id = context.account.id if context.account else None
        token_id = context.token.id
    try:
        hold = await _listeners(socket).admit(_address(socket), token_id)
    except ApiError as refused:
        await _refuse(socket, protocol, refused, WS_1008_POLICY_VIOLATION)
        return
    except UNAVAILABLE as exc:  # Redis, where the counts are, is out of reach: as a 503
        log.warning("storage unavailable for a WebSocket: %s", exc)
        await _refuse(socket, protocol, ApiError(503, "Salon cannot reach its storage right "
                                                      "now; try again in a few seconds."),
                      WS_1013_TRY_AGAIN_LATER)
        return
    try:
        await _serve(socket, protocol, viewer_id)
    finally:
        hold.release()


async def _serve(socket: WebSocket, protocol: str | None, viewer_id: int | None) -> None:
    render = await _renderer(socket)
    most = socket.app.state.settings.streaming_subscriptions
    subscriptions: dict[tuple[str, str | None], asyncio.Task[None]] = {}
    listening: dict[tuple[str, str | None], asyncio.Event] = {}
    accepted = asyncio.Event()

    async def pump(name: str, tag: str | None, streams: list[str],
                   listening: asyncio.Event) -> None:
        async with BUS.listen(streams) as queue:
            listening.set()
            await accepted.wait()  # nothing is sent before the handshake ends
            while True:
                event = await queue.get()
                found = await render(event, viewer_id)
                if found is not None:
                    label = [name, tag] if tag else [name]
                    await socket.send_text(json.dumps({"stream": label, "event": found[0],
                                                       "payload": found[1]}))

    async def argument(name: str, raw: str | None) -> str | None:
        """The hashtag of a hashtag stream, the list id of a list stream (the viewer's own),
        as subscriptions are keyed; ApiError when it cannot be."""
        if name == "list":
            return await allowed_list(socket, viewer_id, raw)
        return hashtag(raw)

    async def subscribe(name: str, raw: str | None) -> tuple[str, str | None]:
        """Listen to one more stream (its key); ApiError when it cannot be."""
        key = (name, await argument(name, raw))
        if key not in subscriptions:
            if len(subscriptions) >= most:
                raise ApiError(429, f"At most {most} streams on one connection: "
                                    "unsubscribe from one first.")
            streams = streams_for(name, viewer_id, key[1])  # refused now, not in the task
            listening[key] = asyncio.Event()
            subscriptions[key] = asyncio.create_task(
                pump(name, key[1], streams, listening[key]))
        return key

    def unsubscribe(name: str, raw: str | None) -> None:
        found = as_id(raw) if name == "list" else None
        key = (name, str(found) if found is not None else raw)
        if key in subscriptions:
            subscriptions.pop(key).cancel()
            listening.pop(key, None)

    try:
        query = socket.query_params
        first = query.get("stream")
        if first:
            try:
                key = await subscribe(first, query.get("list" if first == "list" else "tag"))
            except ApiError as refused:
                await socket.accept(subprotocol=protocol)  # to close it as before
                with contextlib.suppress(Exception):
                    await socket.close(code=WS_1008_POLICY_VIOLATION,
                                       reason=refused.message[:120])
                raise
            # The handshake ends once the stream listens: whatever happens after the client
            # is connected reaches it (a post made right after connecting, say).
            await _until(listening[key], subscriptions[key])
        await socket.accept(subprotocol=protocol)
        accepted.set()
        while True:
            frame = await socket.receive()
            if frame["type"] == "websocket.disconnect":
                break
            try:
                if frame.get("text") is None:
                    raise ApiError(400, "Send subscriptions as text frames of JSON.")
                message = subscription(frame["text"])
                raw = message.list if message.stream == "list" else message.tag
                if message.type == "subscribe":
                    await subscribe(message.stream, raw)
                else:
                    unsubscribe(message.stream, raw)
            except ApiError as refused:
                await _error(socket, refused)
    except (WebSocketDisconnect, ApiError):
        pass
    finally:
        for task in subscriptions.values():
            task.cancel()
        with contextlib.suppress(Exception):
            await socket.close()
