"""From parsed words to a Spec: the scene, light, moods, elements, colours and styles one
picture is painted with (prompt minus negative prompt, request style, guidance, steps)."""

from __future__ import annotations

import colorsys
from dataclasses import dataclass, field

from salon.generation.engines.sketch_rand import Streams, unit
from salon.generation.engines.sketch_words import FIGURE_SCENES, FIGURES, STYLES, Color, read

# The elements a scene brings along, whatever the seed.
SCENE_ELEMENTS: dict[str, tuple[str, ...]] = {
    "landscape": ("ground",),
    "garden": ("ground", "flowers", "hills"),
    "sea": ("water",),
    "city": ("buildings",),
    "forest": ("trees", "hills", "ground"),
    "space": ("stars", "planets", "nebula"),
    "desert": ("dunes",),
    "mountains": ("mountains", "ground"),
    "abstract": ("shapes",),
    "interior": (),
}
# What a second scene word adds to the first scene ("a city by the sea").
SCENE_EXTRA: dict[str, str] = {
    "sea": "water", "city": "buildings", "forest": "trees", "space": "stars",
    "desert": "dunes", "mountains": "mountains", "garden": "flowers", "landscape": "hills",
}
# A subject implies a scene when the prompt names none ("waves" is a sea picture).
SUBJECT_SCENE: tuple[tuple[str, str], ...] = (
    ("water", "sea"), ("waves", "sea"), ("boat", "sea"), ("lighthouse", "sea"),
    ("buildings", "city"),
    ("planets", "space"), ("nebula", "space"), ("trees", "forest"), ("dunes", "desert"),
    ("mountains", "mountains"), ("flowers", "garden"), ("castle", "landscape"),
    ("house", "landscape"), ("hills", "landscape"), ("river", "landscape"),
    ("lake", "landscape"), ("sun", "landscape"), ("moon", "landscape"),
    ("stars", "landscape"), ("clouds", "landscape"), ("birds", "landscape"),
    ("rainbow", "landscape"), ("rain", "landscape"), ("snow", "landscape"),
    ("lightning", "landscape"),
)
SKY_SCENES = frozenset(("landscape", "garden", "sea", "city", "forest", "desert", "mountains"))


@dataclass
class Spec:
    scene: str
    light: str  # day, sunset, dawn, night
    moods: tuple[str, ...]
    temp: float  # -1 cold .. +1 warm
    elements: frozenset[str]
    explicit: frozenset[str]  # elements the prompt named
    styles: tuple[str, ...]
    colours: list[tuple[Color, float]]  # prompt colours for the whole palette, with weight
    bound: dict[str, Color]  # colours for one element ("blue sky")
    accents: list[Color]  # from words the engine doesn't know
    avoid: list[Color]  # colours from the negative prompt
    push: float  # guidance / default guidance
    detail: float  # steps / default steps, clamped
    salt: str
    overcast: bool = False
    flat: bool = False  # minimal: flat fills, few elements
    tags: frozenset[str] = field(default_factory=frozenset)
    figures: tuple[str, ...] = ()  # drawn large in front of the scene, in prompt order
    traits: frozenset[str] = field(default_factory=frozenset)  # old, small, big
    people: tuple[str, ...] = ()  # the word for each person drawn ("king", "queen")

    def has(self, element: str) -> bool:
        return element in self.elements

    def styled(self, style: str) -> bool:
        return style in self.styles


def hashed_colour(word: str) -> Color:
    h = unit("accent", word)
    s = 0.5 + 0.35 * unit("accent-s", word)
    v = 0.7 + 0.25 * unit("accent-v", word)
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return (r * 255, g * 255, b * 255)


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _defaults(scene: str, light: str, moods: tuple[str, ...], streams: Streams) -> set[str]:
    rnd = streams("layout")
    out = set(SCENE_ELEMENTS.get(scene, ()))
    stormy = "stormy" in moods or "gloomy" in moods
    if scene in SKY_SCENES:
        if light == "night":
            out |= {"moon", "stars"}
        elif not stormy and (light != "day" or rnd.chance(0.75)):
            out.add("sun")
        if stormy or rnd.chance(0.25 if light == "night" else 0.7):
            out.add("clouds")
        if rnd.chance(0.3) and light != "night":
            out.add("birds")
    if "stormy" in moods:
        out.add("rain")
    if scene == "landscape":
        out.add(rnd.pick(("hills", "hills", "mountains")))
        if rnd.chance(0.55):
            out.add("trees")
        if rnd.chance(0.3):
            out.add(rnd.pick(("river", "lake")))
    elif scene == "mountains" and rnd.chance(0.45):
        out.add("lake")
    elif scene == "sea" and rnd.chance(0.35):
        out.add("boat")
    elif scene == "space" and rnd.chance(0.5):
        out.add("moon")
    elif scene == "city" and light != "night":
        out.discard("birds")
    elif scene == "garden" and rnd.chance(0.5):
        out.add("trees")
    return out


