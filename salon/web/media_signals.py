"""Local media files say what AI crawlers may train on: a picture file's path names its
account (`[public/]<account id>/<folder>/<file>`), and its name its kind (`original.*` an
upload, `small.*` a thumbnail of either kind, anything else generated), so one read of that
account's consent decides its `X-Robots-Tag`, kept for a few seconds. (Files an object store
serves carry no header: the store answers without Salon.)"""

from __future__ import annotations

import time

from sqlalchemy import select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from salon.datasets import signals
from salon.datasets.models import Consent
from salon.datasets.schemas import GENERATED, UPLOADS

KEEP_SECONDS = 30.0
MOST = 10_000  # accounts remembered at once


class MediaSignals:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.known: dict[int, tuple[float, frozenset[str]]] = {}

    async def granted(self, scope: Scope, account_id: int) -> frozenset[str]:
        now = time.monotonic()
        found = self.known.get(account_id)
        if found is not None and found[0] > now:
            return found[1]
        async with scope["app"].state.db.sessions() as session:
            kinds = frozenset(await session.scalars(
                select(Consent.kind).where(Consent.account_id == account_id,
                                           Consent.granted.is_(True))))
        if len(self.known) >= MOST:
            self.known.clear()
        self.known[account_id] = (now + KEEP_SECONDS, kinds)
        return kinds

    async def tag(self, scope: Scope, path: str) -> str:
        parts = path.strip("/").split("/")
        if parts and parts[0] == "media":  # the mount's own prefix
            parts = parts[1:]
        if parts and parts[0] == "public":
            parts = parts[1:]
        if len(parts) < 3 or not parts[0].isdigit():
            return signals.DEFAULT
        kinds = await self.granted(scope, int(parts[0]))
        name = parts[-1]
        needed = ({UPLOADS} if name.startswith("original.") else
                  {GENERATED, UPLOADS} if name.startswith("small.") else {GENERATED})
        return signals.kind_tags(needed <= kinds)

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
