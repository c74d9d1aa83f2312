"""Painters for the sky: gradient and glow, nebulae, sun and moon, stars, clouds, birds,
planets, rainbow, rain, snow and lightning."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from salon.generation.engines.sketch_color import clamp8, lighten, mix, saturate, scale
from salon.generation.engines.sketch_draw import Canvas, disc, glow_layer, to_image, to_mask


def paint_sky(cv: Canvas) -> None:
    spec, pal = cv.spec, cv.pal
    lw, lh = max(16, cv.w // 4), max(16, cv.h // 4)
    hy = cv.horizon / cv.h
    rnd = cv.streams("sky")
    ys = np.linspace(0.0, 1.0, lh, dtype=np.float32)
    stops = [(0.0, pal["sky_top"]), (max(0.05, hy * 0.6), pal["sky_mid"]),
             (max(0.1, hy), pal["sky_low"]), (1.0, pal["sky_low"])]
    if spec.scene == "abstract":
        stops = [(0.0, pal["sky_mid"]), (1.0, mix(pal["sky_top"], pal["sky_low"], 0.5))]
    cols = np.stack([np.interp(ys, [p for p, _ in stops], [c[k] for _, c in stops])
                     for k in range(3)], axis=1).astype(np.float32)
    sky = np.broadcast_to(cols[:, None, :], (lh, lw, 3)).copy()
    if spec.scene == "abstract":  # a diagonal tilt of the gradient
        xs = np.linspace(-1.0, 1.0, lw, dtype=np.float32)[None, :, None]
        tilt = np.array(pal["sky_top"], np.float32) - np.array(pal["sky_low"], np.float32)
        sky += xs * tilt * np.float32(rnd.u(-0.35, 0.35))

    glows: list[tuple[float, float, float, tuple[float, float, float], float]] = []
    place_body(cv)
    if cv.sun is not None:
        x, y, _ = cv.sun
        strength = {"day": 0.35, "sunset": 0.8, "dawn": 0.6, "night": 0.28}[spec.light]
        glows.append((x / 4, y / 4, cv.s * 0.28 / 4, pal["glow"], strength))
        glows.append((x / 4, y / 4, cv.s * 0.08 / 4, pal["glow"], strength * 0.6))
    if spec.light in ("sunset", "dawn") and spec.scene != "space":
        x = cv.sun[0] / 4 if cv.sun else lw / 2
        glows.append((x, cv.horizon / 4, cv.s * 0.45 / 4, pal["glow"], 0.3))
    if spec.has("nebula") or spec.scene == "space":
        neb = cv.streams("nebula")
        for k in range(2):
            f = neb.field(lw, lh, neb.u(1.5, 3.0), octaves=4, falloff=0.55)
            band = np.clip(f * 1.6 + neb.u(-0.1, 0.25), 0.0, 1.0) ** 1.6
            colour = np.array(pal.extras[(k + neb.i(0, 4)) % len(pal.extras)], np.float32)
            sky += band[..., None] * colour * np.float32(0.55 if k == 0 else 0.4)
    if glows:
        sky = glow_layer(lw, lh, glows, sky)
    if not spec.flat:
        wobble = rnd.field(lw, lh, 3.0, octaves=2)
        sky += wobble[..., None] * np.float32(9.0)
    cv.img.paste(to_image(sky).resize((cv.w, cv.h), Image.Resampling.BILINEAR))


def place_body(cv: Canvas) -> None:
    """Choose where the sun (or the moon) stands; the sky, water and shading follow it."""
    spec = cv.spec
    body = "sun" if spec.has("sun") else "moon" if spec.has("moon") else ""
    if not body:
        return
    rnd = cv.streams("body")
    rs = cv.s * (rnd.u(0.05, 0.075) if body == "sun" else rnd.u(0.04, 0.06))
    if spec.flat:
        rs *= 1.8
    x = cv.w * rnd.u(0.22, 0.78)
    if body == "sun" and spec.light in ("sunset", "dawn"):
        y = cv.horizon - rs * rnd.u(-0.2, 1.6)
    else:
        y = min(cv.horizon, cv.h) * rnd.u(0.2, 0.45)
    cv.sun = (x, y, rs)


def paint_sun(cv: Canvas) -> None:
    if cv.sun is None:
        return
    x, y, r = cv.sun
    pal = cv.pal
    if cv.spec.has("sun"):
        disc(cv, x, y, r * 1.12, mix(pal["sun"], pal["glow"], 0.5), alpha=0.45, soft=r * 0.15)
        disc(cv, x, y, r, pal["sun"], soft=1.5)
        return
    moon, shade = pal["moon"], mix(pal["moon"], pal["sky_mid"], 0.35)
    rnd = cv.streams("moon")
    disc(cv, x, y, r * 1.25, pal["moon"], alpha=0.12, soft=r * 0.3)
    disc(cv, x, y, r, moon, soft=1.5, shade=shade, light=(-0.6, -0.4))
    for _ in range(5):  # maria
        a, d = rnd.u(0, 2 * math.pi), rnd.u(0.1, 0.6) * r
        disc(cv, x + math.cos(a) * d, y + math.sin(a) * d, r * rnd.u(0.12, 0.28),
             scale(moon, 0.8), alpha=0.35, soft=r * 0.1)
    if rnd.chance(0.45) and not cv.spec.flat:  # crescent: the dark side takes the sky's colour
        off = rnd.u(0.35, 0.6) * r
        arr = np.asarray(cv.img)
        ring = np.array([(1, 0), (-1, 0), (0, 1), (0, -1), (0.7, 0.7), (-0.7, 0.7)])
        px = np.clip(x + ring[:, 0] * r * 1.6, 0, cv.w - 1).astype(int)
        py = np.clip(y + ring[:, 1] * r * 1.6, 0, cv.h - 1).astype(int)
        sky = arr[py, px].astype(np.float64).mean(axis=0)
        disc(cv, x + off, y - off * 0.3, r * 1.01, (float(sky[0]), float(sky[1]),
             float(sky[2])), alpha=0.93, soft=2.0)


def paint_stars(cv: Canvas) -> None:
    spec = cv.spec
    rnd = cv.streams("stars")
    bottom = cv.h if spec.scene in ("space", "abstract") else cv.horizon
    area = cv.w * bottom / (1024 * 1024)
    n = int((520 if spec.scene == "space" else 300) * area * (0.3 if spec.flat else 1.0))
    if n <= 0:
        return
    faint = 0.35 if spec.light != "night" else 1.0
    xs = rnd.us(n, 0, cv.w)
    ys = rnd.us(n, 0, 1) ** 1.3 * bottom
    bright = rnd.us(n, 0, 1) ** 3.0
    fade = np.clip((bottom - ys) / (0.35 * bottom + 1), 0.0, 1.0)
    k = cv.s / 1024
    bg = np.asarray(cv.img)
    draw = ImageDraw.Draw(cv.img)
    star = np.array(cv.pal["star"], np.float32)
    big: list[tuple[float, float]] = []
    for x, y, b, f in zip(xs.tolist(), ys.tolist(), bright.tolist(), fade.tolist(), strict=True):
        v = faint * f * (0.25 + 0.75 * b)
        under = bg[min(cv.h - 1, int(y)), min(cv.w - 1, int(x))].astype(np.float32)
        col = _rgb(under + (star - under) * v)
        rad = k * (0.7 + 1.5 * b)
        draw.ellipse((x - rad, y - rad, x + rad, y + rad), fill=col)
        if b > 0.8:
            arm = rad * 5
            dim = _rgb(under + (star - under) * v * 0.35)
            draw.line((x - arm, y, x + arm, y), fill=dim)
            draw.line((x, y - arm, x, y + arm), fill=dim)
        if b > 0.75 and len(big) < 20:
            big.append((x, y))
    for x, y in big:
        disc(cv, x, y, 4 * k, cv.pal["star"], alpha=0.25 * faint, soft=3 * k)


def _rgb(c: NDArray[np.float32]) -> tuple[int, int, int]:
    return clamp8((float(c[0]), float(c[1]), float(c[2])))


def paint_clouds(cv: Canvas) -> None:
    spec, pal = cv.spec, cv.pal
    rnd = cv.streams("clouds")
    q = 4
    stormy = "stormy" in spec.moods
    shade_m, sd = cv.mask(1 / q)
    light_m, ld = cv.mask(1 / q)
    n = rnd.i(5, 9) if stormy else rnd.i(2, 6)
    top = cv.horizon * (0.75 if stormy else 0.7)
    for c in range(n):
        width = cv.w * rnd.u(0.18, 0.38) * (1.4 if stormy else 1.0)
        cx = rnd.u(-0.1, 1.1) * cv.w
        base = top * (rnd.u(0.12, 0.8) if not stormy else rnd.u(0.05, 0.6) + 0.1 * c / n)
        puffs = rnd.i(5, 9)
        for p in range(puffs):
            t = (p + 0.5) / puffs
            r = width * (0.1 + 0.16 * math.sin(math.pi * t)) * rnd.u(0.8, 1.2)
            px = cx - width / 2 + width * t + rnd.u(-0.05, 0.05) * width
            py = base - r * rnd.u(0.5, 0.9)
            sd.ellipse([v / q for v in (px - r * 1.2, py - r * 0.8, px + r * 1.2, py + r)],
                       fill=255)
            r2 = r * 0.9
            py2 = py - r * 0.22
            ld.ellipse([v / q for v in (px - r2 * 1.15, py2 - r2 * 0.8, px + r2 * 1.1,
                                        py2 + r2 * 0.7)], fill=255)
    soft = cv.s * 0.006 / q * (3.0 if "dreamy" in spec.moods or "calm" in spec.moods else 1.0)
    shade = pal["cloud_shade"]
    light = pal["cloud"]
    if stormy:
        shade, light = scale(shade, 0.7), scale(light, 0.75)
    cv.fill(shade, shade_m, soften=soft + 0.6)
    cv.fill(light, light_m, soften=soft + 1.0)


def paint_birds(cv: Canvas) -> None:
    rnd = cv.streams("birds")
    n = rnd.i(3, 10)
    mask, draw = cv.mask()
    cx, cy = cv.w * rnd.u(0.2, 0.8), cv.horizon * rnd.u(0.25, 0.6)
    spread = cv.s * rnd.u(0.08, 0.2)
    k = cv.s / 1024
    for _ in range(n):
        x, y = cx + rnd.u(-2, 2) * spread, cy + rnd.u(-0.8, 0.8) * spread
        size = k * rnd.u(9, 20) * (1.0 + 0.5 * (y - cy) / spread)
        lift = rnd.u(0.2, 0.6)
        pts = [(x - size, y - size * lift), (x - size * 0.45, y - size * 0.35), (x, y),
               (x + size * 0.45, y - size * 0.35), (x + size, y - size * lift)]
        draw.line(pts, fill=255, width=max(2, round(size / 6)), joint="curve")
    cv.fill(cv.pal["bird"], mask)


def paint_planets(cv: Canvas) -> None:
    rnd = cv.streams("planets")
    space = cv.spec.scene == "space"
    n = rnd.i(1, 4) if space else 1
    for p in range(n):
        r = cv.s * (rnd.u(0.08, 0.22) if p == 0 else rnd.u(0.025, 0.07))
        x = cv.w * rnd.u(0.15, 0.85)
        y = (cv.h if space else cv.horizon * 0.7) * rnd.u(0.15, 0.85)
        base = cv.pal.extras[(p + rnd.i(0, 3)) % len(cv.pal.extras)]
        dark = scale(saturate(base, 0.8), 0.18)
        ring = r > cv.s * 0.1 and rnd.chance(0.6)
        tilt = rnd.u(-0.45, 0.45)
        if ring:
            _ring(cv, x, y, r, tilt, lighten(base, 0.15), back=True)
        disc(cv, x, y, r * 1.08, lighten(base, 0.2), alpha=0.22, soft=r * 0.1)
        _body(cv, x, y, r, base, dark, rnd.us(6, 0, 1).tolist())
        if ring:
            _ring(cv, x, y, r, tilt, lighten(base, 0.15), back=False)


def _body(cv: Canvas, x: float, y: float, r: float, base: tuple[float, float, float],
          dark: tuple[float, float, float], knobs: list[float]) -> None:
    """A shaded, banded sphere, painted in numpy on its own box."""
    x0, y0 = int(max(0, x - r - 2)), int(max(0, y - r - 2))
    x1, y1 = int(min(cv.w, x + r + 3)), int(min(cv.h, y + r + 3))
    if x1 <= x0 or y1 <= y0:
        return
    ny = (np.arange(y0, y1, dtype=np.float32)[:, None] - y) / r
    nx = (np.arange(x0, x1, dtype=np.float32)[None, :] - x) / r
    d = np.sqrt(nx * nx + ny * ny)
    alpha = np.clip((1.0 - d) * r / 1.5 + 0.5, 0.0, 1.0)
    freq = 4 + 10 * knobs[0]
    stripes = (np.sin(ny * freq + knobs[1] * 6 + 0.35 * np.sin(nx * 4 + knobs[2] * 6))
               + 0.5 * np.sin(ny * freq * 2.3 + knobs[3] * 6))
    amount = 0.05 + 0.14 * knobs[4]
    col = np.array(base, np.float32) * (1.0 + amount * stripes)[..., None]
    nz = np.sqrt(np.clip(1.0 - d * d, 0.0, 1.0))
    lam = np.clip(-0.6 * nx - 0.45 * ny + 0.66 * nz, 0.0, 1.0)[..., None]
    dk = np.array(dark, np.float32)
    rgb = dk + (col - dk) * (0.08 + 0.92 * lam)
    rgb += (np.clip(d, 0.0, 1.0) ** 10)[..., None] * lam * np.float32(90.0)
    cv.img.paste(to_image(rgb), (x0, y0, x1, y1), to_mask(alpha))


def _ring(cv: Canvas, x: float, y: float, r: float, tilt: float,
          color: tuple[float, float, float], back: bool) -> None:
    t = np.linspace(math.pi if back else 0.0, 2 * math.pi if back else math.pi, 60)
    rx, ry = r * 1.9, r * 0.45
    px, py = rx * np.cos(t), ry * np.sin(t)
    ca, sa = math.cos(tilt), math.sin(tilt)
    xs, ys = x + px * ca - py * sa, y + px * sa + py * ca
    mask, draw = cv.mask()
    draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=200,
              width=max(2, round(r * 0.09)), joint="curve")
    cv.fill(color, mask)


def paint_rainbow(cv: Canvas) -> None:
    rnd = cv.streams("rainbow")
    q = 4
    lw, lh = cv.w // q, cv.h // q
    cx, cy = cv.w * rnd.u(0.3, 0.7) / q, (cv.horizon + cv.s * 0.1) / q
    radius, band = cv.s * rnd.u(0.42, 0.6) / q, cv.s * 0.075 / q
    ys = np.arange(lh, dtype=np.float32)[:, None]
    xs = np.arange(lw, dtype=np.float32)[None, :]
    t = (np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2) - radius) / band  # 0 inner .. 1 outer
    hues = [(120, 60, 200), (60, 90, 230), (60, 200, 120), (250, 225, 60), (250, 140, 50),
            (230, 50, 50)]
    pos = np.linspace(0.0, 1.0, len(hues))
    rgb = np.stack([np.interp(t, pos, [c[k] for c in hues]) for k in range(3)], axis=-1)
    alpha = np.clip(1.0 - np.abs(t - 0.5) * 2.0, 0.0, 1.0) ** 0.6 * 0.45
    alpha *= np.clip((cv.horizon / q - ys) / (lh * 0.05), 0.0, 1.0)
    cv.fill(to_image(rgb).resize((cv.w, cv.h), Image.Resampling.BILINEAR), to_mask(alpha),
            soften=0.8)


def paint_rain(cv: Canvas) -> None:
    rnd = cv.streams("rain")
    q = 2
    mask, draw = cv.mask(1 / q)
    n = int(700 * cv.w * cv.h / 1024**2 * cv.spec.detail)
    slant = rnd.u(-0.25, 0.25)
    xs, ys = rnd.us(n, -0.1 * cv.w, 1.1 * cv.w) / q, rnd.us(n, -0.1 * cv.h, cv.h) / q
    lens, vals = rnd.us(n, 0.02, 0.06) * cv.s / q, rnd.us(n, 40, 130)
    for x, y, ln, v in zip(xs.tolist(), ys.tolist(), lens.tolist(), vals.tolist(), strict=True):
        draw.line((x, y, x + slant * ln, y + ln), fill=int(v))
    cv.fill(lighten(cv.pal["cloud"], 0.1), mask, soften=0.4)


def paint_snow(cv: Canvas) -> None:
    rnd = cv.streams("snow")
    n = int(600 * cv.w * cv.h / 1024**2 * cv.spec.detail)
    mask, draw = cv.mask()
    k = cv.s / 1024
    xs, ys, rs = rnd.us(n, 0, cv.w), rnd.us(n, 0, cv.h), rnd.us(n, 0, 1) ** 2
    for x, y, r in zip(xs.tolist(), ys.tolist(), rs.tolist(), strict=True):
        rad = k * (1.0 + 4.0 * r)
        draw.ellipse((x - rad, y - rad, x + rad, y + rad), fill=int(150 + 100 * r))
    cv.fill((250, 252, 255), mask)


def paint_lightning(cv: Canvas) -> None:
    rnd = cv.streams("lightning")
    x, y = cv.w * rnd.u(0.2, 0.8), 0.0
    pts = [(x, y)]
    step = cv.s * 0.04
    while y < cv.horizon * rnd.u(0.85, 1.0) and len(pts) < 60:
        x += rnd.u(-1.0, 1.0) * step * 0.8
        y += step * rnd.u(0.5, 1.0)
        pts.append((x, y))
    q = 4
    glow, gd = cv.mask(1 / q)
    gd.line([(a / q, b / q) for a, b in pts], fill=170, width=max(2, round(cv.s * 0.012 / q)))
    cv.fill((190, 200, 255), glow, soften=cv.s * 0.012 / q)
    core, cd = cv.mask()
    cd.line(pts, fill=255, width=max(2, round(cv.s * 0.003)), joint="curve")
    branch = pts[len(pts) // 3:len(pts) // 3 + 6]
    if len(branch) > 2:
        bx = [(a + (a - branch[0][0]) * 0.8 + i * step * 0.3, b)
              for i, (a, b) in enumerate(branch)]
        cd.line(bx, fill=180, width=max(1, round(cv.s * 0.0018)))
    cv.fill((250, 250, 255), core)


def sun_streaks(cv: Canvas, draw: ImageDraw.ImageDraw, top: float, colour: tuple[float, float,
                float], amount: float) -> None:
    """Glints of the sun or moon on water below `top` (drawn by the water painters)."""
    if cv.sun is None or cv.sun[1] > top + cv.sun[2]:
        return
    rnd = cv.streams("glints")
    x0, _, r = cv.sun
    n = int(160 * amount * cv.spec.detail)
    depth = rnd.us(n, 0, 1) ** 1.7
    ys = top + depth * (cv.h - top)
    spread = r * (0.7 + 2.6 * depth)
    xs = x0 + rnd.us(n, -1, 1) * spread
    lens = cv.s * (0.006 + 0.05 * depth) * rnd.us(n, 0.4, 1.0)
    for x, y, ln, d in zip(xs.tolist(), ys.tolist(), lens.tolist(), depth.tolist(),
                           strict=True):
        draw.line((x - ln / 2, y, x + ln / 2, y), fill=clamp8(mix(colour, (255, 255, 255),
                  0.3 * (1 - d))), width=max(1, round(1 + 3 * d * cv.s / 1024)))
