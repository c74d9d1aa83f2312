"""The builtin text engine: Salon's assistant without a language model.

The text counterpart of the sketch image engine: offline, instant and deterministic (the
same Conversation always gets the same Reply). It reads what the question asks
(builtin_intent) in the question's language (builtin_lang), and answers from the thread's
own data only (builtin_answers): it draws, edits the picture above, says how a picture was
made and who made it, summarises the thread and explains a post. Anything else it says
plainly that it can't do, and what it can.
"""

from __future__ import annotations

import re

from salon.assistant.engines.base import (
    Conversation,
    Drawing,
    Reply,
    Stream,
    TextCapabilities,
    Tools,
)
from salon.assistant.engines.builtin_answers import (
    abilities,
    author,
    explain,
    picture_above,
    recipe,
    source_prompt,
    summary,
)
from salon.assistant.engines.builtin_edit import asked_style, compose
from salon.assistant.engines.builtin_intent import Ask, parse
from salon.assistant.engines.builtin_lang import detect, fit
from salon.assistant.engines.builtin_phrases import quote, say
from salon.assistant.engines.builtin_words import english
from salon.generation.engines import sketch_words
from salon.settings import Settings

_PIECE_WORDS = 4  # words per streamed piece
_PIECES = re.compile(r"\S+\s*|\s+")


class BuiltinEngine:
    """Answers from the post's own data, with phrase tables in six languages."""

    name = "builtin"
    model = "salon-builtin-1"
    label = ("Built-in assistant: draws, edits, summarises and explains from the post's own "
             "data; no language model")
    capabilities = TextCapabilities(streaming=True, tool_calls=False, images=False)

    def answer(self, conversation: Conversation, tools: Tools,
               stream: Stream | None = None) -> Reply:
        # `tools` are for engines that decide what to read; everything needed is here.
        reply = self._reply(conversation)
        if stream is not None:
            for piece in pieces(reply.text):
                stream(piece)
        return reply

    def _reply(self, conversation: Conversation) -> Reply:
        language = detect(conversation.question, conversation.language)
        # The answer goes after "@asker " in a post of max_chars.
        budget = max(conversation.max_chars - len(f"@{conversation.asker} "), 0)
        if conversation.explain:
            return Reply(explain(conversation, language, budget))
        ask = parse(conversation.question, language)
        if ask.kind in ("draw", "edit"):
            return _drawing(conversation, ask, language, budget)
        if ask.kind == "recipe":
            return Reply(recipe(conversation, language, budget))
        if ask.kind == "who":
            return Reply(author(conversation, language, budget))
        if ask.kind == "summary":
            return Reply(summary(conversation, language, budget))
        if ask.kind == "explain":
            return Reply(explain(conversation, language, budget))
        return Reply(abilities(conversation, language, budget, declined=ask.kind != "help"))


def _drawing(conversation: Conversation, ask: Ask, language: str, budget: int) -> Reply:
    if not conversation.can_draw:
        return Reply(fit(say(language, "used_up"), budget), refused=True)
    if not ask.text:
        example = quote(language, f"@{conversation.assistant} {say(language, 'example_draw')}")
        return Reply(fit(say(language, "no_prompt", example=example), budget), refused=True)
    if ask.kind == "draw":
        return _draw(conversation, ask.text, language, budget)
    above = picture_above(conversation)
    if above is None:
        example = quote(language, f"@{conversation.assistant} "
                                  f"{say(language, 'example_verb')}")
        return Reply(fit(say(language, "no_source", example=example), budget), refused=True)
    post, picture = above
    base = source_prompt(picture)
    prompt = compose(base, ask.text, adds=not ask.removes) if base else ask.text
    text = say(language, "edit", author=post.author, change=ask.said or ask.text)
    return Reply(fit(text, budget),
                 drawing=Drawing(prompt=prompt, source=picture, source_post_id=post.id,
                                 style=None if ask.removes else asked_style(ask.text)))


def _draw(conversation: Conversation, asked: str, language: str, budget: int) -> Reply:
    """The picture asked for, from its prompt in English; the answer says "here is" only
    where the image engine knows the prompt's words, else that it tried."""
    prompt = english(asked, language)
    sketch = conversation.image_engine == "sketch"
    if sketch:
        knows = bool(sketch_words.report(prompt.prompt)["used"])
    else:  # a model reads English best: words the tables couldn't put in English may be lost
        knows = language == "en" or prompt.recognised > 0
    text = say(language, "draw" if knows else "attempt", prompt=drawn(asked, language))
    if sketch and not knows:
        text = f"{text} {say(language, 'sketch_unknown')}"
    return Reply(fit(text, budget), drawing=Drawing(prompt=prompt.prompt))


_DATIVE = re.compile(r"^(?:einem|einer|dem)\s", re.IGNORECASE)


def drawn(asked: str, language: str) -> str:
    """What was asked for, as the answer names it: in German the answer's verb takes the
    accusative the asker wrote after "zeichne"; a dative after "ein Bild von" keeps it."""
    if language == "de" and _DATIVE.match(asked):
        return f"ein Bild von {asked}"
    return asked


def pieces(text: str) -> list[str]:
    """The answer in word-sized pieces that join back to it exactly."""
    words = _PIECES.findall(text)
    return ["".join(words[i:i + _PIECE_WORDS]) for i in range(0, len(words), _PIECE_WORDS)]


def from_settings(settings: Settings) -> BuiltinEngine:
    """Needs no setting: nothing to load, nothing to reach."""
    return BuiltinEngine()
