"""The sketch engine's subjects: each thing people ask for most is drawn where it belongs, in a
colour that fits, with a silhouette that reads at thumbnail size, in front of the scene the
other words make; and each picture says which words were drawn and which were not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image

from salon.generation.engines import sketch_words
from salon.generation.engines.base import EngineRequest
from salon.generation.engines.sketch import ENGINE
from salon.generation.engines.sketch_spec import resolve
from tests.generation.test_sketch_engine import ignore, render

THUMB = 128  # the size of a picture in a grid of thumbnails
SEEDS = (1, 3, 5)  # seeds whose "calm sea" has no boat of its own


def thumb(img: Image.Image) -> np.ndarray:
    return np.asarray(img.resize((THUMB, THUMB), Image.Resampling.LANCZOS), np.float64)


@dataclass
class Figure:
    """What a figure changed in the picture, at thumbnail size."""

    mask: np.ndarray  # the pixels it changed
    pixels: np.ndarray  # their colours (n, 3)
    box: tuple[int, int, int, int]  # left, top, right, bottom (exclusive)

    @property
    def share(self) -> float:
        return float(self.mask.mean())

    @property
    def aspect(self) -> float:
        """Height over width of its bounding box."""
        left, top, right, bottom = self.box
        return (bottom - top) / (right - left)

    def fraction(self, test: Callable[[np.ndarray], np.ndarray]) -> float:
        """The share of its pixels that pass a colour test."""
        return float(test(self.pixels).mean())


def figure(with_it: str, without: str, seed: int) -> Figure:
    """Where the picture of `with_it` differs from the same seed's `without`, at 128 px."""
    a, b = thumb(render(with_it, seed)), thumb(render(without, seed))
    mask = np.abs(a - b).max(axis=-1) > 40
    ys, xs = np.nonzero(mask)
    assert len(xs), f"{with_it!r} drew nothing more than {without!r}"
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    return Figure(mask, a[mask], box)


def hsv(px: np.ndarray) -> np.ndarray:
    img = Image.fromarray(px.reshape(1, -1, 3).astype(np.uint8), "RGB").convert("HSV")
    out = np.asarray(img, np.float64).reshape(-1, 3)
    return out * np.array([360 / 255, 1 / 255, 1 / 255])


def hue_between(lo: float, hi: float, sat: float = 0.45) -> Callable[[np.ndarray], np.ndarray]:
    """Pixels of a hue from lo to hi degrees (lo < 0: from 360 + lo), saturated enough."""
    def test(px: np.ndarray) -> np.ndarray:
        h = hsv(px)
        hue = (h[:, 0] >= lo % 360) | (h[:, 0] <= hi) if lo < 0 else (
            (h[:, 0] >= lo) & (h[:, 0] <= hi))
        return hue & (h[:, 1] >= sat) & (h[:, 2] > 0.3)
    return test


ORANGE = hue_between(12, 40, 0.55)
RED = hue_between(-20, 12, 0.55)
BROWN = hue_between(12, 45, 0.3)
YELLOW = hue_between(40, 62, 0.55)
GREEN = hue_between(70, 170, 0.3)
BLUE = hue_between(190, 250, 0.4)


def grey(px: np.ndarray) -> np.ndarray:
    return hsv(px)[:, 1] < 0.2


def light(px: np.ndarray) -> np.ndarray:
    h = hsv(px)
    return (h[:, 1] < 0.3) & (h[:, 2] > 0.65)


def dark(px: np.ndarray) -> np.ndarray:
    return hsv(px)[:, 2] < 0.3


