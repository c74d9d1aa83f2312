"""For You: posts from people the person follows and from people they don't, ranked in the
open after the public shape of X's recommender: candidate sources -> filters -> a weighted
sum of predicted engagements -> network factor, new voices, author diversity -> reasons
(sources.py, scoring.py, reasons.py). docs/feeds.md tells it in full.

A ranking of `for_you_page_size` posts is kept per person and client (feeds.models.Ranking)
so paging through it is stable: a first page ranks afresh, `max_id` continues after that
post in the kept ranking, and feedback newer than the ranking re-ranks what is not shown
yet."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.db.among import among
from salon.db.ids import utcnow
from salon.feeds import reasons, scoring, sources
from salon.feeds.models import Feedback, Ranking
from salon.feeds.reasons import Reason
from salon.filters import service as filter_service
from salon.filters.matching import FilterCache, Matcher
from salon.graph import service as graph
from salon.meaning import service as meaning
from salon.posts.models import Post, PostTag, Tag
from salon.posts.visibility import visible_to
from salon.settings import Settings
from salon.timelines.schemas import Cursor

KEPT_FOR = timedelta(days=1)  # a client's ranking not re-ranked for this long is let go
_FILTERS = FilterCache()  # the benchmark's and the web's compiled filters, by version


@dataclass
class Ranked:
    post_id: int
    score: float
    reason: Reason


@dataclass
class ForYouPage:
    posts: list[Post] = field(default_factory=list)  # in ranked order, as the person may see
    reasons: dict[int, Reason] = field(default_factory=dict)
    tags: dict[int, list[str]] = field(default_factory=dict)  # each post's tag names
    next_max_id: int | None = None  # the last post of the page, when more are ranked
    meaning: bool = True  # False: embeddings are off, ranked without similarity


async def hide_filters(session: AsyncSession, account_id: int) -> Matcher | None:
    """The person's filters of the home context (For You is read as home is)."""
    version = await filter_service.version_of(session, account_id)
    compiled = await filter_service.compiled(session, _FILTERS, account_id, version)
    return compiled.context("home")


@dataclass
class _Fresh:
    """A ranking just made, with what it read that showing its first page needs again."""

    ranked: list[Ranked]
    feedback_id: int  # the newest feedback it reflects
    hidden: set[int]  # accounts blocked either way or muted
    history: dict[int, Post]  # history posts its reasons may quote
    tags: dict[int, list[str]]  # each ranked post's tag names


async def _rank(session: AsyncSession, settings: Settings, account_id: int,
                shown: set[int]) -> _Fresh:
    """A fresh ranking, less the posts in `shown`."""
    me = await sources.person(session, settings, account_id)
    me.seen |= shown
    found = await sources.candidates(session, settings, me)
    cands = await sources.eligible(session, me, found, await hide_filters(session, account_id))
    vectors = await meaning.vectors(session, settings, [c.post.id for c in cands])
    engaged = await sources.engagers(session, me, [c.post.id for c in cands])
    # Scoring hundreds of candidates is pure CPU over rows already read: off the event loop.
    best = await asyncio.to_thread(_score, me, cands, vectors, engaged, settings)
    named = await accounts.get_many(session, {a for s in best for a, _ in s.engagers[:1]})
    history = await sources.history_posts(
        session, me, {s.features.match for s in best if s.features.match is not None})
    trending = set((await sources.shared(session, settings, me.floor)).tags)
    return _Fresh([Ranked(s.candidate.post.id, round(s.final, 6),
                          reasons.explain(s, named, history, trending)) for s in best],
                  me.feedback_id, me.hidden, history,
                  {s.candidate.post.id: sorted(s.candidate.tags.values()) for s in best})


def _score(me: sources.Person, cands: list[sources.Candidate],
           vectors: dict[int, np.ndarray], engaged: dict[int, list[tuple[int, str]]],
           settings: Settings) -> list[scoring.Scored]:
    """Features, predicted engagements, the weighted sum and the mixing rules: the best
    `for_you_page_size`, best first."""
    scored = []
    for c, f in zip(cands, scoring.features(me, cands, vectors, engaged), strict=True):
        predicted = scoring.predict(f)
        scored.append(scoring.Scored(c, f, predicted, scoring.weighted(predicted, settings),
                                     engagers=engaged.get(c.post.id, [])))
    return scoring.rank(scored, settings)[:settings.for_you_page_size]


async def rank(session: AsyncSession, settings: Settings, account_id: int) -> list[Ranked]:
    """A fresh For You ranking for the account, best first (nothing is kept)."""
    return (await _rank(session, settings, account_id, set())).ranked


