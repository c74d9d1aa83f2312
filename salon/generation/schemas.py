"""What people ask a generation for, and the recipe shown with each generated picture."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from salon.errors import Invalid
from salon.text_input import clean_text

# The fields a generation request takes, by the names forms and the API use.
FIELDS = ("prompt", "negative_prompt", "count", "aspect", "seed", "style", "engine",
          "remix_of", "source_media_id", "strength")


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
        strength = _text(fields, "strength")
        try:
            strength_value = float(strength) if strength else 0.6
        except ValueError:
            raise Invalid("The strength must be a number from 0.0 to 1.0.", "strength") from None
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
            strength=strength_value,
        )


@dataclass(frozen=True)
class Recipe:
    """How one picture was made: everything needed to make it again."""

    prompt: str
    negative_prompt: str
    engine: str
    model: str
    seed: int
    steps: int
    guidance: float
    width: int
    height: int
    style: str
    aspect: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)
