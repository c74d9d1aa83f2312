"""Colours and the palette of one picture: a base palette for the light and scene, then the
mood, temperature, prompt colours, accents, style and negative colours applied in turn."""

from __future__ import annotations

import colorsys
from collections.abc import Callable

from salon.generation.engines.sketch_rand import unit
from salon.generation.engines.sketch_spec import Spec, figure_role
from salon.generation.engines.sketch_words import FIGURE_COLOURS, FRUITS, Color


def clamp8(c: Color) -> tuple[int, int, int]:
    return (int(max(0, min(255, round(c[0])))), int(max(0, min(255, round(c[1])))),
            int(max(0, min(255, round(c[2])))))


def mix(a: Color, b: Color, t: float) -> Color:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


def scale(c: Color, f: float) -> Color:
    return (c[0] * f, c[1] * f, c[2] * f)


def luma(c: Color) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def hls(c: Color) -> tuple[float, float, float]:
    return colorsys.rgb_to_hls(*(max(0.0, min(1.0, x / 255)) for x in c))


def from_hls(h: float, lig: float, s: float) -> Color:
    r, g, b = colorsys.hls_to_rgb(h % 1.0, max(0.0, min(1.0, lig)), max(0.0, min(1.0, s)))
    return (r * 255, g * 255, b * 255)


def saturate(c: Color, f: float) -> Color:
    h, lig, s = hls(c)
    return from_hls(h, lig, s * f)


def lighten(c: Color, d: float) -> Color:
    h, lig, s = hls(c)
    return from_hls(h, lig + d, s)


def hue_shift(c: Color, d: float) -> Color:
    h, lig, s = hls(c)
    return from_hls(h + d, lig, s)


def retint(c: Color, target: Color, w: float) -> Color:
    """Move c toward target's hue and saturation, keeping much of c's lightness."""
    h, lig, s = hls(c)
    ht, lt, st = hls(target)
    if st < 0.12 or lt < 0.08 or lt > 0.92:  # black, white, grey: mostly lightness
        new = from_hls(h, lig * 0.35 + lt * 0.65, s * 0.2)
    else:
        new = from_hls(ht, lig * 0.55 + lt * 0.45, st * 0.85 + s * 0.15)
    return mix(c, new, max(0.0, min(1.0, w)))


def hue_distance(a: float, b: float) -> float:
    d = abs(a - b) % 1.0
    return min(d, 1.0 - d)


BASE: dict[str, dict[str, Color]] = {
    "day": {
        "sky_top": (62, 120, 205), "sky_mid": (120, 170, 225), "sky_low": (200, 222, 240),
        "glow": (255, 245, 215), "sun": (255, 250, 228), "moon": (235, 238, 245),
        "star": (255, 255, 255), "far": (125, 150, 185), "snow": (245, 248, 252),
        "hill": (105, 160, 85), "land": (78, 138, 60), "land_dark": (48, 98, 42),
        "foliage": (52, 118, 58), "foliage_dark": (28, 72, 40), "trunk": (95, 65, 45),
        "water": (55, 125, 185), "water_deep": (25, 70, 125), "foam": (240, 248, 252),
        "building": (120, 132, 155), "building_far": (160, 175, 198),
        "window": (200, 220, 240), "cloud": (252, 252, 255), "cloud_shade": (190, 200, 218),
        "bird": (40, 45, 55), "castle": (205, 198, 182), "roof": (170, 70, 55),
        "boat": (240, 236, 228),
    },
    "sunset": {
        "sky_top": (52, 52, 118), "sky_mid": (200, 92, 112), "sky_low": (255, 172, 92),
        "glow": (255, 190, 120), "sun": (255, 228, 160), "moon": (250, 230, 210),
        "star": (255, 240, 220), "far": (128, 82, 118), "snow": (250, 200, 190),
        "hill": (98, 62, 88), "land": (62, 42, 62), "land_dark": (38, 26, 44),
        "foliage": (56, 40, 60), "foliage_dark": (32, 22, 40), "trunk": (40, 26, 34),
        "water": (190, 110, 112), "water_deep": (62, 42, 88), "foam": (255, 215, 190),
        "building": (58, 44, 72), "building_far": (118, 78, 110), "window": (255, 205, 120),
        "cloud": (255, 170, 140), "cloud_shade": (150, 85, 120), "bird": (30, 20, 35),
        "castle": (90, 60, 80), "roof": (70, 40, 55), "boat": (60, 40, 55),
    },
    "dawn": {
        "sky_top": (100, 128, 190), "sky_mid": (225, 170, 185), "sky_low": (255, 214, 165),
        "glow": (255, 225, 180), "sun": (255, 240, 200), "moon": (245, 240, 235),
        "star": (255, 250, 240), "far": (150, 140, 172), "snow": (250, 232, 235),
        "hill": (120, 138, 112), "land": (92, 112, 84), "land_dark": (60, 76, 64),
        "foliage": (72, 98, 78), "foliage_dark": (44, 62, 56), "trunk": (70, 55, 52),
        "water": (170, 160, 190), "water_deep": (80, 90, 135), "foam": (255, 240, 235),
        "building": (110, 108, 140), "building_far": (165, 155, 185),
        "window": (255, 225, 170), "cloud": (255, 222, 215), "cloud_shade": (190, 160, 185),
        "bird": (50, 45, 60), "castle": (200, 180, 180), "roof": (150, 80, 80),
        "boat": (235, 225, 220),
    },
    "night": {
        "sky_top": (6, 10, 30), "sky_mid": (16, 26, 62), "sky_low": (38, 54, 98),
        "glow": (150, 170, 220), "sun": (255, 240, 200), "moon": (240, 238, 222),
        "star": (255, 252, 240), "far": (32, 42, 74), "snow": (150, 165, 200),
        "hill": (24, 36, 56), "land": (16, 26, 40), "land_dark": (8, 14, 24),
        "foliage": (16, 30, 40), "foliage_dark": (7, 14, 22), "trunk": (14, 14, 22),
        "water": (26, 42, 82), "water_deep": (6, 12, 30), "foam": (120, 140, 190),
        "building": (24, 28, 48), "building_far": (36, 44, 74), "window": (255, 205, 115),
        "cloud": (62, 72, 108), "cloud_shade": (28, 34, 60), "bird": (10, 12, 20),
        "castle": (40, 44, 66), "roof": (30, 30, 50), "boat": (40, 40, 60),
    },
}

