"""The builtin text engine: what it draws, edits, tells and summarises from a thread's own
data, in the question's language, within a post's length, the same way every time."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from salon.assistant.engines import pick
from salon.assistant.engines.base import (
    ContextPicture,
    ContextPost,
    Conversation,
    Reply,
    TextEngine,
)
from salon.assistant.engines.builtin import BuiltinEngine, from_settings
from salon.settings import Settings

ENGINE: TextEngine = from_settings(Settings())
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
STORM = {"prompt": "a lighthouse in a storm", "negative_prompt": "", "engine": "sketch",
         "model": "salon-sketch-1", "seed": 7, "width": 768, "height": 512, "style": "ink",
         "aspect": "3:2"}


class FakeTools:
    """Tools that remember being called: the builtin engine reads only the Conversation."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def search_posts(self, query: str, limit: int = 5) -> list[ContextPost]:
        self.calls.append(f"search_posts {query}")
        return []

    def read_recipe(self, post_id: int) -> list[ContextPicture]:
        self.calls.append(f"read_recipe {post_id}")
        return []


def picture(media_id: int, description: str = "", recipe: dict[str, object] | None = None,
            engine: str | None = None, ai_generated: bool = False) -> ContextPicture:
    return ContextPicture(media_id=media_id, description=description,
                          url=f"https://salon.test/media/{media_id}", recipe=recipe,
                          engine=engine, ai_generated=ai_generated)


def post(post_id: int, author: str, text: str, role: str, **fields: object) -> ContextPost:
    return ContextPost(id=post_id, author=author, author_name=author.capitalize(), text=text,
                       created_at=START + timedelta(minutes=post_id), role=role,  # type: ignore[arg-type]
                       **fields)  # type: ignore[arg-type]


def conversation(question: str, *thread: ContextPost, **fields: object) -> Conversation:
    """The question replies to the last ancestor or target of `thread`; replies follow it."""
    above = [p for p in thread if p.role != "reply"]
    below = [p for p in thread if p.role == "reply"]
    asked = post(1000, "dan", f"@muse {question}", "question")
    target = next((p for p in thread if p.role == "target"), None)
    values: dict[str, object] = {"assistant": "muse", "asker": "dan", "question": question,
                                 "language": "en", "posts": (*above, asked, *below),
                                 "target": target}
    values.update(fields)
    return Conversation(**values)  # type: ignore[arg-type]


def answer(question: str, *thread: ContextPost, **fields: object) -> Reply:
    tools = FakeTools()
    reply = ENGINE.answer(conversation(question, *thread, **fields), tools)
    assert tools.calls == []
    return reply


def test_it_is_the_registered_builtin_engine_and_says_what_it_is() -> None:
    engine = pick(Settings(assistant_engine="builtin"))
    assert isinstance(engine, BuiltinEngine)
    assert (engine.name, engine.model) == ("builtin", "salon-builtin-1")
    assert "no language model" in engine.label
    caps = engine.capabilities
    assert (caps.streaming, caps.tool_calls, caps.images) == (True, False, False)


# Drawing.

