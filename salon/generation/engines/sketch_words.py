"""Reading a prompt for the sketch engine: words become colours, light, moods, scenes,
subjects and styles.

Matching is case-insensitive, on whole words, with simple plurals ("stars", "skies",
"leaves", "beaches"). A colour right before a thing ("blue sky", "red poppies") is bound to
that thing; "no X" and "without X" in the prompt work like a negative prompt.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

Color = tuple[float, float, float]

COLOURS: dict[str, Color] = {
    "red": (215, 40, 45), "crimson": (190, 25, 55), "scarlet": (230, 45, 35),
    "maroon": (120, 25, 40), "ruby": (190, 20, 60), "orange": (245, 135, 35),
    "amber": (245, 170, 40), "coral": (250, 120, 95), "peach": (255, 185, 150),
    "rust": (180, 80, 40), "yellow": (245, 215, 55), "gold": (228, 180, 50),
    "golden": (235, 185, 60), "lemon": (250, 235, 90), "green": (50, 165, 70),
    "emerald": (30, 150, 100), "lime": (150, 215, 60), "olive": (120, 130, 50),
    "mint": (150, 225, 190), "jade": (60, 170, 120), "teal": (25, 140, 140),
    "turquoise": (50, 200, 190), "cyan": (40, 200, 230), "aqua": (60, 210, 220),
    "blue": (35, 90, 215), "navy": (25, 40, 110), "azure": (60, 150, 240),
    "cobalt": (30, 70, 190), "sapphire": (20, 60, 170), "indigo": (70, 50, 160),
    "purple": (135, 60, 185), "violet": (150, 80, 210), "magenta": (220, 40, 170),
    "lavender": (180, 155, 225), "lilac": (200, 160, 220), "plum": (120, 50, 110),
    "pink": (245, 135, 185), "rose": (230, 90, 130), "fuchsia": (230, 50, 160),
    "brown": (125, 80, 45), "chocolate": (90, 55, 35), "beige": (225, 205, 170),
    "tan": (210, 180, 140), "cream": (245, 235, 205), "copper": (185, 105, 60),
    "bronze": (170, 120, 60), "black": (18, 18, 22), "white": (245, 245, 245),
    "grey": (128, 128, 132), "gray": (128, 128, 132), "silver": (192, 195, 200),
}

# Elements a colour can be bound to, and the words that name them.
BIND: dict[str, str] = {
    "sky": "sky", "heaven": "sky", "sun": "sun", "moon": "moon", "sea": "water",
    "ocean": "water", "water": "water", "lake": "water", "river": "water", "pond": "water",
    "wave": "water", "tree": "foliage", "forest": "foliage", "leaf": "foliage",
    "wood": "foliage", "woods": "foliage", "foliage": "foliage", "jungle": "foliage",
    "pine": "foliage", "mountain": "far", "peak": "far", "hill": "land", "field": "land",
    "meadow": "land", "grass": "land", "ground": "land", "sand": "land", "desert": "land",
    "dune": "land", "valley": "land", "building": "building", "city": "building",
    "skyline": "building", "skyscraper": "building", "tower": "building",
    "flower": "flowers", "poppy": "flowers", "tulip": "flowers", "blossom": "flowers",
    "daisy": "flowers", "cloud": "cloud", "bird": "bird", "planet": "planet",
    "castle": "castle", "house": "castle", "cottage": "castle", "boat": "boat",
    "ship": "boat", "star": "star", "snow": "land", "nebula": "planet",
}

LIGHTS: dict[str, str] = {
    **dict.fromkeys(("night", "midnight", "nighttime", "moonlight", "moonlit", "starlit",
                     "nocturnal", "starry"), "night"),
    **dict.fromkeys(("sunset", "dusk", "twilight", "evening", "goldenhour", "bluehour"),
                    "sunset"),
    **dict.fromkeys(("dawn", "sunrise", "morning", "daybreak"), "dawn"),
    **dict.fromkeys(("day", "noon", "midday", "sunny", "daylight", "daytime", "afternoon",
                     "sunlit", "sunshine", "summer"), "day"),
}

MOODS: dict[str, str] = {
    **dict.fromkeys(("calm", "peaceful", "serene", "tranquil", "quiet", "still", "gentle",
                     "relaxing", "soft", "cozy", "cosy"), "calm"),
    **dict.fromkeys(("stormy", "storm", "thunder", "thunderstorm", "tempest", "rainy",
                     "dramatic", "wild", "windy", "turbulent", "hurricane"), "stormy"),
    **dict.fromkeys(("dreamy", "dream", "magical", "magic", "fantasy", "ethereal", "mystical",
                     "fairy", "fairytale", "enchanted", "surreal", "whimsical", "celestial"),
                    "dreamy"),
    **dict.fromkeys(("gloomy", "gloom", "dark", "sad", "melancholy", "melancholic", "foggy",
                     "fog", "misty", "mist", "hazy", "eerie", "spooky", "haunted", "ominous",
                     "bleak", "lonely"), "gloomy"),
    **dict.fromkeys(("cheerful", "happy", "joyful", "bright", "playful", "vibrant", "colorful",
                     "colourful", "lively", "fun", "festive", "sunny"), "cheerful"),
}

TEMPS: dict[str, float] = {
    **dict.fromkeys(("warm", "hot", "summer", "tropical", "fire", "lava", "autumn", "fall",
                     "cozy", "cosy"), 1.0),
    **dict.fromkeys(("cold", "cool", "icy", "ice", "frozen", "winter", "frost", "arctic",
                     "snowy", "glacier"), -1.0),
}

SCENES: dict[str, str] = {
    **dict.fromkeys(("landscape", "countryside", "meadow", "field", "valley", "prairie",
                     "farm", "farmland", "plain", "scenery", "nature", "park", "sky",
                     "heaven", "village", "hill"), "landscape"),
    **dict.fromkeys(("sea", "ocean", "beach", "coast", "coastal", "seaside", "shore",
                     "harbor", "harbour", "bay", "seascape", "island", "marine"), "sea"),
    **dict.fromkeys(("city", "town", "skyline", "street", "metropolis", "urban", "downtown",
                     "skyscraper", "cityscape"), "city"),
    **dict.fromkeys(("forest", "woods", "woodland", "jungle", "rainforest", "grove"),
                    "forest"),
    **dict.fromkeys(("space", "galaxy", "cosmos", "universe", "nebula", "cosmic",
                     "astronaut", "orbit", "solar"), "space"),
    **dict.fromkeys(("desert", "dune", "sand", "sahara", "oasis", "canyon"), "desert"),
    **dict.fromkeys(("mountain", "peak", "alps", "volcano", "summit", "glacier", "cliff"),
                    "mountains"),
    **dict.fromkeys(("abstract", "geometric", "pattern", "shape", "composition", "fractal",
                     "cubism", "cubist"), "abstract"),
    **dict.fromkeys(("garden", "flowerbed", "orchard"), "garden"),
    **dict.fromkeys(("interior", "room", "kitchen", "table", "indoors", "indoor", "studio",
                     "stilllife"), "interior"),
}

SUBJECTS: dict[str, str] = {
    "sun": "sun", "moon": "moon", "crescent": "moon", "star": "stars", "starry": "stars",
    "milkyway": "stars", "starlit": "stars", "cloud": "clouds", "cloudy": "clouds",
    "birds": "birds", "seagull": "birds", "gull": "birds", "crow": "birds", "flock": "birds",
    "eagle": "birds", "swallow": "birds", "planet": "planets", "saturn": "planets",
    "jupiter": "planets", "mars": "planets", "nebula": "nebula", "galaxy": "nebula",
    "rainbow": "rainbow", "rain": "rain", "rainy": "rain", "raindrop": "rain",
    "drizzle": "rain", "snow": "snow", "snowy": "snow", "snowfall": "snow",
    "snowflake": "snow", "blizzard": "snow", "lightning": "lightning",
    "thunder": "lightning", "thunderstorm": "lightning", "mountain": "mountains",
    "peak": "mountains", "alps": "mountains", "volcano": "mountains", "hill": "hills",
    "hillside": "hills", "dune": "dunes", "trees": "trees", "pine": "trees", "oak": "trees",
    "palm": "trees", "forest": "trees", "woods": "trees", "sea": "water", "ocean": "water",
    "water": "water", "wave": "waves", "surf": "waves", "river": "river", "stream": "river",
    "creek": "river", "lake": "lake", "pond": "lake", "building": "buildings",
    "skyscraper": "buildings", "tower": "buildings", "skyline": "buildings",
    "castle": "castle", "fortress": "castle", "palace": "castle", "houses": "house",
    "village": "house", "hamlet": "house", "lighthouse": "lighthouse",
    "beacon": "lighthouse", "boats": "boat", "ships": "boat", "flower": "flowers",
    "poppy": "flowers", "rose": "flowers",
    "tulip": "flowers", "sunflower": "flowers", "daisy": "flowers", "lavender": "flowers",
    "blossom": "flowers", "bloom": "flowers", "garden": "flowers", "spring": "flowers",
    "meadow": "flowers",
}

# Figures: one thing drawn large in the foreground, in front of the scene ("a red fox in a
# snowy forest": the forest is the scene, the fox its figure). A single "tree", "house" or
# "boat" is a figure; plurals ("trees", "houses", "boats") stay part of the scenery.
FIGURES: dict[str, str] = {
    **dict.fromkeys(("fox", "vixen"), "fox"),
    **dict.fromkeys(("cat", "kitten", "kitty", "tabby"), "cat"),
    **dict.fromkeys(("dog", "puppy", "pup", "hound", "doggy", "terrier", "retriever",
                     "labrador", "poodle", "sheepdog"), "dog"),
    **dict.fromkeys(("bird", "robin", "sparrow", "songbird", "finch", "bluebird"), "bird"),
    **dict.fromkeys(("fish", "goldfish", "koi", "salmon", "trout", "carp"), "fish"),
    **dict.fromkeys(("horse", "pony", "stallion", "mare", "foal"), "horse"),
    **dict.fromkeys(("person", "man", "men", "woman", "women", "figure", "fisherman",
                     "fishermen", "portrait", "child", "children", "kid", "girl", "boy",
                     "lady", "gentleman", "people", "farmer", "sailor", "traveler",
                     "traveller", "wanderer", "hiker", "stranger", "king", "queen",
                     "prince", "princess", "knight", "wizard", "witch", "monk", "soldier",
                     "musician", "dancer", "silhouette"), "person"),
    **dict.fromkeys(("house", "cottage", "cabin", "barn", "home", "farmhouse", "hut",
                     "chalet"), "house"),
    **dict.fromkeys(("tree", "willow", "maple", "birch"), "tree"),
    **dict.fromkeys(("boat", "ship", "sailboat", "yacht", "sail", "sailing", "canoe",
                     "rowboat", "dinghy"), "boat"),
    **dict.fromkeys(("car", "automobile", "taxi", "truck", "van", "jeep", "convertible",
                     "sedan", "racecar"), "car"),
    **dict.fromkeys(("vase", "bouquet", "flowerpot"), "vase"),
    **dict.fromkeys(("fruit", "bowl", "stilllife", "lemons", "apple", "oranges", "limes",
                     "pear", "banana", "grape", "cherries", "peaches", "plums",
                     "strawberry"), "fruit"),
}
# The scene a figure implies when the prompt names none.
FIGURE_SCENES: dict[str, str] = {"fish": "sea", "boat": "sea", "vase": "interior",
                                 "fruit": "interior"}
# Each fruit's look: (shape, colour). Plurals of colour words ("lemons", "oranges") are
# fruit; their singulars stay colours ("lemon yellow").
FRUITS: dict[str, tuple[str, Color]] = {
    "lemons": ("lemon", (246, 214, 46)), "apple": ("round", (200, 35, 40)),
    "oranges": ("round", (246, 140, 28)), "limes": ("lemon", (120, 190, 50)),
    "pear": ("pear", (205, 205, 80)), "banana": ("banana", (248, 220, 70)),
    "grape": ("grape", (110, 45, 120)), "cherries": ("cherry", (185, 20, 40)),
    "peaches": ("round", (250, 165, 110)), "plums": ("round", (115, 40, 95)),
    "strawberry": ("cherry", (215, 35, 50)),
}
MIXED_FRUIT = ("apple", "oranges", "lemons", "grape")
# The colours figures are painted in (and their second colours), before light and prompt.
FIGURE_COLOURS: dict[str, Color] = {
    "fox": (228, 112, 34), "cat": (128, 124, 130), "dog": (156, 104, 58),
    "bird": (122, 92, 70), "fish": (246, 136, 36), "horse": (132, 78, 42),
    "person": (52, 84, 140), "car": (200, 30, 40), "vase": (52, 104, 178),
    "white": (244, 240, 232), "dark": (38, 30, 28), "skin": (226, 182, 150),
    "hair": (70, 48, 34), "breast": (226, 96, 44), "beak": (240, 170, 40),
    "table": (128, 84, 52), "wall": (222, 206, 180), "glass": (170, 205, 230),
    "oilskin": (240, 196, 40), "gold": (232, 186, 50), "bowl": (236, 230, 218),
}
# Words about a figure's look: age and size.
TRAITS: dict[str, str] = {
    **dict.fromkeys(("old", "elderly", "aged", "bearded", "grandfather", "grandmother"),
                    "old"),
    **dict.fromkeys(("small", "little", "tiny", "baby"), "small"),
    **dict.fromkeys(("big", "large", "huge", "giant", "enormous"), "big"),
}
# A colour before a figure's word is the figure's ("a black cat", "green apples"); houses,
# boats and trees keep the roles the scenery's ones use.
_FIGURE_ROLES = {"house": "castle", "boat": "boat", "tree": "foliage"}
BIND.update({w: _FIGURE_ROLES.get(k, f"fig_{k}") for w, k in FIGURES.items() if k != "fruit"})
BIND.update({w: f"fruit_{w}" for w in FRUITS})
BIND.update(dict.fromkeys(("coat", "dress", "jacket", "shirt", "cloak", "robe", "raincoat",
                           "sweater", "suit", "hat"), "fig_person"))

# Colour a word suggests when the prompt names none ("poppies" are red).
IMPLIED: dict[str, Color] = {
    "poppy": COLOURS["red"], "sunflower": COLOURS["yellow"], "lavender": COLOURS["lavender"],
    "rose": COLOURS["rose"], "fire": COLOURS["orange"], "lava": COLOURS["orange"],
    "autumn": COLOURS["orange"], "fall": COLOURS["orange"], "ice": (170, 215, 240),
    "mars": COLOURS["rust"], "cherry": COLOURS["pink"], "sakura": COLOURS["pink"],
}

STYLE_WORDS: dict[str, str] = {
    **dict.fromkeys(("watercolor", "watercolour", "aquarelle"), "watercolor"),
    **dict.fromkeys(("pixelart", "pixel", "pixelated", "8bit", "16bit"), "pixel art"),
    **dict.fromkeys(("neon", "cyberpunk", "synthwave", "vaporwave", "glowing"), "neon"),
    **dict.fromkeys(("ink", "sumi", "inked", "penandink"), "ink"),
    **dict.fromkeys(("oil", "oilpainting", "impasto", "painterly"), "oil"),
    **dict.fromkeys(("minimal", "minimalist", "minimalism", "flat"), "minimal"),
    **dict.fromkeys(("pastel",), "pastel"),
    **dict.fromkeys(("noir", "blackandwhite", "monochrome", "grayscale", "greyscale"), "noir"),
    **dict.fromkeys(("vintage", "retro", "sepia", "faded", "antique", "nostalgic"), "vintage"),
    **dict.fromkeys(("pencil", "sketch", "graphite", "charcoal"), "pencil"),
}
STYLES: tuple[str, ...] = ("watercolor", "pixel art", "neon", "ink", "oil", "minimal",
                           "pastel", "noir", "vintage", "pencil")

MODIFIERS: dict[str, tuple[float, float]] = {  # (lightness shift, saturation factor)
    "dark": (-0.22, 1.0), "deep": (-0.15, 1.1), "light": (0.2, 0.8), "pale": (0.25, 0.55),
    "bright": (0.08, 1.25), "vivid": (0.0, 1.35), "muted": (0.0, 0.5), "soft": (0.1, 0.7),
}

PHRASES: tuple[tuple[str, str], ...] = (
    ("pixel art", "pixelart"), ("oil painting", "oilpainting"), ("oil paint", "oilpainting"),
    ("black and white", "blackandwhite"), ("film noir", "noir"), ("pen and ink", "penandink"),
    ("golden hour", "goldenhour"), ("blue hour", "bluehour"), ("milky way", "milkyway"),
    ("outer space", "space"), ("8 bit", "8bit"), ("16 bit", "16bit"),
    ("night sky", "night sky"), ("still life", "stilllife"), ("race car", "racecar"),
)

STOPWORDS = frozenset("""
a an the of with and in on at by over under above below from to into for is are was be very
some many few my your his her its their our this that these those as like near behind
beside through across or but onto up down out off around between among against along toward
towards beautiful detailed highly high quality masterpiece render rendering picture image
photo photograph painting drawing illustration art artwork style scene view epic amazing
lovely nice pretty stunning hd ultra realistic wallpaper lots lot full made there here it
one two three several much more most all each every just
""".split())

NEGATORS = frozenset(("no", "without", "not", "nor"))


def lemma_candidates(word: str) -> list[str]:
    out = [word]
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    if word.endswith("ves") and len(word) > 4:
        out.append(word[:-3] + "f")
    if word.endswith("es") and len(word) > 3:
        out.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss") and len(word) > 2:
        out.append(word[:-1])
    return out


_TABLES: tuple[Mapping[str, object], ...] = (
    COLOURS, LIGHTS, MOODS, TEMPS, SCENES, SUBJECTS, STYLE_WORDS, IMPLIED, BIND, MODIFIERS,
    FIGURES, TRAITS,
)
# What a word the engine read is shown as: its phrase ("pixel art"), else as it was typed.
_SHOWN = {token: phrase for phrase, token in PHRASES if phrase.replace(" ", "") == token}


def lemma(word: str) -> str:
    """The dictionary form we know the word by, or the word itself."""
    for cand in lemma_candidates(word):
        if any(cand in table for table in _TABLES) or cand in STOPWORDS:
            return cand
    return word


def _words(text: str) -> list[str]:
    """The prompt's words, lower case, with known phrases joined into one word."""
    text = text.lower().replace("-", " ").replace("_", " ")
    for phrase, token in PHRASES:
        text = re.sub(rf"\b{phrase}\b", token, text)
    return re.findall(r"[a-z0-9]+", text)