SCENE_TWEAKS: dict[str, dict[str, Color]] = {
    "desert": {"land": (222, 178, 112), "land_dark": (185, 130, 75), "hill": (235, 195, 135),
               "far": (205, 150, 120), "sky_low": (250, 225, 185)},
    "forest": {"foliage": (40, 100, 52), "foliage_dark": (20, 58, 36), "hill": (70, 120, 70)},
    "mountains": {"far": (108, 125, 160), "hill": (92, 112, 120)},
    "space": {"sky_top": (4, 4, 14), "sky_mid": (12, 10, 34), "sky_low": (26, 18, 52),
              "glow": (140, 110, 220)},
    "city": {"land": (60, 62, 72), "land_dark": (35, 36, 44)},
}
NEON: dict[str, Color] = {
    "sky_top": (8, 4, 22), "sky_mid": (28, 8, 52), "sky_low": (70, 14, 88),
    "glow": (255, 60, 200), "window": (60, 240, 255), "water": (40, 10, 70),
    "water_deep": (10, 4, 24), "building": (16, 10, 32), "building_far": (30, 14, 56),
    "land": (14, 8, 28), "land_dark": (8, 4, 16), "hill": (24, 10, 44), "far": (40, 14, 70),
    "cloud": (46, 18, 78), "cloud_shade": (22, 8, 44), "foliage": (20, 10, 40),
    "foliage_dark": (10, 5, 22), "castle": (40, 20, 70), "roof": (60, 20, 90),
}
NEON_HUES: list[Color] = [(255, 40, 200), (40, 230, 255), (170, 70, 255), (255, 210, 60)]
SKY_ROLES = ("sky_top", "sky_mid", "sky_low", "glow", "cloud", "cloud_shade")
ACCENT_ROLES = ("sun", "star", "window")
KEEP_ROLES = ("castle", "roof", "boat", "bird")
BOUND_ROLES: dict[str, tuple[str, ...]] = {
    "sky": ("sky_top", "sky_mid", "sky_low"), "sun": ("sun", "glow"), "moon": ("moon",),
    "water": ("water", "water_deep"), "foliage": ("foliage", "foliage_dark"),
    "far": ("far",), "land": ("land", "land_dark", "hill"),
    "building": ("building", "building_far"), "cloud": ("cloud", "cloud_shade"),
    "bird": ("bird",), "castle": ("castle",), "boat": ("boat",), "star": ("star",),
}


