"""Pictures in progress: small WebPs of what the engine has so far, for the live view.

The worker stores them at fixed keys per generation and candidate (overwritten as the engine
goes on; `preview_version` moves each time, so viewers ask again) and deletes them when the
generation ends. Keys carry a keyed hash: a preview is as private as the generation.
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


def keys(settings: Settings, generation: Generation) -> list[str]:
    tag = hashlib.blake2b(str(generation.id).encode(), digest_size=9,
                          key=settings.secret_key.encode()[:64]).hexdigest()
    folder = f"{generation.account_id}/g{generation.id}-{tag}"
    return [f"{folder}/preview-{i}.webp" for i in range(generation.count)]


def encode(pictures: Sequence[Image.Image], count: int) -> list[bytes]:
    """One WebP per candidate; those not started yet (a later batch) are plain grey."""
    if not pictures:
        return []
    shown = [p.convert("RGB") for p in pictures[:count]]
    shown += [Image.new("RGB", shown[0].size, (128, 128, 128))] * (count - len(shown))
    return [images.small(p, SIDE).data for p in shown]


async def store(settings: Settings, media: MediaStore, generation: Generation,
                encoded: list[bytes]) -> None:
    for key, data in zip(keys(settings, generation), encoded, strict=False):
        await media.put(key, data, "image/webp")


def shown(settings: Settings, generation: Generation) -> list[str]:
    """The preview keys to show now (none before the first or after the end)."""
    if generation.preview_version <= 0 or generation.state != State.running:
        return []
    return keys(settings, generation)
