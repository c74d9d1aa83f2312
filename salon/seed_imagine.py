"""Demo pictures made with Imagine: the seeded people generate with the built-in engine, post
what they picked with its recipe, and remix each other, so Explore has something to show."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from salon import tasks
from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.db.session import Database
from salon.generation import service as generation
from salon.generation.schemas import GenerationSpec
from salon.jobs.worker import Worker
from salon.posts import interactions
from salon.posts import service as posts
from salon.posts.models import Post
from salon.settings import Settings

# (who, prompt, style, aspect, what they wrote)
PICTURES = [
    ("ada", "a lighthouse at sunset over a calm sea", "watercolor", "3:2",
     "Old favourite, new preset. #generative"),
    ("femi", "neon city at night with a full moon", "neon", "1:1",
     "Lisbon never looks like this. I wish it did. #neon"),
    ("hiro", "a castle on a green hill under a blue sky", "pixel art", "1:1",
     "Tiny castle for a tiny game. #pixelart"),
    ("sami", "aurora over snowy mountains and a frozen lake at night", "", "16:9",
     "Closest I've got to the real thing this winter."),
    ("jonah", "space with a ringed planet, stars and a purple nebula", "", "2:3",
     "Cover sketch for a book that doesn't exist yet. #scifi"),
    ("greta", "minimal red sun over a pale sea", "minimal", "1:1", "Less. #minimal"),
    ("wen", "misty mountains and pine trees at dawn", "ink", "2:3",
     "Ink wash, the lazy way. #inkwash"),
    ("kavya", "a field of red poppies under a stormy sky", "oil", "3:2",
     "Let it surprise me, I said. It did."),
    ("mila", "a forest at dusk with fireflies and a river", "", "3:2",
     "Somewhere a fox lives here. #illustration"),
    ("oskar", "a desert at sunset with a chrome road and palm trees", "neon", "16:9",
     "It's always 1987. #synthwave"),
    ("elif", "pink flowers in a quiet garden at noon", "pastel", "1:1",
     "Botanical mood board for spring."),
    ("xavi", "a sunny beach with a sailboat and turquoise sea", "", "3:2",
     "Mediterranean light, always. #sunset"),
]
# (who, index of the picture remixed, new prompt, style, what they wrote)
REMIXES = [
    ("liam", 0, "a lighthouse at night under the stars over a calm sea", "watercolor",
     "Remixed @ada's lighthouse: had to see it after dark."),
    ("oskar", 2, "a castle on a purple hill under a neon night sky", "neon",
     "@hiro your castle needed more neon."),
    ("chen", 5, "minimal blue moon over a pale sea", "minimal", "Same calm, other light."),
]


async def _picture(db: Database, settings: Settings, who: Account, spec: GenerationSpec,
                   text: str, at_hours_ago: float, rng: random.Random,
                   people: list[Account]) -> Post | None:
    async with db.transaction() as session:
        made = await generation.request(session, settings, who, spec)
    await Worker(db, handlers=tasks.handlers()).drain()
    async with db.transaction() as session:
        views = (await generation.candidates(session, [made.id]))[made.id]
        picked = [v.media.id for v in views if v.media is not None][:1]
        if not picked:
            return None
        post = await posts.create_post(session, who, text, media_ids=picked,
                                       created_at=utcnow() - timedelta(hours=at_hours_ago))
        for fan in rng.sample(people, k=min(len(people), rng.randint(2, 12))):
            if fan.id != who.id:
                await interactions.like(session, fan, post.id)
        return post


async def imagine_posts(db: Database, settings: Settings, people: list[Account],
                        rng: random.Random, echo: Callable[[str], None]) -> None:
    by_name = {p.username: p for p in people}
    made: list[Post | None] = []
    for i, (who, prompt, style, aspect, text) in enumerate(PICTURES):
        author = by_name.get(who)
        if author is None:
            made.append(None)
            continue
        spec = GenerationSpec(prompt, count=2, aspect=aspect, style=style, seed=4000 + i)
        made.append(await _picture(db, settings, author, spec, text, 30 - i * 2, rng, people))
        echo(f"  pictures {i + 1}/{len(PICTURES)}")
    for j, (who, index, prompt, style, text) in enumerate(REMIXES):
        author, source = by_name.get(who), made[index]
        if author is None or source is None:
            continue
        spec = GenerationSpec(prompt, count=2, style=style, seed=5000 + j,
                              aspect=PICTURES[index][3], remix_of_id=source.id)
        await _picture(db, settings, author, spec, text, 6 - j, rng, people)
    echo(f"  remixes {len(REMIXES)}")
