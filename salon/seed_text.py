"""The demo's posts, planned before anything is written: who posts what, in which order,
and which conversations follow. A picture's caption and the replies under it talk about
that picture (its style and palette); a question gets answers, a compliment thanks from the
author. Texts are dealt from shuffled pools, so none comes back before its pool ran out."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from salon.seed_art import PALETTE_NAMES
from salon.seed_words import (
    PICTURE_TALK,
    POLLS,
    QUESTIONS,
    QUOTES,
    REMARKS,
    SERIES,
    SERIES_TALK,
    STYLES,
    THANKS_FOR_ANSWERS,
    THOUGHTS,
    VOTES,
    Script,
)

T = TypeVar("T")
SIZES = [(1024, 768), (768, 1024), (1024, 1024)]
COUNTS = {2: "two", 3: "three", 4: "four"}


class Deck(Generic[T]):
    """Deals items in a shuffled order, reshuffling once all were dealt."""

    def __init__(self, rng: random.Random, items: list[T]) -> None:
        self.rng, self.items, self.left = rng, items, list[T]()

    def deal(self) -> T:
        if not self.left:
            self.left = self.rng.sample(self.items, len(self.items))
        return self.left.pop()


@dataclass
class Picture:
    seed: int
    style: str
    palette: int
    size: tuple[int, int]
    alt: str


@dataclass
class Planned:
    author: int  # index in the people list
    text: str
    kind: str  # picture, question, thought, poll, quote or reply
    pictures: list[Picture] = field(default_factory=list)
    poll: list[str] = field(default_factory=list)
    reply_to: int | None = None  # index in the plan
    quote_of: int | None = None


@dataclass
class _Thread:
    """A conversation under a post, said one line at a time as reply slots come."""

    root: int
    last: int  # the post the next line answers
    lines: Script
    voices: dict[str, int]  # role → person
    words: dict[str, str]  # placeholders


class _Planner:
    def __init__(self, rng: random.Random, people: list[tuple[str, str]]) -> None:
        self.rng, self.people = rng, people
        self.plan: list[Planned] = []
        self.threads: list[_Thread] = []
        def deck(items: list[T]) -> Deck[T]:
            return Deck(rng, items)

        self.remarks, self.series = deck(REMARKS), deck(SERIES)
        self.picture_talk, self.series_talk = deck(PICTURE_TALK), deck(SERIES_TALK)
        self.questions, self.thoughts, self.polls = deck(QUESTIONS), deck(THOUGHTS), deck(POLLS)
        self.thanks, self.votes = deck(THANKS_FOR_ANSWERS), deck(VOTES)
        self.quotes = {kind: deck(texts) for kind, texts in QUOTES.items()}
        self.subjects = {name: deck(style.subjects) for name, style in STYLES.items()}
        self.hows = {name: deck(style.how) for name, style in STYLES.items()}
        self.details = {name: deck(style.details) for name, style in STYLES.items()}
        # Each palette with each style, before any of them comes back.
        self.looks = deck([(s, p) for s in STYLES for p in range(len(PALETTE_NAMES))])

    def add(self, post: Planned) -> int:
        self.plan.append(post)
        return len(self.plan) - 1

    def others(self, *not_them: int) -> int | None:
        left = [i for i in range(len(self.people)) if i not in not_them]
        return self.rng.choice(left) if left else None

    def talk(self, root: int, lines: Script, **words: str) -> None:
        """Opens a conversation under `root`: a fan (and a third person, if it has one)."""
        author = self.plan[root].author
        fan = self.others(author)
        other = self.others(author, fan) if fan is not None else None
        if fan is None or (other is None and any(who == "other" for who, _ in lines)):
            return  # too few people for this conversation
        voices = {"author": author, "fan": fan, "other": other if other is not None else fan}
        words["fan"] = self.people[fan][1].split()[0]
        self.threads.append(_Thread(root, root, list(lines), voices, words))

    def reply(self) -> bool:
        """The next line of a recent conversation: first questions no one answered yet, then
        mostly conversations already going, then any."""
        recent = [t for t in self.threads if t.lines and t.root >= len(self.plan) - 40]
        if not recent:
            return False
        answered = {t.root for t in self.threads if t.last != t.root}
        unanswered = [t for t in recent if t.root not in answered
                      and self.plan[t.root].kind == "question"]
        going = [t for t in recent if t.last != t.root]
        if unanswered:
            recent = unanswered
        elif going and self.rng.random() < 0.6:
            recent = going
        thread = self.rng.choice(recent)
        who, line = thread.lines.pop(0)
        text = line.format(**thread.words)
        thread.last = self.add(Planned(thread.voices[who], text[0].upper() + text[1:], "reply",
                                       reply_to=thread.last))
        return True

    def picture(self, author: int, seed: int) -> None:
        style, palette = self.looks.deal()
        look = STYLES[style]
        count = self.rng.choice([1, 1, 1, 1, 1, 2, 3, 4])
        size = self.rng.choice(SIZES)
        subject = self.subjects[style].deal()
        if count == 1:
            remark = self.remarks.deal() if self.rng.random() < 0.7 else ""
            text = f"{subject}, in {PALETTE_NAMES[palette]}. {remark}"
        else:  # variations: one style and palette, other seeds
            series = self.series.deal() if self.rng.random() < 0.6 else ""
            text = f"{subject}: {COUNTS[count]} takes. {series}"
        tags = self.rng.sample(look.tags, k=self.rng.choice([0, 1, 1, 2]))
        text = " ".join([text.strip(), *(f"#{t}" for t in tags if f"#{t}" not in text)])
        alt = f"{look.alt}, in {PALETTE_NAMES[palette]}."
        pictures = [Picture(seed * 10 + n, style, palette, size, alt) for n in range(count)]
        root = self.add(Planned(author, text.strip(), "picture", pictures))
        words = {"colours": PALETTE_NAMES[palette], "how": self.hows[style].deal(),
                 "detail": self.details[style].deal()}
        for _ in range(self.rng.choice([0, 0, 1, 1, 1, 2])):
            several = count > 1 and self.rng.random() < 0.5
            self.talk(root, (self.series_talk if several else self.picture_talk).deal(),
                      **words)

    def question(self, author: int) -> None:
        question, answers = self.questions.deal()
        root = self.add(Planned(author, question, "question"))
        for answer in self.rng.sample(answers, k=self.rng.randint(1, len(answers))):
            lines = [("fan", answer)]
            if self.rng.random() < 0.4:
                lines.append(("author", self.thanks.deal()))
            self.talk(root, lines)

    def thought(self, author: int) -> None:
        thought, replies = self.thoughts.deal()
        root = self.add(Planned(author, thought, "thought"))
        for reply in self.rng.sample(replies, k=self.rng.randint(0, len(replies))):
            self.talk(root, [("fan", reply)])

    def poll(self, author: int) -> None:
        question, options = self.polls.deal()
        root = self.add(Planned(author, question, "poll", poll=options))
        for _ in range(self.rng.randint(0, 2)):
            option = self.rng.choice(options)  # mid-sentence, or capitalised at the start
            self.talk(root, [("fan", self.votes.deal())], option=option[0].lower() + option[1:])

    def quote(self, author: int) -> bool:
        roots = [i for i, p in enumerate(self.plan[-60:], max(0, len(self.plan) - 60))
                 if p.kind in QUOTES and p.author != author]
        if not roots:
            return False
        index = self.rng.choice(roots)
        quoted = self.plan[index]
        words = {"author": self.people[quoted.author][0],
                 "colours": PALETTE_NAMES[quoted.pictures[0].palette] if quoted.pictures else ""}
        text = self.quotes[quoted.kind].deal().format(**words)
        self.add(Planned(author, text[0].upper() + text[1:], "quote", quote_of=index))
        return True


def plan(rng: random.Random, people: list[tuple[str, str]], n_posts: int) -> list[Planned]:
    """`n_posts` posts by `people` (username, display name), oldest first: about 30% replies,
    45% pictures, 7% quotes, 4% polls, the rest questions and thoughts."""
    planner = _Planner(rng, people)
    for i in range(n_posts):
        kind, author = rng.random(), rng.randrange(len(people))
        if kind < 0.30 and planner.reply():
            continue
        if kind < 0.75:
            planner.picture(author, i)
        elif kind < 0.82 and planner.quote(author):
            continue
        elif kind < 0.86:
            planner.poll(author)
        elif kind < 0.93:
            planner.question(author)
        else:
            planner.thought(author)
    return planner.plan
