"""Previews are never rewritten in place: a viewer still loading the last one would get the
new file's bytes under the old one's Content-Length (Chromium: ERR_CONTENT_LENGTH_MISMATCH)."""

from __future__ import annotations

from salon.generation import previews
from salon.generation.models import Generation
from salon.media.store import media_store
from salon.settings import Settings
from tests.conftest import stored


async def test_each_tick_gets_new_keys_and_the_one_before_last_goes(settings: Settings) -> None:
    store = media_store(settings)
    generation = Generation(id=123, account_id=7, count=2, preview_version=0)
    seen: list[list[str]] = []
    for tick in range(1, 5):
        await previews.store(settings, store, generation, [b"a%d" % tick, b"b%d" % tick])
        assert generation.preview_version == tick
        seen.append(previews.keys(settings, generation, tick))
        assert [await store.get(key) for key in seen[-1]] == [b"a%d" % tick, b"b%d" % tick]
    assert len({key for keys in seen for key in keys}) == 8  # no key written twice
    for keys in seen[:2]:  # two ticks back: gone
        assert not [key for key in keys if await stored(store, key)]
    assert sorted(previews.left(settings, generation)) == sorted(seen[2] + seen[3])
    for key in seen[2] + seen[3]:
        assert await stored(store, key)
