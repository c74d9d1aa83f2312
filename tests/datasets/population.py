"""A small population for export tests: each person posts text (with a mention of someone
else), a generated picture (leaving candidates unposted: a pick), an uploaded picture, a
followers-only post, a post with its recipe hidden, a reply, and likes and reposts others'
work; each carries a marker word in everything they write, so that a test can look for any
trace of them in an export."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.jobs.worker import Worker
from salon.media import service as media
from salon.media.store import media_store
from salon.posts import interactions
from salon.posts import service as posts
from salon.settings import Settings
from tests.conftest import People
from tests.generation.helpers import generate


def png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), colour).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Person:
    account: Account
    marker: str  # in all they write: marker-text in posts, -prompt, -alt

    @property
    def words(self) -> dict[str, str]:
        """Per kind of data, the word that shows any of it is in a file."""
        return {"posts": f"{self.marker}-text", "generated": f"{self.marker}-prompt",
                "uploads": f"{self.marker}-alt"}
    post_ids: list[int] = field(default_factory=list)  # public posts: picture, upload, reply
    public_text_ids: list[int] = field(default_factory=list)  # every public post with text
    generated_ids: list[int] = field(default_factory=list)  # media of public posts
    upload_ids: list[int] = field(default_factory=list)
    private_ids: list[int] = field(default_factory=list)  # media and posts never exported
    candidate_ids: list[int] = field(default_factory=list)  # media of every candidate


async def populate(session: AsyncSession, settings: Settings, worker: Worker, people: People,
                   names: list[str]) -> list[Person]:
    made: list[Person] = []
    store = media_store(settings)
    for i, name in enumerate(names):
        account = await people.make(name)
        person = Person(account, f"mk{i}q")  # no username inside: those must never show
        made.append(person)
        pictures = await generate(session, settings, worker, account,
                                  f"a lighthouse {person.marker}-prompt", count=3)
        person.candidate_ids = [m.id for m in pictures]
        shown = await posts.create_post(session, account, f"Lighthouse {person.marker}-text",
                                        media_ids=[pictures[0].id])
        person.post_ids.append(shown.id)
        person.generated_ids.append(pictures[0].id)
        hidden = await posts.create_post(session, account, f"Secret {person.marker}-text",
                                         media_ids=[pictures[1].id], recipe_hidden=True)
        person.private_ids.append(pictures[1].id)
        person.public_text_ids.append(hidden.id)  # its text is public; its recipe is not
        upload = await media.upload(session, settings, store, account.id,
                                    png((40 * i % 255, 90, 200)), "a.png",
                                    f"alt {person.marker}-alt")
        uploaded = await posts.create_post(session, account, f"Upload {person.marker}-text",
                                           media_ids=[upload.id])
        person.post_ids.append(uploaded.id)
        person.upload_ids.append(upload.id)
        quiet = await posts.create_post(session, account, f"Friends only {person.marker}-private",
                                        visibility="private")
        person.private_ids.append(quiet.id)
        if made[:-1]:
            other = made[i - 1]
            said = await posts.create_post(
                session, account, f"@{other.account.username} hello {person.marker}-text",
                in_reply_to_id=other.post_ids[0])
            person.post_ids.append(said.id)
            await interactions.like(session, account, other.post_ids[0])
            await interactions.repost(session, account, other.post_ids[1])
        person.public_text_ids += person.post_ids
        await session.commit()
    await worker.drain()
    return made
