"""Which language a question is written in: English, or one of the six the answers speak (Spanish,
French, Arabic, Ukrainian, Russian, Portuguese), or another one.

The script decides first (Arabic letters; Cyrillic, told apart by the letters only Ukrainian or only
Russian uses), then `py3langid` (BSD-3, its model ships in the wheel) among the Latin-script
languages. A question is taken as English unless the detector is confident that it is not: legal
English full of names and numbers ("Rule 70?", "Ongwen") must never lose the English pipeline.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.prompts import ANSWER_LANGUAGES, ENGLISH

LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French", "ar": "Arabic", "uk": "Ukrainian",
                  "ru": "Russian", "pt": "Portuguese"}
LATIN_CANDIDATES = ["en", "es", "fr", "pt", "de", "it", "nl"]
# Probability the most likely language must have for a Latin-script question to be taken as not English: the
# share of all the other languages together would take a short English question with a name ("Was Bemba
# convicted?": English 0.17, Portuguese 0.34, the other five the rest) for Portuguese.
CONFIDENT = 0.5
# A question opening with a word only English uses ("Define enslavement.", which the detector takes for German):
# English, however short
ENGLISH_OPENING = re.compile(r"^\W*(?:define|explain|describe|list|what|how|which|who|why|does|can|could|should|must"
                             r"|are|where|when)\b", re.IGNORECASE)
ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F]")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
PORTUGUESE = re.compile(r"[ãõ]|(?<!\w)(?:o|os|não|é|da|do|das|dos|em|um|uma|ao|às|pelo|pela|você)(?!\w)", re.IGNORECASE)
SPANISH = re.compile(r"[ñ¿¡]|(?<!\w)(?:el|los|del|es|un|una|al|por el|usted|qué|cómo)(?!\w)", re.IGNORECASE)
ONLY_UKRAINIAN = re.compile(r"[іїєґІЇЄҐ]")
ONLY_RUSSIAN = re.compile(r"[ыэъёЫЭЪЁ]")
UKRAINIAN_WORDS = re.compile(r"(?<!\w)(?:що|чи|як|це|який|яка|які|та|або|у|від|для|щодо|суд|статт\w*)(?!\w)",
                             re.IGNORECASE)
RUSSIAN_WORDS = re.compile(r"(?<!\w)(?:что|как|это|какой|какая|какие|или|для|от|статья|стать\w+|суд\w*|ли)(?!\w)",
                           re.IGNORECASE)


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(LATIN_CANDIDATES)
    return identifier


def load_detector() -> None:
    """Load the detector's model now (about 1 s) rather than at the first question."""
    _identifier()


def _cyrillic(text: str) -> str:
    ukrainian = len(ONLY_UKRAINIAN.findall(text)) + len(UKRAINIAN_WORDS.findall(text))
    russian = len(ONLY_RUSSIAN.findall(text)) + len(RUSSIAN_WORDS.findall(text))
    return "uk" if ukrainian > russian else "ru"


def answer_language(language: str) -> str:
    """The language an answer's fixed words are written in: the question's, if translated, else English."""
    return language if language in ANSWER_LANGUAGES else ENGLISH


def _spanish_or_portuguese(text: str) -> str:
    """The two are close on a short question: their own letters and small words tell them apart."""
    portuguese = len(PORTUGUESE.findall(text))
    spanish = len(SPANISH.findall(text))
    if portuguese != spanish:
        return "pt" if portuguese > spanish else "es"
    ranked = dict(_identifier().rank(text))
    return "pt" if ranked.get("pt", 0.0) > ranked.get("es", 0.0) else "es"


@lru_cache(maxsize=1024)
def detect_language(text: str) -> str:
    """An ISO 639-1 code: `en`, `es`, `fr`, `ar`, `uk`, `ru`, `pt`, or another language's code."""
    arabic, cyrillic, latin = (len(p.findall(text)) for p in (ARABIC, CYRILLIC, LATIN))
    if arabic > latin and arabic >= cyrillic:
        return "ar"
    if cyrillic > latin:
        return _cyrillic(text)
    if latin == 0 or ENGLISH_OPENING.search(text):
        return ENGLISH
    ranked = dict(_identifier().rank(text))
    words = re.findall(r"[^\W\d_]{3,}", re.sub(r"\([^)]*\)", " ", text))  # not the labels of "art. 8(2)(b)(xxii)"
    language = max(ranked, key=ranked.__getitem__)
    if language != ENGLISH and ranked[language] >= CONFIDENT and len(words) >= 2:
        return _spanish_or_portuguese(text) if language in ("es", "pt") else language
    return ENGLISH
