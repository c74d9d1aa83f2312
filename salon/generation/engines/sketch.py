"""The sketch engine: a built-in procedural painter, no AI model.

It reads the prompt's words (colours, light, mood, scene, subjects, styles; see
sketch_words), resolves them against the negative prompt into a Spec, builds a palette, paints
the scene back to front with numpy and Pillow, grades it and applies the styles. The same
request always gives the same pixels: all randomness comes from SHA-256-seeded PCG64 streams.

Modules: sketch_words (vocabulary), sketch_spec (prompt -> Spec), sketch_color (palette),
sketch_rand (streams, noise), sketch_draw (canvas primitives), sketch_sky, sketch_land,
sketch_things (painters), sketch_style (grading, styles, image-to-image helpers).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PIL import Image

from salon.generation.engines import sketch_words
from salon.generation.engines.base import (
    ASPECTS,
    Capabilities,
    EngineError,
    EngineRequest,
    Output,
    Progress,
)
from salon.generation.engines.sketch_color import Palette, build_palette
from salon.generation.engines.sketch_draw import Canvas
from salon.generation.engines.sketch_figures import needs_ground, paint_figures, paint_room
from salon.generation.engines.sketch_land import (
    paint_dunes,
    paint_flowers,
    paint_grass,
    paint_ground,
    paint_hills,
    paint_lake,
    paint_mountains,
    paint_river,
    paint_trees,
    paint_water,
    paint_waves,
)
from salon.generation.engines.sketch_rand import Streams
from salon.generation.engines.sketch_sky import (
    paint_birds,
    paint_clouds,
    paint_lightning,
    paint_planets,
    paint_rain,
    paint_rainbow,
    paint_sky,
    paint_snow,
    paint_stars,
    paint_sun,
    place_body,
)
from salon.generation.engines.sketch_spec import Spec, resolve
from salon.generation.engines.sketch_style import (
    apply_styles,
    finish,
    fit_source,
    gradient_map,
)
from salon.generation.engines.sketch_things import (
    paint_beach,
    paint_boat,
    paint_buildings,
    paint_castle,
    paint_houses,
    paint_lighthouse,
    paint_shapes,
)
from salon.generation.engines.sketch_words import STYLES

Painter = Callable[[Canvas], None]

HORIZON: dict[str, tuple[float, float]] = {
    "landscape": (0.56, 0.66), "garden": (0.5, 0.58), "sea": (0.5, 0.62),
    "city": (0.66, 0.76), "forest": (0.5, 0.58), "space": (1.0, 1.0),
    "desert": (0.52, 0.62), "mountains": (0.6, 0.7), "abstract": (0.7, 0.7),
    "interior": (0.6, 0.66),
}
BEACH_WORDS = frozenset(("beach", "shore", "coast", "coastal", "seaside", "sand", "island"))
OVERLAYS = ("stars", "planets", "sun", "moon", "rainbow", "clouds", "lightning", "birds",
            "rain", "snow")


def plan(spec: Spec) -> list[Painter]:
    """The painters for this picture, back to front."""
    has = spec.has
    if spec.scene == "interior":
        return [paint_room, paint_figures]
    out: list[Painter] = [paint_sky]
    if has("stars"):
        out.append(paint_stars)
    if has("planets"):
        out.append(paint_planets)
    if has("sun") or has("moon"):
        out.append(paint_sun)
    if has("rainbow"):
        out.append(paint_rainbow)
    if has("clouds"):
        out.append(paint_clouds)
    if has("lightning"):
        out.append(paint_lightning)
    if spec.scene == "abstract":
        out.append(paint_shapes)
    if has("mountains"):
        out.append(paint_mountains)
    land = spec.scene not in ("space", "abstract")
    if land and (has("hills") or spec.scene in ("forest", "garden")) and not has("water"):
        out.append(lambda cv: paint_hills(cv, near=False))
    if has("buildings"):
        out.append(paint_buildings)
    if has("water"):
        out.append(paint_water)
        if spec.tags & BEACH_WORDS or needs_ground(spec.figures):
            out.append(paint_beach)
    elif land:
        out.append(paint_ground)
        if has("lake"):
            out.append(paint_lake)
        if has("river"):
            out.append(paint_river)
    if has("waves") or (has("water") and "stormy" in spec.moods):
        out.append(paint_waves)
    if has("dunes"):
        out.append(paint_dunes)
    if land and not has("water") and (has("hills") or has("castle")) and spec.scene != "forest":
        out.append(lambda cv: paint_hills(cv, near=True))
    if has("trees"):
        out.append(paint_trees)
    if has("house"):
        out.append(paint_houses)
    if has("castle"):
        out.append(paint_castle)
    if has("lighthouse") and has("water"):
        out.append(paint_lighthouse)
    if has("boat") and has("water"):
        out.append(paint_boat)
    if has("flowers"):
        out.append(paint_flowers)
    if land and not has("water") and spec.scene not in ("city", "desert"):
        out.append(paint_grass)
    if spec.figures:
        out.append(paint_figures)
    if has("birds"):
        out.append(paint_birds)
    if has("rain"):
        out.append(paint_rain)
    if has("snow"):
        out.append(paint_snow)
    return out


def horizon_for(spec: Spec, streams: Streams, h: int) -> float:
    lo, hi = HORIZON.get(spec.scene, (0.6, 0.6))
    return h * streams("horizon").u(lo, hi)


def paint(spec: Spec, pal: Palette, streams: Streams, w: int, h: int,
          report: Callable[[float], None]) -> Image.Image:
    cv = Canvas(Image.new("RGB", (w, h)), spec, pal, streams, horizon_for(spec, streams, h))
    painters = plan(spec)
    for k, painter in enumerate(painters):
        painter(cv)
        report(0.75 * (k + 1) / len(painters))
    return cv.img


def _blend(a: Image.Image, b: Image.Image, t: float) -> Image.Image:
    return Image.blend(a, b, max(0.0, min(1.0, t)))


class _Monotonic:
    def __init__(self, progress: Callable[[float], None], start: float, span: float) -> None:
        self.progress, self.start, self.span = progress, start, span

    def __call__(self, fraction: float) -> None:
        self.progress(min(1.0, self.start + self.span * max(0.0, min(1.0, fraction))))


class SketchEngine:
    """Paints pictures from prompts with numpy and Pillow: fast, free, deterministic."""

    name = "sketch"
    model = "salon-sketch-1"
    title = "Sketch"
    label = "Sketch (built-in procedural engine, no AI model)"
    trained = False
    vocabulary = sketch_words.vocabulary()
    # Its steps and guidance are fixed (the model's, never chosen): a recipe leaves them out.
    recipe_fields: tuple[str, ...] = ("negative_prompt", "seed", "variation", "style")
    capabilities = Capabilities(
        text_to_image=True, image_to_image=True, negative_prompt=True, sizes=dict(ASPECTS),
        max_count=4, styles=STYLES, default_steps=12, default_guidance=7.0,
    )

    def check(self, request: EngineRequest) -> str:
        """Raise EngineError for what this engine can't do; return the normalised style."""
        sizes = self.capabilities.sizes
        if (request.width, request.height) not in sizes.values():
            choices = ", ".join(f"{w}x{h} ({name})" for name, (w, h) in sizes.items())
            raise EngineError(f"The sketch engine can't paint {request.width}x"
                              f"{request.height}; choose one of {choices}.")
        if not 1 <= request.count <= self.capabilities.max_count:
            raise EngineError(f"The sketch engine paints 1 to {self.capabilities.max_count} "
                              f"pictures at a time, not {request.count}.")
        style = request.style.strip().lower()
        if style and style not in self.capabilities.styles:
            raise EngineError(f"The sketch engine has no style called {request.style!r}; try "
                              + ", ".join(self.capabilities.styles) + ".")
        for label, value in (("guidance", request.guidance), ("strength", request.strength),
                             ("subseed strength", request.subseed_strength)):
            if not math.isfinite(value):
                raise EngineError(f"The {label} must be a number.")
        return style

    def generate(self, request: EngineRequest, progress: Progress) -> Output:
        style = self.check(request)
        out: list[Image.Image] = []
        last = [0.0]

        def report(value: float) -> None:
            if value > last[0]:
                last[0] = value
                progress(value)

        for i in range(request.count):
            step = _Monotonic(report, i / request.count, 1.0 / request.count)
            out.append(self.render(request, style, i, step))
        report(1.0)
        return Output(out, words=words_of(request))

    def render(self, request: EngineRequest, style: str, index: int,
               report: Callable[[float], None]) -> Image.Image:
        seed = request.seed + index
        mix = max(0.0, min(1.0, request.subseed_strength))
        subseed = None if request.subseed is None or mix <= 0 else request.subseed + index
        spec = resolve(request.prompt, request.negative_prompt, style, request.guidance,
                       request.steps, seed=seed)
        streams = Streams(seed, spec.salt, subseed, mix)
        pal = build_palette(spec)
        w, h = request.width, request.height
        if request.init_image is not None:
            return self._restyle(request.init_image, request.strength, spec, pal, streams,
                                 (w, h), report)
        raw = paint(spec, pal, streams, w, h, report)
        img = finish(raw, spec, pal, streams)
        report(0.85)
        img = apply_styles(img, raw, spec, pal, streams)
        report(1.0)
        return img

    def _restyle(self, init: Image.Image, strength: float, spec: Spec, pal: Palette,
                 streams: Streams, size: tuple[int, int],
                 report: Callable[[float], None]) -> Image.Image:
        """Image to image: keep the source's structure, recolour, light and style it per the
        prompt; strength 0 keeps the source, 1 mostly replaces it with the prompt's scene."""
        t = max(0.0, min(1.0, strength))
        w, h = size
        src = fit_source(init, w, h)
        cv = Canvas(gradient_map(src, pal), spec, pal, streams, h * 0.62)
        report(0.3)
        named = spec.explicit
        if named & {"sun", "moon"}:
            place_body(cv)
            paint_sun(cv)
        painters: dict[str, Painter] = {
            "stars": paint_stars, "planets": paint_planets, "rainbow": paint_rainbow,
            "clouds": paint_clouds, "lightning": paint_lightning, "birds": paint_birds,
            "rain": paint_rain, "snow": paint_snow,
        }
        if spec.light == "night" and "stars" not in spec.explicit and spec.has("stars"):
            named = named | {"stars"}
        for key in OVERLAYS:
            if key in named and key in painters:
                painters[key](cv)
        report(0.55)
        raw = cv.img
        if t > 0.5:
            scene = paint(spec, pal, streams, w, h, lambda f: None)
            raw = _blend(raw, scene, 0.7 * (t - 0.5) / 0.5)
        report(0.8)
        full = apply_styles(finish(raw, spec, pal, streams), raw, spec, pal, streams)
        out = _blend(src, full, min(1.0, t * (0.6 + 0.8 * t)))
        report(1.0)
        return out


def words_of(request: EngineRequest) -> dict[str, list[str]]:
    """The prompt's words this engine drew and those it could not."""
    return sketch_words.report(request.prompt, request.negative_prompt)


ENGINE = SketchEngine()

__all__ = ["ENGINE", "STYLES", "SketchEngine"]
