"""Consent to training, Salon's extension of the API: /api/v1/salon/consent reads and
changes, per kind, whether the person's data may be used to train models (each kind off
until they say yes), and /api/v1/salon/consent/exports lists the exports that hold any of
it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon.deps import account_of, params, scoped
from salon.api.mastodon.entities.common import timestamp
from salon.datasets import service as datasets
from salon.datasets.schemas import KINDS
from salon.oauth.service import TokenContext
from salon.web.deps import db_session

router = APIRouter(prefix="/api/v1/salon")
READ, WRITE = scoped("read:accounts"), scoped("write:accounts")


def entity(state: datasets.ConsentState) -> dict[str, Any]:
    return {
        **state.granted,
        "changed_at": {k: timestamp(t) if t else None for k, t in state.changed_at.items()},
        "history": [{"kind": c.kind, "granted": c.granted, "at": timestamp(c.created_at)}
                    for c in state.history],
    }


@router.get("/consent")
async def show(context: TokenContext = Depends(READ),
               session: AsyncSession = Depends(db_session)) -> JSONResponse:
    return JSONResponse(entity(await datasets.consent(session, account_of(context).id)))


@router.put("/consent")
async def change(request: Request, context: TokenContext = Depends(WRITE),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    """Any of posts, generated, uploads, choices as true or false; the others stay."""
    p = await params(request)
    changes = {k: p.flag(k) for k in KINDS if p.get(k) is not None}
    state = await datasets.set_consent(session, account_of(context).id, changes)
    await session.commit()
    return JSONResponse(entity(state))


@router.get("/consent/exports")
async def exports(context: TokenContext = Depends(READ),
                  session: AsyncSession = Depends(db_session)) -> JSONResponse:
    found = await datasets.inclusions(session, account_of(context).id)
    return JSONResponse([{"id": str(i.export.id), "name": i.export.name,
                          "created_at": timestamp(i.export.created_at), "counts": i.counts}
                         for i in found])
