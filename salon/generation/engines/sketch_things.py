"""Painters for built things and shapes: skylines, castles, houses, boats, beaches and the
abstract compositions."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from salon.generation.engines.sketch_color import clamp8, lighten, mix, saturate, scale
from salon.generation.engines.sketch_draw import (
    Canvas,
    disc,
    fill_below,
    haze,
    profile_polygon,
    vgrad,
)
from salon.generation.engines.sketch_land import Region
from salon.generation.engines.sketch_words import Color


def paint_buildings(cv: Canvas) -> None:
    pal, spec = cv.pal, cv.spec
    rnd = cv.streams("buildings")
    night = spec.light == "night"
    layers = 2 if spec.flat else 3
    base = cv.horizon + 1
    draw = ImageDraw.Draw(cv.img)
    k = cv.s / 1024
    for li in range(layers):
        near = li / (layers - 1)
        colour = haze(pal["building"], pal["sky_low"], 0.55 * (1 - near))
        if li == layers - 1:
            colour = scale(pal["building"], 0.85)
        region = Region(cv, cv.h * 0.05)
        rects: list[tuple[float, float, float, float]] = []
        x = -cv.w * rnd.u(0.0, 0.05)
        while x < cv.w:
            bw = cv.s * rnd.u(0.05, 0.11) * (0.7 + 0.5 * near)
            centre = 1.0 - abs((x + bw / 2) / cv.w - 0.5) * rnd.u(0.4, 1.0)
            bh = (cv.horizon - cv.h * 0.08) * rnd.u(0.25, 0.85) * centre * (1.1 - 0.35 * near)
            top = base - bh
            region.rect(x, top, x + bw, cv.h)
            roof = rnd.i(0, 5) if not spec.flat else 0
            if roof == 1:
                region.rect(x + bw * 0.2, top - bh * 0.1, x + bw * 0.8, top)
            elif roof == 2:
                region.line([(x + bw * 0.5, top), (x + bw * 0.5, top - bh * 0.18)],
                            width=max(2, round(3 * k)))
            elif roof == 3:
                region.polygon([(x, top), (x + bw / 2, top - bw * 0.5), (x + bw, top)])
            rects.append((x, top, x + bw, base))
            x += bw + cv.s * rnd.u(-0.01, 0.012)
        grad = vgrad(cv.w, cv.h, [(0.0, lighten(colour, 0.06)), (1.0, scale(colour, 0.8))])
        region.paint(cv, grad)
        if spec.flat or (li == 0 and not night):
            continue
        pitch = max(5.0, cv.s * 0.016 * (0.6 + 0.6 * near))
        lit_p = 0.35 if night else 0.0
        for x0, y0, x1, y1 in rects:
            cols = max(1, int((x1 - x0 - pitch * 0.5) / pitch))
            rows = max(1, int((y1 - y0 - pitch) / (pitch * 1.5)))
            pad = ((x1 - x0) - cols * pitch) / 2
            ons = rnd.us(cols * rows, 0, 1)
            for j in range(rows):
                wy = y0 + pitch * 0.8 + j * pitch * 1.5
                for i in range(cols):
                    on = ons[j * cols + i]
                    if night:
                        if on > lit_p:
                            continue
                        wc = mix(pal["window"], colour, 0.5 * on / max(lit_p, 1e-6))
                    else:
                        wc = mix(colour, pal["window"], 0.25 + 0.2 * on)
                    wx = x0 + pad + i * pitch + pitch * 0.2
                    draw.rectangle((wx, wy, wx + pitch * 0.55, wy + pitch * 0.75),
                                   fill=clamp8(wc))
    if cv.surface.size == 0:
        cv.surface = np.full(cv.w, base)


def _castle_shape(region: Region, x: float, base: float, size: float, towers: int,
                  cone: bool) -> list[tuple[float, float, float]]:
    """Draw the castle's silhouette; returns (x, top, width) of its towers, for roofs."""
    wall_h, wall_w = size * 0.38, size * 0.9
    region.rect(x - wall_w / 2, base - wall_h, x + wall_w / 2, base + size * 0.1)
    merlon = size * 0.045
    mx = x - wall_w / 2
    while mx < x + wall_w / 2 - merlon:
        region.rect(mx, base - wall_h - merlon, mx + merlon, base - wall_h)
        mx += merlon * 2
    keep_w, keep_h = size * 0.3, size * 0.62
    region.rect(x - keep_w / 2, base - keep_h, x + keep_w / 2, base)
    out = [(x, base - keep_h, keep_w)]
    for t in range(towers):
        tx = x - wall_w / 2 + wall_w * t / max(1, towers - 1)
        tw, th = size * 0.14, size * (0.5 + 0.08 * ((t + 1) % 2))
        region.rect(tx - tw / 2, base - th, tx + tw / 2, base)
        out.append((tx, base - th, tw))
    for tx, top, tw in out:
        if not cone:
            mx = tx - tw / 2
            while mx < tx + tw / 2 - merlon * 0.5:
                region.rect(mx, top - merlon, mx + merlon * 0.8, top)
                mx += merlon * 1.6
    return out


