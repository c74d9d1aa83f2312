"""How a feed's sentence matches posts: what it asks for and what it avoids ("cities at
night, no people"), as vectors of the meaning model, and the score of a post against them.

The sentence is split into what to show and what to leave out before embedding: embedded
whole, "cities at night, no people" lands nearer a crowd at night than "cities at night"
does (0.58 against 0.53 with all-MiniLM-L6-v2), since a sentence embedding does not negate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

# Measured with all-MiniLM-L6-v2 (int8 ONNX), cosine of the sentence and a post's text:
#   "watercolor animals in snow" ~ "a fox painted in watercolour on a snowy hill"   0.63
#                                ~ "a deer in a snowy forest, watercolour"          0.56
#                                ~ "snowy mountains at dawn, photo"                 0.44
#                                ~ "neon city lights in the rain"                   0.34
#                                ~ "a city street at night"                         0.16
#   "cities at night"            ~ "skyline lit up after dark"                      0.44
#                                ~ "empty neon streets of tokyo after midnight"     0.46
# Related posts sit above 0.4 and unrelated ones well below: a post matches at 0.40.
MATCH_THRESHOLD = 0.40
# What to avoid takes off AVOID_WEIGHT times its similarity above AVOID_FLOOR. Posts on the
# sentence's subject resemble a single avoided word by 0.1 to 0.3 without showing it
# ("people" ~ "a city street at night" 0.20, "cars" ~ "bicycles on a quiet street" 0.30),
# and by 0.4 when they do ("people" ~ "a crowd of people at a night market" 0.41):
# 0.53 - 2.5 x 0.11 = 0.26 leaves the crowd out, the empty street (0.82 - 0) stays.
AVOID_FLOOR = 0.30
AVOID_WEIGHT = 2.5

# "no people", "without cars", "not oil paintings", "except cats", "excluding text".
_NEGATION = re.compile(r"\b(?:no|without|not|except|excluding|minus|never)\b[\s-]*", re.I)
_CLAUSES = re.compile(r"[,;.!?]+|\bbut\b", re.I)
_ALTERNATIVES = re.compile(r"\b(?:or|nor|and)\b|/|&", re.I)


@dataclass
class Parsed:
    """A sentence as what to show (`wanted`) and phrases to leave out (`avoided`)."""

    wanted: str
    avoided: list[str] = field(default_factory=list)


def parse(sentence: str) -> Parsed:
    """Split clauses at punctuation and "but"; in each, what follows a negation (to the
    clause's end) is avoided, each of its alternatives ("people or cars") on its own."""
    wanted: list[str] = []
    avoided: list[str] = []
    for clause in _CLAUSES.split(sentence):
        found = _NEGATION.search(clause)
        before = clause[:found.start()] if found else clause
        if before.strip():
            wanted.append(before.strip())
        if found:
            avoided += [w for part in _ALTERNATIVES.split(clause[found.end():])
                        if (w := " ".join(part.split()))]
    return Parsed(", ".join(wanted), list(dict.fromkeys(a.lower() for a in avoided)))


def pack(vectors: list[np.ndarray]) -> bytes | None:
    """Vectors as bytes for SentenceFeed.avoid (one row each)."""
    if not vectors:
        return None
    return np.stack(vectors).astype(np.float32).tobytes()


def unpack(data: bytes | None, dim: int) -> np.ndarray | None:
    """SentenceFeed.vector (one row) or .avoid (several) as a matrix of `dim` columns."""
    if not data:
        return None
    found = np.frombuffer(data, dtype=np.float32)
    if dim <= 0 or len(found) % dim:
        return None
    return found.reshape(-1, dim)


def penalty(avoid: np.ndarray | None, post: np.ndarray) -> float:
    """What a post loses for resembling what the feed avoids (its nearest avoided phrase)."""
    if avoid is None or not len(avoid):
        return 0.0
    nearest = float(np.max(avoid @ post.astype(np.float32)))
    return AVOID_WEIGHT * max(0.0, nearest - AVOID_FLOOR)