# How the light falls on figures: a colour mixed in (with its weight), then a brightness.
FIGURE_LIGHT: dict[str, tuple[Color, float, float]] = {
    "day": ((255, 250, 240), 0.0, 1.0), "sunset": ((150, 70, 90), 0.28, 0.85),
    "dawn": ((220, 170, 180), 0.15, 0.95), "night": ((40, 50, 95), 0.45, 0.5),
}


def figure_roles(light: str) -> dict[str, Color]:
    """The figures' colours (fig_fox, fig_skin, fruit_lemons...) in this light. They are
    added after the mood and temperature: a fox in the snow stays orange."""
    tint, weight, bright = FIGURE_LIGHT[light]
    base = {f"fig_{k}": c for k, c in FIGURE_COLOURS.items()}
    base |= {f"fruit_{k}": c for k, (_shape, c) in FRUITS.items()}
    return {k: scale(mix(c, tint, weight), bright) for k, c in base.items()}


class Palette:
    """Named colours for one picture, plus lists for flowers, planets, shapes and nebulae."""

    def __init__(self, roles: dict[str, Color], flowers: list[Color], extras: list[Color]):
        self.roles, self.flowers, self.extras = roles, flowers, extras

    def __getitem__(self, role: str) -> Color:
        return self.roles[role]

    def map(self, fn: Callable[[Color], Color]) -> None:
        self.roles = {k: fn(v) for k, v in self.roles.items()}
        self.flowers = [fn(c) for c in self.flowers]
        self.extras = [fn(c) for c in self.extras]


def _avoid(c: Color, avoid: list[Color]) -> Color:
    for bad in avoid:
        hb, lb, sb = hls(bad)
        h, lig, s = hls(c)
        if sb < 0.15:  # black / white / grey: push lightness and add a little colour
            if abs(lig - lb) < 0.3:
                lig = lb + (0.3 if lig >= lb else -0.3)
                c = from_hls(h, lig, max(s, 0.25))
            continue
        d = hue_distance(h, hb)
        if s > 0.15 and d < 0.14:
            away = 1.0 if ((h - hb) % 1.0) < 0.5 else -1.0
            c = from_hls(h + away * (0.16 - d), lig, s * 0.7)
    return c


def _hsv(h: float, s: float, v: float) -> Color:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, max(0.0, min(1.0, s)), max(0.0, min(1.0, v)))
    return (r * 255, g * 255, b * 255)


SCHEMES: tuple[tuple[float, ...], ...] = (
    (0.0, 0.06, -0.06, 0.5, 0.12),  # analogous with a complement
    (0.0, 0.33, 0.67, 0.05, 0.38),  # triad
    (0.0, 0.5, 0.45, 0.55, 0.02),  # split complement
)


def _harmony(pal: Palette, spec: Spec) -> None:
    """Abstract pictures: a palette built around one hue (from the first unknown word, or
    the prompt itself) in a classic colour scheme, on a light or dark ground."""
    key = spec.salt or " ".join(sorted(spec.tags)) or "abstract"
    h0 = hls(spec.accents[0])[0] if spec.accents else unit("hue", key)
    offsets = SCHEMES[int(unit("scheme", key) * len(SCHEMES))]
    dark = unit("ground", key) < 0.3 or spec.light == "night"
    pal.extras = [_hsv(h0 + off, 0.55 + 0.3 * unit("s", key, i), 0.7 + 0.25 * unit("v", key, i))
                  for i, off in enumerate(offsets)]
    if dark:
        pal.roles.update(sky_top=_hsv(h0 + 0.5, 0.5, 0.12), sky_mid=_hsv(h0 + 0.45, 0.45, 0.2),
                         sky_low=_hsv(h0 + 0.55, 0.4, 0.28))
    else:
        pal.roles.update(sky_top=_hsv(h0 + 0.5, 0.18, 0.82), sky_mid=_hsv(h0 + 0.45, 0.12, 0.95),
                         sky_low=_hsv(h0 + 0.55, 0.2, 0.9))