@pytest.mark.parametrize(("question", "prompt", "said"), [
    ("draw a lighthouse in a storm, ink", "a lighthouse in a storm, ink",
     "Here is a lighthouse in a storm, ink."),
    ("Can you please draw a cat?", "a cat", "Here is a cat."),
    ("could you make a picture of a red fox in the snow.", "a red fox in the snow",
     "Here is a red fox in the snow."),
    ("paint me a sunset over the sea please!", "a sunset over the sea", None),
    ("imagine a city of glass", "a city of glass", None),
    ("sketch an old oak tree", "an old oak tree", None),
    ("generate an image of a dog on a beach", "a dog on a beach", None),
    ("picture of a boat at dawn", "a boat at dawn", None),
    # Other languages: the prompt in English (the image engines read it), the answer not.
    ("Dessine-moi un chat, s'il te plaît", "cat", "Voici un chat."),
    ("peux-tu me dessiner un château sous la neige ?", "castle under snow", None),
    ("dibuja un gato al atardecer", "cat at sunset", "Aquí tienes un gato al atardecer."),
    ("¿Puedes dibujarme un perro?", "dog", None),
    ("Zeichne bitte einen Leuchtturm im Sturm", "lighthouse in storm",
     "Ich habe einen Leuchtturm im Sturm gezeichnet."),
    ("Kannst du mir einen Hund zeichnen?", "dog", None),
    ("desenhe um farol numa tempestade", "lighthouse in storm",
     "Aqui está um farol numa tempestade."),
    ("disegna un gatto nero", "black cat", "Ecco un gatto nero."),
])
def test_draw_takes_the_prompt_from_the_question(question: str, prompt: str,
                                                 said: str | None) -> None:
    reply = answer(question)
    assert reply.drawing is not None
    assert reply.drawing.prompt == prompt
    assert reply.drawing.source is None and reply.drawing.source_post_id is None
    assert not reply.refused
    if said is not None:
        assert reply.text == said


@pytest.mark.parametrize("question", ["draw", "draw it", "please paint something"])
def test_draw_without_a_subject_asks_what_to_draw(question: str) -> None:
    reply = answer(question)
    assert reply.drawing is None and reply.refused
    assert "what to draw" in reply.text and "@muse draw" in reply.text


def test_no_pictures_left_today_refuses_to_draw_or_edit() -> None:
    made = post(1, "ana", "storm", "target", pictures=(picture(1, "storm", STORM, "sketch"),))
    for question in ("draw a cat", "make it night"):
        reply = answer(question, made, can_draw=False)
        assert reply.refused and reply.drawing is None
        assert "used up" in reply.text
    french = answer("dessine un chat", can_draw=False)
    assert french.refused and "épuisées" in french.text


# Editing the picture above.

@pytest.mark.parametrize(("question", "prompt"), [
    ("make it night", "a lighthouse in a storm at night"),
    ("as pixel art", "a lighthouse in a storm, pixel art"),
    ("turn it into a watercolor", "a lighthouse in a storm, watercolor"),
    ("make it snowy", "a lighthouse, snowy"),  # the snow replaces the storm
    ("in the style of ink", "a lighthouse in a storm, ink style"),
    ("add a moon", "a lighthouse in a storm, with a moon"),
    ("now with a red sky", "a lighthouse in a storm, with a red sky"),
    ("but at sunset", "a lighthouse in a storm at sunset"),
    ("draw it again but at dawn", "a lighthouse in a storm at dawn"),
    ("fais-en une version de nuit", "a lighthouse in a storm at night"),
    ("transforme-la en aquarelle", "a lighthouse in a storm, watercolor"),
    ("hazlo de noche", "a lighthouse in a storm at night"),
    ("mach es nachts", "a lighthouse in a storm at night"),
    ("füge einen Mond hinzu", "a lighthouse in a storm, with moon"),
    ("ajoute une lune rouge", "a lighthouse in a storm, with red moon"),
    ("falla di notte", "a lighthouse in a storm at night"),
    ("deixe-a de noite", "a lighthouse in a storm at night"),
])
def test_edit_changes_the_picture_above(question: str, prompt: str) -> None:
    stormy = picture(5, "a lighthouse", STORM, "sketch")
    made = post(1, "ana", "my storm", "target", pictures=(stormy,))
    reply = answer(question, made)
    assert reply.drawing is not None and not reply.refused
    assert reply.drawing.prompt == prompt
    assert reply.drawing.source == stormy and reply.drawing.source_post_id == 1
    assert "@ana" in reply.text


def test_edit_says_the_change_in_the_askers_words() -> None:
    made = post(1, "ana", "", "target", pictures=(picture(5, "", STORM, "sketch"),))
    assert answer("fais-en une version de nuit", made).text == "Voici l'image de @ana, de nuit."
    assert answer("make it night", made).text == "Here is @ana's picture, at night."


