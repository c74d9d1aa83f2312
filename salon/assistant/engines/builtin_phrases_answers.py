"""The builtin engine's sentences about the thread, in en, fr, es, de, pt and it: how a
picture was made, who made it, a summary, an explanation (builtin_answers writes them)."""

from __future__ import annotations

ANSWERS: dict[str, dict[str, str]] = {
    # How a picture was made: "@ana's picture was made with Sketch from the prompt …".
    "no_pictures": {
        "en": "I see no picture in this post or above it in this thread.",
        "fr": "Je ne vois aucune image dans cette publication ni au-dessus dans ce fil.",
        "es": "No veo ninguna imagen en esta publicación ni más arriba en este hilo.",
        "de": "Ich sehe kein Bild in diesem Beitrag oder darüber in diesem Thread.",
        "pt": "Não vejo nenhuma imagem nesta publicação nem acima dela neste fio.",
        "it": "Non vedo nessuna immagine in questo post né sopra in questo filo.",
    },
    "made_one": {
        "en": "@{author}'s picture was made {how}.",
        "fr": "L'image de @{author} a été faite {how}.",
        "es": "La imagen de @{author} se hizo {how}.",
        "de": "Das Bild von @{author} entstand {how}.",
        "pt": "A imagem de @{author} foi feita {how}.",
        "it": "L'immagine di @{author} è stata fatta {how}.",
    },
    "made_many": {
        "en": "@{author}'s {n} pictures were made {how}.",
        "fr": "Les {n} images de @{author} ont été faites {how}.",
        "es": "Las {n} imágenes de @{author} se hicieron {how}.",
        "de": "Die {n} Bilder von @{author} entstanden {how}.",
        "pt": "As {n} imagens de @{author} foram feitas {how}.",
        "it": "Le {n} immagini di @{author} sono state fatte {how}.",
    },
    "made_each": {
        "en": "Picture {i}: {how}.", "fr": "Image {i} : {how}.", "es": "Imagen {i}: {how}.",
        "de": "Bild {i}: {how}.", "pt": "Imagem {i}: {how}.", "it": "Immagine {i}: {how}.",
    },
    "with_engine": {
        "en": "with {x}", "fr": "avec {x}", "es": "con {x}", "de": "mit {x}", "pt": "com {x}",
        "it": "con {x}",
    },
    "from_prompt": {
        "en": "from the prompt {x}", "fr": "à partir du prompt {x}",
        "es": "a partir del prompt {x}", "de": "aus dem Prompt {x}",
        "pt": "a partir do prompt {x}", "it": "dal prompt {x}",
    },
    "with_negative": {
        "en": "with the negative prompt {x}", "fr": "avec le prompt négatif {x}",
        "es": "con el prompt negativo {x}", "de": "mit dem negativen Prompt {x}",
        "pt": "com o prompt negativo {x}", "it": "con il prompt negativo {x}",
    },
    "in_style": {
        "en": "in the {x} style", "fr": "dans le style {x}", "es": "con el estilo {x}",
        "de": "im Stil {x}", "pt": "no estilo {x}", "it": "in stile {x}",
    },
    "at_size": {
        "en": "at {x}", "fr": "en {x}", "es": "a {x}", "de": "in {x}", "pt": "em {x}",
        "it": "a {x}",
    },
    "with_seed": {
        "en": "with seed {x}", "fr": "avec la graine {x}", "es": "con la semilla {x}",
        "de": "mit Seed {x}", "pt": "com a semente {x}", "it": "con il seed {x}",
    },
    "with_seeds": {
        "en": "with seeds {x}", "fr": "avec les graines {x}", "es": "con las semillas {x}",
        "de": "mit den Seeds {x}", "pt": "com as sementes {x}", "it": "con i seed {x}",
    },
    "hidden_one": {
        "en": "The author hid this recipe; the picture was made with {engine}.",
        "fr": "L'auteur a masqué cette recette ; l'image a été faite avec {engine}.",
        "es": "El autor ocultó esta receta; la imagen se hizo con {engine}.",
        "de": "Der Autor hat dieses Rezept verborgen; das Bild wurde mit {engine} gemacht.",
        "pt": "O autor ocultou esta receita; a imagem foi feita com {engine}.",
        "it": "L'autore ha nascosto questa ricetta; l'immagine è stata fatta con {engine}.",
    },
    "hidden_many": {
        "en": "The author hid the recipe of {n} pictures; they were made with {engine}.",
        "fr": "L'auteur a masqué la recette de {n} images ; elles ont été faites avec "
              "{engine}.",
        "es": "El autor ocultó la receta de {n} imágenes; se hicieron con {engine}.",
        "de": "Der Autor hat das Rezept von {n} Bildern verborgen; sie wurden mit {engine} "
              "gemacht.",
        "pt": "O autor ocultou a receita de {n} imagens; foram feitas com {engine}.",
        "it": "L'autore ha nascosto la ricetta di {n} immagini; sono state fatte con "
              "{engine}.",
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
        "pt": "Esta imagem foi enviada, não feita com o Imagine do Salon; não sei dizer "
              "como foi feita.",
        "it": "Questa immagine è stata caricata, non fatta con Imagine di Salon; non so "
              "dire come è stata fatta.",
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
        "pt": "Estas {n} imagens foram enviadas, não feitas com o Imagine do Salon; não sei "
              "dizer como foram feitas.",
        "it": "Queste {n} immagini sono state caricate, non fatte con Imagine di Salon; non "
              "so dire come sono state fatte.",
    },
    "marked_ai": {
        "en": "The author marked it as made with AI.",
        "fr": "L'auteur l'a signalée comme faite avec une IA.",
        "es": "El autor la marcó como hecha con IA.",
        "de": "Der Autor hat es als mit KI gemacht gekennzeichnet.",
        "pt": "O autor a marcou como feita com IA.",
        "it": "L'autore l'ha segnata come fatta con l'IA.",
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
        "pt": "Sua pergunta abre o fio, então não há nenhuma publicação acima para comentar.",
        "it": "La tua domanda apre il filo, quindi non c'è nessun post sopra di cui parlare.",
    },
    "by": {
        "en": "This post is by {who}.", "fr": "Cette publication est de {who}.",
        "es": "Esta publicación es de {who}.", "de": "Dieser Beitrag ist von {who}.",
        "pt": "Esta publicação é de {who}.", "it": "Questo post è di {who}.",
    },
    "bot": {
        "en": "@{author} is an automated account.",
        "fr": "@{author} est un compte automatisé.",
        "es": "@{author} es una cuenta automatizada.",
        "de": "@{author} ist ein automatisiertes Konto.",
        "pt": "@{author} é uma conta automatizada.", "it": "@{author} è un account automatico.",
    },
    "remix": {
        "en": "It is a remix of @{author}'s post.",
        "fr": "C'est un remix de la publication de @{author}.",
        "es": "Es un remix de la publicación de @{author}.",
        "de": "Es ist ein Remix des Beitrags von @{author}.",
        "pt": "É um remix da publicação de @{author}.", "it": "È un remix del post di @{author}.",
    },
    "made_with_one": {
        "en": "Its picture was made with {engine}.",
        "fr": "Son image a été faite avec {engine}.",
        "es": "Su imagen se hizo con {engine}.",
        "de": "Sein Bild wurde mit {engine} gemacht.",
        "pt": "A imagem foi feita com {engine}.",
        "it": "La sua immagine è stata fatta con {engine}.",
    },
    "made_with_many": {
        "en": "Its pictures were made with {engine}.",
        "fr": "Ses images ont été faites avec {engine}.",
        "es": "Sus imágenes se hicieron con {engine}.",
        "de": "Seine Bilder wurden mit {engine} gemacht.",
        "pt": "As imagens foram feitas com {engine}.",
        "it": "Le sue immagini sono state fatte con {engine}.",
    },
    "uploads_one": {
        "en": "Its picture was uploaded, not made with Salon's Imagine.",
        "fr": "Son image a été téléversée, pas faite avec Imagine de Salon.",
        "es": "Su imagen se subió, no se hizo con Imagine de Salon.",
        "de": "Sein Bild wurde hochgeladen, nicht mit Salons Imagine gemacht.",
        "pt": "A imagem foi enviada, não feita com o Imagine do Salon.",
        "it": "La sua immagine è stata caricata, non fatta con Imagine di Salon.",
    },
    "uploads_many": {
        "en": "Its pictures were uploaded, not made with Salon's Imagine.",
        "fr": "Ses images ont été téléversées, pas faites avec Imagine de Salon.",
        "es": "Sus imágenes se subieron, no se hicieron con Imagine de Salon.",
        "de": "Seine Bilder wurden hochgeladen, nicht mit Salons Imagine gemacht.",
        "pt": "As imagens foram enviadas, não feitas com o Imagine do Salon.",
        "it": "Le sue immagini sono state caricate, non fatte con Imagine di Salon.",
    },
    # Summaries.
    "nothing_to_summarise": {
        "en": "There is nothing to summarise yet: this thread has no other posts.",
        "fr": "Il n'y a rien à résumer : ce fil n'a pas d'autre publication.",
        "es": "No hay nada que resumir: este hilo no tiene otras publicaciones.",
        "de": "Es gibt nichts zusammenzufassen: Dieser Thread hat keine anderen Beiträge.",
        "pt": "Não há nada para resumir: este fio não tem outras publicações.",
        "it": "Non c'è niente da riassumere: questo filo non ha altri post.",
    },
    "opened": {
        "en": "@{author} opened this thread with {quote}.",
        "fr": "@{author} a ouvert ce fil avec {quote}.",
        "es": "@{author} abrió este hilo con {quote}.",
        "de": "@{author} hat diesen Thread mit {quote} eröffnet.",
        "pt": "@{author} abriu este fio com {quote}.",
        "it": "@{author} ha aperto questo filo con {quote}.",
    },
    "besides_question": {
        "en": "Besides your question, it has {posts} by {people}: {names}.",
        "fr": "En plus de votre question, il compte {posts} de {people} : {names}.",
        "es": "Además de tu pregunta, tiene {posts} de {people}: {names}.",
        "de": "Neben deiner Frage hat er {posts} von {people}: {names}.",
        "pt": "Além da sua pergunta, tem {posts} de {people}: {names}.",
        "it": "Oltre alla tua domanda, ha {posts} di {people}: {names}.",
    },
    "besides_answers": {
        "en": "Besides your question and my answers, it has {posts} by {people}: {names}.",
        "fr": "En plus de votre question et de mes réponses, il compte {posts} de {people} : "
              "{names}.",
        "es": "Además de tu pregunta y mis respuestas, tiene {posts} de {people}: {names}.",
        "de": "Neben deiner Frage und meinen Antworten hat er {posts} von {people}: {names}.",
        "pt": "Além da sua pergunta e das minhas respostas, tem {posts} de {people}: {names}.",
        "it": "Oltre alla tua domanda e alle mie risposte, ha {posts} di {people}: {names}.",
    },
    "and_more": {
        "en": "and {n} more", "fr": "et {n} autres", "es": "y {n} más", "de": "und {n} weitere",
        "pt": "e mais {n}", "it": "e altri {n}",
    },
    "most_liked": {
        "en": "Most liked: {points}.", "fr": "Les plus aimés : {points}.",
        "es": "Lo más gustado: {points}.", "de": "Am meisten gemocht: {points}.",
        "pt": "Mais curtidas: {points}.", "it": "I più apprezzati: {points}.",
    },
    "links": {
        "en": "Links: {items}.", "fr": "Liens : {items}.", "es": "Enlaces: {items}.",
        "de": "Links: {items}.", "pt": "Links: {items}.", "it": "Link: {items}.",
    },
    "hashtags": {
        "en": "Hashtags: {items}.", "fr": "Hashtags : {items}.", "es": "Hashtags: {items}.",
        "de": "Hashtags: {items}.", "pt": "Hashtags: {items}.", "it": "Hashtag: {items}.",
    },
    "truncated": {
        "en": "(I read only the first {replies}.)",
        "fr": "(Je n'ai lu que le début : {replies}.)",
        "es": "(Solo leí el principio: {replies}.)",
        "de": "(Ich habe nur den Anfang gelesen: {replies}.)",
        "pt": "(Li só o começo: {replies}.)", "it": "(Ho letto solo l'inizio: {replies}.)",
    },
    # Explaining a post.
    "nothing_to_explain": {
        "en": "There is no post here for me to explain.",
        "fr": "Il n'y a pas de publication à expliquer ici.",
        "es": "Aquí no hay ninguna publicación que explicar.",
        "de": "Hier gibt es keinen Beitrag zu erklären.",
        "pt": "Não há nenhuma publicação aqui para explicar.",
        "it": "Qui non c'è nessun post da spiegare.",
    },
    "wrote": {
        "en": "{who} wrote on {date}: {quote}.", "fr": "{who} a écrit le {date} : {quote}.",
        "es": "{who} escribió el {date}: {quote}.", "de": "{who} schrieb am {date}: {quote}.",
        "pt": "{who} escreveu em {date}: {quote}.", "it": "{who} ha scritto il {date}: {quote}.",
    },
    "posted": {
        "en": "{who} posted this on {date}.", "fr": "{who} a publié ceci le {date}.",
        "es": "{who} publicó esto el {date}.", "de": "{who} hat das am {date} veröffentlicht.",
        "pt": "{who} publicou isto em {date}.", "it": "{who} ha pubblicato questo il {date}.",
    },
    "replies_to": {
        "en": "It replies to @{author}: {quote}.", "fr": "Elle répond à @{author} : {quote}.",
        "es": "Responde a @{author}: {quote}.", "de": "Er antwortet @{author}: {quote}.",
        "pt": "Responde a @{author}: {quote}.", "it": "Risponde a @{author}: {quote}.",
    },
    "first_post": {
        "en": "It is the first post of its thread.",
        "fr": "C'est la première publication de son fil.",
        "es": "Es la primera publicación de su hilo.",
        "de": "Es ist der erste Beitrag seines Threads.",
        "pt": "É a primeira publicação do seu fio.", "it": "È il primo post del suo filo.",
    },
    "content_warning": {
        "en": "It has a content warning: {quote}.",
        "fr": "Elle a un avertissement de contenu : {quote}.",
        "es": "Tiene una advertencia de contenido: {quote}.",
        "de": "Er hat eine Inhaltswarnung: {quote}.",
        "pt": "Tem um aviso de conteúdo: {quote}.", "it": "Ha un avviso sui contenuti: {quote}.",
    },
    "quotes": {
        "en": "It quotes @{author}: {quote}.", "fr": "Elle cite @{author} : {quote}.",
        "es": "Cita a @{author}: {quote}.", "de": "Er zitiert @{author}: {quote}.",
        "pt": "Cita @{author}: {quote}.", "it": "Cita @{author}: {quote}.",
    },
    "has_pictures": {
        "en": "It has {pictures}: {items}.", "fr": "Elle a {pictures} : {items}.",
        "es": "Tiene {pictures}: {items}.", "de": "Er hat {pictures}: {items}.",
        "pt": "Tem {pictures}: {items}.", "it": "Ha {pictures}: {items}.",
    },
    "no_description": {
        "en": "no description", "fr": "sans description", "es": "sin descripción",
        "de": "ohne Beschreibung", "pt": "sem descrição", "it": "senza descrizione",
    },
    "pic_recipe": {
        "en": "made with {engine} from the prompt {prompt}",
        "fr": "faite avec {engine} à partir du prompt {prompt}",
        "es": "hecha con {engine} a partir del prompt {prompt}",
        "de": "mit {engine} aus dem Prompt {prompt} gemacht",
        "pt": "feita com {engine} a partir do prompt {prompt}",
        "it": "fatta con {engine} dal prompt {prompt}",
    },
    "pic_this_prompt": {  # the alt text is the prompt: said once
        "en": "made with {engine} from this prompt",
        "fr": "faite avec {engine} à partir de ce prompt",
        "es": "hecha con {engine} a partir de este prompt",
        "de": "mit {engine} aus diesem Prompt gemacht",
        "pt": "feita com {engine} a partir deste prompt",
        "it": "fatta con {engine} da questo prompt",
    },
    "pic_made": {
        "en": "made with {engine}", "fr": "faite avec {engine}", "es": "hecha con {engine}",
        "de": "mit {engine} gemacht", "pt": "feita com {engine}", "it": "fatta con {engine}",
    },
    "pic_hidden": {
        "en": "made with {engine}, recipe hidden by the author",
        "fr": "faite avec {engine}, recette masquée par l'auteur",
        "es": "hecha con {engine}, receta oculta por el autor",
        "de": "mit {engine} gemacht, Rezept vom Autor verborgen",
        "pt": "feita com {engine}, receita oculta pelo autor",
        "it": "fatta con {engine}, ricetta nascosta dall'autore",
    },
    "pic_uploaded": {
        "en": "uploaded", "fr": "téléversée", "es": "subida", "de": "hochgeladen",
        "pt": "enviada", "it": "caricata",
    },
    "pic_uploaded_ai": {
        "en": "uploaded, marked as made with AI",
        "fr": "téléversée, signalée comme faite avec une IA",
        "es": "subida, marcada como hecha con IA",
        "de": "hochgeladen, als mit KI gemacht gekennzeichnet",
        "pt": "enviada, marcada como feita com IA", "it": "caricata, segnata come fatta con l'IA",
    },
    "counts": {
        "en": "It has {likes}, {reposts} and {replies}.",
        "fr": "Elle a {likes}, {reposts} et {replies}.",
        "es": "Tiene {likes}, {reposts} y {replies}.",
        "de": "Er hat {likes}, {reposts} und {replies}.",
        "pt": "Tem {likes}, {reposts} e {replies}.", "it": "Ha {likes}, {reposts} e {replies}.",
    },
}

