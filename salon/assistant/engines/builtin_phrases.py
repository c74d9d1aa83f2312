"""Every sentence the builtin engine writes, in en, fr, es, de, pt and it.

A sentence missing in a language falls back to English; the short ones (drawing, editing,
refusals, what it can do) exist in all six."""

from __future__ import annotations

PHRASES: dict[str, dict[str, str]] = {
    "draw": {
        "en": "Here is {prompt}.", "fr": "Voici {prompt}.", "es": "Aquí tienes {prompt}.",
        "de": "Hier ist {prompt}.", "pt": "Aqui está {prompt}.", "it": "Ecco {prompt}.",
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
    # How a picture was made.
    "no_pictures": {
        "en": "I see no picture in this post or above it in this thread.",
        "fr": "Je ne vois aucune image dans cette publication ni au-dessus dans ce fil.",
        "es": "No veo ninguna imagen en esta publicación ni más arriba en este hilo.",
        "de": "Ich sehe kein Bild in diesem Beitrag oder darüber in diesem Thread.",
        "pt": "Não vejo nenhuma imagem nesta publicação nem acima dela neste fio.",
        "it": "Non vedo nessuna immagine in questo post né sopra in questo filo.",
    },
    "recipe_one": {
        "en": "How @{author}'s picture was made: {fields}.",
        "fr": "Comment l'image de @{author} a été faite : {fields}.",
        "es": "Cómo se hizo la imagen de @{author}: {fields}.",
        "de": "So wurde das Bild von @{author} gemacht: {fields}.",
    },
    "recipe_many": {
        "en": "How @{author}'s {n} pictures were made: {fields}.",
        "fr": "Comment les {n} images de @{author} ont été faites : {fields}.",
        "es": "Cómo se hicieron las {n} imágenes de @{author}: {fields}.",
        "de": "So wurden die {n} Bilder von @{author} gemacht: {fields}.",
    },
    "hidden_one": {
        "en": "The author hid this recipe; the picture was made with {engine}.",
        "fr": "L'auteur a masqué cette recette ; l'image a été faite avec {engine}.",
        "es": "El autor ocultó esta receta; la imagen se hizo con {engine}.",
        "de": "Der Autor hat dieses Rezept verborgen; das Bild wurde mit {engine} gemacht.",
    },
    "hidden_many": {
        "en": "The author hid the recipe of {n} pictures; they were made with {engine}.",
        "fr": "L'auteur a masqué la recette de {n} images ; elles ont été faites avec "
              "{engine}.",
        "es": "El autor ocultó la receta de {n} imágenes; se hicieron con {engine}.",
        "de": "Der Autor hat das Rezept von {n} Bildern verborgen; sie wurden mit {engine} "
              "gemacht.",
    },
    "uploaded_one": {
        "en": "This picture was uploaded, not made with Salon's Imagine; I can't tell how "
              "it was made.",
        "fr": "Cette image a été téléversée, pas faite avec Imagine de Salon ; je ne peux "
              "pas dire comment elle a été faite.",
        "es": "Esta imagen se subió, no se hizo con Imagine de Salon; no puedo saber cómo "
              "se hizo.",
        "de": "Dieses Bild wurde hochgeladen, nicht mit Salons Imagine gemacht; ich kann "
              "nicht sagen, wie es entstanden ist.",
    },
    "uploaded_many": {
        "en": "These {n} pictures were uploaded, not made with Salon's Imagine; I can't "
              "tell how they were made.",
        "fr": "Ces {n} images ont été téléversées, pas faites avec Imagine de Salon ; je ne "
              "peux pas dire comment elles ont été faites.",
        "es": "Estas {n} imágenes se subieron, no se hicieron con Imagine de Salon; no "
              "puedo saber cómo se hicieron.",
        "de": "Diese {n} Bilder wurden hochgeladen, nicht mit Salons Imagine gemacht; ich "
              "kann nicht sagen, wie sie entstanden sind.",
    },
    "marked_ai": {
        "en": "The author marked it as made with AI.",
        "fr": "L'auteur l'a signalée comme faite avec une IA.",
        "es": "El autor la marcó como hecha con IA.",
        "de": "Der Autor hat es als mit KI gemacht gekennzeichnet.",
    },
    # Who made it.
    "no_target": {
        "en": "Your question starts the thread, so there is no post above to tell you "
              "about.",
        "fr": "Votre question ouvre le fil : il n'y a pas de publication au-dessus dont "
              "parler.",
        "es": "Tu pregunta abre el hilo, así que no hay ninguna publicación arriba de la "
              "que hablar.",
        "de": "Deine Frage beginnt den Thread, es gibt also keinen Beitrag darüber.",
    },
    "by": {
        "en": "This post is by {who}.", "fr": "Cette publication est de {who}.",
        "es": "Esta publicación es de {who}.", "de": "Dieser Beitrag ist von {who}.",
    },
    "bot": {
        "en": "@{author} is an automated account.",
        "fr": "@{author} est un compte automatisé.",
        "es": "@{author} es una cuenta automatizada.",
        "de": "@{author} ist ein automatisiertes Konto.",
    },
    "remix": {
        "en": "It is a remix of @{author}'s post.",
        "fr": "C'est un remix de la publication de @{author}.",
        "es": "Es un remix de la publicación de @{author}.",
        "de": "Es ist ein Remix des Beitrags von @{author}.",
    },
    "made_with_one": {
        "en": "Its picture was made with {engine}.",
        "fr": "Son image a été faite avec {engine}.",
        "es": "Su imagen se hizo con {engine}.",
        "de": "Sein Bild wurde mit {engine} gemacht.",
    },
    "made_with_many": {
        "en": "Its pictures were made with {engine}.",
        "fr": "Ses images ont été faites avec {engine}.",
        "es": "Sus imágenes se hicieron con {engine}.",
        "de": "Seine Bilder wurden mit {engine} gemacht.",
    },
    "uploads_one": {
        "en": "Its picture was uploaded, not made with Salon's Imagine.",
        "fr": "Son image a été téléversée, pas faite avec Imagine de Salon.",
        "es": "Su imagen se subió, no se hizo con Imagine de Salon.",
        "de": "Sein Bild wurde hochgeladen, nicht mit Salons Imagine gemacht.",
    },
    "uploads_many": {
        "en": "Its pictures were uploaded, not made with Salon's Imagine.",
        "fr": "Ses images ont été téléversées, pas faites avec Imagine de Salon.",
        "es": "Sus imágenes se subieron, no se hicieron con Imagine de Salon.",
        "de": "Seine Bilder wurden hochgeladen, nicht mit Salons Imagine gemacht.",
    },
    # Summaries.
    "nothing_to_summarise": {
        "en": "There is nothing to summarise yet: this thread has no other posts.",
        "fr": "Il n'y a rien à résumer : ce fil n'a pas d'autre publication.",
        "es": "No hay nada que resumir: este hilo no tiene otras publicaciones.",
        "de": "Es gibt nichts zusammenzufassen: Dieser Thread hat keine anderen Beiträge.",
    },
    "thread": {
        "en": "This thread has {posts} by {people}: {names}.",
        "fr": "Ce fil compte {posts} de {people} : {names}.",
        "es": "Este hilo tiene {posts} de {people}: {names}.",
        "de": "Dieser Thread hat {posts} von {people}: {names}.",
    },
    "and_more": {
        "en": "and {n} more", "fr": "et {n} autres", "es": "y {n} más", "de": "und {n} weitere",
    },
    "most_liked": {
        "en": "Most liked: {points}.", "fr": "Les plus aimés : {points}.",
        "es": "Lo más gustado: {points}.", "de": "Am meisten gemocht: {points}.",
    },
    "opens_with": {
        "en": "No likes yet; it opens with {point}.",
        "fr": "Aucun j'aime pour l'instant ; il commence par {point}.",
        "es": "Aún sin me gusta; empieza con {point}.",
        "de": "Noch keine Likes; er beginnt mit {point}.",
    },
    "links": {
        "en": "Links: {items}.", "fr": "Liens : {items}.", "es": "Enlaces: {items}.",
        "de": "Links: {items}.",
    },
    "hashtags": {
        "en": "Hashtags: {items}.", "fr": "Hashtags : {items}.", "es": "Hashtags: {items}.",
        "de": "Hashtags: {items}.",
    },
    "truncated": {
        "en": "(I read the first {n} replies.)",
        "fr": "(J'ai lu les {n} premières réponses.)",
        "es": "(Leí las primeras {n} respuestas.)",
        "de": "(Ich habe die ersten {n} Antworten gelesen.)",
    },
    # Explaining a post.
    "nothing_to_explain": {
        "en": "There is no post here for me to explain.",
        "fr": "Il n'y a pas de publication à expliquer ici.",
        "es": "Aquí no hay ninguna publicación que explicar.",
        "de": "Hier gibt es keinen Beitrag zu erklären.",
    },
    "wrote": {
        "en": "{who} wrote this on {date}.", "fr": "{who} a écrit ceci le {date}.",
        "es": "{who} escribió esto el {date}.", "de": "{who} hat das am {date} geschrieben.",
    },
    "replies_to": {
        "en": "It replies to @{author}: {quote}.", "fr": "Elle répond à @{author} : {quote}.",
        "es": "Responde a @{author}: {quote}.", "de": "Er antwortet @{author}: {quote}.",
    },
    "starts_thread": {
        "en": "It starts its thread.", "fr": "Elle ouvre son fil.",
        "es": "Abre su hilo.", "de": "Er beginnt seinen Thread.",
    },
    "content_warning": {
        "en": "It has a content warning: {quote}.",
        "fr": "Elle a un avertissement de contenu : {quote}.",
        "es": "Tiene una advertencia de contenido: {quote}.",
        "de": "Er hat eine Inhaltswarnung: {quote}.",
    },
    "quotes": {
        "en": "It quotes @{author}: {quote}.", "fr": "Elle cite @{author} : {quote}.",
        "es": "Cita a @{author}: {quote}.", "de": "Er zitiert @{author}: {quote}.",
    },
    "has_pictures": {
        "en": "It has {pictures}: {items}.", "fr": "Elle a {pictures} : {items}.",
        "es": "Tiene {pictures}: {items}.", "de": "Er hat {pictures}: {items}.",
    },
    "no_description": {
        "en": "no description", "fr": "sans description", "es": "sin descripción",
        "de": "ohne Beschreibung",
    },
    "pic_recipe": {
        "en": "made with {engine} from the prompt {prompt}",
        "fr": "faite avec {engine} à partir du prompt {prompt}",
        "es": "hecha con {engine} a partir del prompt {prompt}",
        "de": "mit {engine} aus dem Prompt {prompt} gemacht",
    },
    "pic_made": {
        "en": "made with {engine}", "fr": "faite avec {engine}", "es": "hecha con {engine}",
        "de": "mit {engine} gemacht",
    },
    "pic_hidden": {
        "en": "made with {engine}, recipe hidden by the author",
        "fr": "faite avec {engine}, recette masquée par l'auteur",
        "es": "hecha con {engine}, receta oculta por el autor",
        "de": "mit {engine} gemacht, Rezept vom Autor verborgen",
    },
    "pic_uploaded": {
        "en": "uploaded", "fr": "téléversée", "es": "subida", "de": "hochgeladen",
    },
    "pic_uploaded_ai": {
        "en": "uploaded, marked as made with AI", "fr": "téléversée, signalée comme faite "
        "avec une IA", "es": "subida, marcada como hecha con IA",
        "de": "hochgeladen, als mit KI gemacht gekennzeichnet",
    },
    "counts": {
        "en": "It has {likes}, {reposts} and {replies}.",
        "fr": "Elle a {likes}, {reposts} et {replies}.",
        "es": "Tiene {likes}, {reposts} y {replies}.",
        "de": "Er hat {likes}, {reposts} und {replies}.",
    },
}

# Singular and plural of the things the engine counts.
NOUNS: dict[str, dict[str, tuple[str, str]]] = {
    "post": {"en": ("post", "posts"), "fr": ("publication", "publications"),
             "es": ("publicación", "publicaciones"), "de": ("Beitrag", "Beiträge")},
    "person": {"en": ("person", "people"), "fr": ("personne", "personnes"),
               "es": ("persona", "personas"), "de": ("Person", "Personen")},
    "like": {"en": ("like", "likes"), "fr": ("j'aime", "j'aime"),
             "es": ("me gusta", "me gusta"), "de": ("Like", "Likes")},
    "repost": {"en": ("repost", "reposts"), "fr": ("partage", "partages"),
               "es": ("republicación", "republicaciones"), "de": ("Repost", "Reposts")},
    "reply": {"en": ("reply", "replies"), "fr": ("réponse", "réponses"),
              "es": ("respuesta", "respuestas"), "de": ("Antwort", "Antworten")},
    "picture": {"en": ("picture", "pictures"), "fr": ("image", "images"),
                "es": ("imagen", "imágenes"), "de": ("Bild", "Bilder")},
}

# The names of a recipe's rows.
LABELS: dict[str, dict[str, str]] = {
    "en": {"prompt": "prompt", "negative_prompt": "negative prompt", "engine": "engine",
           "seed": "seed", "seeds": "seeds", "size": "size", "style": "style",
           "picture": "picture"},
    "fr": {"prompt": "prompt", "negative_prompt": "prompt négatif", "engine": "moteur",
           "seed": "graine", "seeds": "graines", "size": "taille", "style": "style",
           "picture": "image"},
    "es": {"prompt": "prompt", "negative_prompt": "prompt negativo", "engine": "motor",
           "seed": "semilla", "seeds": "semillas", "size": "tamaño", "style": "estilo",
           "picture": "imagen"},
    "de": {"prompt": "Prompt", "negative_prompt": "negativer Prompt", "engine": "Engine",
           "seed": "Seed", "seeds": "Seeds", "size": "Größe", "style": "Stil",
           "picture": "Bild"},
}

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


def label(language: str, row: str) -> str:
    return LABELS.get(language, LABELS["en"])[row]


def quote(language: str, text: str) -> str:
    left, right = QUOTES.get(language, QUOTES["en"])
    return f"{left}{text}{right}"
