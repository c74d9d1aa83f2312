"""The Engine protocol: what every image engine offers and how the workers call it.

Engines are synchronous and CPU/GPU bound; the generation task runs them in a thread and
passes a `progress` callback that may be called from that thread with a fraction 0..1 and,
where the engine can show them, rough previews of the pictures so far (one per candidate).
The callback raises when the generation was cancelled: engines let that propagate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

# Aspect ratios people choose from, and the pixel size each engine renders them at by default.
ASPECTS: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024),
    "3:2": (1152, 768),
    "2:3": (768, 1152),
    "16:9": (1280, 720),
    "9:16": (720, 1280),
}
MAX_SEED = 2**32 - 1
# What a recipe may show besides the prompt, the engine, its model and the size. Each engine
# names those it uses (`Engine.recipe_fields`): a recipe never shows a setting its engine
# ignores or fixes (a seed an API cannot take, steps nobody chooses). "variation" is the
# other noise Vary (subtle) mixes into the seed's.
RECIPE_FIELDS = ("negative_prompt", "seed", "variation", "steps", "guidance", "style")


class Progress(Protocol):
    def __call__(self, fraction: float, previews: Sequence[Image.Image] | None = None
                 ) -> None: ...


class EngineError(Exception):
    """A failure the person who asked can understand ("the model refused this prompt")."""


@dataclass(frozen=True)
class Capabilities:
    text_to_image: bool = True
    image_to_image: bool = False
    negative_prompt: bool = True
    sizes: dict[str, tuple[int, int]] = field(default_factory=lambda: dict(ASPECTS))
    max_count: int = 4
    styles: tuple[str, ...] = ()  # style presets the engine understands; "" is always allowed
    default_steps: int = 20
    default_guidance: float = 7.0
    seeds: bool = True  # the same seed gives the same picture (the recipe can be remade)
    previews: bool = False  # shows pictures in progress while it works


@dataclass(frozen=True)
class EngineRequest:
    """One generation: `count` images, the i-th with seed `seed + i`."""

    prompt: str
    negative_prompt: str = ""
    width: int = 1024
    height: int = 1024
    seed: int = 0
    count: int = 1
    steps: int = 20
    guidance: float = 7.0
    style: str = ""
    # Variation (Vary subtle): mix a little of another noise into the seed's picture.
    subseed: int | None = None
    subseed_strength: float = 0.0
    # Image-to-image: start from this picture; strength 0 keeps it, 1 ignores it.
    init_image: Image.Image | None = None
    strength: float = 0.6


@dataclass
class Output:
    """What an engine made, and what it cost where a paid service says so."""

    images: list[Image.Image]
    usage: dict[str, int] = field(default_factory=dict)  # e.g. the API's token counts
    cost_usd: float | None = None
    # Engines that read the prompt word by word say which words they drew ("used") and
    # which they could not ("ignored"); None where an engine does not say.
    words: dict[str, list[str]] | None = None


class Engine(Protocol):
    """An engine may also have `exclusive = True` (one generation at a time per process: the
    worker requeues the others instead of holding a slot for them), `ready()` (raises
    ValueError when this process lacks what running it needs), `warm()` (load weights
    now) and `vocabulary` (the words it knows, by group, for the composer to suggest)."""

    name: str  # the key people choose: "sketch"
    model: str  # what made the picture, for the recipe: "salon-sketch-1"
    # A trained model makes its pictures: they are labelled "AI-generated" and their content
    # credentials say trainedAlgorithmicMedia. False for a procedural program (sketch).
    trained: bool
    title: str  # the composer's engine menu: short enough for a phone ("Sketch")
    label: str  # shown under the menu: honest about what it is
    capabilities: Capabilities
    # Of RECIPE_FIELDS, those this engine uses; a class attribute, so a post's recipe is
    # shown right even where the engine is no longer enabled (engines.recipe_fields).
    recipe_fields: tuple[str, ...]

    def generate(self, request: EngineRequest, progress: Progress) -> Output:
        """Return `request.count` RGB images of `request.width` x `request.height`, in seed
        order. Same request, same pixels (where `capabilities.seeds`)."""
        ...
