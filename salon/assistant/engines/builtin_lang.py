"""The builtin engine's languages: folding text for matching, guessing the question's
language, and trimming an answer to fit a post.

Only en, fr, es, de, pt and it are told apart, by small sets of common words; the
sentences themselves are in builtin_phrases.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

LANGUAGES = ("en", "fr", "es", "de", "pt", "it")

# Common words of each language, folded (lower case, no accents). A word several languages
# share counts for each of them in part, so "un" or "la" alone decides nothing.
_WORDS: dict[str, str] = {
    "en": """the this that these those what whats how who whose which why when where is are
        was were be been does do did can could would should will you your it its of and with
        for to from about please picture image photo draw paint sketch make made thread
        summarise summarize summary explain mean means true post here there my i not yes at
        night but add turn into style version like look just some any has have had an on by
        tell me hey hi thanks a in as""",
    "fr": """le la les un une des du de et est ce cet cette ces qui que quoi quel quelle
        comment pourquoi ou avec pour dans sur pas ne je tu il elle nous vous mon ton son mes
        moi toi fil image dessin dessine dessiner peins fais fait faire resume resumer
        explique expliquer veut dire c qu nuit mais ajoute plait merci svp stp bonjour salut
        au aux en cela ca version a transforme rends ajoute aquarelle refais enleve""",
    "es": """el la los las un una unos unas de del y es esto esta este que como quien cual
        por para con sin en pero hilo imagen dibujo dibuja dibujame dibujar pinta hazlo hazla
        noche resume resumen resumir explica explicar significa hola gracias favor puedes mi
        tu su muy al lo hizo hecho a conviertelo anade agrega acuarela quita""",
    "de": """der die das ein eine einen einem dem den des und ist es was wie wer welche
        welches warum nicht ich du mir mich bitte danke mit von vom im zu zum auf aber nacht
        nachts zeichne zeichnen male mach mache erklare erklaren bedeutet bild bilder faden
        zusammenfassen zusammenfassung fasse hallo kannst gemacht dieses diese in fuge
        verwandle hinzu aquarell entferne""",
    "pt": """o a os as um uma uns umas de do da dos das e isso isto este esta que como quem
        qual por para com sem em mas fio imagem desenho desenhe desenha pinte noite resuma
        resumo explique explica significa ola obrigado obrigada voce pode meu minha nao
        foi feito feita deixe adicione aquarela faca""",
    "it": """il lo la gli le un una uno di del della e questo questa che come chi quale
        perche per con senza in ma filo immagine disegno disegna disegnami dipingi notte
        riassumi riassunto spiega significa ciao grazie puoi mio mia non sono stato fatto a
        falla fallo aggiungi acquerello trasformala""",
}
_WEIGHTS: dict[str, dict[str, float]] = {}
for _language, _words in _WORDS.items():
    for _word in _words.split():
        _WEIGHTS.setdefault(_word, {})[_language] = 1.0
for _shares in _WEIGHTS.values():
    for _language in _shares:
        _shares[_language] = 1.0 / len(_shares)

_TOKEN = re.compile(r"[^\W\d_]+")
_NOISE = re.compile(r"https?://\S+|[@#][\w.@-]+")


def fold(text: str) -> str:
    """Lower case without accents, one character for each of `text`'s, so that a match in
    the folded text cuts the original at the same places."""
    out = []
    for char in text:
        if char in "’‘ʼ`´":
            out.append("'")
            continue
        low = char.lower()
        if len(low) != 1:
            low = char
        base = unicodedata.normalize("NFD", low)
        if len(base) > 1 and all(unicodedata.combining(c) for c in base[1:]):
            low = base[0]
        out.append(low)
    return "".join(out)


def detect(question: str, fallback: str) -> str:
    """The question's language; `fallback` (then English) when its words don't tell."""
    scores = dict.fromkeys(LANGUAGES, 0.0)
    for word in _TOKEN.findall(_NOISE.sub(" ", fold(question))):
        for language, weight in _WEIGHTS.get(word, {}).items():
            scores[language] += weight
    ranked = sorted(LANGUAGES, key=lambda lang: -scores[lang])
    best = ranked[0]
    if scores[best] > 0 and scores[best] > scores[ranked[1]] + 1e-9:
        return best
    return fallback if fallback in LANGUAGES else "en"


def clip(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary with "…" when longer than `limit`."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:max(limit, 0)]
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def fit(text: str, budget: int) -> str:
    """The answer cut to `budget` characters (keeping its line breaks when it fits)."""
    if len(text) <= budget:
        return text
    return clip(text, budget)


_MONTHS = {
    "en": "January February March April May June July August September October November "
          "December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre "
          "décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
          "diciembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November "
          "Dezember",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
          "dezembro",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre "
          "novembre dicembre",
}
_DATES = {"en": "{d} {m} {y}", "fr": "{d} {m} {y}", "es": "{d} de {m} de {y}",
          "de": "{d}. {m} {y}", "pt": "{d} de {m} de {y}", "it": "{d} {m} {y}"}


def long_date(when: datetime, language: str) -> str:
    """The day, as people write it: "4 December 2026", "4. Dezember 2026" (in UTC)."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    language = language if language in _MONTHS else "en"
    day = "1er" if language == "fr" and when.day == 1 else str(when.day)
    month = _MONTHS[language].split()[when.month - 1]
    return _DATES[language].format(d=day, m=month, y=when.year)