def test_edit_takes_the_targets_picture_before_an_ancestors() -> None:
    old = post(1, "ana", "first", "ancestor", pictures=(picture(1, "a red barn"),))
    new = post(2, "bob", "second", "target", pictures=(picture(2, "a blue barn"),))
    reply = answer("make it snowy", old, new)
    assert reply.drawing is not None
    assert reply.drawing.source_post_id == 2 and reply.drawing.prompt == "a blue barn, snowy"


def test_edit_takes_the_nearest_ancestor_and_never_a_reply_below() -> None:
    far = post(1, "ana", "far", "ancestor", pictures=(picture(1, "a far barn"),))
    near = post(2, "bob", "near", "ancestor", pictures=(picture(2, "a near barn"),))
    target = post(3, "cy", "no picture here", "target")
    below = post(2000, "eve", "mine", "reply", pictures=(picture(9, "a barn below"),))
    reply = answer("make it night", far, near, target, below)
    assert reply.drawing is not None and reply.drawing.source_post_id == 2
    assert reply.drawing.prompt == "a near barn at night"


def test_edit_without_a_picture_above_refuses_and_suggests_drawing() -> None:
    target = post(1, "ana", "words only", "target")
    below = post(2000, "eve", "mine", "reply", pictures=(picture(9, "a barn below"),))
    for thread in ((), (target,), (target, below)):
        reply = answer("make it night", *thread)
        assert reply.refused and reply.drawing is None
        assert "no picture above" in reply.text and "@muse draw" in reply.text
    spanish = answer("hazlo de noche", target)
    assert spanish.refused and "No hay ninguna imagen arriba" in spanish.text


def test_edit_of_a_hidden_recipe_starts_from_the_alt_text() -> None:
    hidden = picture(3, "a fox in tall grass", None, "diffusers", ai_generated=True)
    reply = answer("make it night", post(1, "ana", "fox", "target", pictures=(hidden,)))
    assert reply.drawing is not None
    assert reply.drawing.prompt == "a fox in tall grass at night"


# Recipes and authors.

def test_recipe_tells_what_the_recipe_shows() -> None:
    made = post(1, "ana", "storm", "target", pictures=(picture(1, "storm", STORM, "sketch"),))
    text = answer("how was this made?", made).text
    assert text == ("@ana's picture was made with Sketch from the prompt “a lighthouse in a "
                    "storm”, in the ink style, at 768×512, with seed 7.")
    assert "negative" not in text  # an empty negative prompt is left out
    assert "salon-sketch-1" not in text  # the engine by the name people know it by


def test_recipe_of_several_pictures_gives_the_prompt_once_and_each_seed() -> None:
    batch = tuple(picture(i, "storm", {**STORM, "seed": 40 + i}, "sketch") for i in range(4))
    text = answer("what's the prompt?", post(1, "ana", "four", "target", pictures=batch)).text
    assert text.count("a lighthouse in a storm") == 1
    assert "4 pictures" in text and "with seeds 40, 41, 42, 43." in text


def test_a_hidden_recipe_is_never_shown() -> None:
    hidden = picture(3, "a fox", None, "diffusers", ai_generated=True)
    made = post(1, "ana", "my fox", "target", pictures=(hidden,))
    for question in ("what's the prompt?", "what seed", "recipe", "what engine made this?"):
        text = answer(question, made).text
        assert "hid this recipe" in text and "diffusers" in text
        assert "prompt" not in text and "seed" not in text
    explained = answer("", made, explain=True).text
    assert "recipe hidden by the author" in explained and "prompt" not in explained


def test_recipe_of_an_upload_says_it_cant_tell() -> None:
    uploaded = post(1, "ana", "photo", "target", pictures=(picture(1, "my garden"),))
    text = answer("how was this made?", uploaded).text
    assert "uploaded, not made with Salon's Imagine" in text and "can't tell" in text


def test_recipe_looks_above_when_the_target_has_no_pictures() -> None:
    made = post(1, "ana", "storm", "ancestor", pictures=(picture(1, "", STORM, "sketch"),))
    text = answer("recipe", made, post(2, "bob", "wow", "target")).text
    assert "@ana" in text and "seed 7" in text
    assert "no picture" in answer("recipe", post(2, "bob", "wow", "target")).text