# prompt with the subject, the same scene without it, the colour it is mostly drawn in (and
# the least share of its pixels in it), its height / width (lowest, highest), and where its
# bounding box's bottom edge is (lowest, highest share of the height: on the ground in front,
# on the water, further off, on the table)
SUBJECTS = [
    ("fox", "a fox in a snowy forest", "a snowy forest", ORANGE, 0.35, (0.3, 0.75), (0.85, 1.0)),
    ("cat", "a cat in a field", "a field", grey, 0.5, (0.75, 1.5), (0.85, 1.0)),
    ("dog", "a dog in a field", "a field", BROWN, 0.5, (0.5, 1.0), (0.85, 1.0)),
    ("horse", "a horse in a field", "a field", BROWN, 0.5, (0.5, 0.9), (0.85, 1.0)),
    ("bird", "a bird in a field", "a field", BROWN, 0.25, (0.6, 1.3), (0.85, 1.0)),
    ("fish", "a goldfish in a calm sea", "a calm sea", ORANGE, 0.5, (0.35, 0.9), (0.6, 1.0)),
    ("person", "a man in a field", "a field", BLUE, 0.3, (2.2, 3.6), (0.85, 1.0)),
    ("house", "a house in a field", "a field", light, 0.25, (0.6, 1.1), (0.6, 0.92)),
    ("tree", "a tree in a field", "a field", GREEN, 0.4, (1.2, 2.0), (0.6, 0.92)),
    ("boat", "a sailboat on a calm sea", "a calm sea", light, 0.2, (0.6, 1.1), (0.6, 0.95)),
    ("car", "a red car in the city", "the city", RED, 0.4, (0.3, 0.6), (0.85, 1.0)),
    ("vase", "a vase of flowers on a table", "a table", BLUE, 0.12, (1.0, 2.0), (0.7, 0.95)),
    ("fruit", "a bowl of lemons on a table", "a table", YELLOW, 0.3, (0.4, 0.9), (0.7, 0.95)),
]


@pytest.mark.parametrize(("kind", "prompt", "scene", "colour", "least", "aspect", "bottom"),
                         SUBJECTS, ids=[row[0] for row in SUBJECTS])
def test_each_subject_is_drawn_recognisably_at_thumbnail_size(
    kind: str, prompt: str, scene: str, colour: Callable[[np.ndarray], np.ndarray],
    least: float, aspect: tuple[float, float], bottom: tuple[float, float],
) -> None:
    assert resolve(prompt, "", "", 7, 12).figures == (kind,)
    for seed in SEEDS:
        found = figure(prompt, scene, seed)
        where = (kind, seed, found.box)
        assert found.share > 0.03, where  # a real part of the frame, not a speck
        assert found.fraction(colour) >= least, where
        assert aspect[0] <= found.aspect <= aspect[1], (where, found.aspect)
        assert bottom[0] * THUMB <= found.box[3] <= bottom[1] * THUMB, where


def test_a_red_fox_in_a_snowy_forest_is_the_snowy_forest_with_a_fox_in_front() -> None:
    """Not a red forest: "red" is the fox's; around it the picture is the snowy forest's."""
    for seed in SEEDS:
        forest = thumb(render("a snowy forest", seed))
        fox = figure("a red fox in a snowy forest", "a snowy forest", seed)
        assert fox.fraction(lambda px: ORANGE(px) | RED(px)) > 0.35, seed
        left, top, right, bottom = fox.box
        assert bottom > 0.85 * THUMB and (right - left) > 0.3 * THUMB  # in the foreground
        outside = np.ones((THUMB, THUMB), bool)
        outside[top:bottom, left:right] = False
        picture = thumb(render("a red fox in a snowy forest", seed))
        assert np.abs(picture - forest)[outside].mean() < 1.0, seed


def test_a_portrait_fills_the_frame_with_head_and_shoulders() -> None:
    for seed in SEEDS:
        a = thumb(render("portrait of an old fisherman", seed))
        shoulders = a[int(THUMB * 0.85):, int(THUMB * 0.3):int(THUMB * 0.7)].reshape(-1, 3)
        face = a[int(THUMB * 0.45):int(THUMB * 0.55), int(THUMB * 0.42):int(THUMB * 0.58)]
        assert YELLOW(shoulders).mean() > 0.8, seed  # a fisherman's oilskin
        r, g, b = face.reshape(-1, 3).mean(axis=0)
        assert r > g > b and r > 170, (seed, r, g, b)  # skin


