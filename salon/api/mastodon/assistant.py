"""Salon's assistant API: "Explain this post" (salon/assistant/explaining.py), streamed as
server-sent events while the text engine writes it. The web's Explain button
(salon/web/routes/posts.py) streams the same events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon.deps import account_of, path_id, scoped
from salon.assistant.explaining import DELTA, DONE, ERROR, Event, explanation, start
from salon.db.session import Database
from salon.oauth.service import TokenContext
from salon.settings import Settings
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api/v1/salon")


def sse(event: Event) -> str:
    name, data = event
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def streamed(db: Database, settings: Settings, ask_id: int) -> StreamingResponse:
    """The explanation as server-sent events (the API's answer, and the web's to its
    script)."""
    async def body() -> AsyncIterator[str]:
        async for event in explanation(db, settings, ask_id):
            yield sse(event)

    # X-Accel-Buffering: a proxy (nginx) passes each piece on as it comes.
    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.post("/statuses/{status_id}/explain",
             responses={200: {"content": {"text/event-stream": {}},
                              "description": f"{DELTA} events, then {DONE} or {ERROR}"}})
async def explain(request: Request, status_id: str,
                  context: TokenContext = Depends(scoped("read:statuses")),
                  session: AsyncSession = Depends(db_session),
                  settings: Settings = Depends(get_settings)) -> StreamingResponse:
    """Explain a status to the token's account alone: server-sent events, never a post.
    read:statuses: it reads what the account may read and posts nothing (the ask it
    records is the account's own)."""
    ask_id = await start(session, settings, account_of(context), path_id(status_id))
    await session.commit()
    return streamed(request.app.state.db, settings, ask_id)