def test_who_made_it_names_the_author_the_remix_and_the_engine() -> None:
    remix = post(2, "bob", "my take", "target", remix_of=1, remix_of_author="ana",
                 pictures=(picture(1, "", STORM, "sketch"),))
    text = answer("who made this?", remix).text
    assert text == ("This post is by Bob (@bob). It is a remix of @ana's post. "
                    "Its picture was made with Sketch.")
    upload = answer("who made this?", post(2, "bob", "x", "target", pictures=(picture(1),)))
    assert "uploaded" in upload.text
    assert "starts the thread" in answer("who made this?").text


# Summaries and explanations.

def thread_of(replies: int) -> tuple[ContextPost, ...]:
    opening = post(1, "ana", "Lighthouses at night: share yours #lighthouse", "target",
                   likes=3)
    people = ("bob", "cy", "bob", "eve", "bob", "cy")
    return (opening, *(
        post(2000 + i, people[i % len(people)], f"reply number {i} about the sea #sea",
             "reply", likes=i % 5) for i in range(replies)))


def test_summary_names_the_most_liked_points_the_participants_and_links() -> None:
    thread = (
        post(1, "ana", "Which lighthouse is the oldest? #history", "target", likes=2),
        post(2001, "bob", "The Tower of Hercules, still in use https://example.org/tower",
             "reply", likes=9),
        post(2002, "cy", "Pharos of Alexandria was older but it is gone #history",
             "reply", likes=5),
        post(2003, "bob", "Good point", "reply", likes=0),
        post(2004, "eve", "Nice thread", "reply", likes=1),
        post(2005, "muse", "An earlier answer of the assistant", "reply", likes=50),
    )
    text = answer("summarise this thread", *thread).text
    assert text.startswith("@ana opened this thread with “Which lighthouse is the oldest? "
                           "#history”. Besides your question and my answers, it has 5 posts "
                           "by 4 people: @bob (2), @ana, @cy, @eve.")
    assert text.index("oldest") < text.index("Tower of Hercules") < text.index("Pharos")
    assert text.count("oldest") == 1  # the opening post is not quoted again as liked
    assert "Good point" not in text and "earlier answer" not in text
    assert "https://example.org/tower" in text and "#history" in text
    assert "I read the first" not in text


def test_summary_of_a_long_thread_says_what_it_read_and_fits() -> None:
    reply = answer("tl;dr", *thread_of(40), truncated=True, max_chars=300)
    assert reply.text.endswith("(I read only the first 40 replies.)")
    assert len("@dan " + reply.text) <= 300
    assert "@bob (20), @cy (13), @eve (7), @ana" in reply.text


def test_explain_says_who_when_what_it_replies_to_and_its_pictures() -> None:
    parent = post(1, "ana", "Show me your storms", "ancestor")
    target = post(2, "bob", "Mine, from the coast #storm https://example.org/coast", "target",
                  likes=4, reposts=1, replies=2, pictures=(
                      picture(1, "a lighthouse in waves", STORM, "sketch"), picture(2)))
    text = answer("", parent, target, explain=True).text
    for said in ("Bob (@bob) wrote on 1 March 2025: “Mine, from the coast #storm”.",
                 "It replies to @ana: “Show me your storms”.",
                 "“a lighthouse in waves” (made with Sketch from the prompt "
                 "“a lighthouse in a storm”)", "no description (uploaded)",
                 "https://example.org/coast", "#storm", "4 likes, 1 repost and 2 replies"):
        assert said in text
    assert answer("what does this mean?", parent, target).text == text


# Everything else.

def test_other_questions_get_an_honest_answer_about_what_it_can_do() -> None:
    text = answer("is this true?", post(1, "ana", "The moon is cheese", "target")).text
    assert "without a language model" in text and "can't check facts" in text
    assert "draw" in text and "summarise" in text and "admin" in text