def tokenize(text: str) -> list[str]:
    return [lemma(w) for w in _words(text)]


@dataclass
class Words:
    """What one prompt (or negative prompt) says, in the engine's terms."""

    colours: list[tuple[Color, str | None]] = field(default_factory=list)  # (colour, bound to)
    implied: list[Color] = field(default_factory=list)
    lights: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    temps: list[float] = field(default_factory=list)
    scenes: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    traits: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    negated: list[str] = field(default_factory=list)  # lemmas after "no"/"without"
    tokens: list[str] = field(default_factory=list)
    used: list[int] = field(default_factory=list)  # positions of the words it read
    ignored: list[int] = field(default_factory=list)  # positions of those it could not

    def has(self, word: str) -> bool:
        return word in self.tokens


def _modify(colour: Color, mod: tuple[float, float]) -> Color:
    h, lig, s = colorsys.rgb_to_hls(*(c / 255 for c in colour))
    lig = min(0.95, max(0.05, lig + mod[0]))
    s = min(1.0, s * mod[1])
    r, g, b = colorsys.hls_to_rgb(h, lig, s)
    return (r * 255, g * 255, b * 255)


def _bound(tokens: list[str], i: int) -> int | None:
    """Where the word a colour at i is bound to is ("blue sky"), if anywhere."""
    for j in range(i + 1, min(len(tokens), i + 3)):
        tok = tokens[j]
        if tok in BIND:
            return j
        if (tok not in COLOURS and tok not in MODIFIERS and tok not in IMPLIED
                and (tok not in STOPWORDS or tok == "and")):
            return None
    return None