def paint_castle(cv: Canvas) -> None:
    pal, spec = cv.pal, cv.spec
    rnd = cv.streams("castle")
    surface = cv.surface if cv.surface.size else np.full(cv.w, cv.horizon)
    lo, hi = int(cv.w * 0.25), int(cv.w * 0.75)
    x = float(lo + int(np.argmin(surface[lo:hi])) + rnd.u(-0.03, 0.03) * cv.w)
    size = cv.s * rnd.u(0.34, 0.44)
    x0, x1 = int(np.clip(x - size * 0.55, 0, cv.w - 1)), int(np.clip(x + size * 0.55, 1, cv.w))
    base = float(surface[x0:x1].min()) + size * 0.12
    cone = rnd.chance(0.55)
    wall = pal["castle"]
    region = Region(cv, base - size * 1.1)
    towers = _castle_shape(region, x, base, size, rnd.i(2, 4), cone)
    top_y = base - size * 0.62
    region.paint(cv, vgrad(cv.w, cv.h, [(0.0, lighten(wall, 0.05)), (max(0.01, top_y / cv.h),
                                        lighten(wall, 0.05)), (1.0, scale(wall, 0.7))]))
    draw = ImageDraw.Draw(cv.img)
    sun_right = cv.sun is not None and cv.sun[0] > x
    shade = scale(wall, 0.72)
    window = pal["window"] if spec.light in ("night", "sunset") else scale(wall, 0.3)
    for tx, top, tw in towers:
        sx = tx - tw / 2 if sun_right else tx
        draw.rectangle((sx, top, sx + tw / 2, base), fill=clamp8(shade))
        if cone:
            roof = Region(cv, top - tw * 1.6, top + 2)
            roof.polygon([(tx - tw * 0.62, top + 1), (tx, top - tw * 1.5),
                          (tx + tw * 0.62, top + 1)])
            roof.paint(cv, pal["roof"])
            draw.line((tx, top - tw * 1.5, tx, top - tw * 1.9), fill=clamp8(shade), width=2)
            draw.polygon([(tx, top - tw * 1.9), (tx + tw * 0.45, top - tw * 1.8),
                          (tx, top - tw * 1.7)], fill=clamp8(pal["roof"]))
        for j in range(2):
            wy = top + tw * (0.6 + 1.1 * j)
            if wy + tw * 0.4 < base - size * 0.05:
                draw.rectangle((tx - tw * 0.07, wy, tx + tw * 0.07, wy + tw * 0.35),
                               fill=clamp8(window))
    gw = size * 0.07
    draw.rounded_rectangle((x - gw, base - size * 0.2, x + gw, base), radius=gw * 0.9,
                           fill=clamp8(scale(wall, 0.3)))
    if cv.land is not None:  # the hill in front hides the castle's foot
        y0, ground = cv.land
        front = np.full(cv.w, float(cv.h + 10))
        front[x0:x1] = np.maximum(surface[x0:x1] + size * 0.04, base - size * 0.08)
        top = int(max(y0, front.min() - 1))
        mask = Image.new("L", (cv.w, cv.h - top), 0)
        ImageDraw.Draw(mask).polygon(profile_polygon(front, top, cv.h - top + 1), fill=255)
        cv.img.paste(ground.crop((0, top - y0, cv.w, cv.h - y0)), (0, top), mask)


def paint_houses(cv: Canvas) -> None:
    pal, spec = cv.pal, cv.spec
    rnd = cv.streams("houses")
    surface = cv.surface if cv.surface.size else np.full(cv.w, cv.horizon)
    n = rnd.i(1, 5)
    draw = ImageDraw.Draw(cv.img)
    window = pal["window"] if spec.light in ("night", "sunset", "dawn") else scale(
        pal["castle"], 0.45)
    for _ in range(n):
        x = cv.w * rnd.u(0.1, 0.9)
        base = float(surface[int(np.clip(x, 0, cv.w - 1))]) + cv.s * rnd.u(0.01, 0.05)
        hw = cv.s * rnd.u(0.03, 0.055)
        hh = hw * rnd.u(0.8, 1.1)
        wall = lighten(pal["castle"], rnd.u(-0.08, 0.05))
        draw.rectangle((x - hw, base - hh, x + hw, base), fill=clamp8(wall))
        draw.rectangle((x, base - hh, x + hw, base), fill=clamp8(scale(wall, 0.82)))
        draw.polygon([(x - hw * 1.2, base - hh), (x, base - hh - hw * 0.9),
                      (x + hw * 1.2, base - hh)], fill=clamp8(pal["roof"]))
        draw.rectangle((x - hw * 0.6, base - hh * 0.65, x - hw * 0.25, base - hh * 0.35),
                       fill=clamp8(window))
        draw.rectangle((x + hw * 0.25, base - hh * 0.55, x + hw * 0.55, base),
                       fill=clamp8(scale(wall, 0.45)))


