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
    """Closed: requests wait (all, or only those about `only`). `arrived` lists what came,
    in order."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.opened.set()
        self.only: set[str] | None = None
        self.arrived: list[str] = []
        self.seen = threading.Condition()

    def close(self, only: set[str] | None = None) -> None:
        self.only = only
        self.opened.clear()

    def open(self) -> None:
        self.opened.set()

    def came(self, what: str) -> None:
        with self.seen:
            self.arrived.append(what)
            self.seen.notify_all()

    def hold(self, what: str) -> None:
        if self.only is None or what in self.only:
            self.opened.wait(HOLD_LIMIT_S)

    def wait_for(self, wanted: set[str], seconds: float = 180) -> None:
        """Until every one of `wanted` has arrived (a last-resort deadline: slow machines)."""
        deadline = time.monotonic() + seconds
        with self.seen:
            while not wanted <= set(self.arrived):
                left = deadline - time.monotonic()
                assert left > 0, f"never came: {sorted(wanted - set(self.arrived))}"
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
