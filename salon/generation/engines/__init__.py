"""The engines this instance offers, chosen by settings (SALON_ENGINES, SALON_DEFAULT_ENGINE)."""

from __future__ import annotations

from collections.abc import Callable

from salon.errors import Invalid
from salon.generation.engines.base import Engine
from salon.settings import Settings


def _sketch() -> Engine:
    from salon.generation.engines.sketch import ENGINE

    return ENGINE


# Engines are loaded on first use: real model engines import heavy libraries.
KNOWN: dict[str, Callable[[], Engine]] = {"sketch": _sketch}


def enabled_names(settings: Settings) -> list[str]:
    names = [n.strip() for n in settings.engines.split(",") if n.strip()]
    unknown = [n for n in names if n not in KNOWN]
    if unknown:
        raise ValueError(f"SALON_ENGINES names unknown engines {unknown}; known: {sorted(KNOWN)}")
    return names


def enabled(settings: Settings) -> dict[str, Engine]:
    return {name: KNOWN[name]() for name in enabled_names(settings)}


def pick(settings: Settings, name: str | None) -> Engine:
    """The engine someone asked for (or the default) if it is enabled here."""
    names = enabled_names(settings)
    chosen = name or settings.default_engine
    if chosen not in names:
        raise Invalid(
            f"There is no engine {chosen!r} here; choose one of: {', '.join(names)}.", "engine"
        )
    return KNOWN[chosen]()
