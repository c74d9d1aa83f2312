"""The builtin engine after a new user's trial: edits that replace what the change
contradicts, subjects asked for in other languages, an honest answer where the sketch
engine doesn't know the words, and explanations, recipes and summaries that read as
sentences."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from salon.assistant.engines.base import ContextPost, Drawing
from salon.assistant.engines.builtin_edit import asked_style, compose
from salon.assistant.engines.builtin_lang import long_date
from salon.assistant.engines.builtin_words import english
from tests.assistant.test_builtin import STORM, answer, picture, post, thread_of

SUNSET = {**STORM, "prompt": "a lighthouse at sunset over a calm sea", "style": "watercolor"}


def sunset_post() -> ContextPost:
    return post(1, "ana", "my lighthouse", "target", pictures=(
        picture(5, "a lighthouse at sunset over a calm sea", SUNSET, "sketch"),))


# 1. An edit's change replaces what it contradicts, and says which style it asks for.

@pytest.mark.parametrize(("question", "prompt", "style"), [
    ("make it night", "a lighthouse over a calm sea at night", None),
    ("@muse make it night", "a lighthouse over a calm sea at night", None),
    ("fais-en une version de nuit", "a lighthouse over a calm sea at night", None),
    ("make it dawn", "a lighthouse over a calm sea at dawn", None),
    ("as pixel art", "a lighthouse at sunset over a calm sea, pixel art", "pixel art"),
    ("turn it into an oil painting", "a lighthouse at sunset over a calm sea, oil painting",
     "oil"),
    ("in the style of Hokusai", "a lighthouse at sunset over a calm sea, Hokusai style", ""),
    ("add a moon", "a lighthouse at sunset over a calm sea, with a moon", None),
])
def test_an_edit_replaces_what_the_change_contradicts(question: str, prompt: str,
                                                      style: str | None) -> None:
    reply = answer(question, sunset_post())
    assert reply.drawing is not None
    assert (reply.drawing.prompt, reply.drawing.style) == (prompt, style)


@pytest.mark.parametrize(("base", "change", "prompt"), [
    ("a lighthouse at sunset over a calm sea", "at night",
     "a lighthouse over a calm sea at night"),
    ("a snowy forest in winter", "in summer", "a forest in summer"),
    ("a sunny beach", "rainy", "a beach, rainy"),
    ("a storm over the sea", "foggy", "over the sea, foggy"),
    ("a fox in the snow, watercolor painting", "pixel art", "a fox in the snow, pixel art"),
    ("a fox at dawn, pen and ink", "at dusk", "a fox, pen and ink, at dusk"),
    ("sunset", "at night", "at night"),
    ("a fox in the rain", "with a moon", "a fox in the rain, with a moon"),
])
def test_compose_takes_out_the_words_of_the_changes_group(base: str, change: str,
                                                          prompt: str) -> None:
    assert compose(base, change) == prompt


def test_taking_something_out_replaces_nothing() -> None:
    assert compose("a fox at night", "without the night", adds=False) == (
        "a fox at night, without the night")
    reply = answer("remove the sea", sunset_post())
    assert reply.drawing is not None and reply.drawing.style is None
    assert reply.drawing.prompt == "a lighthouse at sunset over a calm sea, without the sea"


def test_the_style_the_change_asks_for() -> None:
    assert asked_style("watercolor") == "watercolor"
    assert asked_style("black and white") == "noir"
    assert asked_style("Monet style") == ""
    assert asked_style("at night") is None
    assert Drawing(prompt="a cat").style is None  # engines that don't say keep the source's


# 2. Subjects in other languages: the prompt in English, the answer in the asker's words.

@pytest.mark.parametrize(("said", "language", "prompt"), [
    ("un chat", "fr", "cat"),
    ("un chat noir sous la neige", "fr", "black cat under snow"),
    ("des oiseaux rouges au coucher du soleil", "fr", "red birds at sunset"),
    ("un phare de nuit", "fr", "lighthouse at night"),
    ("una ballena azul en el mar", "es", "blue whale in sea"),
    ("zwei schwarze Katzen im Schnee", "de", "two black cats in snow"),
    ("eine Eule bei Nacht", "de", "owl at night"),
    ("um dragão vermelho num castelo", "pt", "red dragon in castle"),
    ("tre gatti neri", "it", "three black cats"),
    ("un coniglio e un orso nella foresta", "it", "rabbit and bear in forest"),
    ("a cat", "en", "a cat"),
])
def test_subjects_are_put_in_english(said: str, language: str, prompt: str) -> None:
    assert english(said, language).prompt == prompt


def test_dessine_un_chat_draws_a_cat() -> None:
    reply = answer("@muse dessine un chat")
    assert reply.drawing is not None and reply.drawing.prompt == "cat"
    assert reply.text == "Voici un chat."


@pytest.mark.parametrize(("question", "start"), [
    ("dessine un mouton", "Voici mon essai pour dessiner un mouton."),
    ("draw a platypus", "Here is my attempt at a platypus."),
    ("zeichne ein Schnabeltier", "Ich habe versucht, ein Schnabeltier zu zeichnen."),
])
def test_words_the_sketch_engine_doesnt_know_get_an_honest_answer(question: str,
                                                                  start: str) -> None:
    reply = answer(question)
    assert reply.drawing is not None and not reply.refused  # it still draws
    assert reply.text.startswith(start)
    assert "sketch" in reply.text.lower()  # says the sketch engine may not know the words


def test_other_image_engines_get_no_word_about_the_sketch_engine() -> None:
    unknown = answer("dessine un mouton", image_engine="openai")
    assert unknown.text == "Voici mon essai pour dessiner un mouton."
    assert answer("draw a platypus", image_engine="openai").text == "Here is a platypus."
    assert answer("dessine un chat", image_engine="openai").text == "Voici un chat."


# 3. Explaining a post.

def test_explain_quotes_the_post_and_says_it_opens_the_thread() -> None:
    said = post(1, "ana", "Which lighthouse is the oldest? https://example.org/l #history",
                "target", replies=1)
    text = answer("", said, explain=True).text
    assert text.startswith("Ana (@ana) wrote on 1 March 2025: “Which lighthouse is the "
                           "oldest? #history”. It is the first post of its thread.")
    assert "Hashtags" not in text  # the quote shows it already
    assert "1 reply." in text and "UTC" not in text and "starts its thread" not in text


def test_explain_says_a_prompt_used_as_alt_text_once() -> None:
    made = post(1, "ana", "", "target", pictures=(picture(5, "a lighthouse in a storm", STORM,
                                                          "sketch"),))
    text = answer("", made, explain=True).text
    assert text.count("a lighthouse in a storm") == 1
    assert "“a lighthouse in a storm” (made with Sketch from this prompt)" in text
    assert text.startswith("Ana (@ana) posted this on 1 March 2025.")


@pytest.mark.parametrize(("language", "date"), [
    ("en", "4 December 2026"), ("fr", "4 décembre 2026"), ("es", "4 de diciembre de 2026"),
    ("de", "4. Dezember 2026"), ("pt", "4 de dezembro de 2026"), ("it", "4 dicembre 2026"),
])
def test_dates_are_written_as_people_write_them(language: str, date: str) -> None:
    assert long_date(datetime(2026, 12, 4, 21, 23, tzinfo=UTC), language) == date


def test_explain_in_german_and_french_writes_the_date_in_their_words() -> None:
    said = post(1, "ana", "Hallo", "target")
    assert "schrieb am 1. März 2025: „Hallo“" in answer("erkläre das bitte", said).text
    assert "a écrit le 1er mars 2025 : « Hallo »" in answer("", said, explain=True,
                                                              language="fr").text


# 4. How a picture was made, as a sentence.

def test_recipe_is_a_sentence_that_names_the_engine_by_its_title() -> None:
    made = post(1, "ana", "storm", "target", pictures=(picture(1, "storm", STORM, "sketch"),))
    assert answer("how was this made?", made).text == (
        "@ana's picture was made with Sketch from the prompt “a lighthouse in a storm”, in "
        "the ink style, at 768×512, with seed 7.")
    assert answer("comment a-t-elle été faite ?", made).text == (
        "L'image de @ana a été faite avec Sketch à partir du prompt « a lighthouse in a "
        "storm », dans le style ink, en 768×512, avec la graine 7.")


def test_recipe_of_another_engine_names_its_model() -> None:
    recipe: dict[str, object] = {"prompt": "a kite", "engine": "openai",
                                 "model": "gpt-image-1", "seed": None}
    made = post(1, "ana", "kite", "target", pictures=(picture(1, "", recipe, "openai"),))
    assert answer("recipe", made).text == (
        "@ana's picture was made with gpt-image-1 from the prompt “a kite”.")


# 5. Summaries.

def test_summary_says_what_the_thread_is_about_and_counts_what_it_counts() -> None:
    text = answer("summarise", *thread_of(1)).text
    assert text.startswith("@ana opened this thread with “Lighthouses at night: share yours "
                           "#lighthouse”. Besides your question, it has 2 posts by 2 people")
    mine = answer("summarise", *thread_of(1), post(2001, "muse", "an answer", "reply")).text
    assert "Besides your question and my answers, it has 2 posts" in mine


def test_summary_counts_one_reply_in_the_singular() -> None:
    text = answer("summarise", *thread_of(1), truncated=True).text
    assert text.endswith("(I read only the first 1 reply.)")
    assert "1 replies" not in text


# 6. German: no accusative after "ist".

@pytest.mark.parametrize(("question", "said"), [
    ("zeichne einen Leuchtturm", "Ich habe einen Leuchtturm gezeichnet."),
    ("zeichne ein Bild von einem Hund", "Ich habe ein Bild von einem Hund gezeichnet."),
    ("zeichne eine Katze", "Ich habe eine Katze gezeichnet."),
])
def test_german_answers_keep_the_askers_case(question: str, said: str) -> None:
    text = answer(question).text
    assert text == said and "Hier ist einen" not in text
