"""A BlurHash encoder (https://github.com/woltapp/blurhash), in plain Python.

Clients draw the hash as a blurred placeholder while the real image loads. The encoder is
meant for a small copy of the image (about 32x32): cost grows with pixels x components.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PIL import Image

BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"

Pixel = tuple[int, int, int]


def encode83(value: int, length: int) -> str:
    return "".join(BASE83[(value // 83 ** (length - i)) % 83] for i in range(1, length + 1))


def srgb_to_linear(value: int) -> float:
    v = value / 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def linear_to_srgb(value: float) -> int:
    v = min(max(value, 0.0), 1.0)
    if v <= 0.0031308:
        return int(v * 12.92 * 255 + 0.5)
    return int((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5)


def _sign_pow(value: float, exp: float) -> float:
    return math.copysign(abs(value) ** exp, value)


def encode_pixels(
    pixels: Sequence[Pixel],
    width: int,
    height: int,
    components_x: int = 4,
    components_y: int = 3,
) -> str:
    """Hash of an RGB image given as `width * height` pixels in row order."""
    if not (1 <= components_x <= 9 and 1 <= components_y <= 9):
        raise ValueError("blurhash components must be between 1 and 9")
    if width < 1 or height < 1 or len(pixels) != width * height:
        raise ValueError("pixel count does not match width x height")

    linear = [(srgb_to_linear(r), srgb_to_linear(g), srgb_to_linear(b)) for r, g, b in pixels]
    # Cosine tables: the same few values are used for every pixel of every component.
    cos_x = [[math.cos(math.pi * i * x / width) for x in range(width)] for i in range(components_x)]
    cos_y = [
        [math.cos(math.pi * j * y / height) for y in range(height)] for j in range(components_y)
    ]

    factors: list[tuple[float, float, float]] = []
    for j in range(components_y):
        for i in range(components_x):
            norm = 1.0 if i == 0 and j == 0 else 2.0
            r = g = b = 0.0
            cx, cy = cos_x[i], cos_y[j]
            for y in range(height):
                row = y * width
                wy = cy[y]
                for x in range(width):
                    basis = cx[x] * wy
                    pr, pg, pb = linear[row + x]
                    r += basis * pr
                    g += basis * pg
                    b += basis * pb
            scale = norm / (width * height)
            factors.append((r * scale, g * scale, b * scale))

    dc, ac = factors[0], factors[1:]
    out = encode83((components_x - 1) + (components_y - 1) * 9, 1)
    if ac:
        actual_max = max(abs(c) for f in ac for c in f)
        quantised_max = max(0, min(82, math.floor(actual_max * 166 - 0.5)))
        maximum = (quantised_max + 1) / 166
        out += encode83(quantised_max, 1)
    else:
        maximum = 1.0
        out += encode83(0, 1)
    out += encode83(
        (linear_to_srgb(dc[0]) << 16) + (linear_to_srgb(dc[1]) << 8) + linear_to_srgb(dc[2]), 4
    )
    for f in ac:
        qr, qg, qb = (max(0, min(18, math.floor(_sign_pow(c / maximum, 0.5) * 9 + 9.5))) for c in f)
        out += encode83(qr * 19 * 19 + qg * 19 + qb, 2)
    return out


def encode_image(
    image: Image.Image, components_x: int = 4, components_y: int = 3, sample_size: int = 32
) -> str:
    """Hash of a Pillow image, computed on a copy no larger than `sample_size` a side."""
    small = image.convert("RGB") if image.mode != "RGB" else image.copy()
    small.thumbnail((sample_size, sample_size), Image.Resampling.BILINEAR)
    width, height = small.size
    raw = small.tobytes()
    pixels: list[Pixel] = [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)]
    return encode_pixels(pixels, width, height, components_x, components_y)


def hash_length(components_x: int = 4, components_y: int = 3) -> int:
    """Size flag + maximum + DC (4) + 2 per AC component."""
    return 6 + 2 * (components_x * components_y - 1)
