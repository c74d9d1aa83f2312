"""Procedural pictures for demo content: avatars, headers and post images drawn with
Pillow from a seed, so demo content needs no downloads and looks the same every time."""

from __future__ import annotations

import io
import math
import random

from PIL import Image, ImageDraw, ImageFilter

PALETTES = [
    ["#0f172a", "#f97316", "#facc15", "#fb7185"],
    ["#022c22", "#10b981", "#a7f3d0", "#fef3c7"],
    ["#1e1b4b", "#6366f1", "#c4b5fd", "#f0abfc"],
    ["#431407", "#ea580c", "#fdba74", "#fff7ed"],
    ["#082f49", "#0ea5e9", "#7dd3fc", "#f0f9ff"],
    ["#3f0d12", "#e11d48", "#fda4af", "#ffe4e6"],
    ["#1c1917", "#a8a29e", "#e7e5e4", "#d97706"],
    ["#052e16", "#65a30d", "#d9f99d", "#fde047"],
]
# What people call each palette when they talk about a picture (salon/seed_text.py).
PALETTE_NAMES = [
    "orange and pink on navy",
    "deep greens and cream",
    "violets and lilac",
    "rust and peach",
    "sea blues",
    "reds and soft pinks",
    "stone greys with a touch of amber",
    "limes and yellows",
]


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _gradient(size: tuple[int, int], top: str, bottom: str) -> Image.Image:
    w, h = size
    a, b = _rgb(top), _rgb(bottom)
    column = Image.new("RGB", (1, h))
    for y in range(h):
        t = y / max(h - 1, 1)
        column.putpixel((0, y), tuple(int(a[i] + (b[i] - a[i]) * t) for i in range(3)))
    return column.resize((w, h))


def _sunset(rng: random.Random, size: tuple[int, int], pal: list[str]) -> Image.Image:
    w, h = size
    img = _gradient(size, pal[0], pal[2])
    draw = ImageDraw.Draw(img)
    r = rng.randint(h // 6, h // 3)
    cx, cy = rng.randint(w // 4, 3 * w // 4), rng.randint(h // 3, h // 2)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=pal[3])
    for layer in range(4):
        base = h * (0.55 + 0.12 * layer)
        amp, freq, phase = rng.uniform(10, 40), rng.uniform(1, 3), rng.uniform(0, 6)
        points = [
            (x, base + amp * math.sin(freq * x / w * 6.28 + phase)) for x in range(0, w + 8, 8)
        ]
        colour = _rgb(pal[1 if layer % 2 else 0])
        shade = tuple(int(c * (1 - 0.15 * layer)) for c in colour)
        draw.polygon([*points, (w, h), (0, h)], fill=shade)
    return img


def _bauhaus(rng: random.Random, size: tuple[int, int], pal: list[str]) -> Image.Image:
    w, h = size
    img = Image.new("RGB", size, pal[3])
    draw = ImageDraw.Draw(img)
    cell = min(w, h) // rng.choice([3, 4, 5])
    for gx in range(0, w, cell):
        for gy in range(0, h, cell):
            colour = rng.choice(pal[:3])
            kind = rng.randrange(4)
            box = (gx, gy, gx + cell, gy + cell)
            if kind == 0:
                draw.ellipse(box, fill=colour)
            elif kind == 1:
                draw.pieslice((gx - cell, gy - cell, gx + cell, gy + cell), 0, 90, fill=colour)
            elif kind == 2:
                draw.rectangle(box, fill=colour)
            else:
                draw.polygon(
                    [(gx, gy + cell), (gx + cell, gy + cell), (gx + cell, gy)], fill=colour
                )
    return img


def _orbs(rng: random.Random, size: tuple[int, int], pal: list[str]) -> Image.Image:
    w, h = size
    img = _gradient(size, pal[0], pal[1])
    layer = Image.new("RGB", size, (0, 0, 0))
    mask = Image.new("L", size, 0)
    draw, mdraw = ImageDraw.Draw(layer), ImageDraw.Draw(mask)
    for _ in range(rng.randint(6, 14)):
        r = rng.randint(min(w, h) // 12, min(w, h) // 4)
        x, y = rng.randint(0, w), rng.randint(0, h)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.choice(pal[1:]))
        mdraw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(120, 230))
    img.paste(
        layer.filter(ImageFilter.GaussianBlur(6)), (0, 0), mask.filter(ImageFilter.GaussianBlur(10))
    )
    return img


def _lines(rng: random.Random, size: tuple[int, int], pal: list[str]) -> Image.Image:
    w, h = size
    img = Image.new("RGB", size, pal[0])
    draw = ImageDraw.Draw(img)
    for i in range(rng.randint(30, 60)):
        y0 = h * i / 45
        amp, freq = rng.uniform(5, 60), rng.uniform(0.5, 2.5)
        pts = [
            (x, y0 + amp * math.sin(freq * x / w * 6.28 + i * 0.3)) for x in range(0, w + 10, 10)
        ]
        draw.line(pts, fill=pal[1 + i % 3], width=rng.randint(2, 5))
    return img


STYLES = {"sunset": _sunset, "bauhaus": _bauhaus, "orbs": _orbs, "lines": _lines}


def picture(seed: int, style: str | None = None, size: tuple[int, int] = (1024, 768),
            palette: int | None = None) -> bytes:
    rng = random.Random(seed)
    pal = rng.choice(PALETTES) if palette is None else PALETTES[palette]
    draw = STYLES[style] if style else rng.choice(list(STYLES.values()))
    out = io.BytesIO()
    draw(rng, size, pal).save(out, "PNG", optimize=False, compress_level=3)
    return out.getvalue()


def avatar(seed: int) -> bytes:
    return picture(seed, "bauhaus" if seed % 2 else "orbs", (400, 400))


def header(seed: int) -> bytes:
    return picture(seed, "sunset", (1500, 500))
