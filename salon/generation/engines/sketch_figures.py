"""Figures: the things a prompt names that are drawn large in front of the scene (animals,
people, a house, a tree, a boat, a car, a vase of flowers, a bowl of fruit), where each
belongs: on the ground in the foreground, on the water, or on a table indoors."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from PIL import Image, ImageDraw

from salon.generation.engines.sketch_animals import (
    ANIMALS,
    Part,
    animal_colours,
    draw_parts,
    ellipse,
    line,
    poly,
    rect,
)
from salon.generation.engines.sketch_color import lighten, mix, scale
from salon.generation.engines.sketch_draw import Canvas, vgrad
from salon.generation.engines.sketch_words import FRUITS, MIXED_FRUIT, Color


@dataclass(frozen=True)
class Kind:
    width: float  # the figure's width in units of its height
    height: float  # its preferred height, as a share of the picture's shorter side
    where: str  # front (on the ground), back (further off), water or table


KINDS: dict[str, Kind] = {
    "fox": Kind(2.05, 0.3, "front"), "cat": Kind(1.0, 0.34, "front"),
    "dog": Kind(1.5, 0.38, "front"), "horse": Kind(1.6, 0.6, "front"),
    "bird": Kind(1.2, 0.26, "front"), "person": Kind(0.42, 0.6, "front"),
    "car": Kind(1.95, 0.3, "front"), "fish": Kind(1.3, 0.36, "water"),
    "boat": Kind(1.25, 0.5, "water"), "house": Kind(1.25, 0.44, "back"),
    "tree": Kind(0.7, 0.72, "back"), "vase": Kind(0.75, 0.64, "table"),
    "fruit": Kind(1.05, 0.55, "table"),
}
FEMININE = frozenset(("woman", "women", "girl", "lady", "queen", "princess", "witch",
                      "dancer"))
OILSKIN = frozenset(("fisherman", "fishermen", "sailor"))
CROWNED = frozenset(("king", "queen", "prince", "princess"))
POINTED_HAT = frozenset(("wizard", "witch"))
CHILD = frozenset(("child", "children", "kid", "girl", "boy"))


# --- people -----------------------------------------------------------------------------


def person_parts(tags: frozenset[str]) -> list[Part]:
    """A standing figure seen from the front, about 2.5 times as tall as it is wide."""
    parts: list[Part] = []
    if tags & FEMININE:
        parts += [rect(-0.08, 0.22, -0.03, 0.0, "legs"), rect(0.03, 0.22, 0.08, 0.0, "legs"),
                  poly([(-0.12, 0.80), (0.12, 0.80), (0.2, 0.18), (-0.2, 0.18)], "coat"),
                  poly([(-0.09, 0.94), (0.09, 0.94), (0.12, 0.70), (-0.12, 0.70)], "hair")]
    else:
        parts += [poly([(-0.11, 0.46), (-0.01, 0.46), (-0.025, 0.0), (-0.095, 0.0)], "legs"),
                  poly([(0.01, 0.46), (0.11, 0.46), (0.095, 0.0), (0.025, 0.0)], "legs"),
                  poly([(-0.13, 0.80), (0.13, 0.80), (0.135, 0.40), (-0.135, 0.40)], "coat")]
    parts += [
        ellipse(-0.06, 0.015, 0.05, 0.02, "dark"), ellipse(0.06, 0.015, 0.05, 0.02, "dark"),
        ellipse(-0.1, 0.77, 0.045, 0.04, "coat"), ellipse(0.1, 0.77, 0.045, 0.04, "coat"),
        line([(-0.135, 0.77), (-0.175, 0.58), (-0.17, 0.45)], 0.055, "coat"),
        line([(0.135, 0.77), (0.175, 0.58), (0.17, 0.45)], 0.055, "coat"),
        ellipse(-0.17, 0.43, 0.028, 0.028, "skin"), ellipse(0.17, 0.43, 0.028, 0.028, "skin"),
        rect(-0.025, 0.78, 0.025, 0.85, "skin"),
        ellipse(0.0, 0.925, 0.08, 0.075, "hair"),
        ellipse(0.0, 0.90, 0.068, 0.078, "skin"),
        ellipse(0.0, 0.965, 0.07, 0.035, "hair"),
    ]
    if "old" in tags:
        parts.append(line([(0.2, 0.5), (0.23, 0.0)], 0.02, "dark"))  # a walking stick
    parts += _headwear(tags, 0.0, 0.97, 0.09)
    return parts


def portrait_parts(tags: frozenset[str]) -> list[Part]:
    """Head and shoulders, filling the frame."""
    long_hair = bool(tags & FEMININE)
    parts: list[Part] = [
        poly([(-0.52, 0.0), (-0.48, 0.24), (-0.30, 0.36), (0.30, 0.36), (0.48, 0.24),
              (0.52, 0.0)], "coat"),
        rect(-0.08, 0.30, 0.08, 0.52, "skin_shade"),
        poly([(-0.13, 0.36), (0.0, 0.24), (0.13, 0.36)], "white"),
        ellipse(0.0, 0.72 if not long_hair else 0.62, 0.22 if not long_hair else 0.25,
                0.25 if not long_hair else 0.34, "hair"),
        ellipse(0.0, 0.68, 0.19, 0.245, "skin"),
        poly([(-0.21, 0.74), (-0.16, 0.90), (0.0, 0.95), (0.16, 0.90), (0.21, 0.74),
              (0.12, 0.86), (-0.10, 0.84)], "hair"),
        ellipse(-0.075, 0.70, 0.028, 0.016, "dark"), ellipse(0.075, 0.70, 0.028, 0.016, "dark"),
        line([(-0.11, 0.745), (-0.04, 0.752)], 0.014, "hair"),
        line([(0.04, 0.752), (0.11, 0.745)], 0.014, "hair"),
        line([(0.0, 0.69), (0.018, 0.615), (-0.01, 0.61)], 0.01, "skin_shade"),
        line([(-0.05, 0.55), (0.05, 0.55)], 0.014, "lips"),
    ]
    if "old" in tags and not long_hair:
        parts.append(poly([(-0.17, 0.62), (-0.12, 0.48), (0.0, 0.42), (0.12, 0.48),
                           (0.17, 0.62), (0.06, 0.53), (-0.06, 0.53)], "hair"))
    parts += _headwear(tags, 0.0, 0.86, 0.26)
    return parts


def _headwear(tags: frozenset[str], x: float, top: float, r: float) -> list[Part]:
    """A sou'wester for fishermen, a crown for kings, a pointed hat for wizards."""
    if tags & OILSKIN:
        return [poly([(x - r * 1.5, top - r * 0.15), (x + r * 1.5, top - r * 0.15),
                      (x + r * 0.8, top + r * 0.7), (x - r * 0.8, top + r * 0.7)], "coat")]
    if tags & CROWNED:
        return [poly([(x - r * 0.8, top - r * 0.1), (x + r * 0.8, top - r * 0.1),
                      (x + r * 0.9, top + r * 0.7), (x + r * 0.4, top + r * 0.3),
                      (x, top + r * 0.8), (x - r * 0.4, top + r * 0.3),
                      (x - r * 0.9, top + r * 0.7)], "gold")]
    if tags & POINTED_HAT:
        return [poly([(x - r * 1.4, top - r * 0.1), (x + r * 1.4, top - r * 0.1),
                      (x + r * 0.3, top + r * 2.2)], "dark")]
    return []


