"""Prompt and message templates live as text files in `prompts/`, versioned by `prompts/VERSION`.

The fixed phrases of an answer (its lead's connective, declines, the labels around it) are translated
for the languages answers speak: `prompts/<language>/<name>.txt` (es, fr, ar, uk, ru, pt), with the
same fields as the English file."""

from __future__ import annotations

import hashlib
from functools import cache, lru_cache

from assistant.config import PROJECT_ROOT

PROMPTS = PROJECT_ROOT / "prompts"
REFUSAL = "INSUFFICIENT_SOURCES"  # what the model replies when the sources do not answer
ENGLISH = "en"
ANSWER_LANGUAGES = ("en", "es", "fr", "ar", "uk", "ru", "pt")  # the languages an extractive answer speaks
# The phrases an extractive answer shows in the question's language (every translation has each of them).
TRANSLATED = (
    "closest_provisions", "commentary_line", "crime_under", "decline", "decline_no_provision", "decline_not_indexed",
    "decline_searched", "definition_line", "label_closest", "label_related", "label_searched_as", "lead_commentary",
    "lead_definition", "lead_elements", "lead_provision", "lead_term_absent", "lead_term_found", "lead_term_more",
    "lead_term_one_more", "multilingual_unavailable",
)


def translations() -> list[str]:
    """The languages with translated phrases (`prompts/<language>/`)."""
    return sorted(p.name for p in PROMPTS.iterdir() if p.is_dir())


@cache
def load_prompt(name: str, language: str = ENGLISH) -> str:
    """A template in English, or in `language` for the translated phrases when it has them (a language
    without translations gets English)."""
    if language != ENGLISH and name in TRANSLATED and (PROMPTS / language).is_dir():
        return (PROMPTS / language / f"{name}.txt").read_text(encoding="utf-8").strip()
    return (PROMPTS / f"{name}.txt").read_text(encoding="utf-8").strip()


@lru_cache(maxsize=1)
def prompt_version() -> str:
    """`<VERSION>+<hash of every template>`: a changed template shows even when VERSION was not bumped."""
    digest = hashlib.sha256()
    for path in sorted(PROMPTS.rglob("*.txt")):
        digest.update(path.relative_to(PROMPTS).as_posix().encode() + b"\0" + path.read_bytes())
    number = (PROMPTS / "VERSION").read_text(encoding="utf-8").strip()
    return f"{number}+{digest.hexdigest()[:8]}"
