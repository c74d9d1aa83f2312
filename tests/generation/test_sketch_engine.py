"""The sketch engine: the Engine protocol, determinism, and that pictures follow the prompt."""

from __future__ import annotations

import functools
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageDraw

from salon.generation.engines.base import ASPECTS, Engine, EngineError, EngineRequest
from salon.generation.engines.sketch import ENGINE, SketchEngine
from salon.generation.engines.sketch_spec import resolve
from salon.generation.engines.sketch_style import pixel_cell

SEEDS = (1, 2, 3)


def ignore(fraction: float, previews: object = None) -> None:
    """A progress callback that keeps nothing."""


@functools.lru_cache(maxsize=128)
def _render(prompt: str, seed: int, fields: tuple[tuple[str, object], ...]) -> Image.Image:
    request = EngineRequest(prompt=prompt, seed=seed, **dict(fields))  # type: ignore[arg-type]
    return ENGINE.generate(request, ignore).images[0]


def render(prompt: str, seed: int = 1, **fields: object) -> Image.Image:
    """One picture (cached, but for image to image: several tests compare the same renders)."""
    if "init_image" in fields:
        return _render.__wrapped__(prompt, seed, tuple(fields.items()))
    return _render(prompt, seed, tuple(sorted(fields.items())))


def pixels(img: Image.Image) -> np.ndarray:
    return np.asarray(img, np.float64)


def mean_rgb(img: Image.Image) -> np.ndarray:
    return pixels(img).reshape(-1, 3).mean(axis=0)


def luminance(img: Image.Image) -> float:
    r, g, b = mean_rgb(img)
    return float(0.299 * r + 0.587 * g + 0.114 * b)


def saturation(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("HSV"), np.float64)[..., 1] / 255.0


def diff(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(pixels(a) - pixels(b)).mean())


def red_excess(img: Image.Image) -> float:
    r, g, b = mean_rgb(img)
    return float(r - (g + b) / 2)


# --- the protocol ---------------------------------------------------------------------------


def test_engine_describes_itself() -> None:
    engine: Engine = ENGINE
    caps = engine.capabilities
    assert (engine.name, engine.model) == ("sketch", "salon-sketch-1")
    assert "no AI model" in engine.label
    assert caps.text_to_image and caps.image_to_image and caps.negative_prompt
    assert caps.sizes == ASPECTS and caps.max_count == 4
    assert {"watercolor", "pixel art", "neon", "ink", "oil", "minimal"} <= set(caps.styles)
    assert caps.default_steps > 0 and caps.default_guidance > 0
    assert isinstance(ENGINE, SketchEngine)


@pytest.mark.parametrize("aspect", sorted(ASPECTS))
def test_every_aspect_renders_at_its_size(aspect: str) -> None:
    width, height = ASPECTS[aspect]
    images = ENGINE.generate(EngineRequest(prompt="a lighthouse by the sea", width=width,
                                           height=height, seed=5, count=2), ignore).images
    assert len(images) == 2
    for img in images:
        assert img.mode == "RGB" and img.size == (width, height)


def test_same_request_same_pixels_and_seeds_differ() -> None:
    request = EngineRequest(prompt="stormy sea with a boat, oil", seed=42, count=2)
    first = ENGINE.generate(request, ignore).images
    second = ENGINE.generate(request, ignore).images
    assert [i.tobytes() for i in first] == [i.tobytes() for i in second]
    assert first[0].tobytes() != first[1].tobytes()
    assert diff(render("stormy sea with a boat, oil", 42), render("stormy sea", 7)) > 5


def test_pixels_do_not_depend_on_the_process() -> None:
    """No salted hash() anywhere: two interpreters with different hash seeds agree."""
    code = ("import hashlib; from salon.generation.engines.sketch import ENGINE; "
            "from salon.generation.engines.base import EngineRequest as R; "
            "r = R(prompt='a cat by the sea, no clouds, pixel art', seed=3, subseed=4, "
            "subseed_strength=0.2); "
            "print(hashlib.sha256(ENGINE.generate(r, lambda *_: None).images[0].tobytes())"
            ".hexdigest())")
    digests = {
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                       env={**os.environ, "PYTHONHASHSEED": str(salt)}).stdout.strip()
        for salt in (1, 2)
    }
    assert len(digests) == 1


def test_the_ith_image_uses_seed_plus_i() -> None:
    batch = ENGINE.generate(EngineRequest(prompt="a garden", seed=10, count=3),
                            ignore).images
    assert batch[2].tobytes() == render("a garden", 12).tobytes()