def resolve(prompt: str, negative: str, style: str, guidance: float, steps: int,
            seed: int = 0) -> Spec:
    pos = read(prompt)
    neg = read(negative + " " + " ".join(pos.negated))
    salt = " ".join(sorted(set(pos.unknown)))
    streams = Streams(seed, salt, None, 0.0)  # which elements: the seed's alone, even in variations

    styles = [s for s in _dedupe(([style] if style else []) + pos.styles) if s not in neg.styles]
    lights = [x for x in pos.lights if x not in neg.lights]
    moods = tuple(m for m in _dedupe(pos.moods) if m not in neg.moods)
    temps = pos.temps or [0.0]
    temp = max(-1.0, min(1.0, sum(temps) / len(temps) - 0.4 * sum(neg.temps)))

    scenes = [s for s in _dedupe(pos.scenes) if s not in neg.scenes]
    subjects = [s for s in pos.subjects if s not in neg.subjects]
    figures = tuple(f for f in _dedupe(pos.figures) if f not in neg.figures)
    scene = scenes[0] if scenes else _implied_scene(subjects, figures, pos.has("portrait"))
    if not scene:
        scene = "landscape" if (lights or pos.temps) else "abstract"

    if lights:
        light = lights[0]
    elif scene == "space" or ("neon" in styles and "night" not in neg.lights):
        light = "night"
    else:
        light = "day"

    elements = _defaults(scene, light, moods, streams) | set(subjects)
    elements |= {SCENE_EXTRA[s] for s in scenes[1:] if s in SCENE_EXTRA}
    if "waves" in elements and scene != "sea":
        elements.add("water")
    if "boat" in figures:  # the boat is the figure; on a lake where there is no sea
        elements.discard("boat")
        if not elements & {"water", "lake", "river"}:
            elements.add("lake")
    elements -= set(neg.subjects) | {SCENE_EXTRA.get(s, "") for s in neg.scenes}
    if light == "night" and "sun" not in subjects:
        elements.discard("sun")
    if light != "night" and "moon" in elements and "sun" in elements and "moon" in subjects:
        elements.discard("sun")
    flat = "minimal" in styles
    if flat:
        keep = set(subjects) | {"sun", "moon", "water", "mountains", "hills", "dunes",
                                "buildings", "shapes", "ground", "planets"}
        elements &= keep

    avoid = [c for c, _ in neg.colours] + list(neg.implied)
    avoid_set = set(avoid)
    bound: dict[str, Color] = {}
    unbound: list[tuple[Color, float]] = []
    for colour, target in pos.colours:
        if colour in avoid_set:
            continue
        if target is None:
            unbound.append((colour, 1.0))
        else:
            bound[target] = colour
    colours = unbound
    if not colours:
        # A colour bound to the scenery ("green forest") colours the picture; one bound to
        # a figure ("a red fox") only the figure.
        colours = [(c, 0.65) for c, t in pos.colours
                   if t is not None and not figure_role(t) and c not in avoid_set]
    if not colours:
        colours = [(c, 0.6) for c in pos.implied if c not in avoid_set]
        if "flowers" in elements and pos.implied and "flowers" not in bound:
            bound["flowers"] = pos.implied[0]
    accents = [hashed_colour(w) for w in _dedupe(pos.unknown)[:4]]

    tags = set(pos.tokens)
    return Spec(
        scene=scene, light=light, moods=moods, temp=temp, elements=frozenset(elements),
        explicit=frozenset(subjects), styles=tuple(styles), colours=colours, bound=bound,
        accents=accents, avoid=avoid, push=max(0.0, min(30.0, guidance)) / 7.0,
        detail=max(0.35, min(1.6, steps / 12.0)), salt=salt,
        overcast="stormy" in moods or "gloomy" in moods, flat=flat, tags=frozenset(tags),
        figures=figures, traits=frozenset(pos.traits),
        people=_people(pos.tokens) if "person" in figures else (),
    )


PLURAL_PEOPLE = frozenset(("people", "men", "women", "children", "fishermen"))


def _people(tokens: list[str]) -> tuple[str, ...]:
    """One word per person to draw, at most three: "a king and a queen" are two people,
    "people" three."""
    words = _dedupe([t for t in tokens if FIGURES.get(t) == "person"])
    out = [w for word in words for w in [word] * (3 if word in PLURAL_PEOPLE else 1)]
    return tuple(out[:3])


def figure_role(element: str) -> bool:
    """Whether a colour bound to this element colours a figure rather than the scenery."""
    return element.startswith(("fig_", "fruit_"))


def _implied_scene(subjects: list[str], figures: tuple[str, ...], portrait: bool) -> str:
    """The scene when the prompt names none: a still life is indoors; else the first
    subject that implies one; a portrait is indoors; else the first figure's; "" when
    nothing implies one."""
    if any(FIGURE_SCENES.get(f) == "interior" for f in figures):
        return "interior"
    for subject, implied_scene in SUBJECT_SCENE:
        if subject in subjects:
            return implied_scene
    if portrait:
        return "interior"
    for figure in figures:
        return FIGURE_SCENES.get(figure, "landscape")
    return ""


def known_style(style: str) -> bool:
    return style == "" or style in STYLES

