"""Figures as lists of parts, and the animals: fox, cat, dog, horse, bird and fish.

A part is an ellipse, a polygon or a line in figure units: x to the front (the way the figure
faces), y up from the ground, 1.0 = the figure's height. Parts are drawn back to front, over
one outline of the whole silhouette, so the figure reads at thumbnail size against any scene.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PIL import ImageDraw

from salon.generation.engines.sketch_color import clamp8, lighten, mix, scale
from salon.generation.engines.sketch_draw import Canvas
from salon.generation.engines.sketch_words import Color

Point = tuple[float, float]


@dataclass(frozen=True)
class Part:
    kind: str  # "e" an ellipse ((cx, cy), (rx, ry)), "p" a polygon, "l" a line
    points: tuple[Point, ...]
    role: str  # the colour it is painted in, by name
    width: float = 0.0  # a line's


def ellipse(cx: float, cy: float, rx: float, ry: float, role: str) -> Part:
    return Part("e", ((cx, cy), (rx, ry)), role)


def poly(points: Sequence[Point], role: str) -> Part:
    return Part("p", tuple(points), role)


def line(points: Sequence[Point], width: float, role: str) -> Part:
    return Part("l", tuple(points), role, width)


def rect(x0: float, y0: float, x1: float, y1: float, role: str) -> Part:
    return poly(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), role)


def draw_parts(cv: Canvas, parts: Sequence[Part], x: float, base: float, size: float,
               facing: float, colours: Mapping[str, Color], outline: Color | None) -> None:
    """Draw the parts with the figure's ground point at (x, base), `size` pixels tall,
    facing right (1) or left (-1); parts whose role `colours` lacks are left out."""
    draw = ImageDraw.Draw(cv.img)

    def at(p: Point) -> Point:
        return (x + facing * p[0] * size, base - p[1] * size)

    def one(part: Part, fill: tuple[int, int, int], grow: float) -> None:
        if part.kind == "e":
            (cx, cy), (rx, ry) = part.points
            px, py = at((cx, cy))
            ax, ay = rx * size + grow, ry * size + grow
            draw.ellipse((px - ax, py - ay, px + ax, py + ay), fill=fill)
            return
        pts = [at(p) for p in part.points]
        if part.kind == "p":
            draw.polygon(pts, fill=fill, outline=fill if grow else None,
                         width=max(1, round(grow * 2)))
            return
        width = max(1, round(part.width * size + grow * 2))
        draw.line(pts, fill=fill, width=width, joint="curve")
        for px, py in (pts[0], pts[-1]):  # round ends: legs and tails have no square tips
            r = width / 2
            draw.ellipse((px - r, py - r, px + r, py + r), fill=fill)

    shown = [p for p in parts if p.role in colours]
    if outline is not None:
        grow = max(1.0, size * 0.012)
        for part in shown:
            one(part, clamp8(outline), grow)
    for part in shown:
        one(part, clamp8(colours[part.role]), 0.0)


def animal_colours(cv: Canvas, kind: str) -> dict[str, Color]:
    """The roles an animal's parts name, from its palette colour."""
    pal = cv.pal
    body = pal[f"fig_{kind}"]
    return {
        "body": body, "shade": scale(body, 0.78), "light": lighten(body, 0.12),
        "white": pal["fig_white"], "dark": pal["fig_dark"],
        "ear": mix(scale(body, 0.6), pal["fig_dark"], 0.3),
        "eye": mix((190, 200, 60), pal["fig_dark"], 0.2 if cv.spec.light != "night" else 0.6),
        "pink": mix((230, 140, 150), body, 0.2), "collar": mix((200, 40, 40), body, 0.1),
        "breast": pal["fig_breast"], "beak": pal["fig_beak"], "mane": pal["fig_dark"],
        "fin": lighten(body, 0.1),
    }


