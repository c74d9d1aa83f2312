"""Writing and acting on posts: compose, thread, like, repost, bookmark, edit, delete, vote."""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.api.mastodon.assistant import streamed
from salon.assistant import explaining
from salon.assistant import service as assistant
from salon.datasets import signals
from salon.db.ids import is_id
from salon.errors import Forbidden, Invalid, NotFound, SalonError, TooLarge
from salon.media import service as media
from salon.moderation import service as moderation
from salon.posts import interactions, reading
from salon.posts import service as posts
from salon.posts.schemas import PollSpec
from salon.settings import Settings
from salon.timelines import service as timelines
from salon.web import asks
from salon.web.deps import (
    Viewer,
    db_session,
    get_settings,
    require_account,
    undo,
    verify_csrf,
    viewer,
    wake_worker,
)
from salon.web.render import back, is_htmx, page, safe_next
from salon.web.routes.common import filtered, form_id, form_text, frame

router = APIRouter(dependencies=[Depends(verify_csrf)])
POLL_DURATIONS = {
    "300": "5 minutes",
    "3600": "1 hour",
    "21600": "6 hours",
    "86400": "1 day",
    "259200": "3 days",
    "604800": "7 days",
}


def _field(form: FormData, name: str, *, multiline: bool = False) -> str:
    return form_text(form, name, multiline=multiline)