def paint_boat(cv: Canvas) -> None:
    pal = cv.pal
    rnd = cv.streams("boat")
    d = rnd.u(0.08, 0.4)
    y = cv.horizon + (cv.h - cv.horizon) * d
    x = cv.w * rnd.u(0.2, 0.8)
    ln = cv.s * (0.05 + 0.2 * d)
    hull = scale(pal["boat"], 0.3) if cv.spec.light != "night" else pal["bird"]
    region = Region(cv, y - ln * 1.2, y + ln * 0.3)
    region.polygon([(x - ln / 2, y), (x + ln / 2, y), (x + ln * 0.38, y + ln * 0.12),
                    (x - ln * 0.38, y + ln * 0.12)])
    region.paint(cv, hull)
    sail = Region(cv, y - ln * 1.2, y + ln * 0.3)
    sail.polygon([(x + ln * 0.03, y - ln * 0.9), (x + ln * 0.03, y - ln * 0.07),
                  (x + ln * 0.42, y - ln * 0.07)])
    sail.polygon([(x - ln * 0.03, y - ln * 0.78), (x - ln * 0.03, y - ln * 0.07),
                  (x - ln * 0.33, y - ln * 0.07)])
    sail.paint(cv, pal["boat"])
    draw = ImageDraw.Draw(cv.img)
    draw.line((x, y, x, y - ln * 0.95), fill=clamp8(hull), width=max(1, round(ln * 0.015)))
    for i in range(4):
        yy = y + ln * (0.16 + 0.06 * i)
        draw.line((x - ln * (0.35 - 0.07 * i), yy, x + ln * (0.3 - 0.07 * i), yy),
                  fill=clamp8(mix(pal["water"], pal["boat"], 0.35)), width=max(1, round(ln * 0.01)))


def paint_lighthouse(cv: Canvas) -> None:
    pal, spec = cv.pal, cv.spec
    rnd = cv.streams("lighthouse")
    side = rnd.pick((-1.0, 1.0))
    x = cv.w * (0.5 + side * rnd.u(0.2, 0.32))
    base = cv.horizon + (cv.h - cv.horizon) * rnd.u(0.12, 0.25)
    height = cv.s * rnd.u(0.3, 0.42)
    draw = ImageDraw.Draw(cv.img)
    t = np.linspace(math.pi, 2 * math.pi, 40)
    rock = [(x + height * 0.75 * math.cos(a), base + height * 0.1 + height * 0.2 * math.sin(a))
            for a in t.tolist()]
    draw.polygon(rock, fill=clamp8(mix(pal["land_dark"], pal["far"], 0.3)))
    lit = cv.sun is None or cv.sun[0] < x
    n = 5
    wall, stripe = pal["castle"], pal["roof"]
    for i in range(n):
        ya, yb = base - height * i / n, base - height * (i + 1) / n
        wa, wb = height * (0.11 - 0.04 * i / n), height * (0.11 - 0.04 * (i + 1) / n)
        col = wall if i % 2 == 0 else stripe
        draw.polygon([(x - wa, ya), (x + wa, ya), (x + wb, yb), (x - wb, yb)], fill=clamp8(col))
        half = [(x, ya), (x + wa, ya), (x + wb, yb), (x, yb)] if lit else [
            (x - wa, ya), (x, ya), (x, yb), (x - wb, yb)]
        draw.polygon(half, fill=clamp8(scale(col, 0.78)))
    top = base - height
    lw = height * 0.055
    glow = pal["window"] if spec.light != "day" else lighten(pal["window"], 0.1)
    draw.rectangle((x - lw * 1.5, top - lw * 0.3, x + lw * 1.5, top), fill=clamp8(scale(wall,
                   0.5)))
    draw.rectangle((x - lw, top - lw * 1.6, x + lw, top - lw * 0.3), fill=clamp8(glow))
    draw.polygon([(x - lw * 1.3, top - lw * 1.6), (x, top - lw * 2.8), (x + lw * 1.3,
                  top - lw * 1.6)], fill=clamp8(stripe))
    if spec.light in ("night", "sunset", "dawn"):
        q = 4
        beam, bd = cv.mask(1 / q)
        reach = cv.w * rnd.u(0.35, 0.6) * -side
        ly = top - lw
        bd.polygon([(x / q, ly / q), ((x + reach) / q, (ly - height * 0.25) / q),
                    ((x + reach) / q, (ly + height * 0.12) / q)], fill=90)
        cv.fill(glow, beam, soften=3.0)
        disc(cv, x, ly, lw * 4, glow, alpha=0.35, soft=lw * 2)


