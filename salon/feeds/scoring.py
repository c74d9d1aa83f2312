"""For You's score, in the open: simple features of each candidate predict the chance of each
engagement (like, repost, reply, profile click, remix, negative feedback, report), and the
score is their sum weighted as X's heavy ranker weighs them (settings for_you_weight_*).
Then, as X's home mixer does: a factor for out-of-network posts, a boost for new voices, and
author diversity (each repeat of an author on the page weighs less, down to a floor)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from salon.db.ids import utcnow
from salon.feeds.sources import Candidate, Person
from salon.settings import Settings

TOP_K = 3  # the history items whose mean similarity counts beside the best one
NEW_VOICE_DAYS = 14
NEW_VOICE_POSTS = 5
# Cosine similarities of MiniLM between unrelated texts sit near 0.1 and between texts on
# one subject above 0.5: taste maps that span onto 0..1.
TASTE_FROM, TASTE_SPAN = 0.15, 0.55
RELATED_FROM, RELATED_SPAN = 0.3, 0.5
GRAVITY = 1.5  # popularity's time decay, as timelines.service.rank_score


@dataclass
class Features:
    taste: float = 0.0  # 0..1: how like the person's history it is
    match: int | None = None  # the history item it is most like
    match_kind: str = ""
    social: int = 0  # followed accounts who liked or reposted it
    affinity: int = 0  # how many of the author's posts the person liked
    popularity: float = 0.0  # 0..1 among the candidates, engagement decayed by age
    in_network: bool = False
    less: float = 0.0  # 0..1: like something the person wanted less of
    more: float = 0.0  # 0..1: like something they wanted more of
    new_voice: bool = False
    has_media: bool = False


@dataclass
class Prediction:
    like: float
    repost: float
    reply: float
    profile_click: float
    remix: float
    negative: float
    report: float


@dataclass
class Scored:
    candidate: Candidate
    features: Features
    prediction: Prediction
    score: float  # the weighted sum
    final: float = 0.0  # after the network factor, new-voice boost and author diversity
    engagers: list[tuple[int, str]] = field(default_factory=list)


def _clip(value: float) -> float:
    return max(0.0, min(1.0, value))


def _cosines(vector: np.ndarray | None, others: list[np.ndarray]) -> np.ndarray:
    if vector is None or not others:
        return np.zeros(0, np.float32)
    return np.stack(others).astype(np.float32) @ vector.astype(np.float32)


def _related(c: Candidate, vector: np.ndarray | None, post_ids: list[int],
             me: Person) -> float:
    """How like these feedback posts the candidate is: by meaning where there are
    vectors, and always by author (0.6) and shared tag (0.4), so feedback works with
    embeddings off too."""
    best = 0.0
    sims = _cosines(vector, [me.vectors[i] for i in post_ids if i in me.vectors])
    if len(sims):
        best = _clip((float(sims.max()) - RELATED_FROM) / RELATED_SPAN)
    for i in post_ids:
        author, tags = me.feedback_posts.get(i, (0, frozenset()))
        if author == c.author.id:
            best = max(best, 0.6)
        if tags & c.tags.keys():
            best = max(best, 0.4)
    return best


def features(me: Person, cands: list[Candidate], vectors: dict[int, np.ndarray],
             engaged: dict[int, list[tuple[int, str]]], now: datetime | None = None
             ) -> list[Features]:
    now = now or utcnow()
    history = [h for h in me.history if h.post_id in me.vectors]
    matrix = (np.stack([me.vectors[h.post_id] for h in history]).astype(np.float32)
              if history else None)
    raw_pop = [_popularity(c, now) for c in cands]
    top_pop = max(raw_pop, default=0.0) or 1.0
    # Taste for every candidate with a vector at once: one product with the history, then
    # the best match and the mean of the top few per candidate (a loop of small numpy
    # calls cost 30 ms for 600 candidates).
    tastes: dict[int, tuple[float, int]] = {}
    with_vector = [c.post.id for c in cands if c.post.id in vectors]
    if matrix is not None and with_vector:
        sims = np.stack([vectors[i] for i in with_vector]).astype(np.float32) @ matrix.T
        best = sims.argmax(axis=1)
        k = min(TOP_K, sims.shape[1])
        top = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:].mean(axis=1)
        score = (0.7 * sims[np.arange(len(best)), best] + 0.3 * top - TASTE_FROM) / TASTE_SPAN
        tastes = {i: (_clip(float(t)), int(b)) for i, t, b in zip(with_vector, score, best,
                                                                  strict=True)}
    found = []
    for c, pop in zip(cands, raw_pop, strict=True):
        f = Features(in_network=c.author.id in me.followed,
                     social=len(engaged.get(c.post.id, [])),
                     affinity=me.liked_authors.get(c.author.id, 0),
                     popularity=pop / top_pop, has_media=c.has_media,
                     new_voice=_new_voice(c, now))
        vector = vectors.get(c.post.id)
        if c.post.id in tastes:
            f.taste, best_row = tastes[c.post.id]
            f.match, f.match_kind = history[best_row].post_id, history[best_row].kind
        f.less = _related(c, vector, me.less, me)
        f.more = _related(c, vector, me.more, me)
        found.append(f)
    return found


def _popularity(c: Candidate, now: datetime) -> float:
    p = c.post
    engagement = p.likes_count + 2 * p.reposts_count + 3 * p.remixes_count + p.replies_count
    age_hours = max(0.0, (now - p.created_at).total_seconds() / 3600)
    return math.log1p(engagement) / (age_hours + 2) ** GRAVITY


def _new_voice(c: Candidate, now: datetime) -> bool:
    return (now - c.author.created_at < timedelta(days=NEW_VOICE_DAYS)
            or c.author.posts_count < NEW_VOICE_POSTS)


def predict(f: Features) -> Prediction:
    """Chances of each engagement from the features: a hand-set linear model, small enough
    to read (docs/feeds.md explains each term)."""
    social = min(f.social, 5) / 5
    affinity = min(f.affinity, 5) / 5
    network = 1.0 if f.in_network else 0.0
    like = _clip(0.02 + 0.40 * f.taste + 0.25 * social + 0.15 * affinity
                 + 0.10 * f.popularity + 0.05 * network + 0.20 * f.more - 0.30 * f.less)
    return Prediction(
        like=like,
        repost=0.3 * like * (0.5 + 0.5 * social),
        reply=_clip(0.005 + 0.02 * network + 0.02 * affinity + 0.01 * f.taste),
        profile_click=_clip(0.005 + 0.02 * f.taste * (1 - network)
                            + (0.01 if f.new_voice else 0.0)),
        remix=(0.005 + 0.02 * f.taste) if f.has_media else 0.0,
        negative=_clip(0.002 + 0.30 * f.less),
        report=0.0,  # no signal predicts a report yet; kept so the weight stays visible
    )


def weighted(p: Prediction, settings: Settings) -> float:
    return (settings.for_you_weight_like * p.like
            + settings.for_you_weight_repost * p.repost
            + settings.for_you_weight_reply * p.reply
            + settings.for_you_weight_profile_click * p.profile_click
            + settings.for_you_weight_remix * p.remix
            + settings.for_you_weight_negative * p.negative
            + settings.for_you_weight_report * p.report)


def _scaled(score: float, factor: float) -> float:
    """A factor below 1 lowers a post, whichever the sign of its score."""
    return score * factor if score > 0 else score / factor if factor else score


def rank(scored: list[Scored], settings: Settings) -> list[Scored]:
    """Best first, after the network factor, the new-voice boost and author diversity."""
    for s in scored:
        factor = 1.0 if s.features.in_network else settings.for_you_out_of_network
        if s.features.new_voice:
            factor *= settings.for_you_new_voice
        s.final = _scaled(s.score, factor)
    scored.sort(key=lambda s: (s.final, s.candidate.post.id), reverse=True)
    repeats: dict[int, int] = {}
    for s in scored:
        author = s.candidate.author.id
        n = repeats.get(author, 0)
        repeats[author] = n + 1
        s.final = _scaled(s.final, max(settings.for_you_author_floor,
                                       settings.for_you_author_decay ** n))
    scored.sort(key=lambda s: (s.final, s.candidate.post.id), reverse=True)
    return scored
