"""What the benchmarks' posts are about: topics, each with its own subjects, places and ways
of drawing, so that a sentence built from one topic means that topic to a sentence model
(and shares few words with the others'). Paraphrase queries describe a topic's pictures in
other words, as people search ("sad robot in the rain" for "a lonely android under a
storm")."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Topic(NamedTuple):
    name: str
    subjects: list[str]
    settings: list[str]
    styles: list[str]
    paraphrase: str  # a query for this topic's pictures in other words


TOPICS = [
    Topic("sea", ["a lighthouse", "a small sailboat", "fishing boats", "a pier"],
          ["over a calm sea", "in rough waves", "at high tide", "by the harbour"],
          ["watercolor", "oil painting", "ink wash"], "ships near the ocean shore"),
    Topic("city", ["neon streets", "a tram", "skyscrapers", "a rainy avenue"],
          ["at midnight", "under glowing signs", "in the downtown rush", "after the rain"],
          ["synthwave", "neon art", "photo collage"], "urban night lights and traffic"),
    Topic("mountains", ["snowy peaks", "a pine forest", "a frozen lake", "a ridge trail"],
          ["at dawn", "under the aurora", "in thick fog", "above the clouds"],
          ["ink", "pastel", "matte painting"], "alpine summits covered in snow"),
    Topic("cats", ["a sleepy kitten", "a ginger cat", "two tabby cats", "a black cat"],
          ["on a windowsill", "in a cardboard box", "on a warm rug", "by the fireplace"],
          ["pencil sketch", "cartoon", "gouache"], "a pet feline napping indoors"),
    Topic("space", ["a ringed planet", "a purple nebula", "an astronaut", "a comet"],
          ["among distant stars", "in deep space", "beyond the galaxy", "near a black hole"],
          ["sci-fi concept art", "digital painting", "retro poster"],
          "the cosmos with planets and stars"),
    Topic("robots", ["a lonely android", "a rusty robot", "a tiny drone", "a mech"],
          ["under a storm", "in a scrapyard", "in an empty factory", "in the pouring rain"],
          ["cyberpunk", "low poly", "comic book"], "sad machine standing in bad weather"),
    Topic("food", ["ripe fruit", "a bowl of ramen", "fresh bread", "a cake with berries"],
          ["on a wooden table", "in a cosy kitchen", "at a street market", "for breakfast"],
          ["still life", "flat illustration", "photorealistic"], "something tasty to eat"),
    Topic("flowers", ["red poppies", "pink blossoms", "sunflowers", "a bouquet of tulips"],
          ["in a quiet garden", "in a meadow", "in spring light", "in a glass vase"],
          ["botanical drawing", "impressionist", "pressed flower"],
          "blooming plants and petals"),
    Topic("castles", ["a castle", "a stone tower", "a drawbridge", "a ruined keep"],
          ["on a green hill", "above a misty valley", "by a moat", "in an old kingdom"],
          ["pixel art", "storybook", "medieval manuscript"], "a fortress from a fairy tale"),
    Topic("desert", ["sand dunes", "a camel caravan", "a cactus", "an oasis"],
          ["at sunset", "under the blazing sun", "in a heat haze", "at the dry horizon"],
          ["minimal", "poster art", "gouache"], "arid land with hot sand"),
    Topic("birds", ["an owl", "a flock of swallows", "a heron", "a hummingbird"],
          ["in flight", "on a branch", "over the wetland", "at the feeder"],
          ["field guide plate", "woodcut", "watercolor"], "feathered creatures flying"),
    Topic("abstract", ["circles and squares", "overlapping lines", "colour fields",
                       "a grid of shapes"],
          ["on a white canvas", "in primary colours", "in soft gradients", "in black only"],
          ["bauhaus", "geometric", "generative art"], "non-figurative geometric composition"),
]


def sentence(topic: Topic, rng: np.random.Generator) -> str:
    return (f"{topic.subjects[rng.integers(len(topic.subjects))]} "
            f"{topic.settings[rng.integers(len(topic.settings))]}, "
            f"{topic.styles[rng.integers(len(topic.styles))]}")


def pool(count: int, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """`count` sentences (distinct while there are enough combinations: 192 per topic) and
    each one's topic index, topics in turn."""
    texts: list[str] = []
    topics: list[int] = []
    seen: set[str] = set()
    limit = len(TOPICS) * 4 * 4 * 3
    while len(texts) < count:
        index = len(texts) % len(TOPICS)
        text = sentence(TOPICS[index], rng)
        if text in seen and len(seen) < limit:
            continue
        seen.add(text)
        # Past the combinations, a number keeps each text its own post.
        texts.append(text if len(texts) < limit else f"{text} #{len(texts)}")
        topics.append(index)
    return texts, np.array(topics)