def _typed(form: FormData, name: str) -> str:
    """What was typed, unchecked: only to show the composer again after an error."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def _uploads(
    request: Request, session: AsyncSession, settings: Settings, me: Account, form: FormData
) -> list[int]:
    """Store each chosen image (with its alt text); returns media ids in slot order."""
    ids = []
    for slot in range(settings.max_media_per_post):
        file = form.get(f"image_{slot}")
        if not isinstance(file, UploadFile) or not file.filename:
            continue
        data = await file.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise TooLarge(
                f"Images must be at most {settings.max_upload_bytes // 1_000_000} MB;"
                f" {file.filename} is larger."
            )
        attachment = await media.upload(
            session,
            settings,
            request.app.state.store,
            me.id,
            data,
            file.filename,
            _field(form, f"alt_{slot}", multiline=True),
        )
        ids.append(attachment.id)
    return ids


def _poll(form: FormData) -> PollSpec | None:
    options = [_field(form, f"poll_{i}") for i in range(4)]
    if not any(o.strip() for o in options):
        return None
    duration = _field(form, "poll_expires_in") or "86400"
    if not is_id(duration):
        raise Invalid("Choose how long the poll runs.", "poll")
    return PollSpec(
        options=options, expires_in=int(duration), multiple=_field(form, "poll_multiple") == "on"
    )


def _picked(form: FormData) -> list[int]:
    """Own pictures already stored (generated candidates) chosen with checkboxes."""
    raw = [v for v in form.getlist("media_id") if isinstance(v, str)]
    if not all(is_id(v) for v in raw):
        raise Invalid("media_id must be the ids of your pictures.", "media_ids")
    return [int(v) for v in raw]


@router.post("/posts")
async def compose(
    request: Request,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    form = await request.form()
    in_reply_to_id = form_id(form, "in_reply_to_id", "a post id")
    quote_of_id = form_id(form, "quote_of_id", "a post id")
    try:
        post = await posts.create_post(
            session,
            me,
            _field(form, "text", multiline=True),
            rules=posts.Rules.from_settings(settings),
            spoiler_text=_field(form, "spoiler_text"),
            visibility=_field(form, "visibility") or "public",
            media_ids=_picked(form) + await _uploads(request, session, settings, me, form),
            in_reply_to_id=in_reply_to_id,
            quote_of_id=quote_of_id,
            poll=_poll(form),
            recipe_hidden=_field(form, "hide_recipe") == "on",
        )
    except SalonError as error:
        if is_htmx(request):
            raise  # answered as a message in the page's flash area
        # Show the composer again with what was written, so nothing typed is lost.
        await undo(request, session)
        draft = {name: _typed(form, name) for name in DRAFT_FIELDS}
        chose_files = any(getattr(form.get(f"image_{i}"), "filename", "") for i in range(4))
        message = error.message + (" Choose your images again." if chose_files else "")
        context = await _composer(session, me, in_reply_to_id, quote_of_id)
        picked = await media.get_many_own(session, me.id, _picked(form))
        return page(request, "compose.html", {
            **context, "error": message, "draft": draft, "prefill": draft["text"],
            "picked": picked,
            "default_visibility": draft["visibility"] or "public",
            **await frame(session, current),
        }, error.status)
    await session.commit()
    wake_worker(request)
    if post.in_reply_to_id:
        parent = await posts.get_visible(session, post.in_reply_to_id, me.id)
        author = await accounts.get(session, parent.account_id)
        return RedirectResponse(f"/@{author.username}/{parent.id}#p{post.id}", 303)
    return RedirectResponse(safe_next(_typed(form, "next")), status_code=303)


@router.get("/@{username}/{post_id:int}")
async def thread_page(
    request: Request,
    username: str,
    post_id: int,
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    thread = await timelines.thread(session, post_id, current.id)
    author = thread.focus.author.username
    if username.lower() != author.lower() or thread.focus.id != post_id:
        # One address per post, so the links people share are right.
        return RedirectResponse(f"/@{author}/{thread.focus.id}", status_code=301)
    thread.ancestors = await filtered(request, session, current, thread.ancestors, "thread")
    shown = {id(v) for v in await filtered(request, session, current,
                                           [n.view for n in thread.descendants], "thread")}
    thread.descendants = [n for n in thread.descendants if id(n.view) in shown]
    request.state.robots = await signals.for_accounts(session, signals.authors(
        [*thread.ancestors, thread.focus, *(n.view for n in thread.descendants)]))
    return page(
        request,
        "thread.html",
        {
            "title": f"{thread.focus.author.display_name or thread.focus.author.username}: post",
            "thread": thread,
            "asks": await asks.pending(session, request.app.state.settings, current, [
                *thread.ancestors, thread.focus, *(n.view for n in thread.descendants)]),
            **await frame(session, current),
        },
    )


@router.get("/posts/{post_id:int}")
async def post_link(
    post_id: int, current: Viewer = Depends(viewer), session: AsyncSession = Depends(db_session)
) -> Response:
    thread = await timelines.thread(session, post_id, current.id)
    return RedirectResponse(f"/@{thread.focus.author.username}/{thread.focus.id}", 303)


async def _acted(request: Request, session: AsyncSession, me: Account, post_id: int) -> Response:
    """After an action: the refreshed action bar for HTMX, else back to the page."""
    await session.commit()
    wake_worker(request)
    if is_htmx(request):
        post = await posts.get_visible(session, post_id, me.id)
        views = await reading.present(session, [post], me.id)
        return page(request, "partials/actions.html", {"v": views[0]})
    return back(request)


@router.post("/posts/{post_id:int}/explain")  # before the actions' route, which takes any
async def explain(
    request: Request,
    post_id: int,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    """"Explain this post", for the viewer alone. The page's script asks for server-sent
    events (Accept: text/event-stream) and shows the answer as it grows; without the
    script the form posts here and gets a page with the whole answer."""
    ask_id = await explaining.start(session, settings, me, post_id)
    await session.commit()
    db = request.app.state.db
    if "text/event-stream" in request.headers.get("accept", ""):
        return streamed(db, settings, ask_id)
    _, data = [event async for event in explaining.explanation(db, settings, ask_id)][-1]
    post = await posts.get_visible(session, post_id, me.id)
    view = (await reading.present(session, [post], me.id))[0]
    return page(request, "explain.html", {
        "title": "Explain this post", "v": view,
        "answer": data.get("text", ""), "error": data.get("error"),
        **await frame(session, current),
    })


@router.post("/posts/{post_id:int}/{action}")
async def act(
    request: Request,
    post_id: int,
    action: str,
    me: Account = Depends(require_account),
    session: AsyncSession = Depends(db_session),
) -> Response:
    simple = {
        "like": interactions.like,
        "unlike": interactions.unlike,
        "bookmark": interactions.bookmark,
        "unbookmark": interactions.unbookmark,
        "repost": interactions.repost,
        "unrepost": interactions.unrepost,
    }
    if action in simple:
        target = await simple[action](session, me, post_id)
        original = target.reblog_of_id or target.id
        return await _acted(request, session, me, original)
    if action == "delete":
        deleted = await posts.delete_post(session, me, post_id)
        await session.commit()
        if is_htmx(request):
            return Response(status_code=200, content="")
        return RedirectResponse(
            f"/@{me.username}" if deleted.account_id == me.id else "/home", status_code=303
        )
    if action == "vote":
        form = await request.form()
        choices = [int(v) for v in form.getlist("choice") if isinstance(v, str) and is_id(v)]
        await interactions.vote(session, me, post_id, choices)
        await session.commit()
        return back(request, anchor=f"p{post_id}")
    if action == "edit":
        form = await request.form()
        post = await posts.edit_post(
            session, me, post_id, _field(form, "text", multiline=True),
            spoiler_text=_field(form, "spoiler_text")
        )
        await session.commit()
        return RedirectResponse(f"/@{me.username}/{post.id}", status_code=303)
    if action == "report":
        form = await request.form()
        await moderation.file_report(
            session, me, post_id=post_id, category=_field(form, "category") or "other",
            comment=_field(form, "comment", multiline=True),
        )
        await session.commit()
        return RedirectResponse("/reports/sent", status_code=303)
    raise Invalid(f"Unknown action {action!r}.")


@router.get("/reports/sent")
async def report_sent(
    request: Request,
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    return page(request, "message.html", {
        "title": "Report sent",
        "message": "Thank you. The moderators will look at what you reported.",
        **await frame(session, current),
    })


@router.get("/posts/{post_id:int}/edit")
async def edit_form(
    request: Request,
    post_id: int,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    post = await posts.get_visible(session, post_id, me.id)
    if post.account_id != me.id or post.reblog_of_id:
        raise Forbidden("You can only edit your own posts.")
    return page(
        request, "edit.html", {"title": "Edit post", "post": post, **await frame(session, current)}
    )


@router.get("/posts/{post_id:int}/history")
async def history(
    request: Request,
    post_id: int,
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    versions = await posts.history(session, post_id, current.id)
    post = await posts.get_visible(session, post_id, current.id)
    view = (await reading.present(session, [post], current.id))[0]
    return page(
        request,
        "history.html",
        {
            "title": "Edit history",
            "v": view,
            "versions": list(reversed(versions)),
            **await frame(session, current),
        },
    )


@router.get("/posts/{post_id:int}/report")
async def report_form(
    request: Request,
    post_id: int,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    post = await posts.get_visible(session, post_id, me.id)
    view = (await reading.present(session, [post], me.id))[0]
    return page(
        request,
        "report.html",
        {
            "title": "Report post",
            "v": view,
            "categories": moderation.CATEGORIES,
            **await frame(session, current),
        },
    )


DRAFT_FIELDS = ("text", "spoiler_text", "visibility", "hide_recipe", "poll_0", "poll_1",
                "poll_2", "poll_3", "poll_expires_in", "poll_multiple", "alt_0", "alt_1",
                "alt_2", "alt_3")


async def _composer(
    session: AsyncSession, me: Account, in_reply_to_id: int | None, quote_of_id: int | None
) -> dict[str, Any]:
    """What the composer page shows above the form: the post replied to or quoted."""
    context_post = None
    target = in_reply_to_id or quote_of_id
    if target:
        post = await posts.get_visible(session, target, me.id)
        context_post = (await reading.present(session, [post], me.id))[0]
    return {
        "title": "Reply" if in_reply_to_id else "Quote" if quote_of_id else "New post",
        "context_post": context_post,
        "in_reply_to_id": in_reply_to_id,
        "quote_of_id": quote_of_id,
    }


@router.get("/compose")
async def compose_page(
    request: Request,
    in_reply_to_id: int | None = None,
    quote_of_id: int | None = None,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    """A full-page composer, for replies and quotes (and for phones)."""
    context = await _composer(session, me, in_reply_to_id, quote_of_id)
    replying_to = context["context_post"] if in_reply_to_id else None
    mention = ""
    if replying_to and replying_to.author.id != me.id:
        mention = f"@{replying_to.author.username} "
    return page(request, "compose.html", {
        **context, "prefill": mention, "draft": {},
        "default_visibility": replying_to.post.visibility if replying_to else "public",
        **await frame(session, current),
    })


# --- The assistant at work: the asker's placeholder under a question -------------------------

@router.get("/posts/{post_id:int}/assistant")
async def assistant_answer(
    request: Request,
    post_id: int,
    doing: str = "",
    depth: int = 1,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    """What the asker's placeholder under their question (partials/ask_pending.html) becomes:
    itself again while the assistant works (204, nothing to swap, while it does what the
    page shows: `doing`), the answer once posted (read as any post the asker may see), or
    nothing when it stays silent. The question not visible: 404; someone else's: 204."""
    question = await posts.get_visible(session, post_id, me.id)
    if question.account_id != me.id or not settings.assistant_enabled:
        return Response(status_code=204)
    depth = min(max(depth, 0), 5)
    working = (await assistant.pending_for(session, me.id, [question.id])).get(question.id)
    if working is not None:
        if working == doing:
            return Response(status_code=204)
        return page(request, "partials/ask_pending.html", {
            "question_id": question.id, "doing": working, "answer_depth": depth})
    ask = await assistant.ask_for(session, question.id)
    views = []
    if ask is not None and ask.answer_post_id is not None:
        with contextlib.suppress(NotFound):  # deleted, or not for the asker's eyes
            answer = await posts.get_visible(session, ask.answer_post_id, me.id)
            views = await reading.present(session, [answer], me.id)
    views = await filtered(request, session, current, views, "thread")
    if not views:
        return Response(content="", media_type="text/html")  # the placeholder goes
    return page(request, "partials/post.html", {"v": views[0], "depth": depth})
