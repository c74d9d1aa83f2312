"""Drawing primitives for the sketch engine: a canvas, gradients, soft masks, filled
profiles and anti-aliased discs. Everything is numpy or Pillow in C, never per pixel."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter

from salon.generation.engines.sketch_color import Palette, clamp8, mix
from salon.generation.engines.sketch_rand import F32, Streams
from salon.generation.engines.sketch_spec import Spec
from salon.generation.engines.sketch_words import Color

Stops = list[tuple[float, Color]]


@dataclass
class Canvas:
    """The picture being painted and what the painters tell each other about it."""

    img: Image.Image
    spec: Spec
    pal: Palette
    streams: Streams
    horizon: float  # y of the horizon, in pixels
    sun: tuple[float, float, float] | None = None  # x, y, radius of the sun or moon
    surface: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    # The fill of the last layer painted (top row, image) and of the land things stand on.
    last_fill: tuple[int, Image.Image] | None = None
    land: tuple[int, Image.Image] | None = None
    # Where things were put that later painters use: "lake" -> (cx, cy, rx, ry).
    spots: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)

    @property
    def w(self) -> int:
        return self.img.width

    @property
    def h(self) -> int:
        return self.img.height

    @property
    def s(self) -> float:
        return float(min(self.img.width, self.img.height))

    def mask(self, scale: float = 1.0) -> tuple[Image.Image, ImageDraw.ImageDraw]:
        m = Image.new("L", (max(1, round(self.w * scale)), max(1, round(self.h * scale))), 0)
        return m, ImageDraw.Draw(m)

    def fill(self, color: Color | Image.Image, mask: Image.Image, soften: float = 0.0) -> None:
        """Paint a solid colour (or an image) through a mask of any scale: softened at its
        own size, grown smoothly, and pasted only where it covers something."""
        if soften > 0:
            mask = mask.filter(ImageFilter.GaussianBlur(soften))
        bbox = mask.getbbox()
        if bbox is None:
            return
        fx, fy = self.w / mask.width, self.h / mask.height
        x0, y0 = max(0, int((bbox[0] - 1) * fx)), max(0, int((bbox[1] - 1) * fy))
        x1, y1 = min(self.w, int((bbox[2] + 1) * fx) + 1), min(self.h, int((bbox[3] + 1) * fy) + 1)
        if (fx, fy) != (1.0, 1.0):
            mask = mask.resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR,
                               box=(x0 / fx, y0 / fy, x1 / fx, y1 / fy))
        else:
            mask = mask.crop((x0, y0, x1, y1))
        if isinstance(color, Image.Image):
            self.img.paste(color.crop((x0, y0, x1, y1)), (x0, y0), mask)
        else:
            self.img.paste(clamp8(color), (x0, y0, x1, y1), mask)


def ramp(stops: Stops, n: int) -> F32:
    """n colours along the stops, as an (n, 3) float array."""
    pos = np.array([p for p, _ in stops], np.float64)
    cols = np.array([c for _, c in stops], np.float64)
    x = np.linspace(0.0, 1.0, n)
    out = np.stack([np.interp(x, pos, cols[:, k]) for k in range(3)], axis=1)
    return out.astype(np.float32)


def to_image(arr: NDArray[np.floating] | F32) -> Image.Image:
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def to_mask(arr: NDArray[np.floating] | F32) -> Image.Image:
    """A 0..1 array as an L mask."""
    return Image.fromarray((np.clip(arr, 0.0, 1.0) * 255).astype(np.uint8), "L")


def vgrad(w: int, h: int, stops: Stops) -> Image.Image:
    col = ramp(stops, h).reshape(h, 1, 3)
    return to_image(col).resize((w, h), Image.Resampling.NEAREST)


def profile_polygon(profile: NDArray[np.float64], y0: int, bottom: float,
                    step: int = 2) -> list[tuple[float, float]]:
    """The outline under a line y = profile[x], shifted up by y0, closed at `bottom`."""
    w = profile.shape[0]
    xs = np.arange(0, w + step, step).clip(0, w - 1)
    top = list(zip(xs.astype(float).tolist(), (profile[xs] - y0).tolist(), strict=True))
    return [(-1.0, bottom), (-1.0, top[0][1]), *top, (float(w), top[-1][1]), (float(w), bottom)]


def fill_below(cv: Canvas, profile: NDArray[np.float64], top: Color, bottom: Color,
               fade_to: float | None = None) -> tuple[int, Image.Image]:
    """Fill everything under a line y = profile[x] with a vertical gradient (top colour at
    the line's highest point). Returns the layer's top row and mask, for shading.
    Edges are anti-aliased later, by the finishing pass."""
    w, h = cv.w, cv.h
    y0 = int(min(h - 1, max(0, np.floor(profile.min()) - 1)))
    mask = Image.new("L", (w, h - y0), 0)
    ImageDraw.Draw(mask).polygon(profile_polygon(profile, y0, h - y0 + 1), fill=255)
    bottom_at = h if fade_to is None else fade_to
    span = max(1.0, bottom_at - y0)
    if top == bottom:
        grad = Image.new("RGB", (w, h - y0), clamp8(top))
    else:
        grad = vgrad(w, h - y0, [(0.0, top), (min(1.0, span / (h - y0)), bottom),
                                 (1.0, bottom)])
    cv.img.paste(grad, (0, y0), mask)
    cv.last_fill = (y0, grad)
    return y0, mask


def disc(cv: Canvas, cx: float, cy: float, r: float, color: Color, alpha: float = 1.0,
         soft: float = 1.2, shade: Color | None = None, light: tuple[float, float] = (-0.5,
         -0.6)) -> None:
    """An anti-aliased filled circle; with `shade`, lit from `light` (a 2-D direction)."""
    pad = soft + 2
    x0, y0 = int(max(0, cx - r - pad)), int(max(0, cy - r - pad))
    x1, y1 = int(min(cv.w, cx + r + pad + 1)), int(min(cv.h, cy + r + pad + 1))
    if x1 <= x0 or y1 <= y0:
        return
    ys = np.arange(y0, y1, dtype=np.float32)[:, None] - cy
    xs = np.arange(x0, x1, dtype=np.float32)[None, :] - cx
    d = np.sqrt(xs * xs + ys * ys)
    a = np.clip((r - d) / soft + 0.5, 0.0, 1.0) * alpha
    box = (x0, y0, x1, y1)
    if shade is None:
        cv.img.paste(clamp8(color), box, to_mask(a))
        return
    lx, ly = light
    nd = np.clip((xs * lx + ys * ly) / max(r, 1.0), -1.0, 1.0)  # -1 dark side .. 1 lit side
    t = np.clip(0.5 + 0.5 * nd, 0.0, 1.0)[..., None]
    rgb = np.array(shade, np.float32) + (np.array(color, np.float32) - np.array(shade,
                                                                              np.float32)) * t
    cv.img.paste(to_image(rgb), box, to_mask(a))


def glow_layer(w: int, h: int, points: list[tuple[float, float, float, Color, float]],
               base: F32 | None = None) -> F32:
    """Additive soft glows (x, y, radius, colour, strength) on a small float canvas."""
    out = np.zeros((h, w, 3), np.float32) if base is None else base
    ys = np.arange(h, dtype=np.float32)[:, None]
    xs = np.arange(w, dtype=np.float32)[None, :]
    for x, y, r, color, k in points:
        d2 = ((xs - x) ** 2 + (ys - y) ** 2) / max(1.0, r * r)
        fall = (np.exp(-d2) * k).astype(np.float32)[..., None]
        out += fall * np.array(color, np.float32)
    return out


def haze(c: Color, sky: Color, depth: float) -> Color:
    """Aerial perspective: far things take the colour of the sky."""
    return mix(c, sky, max(0.0, min(1.0, depth)))


def polygon_points(xs: NDArray[np.float64], ys: NDArray[np.float64]) -> list[tuple[float, float]]:
    return list(zip(xs.tolist(), ys.tolist(), strict=True))
