"""The assistant, end to end: questions that mention it are posted through the Mastodon API
as a client posts them, and the time runs from the POST's answer until the asker has read
the assistant's reply.

The asker learns of the reply as Salon's own pages do: its user stream (server-sent events,
`GET /api/v1/streaming/user`) says `salon.assistant` with the reply's id when the job that
posts the reply commits; then one `GET /api/v1/statuses/:id` reads it, and the clock stops.
That costs the server nothing while it works. Polling `GET /api/v1/statuses/:id/context`
every 20 ms instead took drawings twice as long on this 2-core machine (the reads compete
for the CPU with the picture being made, in the same process); the mention's notification
comes a job later than the reply.

Questions go one at a time (latency, not throughput), text questions and drawings in turn,
by several askers in turn. Afterwards the database says where each one's time went: the
jobs' finish times and the generation's start and finish split the wait into steps."""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select

from salon.assistant.models import Ask, AskState
from salon.db.ids import id_floor, utcnow
from salon.db.session import Database
from salon.generation.models import Generation
from salon.jobs.models import Job
from salon.posts.models import Post

TIMEOUT = 60.0  # seconds a question may wait for its reply
# What someone asks, and a post to ask it under (None: the question starts a thread).
TEXT = (
    ("what can you do?", None),
    ("summarise this thread please", "A walk along the harbour at dawn: ink, wet paper and "
     "a lot of grey. Second try at the boats, the first one drowned."),
    ("who made the original?", "Night garden with lanterns, a colour study in three blues."),
    ("how was this made?", "Glass and stone, a still life in morning light."),
    ("explain this post", "Dune meadow cloud river: a sketch a day, day 41."),
)
DRAWINGS = (
    "draw a lighthouse in a storm",
    "draw a neon city at night",
    "draw a pixel art castle on a green hill",
    "draw a misty forest at dawn, watercolor",
    "draw a harbour with paper boats at sunset",
)
# The steps of a question's wait, in order, as the report names them; a text answer takes
# the steps at TEXT_STEPS.
STEPS = ("POST answered → `assistant.asked` job done",
         "→ `assistant.answer` job done (text: reply posted; drawing: picture requested)",
         "→ generation started (`generation.run` claimed)",
         "→ generation finished (sketch, PNG encoding, C2PA signing, stored)",
         "→ `assistant.drawn` job done (reply posted)",
         "→ reply read by the asker (commit, stream event, `GET` of the reply)")
TEXT_STEPS = (0, 1, 5)


@dataclass
class Asked:
    kind: str  # "text" or "drawing"
    question_id: int
    posted_at: float  # wall clock (time.time()) when the POST answered
    seconds: float  # from then until the reply was read
    steps: list[float] = field(default_factory=list)  # seconds per step, as *_STEPS


@dataclass
class AssistantFigures:
    text: list[Asked]
    drawings: list[Asked]
    askers: int
    read_ms: float  # the reply's read, mean, client side
    warmups: int
    sizes: list[str] = field(default_factory=list)  # the pictures' sizes, as made

    @staticmethod
    def quantile(values: list[float], share: float) -> float:
        """Nearest rank: the value below which `share` of them are (any count)."""
        ordered = sorted(values)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0

    def p50_ms(self, asked: list[Asked]) -> float:
        return 1000 * self.quantile([a.seconds for a in asked], 0.5)

    def p95_ms(self, asked: list[Asked]) -> float:
        return 1000 * self.quantile([a.seconds for a in asked], 0.95)

    @staticmethod
    def steps_ms(asked: list[Asked]) -> dict[int, float]:
        """Each step's median in ms, by its index in STEPS."""
        split = [a for a in asked if a.steps]
        if not split:
            return {}
        indexes = TEXT_STEPS if split[0].kind == "text" else range(len(STEPS))
        return {index: 1000 * statistics.median(a.steps[i] for a in split)
                for i, index in enumerate(indexes)}


