"""Deterministic randomness for the sketch engine.

Every random choice comes from a named stream: a numpy PCG64 generator seeded from a SHA-256
of (engine, stream name, seed). Streams are per element ("mountains", "stars"...), so adding a
word to a prompt does not reshuffle the rest of the picture.

A variation (subseed with a strength) draws every value from both the seed's stream and the
subseed's stream, in lockstep, and blends them: uniforms linearly, normals on the circle
(so noise keeps its variance), by strength**1.5 so small strengths stay subtle. Discrete
choices (how many clouds, which roof) keep the seed's answer below strength 0.5 and take the
subseed's above. Strength 0 uses the seed's stream alone, bit for bit.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray
from PIL import Image

F32 = NDArray[np.float32]
T = TypeVar("T")

ENGINE_SALT = "salon-sketch-1"


def digest(*parts: object) -> int:
    """A stable 128-bit integer for the parts (never Python's salted hash())."""
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:16], "big")


def unit(*parts: object) -> float:
    """A stable number in [0, 1) for the parts."""
    return digest(*parts) / float(1 << 128)


def _generator(*parts: object) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(digest(ENGINE_SALT, *parts)))


class Stream:
    """One named source of random numbers, optionally blended with a subseed's."""

    def __init__(self, name: str, seed: int, subseed: int | None = None,
                 mix: float = 0.0) -> None:
        self._main = _generator(name, seed)
        strength = min(1.0, max(0.0, float(mix)))
        self._mix = strength**1.5
        self._swap = strength >= 0.5
        self._sub = _generator(name, subseed) if subseed is not None and strength > 0 else None

    def rand(self, n: int) -> NDArray[np.float64]:
        a = self._main.random(n)
        if self._sub is None:
            return a
        b = self._sub.random(n)
        return a + (b - a) * self._mix

    def _discrete(self) -> float:
        a = float(self._main.random())
        if self._sub is None:
            return a
        b = float(self._sub.random())
        return b if self._swap else a

    def u(self, lo: float = 0.0, hi: float = 1.0) -> float:
        return lo + (hi - lo) * float(self.rand(1)[0])

    def us(self, n: int, lo: float = 0.0, hi: float = 1.0) -> NDArray[np.float64]:
        return lo + (hi - lo) * self.rand(n)

    def i(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi)."""
        return min(hi - 1, lo + int(self._discrete() * (hi - lo)))

    def pick(self, items: Sequence[T]) -> T:
        return items[self.i(0, len(items))]

    def chance(self, p: float) -> bool:
        return self._discrete() < p

    def normal(self, shape: tuple[int, ...]) -> F32:
        a = self._main.standard_normal(shape, dtype=np.float32)
        if self._sub is None:
            return a
        b = self._sub.standard_normal(shape, dtype=np.float32)
        angle = self._mix * math.pi / 2
        return (a * math.cos(angle) + b * math.sin(angle)).astype(np.float32)

    def grain(self, h: int, w: int) -> F32:
        """Fast per-pixel noise, uniform in [-1, 1] (from raw bytes; blended on the circle
        for variations)."""
        a = np.frombuffer(self._main.bytes(h * w), np.uint8).reshape(h, w).astype(np.float32)
        a = a * np.float32(1 / 127.5) - np.float32(1.0)
        if self._sub is None:
            return a
        b = np.frombuffer(self._sub.bytes(h * w), np.uint8).reshape(h, w).astype(np.float32)
        b = b * np.float32(1 / 127.5) - np.float32(1.0)
        angle = self._mix * math.pi / 2
        return a * np.float32(math.cos(angle)) + b * np.float32(math.sin(angle))

    def field(self, w: int, h: int, cells: float, octaves: int = 3,
              falloff: float = 0.5) -> F32:
        """Smooth value noise of size (h, w), roughly in [-1, 1]; `cells` across the long side
        for the first octave, doubling each octave."""
        total = np.zeros((h, w), np.float32)
        amp, norm = 1.0, 0.0
        long_side = max(w, h)
        for k in range(octaves):
            c = cells * (2**k)
            gw = max(2, round(c * w / long_side) + 2)
            gh = max(2, round(c * h / long_side) + 2)
            grid = self.normal((gh, gw))
            img = Image.fromarray(grid, "F").resize((w, h), Image.Resampling.BICUBIC)
            total += np.asarray(img, np.float32) * amp
            norm += amp
            amp *= falloff
        return total * np.float32(0.6 / norm)

    def profile(self, n: int, cells: float, octaves: int = 4, falloff: float = 0.5,
                smooth: bool = True) -> NDArray[np.float64]:
        """A 1-D fractal line of n samples, roughly in [-1, 1] (ridges, shorelines)."""
        x = np.linspace(0.0, 1.0, n)
        out = np.zeros(n)
        amp, norm = 1.0, 0.0
        for k in range(octaves):
            c = max(2, round(cells * (2**k)) + 1)
            pts = self.us(c, -1.0, 1.0)
            xs = np.linspace(0.0, 1.0, c)
            if smooth:
                pos = x * (c - 1)
                i0 = np.minimum(pos.astype(int), c - 2)
                t = pos - i0
                t = t * t * (3 - 2 * t)
                out += (pts[i0] * (1 - t) + pts[i0 + 1] * t) * amp
            else:
                out += np.interp(x, xs, pts) * amp
            norm += amp
            amp *= falloff
        return out / norm


class Streams:
    """Makes the named streams for one picture."""

    def __init__(self, seed: int, salt: str, subseed: int | None, mix: float) -> None:
        self.seed, self.salt, self.subseed, self.mix = seed, salt, subseed, mix

    def __call__(self, name: str) -> Stream:
        sub = None if self.subseed is None else self.subseed
        return Stream(f"{self.salt}/{name}", self.seed, sub, self.mix)