FOX: tuple[Part, ...] = (
    poly([(-0.42, 0.50), (-0.70, 0.53), (-0.98, 0.43), (-1.12, 0.27), (-1.05, 0.15),
          (-0.86, 0.21), (-0.62, 0.30), (-0.40, 0.37)], "body"),
    poly([(-1.12, 0.27), (-1.05, 0.15), (-0.95, 0.18), (-1.0, 0.30)], "white"),
    line([(-0.30, 0.40), (-0.34, 0.02)], 0.07, "dark"),
    line([(0.30, 0.40), (0.33, 0.02)], 0.07, "dark"),
    ellipse(0.0, 0.47, 0.48, 0.17, "body"),
    line([(-0.20, 0.42), (-0.23, 0.02)], 0.075, "dark"),
    line([(0.38, 0.42), (0.42, 0.02)], 0.075, "dark"),
    poly([(0.25, 0.58), (0.45, 0.80), (0.64, 0.72), (0.52, 0.40)], "body"),
    ellipse(0.46, 0.50, 0.10, 0.13, "white"),
    ellipse(0.58, 0.76, 0.15, 0.12, "body"),
    poly([(0.60, 0.82), (0.90, 0.69), (0.88, 0.64), (0.60, 0.66)], "body"),
    poly([(0.52, 0.70), (0.66, 0.64), (0.88, 0.64), (0.62, 0.60)], "white"),
    poly([(0.46, 0.82), (0.50, 1.0), (0.60, 0.86)], "body"),
    poly([(0.58, 0.86), (0.67, 1.0), (0.71, 0.81)], "body"),
    poly([(0.50, 0.85), (0.51, 0.95), (0.57, 0.87)], "dark"),
    poly([(0.61, 0.86), (0.66, 0.95), (0.68, 0.84)], "dark"),
    ellipse(0.89, 0.665, 0.026, 0.022, "dark"),
    ellipse(0.67, 0.78, 0.022, 0.018, "dark"),
)

CAT: tuple[Part, ...] = (
    line([(-0.22, 0.06), (-0.45, 0.05), (-0.58, 0.12), (-0.60, 0.28)], 0.07, "body"),
    ellipse(-0.08, 0.24, 0.27, 0.24, "body"),
    poly([(-0.22, 0.40), (0.04, 0.66), (0.27, 0.58), (0.27, 0.05), (-0.05, 0.02)], "body"),
    line([(0.12, 0.35), (0.12, 0.03)], 0.07, "shade"),
    line([(0.22, 0.35), (0.23, 0.03)], 0.07, "body"),
    ellipse(0.14, 0.72, 0.18, 0.155, "body"),
    poly([(0.0, 0.77), (0.01, 0.99), (0.12, 0.85)], "body"),
    poly([(0.16, 0.85), (0.27, 0.99), (0.29, 0.77)], "body"),
    poly([(0.03, 0.82), (0.04, 0.93), (0.10, 0.85)], "pink"),
    poly([(0.18, 0.85), (0.25, 0.93), (0.26, 0.82)], "pink"),
    ellipse(0.08, 0.745, 0.036, 0.03, "eye"),
    ellipse(0.20, 0.745, 0.036, 0.03, "eye"),
    ellipse(0.08, 0.745, 0.011, 0.027, "dark"),
    ellipse(0.20, 0.745, 0.011, 0.027, "dark"),
    poly([(0.12, 0.69), (0.16, 0.69), (0.14, 0.665)], "pink"),
    line([(0.06, 0.67), (-0.10, 0.69)], 0.008, "white"),
    line([(0.06, 0.66), (-0.10, 0.64)], 0.008, "white"),
    line([(0.22, 0.67), (0.38, 0.69)], 0.008, "white"),
    line([(0.22, 0.66), (0.38, 0.64)], 0.008, "white"),
)

DOG: tuple[Part, ...] = (
    line([(-0.44, 0.58), (-0.60, 0.78), (-0.64, 0.88)], 0.07, "body"),
    line([(-0.32, 0.45), (-0.34, 0.02)], 0.09, "shade"),
    line([(0.30, 0.45), (0.32, 0.02)], 0.09, "shade"),
    ellipse(-0.02, 0.55, 0.46, 0.17, "body"),
    line([(-0.22, 0.45), (-0.22, 0.02)], 0.09, "body"),
    line([(0.38, 0.45), (0.40, 0.02)], 0.09, "body"),
    poly([(0.22, 0.62), (0.40, 0.86), (0.58, 0.80), (0.46, 0.48)], "body"),
    ellipse(0.52, 0.86, 0.15, 0.13, "body"),
    poly([(0.56, 0.90), (0.78, 0.86), (0.80, 0.72), (0.56, 0.74)], "body"),
    ellipse(0.76, 0.79, 0.06, 0.07, "body"),
    ellipse(0.81, 0.83, 0.035, 0.03, "dark"),
    poly([(0.40, 0.96), (0.50, 0.97), (0.46, 0.66), (0.37, 0.70)], "ear"),
    ellipse(0.58, 0.90, 0.022, 0.02, "dark"),
    line([(0.40, 0.72), (0.54, 0.64)], 0.035, "collar"),
)

