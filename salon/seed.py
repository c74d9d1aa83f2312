"""`salon seed`: demo people who follow each other, posts with pictures, replies, likes,
reposts, quotes, polls and hashtags, so a new visitor sees a lively site. Running it again
adds nothing that is already there."""

from __future__ import annotations

import contextlib
import random
import secrets
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from salon import tasks
from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.db.migrate import upgrade
from salon.db.session import Database
from salon.errors import SalonError
from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.media import service as media
from salon.media.store import MediaStore, media_store
from salon.posts import interactions
from salon.posts import service as posts
from salon.posts.models import Post
from salon.posts.schemas import PollSpec
from salon.seed_art import avatar, header, picture
from salon.seed_imagine import imagine_posts
from salon.seed_text import plan
from salon.settings import Settings

PEOPLE = [
    ("ada", "Ada Okafor", "Generative artist. Plotters, palettes and patience. #generative"),
    ("bruno", "Bruno Reyes", "Architecture photographer turned prompt tinkerer."),
    ("chen", "Chen Wei", "I draw clouds for a living. Sometimes with code."),
    ("dara", "Dara Quinn", "Colour theory nerd. Ask me about #risograph."),
    ("elif", "Elif Demir", "Botanical illustration, old maps, new tools."),
    ("femi", "Femi Adeyemi", "Street scenes and neon nights. Lagos → Lisbon."),
    ("greta", "Greta Lind", "Minimalism, mostly. Scandinavian light."),
    ("hiro", "Hiro Tanaka", "Pixel art & tiny worlds. #pixelart"),
    ("ines", "Inês Costa", "Textile designer exploring patterns."),
    ("jonah", "Jonah Price", "Sci-fi book covers. Space is my favourite colour."),
    ("kavya", "Kavya Rao", "Painter. Learning to let the machine surprise me."),
    ("liam", "Liam O'Brien", "Landscape photographer. #sunset chaser."),
    ("mila", "Mila Novak", "Children's book illustrator. Foxes everywhere."),
    ("noor", "Noor Haddad", "Typography and abstract shapes. #bauhaus fan."),
    ("oskar", "Oskar Berg", "Synthwave, VHS, chrome. It's always 1987."),
    ("priya", "Priya Shah", "Data viz by day, art by night."),
    ("quentin", "Quentin Roux", "Comics, ink and the occasional robot."),
    ("rosa", "Rosa Martín", "Ceramics + digital glazes. Studio in Valencia."),
    ("sami", "Sami Virtanen", "Aurora photographer. Cold hands, warm heart."),
    ("tara", "Tara Nguyen", "Fashion sketches and mood boards."),
    ("umar", "Umar Farouk", "Calligraphy meets code. #generative"),
    ("vera", "Vera Ivanova", "Surrealist. Dreams logged nightly."),
    ("wen", "Wen Li", "Ink wash landscapes, digital and analogue."),
    ("xavi", "Xavi Puig", "Mediterranean light, in any medium."),
    ("yara", "Yara Santos", "Murals and big walls. Small sketches first."),
    ("zoe", "Zoe Müller", "Photographer. Grain is a feature. #filmisnotdead"),
]
async def _people(
    db: Database, store: MediaStore, settings: Settings, count: int, echo: Callable[[str], None]
) -> list[Account]:
    people = []
    for i, (username, name, bio) in enumerate(PEOPLE[:count]):
        async with db.transaction() as session:
            account = await accounts.find_by_username(session, username)
            if account is None:
                account = await accounts.register(
                    session, username, secrets.token_urlsafe(18), display_name=name
                )
                await accounts.update_profile(
                    session,
                    account,
                    bio=bio,
                    avatar_key=await media.store_avatar(settings, store, account.id, avatar(i + 1)),
                    header_key=await media.store_header(
                        settings, store, account.id, header(i + 101)
                    ),
                )
            people.append(account)
        echo(f"  people {i + 1}/{count}")
    return people


async def run_seed(
    settings: Settings,
    n_accounts: int = 24,
    n_posts: int = 300,
    echo: Callable[[str], None] = print,
) -> None:
    rng = random.Random(20261125)
    db = Database(settings)
    store = media_store(settings)
    try:
        if settings.is_sqlite:
            await upgrade(settings, db.engine)
        echo("Seeding demo people…")
        people = await _people(db, store, settings, min(n_accounts, len(PEOPLE)), echo)
        async with db.transaction() as session:
            existing = (
                await session.scalar(
                    select(func.count())
                    .select_from(Post)
                    .where(Post.account_id.in_([p.id for p in people]))
                )
                or 0
            )
            for person in people:
                for other in rng.sample(people, k=min(len(people) - 1, rng.randint(6, 14))):
                    # Demo people suspended or blocked since the last run are skipped.
                    if other.id != person.id:
                        with contextlib.suppress(SalonError):
                            await graph.follow(session, person.id, other.id)
        if existing:
            echo(f"Demo posts are already there ({existing}); nothing more to add.")
        else:
            await _posts(db, store, settings, people, n_posts, rng, echo)
            echo("Imagining demo pictures with the built-in engine…")
            await imagine_posts(db, settings, people, rng, echo)
        echo("Delivering to timelines…")
        done = await Worker(db, handlers=tasks.handlers()).drain()
        echo(f"Done: {len(people)} people, {done} background jobs run.")
    finally:
        await db.dispose()


async def _posts(
    db: Database,
    store: MediaStore,
    settings: Settings,
    people: list[Account],
    n_posts: int,
    rng: random.Random,
    echo: Callable[[str], None],
) -> None:
    planned = plan(rng, [(p.username, p.display_name or p.username) for p in people], n_posts)
    made: list[Post] = []
    start = utcnow() - timedelta(hours=46)
    for i, post in enumerate(planned):
        at = start + timedelta(seconds=(46 * 3600) * i / n_posts + rng.randint(0, 300))
        author = people[post.author]
        async with db.transaction() as session:
            ids = []
            for art in post.pictures:
                data = picture(art.seed, art.style, art.size, art.palette)
                item = await media.upload(session, settings, store, author.id, data, "art.png",
                                          art.alt)
                ids.append(item.id)
            made.append(await posts.create_post(
                session, author, post.text, media_ids=ids or None, created_at=at,
                in_reply_to_id=made[post.reply_to].id if post.reply_to is not None else None,
                quote_of_id=made[post.quote_of].id if post.quote_of is not None else None,
                poll=PollSpec(post.poll, expires_in=3 * 86400) if post.poll else None))
            for fan in rng.sample(people, k=min(len(people), rng.randint(0, 9))):
                if fan.id != author.id:
                    await interactions.like(session, fan, made[-1].id)
            if rng.random() < 0.03 and post.reply_to is None:
                fan = rng.choice(people)
                if fan.id != author.id:
                    await interactions.repost(session, fan, made[-1].id)
        if (i + 1) % 25 == 0 or i + 1 == n_posts:
            echo(f"  posts {i + 1}/{n_posts}")