def build_palette(spec: Spec) -> Palette:
    roles = dict(BASE[spec.light])
    roles.update(SCENE_TWEAKS.get(spec.scene, {}))
    if spec.scene == "desert" and spec.light == "night":
        roles.update({k: scale(v, 0.3) for k, v in SCENE_TWEAKS["desert"].items()})
    flowers: list[Color] = [(235, 60, 70), (250, 200, 60), (245, 245, 240), (200, 90, 200),
                            (250, 140, 60)]
    extras: list[Color] = [(235, 95, 80), (245, 190, 80), (70, 140, 200), (120, 90, 190),
                           (90, 185, 160)]
    if spec.scene == "space":
        extras = [(120, 60, 200), (40, 110, 220), (220, 70, 160), (60, 190, 200)]
    pal = Palette(roles, flowers, extras)
    p = min(1.6, spec.push)

    if spec.overcast:
        grey = (128, 134, 146) if "stormy" in spec.moods else (150, 150, 155)
        for k in roles:
            pal.roles[k] = mix(saturate(roles[k], 0.45), grey, 0.25)
            if "stormy" in spec.moods:
                pal.roles[k] = scale(pal.roles[k], 0.78)
    if "dreamy" in spec.moods:
        pal.map(lambda c: saturate(lighten(mix(c, retint(c, (215, 150, 230), 1.0), 0.12),
                                           0.05), 1.15))
    if "cheerful" in spec.moods:
        pal.map(lambda c: lighten(saturate(c, 1.25), 0.03))
    if "calm" in spec.moods:
        pal.map(lambda c: saturate(c, 0.85))
    if spec.temp > 0:
        pal.map(lambda c: mix(c, retint(c, (250, 150, 60), 1.0), 0.22 * spec.temp))
    elif spec.temp < 0:
        pal.map(lambda c: mix(c, retint(c, (150, 195, 240), 1.0), -0.28 * spec.temp))
    pal.roles.update(figure_roles(spec.light))

    colours = spec.colours
    if colours:
        base_w = min(0.88, 0.62 * p)
        n = len(colours)
        for k, v in pal.roles.items():
            if k in KEEP_ROLES or figure_role(k):
                col, wt = colours[0]
                w = base_w * 0.3
            elif k in SKY_ROLES:
                col, wt = colours[0]
                w = base_w * 0.95
            elif k in ACCENT_ROLES:
                col, wt = colours[2 % n] if n > 2 else colours[-1]
                w = min(0.95, base_w + 0.15)
            else:
                col, wt = colours[1 % n]
                w = base_w
            pal.roles[k] = retint(v, col, w * wt)
        cols = [c for c, _ in colours]
        pal.flowers = [retint(f, cols[i % n], min(0.95, base_w + 0.25))
                       for i, f in enumerate(pal.flowers)]
        pal.extras = [retint(e, cols[i % n], base_w) for i, e in enumerate(pal.extras)]
    for element, colour in spec.bound.items():
        # A figure keeps some of its own colour: a red fox is still a fox.
        weight = 0.7 if figure_role(element) else min(0.92, 0.7 * p + 0.1)
        for role in BOUND_ROLES.get(element, (element,) if element in pal.roles else ()):
            pal.roles[role] = retint(pal.roles[role], colour, weight)
        if element == "flowers":
            pal.flowers = [retint(colour, f, 0.12) for f in pal.flowers]
        if element == "planet":
            pal.extras = [retint(e, colour, 0.8) for e in pal.extras]
    if spec.scene == "abstract" and not colours:
        _harmony(pal, spec)
    elif spec.accents:  # words the engine doesn't know still tint the picture a little
        acc = spec.accents[0]
        strength = (0.06 if colours else 0.14) * min(1.0, p)
        for k, v in pal.roles.items():
            if k not in ("sun", "glow", "moon", "star"):
                pal.roles[k] = retint(v, acc, strength)
        pal.extras = spec.accents + pal.extras
        pal.flowers = pal.flowers + spec.accents[:2]

    if spec.has("snow"):
        white: Color = (236, 242, 250) if spec.light != "night" else (120, 135, 170)
        for role in ("land", "hill", "land_dark", "far"):
            pal.roles[role] = mix(pal.roles[role], white, 0.6 if role != "land_dark" else 0.4)
    if "pastel" in spec.styles:
        pal.map(lambda c: mix(saturate(c, 1.1), (252, 246, 250), 0.3))
    if "neon" in spec.styles:
        pal.roles.update(NEON)
        hues = [saturate(c, 1.6) for c, _ in colours] + NEON_HUES
        pal.extras = hues
        pal.roles["glow"] = hues[0]
        pal.roles["window"] = hues[1 % len(hues)]
    if "vintage" in spec.styles:
        pal.map(lambda c: mix(saturate(c, 0.6), (200, 165, 120), 0.2))
    if spec.avoid:
        avoid = spec.avoid
        pal.map(lambda c: _avoid(c, avoid))
    return pal
