"""Every sentence the builtin engine writes, in en, fr, es, de, pt and it.

A sentence missing in a language falls back to English; all exist in the six. The
answers about the thread are in builtin_phrases_answers."""

from __future__ import annotations

from salon.assistant.engines.builtin_phrases_answers import ANSWERS, NOUNS

_SHORT: dict[str, dict[str, str]] = {
    "draw": {
        "en": "Here is {prompt}.", "fr": "Voici {prompt}.", "es": "Aquí tienes {prompt}.",
        # The asker wrote the accusative ("zeichne einen Hund"): a verb that takes it.
        "de": "Ich habe {prompt} gezeichnet.", "pt": "Aqui está {prompt}.",
        "it": "Ecco {prompt}.",
    },
    "attempt": {
        "en": "Here is my attempt at {prompt}.",
        "fr": "Voici mon essai pour dessiner {prompt}.",
        "es": "Aquí tienes mi intento de dibujar {prompt}.",
        "de": "Ich habe versucht, {prompt} zu zeichnen.",
        "pt": "Aqui está a minha tentativa de desenhar {prompt}.",
        "it": "Ecco il mio tentativo di disegnare {prompt}.",
    },
    "sketch_unknown": {
        "en": "The sketch engine draws from a small English vocabulary and may not know "
              "these words.",
        "fr": "Le moteur sketch dessine à partir d'un petit vocabulaire anglais et ne "
              "connaît peut-être pas ces mots.",
        "es": "El motor sketch dibuja con un pequeño vocabulario en inglés y quizá no "
              "conozca estas palabras.",
        "de": "Die Sketch-Engine zeichnet mit einem kleinen englischen Wortschatz und kennt "
              "diese Wörter vielleicht nicht.",
        "pt": "O motor sketch desenha com um pequeno vocabulário em inglês e talvez não "
              "conheça estas palavras.",
        "it": "Il motore sketch disegna con un piccolo vocabolario inglese e forse non "
              "conosce queste parole.",
    },
    "edit": {
        "en": "Here is @{author}'s picture, {change}.",
        "fr": "Voici l'image de @{author}, {change}.",
        "es": "Aquí tienes la imagen de @{author}, {change}.",
        "de": "Hier ist das Bild von @{author}, {change}.",
        "pt": "Aqui está a imagem de @{author}, {change}.",
        "it": "Ecco l'immagine di @{author}, {change}.",
    },
    "no_prompt": {
        "en": "Tell me what to draw, for example: {example}.",
        "fr": "Dites-moi quoi dessiner, par exemple : {example}.",
        "es": "Dime qué dibujar, por ejemplo: {example}.",
        "de": "Sag mir, was ich zeichnen soll, zum Beispiel: {example}.",
        "pt": "Diga-me o que desenhar, por exemplo: {example}.",
        "it": "Dimmi cosa disegnare, per esempio: {example}.",
    },
    "no_source": {
        "en": "There is no picture above in this thread for me to change. Ask me to draw "
              "one instead: {example}, then what you'd like to see.",
        "fr": "Il n'y a pas d'image au-dessus dans ce fil à modifier. Demandez-moi plutôt "
              "d'en dessiner une : {example}, puis ce que vous voulez voir.",
        "es": "No hay ninguna imagen arriba en este hilo que pueda cambiar. Pídeme que "
              "dibuje una: {example}, y lo que quieras ver.",
        "de": "In diesem Thread gibt es oben kein Bild, das ich ändern könnte. Bitte mich "
              "stattdessen, eines zu zeichnen: {example}, dann was du sehen möchtest.",
        "pt": "Não há nenhuma imagem acima neste fio para eu mudar. Peça-me para desenhar "
              "uma: {example}, e o que você quer ver.",
        "it": "Non c'è nessuna immagine sopra in questo filo da modificare. Chiedimi di "
              "disegnarne una: {example}, poi cosa vuoi vedere.",
    },
    "used_up": {
        "en": "Your pictures for today are used up, so I can't draw this one. "
              "Try again tomorrow.",
        "fr": "Vos images du jour sont épuisées, je ne peux donc pas dessiner celle-ci. "
              "Réessayez demain.",
        "es": "Ya usaste tus imágenes de hoy, así que no puedo dibujar esta. "
              "Vuelve a intentarlo mañana.",
        "de": "Deine Bilder für heute sind aufgebraucht, daher kann ich dieses nicht "
              "zeichnen. Versuch es morgen wieder.",
        "pt": "Suas imagens de hoje acabaram, então não posso desenhar esta. "
              "Tente de novo amanhã.",
        "it": "Le tue immagini di oggi sono finite, quindi non posso disegnare questa. "
              "Riprova domani.",
    },
    "intro": {
        "en": "I'm Salon's built-in assistant, without a language model.",
        "fr": "Je suis l'assistant intégré de Salon, sans modèle de langage.",
        "es": "Soy el asistente integrado de Salon, sin modelo de lenguaje.",
        "de": "Ich bin Salons eingebauter Assistent, ohne Sprachmodell.",
        "pt": "Sou o assistente embutido do Salon, sem modelo de linguagem.",
        "it": "Sono l'assistente integrato di Salon, senza modello linguistico.",
    },
    "cannot": {
        "en": "I'm Salon's built-in assistant, without a language model, so I can't check "
              "facts or answer that.",
        "fr": "Je suis l'assistant intégré de Salon, sans modèle de langage : je ne peux "
              "donc pas vérifier des faits ni répondre à cela.",
        "es": "Soy el asistente integrado de Salon, sin modelo de lenguaje, así que no "
              "puedo comprobar hechos ni responder a eso.",
        "de": "Ich bin Salons eingebauter Assistent, ohne Sprachmodell, daher kann ich "
              "keine Fakten prüfen und darauf nicht antworten.",
        "pt": "Sou o assistente embutido do Salon, sem modelo de linguagem, então não "
              "posso verificar fatos nem responder a isso.",
        "it": "Sono l'assistente integrato di Salon, senza modello linguistico, quindi non "
              "posso verificare fatti né rispondere a questo.",
    },
    "can": {
        "en": "I can draw ({draw}), change the picture above ({edit}), summarise this "
              "thread, say how a picture was made or who made it, and explain a post.",
        "fr": "Je sais dessiner ({draw}), modifier l'image au-dessus ({edit}), résumer ce "
              "fil, dire comment une image a été faite ou par qui, et expliquer une "
              "publication.",
        "es": "Puedo dibujar ({draw}), cambiar la imagen de arriba ({edit}), resumir este "
              "hilo, decir cómo se hizo una imagen o quién la hizo, y explicar una "
              "publicación.",
        "de": "Ich kann zeichnen ({draw}), das Bild darüber ändern ({edit}), diesen "
              "Thread zusammenfassen, sagen, wie oder von wem ein Bild gemacht wurde, und "
              "einen Beitrag erklären.",
        "pt": "Posso desenhar ({draw}), mudar a imagem acima ({edit}), resumir este fio, "
              "dizer como uma imagem foi feita ou quem a fez, e explicar uma publicação.",
        "it": "So disegnare ({draw}), modificare l'immagine sopra ({edit}), riassumere "
              "questo filo, dire come è stata fatta un'immagine o chi l'ha fatta, e "
              "spiegare un post.",
    },
    "admin": {
        "en": "An admin can connect a real language model.",
        "fr": "Un administrateur peut brancher un vrai modèle de langage.",
        "es": "Un administrador puede conectar un modelo de lenguaje real.",
        "de": "Eine Administratorin kann ein echtes Sprachmodell anschließen.",
        "pt": "Um administrador pode conectar um modelo de linguagem de verdade.",
        "it": "Un amministratore può collegare un vero modello linguistico.",
    },
    "example_draw": {
        "en": "draw a lighthouse in a storm", "fr": "dessine un phare dans la tempête",
        "es": "dibuja un faro en una tormenta", "de": "zeichne einen Leuchtturm im Sturm",
        "pt": "desenhe um farol numa tempestade", "it": "disegna un faro nella tempesta",
    },
    "example_edit": {
        "en": "make it night", "fr": "fais-en une version de nuit", "es": "hazlo de noche",
        "de": "mach es nachts", "pt": "deixe-a de noite", "it": "falla di notte",
    },
    "example_verb": {
        "en": "draw …", "fr": "dessine …", "es": "dibuja …", "de": "zeichne …",
        "pt": "desenhe …", "it": "disegna …",
    },
}

PHRASES = {**_SHORT, **ANSWERS}

# Quotation marks, and the words that join a change to a prompt ("with a moon").
QUOTES = {"en": ("“", "”"), "fr": ("« ", " »"), "es": ("«", "»"), "de": ("„", "“"),
          "pt": ("“", "”"), "it": ("«", "»")}
WITH = {"en": "with", "fr": "avec", "es": "con", "de": "mit", "pt": "com", "it": "con"}
WITHOUT = {"en": "without", "fr": "sans", "es": "sin", "de": "ohne", "pt": "sem",
           "it": "senza"}
STYLE = {"en": "{x} style", "fr": "style {x}", "es": "estilo {x}", "de": "im Stil {x}",
         "pt": "estilo {x}", "it": "stile {x}"}


def say(language: str, key: str, **values: object) -> str:
    table = PHRASES[key]
    return table.get(language, table["en"]).format(**values)


def count(language: str, noun: str, n: int) -> str:
    forms = NOUNS[noun]
    one, many = forms.get(language, forms["en"])
    return f"{n} {one if n == 1 else many}"


def quote(language: str, text: str) -> str:
    left, right = QUOTES.get(language, QUOTES["en"])
    return f"{left}{text}{right}"
