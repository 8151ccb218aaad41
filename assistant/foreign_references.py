"""Provisions named in Spanish, French, Portuguese, Russian, Ukrainian or Arabic, rewritten the English
way so that the named-provision search finds them: "artículo 7(2)(f)", "article 7, paragraphe 2 f)",
"artigo 7.º, n.º 2, alínea f)", "стаття 7", "статьи 8 (2) b) xxii)", "المادة 7 (2) (و)", "regla 70",
"règle 70 c)", "правило 63(4)", "القاعدة 70" → "article 7(2)(f)", "rule 70(c)". A leaf module."""

from __future__ import annotations

import re

ARTICLE_WORDS = (r"art[íi]culos?|artigos?|articles?|art\.(?:º|°)?|стат(?:ья|ьи|ье|ью|ей|тя|ті|тю|тею|ей)|ст\.|"
                 r"(?:ال|لل|بال|و?ال)?مادت?ين|(?:و|ف|ب|ل)?(?:ال|لل)?مادة|(?:ال)?مواد")
RULE_WORDS = (r"reglas?|r[èe]gles?|regras?|правил(?:о|а|у|ом|е|ам|ами)?|"
              r"(?:و|ف|ب|ل)?(?:ال|لل)?قاعدة|(?:ال)?قواعد")
PARAGRAPH_WORDS = (r"p[áa]rrafos?|apartados?|incisos?|literal(?:es)?|letras?|numerales?|subp[áa]rrafos?|"
                   r"paragraphes?|alin[ée]as?|al\.|lettres?|points?|par\.|§|"
                   r"n\.\s?º|nº|n°|n\.°|n[úu]meros?|par[áa]grafos?|al[íi]neas?|subal[íi]neas?|"
                   r"пункт(?:а|у|е|ом|ы)?|подпункт(?:а|у|е|ом|ы)?|підпункт(?:у|і|ом)?|п\.|пп\.|"
                   r"част(?:ь|и|ью|ина|ини|иною|ині)|абзац(?:а|у)?|"
                   r"(?:ال)?فقرة|(?:ال)?فقرتين|(?:ال)?بند")
NUMBER = r"(?P<number>\d{1,3}|[IVX]{1,6}\b)(?:\s*\.?\s*[º°])?(?P<bis>\s*(?:bis|ter|quater)\b)?"
LABEL = r"[0-9]{1,3}|[ivx]{1,6}|[a-z]"
ARABIC_LETTERS = {"أ": "a", "ا": "a", "ب": "b", "ج": "c", "د": "d", "ه": "e", "هـ": "e", "و": "f", "ز": "g",
                  "ح": "h", "ط": "i", "ي": "j", "ك": "k", "ل": "l", "م": "m", "ن": "n"}
ARABIC_LABEL = "|".join(sorted(map(re.escape, ARABIC_LETTERS), key=len, reverse=True))
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

REFERENCE = re.compile(rf"(?<!\w)(?P<word>{ARTICLE_WORDS}|{RULE_WORDS})\s*\(?\s*{NUMBER}(?:\s*\))?", re.IGNORECASE)
NEXT_LABEL = re.compile(
    rf"\s*[,;]?\s*(?:"
    rf"(?:{PARAGRAPH_WORDS})\s*[«\"“(]?\s*(?P<named>{LABEL}|{ARABIC_LABEL})\s*[»\"”)]?(?![\w])"
    rf"|\(\s*(?P<bracketed>{LABEL}|{ARABIC_LABEL})\s*\)"
    rf"|(?P<closed>{LABEL})\s*\)"
    rf"|[.\-](?P<dotted>{LABEL})(?![\w])"
    rf")",
    re.IGNORECASE)
RULE = re.compile(RULE_WORDS, re.IGNORECASE)


def _labels(text: str, at: int) -> tuple[list[str], int]:
    labels: list[str] = []
    while match := NEXT_LABEL.match(text, at):
        label = next(v for v in match.groupdict().values() if v)
        labels.append(ARABIC_LETTERS.get(label, label.lower()))
        at = match.end()
    return labels, at


def english_references(question: str) -> str:
    """The question with provisions it names in another language written as "article N(…)" or
    "rule N(…)"; an English question comes back as it was."""
    text = question.translate(DIGITS)
    parts: list[str] = []
    at = 0
    for match in REFERENCE.finditer(text):
        if match.start() < at:
            continue
        if re.fullmatch(r"articles?|art\.", match.group("word"), re.IGNORECASE) and not _french_labels(text, match):
            continue  # English (and plain French) "article 7(2)(f)" is read as it is
        labels, end = _labels(text, match.end())
        kind = "rule" if RULE.fullmatch(match.group("word")) else "article"
        number = match.group("number")
        bis = f" {match.group('bis').strip().lower()}" if match.group("bis") else ""
        parts += [text[at:match.start()], f"{kind} {number}{bis}{''.join(f'({label})' for label in labels)}"]
        at = end
    return "".join(parts) + text[at:] if parts else question


def _french_labels(text: str, match: re.Match[str]) -> bool:
    """French writes "article 7, paragraphe 2 f)" or "article 8-2-b": labels the English grammar misses."""
    labels, _ = _labels(text, match.end())
    following = text[match.end():match.end() + 40]
    return bool(labels) and not following.lstrip().startswith("(")