# Singular and plural of the things the answers count.
NOUNS: dict[str, dict[str, tuple[str, str]]] = {
    "post": {"en": ("post", "posts"), "fr": ("publication", "publications"),
             "es": ("publicación", "publicaciones"), "de": ("Beitrag", "Beiträge"),
             "pt": ("publicação", "publicações"), "it": ("post", "post")},
    "person": {"en": ("person", "people"), "fr": ("personne", "personnes"),
               "es": ("persona", "personas"), "de": ("Person", "Personen"),
               "pt": ("pessoa", "pessoas"), "it": ("persona", "persone")},
    "like": {"en": ("like", "likes"), "fr": ("j'aime", "j'aime"),
             "es": ("me gusta", "me gusta"), "de": ("Like", "Likes"),
             "pt": ("curtida", "curtidas"), "it": ("mi piace", "mi piace")},
    "repost": {"en": ("repost", "reposts"), "fr": ("partage", "partages"),
               "es": ("republicación", "republicaciones"), "de": ("Repost", "Reposts"),
               "pt": ("compartilhamento", "compartilhamentos"),
               "it": ("condivisione", "condivisioni")},
    "reply": {"en": ("reply", "replies"), "fr": ("réponse", "réponses"),
              "es": ("respuesta", "respuestas"), "de": ("Antwort", "Antworten"),
              "pt": ("resposta", "respostas"), "it": ("risposta", "risposte")},
    "picture": {"en": ("picture", "pictures"), "fr": ("image", "images"),
                "es": ("imagen", "imágenes"), "de": ("Bild", "Bilder"),
                "pt": ("imagem", "imagens"), "it": ("immagine", "immagini")},
}