def known(tok: str) -> bool:
    """Whether the word means something to the engine on its own (a modifier only before
    a colour, a word in BIND only after one: "hat" alone is not drawn, "red hat" is)."""
    return any(tok in table for table in _TABLES if table is not MODIFIERS and table is not BIND)


def read(text: str) -> Words:
    """Parse a prompt into Words; every recognised word can count in several tables."""
    tokens = tokenize(text)
    out = Words(tokens=tokens)
    skip_next = False
    binders: set[int] = set()  # positions of words a colour was bound to
    for i, tok in enumerate(tokens):
        if tok in NEGATORS:
            skip_next = True
            continue
        if skip_next:
            if tok in STOPWORDS:
                continue
            out.negated.append(tok)
            (out.used if known(tok) else out.ignored).append(i)
            skip_next = False
            continue
        if tok in COLOURS:
            colour = COLOURS[tok]
            if i > 0 and tokens[i - 1] in MODIFIERS:
                colour = _modify(colour, MODIFIERS[tokens[i - 1]])
            j = _bound(tokens, i)
            out.colours.append((colour, None if j is None else BIND[tokens[j]]))
            if j is not None:
                binders.add(j)
        if tok in MODIFIERS and i + 1 < len(tokens) and tokens[i + 1] in COLOURS:
            out.used.append(i)
            continue  # "dark blue" is a colour, not a mood
        for table, dest in ((LIGHTS, out.lights), (MOODS, out.moods), (SCENES, out.scenes),
                            (SUBJECTS, out.subjects), (FIGURES, out.figures),
                            (TRAITS, out.traits), (STYLE_WORDS, out.styles)):
            if tok in table:
                dest.append(table[tok])
        if tok in TEMPS:
            out.temps.append(TEMPS[tok])
        if tok in IMPLIED:
            out.implied.append(IMPLIED[tok])
        if known(tok) or i in binders:
            out.used.append(i)
        elif tok not in STOPWORDS and len(tok) > 1:
            out.ignored.append(i)
            if tok not in BIND:
                out.unknown.append(tok)  # they still tint the picture a little
    return out