def test_progress_is_monotonic_and_ends_at_one() -> None:
    seen: list[float] = []
    ENGINE.generate(EngineRequest(prompt="forest at dawn", count=2),
                    lambda f, previews=None: seen.append(f))
    assert len(seen) >= 4
    assert seen == sorted(seen)
    assert all(0.0 <= f <= 1.0 for f in seen)
    assert seen[-1] == 1.0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"width": 1000, "height": 1000}, "1024x1024"),
        ({"count": 0}, "1 to 4"),
        ({"count": 5}, "1 to 4"),
        ({"style": "cubist fresco"}, "no style"),
    ],
)
def test_requests_it_cannot_do_are_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(EngineError, match=message):
        ENGINE.generate(EngineRequest(prompt="a cat", **fields),  # type: ignore[arg-type]
                        ignore)


@pytest.mark.parametrize("style", ENGINE.capabilities.styles)
def test_every_style_renders(style: str) -> None:
    img = render("a village by a lake at sunset", style=style)
    assert img.size == (1024, 1024)
    assert float(pixels(img).std()) > 5  # not a blank canvas


# --- following the prompt -------------------------------------------------------------------


COLOUR_TABLE = [
    # prompt, channels that must lead, channels they must beat
    ("a red poppy field", (0,), (1, 2)),
    ("blue ocean", (2,), (0, 1)),
    ("green forest", (1,), (0, 2)),
    ("yellow desert", (0, 1), (2,)),
    ("purple mountains", (0, 2), (1,)),
    ("an orange sky over the city", (0,), (1, 2)),
]


@pytest.mark.parametrize(("prompt", "lead", "beaten"), COLOUR_TABLE)
def test_colour_words_dominate_the_palette(prompt: str, lead: tuple[int, ...],
                                           beaten: tuple[int, ...]) -> None:
    for seed in SEEDS:
        mean = mean_rgb(render(prompt, seed))
        assert min(mean[c] for c in lead) > max(mean[c] for c in beaten) + 5, (seed, mean)


@pytest.mark.parametrize(
    ("dark", "bright"),
    [("city at night", "city at noon"), ("midnight sky", "noon sky"),
     ("a lake at night", "a sunny lake")],
)
def test_night_is_darker_than_day(dark: str, bright: str) -> None:
    for seed in SEEDS:
        assert luminance(render(dark, seed)) < 0.6 * luminance(render(bright, seed))


def test_sunset_is_warm() -> None:
    for seed in SEEDS:
        r, _, b = mean_rgb(render("sunset over the hills", seed))
        assert r > b


