"""What people ask a generation for, and the recipe shown with each generated picture."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from salon.errors import Invalid
from salon.text_input import clean_text

# The fields a generation request takes, by the names forms and the API use. A subseed (and
# how much of its noise to mix in) remakes a picture that Vary (subtle) made.
FIELDS = ("prompt", "negative_prompt", "count", "aspect", "seed", "style", "engine",
          "remix_of", "source_media_id", "strength", "subseed", "subseed_strength")


def _text(fields: Mapping[str, object], name: str) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # JSON clients send numbers as numbers
    if not isinstance(value, str):
        raise Invalid(f"{name} must be text.", name)
    return clean_text(value, name, multiline=True).strip()


def whole_number(fields: Mapping[str, object], name: str, what: str) -> int | None:
    raw = _text(fields, name)
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise Invalid(f"The {what} must be a whole number, not {raw!r}.", name)
    return int(raw)


@dataclass
class GenerationSpec:
    prompt: str
    negative_prompt: str = ""
    count: int = 4
    aspect: str = "1:1"
    seed: int | None = None  # None: a random one
    style: str = ""
    engine: str | None = None  # None: the instance's default
    remix_of_id: int | None = None
    source_media_id: int | None = None  # image-to-image from this own picture
    strength: float = 0.6  # image-to-image: 0 keeps the picture, 1 replaces it
    subseed: int | None = None  # Vary (subtle)
    subseed_strength: float = 0.0

    @classmethod
    def from_fields(cls, fields: Mapping[str, object]) -> GenerationSpec:
        """A request from form or JSON fields; numbers that are not numbers say so."""
        count = whole_number(fields, "count", "number of images")
        subseed = whole_number(fields, "subseed", "variation seed")
        return cls(
            prompt=_text(fields, "prompt"),
            negative_prompt=_text(fields, "negative_prompt"),
            count=4 if count is None else count,
            aspect=_text(fields, "aspect") or "1:1",
            seed=whole_number(fields, "seed", "seed"),
            style=_text(fields, "style"),
            engine=_text(fields, "engine") or None,
            remix_of_id=whole_number(fields, "remix_of", "post to remix"),
            source_media_id=whole_number(fields, "source_media_id", "source image"),
            strength=_fraction(fields, "strength", 0.6),
            subseed=subseed,
            subseed_strength=_fraction(fields, "subseed_strength", 0.0)
            if subseed is not None else 0.0,
        )


def _fraction(fields: Mapping[str, object], name: str, default: float) -> float:
    raw = _text(fields, name)
    try:
        return float(raw) if raw else default
    except ValueError:
        raise Invalid(f"The {name.replace('_', ' ')} must be a number from 0.0 to 1.0.",
                      name) from None


@dataclass(frozen=True)
class Recipe:
    """How one picture was made: everything needed to make it again. What its engine does
    not use (engines.recipe_fields) is None."""

    prompt: str
    negative_prompt: str
    engine: str
    model: str
    seed: int | None
    steps: int | None
    guidance: float | None
    width: int
    height: int
    style: str
    aspect: str
    # Vary (subtle): the other noise mixed into the seed's, and how much of it.
    subseed: int | None = None
    subseed_strength: float | None = None

    def as_dict(self) -> dict[str, object]:
        """The fields that apply, for the file's metadata."""
        return {k: v for k, v in asdict(self).items() if v is not None}


# The rows a recipe is shown in, each with the fields it is made of, in order.
ROWS: dict[str, tuple[str, ...]] = {
    "prompt": ("prompt",), "negative_prompt": ("negative_prompt",),
    "engine": ("engine", "model"), "seed": ("seed",),
    "variation": ("subseed", "subseed_strength"), "steps": ("steps",),
    "guidance": ("guidance",), "size": ("width", "height", "aspect"), "style": ("style",),
}


def varying(recipes: Sequence[Recipe]) -> list[str]:
    """The rows that differ between these recipes (a post's pictures: their seeds)."""
    return [row for row, names in ROWS.items()
            if len({tuple(getattr(r, n) for n in names) for r in recipes}) > 1]
