"""Is a question about something the corpus does not contain (case law, statistics, an instrument
or report that is not indexed)? Driven by `corpus/scope.toml` and the manifest's `aliases`."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from assistant.models import Source, alias_pattern


@dataclass(frozen=True)
class OutsideSource:
    name: str
    reason: str
    patterns: tuple[re.Pattern[str], ...]


def load_scope(path: Path | None, sources: list[Source], indexed: set[str]) -> list[OutsideSource]:
    entries: list[OutsideSource] = []
    if path is not None:
        for entry in tomllib.loads(path.read_text(encoding="utf-8")).get("outside", []):
            patterns = tuple(re.compile(p, re.IGNORECASE) for p in entry["patterns"])
            entries.append(OutsideSource(entry["name"], entry["reason"], patterns))
    for source in sources:
        if source.aliases and source.id not in indexed:
            reason = (f"The {source.title} is not in the corpus yet: add it with `assistant corpus sync` "
                      f"(see README, Corpus management) or upload it.")
            patterns = tuple(alias_pattern(a) for a in source.aliases)
            entries.append(OutsideSource(source.short_title, reason, patterns))
    return entries


def outside_reason(question: str, scope: list[OutsideSource]) -> str | None:
    """The reason to decline, or None when the question is about the corpus."""
    for entry in scope:
        if any(pattern.search(question) for pattern in entry.patterns):
            return entry.reason
    return None