def person_colours(cv: Canvas, tags: frozenset[str]) -> dict[str, Color]:
    pal = cv.pal
    coat = pal["fig_person"]
    if tags & OILSKIN and "fig_person" not in cv.spec.bound:
        coat = pal["fig_oilskin"]
    hair = pal["fig_hair"] if "old" not in tags else mix(pal["fig_white"], pal["fig_dark"],
                                                        0.3)
    return {"coat": coat, "legs": mix(scale(coat, 0.5), pal["fig_dark"], 0.5),
            "skin": pal["fig_skin"], "skin_shade": scale(pal["fig_skin"], 0.82),
            "hair": hair, "dark": pal["fig_dark"], "white": pal["fig_white"],
            "lips": mix(pal["fig_skin"], (170, 70, 70), 0.5), "gold": pal["fig_gold"]}


# --- things -----------------------------------------------------------------------------


HOUSE: tuple[Part, ...] = (
    rect(0.22, 0.70, 0.34, 1.0, "chimney"),
    rect(-0.5, 0.0, 0.5, 0.56, "wall"),
    poly([(-0.6, 0.53), (0.6, 0.53), (0.0, 1.0)], "roof"),
    rect(-0.08, 0.0, 0.08, 0.32, "door"),
    rect(-0.38, 0.22, -0.18, 0.42, "window"), rect(0.18, 0.22, 0.38, 0.42, "window"),
    line([(-0.28, 0.22), (-0.28, 0.42)], 0.015, "frame"),
    line([(0.28, 0.22), (0.28, 0.42)], 0.015, "frame"),
    line([(-0.38, 0.32), (-0.18, 0.32)], 0.015, "frame"),
    line([(0.18, 0.32), (0.38, 0.32)], 0.015, "frame"),
)
ROUND_TREE: tuple[Part, ...] = (
    poly([(-0.06, 0.0), (0.06, 0.0), (0.04, 0.50), (-0.04, 0.50)], "trunk"),
    line([(0.0, 0.42), (0.16, 0.58)], 0.03, "trunk"),
    line([(0.0, 0.46), (-0.14, 0.60)], 0.03, "trunk"),
    ellipse(-0.20, 0.58, 0.17, 0.15, "leaves"), ellipse(0.20, 0.60, 0.18, 0.16, "leaves"),
    ellipse(0.0, 0.72, 0.30, 0.25, "leaves"), ellipse(0.0, 0.86, 0.19, 0.14, "leaves"),
    ellipse(-0.08, 0.80, 0.14, 0.11, "lit"), ellipse(-0.2, 0.64, 0.08, 0.06, "lit"),
)
PINE: tuple[Part, ...] = (
    rect(-0.04, 0.0, 0.04, 0.16, "trunk"),
    poly([(-0.33, 0.12), (0.33, 0.12), (0.0, 0.55)], "leaves"),
    poly([(-0.27, 0.40), (0.27, 0.40), (0.0, 0.80)], "leaves"),
    poly([(-0.19, 0.64), (0.19, 0.64), (0.0, 1.0)], "leaves"),
    poly([(0.0, 0.55), (-0.33, 0.12), (-0.12, 0.12)], "lit"),
)
BOAT: tuple[Part, ...] = (
    line([(0.0, 0.14), (0.0, 1.0)], 0.02, "hull"),
    poly([(0.03, 0.96), (0.03, 0.22), (0.46, 0.22)], "sail"),
    poly([(-0.03, 0.84), (-0.03, 0.22), (-0.40, 0.22)], "sail"),
    poly([(-0.58, 0.17), (0.62, 0.17), (0.46, 0.0), (-0.46, 0.0)], "hull"),
    line([(-0.54, 0.14), (0.58, 0.14)], 0.015, "stripe"),
)
CAR: tuple[Part, ...] = (
    poly([(-0.55, 0.48), (-0.38, 0.84), (0.30, 0.84), (0.52, 0.48)], "body"),
    poly([(-0.95, 0.12), (-0.95, 0.40), (-0.80, 0.50), (0.70, 0.50), (0.93, 0.36),
          (0.95, 0.14), (0.88, 0.10), (-0.90, 0.10)], "body"),
    poly([(-0.46, 0.52), (-0.33, 0.78), (-0.06, 0.78), (-0.06, 0.52)], "glass"),
    poly([(0.0, 0.52), (0.0, 0.78), (0.26, 0.78), (0.42, 0.52)], "glass"),
    line([(-0.03, 0.46), (-0.03, 0.16)], 0.012, "shade"),
    line([(0.08, 0.40), (0.16, 0.40)], 0.02, "shade"),
    ellipse(0.90, 0.33, 0.04, 0.045, "lamp"), ellipse(-0.93, 0.33, 0.025, 0.045, "rear"),
    ellipse(-0.55, 0.15, 0.16, 0.16, "dark"), ellipse(0.55, 0.15, 0.16, 0.16, "dark"),
    ellipse(-0.55, 0.15, 0.07, 0.07, "hub"), ellipse(0.55, 0.15, 0.07, 0.07, "hub"),
)
VASE: tuple[Part, ...] = (
    poly([(-0.08, 0.0), (0.08, 0.0), (0.17, 0.12), (0.18, 0.22), (0.12, 0.34), (0.07, 0.42),
          (0.09, 0.47), (-0.09, 0.47), (-0.07, 0.42), (-0.12, 0.34), (-0.18, 0.22),
          (-0.17, 0.12)], "vase"),
    line([(-0.11, 0.30), (-0.13, 0.16)], 0.025, "shine"),
)


