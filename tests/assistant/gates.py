"""The local fake model servers (tests/assistant/fake_chat.py for text, tests/generation/
fake_openai.py for pictures) with a gate: while it is closed, each request that arrives is
recorded and then held, unanswered, until the gate opens. A test waits for the requests it
expects to be held and knows exactly where a worker is (thinking, or drawing) when it kills
it; nothing in Salon's code knows it is being tested.

The chat server answers each question by what it asks, whatever order the worker's lanes
send them in: a question that starts with "draw" gets a draw call and, once the picture is
promised, a short answer; any other question gets an answer naming it."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

from tests.assistant.fake_chat import FakeChat, Recorded, Reply, calls, said
from tests.generation import fake_openai

HOLD_LIMIT_S = 120  # a held request is let go after this, whatever the test does
QUESTION_RE = re.compile(r"The question from @\w+: (.*)\Z", re.S)


def question_in(request: Recorded) -> str:
    """The question a chat request is about (the last line of the thread message)."""
    for message in request.messages:
        content = message.get("content")
        if message.get("role") == "user" and isinstance(content, str):
            found = QUESTION_RE.search(content)
            if found:
                return found.group(1).strip()
    return ""


def answer_to(question: str) -> str:
    return f"An answer to {question!r}."


class Gate:
    """Closed: requests wait (all, or only those about `only`) until it opens, or one at a
    time as the test lets them through. `arrived` lists what came, in order."""

    def __init__(self) -> None:
        self.opened = True
        self.only: set[str] | None = None
        self.passes = 0
        self.arrived: list[str] = []
        self.seen = threading.Condition()

    def close(self, only: set[str] | None = None) -> None:
        with self.seen:
            self.only, self.opened, self.passes = only, False, 0

    def open(self) -> None:
        with self.seen:
            self.opened = True
            self.seen.notify_all()

    def let_through(self, count: int = 1) -> None:
        with self.seen:
            self.passes += count
            self.seen.notify_all()

    def came(self, what: str) -> None:
        with self.seen:
            self.arrived.append(what)
            self.seen.notify_all()

    def hold(self, what: str) -> None:
        deadline = time.monotonic() + HOLD_LIMIT_S
        with self.seen:
            if self.only is not None and what not in self.only:
                return
            while not self.opened and not self.passes and time.monotonic() < deadline:
                self.seen.wait(deadline - time.monotonic())
            if not self.opened and self.passes:
                self.passes -= 1

    def wait_for(self, wanted: set[str], seconds: float = 180) -> None:
        """Until every one of `wanted` has arrived (a last-resort deadline: slow machines)."""
        self._wait(lambda: wanted <= set(self.arrived), seconds)

    def wait_count(self, count: int, seconds: float = 180) -> None:
        """Until `count` requests have arrived."""
        self._wait(lambda: len(self.arrived) >= count, seconds)

    def _wait(self, done: Callable[[], bool], seconds: float) -> None:
        deadline = time.monotonic() + seconds
        with self.seen:
            while not done():
                left = deadline - time.monotonic()
                assert left > 0, f"never came; came: {self.arrived}"
                self.seen.wait(left)

    def count(self, what: str) -> int:
        with self.seen:
            return self.arrived.count(what)


class GatedChat(FakeChat):
    def __init__(self) -> None:
        super().__init__()
        self.gate = Gate()

    def next_reply(self, request: Recorded) -> Reply:
        question = question_in(request)
        with self.lock:
            self.requests.append(request)
        self.gate.came(question)
        self.gate.hold(question)
        if any(m.get("role") == "tool" for m in request.messages):
            return said("Here it is.")  # the picture is promised: a word to go with it
        if question.lower().startswith("draw "):
            return calls(("draw", {"prompt": question[5:]}))
        return said(answer_to(question))


class GatedImages(fake_openai.FakeOpenAI):
    def __init__(self) -> None:
        super().__init__()
        self.gate = Gate()

    def next_reply(self, request: fake_openai.Recorded) -> fake_openai.Reply:
        if request.method == "POST":
            prompt = str(request.fields.get("prompt", ""))
            self.gate.came(prompt)
            self.gate.hold(prompt)
        return super().next_reply(request)