def blocky(img: Image.Image, cell: int) -> float:
    """Share of cell x cell blocks (aligned at 0,0) that are a single colour."""
    a = pixels(img)
    h, w = a.shape[0] // cell * cell, a.shape[1] // cell * cell
    blocks = a[:h, :w].reshape(h // cell, cell, w // cell, cell, 3)
    return float((blocks.max(axis=(1, 3)) == blocks.min(axis=(1, 3))).all(axis=-1).mean())


def test_pixel_art_is_blocky() -> None:
    cell = pixel_cell(1024, 1024)
    assert cell >= 4
    for seed in SEEDS:
        assert blocky(render("pixel art castle", seed), cell) > 0.95
        assert blocky(render("castle", seed), cell) < 0.3
    assert blocky(render("castle", 1, style="pixel art"), cell) > 0.95
    colours = render("pixel art castle").getcolors(maxcolors=4096)
    assert colours is not None and len(colours) <= 32  # a reduced palette


def test_ink_is_monochrome_and_contrasty() -> None:
    for seed in SEEDS:
        img = render("ink drawing of a forest", seed)
        assert saturation(img).mean() < 0.12
        grey = np.asarray(img.convert("L"), np.float64)
        assert grey.std() > 40


def test_neon_is_dark_with_glowing_colour() -> None:
    for seed in SEEDS:
        img = render("neon city", seed)
        value = np.asarray(img.convert("HSV"), np.float64)[..., 2] / 255.0
        assert luminance(img) < 80
        vivid = (saturation(img) > 0.55) & (value > 0.5)
        assert vivid.mean() > 0.01


def test_watercolor_is_softer_than_plain() -> None:
    def edges(img: Image.Image) -> float:
        g = np.asarray(img.convert("L"), np.float64)
        return float(np.abs(np.diff(g, axis=1)).mean())

    for seed in SEEDS:
        assert edges(render("a village, watercolor", seed)) < edges(render("a village", seed))


def test_minimal_uses_few_colours() -> None:
    def spread(img: Image.Image) -> int:
        q = img.quantize(colors=64, method=Image.Quantize.MEDIANCUT)
        counts = sorted((c for c, _ in q.getcolors() or []), reverse=True)
        total = sum(counts)
        covered, n = 0, 0
        while covered < 0.9 * total:
            covered += counts[n]
            n += 1
        return n

    for seed in SEEDS:
        assert spread(render("minimal red sun", seed)) < spread(render("stormy forest", seed))


def test_negative_colour_reduces_it() -> None:
    for seed in SEEDS:
        plain = red_excess(render("red sunset", seed))
        avoided = red_excess(render("red sunset", seed, negative_prompt="red"))
        assert avoided < plain - 15


def test_negative_words_remove_things() -> None:
    spec = resolve("a night sky full of stars over the mountains", "stars, clouds", "", 7, 12)
    assert not spec.has("stars") and not spec.has("clouds") and spec.has("mountains")
    assert not resolve("a lake without trees", "", "", 7, 12, seed=4).has("trees")
    assert resolve("a lake with trees", "", "", 7, 12, seed=4).has("trees")

    def sparkle(img: Image.Image) -> int:
        top = np.asarray(img.convert("L"), np.float64)[:400]
        return int((top > 200).sum())

    night = "space with stars"
    for seed in SEEDS:
        assert sparkle(render(night, seed, negative_prompt="stars")) < sparkle(render(night, seed))


def test_words_pick_scene_subjects_and_styles() -> None:
    spec = resolve("Pixel-Art CASTLES on green hills at Sunset", "", "", 7, 12)
    assert spec.scene == "landscape" and spec.light == "sunset"
    assert {"castle", "hills"} <= spec.elements and spec.styles == ("pixel art",)
    assert resolve("waves", "", "", 7, 12).scene == "sea"
    assert resolve("skyscrapers", "", "", 7, 12).scene == "city"
    assert resolve("the galaxy", "", "", 7, 12).scene == "space"
    assert resolve("stormy", "", "", 7, 12).moods == ("stormy",)
    assert resolve("a stormy night", "", "neon", 7, 12).styles == ("neon",)
    assert resolve("redwood", "", "", 7, 12).colours == []  # whole words only


def test_unknown_words_still_change_the_picture() -> None:
    cat, dog = render("a cat wearing a hat"), render("a dog wearing a hat")
    assert diff(cat, dog) > 3
    assert render("a cat wearing a hat").tobytes() == cat.tobytes()


def test_guidance_scales_how_strongly_colours_apply() -> None:
    weak = red_excess(render("red hills", 2, guidance=1.0))
    strong = red_excess(render("red hills", 2, guidance=12.0))
    assert strong > weak + 10


# --- variations and image to image ----------------------------------------------------------


def test_subseed_with_small_strength_is_a_close_variation() -> None:
    for seed in SEEDS:
        base = render("a village by a lake", seed)
        near = render("a village by a lake", seed, subseed=seed + 1000, subseed_strength=0.15)
        other = render("a village by a lake", seed + 1000)
        assert 0 < diff(base, near) < 0.5 * diff(base, other)
        same = render("a village by a lake", seed, subseed=seed + 1000, subseed_strength=0.0)
        assert same.tobytes() == base.tobytes()


def source_picture(size: tuple[int, int] = (900, 600)) -> Image.Image:
    img = Image.new("RGB", size, (120, 170, 220))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, size[1] * 2 // 3, size[0], size[1]), fill=(90, 140, 60))
    draw.ellipse((100, 80, 300, 280), fill=(250, 220, 90))
    draw.rectangle((500, 200, 700, 450), fill=(160, 60, 50))
    return img


def test_image_to_image_keeps_the_source_at_low_strength() -> None:
    src = source_picture()
    fitted = src.resize((1536, 1024)).crop((256, 0, 1280, 1024))
    low = render("a castle at night", init_image=src, strength=0.1)
    high = render("a castle at night", init_image=src, strength=0.9)
    assert low.size == high.size == (1024, 1024)
    assert diff(low, fitted) < 12
    assert diff(high, fitted) > 2 * diff(low, fitted)
    assert luminance(high) < luminance(fitted) - 20  # "night" darkens


def test_image_to_image_is_deterministic_and_follows_styles() -> None:
    src = source_picture((640, 960)).convert("RGBA")
    first = render("watercolor", init_image=src, strength=0.6, width=768, height=1152)
    again = render("watercolor", init_image=src, strength=0.6, width=768, height=1152)
    assert first.size == (768, 1152) and first.tobytes() == again.tobytes()
    cell = pixel_cell(1024, 1024)
    pixel = render("pixel art", init_image=source_picture(), strength=0.8)
    assert blocky(pixel, cell) > 0.9