def vase_parts(cv: Canvas) -> tuple[list[Part], dict[str, Color]]:
    """A vase with a bouquet: stems, leaves and flower heads in the palette's flower colours."""
    rnd = cv.streams("bouquet")
    parts: list[Part] = []
    colours: dict[str, Color] = {"stem": cv.pal["foliage_dark"], "leaf": cv.pal["foliage"]}
    n = 7
    heads = []
    for i in range(n):
        a = math.pi * (0.15 + 0.7 * i / (n - 1)) + rnd.u(-0.08, 0.08)
        reach = rnd.u(0.36, 0.5)
        x, y = -math.cos(a) * reach * 0.8, 0.45 + math.sin(a) * reach
        parts.append(line([(0.0, 0.44), (x * 0.5, 0.6 + (y - 0.6) * 0.4), (x, y)], 0.014, "stem"))
        heads.append((x, y, i))
    for i, (x, y, _k) in enumerate(heads[::2]):
        parts.append(ellipse(x * 0.6 + 0.04 * (-1) ** i, 0.5 + (y - 0.45) * 0.5, 0.06, 0.025,
                             "leaf"))
    flowers = cv.pal.flowers
    for x, y, k in heads:
        role, centre = f"flower{k}", f"centre{k}"
        colours[role] = flowers[(k + rnd.i(0, len(flowers))) % len(flowers)]
        colours[centre] = lighten(colours[role], -0.25)
        r = rnd.u(0.065, 0.085)
        for j in range(5):
            t = 2 * math.pi * j / 5
            parts.append(ellipse(x + math.cos(t) * r * 0.7, y + math.sin(t) * r * 0.7, r * 0.6,
                                 r * 0.6, role))
        parts.append(ellipse(x, y, r * 0.38, r * 0.38, centre))
    return [*VASE, *parts], colours


