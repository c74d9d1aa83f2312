"""What a question asks the builtin engine: draw, edit the picture above, a recipe, who
made it, a summary, an explanation, or something it can't do.

Patterns match the folded question (builtin_lang.fold: lower case, no accents, same
length), and the prompt or change is cut from the original text, so that it keeps its
case and accents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from salon.assistant.engines.builtin_lang import fold
from salon.assistant.engines.builtin_phrases import STYLE, WITH, WITHOUT
from salon.assistant.engines.builtin_words import english

Kind = Literal["help", "draw", "edit", "recipe", "who", "summary", "explain", "other"]


@dataclass(frozen=True)
class Ask:
    kind: Kind
    text: str = ""  # the prompt to draw, or the change to make
    said: str = ""  # the change in the asker's words, for the answer
    removes: bool = False  # the change takes something out ("without the moon")


def _any(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


_MENTIONS = re.compile(r"^(?:\s*@[\w.-]+(?:@[\w.-]+)?[\s,:]*)+|(?:\s+@[\w.-]+(?:@[\w.-]+)?)+\s*$")
# Greetings, politeness and "now"/"and" that may open or close a request.
_OPENERS = re.compile(r"^(?:" + "|".join((
    r"hey|hi|hello|ok|okay|alright|great|nice|cool|so|and|then|now|and now|please|pls|plz",
    r"kindly|(?:can|could|would|will) (?:you|u)|would you mind|i'?d like you to|i want you to",
    r"salut|bonjour|coucou|alors|maintenant|et maintenant|stp|svp|s'il (?:te|vous) plait",
    r"peux[- ]tu|pourrais[- ]tu|tu peux|tu pourrais|pouvez[- ]vous|pourriez[- ]vous|et",
    r"hola|por favor|puedes|podrias|ahora|y ahora|bueno|vale|y",
    r"hallo|bitte|kannst du|konntest du|jetzt|nun|und jetzt|und|also",
    r"ola|oi|voce pode|pode|poderia|agora|e agora|e",
    r"ciao|per favore|puoi|potresti|ora|adesso|e ora",
)) + r")(?![\w'-])[\s,!.:;-]*")
_CLOSERS = re.compile(r"[\s,]*(?:(?<![\w'])(?:" + "|".join((
    r"please|pls|plz|thanks|thank you|merci|s'il (?:te|vous) plait|stp|svp|por favor",
    r"gracias|bitte|danke|per favore|grazie|obrigad[oa]",
)) + r"))?[\s.!?…,;:]*$")

# Questions about a picture's recipe, its author, a summary, an explanation.
_RECIPE = _any(
    r"\brecipes?\b|\bprompts?\b|\bseeds?\b",
    r"\bhow\b.*\b(?:made|created|generated|drawn|painted|done)\b",
    r"\b(?:what|which)\b.*\b(?:engine|model|settings)\b",
    r"\brecette\b|\bgraine\b|\bcomment\b.*\b(?:fait|faite|faites|cree|creee|genere|generee"
    r"|dessine|dessinee|realise|realisee)\b|\bquel(?:le)?s?\b.*\b(?:moteur|modele|reglages)\b",
    r"\breceta\b|\bsemilla\b|\bcomo\b.*\b(?:hecho|hecha|hizo|creo|creado|creada|genero"
    r"|generado|generada)\b|\b(?:que|cual)\b.*\b(?:motor|modelo|ajustes)\b",
    r"\brezept\b|\bwie\b.*\b(?:gemacht|erstellt|erzeugt|generiert|gezeichnet|entstanden)\b"
    r"|\b(?:welche|welches|welcher)\b.*\b(?:engine|modell|einstellungen)\b",
    r"\breceita\b|\bsemente\b|\bcomo\b.*\b(?:feito|feita|fez|criado|criada|gerado|gerada)\b"
    r"|\bqual\b.*\b(?:motor|modelo)\b",
    r"\bricetta\b|\bcome\b.*\b(?:fatto|fatta|creato|creata|generato|generata|disegnato)\b"
    r"|\bquale\b.*\b(?:motore|modello)\b",
)
_WHO = _any(
    r"\bwho\b.*\b(?:made|make|drew|draw|created|create|painted|posted|wrote|did)\b|\bwhose\b",
    r"\boriginal\b|\b(?:author|artist|creator)\b",
    r"\bqui\b.*\b(?:fait|dessine|cree|peint|poste|publie|ecrit)\b|\boriginale?\b|\bauteur",
    r"\bquien\b.*\b(?:hizo|dibujo|creo|pinto|publico|escribio)\b|\bautora?\b",
    r"\bwer\b.*\b(?:gemacht|gezeichnet|erstellt|gemalt|gepostet|geschrieben)\b|\burheber",
    r"\bquem\b.*\b(?:fez|desenhou|criou|pintou|postou|publicou|escreveu)\b",
    r"\bchi\b.*\b(?:fatto|disegnato|creato|dipinto|pubblicato|scritto)\b|\bautore\b",
)
_SUMMARY = _any(
    r"\bsummar(?:y|ies|ise|ize|ised|ized)\b|\btl ?;? ?dr\b|\brecap\b",
    r"\bresum", r"\bzusammenfass|\bfass\w*\b.*\bzusammen\b", r"\briassum|\briepilog",
    r"\bsintetiz",
)
_EXPLAIN = _any(
    r"\bexplain\b|\bwhat does (?:this|that|it) mean\b|\bwhat(?: is|'s|s) (?:this|that)\b"
    r"|\bwhat am i looking at\b|\bcontext\b",
    r"\bexpliqu|\bc'est quoi\b|\bqu'est[- ]ce que c'est\b|\bveut dire\b",
    r"\bexplica|\bque es esto\b|\bque significa\b", r"\berklar|\bwas ist das\b|\bbedeutet\b",
    r"\bo que e isso\b|\bo que significa\b", r"\bspieg|\bcos'e\b|\bcosa significa\b",
)

# "draw ...": a verb, perhaps "me", perhaps "a picture of"; the rest is the prompt.
_OF = r"(?:an? |one )?(?:picture|image|drawing|painting|illustration|sketch|photo|pic) of\s+"
_DRAW = _any(
    rf"^(?:draw|paint|sketch|illustrate|imagine|generate|create|render)(?: me)?\b\s*(?:{_OF})?",
    rf"^(?:(?:make|give|get|send|show)(?: me)?\s+|i(?:'d| would) like\s+|i want\s+)?{_OF}",
    r"^(?:me |m')?(?:dessine|dessinez|dessiner|peins|peignez|peindre|imagine|imaginez"
    r"|imaginer|genere|generez|generer|cree|creez|creer|illustre|illustrer)(?:[- ]moi)?\b\s*"
    r"(?:(?:un|une) (?:image|dessin|peinture|illustration|croquis|photo) (?:de |d'|du |des ))?",
    r"^(?:(?:fais|faites)(?:[- ]moi)?\s+)?(?:un|une) (?:image|dessin|peinture|illustration"
    r"|croquis) (?:de |d'|du |des )",
    r"^(?:me )?(?:dibuja|dibujame|dibujad|dibuje|dibujar|dibujarme|pinta|pintame|pintar"
    r"|pintarme|imagina|imaginate|imaginar|genera|generame|generar|crea|creame|crear|ilustra"
    r"|ilustrar)\b\s*(?:(?:un|una) (?:imagen|dibujo|pintura|ilustracion|foto) (?:de |del ))?",
    r"^(?:(?:haz|hazme|haga|hagame)\s+)?(?:un|una) (?:imagen|dibujo|pintura|ilustracion)"
    r" (?:de |del )",
    r"^(?:zeichne|zeichnet|male|malt|erzeuge|erstelle|generiere|stell dir vor|stelle dir vor"
    r"|illustriere|skizziere)(?: mir| uns)?\b\s*(?:(?:ein|eine|einen) (?:bild|zeichnung"
    r"|gemalde|illustration|foto|skizze) (?:von |vom ))?",
    r"^(?:(?:mach|mache|macht)(?: mir)?\s+)?(?:ein|eine) (?:bild|zeichnung|gemalde"
    r"|illustration|skizze) (?:von |vom )",
    r"^(?:me )?(?:desenhe|desenha|desenhar|pinte|pintar|imagine|imagina|imaginar|gere|gera"
    r"|gerar|crie|cria|criar|ilustre|ilustrar)(?:-me)?\b\s*"
    r"(?:(?:um|uma) (?:imagem|desenho|pintura|ilustracao|foto) (?:de |do |da ))?",
    r"^(?:(?:faca|faz|faz-me)\s+)?(?:um|uma) (?:imagem|desenho|pintura|ilustracao)"
    r" (?:de |do |da )",
    r"^(?:mi )?(?:disegna|disegnami|disegnate|disegnare|disegnarmi|dipingi|dipingimi"
    r"|dipingere|immagina|immaginare|genera|generami|generare|crea|creami|creare|illustra)\b"
    r"\s*(?:(?:un|una|un')\s*(?:immagine|disegno|dipinto|illustrazione|foto)"
    r" (?:di |del |della ))?",
    r"^(?:(?:fai|fammi)\s+)?(?:un|una|un')\s*(?:immagine|disegno|dipinto|illustrazione)"
    r" (?:di |del |della )",
)
# German puts the verb last: "(kannst du mir) einen Hund im Schnee zeichnen".
_ASKS_DE = re.compile(r"^\s*(?:@\S+\s+)*(?:kannst du|konntest du|wurdest du|bitte)\b")
_DRAW_LAST = re.compile(r"^(?:mir |uns )?(.+?)\s+(?:zeichnen|malen|erstellen|generieren"
                        r"|erzeugen|skizzieren)$")

# Edits of the picture above. Strong forms name the picture ("make it", "hazlo", "mach
# es") or the change ("add"); weak ones ("but ...", "with ...") could open a question,
# so they don't count when the question ends with "?".
_IT = r"(?:it|this|that|them|the (?:picture|image|pictures|images|drawing))"
_STRONG: tuple[tuple[str, str], ...] = (
    (rf"(?:make|render|paint|draw|redraw|redo|repaint|do|show|turn|change|transform|convert"
     rf"|switch) {_IT}(?: again)?(?: (?:but|look like|look|into|to|more|as an?|as))?\s+", "{x}"),
    (r"(?:add|put|include|give it|throw in)\s+", "with {x}"),
    (r"(?:remove|take out|get rid of|delete)\s+", "without {x}"),
    (r"(?:fais|faites|refais|rends|rendez|transforme|transformez|mets|mettez|change|changez"
     r"|dessine|redessine|peins)-(?:en|le|la|les)(?:[- ]moi)?\s+(?:en\s+)?", "{x}"),
    (r"(?:transforme|change|mets|rends) l'image\s+(?:en\s+)?", "{x}"),
    (r"(?:ajoute|ajoutez|ajoutes)\s+(?:-y\s+)?", "with {x}"),
    (r"(?:enleve|enlevez|retire|retirez|supprime|supprimez)\s+", "without {x}"),
    (r"(?:hazlo|hazla|hazlos|hazlas|ponlo|ponla|conviertelo|conviertela|transformalo"
     r"|transformala|cambialo|cambiala|rehazlo|rehazla|dibujalo|dibujala|pintalo|pintala"
     r"|vuelve a dibujarlo|vuelve a dibujarla)\s+(?:en\s+|como\s+)?", "{x}"),
    (r"(?:anade|anadele|agrega|agregale|ponle|incluye)\s+", "with {x}"),
    (r"(?:quita|quitale|elimina|borra)\s+", "without {x}"),
    (r"(?:mach|mache|macht|verwandle|verwandel|wandle|zeichne|male) (?:es|daraus|das bild"
     r"|dies)(?: (?:zu|in|als|noch ?mal|neu))?\s+", "{x}"),
    (r"(?:fuge|fug|fugt)\s+", "with {x}"),
    (r"(?:entferne|entfern|nimm)\s+", "without {x}"),
    (r"(?:faca|faz|deixe|deixa|transforme|transforma|converta|mude|desenhe|redesenhe)"
     r"(?:-(?:o|a|os|as)| (?:isso|isto|a imagem|ela|ele))\s+(?:em\s+|como\s+)?", "{x}"),
    (r"(?:adicione|adiciona|acrescente|acrescenta|coloque|coloca|ponha)\s+", "with {x}"),
    (r"(?:remova|tire|tira)\s+", "without {x}"),
    (r"(?:fallo|falla|falli|falle|rendilo|rendila|trasformalo|trasformala|mettilo|mettila"
     r"|cambialo|cambiala|ridisegnalo|ridisegnala|disegnalo|disegnala|dipingilo|dipingila)"
     r"\s+(?:in\s+|come\s+)?", "{x}"),
    (r"(?:aggiungi|aggiungici|mettici)\s+", "with {x}"),
    (r"(?:togli|rimuovi)\s+", "without {x}"),
)
_WEAK: tuple[tuple[str, str], ...] = (
    (r"(?:in|into) (?:the )?style of\s+", "style {x}"),
    (r"(?:dans le|au) style (?:de |d'|du )?|(?:al|en) estilo (?:de )?|im stil (?:von|des|der)"
     r" |(?:no|em) estilo (?:de )?|(?:nello|in) stile (?:di )?", "style {x}"),
    (r"with\s+|avec\s+|con\s+|mit\s+|com\s+", "with {x}"),
    (r"without\s+|sans\s+|sin\s+|ohne\s+|sem\s+|senza\s+", "without {x}"),
    (r"(?:the )?same(?: thing| picture| image| one)?(?: but)?\s+|again(?: but)?\s+"
     r"|but\s+|this time\s+|as (?:an? )?", "{x}"),
    (r"(?:pareil|la meme (?:chose|image))(?: mais)?\s+|mais\s+|en\s+|version\s+", "{x}"),
    (r"(?:lo mismo|igual)(?: pero)?\s+|pero\s+|como\s+", "{x}"),
    (r"(?:dasselbe|das gleiche|nochmal)(?: aber)?\s+|aber\s+|als\s+", "{x}"),
    (r"(?:o mesmo)(?: mas)?\s+|mas\s+", "{x}"),
    (r"(?:lo stesso|uguale)(?: ma)?\s+|ma\s+|come\s+", "{x}"),
    # A bare change: "at night", "de noche", "nachts".
    (r"(?=(?:at|by) (?:night|sunset|dawn|sunrise|dusk|noon|midnight)\b|in (?:winter|summer"
     r"|autumn|spring|the (?:rain|snow|fog))\b|(?:de|la) nuit\b|au coucher du soleil\b"
     r"|a l'aube\b|sous la (?:neige|pluie)\b|en hiver\b|(?:de|por la) noche\b"
     r"|al (?:atardecer|amanecer)\b|nachts\b|bei (?:nacht|sonnenuntergang)\b"
     r"|im (?:schnee|regen|winter)\b|(?:de|a) noite\b|ao por do sol\b|di notte\b"
     r"|al tramonto\b|all'alba\b)", "{x}"),
)
_STRONG_RE = [(re.compile("^" + p), t) for p, t in _STRONG]
_WEAK_RE = [(re.compile("^(?:" + p + ")"), t) for p, t in _WEAK]

# Changes said in another language, in the words image engines know best.
_GLOSSES: dict[str, tuple[str, ...]] = {
    "at night": ("night", "nuit", "de nuit", "la nuit", "nocturne", "noche", "de noche",
                 "por la noche", "nocturna", "nocturno", "nacht", "nachts", "bei nacht",
                 "noite", "de noite", "a noite", "notte", "di notte", "notturna", "notturno"),
    "at sunset": ("sunset", "coucher de soleil", "au coucher du soleil", "au coucher de soleil",
                  "atardecer", "al atardecer", "puesta de sol", "sonnenuntergang",
                  "bei sonnenuntergang", "por do sol", "ao por do sol", "tramonto",
                  "al tramonto"),
    "at dawn": ("dawn", "sunrise", "aube", "a l'aube", "amanecer", "al amanecer", "sonnenaufgang",
                "bei sonnenaufgang", "morgengrauen", "amanhecer", "ao amanhecer", "alba",
                "all'alba"),
    "snowy": ("neige", "sous la neige", "enneige", "enneigee", "neigeux", "neigeuse",
              "nieve", "con nieve", "nevado", "nevada", "schnee", "im schnee", "verschneit",
              "neve", "com neve", "innevato", "innevata", "con la neve", "sotto la neve"),
    "in the rain": ("pluie", "sous la pluie", "pluvieux", "lluvia", "bajo la lluvia",
                    "lluvioso", "regen", "im regen", "regnerisch", "chuva", "na chuva",
                    "chuvoso", "pioggia", "sotto la pioggia", "piovoso"),
    "in winter": ("hiver", "en hiver", "invierno", "en invierno", "im winter", "inverno",
                  "no inverno", "d'inverno", "in inverno"),
    "watercolor": ("aquarelle", "acuarela", "aquarell", "aquarela", "acquerello"),
    "ink": ("encre", "a l'encre", "tinta", "tinte", "inchiostro"),
    "oil painting": ("peinture a l'huile", "a l'huile", "oleo", "al oleo", "olgemalde",
                     "pintura a oleo", "a olio", "pittura a olio"),
    "black and white": ("noir et blanc", "en noir et blanc", "blanco y negro",
                        "en blanco y negro", "schwarzweiss", "schwarz-weiss",
                        "schwarz weiss", "preto e branco", "em preto e branco",
                        "bianco e nero", "in bianco e nero"),
}
_GLOSS = {phrase: english for english, phrases in _GLOSSES.items() for phrase in phrases}
_ARTICLE = re.compile(r"^(?:(?:an?|the|une?|les?|la|el|los|las|una|eine[nms]?|ein|der|die"
                      r"|das|uma?|os|as|o|il|lo|gli)\s+|(?:l'|un'|d')\s*)(?=\S)")
_VERSION = re.compile(r"^(?:(?:an?|une|una|eine|uma|un') ?)?(?:version|versione|versao"
                      r"|fassung)\s+")
_VERSION_AFTER = re.compile(r"\s+(?:version|versione)$")
_HINZU = re.compile(r"\s+(?:hinzu|dazu|weg|raus)$")
_PRONOUN = re.compile(r"^(?:it|this|that|them|this one|that one|something|anything|ca|cela"
                      r"|quelque chose|algo|es|das|etwas|isso|isto|qualcosa)(?: again)?$")
_QUOTES = "\"'“”«»„‘’ "


@dataclass(frozen=True)
class _Text:
    """The question's text and its folded twin, cut together."""

    text: str
    low: str

    def cut(self, start: int, end: int | None = None) -> _Text:
        end = len(self.text) if end is None else end
        return _Text(self.text[start:end], self.low[start:end])

    def tidy(self) -> _Text:
        """Without mentions, greetings and politeness at either end."""
        text = self
        while True:
            before = text.text
            for pattern in (_MENTIONS, _CLOSERS):
                for m in reversed(list(pattern.finditer(text.low))):
                    if m.end() > m.start():
                        text = _Text(text.text[:m.start()] + text.text[m.end():],
                                     text.low[:m.start()] + text.low[m.end():])
            stripped = len(text.low) - len(text.low.lstrip(" \t\n,.;:!?¿¡-\"“”«»„"))
            text = text.cut(stripped)
            opener = _OPENERS.match(text.low)
            if opener and opener.end() > 0:
                text = text.cut(opener.end())
            if text.text == before:
                return text


