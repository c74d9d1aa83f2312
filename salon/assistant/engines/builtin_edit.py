"""An edit's prompt: the picture's own prompt with the change, where the change replaces
what it contradicts ("make it night" under "a lighthouse at sunset": "a lighthouse at
night", not "a lighthouse at sunset, at night"), and the style the change asks for.

Words that exclude each other are in groups: a change that names a word of a group takes
that group's words (with their "at the", "in a") out of the prompt. A word can be in several
groups ("sunny" is weather and light)."""

from __future__ import annotations

import re

_GROUPS: dict[str, tuple[str, ...]] = {
    "time": ("sunrise", "dawn", "daybreak", "morning", "noon", "midday", "day", "daytime",
             "daylight", "afternoon", "sunset", "dusk", "evening", "twilight", "golden hour",
             "blue hour", "night", "nighttime", "midnight", "moonlight", "moonlit", "sunny",
             "sunlit", "sunshine"),
    "weather": ("spring", "summer", "autumn", "fall", "winter", "sunny", "sunlit",
                "sunshine", "stormy", "storm", "thunderstorm", "rainy", "rain", "snowy",
                "snow", "snowfall", "blizzard", "foggy", "fog", "misty", "mist", "cloudy",
                "windy"),
    "style": ("watercolor", "watercolour", "aquarelle", "pen and ink", "ink", "pixel art",
              "pixelated", "8-bit", "oil painting", "oil paint", "oil", "pencil sketch",
              "pencil", "charcoal", "neon", "pastel", "minimalist", "minimal", "film noir",
              "noir", "black and white", "monochrome", "vintage", "retro", "sepia",
              "cartoon", "anime", "comic", "photorealistic", "photograph", "photo"),
}
# The image engines' style presets (the sketch engine's) the style words ask for.
STYLE_PRESETS: dict[str, str] = {
    **dict.fromkeys(("watercolor", "watercolour", "aquarelle"), "watercolor"),
    **dict.fromkeys(("pen and ink", "ink"), "ink"),
    **dict.fromkeys(("pixel art", "pixelated", "8-bit"), "pixel art"),
    **dict.fromkeys(("oil painting", "oil paint", "oil"), "oil"),
    **dict.fromkeys(("pencil sketch", "pencil", "charcoal"), "pencil"),
    **dict.fromkeys(("minimalist", "minimal"), "minimal"),
    **dict.fromkeys(("film noir", "noir", "black and white", "monochrome"), "noir"),
    **dict.fromkeys(("vintage", "retro", "sepia"), "vintage"),
    "neon": "neon", "pastel": "pastel",
}
# A word goes with what introduces it: "at the" or "in a" always, "a" alone where the word
# is a noun ("a storm over the sea"), never the "a" of an adjective ("a snowy forest").
_PREPOSITION = r"\b(?:at|by|in|into|during|on|under|as|with)\s+(?:(?:the|a|an)\s+)?"
_ARTICLE = r"\b(?:the|a|an)\s+"
_TAIL = r"(?:\s+(?:time|style|painting|light|weather|sky))?"
_NOUN_END = r"(?=\s*[,.;]|\s*$|\s+(?:over|at|in|on|by|with|and|under|near|above|of)\b)"


def _forms(word: str) -> tuple[re.Pattern[str], ...]:
    w = rf"\b{re.escape(word)}\b{_TAIL}"
    return tuple(re.compile(p, re.IGNORECASE)
                 for p in (_PREPOSITION + w, _ARTICLE + w + _NOUN_END, w))


_PATTERNS = {
    group: [(word, re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE), _forms(word))
            for word in sorted(words, key=len, reverse=True)]
    for group, words in _GROUPS.items()}
# Changes that read as the end of a sentence ("… at night"), not as a new item ("…, ink").
_JOINS = re.compile(r"^(?:at|by|in|during|under|on)\b", re.IGNORECASE)
_DANGLING = re.compile(r"(?:^[\s,;]+|[\s,;]+$|\s+\b(?:and|with|of|in|at|on|over|by)$)",
                       re.IGNORECASE)


def groups_of(change: str) -> set[str]:
    return {group for group, words in _PATTERNS.items()
            if any(word.search(change) for _, word, _ in words)}


def asked_style(change: str) -> str | None:
    """The preset the change asks for: "" for a style no preset has ("in the style of
    Hokusai"), None when the change names no style (the source's is kept)."""
    for word, pattern, _ in _PATTERNS["style"]:
        if pattern.search(change):
            return STYLE_PRESETS.get(word, "")
    return "" if re.search(r"\bstyle\b", change, re.IGNORECASE) else None


def compose(base: str, change: str, *, adds: bool = True) -> str:
    """`base` with `change`; what the change contradicts goes, unless the change takes
    something away (`adds` False: "without the rain")."""
    kept = base
    groups = groups_of(change) if adds else set()
    if asked_style(change) is not None and adds:
        groups.add("style")
    for group in sorted(groups):
        for _, _, forms in _PATTERNS[group]:
            for form in forms:
                kept = form.sub(" ", kept)
    kept = _tidy(kept)
    if not kept:
        return change
    # "… over a calm sea at night", but "a fox, pixel art, at sunset".
    joins = _JOINS.match(change) and "," not in kept
    return f"{kept} {change}" if joins else f"{kept}, {change}"


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,;.])", r"\1", text)
    text = re.sub(r"([,;])(?:\s*[,;])+", r"\1", text)
    while True:
        tidier = _DANGLING.sub("", text).strip()
        if tidier == text:
            return text
        text = tidier