def _fruit(shape: str, x: float, y: float, r: float, role: str) -> list[Part]:
    """One fruit; round ones and lemons have a darker rim, so a heap of them reads as
    separate fruit."""
    rim = f"{role}_rim"
    if shape == "lemon":
        return [ellipse(x, y, r * 1.2, r * 0.86, rim), ellipse(x, y, r * 1.12, r * 0.78, role),
                ellipse(x - r * 1.17, y, r * 0.2, r * 0.15, role),
                ellipse(x + r * 1.17, y, r * 0.2, r * 0.15, role),
                ellipse(x - r * 0.35, y + r * 0.3, r * 0.3, r * 0.16, f"{role}_lit")]
    if shape == "pear":
        return [ellipse(x, y - r * 0.1, r, r * 0.95, role),
                ellipse(x, y + r * 0.85, r * 0.6, r * 0.65, role),
                line([(x, y + r * 1.45), (x + r * 0.15, y + r * 1.75)], r * 0.12, "stem")]
    if shape == "banana":
        return [line([(x - r * 1.5, y + r * 0.5), (x - r * 0.6, y - r * 0.2),
                      (x + r * 0.6, y - r * 0.2), (x + r * 1.5, y + r * 0.5)], r * 0.6, role)]
    if shape == "grape":
        return [ellipse(x + dx * r, y + dy * r, r * 0.36, r * 0.36, role)
                for dx, dy in ((-0.6, 0.5), (0.0, 0.55), (0.6, 0.5), (-0.3, 0.0), (0.3, 0.0),
                               (0.0, -0.5))]
    if shape == "cherry":
        return [ellipse(x - r * 0.45, y - r * 0.3, r * 0.5, r * 0.5, role),
                ellipse(x + r * 0.45, y - r * 0.3, r * 0.5, r * 0.5, role),
                line([(x - r * 0.45, y + r * 0.1), (x, y + r), (x + r * 0.45, y + r * 0.1)],
                     r * 0.08, "stem")]
    return [ellipse(x, y, r * 1.07, r * 1.07, rim), ellipse(x, y, r, r, role),
            ellipse(x - r * 0.35, y + r * 0.35, r * 0.25, r * 0.2, f"{role}_lit"),
            line([(x, y + r * 0.9), (x + r * 0.1, y + r * 1.2)], r * 0.1, "stem")]