def report(prompt: str, negative: str = "") -> dict[str, list[str]]:
    """The words of a prompt (and negative prompt) the engine used, and those it could not
    draw, as they were typed, each once; stop words ("a", "of", "in") are neither."""
    used: dict[str, None] = {}
    ignored: dict[str, None] = {}
    for text in (prompt, negative):
        raw = _words(text)
        words = read(text)
        for dest, positions in ((used, words.used), (ignored, words.ignored)):
            for i in positions:
                dest[_SHOWN.get(raw[i], raw[i])] = None
    return {"used": list(used), "ignored": [w for w in ignored if w not in used]}


def _first_words(table: Mapping[str, str]) -> list[str]:
    """One word for each thing a table knows: the thing's own name where people can type
    it, else the first word that names it."""
    out: dict[str, str] = {}
    for word, thing in table.items():
        out.setdefault(thing, thing if table.get(lemma(thing)) == thing else word)
    return [_SHOWN.get(word, word) for word in out.values()]


def vocabulary() -> dict[str, tuple[str, ...]]:
    """What the composer suggests, from the tables the engine reads (one word per thing)."""
    return {
        "Subjects": tuple(dict.fromkeys([*_first_words(FIGURES), "portrait", *MIXED_FRUIT])),
        "Scenery": tuple(_first_words(SUBJECTS)),
        "Places": tuple(_first_words(SCENES)),
        "Light": tuple(_first_words(LIGHTS)),
        "Mood": tuple(_first_words(MOODS)),
    }