def plan(questions: int) -> list[tuple[str, str, str | None]]:
    """(kind, question, subject) in turn: text, drawing, text... (at least one of each)."""
    chosen: list[tuple[str, str, str | None]] = []
    for i in range(max(2, questions)):
        if i % 2 == 0:
            question, subject = TEXT[(i // 2) % len(TEXT)]
            chosen.append(("text", question, subject))
        else:
            chosen.append(("drawing", DRAWINGS[(i // 2) % len(DRAWINGS)], None))
    return chosen


async def _assistant_id(web: httpx.AsyncClient, name: str) -> str:
    found = await web.get("/api/v1/accounts/lookup", params={"acct": name})
    if found.status_code != 200:
        raise RuntimeError(f"the assistant @{name} is not on the server "
                           f"({found.status_code}: {found.text[:200]})")
    return str(found.json()["id"])


async def _ask(web: httpx.AsyncClient, token: str, bot_id: str, bot_name: str, kind: str,
               question: str, subject: str | None, timing: list[float]) -> Asked:
    """Post the question with the asker's stream open; time until the reply is read."""
    auth = {"Authorization": f"Bearer {token}"}
    form: dict[str, str] = {"status": f"@{bot_name} {question}"}
    if subject is not None:  # the post asked about: written first, not timed
        made = await web.post("/api/v1/statuses", data={"status": subject}, headers=auth)
        made.raise_for_status()
        form["in_reply_to_id"] = made.json()["id"]
    async with web.stream("GET", "/api/v1/streaming/user", headers=auth,
                          timeout=httpx.Timeout(30, read=TIMEOUT)) as stream:
        stream.raise_for_status()
        lines = stream.aiter_lines()
        async for line in lines:
            if line.startswith(":)"):  # listening
                break
        sent = await web.post("/api/v1/statuses", data=form, headers=auth)
        started, posted_at = time.perf_counter(), time.time()
        sent.raise_for_status()
        question_id = sent.json()["id"]
        event, answer_id = "", None
        try:
            async for line in lines:
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event == "salon.assistant":
                    ask = json.loads(line.removeprefix("data: "))
                    if ask["question_id"] != question_id:
                        continue
                    if ask["answer_id"]:
                        answer_id = ask["answer_id"]
                        break
                    if ask["state"] in ("refused", "failed"):  # silently: no reply to read
                        raise RuntimeError(f"@{bot_name} {ask['state']} {question!r} "
                                           "without a reply")
                if time.perf_counter() - started > TIMEOUT:  # heartbeats keep it open
                    break
        except httpx.ReadTimeout:
            pass
    if answer_id is None:
        raise RuntimeError(f"@{bot_name} did not answer {question!r} (post {question_id}) "
                           f"within {TIMEOUT:.0f} s")
    read = time.perf_counter()
    reply = await web.get(f"/api/v1/statuses/{answer_id}", headers=auth)
    seconds = time.perf_counter() - started
    timing.append(time.perf_counter() - read)
    reply.raise_for_status()
    if reply.json()["account"]["id"] != bot_id \
            or reply.json()["in_reply_to_id"] != question_id:
        raise RuntimeError(f"post {answer_id} is not @{bot_name}'s reply to {question_id}")
    if kind == "drawing" and not reply.json()["media_attachments"]:
        raise RuntimeError(f"@{bot_name} answered {question!r} without a picture: "
                           f"{reply.json()['content'][:300]}")
    return Asked(kind, int(question_id), posted_at, seconds)


async def measure(db: Database, url: str, tokens: list[str], questions: int,
                  echo: Callable[[str], None]) -> AssistantFigures:
    """Ask `questions` questions (half text, half drawings) one after another, rotating over
    the askers' `tokens`, after one untimed question of each kind (first use in a process
    loads the engines and the signing key)."""
    name = db.settings.assistant_name
    floor = id_floor(utcnow())
    timing: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=30) as web:
        bot_id = await _assistant_id(web, name)
        warmups = plan(2)
        for i, (kind, question, subject) in enumerate(warmups):
            await _ask(web, tokens[i % len(tokens)], bot_id, name, kind, question, subject, [])
        asked: list[Asked] = []
        for i, (kind, question, subject) in enumerate(plan(questions)):
            one = await _ask(web, tokens[(i + len(warmups)) % len(tokens)], bot_id, name,
                             kind, question, subject, timing)
            asked.append(one)
            echo(f"  {kind:7} {one.seconds * 1000:6.0f} ms  {question}")
    sizes = await _split(db, asked, floor)
    return AssistantFigures(
        text=[a for a in asked if a.kind == "text"],
        drawings=[a for a in asked if a.kind == "drawing"],
        askers=min(len(tokens), len(asked) + len(warmups)),
        read_ms=1000 * statistics.mean(timing) if timing else 0.0, warmups=len(warmups),
        sizes=sizes)


def _wall(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else math.nan


async def _split(db: Database, asked: list[Asked], floor: int) -> list[str]:
    """Each question's wait in steps, from the rows its jobs left (job and generation
    times are written in the transactions that commit them, a moment before)."""
    async with db.sessions() as session:
        jobs = list(await session.execute(
            select(Job.kind, Job.payload, Job.finished_at).where(
                Job.id > floor, Job.status == "done",
                Job.kind.in_(("assistant.asked", "assistant.answer", "assistant.drawn",
                              "generation.run")))))
        asks = {a.question_post_id: a for a in await session.scalars(
            select(Ask).where(Ask.question_post_id.in_([a.question_id for a in asked])))}
        made = {g.id: g for g in await session.scalars(
            select(Generation).where(Generation.id.in_(
                [a.generation_id for a in asks.values() if a.generation_id])))}
        replies = {p.id: p for p in await session.scalars(
            select(Post).where(Post.id.in_(
                [a.answer_post_id for a in asks.values() if a.answer_post_id])))}

    def done(kind: str, key: str, value: int) -> float:
        return next((_wall(at) for k, payload, at in jobs
                     if k == kind and _key(payload, key) == value), math.nan)

    for one in asked:
        ask = asks.get(one.question_id)
        if ask is None or ask.answer_post_id not in replies:
            continue
        if ask.state != AskState.answered:  # a refusal is quick: it would flatter the figures
            raise RuntimeError(f"the assistant {ask.state} a question of the bench "
                               f"({ask.reason}): {ask.question!r} → {ask.answer!r}")
        seen = one.posted_at + one.seconds
        marks = [one.posted_at, done("assistant.asked", "post_id", one.question_id),
                 done("assistant.answer", "ask_id", ask.id)]
        if one.kind == "drawing" and ask.generation_id in made:
            generation = made[ask.generation_id]
            marks += [_wall(generation.started_at), _wall(generation.finished_at),
                      done("assistant.drawn", "ask_id", ask.id)]
        marks.append(seen)
        steps = [b - a for a, b in zip(marks, marks[1:], strict=False)]
        wanted = len(STEPS if one.kind == "drawing" else TEXT_STEPS)
        if len(steps) == wanted and not any(math.isnan(s) for s in steps):
            one.steps = steps
    return sorted({f"{g.width}×{g.height}" for g in made.values()})


def _key(payload: Any, key: str) -> int | None:
    try:
        return int(payload[key])
    except (KeyError, TypeError, ValueError):
        return None