def fruit_parts(cv: Canvas) -> tuple[list[Part], dict[str, Color]]:
    """A bowl heaped with the fruit the prompt names (a mix when it names only "fruit")."""
    named = [k for k in FRUITS if k in cv.spec.tags] or list(MIXED_FRUIT)
    pal = cv.pal
    colours: dict[str, Color] = {"stem": scale(pal["fig_table"], 0.6),
                                 "bowl": pal["fig_bowl"], "inside": scale(pal["fig_bowl"], 0.6)}
    parts: list[Part] = [ellipse(0.0, 0.24, 0.5, 0.07, "inside")]
    spots = ((-0.32, 0.26), (-0.1, 0.27), (0.12, 0.26), (0.33, 0.27), (-0.2, 0.42),
             (0.02, 0.44), (0.23, 0.42), (0.0, 0.58))
    for i, (x, y) in enumerate(spots):
        kind = named[i % len(named)]
        shape, _ = FRUITS[kind]
        role = f"fruit_{kind}"
        colours[role], colours[f"{role}_lit"] = pal[role], lighten(pal[role], 0.15)
        colours[f"{role}_rim"] = scale(pal[role], 0.7)
        parts += _fruit(shape, x, y, 0.11, role)
    parts += [poly([(-0.5, 0.24), (-0.44, 0.12), (-0.3, 0.04), (0.3, 0.04), (0.44, 0.12),
                    (0.5, 0.24)], "bowl"),
              rect(-0.14, 0.0, 0.14, 0.05, "bowl")]
    return parts, colours


# --- rooms ------------------------------------------------------------------------------


def paint_room(cv: Canvas) -> None:
    """Indoors: a wall lit from one side, and a table (or floor) below the horizon line."""
    pal = cv.pal
    rnd = cv.streams("room")
    wall, table = pal["fig_wall"], pal["fig_table"]
    y0 = int(cv.horizon)
    cv.img.paste(vgrad(cv.w, max(1, y0), [(0.0, scale(wall, 0.85)), (1.0, lighten(wall, 0.04))]),
                 (0, 0))
    light = rnd.pick((0.2, 0.8))
    xs = np.linspace(0.0, 1.0, cv.w, dtype=np.float32)
    fall = np.exp(-((xs - light) / 0.45) ** 2)
    glow = Image.fromarray((fall[None, :] * 70).astype(np.uint8), "L").resize((cv.w, y0))
    cv.img.paste(Image.new("RGB", (cv.w, y0), tuple(int(c) for c in lighten(wall, 0.12))),
                 (0, 0), glow)
    cv.img.paste(vgrad(cv.w, cv.h - y0, [(0.0, lighten(table, 0.08)), (1.0, scale(table, 0.7))]),
                 (0, y0))
    draw = ImageDraw.Draw(cv.img)
    grain = tuple(int(c) for c in scale(table, 0.85))
    for _ in range(int(10 * cv.spec.detail)):
        y = rnd.u(y0 + 4, cv.h)
        draw.line((rnd.u(-0.2, 0.5) * cv.w, y, rnd.u(0.5, 1.2) * cv.w, y + rnd.u(-3, 3)),
                  fill=grain, width=max(1, round(cv.s / 700)))
    draw.line((0, y0, cv.w, y0), fill=tuple(int(c) for c in lighten(table, 0.18)),
              width=max(2, round(cv.s / 300)))
    cv.surface = np.full(cv.w, float(y0))


