"""Finishing and styles for the sketch engine: mood and colour grading, texture, grain and
vignette, then the style filters (watercolor, oil, ink, pencil, neon, pixel art...)."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from salon.generation.engines.sketch_color import Palette, luma, saturate
from salon.generation.engines.sketch_draw import to_image
from salon.generation.engines.sketch_rand import F32, Streams
from salon.generation.engines.sketch_spec import Spec

LUMA = np.array([0.299, 0.587, 0.114], np.float32)
ORDER = ("pastel", "vintage", "noir", "oil", "watercolor", "ink", "pencil", "neon", "minimal",
         "pixel art")


def lum(a: F32) -> F32:
    return np.asarray(a @ LUMA, np.float32)


def blurred(img: Image.Image, factor: int, radius: float) -> Image.Image:
    """A cheap wide blur: shrink, blur, grow."""
    w, h = img.size
    small = img.resize((max(1, w // factor), max(1, h // factor)), Image.Resampling.BOX)
    if radius > 0:
        small = small.filter(ImageFilter.GaussianBlur(radius))
    return small.resize((w, h), Image.Resampling.BILINEAR)


def _grade(a: F32, sat: float = 1.0, con: float = 1.0, bright: float = 0.0) -> F32:
    if sat != 1.0:
        y = lum(a)[..., None]
        a = y + (a - y) * np.float32(sat)
    if con != 1.0 or bright != 0.0:
        a = (a - 128.0) * np.float32(con) + np.float32(128.0 + bright)
    return a


def soften(a: F32) -> F32:
    """A 3x3 [1 2 1] blur: anti-aliases every hard edge the painters drew, in one pass."""
    b = a * np.float32(0.5)
    b[:, 1:-1] += (a[:, :-2] + a[:, 2:]) * np.float32(0.25)
    b[:, 0] += a[:, 0] * np.float32(0.5)
    b[:, -1] += a[:, -1] * np.float32(0.5)
    c = b * np.float32(0.5)
    c[1:-1] += (b[:-2] + b[2:]) * np.float32(0.25)
    c[0] += b[0] * np.float32(0.5)
    c[-1] += b[-1] * np.float32(0.5)
    return c


def finish(img: Image.Image, spec: Spec, pal: Palette, streams: Streams) -> Image.Image:
    """Anti-aliasing, mood, prompt-colour wash, paint texture, grain and vignette."""
    w, h = img.size
    a = soften(np.asarray(img, np.float32))
    moods = spec.moods
    quiet = spec.flat or bool(set(spec.styles) & {"ink", "pencil", "neon", "pixel art"})
    if "dreamy" in moods:
        glow = np.asarray(blurred(img, 8, 2.5), np.float32)
        a = np.asarray(255.0 - (255.0 - a) * (255.0 - glow * 0.35) / 255.0, np.float32)
    if "gloomy" in moods:
        ys = (np.arange(h, dtype=np.float32) - np.float32(h * 0.55)) / np.float32(h * 0.3)
        fog = (0.12 + 0.3 * np.exp(-ys * ys)).astype(np.float32)[:, None, None]
        a += (np.array(pal["sky_low"], np.float32) * np.float32(0.9) - a) * fog
    sat, con, bright = 1.0, 1.0, 0.0
    if "calm" in moods:
        con *= 0.92
    if "cheerful" in moods:
        sat, bright = sat * 1.12, bright + 6
    if "stormy" in moods:
        con *= 1.08
    if spec.flat:
        sat *= 1.05
    a = _grade(a, sat, con, bright)
    if spec.colours:
        col, weight = spec.colours[0]
        c = np.array(col, np.float32) / np.float32(max(luma(col), 40.0))
        wash = np.float32(min(0.3, 0.14 * spec.push) * weight)
        a += (lum(a)[..., None] * c - a) * wash
    rnd = streams("texture")
    lw, lh = max(8, w // 8), max(8, h // 8)
    mult = np.ones((lh, lw), np.float32)
    if not quiet:
        mult += rnd.field(lw, lh, 10.0, octaves=2) * np.float32(0.06)
        yn = np.linspace(-1.0, 1.0, lh, dtype=np.float32)[:, None]
        xn = np.linspace(-1.0, 1.0, lw, dtype=np.float32)[None, :]
        mult *= 1.0 - np.float32(0.1) * (xn * xn + yn * yn)
        a *= _up(mult, w, h)[..., None]
    a += (rnd.grain(h, w) * np.float32(2.5 if quiet else 5.0))[..., None]
    return to_image(a)


def _warp(a: F32, dx: F32, dy: F32) -> F32:
    h, w = a.shape[:2]
    ys = np.clip(np.arange(h, dtype=np.float32)[:, None] + dy, 0, h - 1).astype(np.int32)
    xs = np.clip(np.arange(w, dtype=np.float32)[None, :] + dx, 0, w - 1).astype(np.int32)
    return a.reshape(-1, 3)[(ys * w + xs).ravel()].reshape(h, w, 3)


def _up(arr: F32, w: int, h: int) -> F32:
    return np.asarray(Image.fromarray(arr, "F").resize((w, h), Image.Resampling.BILINEAR),
                      np.float32)


def watercolor(img: Image.Image, spec: Spec, streams: Streams) -> Image.Image:
    """Soft washes that bleed, pigment pooling at edges, uneven density, paper and a
    deckled unpainted margin; painted at half size (it is soft anyway) and grown back."""
    w, h = img.size
    hw, hh = max(8, w // 2), max(8, h // 2)
    rnd = streams("watercolor")
    half = img.resize((hw, hh), Image.Resampling.BOX).filter(ImageFilter.GaussianBlur(1.2))
    lw, lh = max(8, w // 8), max(8, h // 8)
    amp = np.float32(min(w, h) * 0.004)
    dx = _up(rnd.field(lw, lh, 8.0, octaves=2), hw, hh) * amp
    dy = _up(rnd.field(lw, lh, 8.0, octaves=2), hw, hh) * amp
    a = _warp(np.asarray(half, np.float32), dx, dy)
    wide = np.asarray(blurred(half, 4, 1.5), np.float32)
    edge = np.abs(lum(a) - lum(wide))
    a = a * (1.0 - np.clip(edge / np.float32(50.0), 0.0, 0.3))[..., None]
    paper = np.array((250, 247, 238), np.float32)
    density = _up(rnd.field(lw, lh, 5.0, octaves=3), hw, hh)
    a = paper - (paper - a) * (np.float32(0.8) + density[..., None] * np.float32(0.35))
    yn = np.abs(np.linspace(-1.0, 1.0, lh, dtype=np.float32))[:, None]
    xn = np.abs(np.linspace(-1.0, 1.0, lw, dtype=np.float32))[None, :]
    edge_noise = rnd.field(lw, lh, 6.0, octaves=2) * np.float32(0.03)
    inside = np.clip((0.955 - np.maximum(xn, yn) + edge_noise) / 0.02, 0.0, 1.0)
    m = _up(inside.astype(np.float32), hw, hh)[..., None]
    a = paper + (a - paper) * m
    out = to_image(_grade(a, sat=0.92)).resize((w, h), Image.Resampling.BILINEAR)
    grain = rnd.normal((h, w)) * np.float32(3.0)
    return to_image(np.asarray(out, np.float32) + grain[..., None])


def _gradient(a: F32) -> tuple[F32, F32]:
    """Central differences along y and x (zero at the borders)."""
    gy, gx = np.zeros_like(a), np.zeros_like(a)
    gy[1:-1] = (a[2:] - a[:-2]) * np.float32(0.5)
    gx[:, 1:-1] = (a[:, 2:] - a[:, :-2]) * np.float32(0.5)
    return gy, gx


def oil(img: Image.Image, spec: Spec, streams: Streams) -> Image.Image:
    """Thick strokes that follow the picture's contours, lit from the top left like
    impasto, with a faint canvas weave."""
    w, h = img.size
    s = min(w, h)
    rnd = streams("oil")
    canvas = img.copy()
    q = 4
    small = np.asarray(img.resize((max(2, w // q), max(2, h // q)), Image.Resampling.BOX),
                       np.float32)
    sl_img = Image.fromarray(np.clip(lum(small), 0, 255).astype(np.uint8), "L")
    gy, gx = _gradient(np.asarray(sl_img.filter(ImageFilter.GaussianBlur(2)), np.float32))
    n = int(2400 * spec.detail * w * h / 1024**2)
    xs, ys = rnd.us(n, 0, w), rnd.us(n, 0, h)
    ix = np.clip((xs / q).astype(int), 0, small.shape[1] - 1)
    iy = np.clip((ys / q).astype(int), 0, small.shape[0] - 1)
    ang = np.arctan2(gy[iy, ix], gx[iy, ix]) + math.pi / 2 + rnd.us(n, -0.4, 0.4)
    flat = np.hypot(gx[iy, ix], gy[iy, ix]) < 0.5
    ang = np.where(flat, rnd.u(-0.3, 0.3) + rnd.us(n, -0.25, 0.25), ang)
    half = s * rnd.us(n, 0.006, 0.016)
    dxs, dys = (np.cos(ang) * half).tolist(), (np.sin(ang) * half).tolist()
    widths = np.maximum(2, (s * rnd.us(n, 0.006, 0.012)).astype(int)).tolist()
    cols = np.clip(small[iy, ix] * rnd.us(n, 0.9, 1.1)[:, None], 0, 255).astype(int).tolist()
    draw = ImageDraw.Draw(canvas)
    for x, y, dx, dy, wd, c in zip(xs.tolist(), ys.tolist(), dxs, dys, widths, cols,
                                   strict=True):
        draw.line((x - dx, y - dy, x + dx, y + dy), fill=(c[0], c[1], c[2]), width=wd)
    height = np.asarray(canvas.convert("L").reduce(2), np.float32)
    hy, hx = _gradient(height)
    relief = np.clip(1.0 + (hx + hy) * np.float32(-0.012), 0.85, 1.15).astype(np.float32)
    yy = np.arange(relief.shape[0], dtype=np.float32)[:, None]
    xx = np.arange(relief.shape[1], dtype=np.float32)[None, :]
    relief *= 1.0 + np.float32(0.025) * np.sin(xx * 2.2) * np.sin(yy * 2.2)
    arr = np.asarray(canvas, np.float32)
    arr *= _up(relief, w, h)[..., None]
    return to_image(arr)


def edges(img: Image.Image) -> F32:
    """Edge strength in luminance steps (0..255), found at half size on the clean painting."""
    w, h = img.size
    g = np.asarray(img.convert("L").reduce(2), np.float32)
    e = np.zeros_like(g)
    e[:, 1:] = np.abs(g[:, 1:] - g[:, :-1])
    e[1:, :] = np.maximum(e[1:, :], np.abs(g[1:, :] - g[:-1, :]))
    up = Image.fromarray(np.clip(e * 4.0, 0, 255).astype(np.uint8), "L")
    return np.asarray(up.resize((w, h), Image.Resampling.BILINEAR), np.float32) / 4.0


def ink(img: Image.Image, raw: Image.Image, spec: Spec, pencil: bool) -> Image.Image:
    w, h = img.size
    y = np.asarray(img.convert("L"), np.float32)
    mid = np.float32(np.percentile(y[:: 8, :: 8], 45))
    soft = np.float32(26.0 if pencil else 9.0)
    tone = 1.0 / (1.0 + np.exp(-(y - mid) / soft))
    e = np.clip((edges(raw) - 3.0) / np.float32(14.0 if pencil else 8.0), 0.0, 1.0)
    xs = np.arange(w, dtype=np.int32)[None, :]
    ys = np.arange(h, dtype=np.int32)[:, None]
    period = max(4, min(w, h) // 110)
    hatch = ((xs + ys) % period < max(1, period // 3)).astype(np.float32)
    if pencil:
        hatch2 = ((xs - ys) % period < 1).astype(np.float32)
        shadow = np.clip((mid - y) / np.float32(60.0), 0.0, 1.0)
        tone = np.minimum(tone, 1.0 - hatch * 0.5 * np.clip(1.3 - tone, 0, 1)
                          - hatch2 * 0.4 * shadow)
    else:
        midtone = np.clip(1.0 - np.abs(y - mid) / np.float32(40.0), 0.0, 1.0)
        tone = np.minimum(tone, 1.0 - hatch * midtone * 0.8)
    tone = np.clip(tone * (1.0 - e * (0.7 if pencil else 1.0)), 0.0, 1.0)
    paper = np.array((244, 242, 236), np.float32)
    inkc = np.array((72, 72, 74) if pencil else (22, 22, 24), np.float32)
    if spec.colours:
        c = np.array(saturate(spec.colours[0][0], 0.6), np.float32)
        inkc = inkc * 0.6 + c * 0.25
    a = inkc + (paper - inkc) * tone[..., None]
    return to_image(a)


def neon(img: Image.Image, raw: Image.Image, pal: Palette) -> Image.Image:
    w, h = img.size
    e = np.clip((edges(raw) - 1.0) / np.float32(6.0), 0.0, 1.0)
    hues = [np.array(saturate(c, 1.5), np.float32) for c in pal.extras[:3]]
    pos = np.linspace(0.0, 1.0, len(hues))
    t = np.linspace(0.0, 1.0, h)
    ramp = np.stack([np.interp(t, pos, [c[k] for c in hues]) for k in range(3)], axis=1)
    lines = e[..., None] * ramp.astype(np.float32)[:, None, :]
    glow = np.asarray(blurred(to_image(lines), 4, 3.0), np.float32)
    base = np.asarray(img, np.float32)
    bright = np.clip((lum(base) - 150.0) / np.float32(80.0), 0.0, 1.0)[..., None]
    a = base * (np.float32(0.4) + np.float32(0.6) * bright) + lines * 1.1 + glow * 1.6
    return to_image(a)


def pixel_cell(w: int, h: int) -> int:
    """The pixel-art grid: the largest divisor of both sides near 1/90 of the short side."""
    target = max(2, min(w, h) // 90)
    g = math.gcd(w, h)
    best = 1
    for d in range(1, target + 1):
        if g % d == 0:
            best = d
    return best


def pixel_art(img: Image.Image, spec: Spec) -> Image.Image:
    w, h = img.size
    cell = pixel_cell(w, h)
    small = img.resize((w // cell, h // cell), Image.Resampling.BOX)
    small = ImageEnhance.Color(small).enhance(1.25)
    small = ImageEnhance.Contrast(small).enhance(1.08)
    colours = 10 if spec.flat else 20
    small = small.quantize(colors=colours, method=Image.Quantize.MEDIANCUT,
                           dither=Image.Dither.NONE).convert("RGB")
    return small.resize((w, h), Image.Resampling.NEAREST)


def apply_styles(img: Image.Image, raw: Image.Image, spec: Spec, pal: Palette,
                 streams: Streams) -> Image.Image:
    """Apply the styles in a fixed order; `raw` is the painting before finishing (clean
    edges for the line styles)."""
    for style in sorted(spec.styles, key=ORDER.index):
        a = np.asarray(img, np.float32)
        if style == "pastel":
            img = to_image(_grade(a, sat=0.95, con=0.9, bright=8))
        elif style == "vintage":
            y = lum(a)[..., None]
            sepia = y * np.array((1.07, 0.95, 0.78), np.float32) + np.float32(12.0)
            toned = np.asarray((a * 0.45 + sepia * 0.55) * 0.9 + 18.0, np.float32)
            img = to_image(_grade(toned, con=0.92))
        elif style == "noir":
            y = lum(a)
            y = 255.0 / (1.0 + np.exp(-(y - np.float32(np.mean(y))) / np.float32(34.0)))
            img = to_image(np.repeat(y[..., None], 3, axis=2))
        elif style == "oil":
            img = oil(img, spec, streams)
        elif style == "watercolor":
            img = watercolor(img, spec, streams)
        elif style in ("ink", "pencil"):
            img = ink(img, raw, spec, pencil=style == "pencil")
        elif style == "neon":
            img = neon(img, raw, pal)
        elif style == "pixel art":
            img = pixel_art(img, spec)
    return img


def fit_source(src: Image.Image, w: int, h: int) -> Image.Image:
    """Cover-fit and centre-crop the init image to the request size, as RGB on white."""
    if src.mode in ("RGBA", "LA", "PA") or (src.mode == "P" and "transparency" in src.info):
        rgba = src.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        src = Image.alpha_composite(bg, rgba)
    src = src.convert("RGB")
    scale = max(w / src.width, h / src.height)
    nw, nh = max(w, round(src.width * scale)), max(h, round(src.height * scale))
    src = src.resize((nw, nh), Image.Resampling.BICUBIC)
    left, top = (nw - w) // 2, (nh - h) // 2
    return src.crop((left, top, left + w, top + h))


def gradient_map(src: Image.Image, pal: Palette) -> Image.Image:
    """Recolour the source through the palette by lightness, keeping its structure."""
    roles = ["land_dark", "far", "hill", "sky_mid", "sky_low", "sun"]
    cols = sorted((pal[r] for r in roles), key=luma)
    pos = np.linspace(0.0, 1.0, len(cols))
    ramp = np.linspace(0.0, 1.0, 256)
    lut = np.stack([np.interp(ramp, pos, [c[k] for c in cols]) for k in range(3)], axis=-1)
    mapped = lut.astype(np.float32)[np.asarray(src.convert("L"))]
    a = np.asarray(src, np.float32)
    return to_image(a + (mapped - a) * np.float32(0.8))