def parse(question: str, language: str) -> Ask:
    """What the question asks; `language` is the question's, for the joining words."""
    text = _Text(question, fold(question)).tidy()
    if not text.low.strip():
        return Ask("help")
    for pattern, template in _STRONG_RE:
        m = pattern.match(text.low)
        if m and m.end() < len(text.low):
            return _edit(text.cut(m.end()), template, language)
    m = _DRAW.match(text.low)
    if m:
        prompt = _prompt(text.cut(m.end()))
        # "draw it" names nothing to draw: the engine asks what.
        return Ask("draw", "" if _PRONOUN.match(fold(prompt)) else prompt)
    last = _DRAW_LAST.match(text.low) if _ASKS_DE.match(fold(question)) else None
    if last:
        return Ask("draw", _prompt(text.cut(last.start(1), last.end(1))))
    bare = _MENTIONS.sub("", question).strip()
    if not (bare.endswith("?") or bare.startswith("¿")):
        for pattern, template in _WEAK_RE:
            weak = pattern.match(text.low)
            if weak is None:
                continue
            rest = text.cut(weak.end())
            if rest.low.strip() and len(rest.low.split()) <= 8:
                return _edit(rest, template, language)
    for kind, questions in _QUESTIONS:
        if questions.search(text.low):
            return Ask(kind)
    return Ask("other")


