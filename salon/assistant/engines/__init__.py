"""The text engine the assistant answers with, chosen by SALON_ASSISTANT_ENGINE.

As for image engines: building one is cheap and reads only settings; a model loads in the
worker on first use and stays loaded (each engine module keeps its own)."""

from __future__ import annotations

import importlib
import logging

from salon.assistant.engines.base import TextEngine
from salon.settings import Settings

# Each engine's `from_settings`, imported on first use: real model engines import heavy
# libraries.
KNOWN = {
    "builtin": "salon.assistant.engines.builtin:from_settings",
    "openai": "salon.assistant.engines.openai_chat:from_settings",
    "transformers": "salon.assistant.engines.local:from_settings",
}


def pick(settings: Settings) -> TextEngine:
    name = settings.assistant_engine
    if name not in KNOWN:
        raise ValueError(f"SALON_ASSISTANT_ENGINE={name!r} is not a text engine; choose one "
                         f"of {', '.join(KNOWN)}")
    module, _, attribute = KNOWN[name].partition(":")
    engine: TextEngine = getattr(importlib.import_module(module), attribute)(settings)
    return engine


def check(settings: Settings, *, runs_jobs: bool = False) -> None:
    """Fail at start-up, with the setting to change, when the assistant's engine can't
    work here (processes that run jobs also check what running it needs)."""
    if not settings.assistant_enabled:
        return
    engine = pick(settings)
    ready = getattr(engine, "ready", None)
    if runs_jobs and ready is not None:
        ready()


def warm(settings: Settings) -> None:
    """Load the model now, in a worker that starts; a failure is logged and each answer
    that needs the engine says so to the asker."""
    if not settings.assistant_enabled:
        return
    try:
        load = getattr(pick(settings), "warm", None)
        if load is not None:
            load()
    except Exception:
        logging.getLogger("salon.assistant").exception("warming the text engine failed")
