"""The languages a post may be written in, as Mastodon knows them: ISO 639-1 codes, the
regional variants it offers, and the ISO 639-3 codes of languages 639-1 lacks. A post's
`language` must be one of these (any case: stored as written here)."""

from __future__ import annotations

from salon.errors import Invalid

ISO_639_1 = {
    "aa": "Afar", "ab": "Abkhaz", "ae": "Avestan", "af": "Afrikaans", "ak": "Akan",
    "am": "Amharic", "an": "Aragonese", "ar": "Arabic", "as": "Assamese", "av": "Avaric",
    "ay": "Aymara", "az": "Azerbaijani", "ba": "Bashkir", "be": "Belarusian",
    "bg": "Bulgarian", "bh": "Bihari", "bi": "Bislama", "bm": "Bambara", "bn": "Bengali",
    "bo": "Tibetan", "br": "Breton", "bs": "Bosnian", "ca": "Catalan", "ce": "Chechen",
    "ch": "Chamorro", "co": "Corsican", "cr": "Cree", "cs": "Czech",
    "cu": "Church Slavonic", "cv": "Chuvash", "cy": "Welsh", "da": "Danish", "de": "German",
    "dv": "Divehi", "dz": "Dzongkha", "ee": "Ewe", "el": "Greek", "en": "English",
    "eo": "Esperanto", "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian",
    "ff": "Fula", "fi": "Finnish", "fj": "Fijian", "fo": "Faroese", "fr": "French",
    "fy": "Western Frisian", "ga": "Irish", "gd": "Scottish Gaelic", "gl": "Galician",
    "gn": "Guaraní", "gu": "Gujarati", "gv": "Manx", "ha": "Hausa", "he": "Hebrew",
    "hi": "Hindi", "ho": "Hiri Motu", "hr": "Croatian", "ht": "Haitian Creole",
    "hu": "Hungarian", "hy": "Armenian", "hz": "Herero", "ia": "Interlingua",
    "id": "Indonesian", "ie": "Interlingue", "ig": "Igbo", "ii": "Nuosu", "ik": "Inupiaq",
    "io": "Ido", "is": "Icelandic", "it": "Italian", "iu": "Inuktitut", "ja": "Japanese",
    "jv": "Javanese", "ka": "Georgian", "kg": "Kongo", "ki": "Kikuyu", "kj": "Kwanyama",
    "kk": "Kazakh", "kl": "Kalaallisut", "km": "Khmer", "kn": "Kannada", "ko": "Korean",
    "kr": "Kanuri", "ks": "Kashmiri", "ku": "Kurmanji (Kurdish)", "kv": "Komi",
    "kw": "Cornish", "ky": "Kyrgyz", "la": "Latin", "lb": "Luxembourgish", "lg": "Ganda",
    "li": "Limburgish", "ln": "Lingala", "lo": "Lao", "lt": "Lithuanian",
    "lu": "Luba-Katanga", "lv": "Latvian", "mg": "Malagasy", "mh": "Marshallese",
    "mi": "Māori", "mk": "Macedonian", "ml": "Malayalam", "mn": "Mongolian",
    "mr": "Marathi", "ms": "Malay", "mt": "Maltese", "my": "Burmese", "na": "Nauru",
    "nb": "Norwegian Bokmål", "nd": "Northern Ndebele", "ne": "Nepali", "ng": "Ndonga",
    "nl": "Dutch", "nn": "Norwegian Nynorsk", "no": "Norwegian", "nr": "Southern Ndebele",
    "nv": "Navajo", "ny": "Chichewa", "oc": "Occitan", "oj": "Ojibwe", "om": "Oromo",
    "or": "Odia", "os": "Ossetian", "pa": "Punjabi", "pi": "Pāli", "pl": "Polish",
    "ps": "Pashto", "pt": "Portuguese", "qu": "Quechua", "rm": "Romansh", "rn": "Kirundi",
    "ro": "Romanian", "ru": "Russian", "rw": "Kinyarwanda", "sa": "Sanskrit",
    "sc": "Sardinian", "sd": "Sindhi", "se": "Northern Sami", "sg": "Sango",
    "si": "Sinhala", "sk": "Slovak", "sl": "Slovenian", "sm": "Samoan", "sn": "Shona",
    "so": "Somali", "sq": "Albanian", "sr": "Serbian", "ss": "Swati",
    "st": "Southern Sotho", "su": "Sundanese", "sv": "Swedish", "sw": "Swahili",
    "ta": "Tamil", "te": "Telugu", "tg": "Tajik", "th": "Thai", "ti": "Tigrinya",
    "tk": "Turkmen", "tl": "Tagalog", "tn": "Tswana", "to": "Tongan", "tr": "Turkish",
    "ts": "Tsonga", "tt": "Tatar", "tw": "Twi", "ty": "Tahitian", "ug": "Uyghur",
    "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek", "ve": "Venda", "vi": "Vietnamese",
    "vo": "Volapük", "wa": "Walloon", "wo": "Wolof", "xh": "Xhosa", "yi": "Yiddish",
    "yo": "Yoruba", "za": "Zhuang", "zh": "Chinese", "zu": "Zulu",
}
REGIONAL = {
    "es-AR": "Español (Argentina)", "es-MX": "Español (México)",
    "pt-BR": "Português (Brasil)", "pt-PT": "Português (Portugal)",
    "sr-Latn": "Srpski (latinica)", "zh-CN": "简体中文", "zh-HK": "繁體中文（香港）",
    "zh-TW": "繁體中文（臺灣）",
}
ISO_639_3 = {
    "ast": "Asturian", "chr": "Cherokee", "ckb": "Sorani (Kurdish)", "cnr": "Montenegrin",
    "csb": "Kashubian", "fil": "Filipino", "gsw": "Swiss German", "jbo": "Lojban",
    "kab": "Kabyle", "ldn": "Láadan", "lfn": "Lingua Franca Nova", "moh": "Mohawk",
    "nds": "Low German", "pdc": "Pennsylvania Dutch", "sco": "Scots",
    "sma": "Southern Sami", "smj": "Lule Sami", "szl": "Silesian", "tok": "Toki Pona",
    "vai": "Vai", "xal": "Kalmyk", "yue": "Cantonese", "zba": "Balaibalan",
    "zgh": "Standard Moroccan Tamazight",
}
LANGUAGES: dict[str, str] = {**ISO_639_1, **REGIONAL, **ISO_639_3}
_BY_KEY = {code.lower(): code for code in LANGUAGES}


def language(raw: str | None, field: str = "language") -> str | None:
    """The code as stored (None for none given); Invalid naming `field` when unknown."""
    if raw is None or not raw.strip():
        return None
    found = _BY_KEY.get(raw.strip().replace("_", "-").lower())
    if found is None:
        raise Invalid(f"{field} must be an ISO 639 language code Salon knows (ISO 639-1 like "
                      f"en or pt-BR, or ISO 639-3 like ast); {raw.strip()[:20]!r} is not one.",
                      field)
    return found