def _kept(ranked: list[Ranked]) -> list[list[object]]:
    return [[r.post_id, r.score, r.reason.kept()] for r in ranked]


def _from_kept(entries: list[list[object]]) -> list[Ranked]:
    return [Ranked(int(str(e[0])), float(str(e[1])), Reason.from_kept(e[2]))  # type: ignore[arg-type]
            for e in entries]


async def _keep(session: AsyncSession, account_id: int, client: str, row: Ranking | None,
                ranked: list[Ranked], feedback_id: int) -> None:
    if row is None:
        # A new client's first page: the person's rankings of a day ago are not paged any
        # more (clients signed out, tokens revoked), and go.
        await session.execute(delete(Ranking).where(
            Ranking.account_id == account_id, Ranking.made_at < utcnow() - KEPT_FOR))
        row = Ranking(account_id=account_id, client=client, made_at=utcnow(), entries=[],
                      feedback_id=0)
        session.add(row)
    row.made_at, row.entries, row.feedback_id = utcnow(), _kept(ranked), feedback_id
    await session.flush()


async def page(session: AsyncSession, settings: Settings, account_id: int,
               cursor: Cursor, *, client: str = "") -> ForYouPage:
    """A page of For You. No max_id: rank afresh and keep the ranking (one per `client`,
    the web sign-in or access token paging it). max_id: continue after that post in the
    kept ranking (re-ranking what is not shown yet when there is newer feedback); a post not
    in it ends the feed. since_id / min_id: an empty page (a ranked feed has nothing "newer"
    to add above what was shown)."""
    result = ForYouPage(meaning=await meaning.model(settings) is not None)
    if cursor.since_id is not None or cursor.min_id is not None:
        return result
    kept = await session.get(Ranking, (account_id, client))
    fresh = None
    if cursor.max_id is None or kept is None:
        if cursor.max_id is not None:
            return result  # nothing kept to continue
        fresh = await _rank(session, settings, account_id, set())
        ranked = fresh.ranked
        await _keep(session, account_id, client, kept, ranked, fresh.feedback_id)
        start = 0
    else:
        ranked = _from_kept(kept.entries)
        ids = [r.post_id for r in ranked]
        if cursor.max_id not in ids:
            return result
        start = ids.index(cursor.max_id) + 1
        newest = await session.scalar(select(func.max(Feedback.id))
                                      .where(Feedback.account_id == account_id)) or 0
        if kept.feedback_id != newest:
            rest = await _rank(session, settings, account_id, set(ids[:start]))
            ranked = ranked[:start] + rest.ranked[:max(settings.for_you_page_size - start, 0)]
            await _keep(session, account_id, client, kept, ranked, rest.feedback_id)
    chosen = ranked[start:start + cursor.limit]
    if start + cursor.limit < len(ranked) and chosen:
        result.next_max_id = chosen[-1].post_id
    await _shown(session, account_id, chosen, result, fresh)
    return result


async def _shown(session: AsyncSession, account_id: int, chosen: list[Ranked],
                 result: ForYouPage, fresh: _Fresh | None) -> None:
    """The page's posts as the person may see them now (a kept ranking may hold a post
    deleted or an account blocked since), with reasons reworded where what they named is
    no longer to be seen. A ranking made in this request (`fresh`) has just read who is
    hidden, the history posts and the tags."""
    if not chosen:
        return
    posts = {p.id: p for p in await session.scalars(select(Post).where(
        among(Post.id, [r.post_id for r in chosen]), visible_to(account_id)))}
    if fresh is not None:
        hidden, history = fresh.hidden, fresh.history
    else:
        hidden = set(await session.scalars(graph.hidden_author_ids(account_id)))
        named = {i for r in chosen for i in r.reason.names}
        if named:
            hidden |= set(await session.scalars(select(Account.id).where(
                among(Account.id, named), Account.suspended_at.is_not(None))))
        history = await sources.history_posts(
            session, sources.Person(account_id, 0),
            {r.reason.post for r in chosen if r.reason.post is not None})
    for r in chosen:
        post = posts.get(r.post_id)
        if post is None or post.account_id in hidden:
            continue
        result.posts.append(post)
        result.reasons[post.id] = reasons.still_true(r.reason, hidden, set(history))
    if fresh is not None:
        result.tags = {p.id: fresh.tags[p.id] for p in result.posts if fresh.tags.get(p.id)}
    elif result.posts:
        for post_id, name in await session.execute(
                select(PostTag.post_id, Tag.name).join(Tag, Tag.id == PostTag.tag_id)
                .where(among(PostTag.post_id, [p.id for p in result.posts]))
                .order_by(Tag.name)):
            result.tags.setdefault(post_id, []).append(name)
