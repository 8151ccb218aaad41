"""Is a question about something the corpus does not contain (case law, statistics, an instrument
or report that is not indexed)? Driven by `corpus/scope.toml` and the manifest's `aliases`."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from assistant.models import Source, alias_pattern
from assistant.prompts import ANSWER_LANGUAGES, load_prompt


@dataclass(frozen=True)
class OutsideSource:
    name: str
    reason: str
    patterns: tuple[re.Pattern[str], ...]
    reasons: dict[str, str] = field(default_factory=dict)  # the reason in other languages, by language code

    def reason_in(self, language: str) -> str:
        return self.reasons.get(language, self.reason)


def load_scope(path: Path | None, sources: list[Source], indexed: set[str]) -> list[OutsideSource]:
    entries: list[OutsideSource] = []
    if path is not None:
        for entry in tomllib.loads(path.read_text(encoding="utf-8")).get("outside", []):
            patterns = tuple(re.compile(p, re.IGNORECASE) for p in entry["patterns"])
            entries.append(OutsideSource(entry["name"], entry["reason"], patterns, dict(entry.get("reasons", {}))))
    for source in sources:
        if source.aliases and source.id not in indexed:
            reasons = {language: load_prompt("decline_not_indexed", language).format(title=source.title)
                       for language in ANSWER_LANGUAGES}
            patterns = tuple(alias_pattern(a) for a in source.aliases)
            entries.append(OutsideSource(source.short_title, reasons["en"], patterns, reasons))
    return entries


def outside_reason(question: str, scope: list[OutsideSource], language: str = "en") -> str | None:
    """The reason to decline (in `language` when the scope file translates it), or None when the
    question is about the corpus."""
    for entry in scope:
        if any(pattern.search(question) for pattern in entry.patterns):
            return entry.reason_in(language)
    return None
