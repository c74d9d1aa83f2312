"""A property of every export: over random consent (each person, each kind) and random
suspensions, every exported item is of a person in good standing who consented to its kind,
and every such item is there; flipping one person's consent to one kind changes exactly
that person's items of that kind in the next export; and nothing of what a person did not
consent to appears in any file: not in a column, not inside a picture's bytes (PNG text
chunks, C2PA), not in the card or the manifest. (The export has two guards: its queries
read consent, and before it finishes it takes out the rows of anyone included who does not
consent now; this checks what comes out, so it fails only when both fail.)"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.datasets import service as consent
from salon.datasets.export.run import export
from salon.datasets.schemas import KINDS
from salon.db.ids import utcnow
from salon.db.session import Database
from salon.jobs.worker import Worker
from salon.settings import Settings
from tests.conftest import People
from tests.datasets.population import Person, populate

NAMES = ["zelda", "quinn", "yusuf", "wanda"]
Choice = tuple[dict[str, bool], bool]  # (consent per kind, suspended)
person_choice = st.tuples(st.fixed_dictionaries({k: st.booleans() for k in KINDS}),
                          st.booleans())


class World:
    """The population (made once per test) and what each export holds of it."""

    def __init__(self, people: list[Person], tmp: Path) -> None:
        self.people = people
        self.tmp = tmp
        self.counter = itertools.count()

    async def apply(self, session: AsyncSession, choices: list[Choice]) -> None:
        for person, (kinds, suspended) in zip(self.people, choices, strict=True):
            await consent.set_consent(session, person.account.id, kinds)
            await session.execute(update(Account).where(Account.id == person.account.id)
                                  .values(suspended_at=utcnow() if suspended else None))
        await session.commit()

    async def export(self, db: Database, settings_: Settings) -> tuple[Path, dict[str, Any]]:
        folder = self.tmp / f"export-{next(self.counter)}"
        await export(db, settings_, folder)
        found: dict[str, Any] = {"images": {}, "preferences": set(), "posts": set()}
        for part in found:
            for shard in sorted((folder / "data" / part).glob("*.parquet")):
                for row in pq.read_table(shard).to_pylist():
                    if part == "images":
                        found[part][row["image_id"]] = row["source"]
                    elif part == "preferences":
                        found[part].add((row["best_image_uid"], row["image_0_uid"],
                                         row["image_1_uid"]))
                    else:
                        found[part].add(row["id"])
        return folder, found

    def expected(self, choices: list[Choice]) -> dict[str, Any]:
        """What an export must hold, from the population and the choices alone."""
        images: dict[str, str] = {}
        pairs: set[tuple[str, ...]] = set()
        texts: set[str] = set()
        for person, (kinds, suspended) in zip(self.people, choices, strict=True):
            if suspended:
                continue
            if kinds["generated"]:
                images |= {str(i): "generated" for i in person.generated_ids}
            if kinds["uploads"]:
                images |= {str(i): "uploaded" for i in person.upload_ids}
            if kinds["posts"]:
                texts |= {str(i) for i in person.public_text_ids}
            if kinds["choices"] and kinds["generated"]:
                won, lost = str(person.candidate_ids[0]), str(person.candidate_ids[2])
                pairs.add((won, *sorted((won, lost))))
        return {"images": images, "preferences": pairs, "posts": texts}


def normalized(found: dict[str, Any]) -> dict[str, Any]:
    """Pairs compared whichever side the chosen picture was drawn on."""
    return {**found, "preferences": {(best, *sorted((a, b)))
                                     for best, a, b in found["preferences"]}}


def every_byte(folder: Path) -> bytes:
    """All an export's files hold, decoded where compressed: each cell as text and each
    picture's own bytes, the card and the manifest."""
    parts: list[bytes] = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".parquet":
            for row in pq.read_table(path).to_pylist():
                for value in row.values():
                    if isinstance(value, dict):  # a picture: its bytes as stored
                        parts.append(value["bytes"])
                    else:
                        parts.append(str(value).encode())
        elif path.is_file():
            parts.append(path.read_bytes())
    return b"\n".join(parts)


@pytest.fixture
async def world(session: AsyncSession, settings: Settings, worker: Worker, people: People,
                tmp_path: Path) -> World:
    made = await populate(session, settings, worker, people, NAMES)
    return World(made, tmp_path)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choices=st.lists(person_choice, min_size=len(NAMES), max_size=len(NAMES)),
       flip=st.tuples(st.integers(0, len(NAMES) - 1), st.sampled_from(KINDS)))
async def test_exports_hold_exactly_what_people_consented_to(
        world: World, session: AsyncSession, db: Database, settings: Settings,
        choices: list[Choice], flip: tuple[int, str]) -> None:
    await world.apply(session, choices)
    folder, found = await world.export(db, settings)
    assert normalized(found) == world.expected(choices)

    everything = every_byte(folder)
    for person, (kinds, suspended) in zip(world.people, choices, strict=True):
        assert person.account.username.encode() not in everything  # no handle, ever
        assert f"{person.marker}-private".encode() not in everything
        for kind, word in person.words.items():
            if suspended or not kinds[kind]:
                assert word.encode() not in everything, (person.account.username, kind)

    # One person changes their mind about one kind: exactly their items of it change.
    who, kind = flip
    flipped = [(dict(k), s) for k, s in choices]
    flipped[who][0][kind] = not flipped[who][0][kind]
    await world.apply(session, flipped)
    _, after = await world.export(db, settings)
    assert normalized(after) == world.expected(flipped)
    person = world.people[who]
    changed_images = set(found["images"]) ^ set(after["images"])
    changed_texts = found["posts"] ^ after["posts"]
    if kind == "generated":
        assert changed_images <= {str(i) for i in person.generated_ids}
    elif kind == "uploads":
        assert changed_images <= {str(i) for i in person.upload_ids}
    else:
        assert not changed_images
    assert changed_texts <= {str(i) for i in person.public_text_ids}
    if kind != "posts":
        assert not changed_texts
