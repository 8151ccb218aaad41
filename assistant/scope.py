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
    # a provision number in such a question is that instrument's own ("Rule 96 of the ICTY Rules" is not the ICC's
    # rule 96): the question is declined even though the corpus has a provision of that number
    names_own_provisions: bool = False

    def reason_in(self, language: str) -> str:
        return self.reasons.get(language, self.reason)


def load_scope(path: Path | None, sources: list[Source], indexed: set[str]) -> list[OutsideSource]:
    entries: list[OutsideSource] = []
    if path is not None:
        for entry in tomllib.loads(path.read_text(encoding="utf-8")).get("outside", []):
            patterns = tuple(re.compile(p, re.IGNORECASE) for p in entry["patterns"])
            entries.append(OutsideSource(entry["name"], entry["reason"], patterns, dict(entry.get("reasons", {})),
                                         bool(entry.get("names_own_provisions", False))))
    for source in sources:
        if source.aliases and source.id not in indexed:
            reasons = {language: load_prompt("decline_not_indexed", language).format(title=source.title)
                       for language in ANSWER_LANGUAGES}
            patterns = tuple(alias_pattern(a) for a in source.aliases)
            entries.append(OutsideSource(source.short_title, reasons["en"], patterns, reasons))
    return entries


def outside_source(question: str, scope: list[OutsideSource]) -> OutsideSource | None:
    """What the question asks about that the corpus does not contain, or None when it is about the corpus."""
    return next((entry for entry in scope if any(pattern.search(question) for pattern in entry.patterns)), None)