_HELP = _any(
    r"^(?:help|aide|ayuda|hilfe|ajuda|aiuto)$|\bwhat can you do\b|\bwho are you\b",
    r"\bqui es[- ]tu\b|\bque sais[- ]tu faire\b|\bquien eres\b|\bque puedes hacer\b",
    r"\bwer bist du\b|\bwas kannst du\b|\bquem e voce\b|\bchi sei\b|\bcosa sai fare\b",
)
_QUESTIONS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    ("recipe", _RECIPE), ("who", _WHO), ("summary", _SUMMARY), ("explain", _EXPLAIN),
    ("help", _HELP))


def _prompt(text: _Text) -> str:
    """What to draw: without politeness, surrounding quotes or final punctuation."""
    text = text.tidy()
    return text.text.strip(_QUOTES).rstrip(" .!?…,;:").strip(_QUOTES).strip()


def _edit(rest: _Text, template: str, language: str) -> Ask:
    change = _prompt(rest)
    low = fold(change)
    if template in ("with {x}", "without {x}"):
        low, change = _drop(_HINZU, low, change)
    low, change = _drop(_VERSION, low, change)
    low, change = _drop(_VERSION_AFTER, low, change)
    if template == "{x}":
        # "into a watercolor": the change alone reads better after the prompt.
        low, change = _drop(_ARTICLE, low, change)
    if not change:
        return Ask("edit", "")
    if template == "with {x}" and language == "de":
        change = _dative(change)
    words = {"with {x}": WITH[language] + " {x}", "without {x}": WITHOUT[language] + " {x}",
             "style {x}": STYLE[language]}
    said = words.get(template, template).format(x=change)
    gloss = _GLOSS.get(low) or _GLOSS.get(_ARTICLE.sub("", low))
    if gloss is not None and template in ("{x}", "style {x}"):
        return Ask("edit", gloss, gloss if language == "en" else said)
    # The prompt is in English, for the image engine; the answer in the asker's words.
    prompt = _ENGLISH.get(template, template).format(x=english(change, language).prompt)
    return Ask("edit", prompt, said, removes=template == "without {x}")


_ENGLISH = {"with {x}": "with {x}", "without {x}": "without {x}", "style {x}": "{x} style"}


def _drop(pattern: re.Pattern[str], low: str, text: str) -> tuple[str, str]:
    m = pattern.search(low)
    if not m:
        return low, text
    return (low[:m.start()] + low[m.end():]).strip(), (text[:m.start()] + text[m.end():]).strip()


_DATIVE = {"einen": "einem", "eine": "einer", "ein": "einem", "den": "dem", "die": "der",
           "das": "dem"}


def _dative(change: str) -> str:
    """"mit" takes the dative: "füge einen Mond hinzu" gives "mit einem Mond"."""
    first, _, rest = change.partition(" ")
    article = _DATIVE.get(first.lower())
    if article is None or not rest:
        return change
    return f"{article if first.islower() else article.capitalize()} {rest}"