def test_several_subjects_share_the_frame_and_keep_their_sizes() -> None:
    spec = resolve("a horse and a cat", "", "", 7, 12)
    assert spec.figures == ("horse", "cat")
    horse = figure("a horse in a field", "a field", 1)
    both = figure("a horse and a cat in a field", "a field", 1)
    cat = figure("a cat in a field", "a field", 1)
    ys, xs = np.nonzero(both.mask)
    left = xs < THUMB / 2
    assert 0.3 < left.mean() < 0.85  # one on each side
    tall = [ys[side].max() - ys[side].min() for side in (left, ~left)]
    assert max(tall) > 1.25 * min(tall)  # the horse stands taller than the cat sits
    assert both.share < horse.share + cat.share  # made smaller to fit side by side
    assert resolve("a king and a queen", "", "", 7, 12).people == ("king", "queen")
    assert resolve("people in a park", "", "", 7, 12).people == ("people",) * 3


def test_colour_words_colour_their_subject_only() -> None:
    for seed in SEEDS:
        black = figure("a black cat in a field", "a field", seed)
        plain = figure("a cat in a field", "a field", seed)
        assert black.fraction(dark) > 0.5 > plain.fraction(dark) + 0.2, seed
        green = figure("a bowl of green apples", "a table", seed)
        assert green.fraction(GREEN) > 0.3 and green.fraction(RED) < 0.1, seed
        red = figure("a bowl of apples", "a table", seed)
        assert red.fraction(RED) > 0.3, seed
    assert resolve("a red fox", "", "", 7, 12).colours == []  # not the whole picture's


def test_subjects_are_deterministic_and_seeds_move_them() -> None:
    first = ENGINE.generate(EngineRequest("a fox and a dog", seed=9), ignore).images[0]
    again = ENGINE.generate(EngineRequest("a fox and a dog", seed=9), ignore).images[0]
    assert first.tobytes() == again.tobytes()
    assert figure("a dog in a field", "a field", 1).box != figure(
        "a dog in a field", "a field", 3).box


def test_no_subject_negates_it() -> None:
    assert resolve("a cat by the sea", "cat", "", 7, 12).figures == ()
    assert resolve("a forest without people", "", "", 7, 12).figures == ()


# --- which words it drew -----------------------------------------------------------------


def test_the_engine_reports_the_words_it_drew_and_those_it_could_not() -> None:
    out = ENGINE.generate(EngineRequest("A red fox in a snowy forest with zanzibars, 4k",
                                        negative_prompt="no clouds, blurry", count=2), ignore)
    assert out.words == {"used": ["red", "fox", "snowy", "forest", "clouds"],
                         "ignored": ["zanzibars", "4k", "blurry"]}
    assert sketch_words.report("a bowl of lemons") == {"used": ["bowl", "lemons"],
                                                       "ignored": []}
    # Stop words are neither; phrases are shown as typed; a word counts once.
    assert sketch_words.report("the pixel art of a cat and a cat") == {
        "used": ["pixel art", "cat"], "ignored": []}
    # A word that only takes a colour is drawn when it has one.
    assert sketch_words.report("a cat in a hat")["ignored"] == ["hat"]
    assert sketch_words.report("a cat in a red hat")["used"] == ["cat", "red", "hat"]


def test_the_vocabulary_comes_from_the_word_tables() -> None:
    groups = ENGINE.vocabulary
    assert list(groups) == ["Subjects", "Scenery", "Places", "Light", "Mood"]
    for words in groups.values():
        assert len(words) == len(set(words))
        for word in words:
            assert sketch_words.report(word) == {"used": [word], "ignored": []}, word
    assert set(sketch_words.FIGURES.values()) <= set(groups["Subjects"])
