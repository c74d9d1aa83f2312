"""The assistant: its account, who it answers (and who it never answers), its allowances,
and its answers, which are posts like anyone's (posts.service), so that visibility,
notifications, streams and remixes need no special case. Services take a session and never
commit; the jobs in tasks.py do the work in order."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.assistant.models import Ask, AskState
from salon.db.ids import utcnow
from salon.events import service as events
from salon.generation import engines as image_engines
from salon.graph import service as graph
from salon.posts import service as posts
from salon.posts import text
from salon.posts.models import Post, Visibility
from salon.posts.visibility import OPEN, visible_ids
from salon.settings import Settings
from salon.timelines.store import timeline_store

ASKED_JOB = posts.ASSISTANT_ASKED  # a post mentions the assistant
ANSWER_JOB = "assistant.answer"  # think, then answer (or start drawing)
DRAWN_JOB = "assistant.drawn"  # its picture is made (or failed): post the answer
EVENT = "salon.assistant"  # on the asker's stream: the ask's state changed
# Kinds of refusal said once an hour at most (a reply each time would flood the thread).
SAID_ONCE_AN_HOUR = ("allowance", "thread_busy")


def bio(settings: Settings) -> str:
    """What it can do and its limits, within a bio's length."""
    name = settings.assistant_name
    about = (
        f"{settings.instance_name}'s assistant, an automated account. Mention @{name} under "
        "a post to ask what it is, how it was made or who made the original, to summarise "
        f"the thread, to draw (\u201c@{name} draw a fox in the snow\u201d) or to change the "
        f"picture above (\u201c@{name} make it night\u201d). I read only what you may "
        f"read. {settings.assistant_daily_answers} answers a day each. Mute or block me "
        "and I never answer you."
    )
    return about[:accounts.MAX_BIO]


async def assistant(session: AsyncSession) -> Account | None:
    return await session.scalar(select(Account).where(Account.is_assistant.is_(True)))


async def ensure_account(session: AsyncSession, settings: Settings) -> Account | None:
    """Make the assistant's account, or rename it and renew its profile from settings
    (`salon migrate`, and each start). None when the assistant is switched off."""
    if not settings.assistant_enabled:
        return None

    name = accounts.check_username(settings.assistant_name)
    account = await assistant(session)
    taken = await accounts.find_by_username(session, name)
    if taken is not None and taken is not account:
        raise ValueError(f"SALON_ASSISTANT_NAME={name!r} is the name of a person's account; "
                         "choose another name for the assistant")
    if account is None:
        account = Account(username=name, username_key=name.lower(), display_name="Muse",
                          bot=True, is_assistant=True, approved=True)
        session.add(account)
        await session.flush()
        await timeline_store().start(account.id)
    account.username, account.username_key, account.bot = name, name.lower(), True
    if account.display_name == "Muse" or not account.display_name:
        account.display_name = name.capitalize()
    about = bio(settings)
    if account.bio != about:
        account.bio, account.bio_html = about, text.render(about, {}).html
    return account


def question_of(body: str, assistant_name: str) -> str:
    """The question in a post's text: the assistant's mentions and the leading mentions
    (of the people replied to) taken out."""
    mine = re.compile(rf"(?<![\w/@])@{re.escape(assistant_name)}(@[\w.-]+)?\b", re.I)
    body = mine.sub(" ", body)
    body = re.sub(r"^(\s*@[A-Za-z0-9_]+(@[\w.-]+)?)+", " ", body)
    return " ".join(body.split())


async def why_not(session: AsyncSession, bot: Account, asker: Account | None,
                  question: Post) -> str | None:
    """Why the assistant stays silent on this question, if it must: its own posts and
    other bots' (no loops), suspended people, people who block or mute it (or whom it
    blocks), a post it may not read."""
    if asker is None or asker.id == bot.id:
        return "self"
    if asker.bot:
        return "bot"
    if asker.suspended_at is not None or asker.disabled_at is not None:
        return "suspended"
    if await graph.is_blocked_either_way(session, asker.id, bot.id):
        return "blocked"
    hidden = graph.hidden_author_ids(asker.id).subquery()
    if await session.scalar(select(hidden.c[0]).where(hidden.c[0] == bot.id)) is not None:
        return "muted"
    if not await visible_ids(session, bot.id, [question.id]):
        return "unreadable"
    return None


async def answers_today(session: AsyncSession, asker_id: int) -> int:
    since = utcnow() - timedelta(hours=24)
    return int(await session.scalar(select(func.count()).select_from(Ask).where(
        Ask.asker_id == asker_id, Ask.created_at >= since,
        Ask.state.in_((AskState.answered, AskState.queued, AskState.thinking,
                       AskState.drawing)))) or 0)


async def thread_replies(session: AsyncSession, thread_id: int) -> int:
    """The assistant's replies in this thread over the last hour."""
    since = utcnow() - timedelta(hours=1)
    return int(await session.scalar(select(func.count()).select_from(Ask).where(
        Ask.thread_id == thread_id, Ask.created_at >= since,
        Ask.answer_post_id.is_not(None))) or 0)


