"""Settings → Training data: whether the person's data may be used to train models, asked
per kind and off until they say yes, with every change they made; and "My data in
datasets", each export that holds any of it, with how much of each kind."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.datasets import service as datasets
from salon.datasets import signals
from salon.datasets.schemas import DESCRIPTIONS, KINDS
from salon.web.deps import Viewer, db_session, require_account, verify_csrf, viewer
from salon.web.render import page
from salon.web.routes.common import frame

router = APIRouter(dependencies=[Depends(verify_csrf)])


@router.get("/settings/data")
async def my_data(request: Request, me: Account = Depends(require_account),
                  current: Viewer = Depends(viewer),
                  session: AsyncSession = Depends(db_session)) -> Response:
    return page(request, "my_data.html", {
        "title": "Training data", "consent": await datasets.consent(session, me.id),
        "kinds": KINDS, "descriptions": DESCRIPTIONS,
        "inclusions": await datasets.inclusions(session, me.id),
        **await frame(session, current)})


@router.post("/settings/data")
async def change(request: Request, me: Account = Depends(require_account),
                 session: AsyncSession = Depends(db_session)) -> Response:
    """The whole form: an unticked box is a no."""
    form = await request.form()
    await datasets.set_consent(session, me.id, {k: form.get(k) == "on" for k in KINDS})
    await session.commit()
    return RedirectResponse("/settings/data?saved=1", status_code=303)


@router.get("/ai.txt")
async def ai_txt(request: Request) -> Response:
    return PlainTextResponse(signals.ai_txt(request.app.state.settings.base_url))
