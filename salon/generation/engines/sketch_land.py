"""Painters for the land and water: mountains, hills, ground, dunes, sea, waves, lakes,
rivers, trees, flowers and grass."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from salon.generation.engines.sketch_color import clamp8, lighten, mix, scale
from salon.generation.engines.sketch_draw import Canvas, fill_below, haze, to_mask, vgrad
from salon.generation.engines.sketch_sky import sun_streaks
from salon.generation.engines.sketch_words import Color

Profile = NDArray[np.float64]


class Region:
    """A mask for the rows y0..h only, so wide-but-short layers stay cheap."""

    def __init__(self, cv: Canvas, y0: float, y1: float | None = None) -> None:
        self.y0 = int(max(0, min(cv.h - 1, math.floor(y0))))
        bottom = cv.h if y1 is None else int(max(self.y0 + 1, min(cv.h, math.ceil(y1))))
        self.mask = Image.new("L", (cv.w, bottom - self.y0), 0)
        self.draw = ImageDraw.Draw(self.mask)

    def polygon(self, pts: list[tuple[float, float]], fill: int = 255) -> None:
        self.draw.polygon([(x, y - self.y0) for x, y in pts], fill=fill)

    def ellipse(self, x0: float, y0: float, x1: float, y1: float, fill: int = 255) -> None:
        self.draw.ellipse((x0, y0 - self.y0, x1, y1 - self.y0), fill=fill)

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: int = 255) -> None:
        self.draw.rectangle((x0, y0 - self.y0, x1, y1 - self.y0), fill=fill)

    def line(self, pts: list[tuple[float, float]], width: int, fill: int = 255) -> None:
        self.draw.line([(x, y - self.y0) for x, y in pts], fill=fill, width=width)

    def paint(self, cv: Canvas, color: Color | Image.Image, soften: float = 0.0) -> None:
        mask = self.mask.filter(ImageFilter.GaussianBlur(soften)) if soften > 0 else self.mask
        y1 = self.y0 + self.mask.height
        if isinstance(color, Image.Image):
            cv.img.paste(color.crop((0, self.y0, cv.w, y1)), (0, self.y0), mask)
        else:
            cv.img.paste(clamp8(color), (0, self.y0, cv.w, y1), mask)


def shade_faces(cv: Canvas, profile: Profile, color: Color, depth: float, strength: float,
                layer: tuple[int, Image.Image]) -> None:
    """Darken the slopes that face away from the sun, fading down from the ridge; worked
    out at half size and clipped to the layer's own mask."""
    sun_x = cv.sun[0] if cv.sun else cv.w * 0.3
    size = max(5, cv.w // 24)
    kernel = np.hanning(size)
    smooth = np.convolve(np.pad(profile, size, mode="edge"), kernel / kernel.sum(),
                         mode="same")[size:-size]
    slope = np.gradient(smooth)
    xs = np.arange(cv.w)
    away = np.where(xs < sun_x, -slope, slope)  # rising away from the light: in shadow
    dark = (np.clip(away * 2.5 - 0.1, 0.0, 1.0) * strength)[::2].astype(np.float32)
    y0, mask = layer
    y1 = int(min(cv.h, profile.max() + depth * 3))
    if y1 <= y0 + 2 or not dark.any():
        return
    ys = np.arange(y0, y1, 2, dtype=np.float32)[:, None]
    below = np.maximum(ys - smooth[::2].astype(np.float32)[None, :], 0.0)
    alpha = np.exp(-below / np.float32(depth)) * dark[None, :]
    shade = to_mask(alpha).resize((cv.w, y1 - y0), Image.Resampling.BILINEAR)
    shade = ImageChops.multiply(shade, mask.crop((0, 0, cv.w, y1 - y0)))
    cv.img.paste(clamp8(color), (0, y0, cv.w, y1), shade)


def _extrema(smooth: Profile) -> tuple[list[int], list[int]]:
    d = np.sign(np.diff(smooth))
    turns = np.flatnonzero(d[1:] != d[:-1]) + 1
    peaks = [int(i) for i in turns if d[i - 1] < 0 <= d[i]]  # y falls then rises: a summit
    valleys = [int(i) for i in turns if d[i - 1] > 0 >= d[i]]
    return peaks, valleys


def shade_peaks(cv: Canvas, profile: Profile, color: Color, depth: float, strength: float,
                layer: tuple[int, Image.Image], key: str) -> None:
    """Faceted mountain shading: from every summit, the flank away from the sun is in
    shadow down to its valley, bounded by a jagged line running down from the summit."""
    rnd = cv.streams(key)
    y0, mask = layer
    sun_x = cv.sun[0] if cv.sun else cv.w * 0.3
    size = max(5, cv.w // 14)
    kernel = np.hanning(size)
    smooth = np.convolve(np.pad(profile, size, mode="edge"), kernel / kernel.sum(),
                         mode="same")[size:-size]
    peaks, valleys = _extrema(smooth)
    peaks = [int(np.argmin(profile[max(0, p - size // 2):p + size // 2])) + max(0, p - size // 2)
             for p in peaks]
    shade = Image.new("L", mask.size, 0)
    draw = ImageDraw.Draw(shade)
    bottom = float(min(mask.height, profile.max() - y0 + depth))
    value = int(255 * strength)
    for xp in peaks:
        side = -1 if sun_x > xp else 1
        ahead = [v for v in valleys if (v - xp) * side > 0]
        xv = (min(ahead, key=lambda v: abs(v - xp)) if ahead
              else (0 if side < 0 else cv.w - 1))
        drop = float(profile[xv] - profile[xp])
        if abs(xv - xp) < 8 or drop < depth * 0.08:
            continue
        top = float(profile[xp] - y0)
        foot_y = min(bottom, top + drop * rnd.u(1.6, 2.6))
        foot_x = xp + side * abs(xv - xp) * rnd.u(0.15, 0.45)
        pts = [(float(x), float(profile[x] - y0)) for x in range(xp, xv + side, side * 3)]
        n = 7
        line = []
        for i in range(n, 0, -1):
            t = i / n
            jitter = rnd.u(-0.05, 0.05) * abs(xv - xp) * math.sin(math.pi * t)
            line.append((xp + (foot_x - xp) * t + jitter, top + (foot_y - top) * t))
        draw.polygon([*pts, (foot_x + (xv - foot_x) * 0.3, foot_y), *line], fill=value)
    rows = shade.height
    fade = np.clip(1.0 - np.arange(rows, dtype=np.float32) / max(1.0, bottom), 0.0, 1.0)
    fade_img = Image.fromarray((fade[:, None] * 255).astype(np.uint8), "L").resize(
        (cv.w, rows), Image.Resampling.NEAREST)
    shade = ImageChops.multiply(ImageChops.multiply(shade, fade_img), mask)
    cv.img.paste(clamp8(color), (0, y0), shade)


def paint_mountains(cv: Canvas) -> None:
    pal, spec = cv.pal, cv.spec
    rnd = cv.streams("mountains")
    layers = 2 if spec.flat else (3 if spec.scene == "mountains" else 2)
    for k in range(layers):
        depth = 1.0 - k / max(1, layers - 1) if layers > 1 else 0.5  # 1 = far
        amp = cv.h * rnd.u(0.16, 0.3) * (1.2 if spec.scene == "mountains" else 0.8) * (
            0.7 + 0.5 * depth)
        base = cv.horizon + cv.h * 0.02 * (1 - depth)
        n = rnd.profile(cv.w, rnd.u(2.0, 4.0), octaves=1 if spec.flat else 6, falloff=0.48,
                        smooth=False)
        profile = base - amp * (0.5 + 0.5 * n) - cv.h * 0.02
        top = haze(pal["far"], pal["sky_low"], 0.55 * depth)
        bottom = haze(scale(pal["far"], 0.75), pal["sky_low"], 0.4 * depth)
        layer = fill_below(cv, profile, top, top if spec.flat else bottom)
        if spec.flat:
            continue
        shade_peaks(cv, profile, haze(scale(pal["far"], 0.55), pal["sky_low"], 0.45 * depth),
                    amp * 1.2, 0.6, layer, f"faces{k}")
        if depth > 0.4 or spec.has("snow") or spec.temp < 0:
            level = profile.min() + (profile.max() - profile.min()) * rnd.u(0.35, 0.55)
            bottom = profile + np.clip(level - profile, 0, None) * 0.7
            bottom = bottom + rnd.profile(cv.w, 14, 3) * amp * 0.05 * (bottom > profile + 2)
            y0 = layer[0]
            snow_mask = Image.new("L", (cv.w, cv.h - y0), 0)
            xs = np.arange(0, cv.w + 2, 2).clip(0, cv.w - 1)
            outline = [(float(x), float(profile[x] - y0)) for x in xs.tolist()]
            outline += [(float(x), float(bottom[x] - y0)) for x in xs[::-1].tolist()]
            ImageDraw.Draw(snow_mask).polygon(outline, fill=255)
            thin = np.flatnonzero(bottom - profile < 1.5)
            if thin.size:
                arr = np.array(snow_mask)
                arr[:, thin] = 0
                snow_mask = Image.fromarray(arr, "L")
            snow = haze(pal["snow"], pal["sky_low"], 0.3 * depth)
            cv.img.paste(clamp8(snow), (0, y0), snow_mask)
            shade_peaks(cv, profile, haze(scale(pal["snow"], 0.72), pal["sky_low"],
                                          0.3 * depth), amp * 1.2, 0.6, (y0, snow_mask),
                        f"faces{k}")


def paint_ground(cv: Canvas) -> None:
    pal, spec = cv.pal, cv.spec
    rnd = cv.streams("ground")
    flat = rnd.profile(cv.w, 2.0, octaves=3) * cv.h * 0.012
    profile = cv.horizon + flat
    top = haze(pal["hill"], pal["sky_low"], 0.3)
    fill_below(cv, profile, top, pal["land_dark"] if not spec.flat else pal["land"])
    cv.surface, cv.land = profile, cv.last_fill


def paint_hills(cv: Canvas, near: bool) -> None:
    pal, spec = cv.pal, cv.spec
    rnd = cv.streams("hills-near" if near else "hills")
    x = np.linspace(0.0, 1.0, cv.w)
    if near:
        amp = cv.h * rnd.u(0.1, 0.18)
        base = cv.horizon + (cv.h - cv.horizon) * rnd.u(0.3, 0.5)
        top, bottom = lighten(pal["hill"], 0.1), pal["land_dark"]
        centre, spread = rnd.u(0.3, 0.7), rnd.u(0.25, 0.4)
        bump = np.exp(-(((x - centre) / spread) ** 2))
        n = rnd.profile(cv.w, rnd.u(2.0, 3.0), octaves=1 if spec.flat else 4, falloff=0.4)
        profile = base - amp * (1.4 * bump + 0.15 * n)
    else:
        amp = cv.h * rnd.u(0.05, 0.1)
        base = cv.horizon + cv.h * 0.01
        top, bottom = haze(pal["hill"], pal["sky_low"], 0.45), haze(pal["hill"], pal["sky_low"],
                                                                     0.3)
        n = rnd.profile(cv.w, rnd.u(1.2, 2.5), octaves=1 if spec.flat else 4, falloff=0.4)
        profile = base - amp * (0.5 + 0.5 * n)
    layer = fill_below(cv, profile, top, top if spec.flat else bottom)
    if not spec.flat:
        shade_faces(cv, profile, scale(top, 0.75), amp * 0.8, 0.35, layer)
    if near:
        cv.surface = np.minimum(cv.surface, profile) if cv.surface.size else profile
        cv.land = cv.last_fill


def paint_dunes(cv: Canvas) -> None:
    pal = cv.pal
    rnd = cv.streams("dunes")
    n = 2 if cv.spec.flat else 4
    x = np.linspace(0.0, 1.0, cv.w)
    for k in range(n):
        depth = 1.0 - k / (n - 1)
        base = cv.horizon + (cv.h - cv.horizon) * (0.05 + 0.75 * k / n)
        amp = cv.h * rnd.u(0.04, 0.09) * (1.4 - 0.6 * depth)
        wave = np.sin(2 * math.pi * (x * rnd.u(0.6, 1.6) + rnd.u(0, 1)))
        profile = base - amp * (0.5 + 0.35 * wave + 0.25 * rnd.profile(cv.w, 3, octaves=3))
        lit = haze(lighten(pal["land"], 0.05 * k), pal["sky_low"], 0.4 * depth)
        layer = fill_below(cv, profile, lit, haze(pal["land"], pal["sky_low"], 0.25 * depth))
        if not cv.spec.flat:
            shade_faces(cv, profile, haze(pal["land_dark"], pal["sky_low"], 0.3 * depth),
                        amp * 1.5, 0.8, layer)
        cv.surface = profile


def paint_water(cv: Canvas) -> None:
    pal, spec = cv.pal, cv.spec
    y0 = int(cv.horizon)
    hh = cv.h - y0
    if hh <= 2:
        return
    src_h = max(2, min(y0, int(hh * 0.9)))
    refl = cv.img.crop((0, y0 - src_h, cv.w, y0)).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    refl = refl.resize((max(1, cv.w // 3), max(1, hh // 10)), Image.Resampling.BOX)
    refl = refl.resize((cv.w, hh), Image.Resampling.BILINEAR)
    grad = vgrad(cv.w, hh, [(0.0, pal["water"]), (1.0, pal["water_deep"])])
    cv.img.paste(Image.blend(refl, grad, 0.55 if spec.light != "night" else 0.45), (0, y0))
    rnd = cv.streams("water")
    draw = ImageDraw.Draw(cv.img)
    n = int((90 if spec.flat else 420) * spec.detail * cv.w / 1024)
    calm = 0.6 if "calm" in spec.moods else 1.0
    depth = rnd.us(n, 0, 1) ** 1.6
    ys = y0 + depth * hh
    xs = rnd.us(n, -0.05, 1.05) * cv.w
    lens = cv.s * (0.01 + 0.09 * depth) * rnd.us(n, 0.3, 1.0) * calm
    kinds = rnd.us(n, 0, 1)
    light = mix(pal["water"], pal["sky_low"], 0.55)
    dark = scale(pal["water_deep"], 0.9)
    for x, y, ln, d, kd in zip(xs.tolist(), ys.tolist(), lens.tolist(), depth.tolist(),
                               kinds.tolist(), strict=True):
        col = mix(mix(pal["water"], pal["water_deep"], d), light if kd < 0.55 else dark, 0.6)
        draw.line((x - ln / 2, y, x + ln / 2, y), fill=clamp8(col),
                  width=max(1, round((0.6 + 2.4 * d) * cv.s / 1024)))
    sun_streaks(cv, draw, float(y0), pal["glow"], 1.0 if spec.light != "day" else 0.6)
    if cv.surface.size == 0:
        cv.surface = np.full(cv.w, float(y0))


def paint_waves(cv: Canvas) -> None:
    pal, spec = cv.pal, cv.spec
    rnd = cv.streams("waves")
    n = 3 if spec.flat else 4
    x = np.linspace(0.0, 1.0, cv.w)
    big = 1.7 if "stormy" in spec.moods else 0.6 if "calm" in spec.moods else 1.0
    for k in range(n):
        t = (k + 1) / (n + 1)
        base = cv.horizon + (cv.h - cv.horizon) * (0.25 + 0.75 * t)
        amp = cv.h * 0.025 * (0.5 + t) * big
        wl = rnd.u(0.25, 0.5) / (0.6 + t)
        ph = rnd.u(0, 1)
        crest = (1.0 - np.abs(np.sin(math.pi * (x / wl + ph)))) ** 0.9  # pointed tops
        profile = base - amp * (crest * 1.3 - 0.3) - rnd.profile(cv.w, 4, octaves=3) * amp * 0.3
        body = mix(pal["water"], pal["water_deep"], 0.3 + 0.5 * t)
        fill_below(cv, profile, lighten(body, 0.12), scale(body, 0.8), fade_to=base + amp * 2)
        region = Region(cv, profile.min() - 8, profile.max() + 8)
        step = max(2, cv.w // 200)
        width = max(2, round(cv.s * 0.004 * (0.5 + t) * big))
        run: list[tuple[float, float]] = []
        for i in range(0, cv.w, step):
            if crest[i] > 0.55:
                run.append((float(i), float(profile[i]) + width * 0.3))
            elif run:
                if len(run) > 1:
                    region.line(run, width=width, fill=235)
                run = []
        if len(run) > 1:
            region.line(run, width=width, fill=235)
        region.paint(cv, pal["foam"], soften=0.6 + t)


def paint_lake(cv: Canvas) -> None:
    pal = cv.pal
    rnd = cv.streams("lake")
    gh = cv.h - cv.horizon
    cy = cv.horizon + gh * rnd.u(0.12, 0.3)
    cx, rx, ry = cv.w * rnd.u(0.3, 0.7), cv.w * rnd.u(0.25, 0.45), gh * rnd.u(0.06, 0.12)
    cv.spots["lake"] = (cx, cy, rx, ry)
    t = np.linspace(0, 2 * math.pi, 120, endpoint=False)
    wob = 1.0 + 0.12 * rnd.profile(120, 6, octaves=2)
    xs, ys = cx + rx * np.cos(t) * wob, cy + ry * np.sin(t) * wob
    region = Region(cv, float(ys.min()) - 2, float(ys.max()) + 2)
    region.polygon(list(zip(xs.tolist(), ys.tolist(), strict=True)))
    grad = vgrad(cv.w, cv.h, [(0.0, pal["sky_low"]), (max(0.01, (cy - ry) / cv.h),
                              mix(pal["sky_low"], pal["water"], 0.4)),
                             (min(1.0, (cy + ry) / cv.h), pal["water"]), (1.0, pal["water"])])
    region.paint(cv, grad)
    draw = ImageDraw.Draw(cv.img)
    for _ in range(int(30 * cv.spec.detail)):
        a, d = rnd.u(0, 2 * math.pi), rnd.u(0, 0.8)
        lx, ly = cx + math.cos(a) * d * rx * 0.8, cy + math.sin(a) * d * ry * 0.7
        ln = rx * rnd.u(0.03, 0.12)
        draw.line((lx - ln, ly, lx + ln, ly), fill=clamp8(lighten(pal["water"], 0.12)))


def paint_river(cv: Canvas) -> None:
    pal = cv.pal
    rnd = cv.streams("river")
    ys = np.linspace(cv.horizon + 2, cv.h + 4, 80)
    t = (ys - cv.horizon) / max(1.0, cv.h - cv.horizon)
    centre = cv.w * (rnd.u(0.35, 0.65) + 0.25 * t * np.sin(t * rnd.u(4, 8) + rnd.u(0, 6)))
    half = cv.w * (0.004 + 0.16 * t**1.5)
    pts = list(zip((centre - half).tolist(), ys.tolist(), strict=True))
    pts += list(zip((centre + half)[::-1].tolist(), ys[::-1].tolist(), strict=True))
    region = Region(cv, cv.horizon)
    region.polygon(pts)
    grad = vgrad(cv.w, cv.h, [(0.0, pal["sky_low"]), (cv.horizon / cv.h, mix(pal["sky_low"],
                              pal["water"], 0.3)), (1.0, pal["water"])])
    region.paint(cv, grad)


def _pine(x: float, base: float, height: float, width: float, tiers: int,
          lit_right: bool) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    top, bottom = base - height, base - height * 0.1
    right: list[tuple[float, float]] = []
    for i in range(1, tiers + 1):
        y = top + (bottom - top) * i / tiers
        hw = width / 2 * (0.3 + 0.7 * i / tiers)
        right.append((x + hw, y))
        if i < tiers:
            right.append((x + hw * 0.4, y - (bottom - top) / tiers * 0.1))
    left = [(2 * x - px, py) for px, py in reversed(right)]
    trunk = [(x + width * 0.06, bottom), (x + width * 0.06, base), (x - width * 0.06, base),
             (x - width * 0.06, bottom)]
    body = [(x, top), *right, *trunk, *left]
    half = [(x, top), *(right if lit_right else [(2 * x - px, py) for px, py in right]),
            (x, bottom)]
    return body, half


def paint_trees(cv: Canvas) -> None:
    pal, spec = cv.pal, cv.spec
    rnd = cv.streams("trees")
    forest = spec.scene == "forest"
    pine = forest or rnd.chance(0.5) or spec.temp < 0
    lit_right = cv.sun is not None and cv.sun[0] > cv.w / 2
    rows = (2 if spec.flat else 4) if forest else 1
    gh = cv.h - cv.horizon
    surface = cv.surface if cv.surface.size else np.full(cv.w, cv.horizon)
    for r in range(rows):
        near = (r + 1) / rows  # 1 = nearest
        height = cv.s * ((0.08 + 0.32 * near**1.5) if forest else rnd.u(0.12, 0.22))
        width = height * (rnd.u(0.35, 0.45) if pine else 0.6)
        if forest:
            xs = np.cumsum(rnd.us(int(cv.w / (width * 0.45)) + 4, 0.3, 0.75) * width)
            xs = xs - width * rnd.u(0.5, 1.0)
            bases = cv.horizon + gh * (0.02 + 0.85 * near**1.6) + rnd.us(len(xs), 0, 1) * (
                gh * 0.04)
        else:
            count = rnd.i(2, 9) if not spec.flat else rnd.i(1, 3)
            xs = np.sort(cv.w * (rnd.u(0.1, 0.9) + rnd.us(count, -0.25, 0.25)))
            col = np.clip(xs.astype(int), 0, cv.w - 1)
            bases = surface[col] + cv.s * rnd.us(count, 0.005, 0.03)
        xs = xs[xs < cv.w + width]
        bases = bases[: len(xs)]
        heights = height * rnd.us(len(xs), 0.75, 1.25)
        far = 1.0 - near
        body_c = haze(mix(pal["foliage"], pal["foliage_dark"], near * 0.6), pal["sky_low"],
                      0.55 * far if forest else 0.0)
        lit_c = haze(lighten(pal["foliage"], 0.08), pal["sky_low"], 0.5 * far if forest else 0)
        draw = ImageDraw.Draw(cv.img)
        fill, lit_fill = clamp8(body_c), clamp8(lit_c)
        shades = rnd.us(len(xs), -0.04, 0.04)
        for x, b, hgt, sh in zip(xs.tolist(), bases.tolist(), heights.tolist(), shades.tolist(),
                                 strict=True):
            tone = clamp8(lighten(body_c, sh)) if not spec.flat else fill
            if pine:
                shape, half = _pine(x, b, hgt, hgt * width / height, rnd.i(3, 6), lit_right)
                draw.polygon(shape, fill=tone)
                if not spec.flat:
                    draw.polygon(half, fill=lit_fill)
            else:
                cw = hgt * 0.35
                cy = b - hgt * 0.62
                draw.line([(x, b), (x, cy)], fill=clamp8(pal["trunk"]),
                          width=max(2, round(cw * 0.16)))
                for dx, dy, rr in ((0, 0, 1.0), (-0.45, 0.2, 0.7), (0.45, 0.2, 0.7)):
                    draw.ellipse((x + dx * cw - rr * cw, cy + dy * cw - rr * cw,
                                  x + dx * cw + rr * cw, cy + dy * cw + rr * cw), fill=tone)
                if not spec.flat:
                    off = 0.3 if lit_right else -0.3
                    draw.ellipse((x + off * cw - cw * 0.55, cy - cw * 0.85,
                                  x + off * cw + cw * 0.55, cy + cw * 0.05), fill=lit_fill)


def paint_flowers(cv: Canvas) -> None:
    pal, spec = cv.pal, cv.spec
    rnd = cv.streams("flowers")
    surface = cv.surface if cv.surface.size else np.full(cv.w, cv.horizon)
    top = float(np.median(surface))
    gh = cv.h - top
    n = int((250 if spec.flat else 900) * spec.detail * cv.w / 1024)
    depth = rnd.us(n, 0, 1) ** 0.8
    xs = rnd.us(n, 0, cv.w)
    ys = top + gh * (0.04 + 0.98 * depth)
    ok = ys > surface[np.clip(xs.astype(int), 0, cv.w - 1)] + 3
    xs, ys, depth = xs[ok], ys[ok], depth[ok]
    order = np.argsort(ys)
    colours = pal.flowers
    main = "flowers" in spec.bound
    picks = rnd.us(len(xs), 0, 1)
    draw = ImageDraw.Draw(cv.img)
    k = cv.s / 1024
    stem = clamp8(pal["foliage_dark"])
    fills = [clamp8(c) for c in colours]
    centres = [clamp8(lighten(c, 0.2)) for c in colours]
    for i in order.tolist():
        x, y, d = float(xs[i]), float(ys[i]), float(depth[i])
        r = k * (2.0 + 11.0 * d * d) * (0.8 + 0.4 * picks[i])
        ci = 0 if main and picks[i] < 0.8 else int(picks[i] * 997) % len(colours)
        if r > 4 * k:
            draw.line((x, y + r * 3.5, x, y), fill=stem, width=max(1, round(r * 0.25)))
        draw.ellipse((x - r * 1.1, y - r * 0.8, x + r * 1.1, y + r * 0.8), fill=fills[ci])
        if r > 6 * k:
            draw.ellipse((x - r * 0.3, y - r * 0.35, x + r * 0.3, y + r * 0.15),
                         fill=centres[ci])


def paint_grass(cv: Canvas) -> None:
    pal, spec = cv.pal, cv.spec
    if cv.surface.size == 0 or spec.flat:
        return
    rnd = cv.streams("grass")
    n = int(1300 * spec.detail * cv.w / 1024)
    xs = rnd.us(n, 0, cv.w)
    depth = rnd.us(n, 0, 1) ** 1.2
    ys = cv.horizon + (cv.h - cv.horizon) * depth
    ok = ys > cv.surface[np.clip(xs.astype(int), 0, cv.w - 1)] + 4
    draw = ImageDraw.Draw(cv.img)
    lightc, darkc = lighten(pal["land"], 0.06), scale(pal["land_dark"], 0.85)
    lean = rnd.us(n, -0.4, 0.4)
    shade = rnd.us(n, 0, 1)
    for x, y, d, le, sh, good in zip(xs.tolist(), ys.tolist(), depth.tolist(), lean.tolist(),
                                     shade.tolist(), ok.tolist(), strict=True):
        if not good:
            continue
        ln = cv.s * (0.004 + 0.03 * d)
        col = mix(mix(pal["hill"], pal["land_dark"], d), lightc if sh < 0.5 else darkc, 0.55)
        draw.line((x, y, x + le * ln, y - ln), fill=clamp8(col), width=max(1, round(d * 2)))