# --- placing them -----------------------------------------------------------------------


def _shadow(cv: Canvas, x: float, base: float, half: float) -> None:
    mask, draw = cv.mask(0.25)
    draw.ellipse(((x - half) / 4, (base - half * 0.12) / 4, (x + half) / 4,
                  (base + half * 0.12) / 4), fill=110)
    cv.fill(scale(cv.pal["land_dark"], 0.5), mask, soften=1.5)


def _own_size(cv: Canvas, kind: str, who: str = "") -> float:
    """A figure's height in pixels, as its kind and the prompt's size words make it."""
    traits = cv.spec.traits
    factor = 0.72 if "small" in traits or who in CHILD else 1.0
    factor *= 1.25 if "big" in traits else 1.0
    return cv.s * KINDS[kind].height * factor


def _size(cv: Canvas, kind: str, room: float) -> float:
    """A figure's height in pixels, within `room` pixels of width."""
    return min(_own_size(cv, kind), room * 0.92 / KINDS[kind].width, cv.h * 0.8)


def _row(cv: Canvas, row: list[tuple[str, str]]) -> list[tuple[float, float]]:
    """(x, height) for figures side by side: one alone is drawn large; several keep their
    sizes relative to each other (a horse taller than a cat) and share the width."""
    own = [_own_size(cv, kind, who) for kind, who in row]
    wide = [o * KINDS[kind].width for o, (kind, _who) in zip(own, row, strict=True)]
    gap = cv.w * 0.04
    room = (cv.w * 0.7 if len(row) == 1 else cv.w * 0.92 - gap * (len(row) - 1))
    k = min(1.2 if len(row) == 1 else 1.0, room / sum(wide), cv.h * 0.8 / max(own))
    x = (cv.w - sum(wide) * k - gap * (len(row) - 1)) / 2
    out = []
    for o, w in zip(own, wide, strict=True):
        out.append((x + w * k / 2, o * k))
        x += w * k + gap
    return out


def _draw(cv: Canvas, kind: str, x: float, base: float, size: float, facing: float,
          who: str = "") -> None:
    """One figure; `who` is a person's own word ("queen"), the others' are left out."""
    spec, pal = cv.spec, cv.pal
    outline: Color | None = scale(pal["fig_dark"], 0.8)
    parts: list[Part] | tuple[Part, ...]
    if kind in ANIMALS:
        parts, colours = ANIMALS[kind], animal_colours(cv, kind)
    elif kind == "person":
        tags = (spec.tags - set(spec.people)) | {who}
        parts, colours = person_parts(tags), person_colours(cv, tags)
    elif kind == "house":
        wall = pal["castle"]
        window = pal["window"] if spec.light != "day" else mix(pal["fig_glass"], wall, 0.2)
        parts, colours = HOUSE, {"wall": wall, "roof": pal["roof"], "chimney": scale(wall, 0.7),
                                 "door": mix(pal["fig_table"], pal["fig_dark"], 0.4),
                                 "window": window, "frame": scale(wall, 0.6)}
    elif kind == "tree":
        pine = spec.temp < 0 or "pine" in spec.tags or spec.has("snow")
        parts = PINE if pine else ROUND_TREE
        colours = {"trunk": pal["trunk"], "leaves": pal["foliage"],
                   "lit": lighten(pal["foliage"], 0.08)}
    elif kind == "boat":
        hull = scale(pal["boat"], 0.35) if spec.light != "night" else pal["bird"]
        parts, colours = BOAT, {"hull": hull, "sail": pal["boat"], "stripe": lighten(hull, 0.3)}
    elif kind == "car":
        body = pal["fig_car"]
        parts, colours = CAR, {"body": body, "shade": scale(body, 0.6), "glass": pal["fig_glass"],
                               "dark": pal["fig_dark"], "hub": mix(pal["fig_white"], body, 0.2),
                               "lamp": lighten(pal["window"], 0.1), "rear": (200, 30, 30)}
    elif kind == "vase":
        parts, colours = vase_parts(cv)
        colours |= {"vase": pal["fig_vase"], "shine": lighten(pal["fig_vase"], 0.25)}
    else:
        parts, colours = fruit_parts(cv)
    if spec.flat:
        outline = None
    draw_parts(cv, parts, x, base, size, facing, colours, outline)


