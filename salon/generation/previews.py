"""Pictures in progress: small WebPs of what the engine has so far, for the live view.

The worker stores each tick's previews at new keys (`preview_version` moves each time, so
viewers ask again), deletes those of two ticks before, and deletes the rest when the
generation ends. A file is never rewritten in place: a viewer still reading the last one
would get the new file's bytes under the old one's length. Keys carry a keyed hash: a
preview is as private as the generation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from PIL import Image

from salon.generation.models import Generation, State
from salon.media import images
from salon.media.store import MediaStore
from salon.settings import Settings

SIDE = 384  # pixels on the longer side: enough to see it coming, cheap to send every tick


def keys(settings: Settings, generation: Generation, version: int) -> list[str]:
    tag = hashlib.blake2b(str(generation.id).encode(), digest_size=9,
                          key=settings.secret_key.encode()[:64]).hexdigest()
    folder = f"{generation.account_id}/g{generation.id}-{tag}"
    return [f"{folder}/preview-{version}-{i}.webp" for i in range(generation.count)]


def left(settings: Settings, generation: Generation, version: int | None = None) -> list[str]:
    """The keys still stored at `version` (the generation's): the last two versions (older
    ones went as newer came)."""
    version = generation.preview_version if version is None else version
    return [key for v in (version - 1, version) if v > 0
            for key in keys(settings, generation, v)]


def encode(pictures: Sequence[Image.Image], count: int) -> list[bytes]:
    """One WebP per candidate; those not started yet (a later batch) are plain grey."""
    if not pictures:
        return []
    shown = [p.convert("RGB") for p in pictures[:count]]
    shown += [Image.new("RGB", shown[0].size, (128, 128, 128))] * (count - len(shown))
    return [images.small(p, SIDE).data for p in shown]


async def store(settings: Settings, media: MediaStore, generation: Generation,
                encoded: list[bytes]) -> None:
    """Store the next version and move `preview_version` to it; the version before the last
    goes (a viewer may still be loading the last one)."""
    version = generation.preview_version + 1
    for key, data in zip(keys(settings, generation, version), encoded, strict=False):
        await media.put(key, data, "image/webp")
    if version > 2:
        for key in keys(settings, generation, version - 2):
            await media.delete(key)
    generation.preview_version = version


def shown(settings: Settings, generation: Generation) -> list[str]:
    """The preview keys to show now (none before the first or after the end)."""
    if generation.preview_version <= 0 or generation.state != State.running:
        return []
    return keys(settings, generation, generation.preview_version)
