"""Drawing subjects said in French, Spanish, German, Portuguese or Italian, in English for
the image prompt: the sketch engine (and most models) read English only.

Small tables, word by word: common subjects, colours, light and weather, a few joining
words; articles are dropped and a colour after its noun ("un chat noir") goes before it
("black cat"). Words the tables don't know stay as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from salon.assistant.engines.builtin_lang import fold

# "forms=english; ...": folded forms (no accents), "_" joins the words of a phrase.
# Nouns include when and weather ("de nuit": "at night"); "+" marks a plural form.
_NOT_PLURAL = {"fish", "sea", "sky", "night", "day", "snow", "rain", "fog", "sunset",
               "sunrise", "dawn", "dusk", "winter", "summer", "autumn", "spring", "ocean"}
_NOUNS = {
    "fr": """chat chatte=cat; chien chienne=dog; renard=fox; oiseau=bird;
        cheval chevaux+=horse; poisson=fish; bateau voilier navire=boat;
        maison=house; arbre=tree; fleur=flower; montagne=mountain; mer=sea; ocean=ocean;
        phare=lighthouse; lune=moon; soleil=sun; etoile=star; ville=city; foret=forest;
        riviere fleuve=river; chateau chateaux+=castle; voiture auto=car; robot=robot;
        dragon=dragon; hibou hiboux+ chouette=owl; lapin=rabbit; ours=bear; baleine=whale;
        ciel=sky; lac=lake; plage=beach; desert=desert; jardin=garden; nuage=cloud;
        nuit=night; jour=day; neige=snow; pluie=rain; tempete orage=storm;
        coucher_de_soleil coucher_du_soleil=sunset; lever_de_soleil lever_du_soleil=sunrise;
        aube=dawn; crepuscule=dusk; hiver=winter; ete=summer; automne=autumn;
        printemps=spring; brouillard brume=fog; de_nuit la_nuit=at_night""",
    "es": """gato gata=cat; perro perra=dog; zorro=fox; pajaro ave=bird; caballo=horse;
        pez peces+=fish; barco velero=boat; casa=house; arbol=tree; flor=flower;
        montana=mountain; mar=sea; oceano=ocean; faro=lighthouse; luna=moon; sol=sun;
        estrella=star; ciudad=city; bosque=forest; rio=river; castillo=castle;
        coche carro auto=car; robot=robot; dragon=dragon; buho lechuza=owl;
        conejo=rabbit; oso=bear; ballena=whale; cielo=sky; lago=lake; playa=beach;
        desierto=desert; jardin=garden; nube=cloud; noche=night; dia=day; nieve=snow;
        lluvia=rain; tormenta tempestad=storm; atardecer puesta_de_sol puesta_del_sol=sunset;
        amanecer=dawn; invierno=winter; verano=summer; otono=autumn; primavera=spring;
        niebla=fog; de_noche por_la_noche=at_night""",
    "de": """katze kater=cat; hund=dog; fuchs=fox; vogel=bird; pferd=horse;
        fisch=fish; boot schiff segelboot=boat; haus hauser+=house; baum baume+=tree;
        blume=flower; berg=mountain; meer=sea; see=lake; ozean=ocean; leuchtturm=lighthouse;
        mond=moon; sonne=sun; stern=star; stadt stadte+=city; wald walder+=forest;
        fluss flusse+=river; burg schloss=castle; auto=car; roboter=robot; drache=dragon;
        eule=owl; hase kaninchen=rabbit; bar baren+=bear; wal=whale; himmel=sky;
        strand=beach; wuste=desert; garten=garden; wolke=cloud; nacht=night; tag=day;
        schnee=snow; regen=rain; sturm gewitter=storm; sonnenuntergang=sunset;
        sonnenaufgang=sunrise; morgengrauen=dawn; dammerung=dusk; winter=winter;
        sommer=summer; herbst=autumn; fruhling=spring; nebel=fog;
        nachts bei_nacht=at_night""",
    "pt": """gato gata=cat; cao cachorro cadela=dog; raposa=fox; passaro ave=bird;
        cavalo=horse; peixe=fish; barco navio veleiro=boat; casa=house; arvore=tree;
        flor=flower; montanha=mountain; mar=sea; oceano=ocean; farol=lighthouse; lua=moon;
        sol=sun; estrela=star; cidade=city; floresta=forest; rio=river; castelo=castle;
        carro=car; robo=robot; dragao=dragon; coruja=owl; coelho=rabbit; urso=bear;
        baleia=whale; ceu=sky; lago=lake; praia=beach; deserto=desert; jardim=garden;
        nuvem=cloud; noite=night; dia=day; neve=snow; chuva=rain; tempestade=storm;
        por_do_sol=sunset; nascer_do_sol amanhecer=sunrise; inverno=winter; verao=summer;
        outono=autumn; primavera=spring; nevoeiro neblina=fog; de_noite a_noite=at_night""",
    "it": """gatto gatta gatti+=cat; cane cani+=dog; volpe=fox; uccello uccelli+=bird;
        cavallo cavalli+=horse; pesce pesci+=fish; barca nave veliero=boat; casa=house;
        albero alberi+=tree; fiore fiori+=flower; montagna=mountain; mare=sea;
        oceano=ocean; faro=lighthouse; luna=moon; sole=sun; stella=star; citta=city;
        foresta bosco=forest; fiume=river; castello=castle; macchina auto=car;
        robot=robot; drago=dragon; gufo civetta=owl; coniglio=rabbit; orso=bear;
        balena=whale; cielo=sky; lago=lake; spiaggia=beach; deserto=desert;
        giardino=garden; nuvola=cloud; notte=night; giorno=day; neve=snow;
        pioggia=rain; tempesta temporale=storm; tramonto=sunset; alba=dawn;
        inverno=winter; estate=summer; autunno=autumn; primavera=spring; nebbia=fog;
        di_notte=at_night""",
}
_COLOURS = {
    "fr": """rouge=red; bleu bleue=blue; vert verte=green; jaune=yellow; noir noire=black;
        blanc blanche=white; orange=orange; rose=pink; violet violette=purple;
        gris grise=grey; marron brun brune=brown; dore doree=golden; argente=silver""",
    "es": """rojo roja=red; azul azules=blue; verde verdes=green; amarillo amarilla=yellow;
        negro negra=black; blanco blanca=white; naranja=orange; rosa=pink;
        morado morada violeta=purple; gris grises=grey; marron marrones=brown;
        dorado dorada=golden; plateado plateada=silver""",
    "de": """rot=red; blau=blue; grun=green; gelb=yellow; schwarz=black; weiss=white;
        orange=orange; rosa=pink; lila violett=purple; grau=grey; braun=brown;
        golden=golden; silbern=silver""",
    "pt": """vermelho vermelha=red; azul azuis=blue; verde=green; amarelo amarela=yellow;
        preto preta=black; branco branca=white; laranja=orange; rosa=pink;
        roxo roxa=purple; cinza=grey; marrom castanho=brown; dourado dourada=golden;
        prateado prateada=silver""",
    "it": """rosso rossa rossi rosse=red; blu azzurro azzurra=blue; verde verdi=green;
        giallo gialla gialli gialle=yellow; nero nera neri nere=black;
        bianco bianca bianchi bianche=white; arancione=orange; rosa=pink; viola=purple;
        grigio grigia=grey; marrone=brown; dorato dorata=golden; argentato=silver""",
}
# Joining words and a few adjectives: not subjects.
_OTHER = {
    "fr": """dans en=in; sous=under; sur=on; au-dessus_de au-dessus_du=above; avec=with;
        sans=without; et=and; deux=two; trois=three; de du d'=of; a au aux=at;
        pres_de=near; devant=in_front_of; derriere=behind; grand grande=big;
        petit petite=small; vieux vieille=old""",
    "es": """en=in; bajo=under; sobre=over; con=with; sin=without; y=and; dos=two;
        tres=three; de del=of; al=at; cerca_de=near; grande=big; pequeno pequena=small;
        viejo vieja=old""",
    "de": """in im=in; unter=under; auf=on; uber=over; mit=with; ohne=without; und=and;
        zwei=two; drei=three; von vom=of; am an bei=at; vor=in_front_of; hinter=behind;
        neben=beside; gross grosse grossen grosser grosses=big;
        klein kleine kleinen kleiner kleines=small; alt alte alten alter altes=old""",
    "pt": """em no na nos nas num numa=in; sob=under; sobre=over; com=with; sem=without;
        e=and; dois duas=two; tres=three; de do da dos das=of; ao=at; perto_de=near;
        grande=big; pequeno pequena=small; velho velha=old""",
    "it": """in nel nella nei nelle negli=in; sotto=under; su sul sulla=on; con=with;
        senza=without; e=and; due=two; tre=three; di del della dei delle=of; al alla=at;
        vicino_a=near; grande=big; piccolo piccola=small; vecchio vecchia=old""",
}
_ARTICLES = {
    "fr": "le la les l' un une des",
    "es": "el la los las un una unos unas",
    "de": "der die das den dem des ein eine einen einem einer eines",
    "pt": "o a os as um uma uns umas",
    "it": "il lo la i gli le l' un uno una un'",
}


def _plural(noun: str) -> str:
    if noun in _NOT_PLURAL:
        return noun
    if noun.endswith(("x", "s", "sh", "ch")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _table(rows: str) -> dict[tuple[str, ...], str]:
    table: dict[tuple[str, ...], str] = {}
    for row in rows.split(";"):
        forms, _, english = row.partition("=")
        english = english.strip().replace("_", " ")
        for form in forms.split():
            plural = form.endswith("+")  # a plural form: "chevaux+" is "horses"
            table[tuple(_words(form.rstrip("+").replace("_", " ")))] = (
                _plural(english) if plural else english)
    return table


_TOKEN = re.compile(r"[^\W\d_]+'|[\w-]+|[^\w\s]")


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class _Language:
    nouns: dict[tuple[str, ...], str]
    colours: dict[tuple[str, ...], str]
    other: dict[tuple[str, ...], str]
    articles: frozenset[str]


_LANGUAGES = {lang: _Language(_table(_NOUNS[lang]), _table(_COLOURS[lang]),
                              _table(_OTHER[lang]), frozenset(_ARTICLES[lang].split()))
              for lang in _NOUNS}
_LONGEST = 3  # words in the longest phrase of the tables


@dataclass(frozen=True)
class English:
    prompt: str  # the prompt for the image engine
    recognised: int  # subjects, colours, light and weather the tables knew


def english(prompt: str, language: str) -> English:
    """`prompt` (in `language`) with the words the tables know in English."""
    tables = _LANGUAGES.get(language)
    if tables is None:
        return English(prompt, 0)
    found_at = list(_TOKEN.finditer(fold(prompt)))  # fold keeps the places: cut `prompt`
    raw = [prompt[m.start():m.end()] for m in found_at]
    low = [m.group() for m in found_at]
    out: list[tuple[str, str]] = []  # (word, kind): noun, colour or other
    recognised = 0
    i = 0
    while i < len(raw):
        found = _phrase(tables, low, i)
        if found is not None:
            length, word, kind = found
            out.append((word, kind))
            recognised += kind != "other"
            i += length
            continue
        if low[i] in tables.articles:
            i += 1
            continue
        found_word = _word(tables, low[i], language)
        if found_word is not None:
            out.append(found_word)
            recognised += 1
        else:
            out.append((raw[i], "other"))
        i += 1
    if language != "de":  # "chat noir": the colour goes before its noun
        for j in range(len(out) - 1):
            if out[j][1] == "noun" and out[j + 1][1] == "colour":
                out[j], out[j + 1] = out[j + 1], out[j]
    text = " ".join(word for word, _ in out)
    return English(re.sub(r"\s+([,.;:!?])", r"\1", text).strip(), recognised)


def _phrase(tables: _Language, low: list[str], i: int) -> tuple[int, str, str] | None:
    """The longest phrase of the tables at `i`, with its length and kind."""
    for length in range(min(_LONGEST, len(low) - i), 0, -1):
        key = tuple(low[i:i + length])
        for table, kind in ((tables.nouns, "noun"), (tables.colours, "colour"),
                            (tables.other, "other")):
            if key in table:
                return length, table[key], kind
    return None


def _word(tables: _Language, word: str, language: str) -> tuple[str, str] | None:
    """A noun or colour by its plural or inflected form: "chats", "Katzen", "schwarze"."""
    endings = ("n", "e", "en", "er", "es", "em") if language == "de" else ("s", "x", "es")
    for ending in endings:
        stem = word[:-len(ending)]
        if not word.endswith(ending) or len(stem) < 2:
            continue
        if (stem,) in tables.colours:
            return tables.colours[(stem,)], "colour"
        if (stem,) in tables.nouns:
            noun = tables.nouns[(stem,)]
            return _plural(noun), "noun"
    return None

