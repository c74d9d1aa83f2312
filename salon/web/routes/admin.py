"""The moderation page: open reports, and what moderators do about them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.errors import Forbidden, NotFound
from salon.generation import service as generation
from salon.moderation import service as moderation
from salon.web.deps import Viewer, db_session, require_account, verify_csrf, viewer
from salon.web.render import back, page
from salon.web.routes.common import cursor, frame

router = APIRouter(prefix="/admin", dependencies=[Depends(verify_csrf)])


@router.get("/reports")
async def reports(
    request: Request,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    if not me.is_admin:
        raise Forbidden("Only moderators can see reports.")
    open_reports = await moderation.open_reports(session, me, cursor(request, limit=40))
    refusals = await generation.refusal_counts(session)
    people = await accounts.get_many(
        session, {r.reporter_id for r in open_reports} | {r.target_account_id for r in open_reports}
        | set(refusals)
    )
    return page(
        request,
        "admin/reports.html",
        {
            "title": "Moderation",
            "reports": open_reports,
            "suspended": await moderation.suspended(session, me),
            "pending": await moderation.pending(session, me),
            "people": people,
            "refusals": sorted(refusals.items(), key=lambda kv: -sum(kv[1].values()))[:50],
            **await frame(session, current),
        },
    )


@router.post("/reports/{report_id:int}/{action}")
async def resolve(
    report_id: int,
    action: str,
    me: Account = Depends(require_account),
    session: AsyncSession = Depends(db_session),
) -> Response:
    await moderation.resolve(session, me, report_id, action)
    await session.commit()
    return RedirectResponse("/admin/reports", status_code=303)


@router.post("/accounts/{account_id:int}/{action}")
async def account_action(
    request: Request,
    account_id: int,
    action: str,
    me: Account = Depends(require_account),
    session: AsyncSession = Depends(db_session),
) -> Response:
    """Suspend or lift a suspension, approve or reject a sign-up; then back to where the
    moderator was."""
    actions = {"suspend": moderation.suspend, "unsuspend": moderation.unsuspend,
               "approve": moderation.approve, "reject": moderation.reject}
    if action not in actions:
        raise NotFound("There is nothing here.")
    await actions[action](session, me, account_id)
    await session.commit()
    return back(request, "/admin/reports")


@router.post("/posts/{post_id:int}/remove")
async def remove_post(
    post_id: int,
    me: Account = Depends(require_account),
    session: AsyncSession = Depends(db_session),
) -> Response:
    await moderation.remove_post(session, me, post_id)
    await session.commit()
    return RedirectResponse("/admin/reports", status_code=303)