HORSE: tuple[Part, ...] = (
    poly([(-0.50, 0.68), (-0.62, 0.58), (-0.68, 0.28), (-0.57, 0.30), (-0.50, 0.54)], "mane"),
    line([(-0.36, 0.56), (-0.38, 0.30), (-0.36, 0.03)], 0.06, "shade"),
    line([(0.28, 0.56), (0.30, 0.30), (0.28, 0.03)], 0.06, "shade"),
    ellipse(-0.04, 0.60, 0.50, 0.15, "body"),
    line([(-0.26, 0.56), (-0.28, 0.30), (-0.25, 0.03)], 0.065, "body"),
    line([(0.36, 0.56), (0.38, 0.30), (0.38, 0.03)], 0.065, "body"),
    ellipse(-0.36, 0.02, 0.035, 0.02, "dark"), ellipse(0.28, 0.02, 0.035, 0.02, "dark"),
    ellipse(-0.25, 0.02, 0.038, 0.022, "dark"), ellipse(0.38, 0.02, 0.038, 0.022, "dark"),
    poly([(0.28, 0.62), (0.52, 0.92), (0.64, 0.88), (0.48, 0.50)], "body"),
    poly([(0.52, 0.94), (0.62, 0.98), (0.86, 0.74), (0.84, 0.66), (0.76, 0.64),
          (0.56, 0.84)], "body"),
    poly([(0.54, 0.93), (0.57, 1.03), (0.62, 0.95)], "body"),
    poly([(0.26, 0.66), (0.50, 0.97), (0.57, 0.95), (0.36, 0.62)], "mane"),
    ellipse(0.64, 0.88, 0.02, 0.02, "dark"),
    ellipse(0.83, 0.69, 0.015, 0.015, "dark"),
)

BIRD: tuple[Part, ...] = (
    poly([(-0.28, 0.44), (-0.62, 0.22), (-0.56, 0.14), (-0.22, 0.30)], "shade"),
    line([(0.0, 0.22), (-0.02, 0.01)], 0.025, "beak"),
    line([(0.10, 0.22), (0.12, 0.01)], 0.025, "beak"),
    ellipse(0.0, 0.42, 0.34, 0.26, "body"),
    ellipse(0.16, 0.42, 0.20, 0.22, "breast"),
    poly([(-0.26, 0.52), (0.04, 0.58), (0.08, 0.42), (-0.10, 0.30), (-0.36, 0.34)], "shade"),
    ellipse(0.22, 0.72, 0.19, 0.18, "body"),
    ellipse(0.30, 0.65, 0.12, 0.10, "breast"),
    poly([(0.38, 0.75), (0.56, 0.70), (0.38, 0.66)], "beak"),
    ellipse(0.29, 0.76, 0.03, 0.03, "dark"),
    ellipse(0.30, 0.77, 0.01, 0.01, "white"),
)

FISH: tuple[Part, ...] = (
    poly([(-0.40, 0.50), (-0.78, 0.76), (-0.68, 0.50), (-0.78, 0.24)], "fin"),
    poly([(-0.18, 0.70), (0.04, 0.90), (0.18, 0.70)], "fin"),
    poly([(-0.06, 0.30), (0.04, 0.14), (0.12, 0.30)], "fin"),
    ellipse(0.0, 0.50, 0.50, 0.26, "body"),
    line([(0.22, 0.68), (0.28, 0.50), (0.22, 0.32)], 0.02, "shade"),
    ellipse(0.34, 0.56, 0.055, 0.055, "white"),
    ellipse(0.35, 0.56, 0.028, 0.028, "dark"),
    line([(0.50, 0.46), (0.42, 0.44)], 0.015, "shade"),
)

ANIMALS: dict[str, tuple[Part, ...]] = {
    "fox": FOX, "cat": CAT, "dog": DOG, "horse": HORSE, "bird": BIRD, "fish": FISH,
}