async def said_lately(session: AsyncSession, asker_id: int, reason: str) -> bool:
    since = utcnow() - timedelta(hours=1)
    return await session.scalar(select(Ask.id).where(
        Ask.asker_id == asker_id, Ask.reason == reason, Ask.created_at >= since,
        Ask.answer_post_id.is_not(None)).limit(1)) is not None


def announce(session: AsyncSession, ask: Ask) -> None:
    """Tell the asker's live views that the ask moved on (after commit)."""
    events.publish(session, f"user:{ask.asker_id}", EVENT, ask_id=ask.id)


def finish(session: AsyncSession, ask: Ask, state: AskState, reason: str | None = None
           ) -> None:
    ask.state, ask.reason, ask.finished_at = state, reason, utcnow()
    announce(session, ask)


def fit(body: str, limit: int) -> str:
    """The answer cut at a word to `limit` characters as posts count them."""
    if text.count(body) <= limit:
        return body
    words = body.split(" ")
    # The most words that fit (a count only grows with words): a search, not one count per
    # word dropped, which took seconds for a model's page-long answer.
    low, high = 0, len(words)
    while low < high:
        middle = (low + high + 1) // 2
        if text.count(" ".join(words[:middle]) + "…") <= limit:
            low = middle
        else:
            high = middle - 1
    return " ".join(words[:low]).rstrip(" ,;:") + "…"


def quiet(body: str, asker: str) -> str:
    """Mentions in an answer (a summary names the people of the thread) stay plain text:
    only the asker is notified, and a direct answer reaches no one else. A word joiner
    after the @ keeps the look and breaks the mention."""
    return text.MENTION_RE.sub(
        lambda m: m.group(0) if m.group(1).lower() == asker.lower() and not m.group(2)
        else "@\u2060" + m.group(0)[1:], body)


async def reply(session: AsyncSession, settings: Settings, bot: Account, asker: Account,
                question: Post, answer: str, media_ids: list[int] | None = None, *,
                direct: bool = False) -> Post:
    """The assistant's reply to the question: never seen by anyone who could not see the
    question or what it was made from (a public or unlisted question gets an unlisted
    reply; a narrower one, or `direct`, an answer made from posts not open to all, a direct
    one to the asker alone), mentioning the asker, within the post length."""
    visibility = (Visibility.unlisted if question.visibility in OPEN and not direct
                  else Visibility.direct)
    body = fit(f"@{asker.username} {quiet(answer.strip(), asker.username)}".strip(),
               settings.max_post_chars)
    return await posts.create_post(
        session, bot, body, rules=posts.Rules.from_settings(settings), visibility=visibility,
        in_reply_to_id=question.id, language=question.language, media_ids=media_ids)


async def read_narrowly(session: AsyncSession, post_ids: set[int]) -> bool:
    """Whether any of these posts (what an answer was made from) is not open to all."""
    return bool(post_ids) and await session.scalar(select(Post.id).where(
        Post.id.in_(post_ids), Post.visibility.not_in(OPEN)).limit(1)) is not None


def image_engine(settings: Settings) -> str:
    name = settings.assistant_image_engine or settings.default_engine
    image_engines.pick(settings, name)  # enabled here, or the setting is wrong
    return name


# --- What the asker sees while it works (the web's placeholders) ---------------------------

WORKING = (AskState.queued, AskState.thinking, AskState.drawing)
# A question whose `asked` job has not run yet reads as thinking for this long: the page the
# asker lands on after posting shows it at once. Later (the assistant switched off, workers
# down for long) nothing is promised.
UNRECORDED_FOR = timedelta(minutes=2)


async def pending_for(session: AsyncSession, viewer_id: int, post_ids: list[int]
                      ) -> dict[int, AskState]:
    """The viewer's questions among `post_ids` that the assistant is still answering, by
    post id, with what it is doing (thinking or drawing): one query for a page."""
    from sqlalchemy import and_, or_

    from salon.posts.models import Mention

    if not post_ids:
        return {}
    since = utcnow() - UNRECORDED_FOR
    rows = await session.execute(
        select(Post.id, Ask.state)
        .join(Mention, Mention.post_id == Post.id)
        .join(Account, and_(Account.id == Mention.account_id, Account.is_assistant.is_(True)))
        .outerjoin(Ask, Ask.question_post_id == Post.id)
        # Blocked either way or muted: it will not answer, so it is not shown thinking.
        .where(Account.id.not_in(graph.hidden_author_ids(viewer_id)))
        .where(Post.id.in_(post_ids), Post.account_id == viewer_id,
               or_(Ask.state.in_(WORKING), and_(Ask.id.is_(None), Post.created_at >= since))))
    return {int(post_id): AskState.drawing if state == AskState.drawing else AskState.thinking
            for post_id, state in rows}


async def ask_for(session: AsyncSession, question_post_id: int) -> Ask | None:
    """The ask a post made, if it made one."""
    return await session.scalar(select(Ask).where(Ask.question_post_id == question_post_id))