def _portrait(cv: Canvas) -> None:
    tags = cv.spec.tags
    size = cv.h * 0.82
    draw_parts(cv, portrait_parts(tags), cv.w * 0.5, float(cv.h), size, 1.0,
               person_colours(cv, tags), scale(cv.pal["fig_dark"], 0.8))


def _water_line(cv: Canvas, depth: float) -> tuple[float, float, float]:
    """Where on the water a boat floats or a fish swims (x, y) and how wide the water is
    there: the lake, if the scene has one rather than a sea."""
    lake = cv.spots.get("lake")
    if lake is not None and not cv.spec.has("water"):
        cx, cy, rx, ry = lake
        return cx, cy + ry * 0.3, rx * 1.6
    return cv.w * 0.5, cv.horizon + (cv.h - cv.horizon) * depth, cv.w * 0.8


def paint_figures(cv: Canvas) -> None:
    spec = cv.spec
    rnd = cv.streams("figures")
    figures = list(spec.figures)
    if "person" in figures and "portrait" in spec.tags:
        figures.remove("person")
    groups: dict[str, list[str]] = {}
    for kind in figures:
        where = KINDS[kind].where
        if where == "table" and spec.scene != "interior":
            where = "front"  # a vase in a garden stands on the ground
        groups.setdefault(where, []).extend(
            [kind] * (len(spec.people) if kind == "person" else 1))
    people = iter(spec.people)
    ground = cv.h - cv.horizon
    painters: list[Callable[[], None]] = []
    back = groups.get("back", [])
    for i, kind in enumerate(back):
        alone = len(figures) == 1
        side = 0.5 if alone else (0.22 if i % 2 == 0 else 0.78)
        x = cv.w * (side + rnd.u(-0.06, 0.06))
        base = cv.horizon + ground * (0.55 if alone else 0.3) + rnd.u(0, ground * 0.05)
        size = _size(cv, kind, cv.w * (0.8 if alone else 0.4)) * (1.0 if alone else 0.8)
        painters.append(partial(_draw, cv, kind, x, base, size, 1.0))
    for kind in groups.get("water", []):
        x, y, room = _water_line(cv, 0.45 if kind == "boat" else 0.55)
        x += room * rnd.u(-0.15, 0.15)
        size = _size(cv, kind, room)
        if kind == "fish":
            y += size * 0.5
        facing = rnd.pick((-1.0, 1.0))
        painters.append(partial(_draw, cv, kind, x, y, size, facing))
    for where, lo, hi in (("table", 0.35, 0.55), ("front", 0.86, 0.93)):
        row = [(kind, next(people, "") if kind == "person" else "")
               for kind in groups.get(where, [])]
        for (kind, who), (x, size) in zip(row, _row(cv, row) if row else [], strict=True):
            x += cv.w * rnd.u(-0.08, 0.08) if len(row) == 1 else 0.0
            base = (cv.horizon + ground * rnd.u(lo, hi) if where == "table"
                    else cv.h * rnd.u(lo, hi))
            facing = rnd.pick((-1.0, 1.0)) if len(row) == 1 else (1.0 if x < cv.w / 2 else -1.0)
            if where == "front" and spec.scene != "space":
                half = size * KINDS[kind].width * 0.45
                painters.append(partial(_shadow, cv, x, base, half))
            painters.append(partial(_draw, cv, kind, x, base, size, facing, who))
    for paint in painters:
        paint()
    if "portrait" in spec.tags and "person" in spec.figures:
        _portrait(cv)


def needs_ground(figures: tuple[str, ...]) -> bool:
    """Whether some figure stands on land (by the sea: on a beach)."""
    return any(KINDS[f].where in ("front", "table") for f in figures)
