"""The engines this instance offers, chosen by settings (SALON_ENGINES, SALON_DEFAULT_ENGINE).

Building an engine is cheap and reads only settings and small config files: the composer
builds them for every page. Model weights load in the worker, on the first generation, and
stay loaded (each engine module keeps its own).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from functools import cache

from salon.errors import Invalid
from salon.generation.engines.base import RECIPE_FIELDS, Engine
from salon.settings import Settings, comma_list


def _sketch(settings: Settings) -> Engine:
    from salon.generation.engines.sketch import ENGINE

    return ENGINE


def _diffusers(settings: Settings) -> Engine:
    from salon.generation.engines.diffusion import from_settings

    return from_settings(settings)


def _openai(settings: Settings) -> Engine:
    from salon.generation.engines.openai_images import from_settings

    return from_settings(settings)


# Engines are imported on first use: real model engines import heavy libraries.
KNOWN: dict[str, Callable[[Settings], Engine]] = {
    "sketch": _sketch, "diffusers": _diffusers, "openai": _openai,
}
# Each engine's class, to read what it declares without settings (its module imports nothing
# heavy until it runs).
CLASSES = {
    "sketch": "salon.generation.engines.sketch:SketchEngine",
    "diffusers": "salon.generation.engines.diffusion:DiffusersEngine",
    "openai": "salon.generation.engines.openai_images:OpenAIImagesEngine",
}


@cache
def recipe_fields(name: str) -> frozenset[str]:
    """The recipe fields the engine `name` uses, whether or not it is enabled here (posts
    outlive a change of engines); all of them for an engine this version does not know."""
    if name not in CLASSES:
        return frozenset(RECIPE_FIELDS)
    module, _, attribute = CLASSES[name].partition(":")
    declared: tuple[str, ...] = getattr(importlib.import_module(module), attribute).recipe_fields
    return frozenset(declared)


def enabled_names(settings: Settings) -> list[str]:
    names = comma_list(settings.engines)
    unknown = [n for n in names if n not in KNOWN]
    if unknown:
        raise ValueError(f"SALON_ENGINES names unknown engines {unknown}; known: {sorted(KNOWN)}")
    if not names:
        raise ValueError(f"SALON_ENGINES is empty; name one or more of {sorted(KNOWN)}")
    if settings.default_engine not in names:
        raise ValueError(f"SALON_DEFAULT_ENGINE={settings.default_engine!r} is not one of "
                         f"SALON_ENGINES ({', '.join(names)})")
    return names


def check(settings: Settings, *, runs_jobs: bool = False) -> None:
    """Fail at start-up, with the setting to change, when an enabled engine can't work.
    Processes that run jobs also check what running it needs (engines with a `ready`
    method): web servers show and validate requests from settings and configs alone."""
    for name in enabled_names(settings):
        engine = KNOWN[name](settings)
        ready = getattr(engine, "ready", None)
        if runs_jobs and ready is not None:
            ready()


def warm(settings: Settings) -> None:
    """Load model weights now, in a worker that starts, rather than on the first generation
    (engines with weights have a `warm` method). A failure is logged: the generations that
    need the engine report it to the people who asked."""
    for name, engine in enabled(settings).items():
        load = getattr(engine, "warm", None)
        if load is None:
            continue
        try:
            load()
        except Exception:
            logging.getLogger("salon.generation").exception("warming the %s engine failed",
                                                            name)


def exclusive_names(settings: Settings) -> list[str]:
    """Enabled engines that run one generation at a time per process (`exclusive`: they
    hold a model in memory), so a process runs at most one worker for them."""
    return [name for name, engine in enabled(settings).items()
            if getattr(engine, "exclusive", False)]


def enabled(settings: Settings) -> dict[str, Engine]:
    return {name: KNOWN[name](settings) for name in enabled_names(settings)}


def pick(settings: Settings, name: str | None) -> Engine:
    """The engine someone asked for (or the default) if it is enabled here."""
    names = enabled_names(settings)
    chosen = name or settings.default_engine
    if chosen not in names:
        raise Invalid(
            f"There is no engine {chosen!r} here; choose one of: {', '.join(names)}.", "engine"
        )
    return KNOWN[chosen](settings)