@pytest.mark.parametrize("question", ["", "   ", "@bob", "help", "who are you?"])
def test_an_empty_question_says_what_it_can_do(question: str) -> None:
    text = answer(question).text
    assert "can't check facts" not in text
    assert "I can draw" in text and "explain a post" in text and "@muse draw" in text


@pytest.mark.parametrize(("question", "start"), [
    ("qui a fait cette image ?", "Cette publication est de"),
    ("résume ce fil", "@ana a ouvert ce fil"),
    ("est-ce que c'est vrai ?", "Je suis l'assistant intégré"),
    ("¿quién hizo esto?", "Esta publicación es de"),
    ("wer hat das gemacht?", "Dieser Beitrag ist von"),
])
def test_the_answer_is_in_the_questions_language(question: str, start: str) -> None:
    made = post(1, "ana", "storm", "target", pictures=(picture(1, "", STORM, "sketch"),))
    assert answer(question, made).text.startswith(start)


def test_an_unclear_language_falls_back_to_the_conversations_then_english() -> None:
    made = post(1, "ana", "storm", "target")
    assert answer("tl;dr", made, language="fr").text.startswith("@ana a ouvert ce fil")
    assert answer("tl;dr", made, language="ja").text.startswith("@ana opened this thread")


QUESTIONS = ("draw " + "a very long prompt " * 40, "make it " + "much darker " * 30,
             "how was this made?", "who made this?", "summarise", "explain", "is this true?",
             "", "résume ce fil", "fais-en une version de nuit", "what's the prompt?")


@pytest.mark.parametrize("max_chars", [500, 160, 80, 40])
def test_every_answer_fits_the_post_with_the_mention(max_chars: int) -> None:
    long_alt = "a lighthouse " * 30
    batch = tuple(picture(i, long_alt, {**STORM, "prompt": long_alt, "seed": i}, "sketch")
                  for i in range(4))
    thread = (post(1, "ana", "word " * 200, "ancestor", likes=3),
              post(2, "bob", "https://example.org/" + "x" * 80 + " #tag", "target",
                   pictures=batch, likes=8),
              *thread_of(30)[1:])
    for question in QUESTIONS:
        for explain in (False, True):
            reply = answer(question, *thread, max_chars=max_chars, truncated=True,
                           explain=explain, asker="someone_long")
            assert len("@someone_long " + reply.text) <= max_chars, (question, reply.text)
            assert reply.text.strip()


def test_the_same_conversation_gets_the_same_reply() -> None:
    thread = thread_of(12)
    for question in QUESTIONS:
        first = ENGINE.answer(conversation(question, *thread), FakeTools())
        again = BuiltinEngine().answer(conversation(question, *thread), FakeTools())
        assert first == again


def test_it_answers_fast_even_a_ten_thousand_reply_thread() -> None:
    huge = conversation("summarise this thread", *thread_of(10_000), truncated=True)
    began = time.perf_counter()
    reply = ENGINE.answer(huge, FakeTools())
    assert time.perf_counter() - began < 0.5
    assert "10000 replies" in reply.text
    small = [conversation(q, *thread_of(20)) for q in QUESTIONS]
    began = time.perf_counter()
    for _ in range(10):
        for asked in small:
            ENGINE.answer(asked, FakeTools())
    assert (time.perf_counter() - began) / (10 * len(small)) < 0.01


def test_streaming_sends_pieces_that_make_the_reply() -> None:
    pieces: list[str] = []
    reply = ENGINE.answer(conversation("summarise", *thread_of(6)), FakeTools(), pieces.append)
    assert len(pieces) > 3
    assert "".join(pieces) == reply.text
    assert all(0 < len(piece.split()) <= 4 for piece in pieces)
    assert ENGINE.answer(conversation("summarise", *thread_of(6)), FakeTools()) == reply


def test_a_question_post_with_a_picture_is_not_a_picture_above() -> None:
    asked = conversation("make it night")
    own = replace(asked.posts[0], pictures=(picture(1, "mine"),))
    reply = ENGINE.answer(replace(asked, posts=(own,)), FakeTools())
    assert reply.refused and reply.drawing is None
