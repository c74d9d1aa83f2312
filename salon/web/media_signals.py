"""Local media files say what AI crawlers may train on. A picture file is found by its key
(indexed): only a picture of a public post whose author allowed its kind (generated: it was
a candidate; else uploaded) says `all`; anything else (avatars, headers, pictures of posts
that are not public, files of no post) says the default. Kept for a few seconds per file.
(Files an object store serves carry no header: the store answers without Salon.)"""

from __future__ import annotations

import time

from sqlalchemy import exists, or_, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from salon.datasets import signals
from salon.datasets.models import Consent
from salon.datasets.schemas import GENERATED, UPLOADS
from salon.generation.models import Candidate
from salon.media.models import MediaAttachment
from salon.posts.models import Post, Visibility

KEEP_SECONDS = 30.0
MOST = 10_000  # files remembered at once


class MediaSignals:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.known: dict[str, tuple[float, str]] = {}

    async def tag(self, scope: Scope, path: str) -> str:
        key = path.strip("/").removeprefix("media/")
        name = key.rsplit("/", 1)[-1]
        if key.count("/") < 2 or name.startswith(("avatar.", "header.")):
            return signals.DEFAULT
        now = time.monotonic()
        found = self.known.get(key)
        if found is not None and found[0] > now:
            return found[1]
        async with scope["app"].state.db.sessions() as session:
            row = (await session.execute(
                select(MediaAttachment.account_id,
                       exists().where(Candidate.media_id == MediaAttachment.id))
                .join(Post, Post.id == MediaAttachment.post_id)
                .where(or_(MediaAttachment.file_key == key, MediaAttachment.thumb_key == key),
                       Post.visibility == Visibility.public, Post.reblog_of_id.is_(None))
                .limit(1))).first()
            tag = signals.DEFAULT
            if row is not None:
                account_id, generated = row
                kind = GENERATED if generated else UPLOADS
                allowed = await session.scalar(select(Consent.granted).where(
                    Consent.account_id == account_id, Consent.kind == kind))
                tag = signals.kind_tags(bool(allowed))
        if len(self.known) >= MOST:
            self.known.clear()
        self.known[key] = (now + KEEP_SECONDS, tag)
        return tag

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        value = (await self.tag(scope, scope.get("path", ""))).encode()

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != signals.HEADER]
                message["headers"] = [*headers, (signals.HEADER, value)]
            await send(message)

        await self.app(scope, receive, tagged)