def paint_beach(cv: Canvas) -> None:
    pal = cv.pal
    rnd = cv.streams("beach")
    base = cv.horizon + (cv.h - cv.horizon) * rnd.u(0.55, 0.75)
    x = np.linspace(0.0, 1.0, cv.w)
    profile = base + cv.h * 0.04 * (np.sin(2 * math.pi * (x * rnd.u(0.5, 1.2) + rnd.u(0, 1)))
                                    + 0.3 * rnd.profile(cv.w, 4, octaves=3))
    sand: Color = mix((235, 210, 160), pal["land"], 0.25)
    foam = Region(cv, float(profile.min()) - 12, float(profile.max()) + 12)
    pts = [(float(px), float(py)) for px, py in zip((x * cv.w)[::4], profile[::4], strict=True)]
    foam.line(pts, width=max(3, round(cv.s * 0.012)))
    foam.paint(cv, pal["foam"], soften=2.0)
    fill_below(cv, profile + cv.s * 0.004, lighten(sand, 0.04), scale(sand, 0.85))
    cv.surface = profile


def paint_shapes(cv: Canvas) -> None:
    pal, spec = cv.pal, cv.spec
    rnd = cv.streams("shapes")
    colours = pal.extras or [pal["sun"], pal["far"]]
    n_big = rnd.i(2, 4) if spec.flat else rnd.i(3, 6)
    thirds = [(1 / 3, 1 / 3), (2 / 3, 1 / 3), (1 / 3, 2 / 3), (2 / 3, 2 / 3), (0.5, 0.5)]
    for i in range(n_big):
        fx, fy = rnd.pick(thirds)
        x, y = cv.w * (fx + rnd.u(-0.15, 0.15)), cv.h * (fy + rnd.u(-0.15, 0.15))
        r = cv.s * rnd.u(0.08, 0.28) * (1.3 if spec.flat else 1.0)
        c = colours[(i + rnd.i(0, 3)) % len(colours)]
        kind = rnd.i(0, 3)
        if kind == 0 or spec.flat:
            disc(cv, x, y, r, c, alpha=rnd.u(0.75, 1.0), soft=1.5,
                 shade=None if spec.flat else scale(c, 0.65))
        elif kind == 1:
            region = Region(cv, y - r * 1.5, y + r * 1.5)
            ang = rnd.u(0, math.pi)
            pts = [(x + r * 1.4 * math.cos(ang + a), y + r * 1.4 * math.sin(ang + a))
                   for a in (0.0, 2.1, 4.2)]
            region.polygon(pts)
            region.paint(cv, saturate(c, 1.1))
        else:
            region = Region(cv, y - r * 1.1, y + r * 1.1)
            for j in range(rnd.i(2, 5)):
                rr = r * (1.0 - 0.18 * j)
                region.draw.arc((x - rr, y - rr - region.y0, x + rr, y + rr - region.y0),
                                start=rnd.u(0, 180), end=rnd.u(200, 360),
                                fill=255, width=max(2, round(cv.s * 0.008)))
            region.paint(cv, lighten(c, 0.1))
    bands = rnd.i(1, 3)
    line = np.linspace(0.0, 1.0, cv.w)
    for b in range(bands):
        y0 = cv.h * (0.62 + 0.14 * b + rnd.u(-0.05, 0.05))
        prof = y0 + cv.h * 0.05 * np.sin(2 * math.pi * (line * rnd.u(0.5, 1.5) + rnd.u(0, 1)))
        c = colours[(b + n_big) % len(colours)]
        fill_below(cv, prof, c, scale(c, 0.8) if not spec.flat else c)
    if not spec.flat:
        draw = ImageDraw.Draw(cv.img)
        for _ in range(int(14 * spec.detail)):
            x0, y0 = rnd.u(0, cv.w), rnd.u(0, cv.h)
            rr = cv.s * rnd.u(0.004, 0.01)
            c = colours[rnd.i(0, len(colours))]
            draw.ellipse((x0 - rr, y0 - rr, x0 + rr, y0 + rr), fill=clamp8(c))
