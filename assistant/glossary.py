"""The instruments' English words for the legal words of a question in another language
(`corpus/glossary.toml`: "embarazo forzado" → "forced pregnancy", "изнасилован…" → "rape"), so that a
Spanish or Russian question is also searched with BM25 over the English texts and its provisions are
chosen by the words they use, as an English question's are."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

Glossary = dict[str, list[tuple[re.Pattern[str], str]]]


def load_glossary(path: Path | None) -> Glossary:
    if path is None:
        return {}
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    # a word starts after a non-letter; Arabic attaches prefixes (و, ب, ل, ال) to the word
    start = {language: r"" if language == "ar" else r"(?<!\w)" for language in table}
    return {language: [(re.compile(start[language] + f"(?:{pattern})", re.IGNORECASE), words)
                       for pattern, words in entries.items()]
            for language, entries in table.items()}


def english_words(question: str, language: str, glossary: Glossary) -> str:
    """The English words for the legal words the question uses, in the glossary's order, each once
    (empty when it uses none, or the language has no glossary)."""
    found = [words for pattern, words in glossary.get(language, []) if pattern.search(question)]
    return " ".join(dict.fromkeys(found))
