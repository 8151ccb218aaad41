"""Retrieval metrics at two levels: the pinpoint (unit) and the article or rule it belongs to."""

from __future__ import annotations

import re

from assistant.retrieval import is_within


def article_of(locator: str) -> str:
    """`art. 7(2)(f)` → `art. 7`; `rule 70(c)` → `rule 70`; `art. 7(1)(g)-1` → `art. 7`."""
    match = re.match(r"^((?:annex [IVX]+, )?(?:art\.|rule) [0-9IVX]+(?: bis| ter| quater)?)", locator)
    if match:
        return match.group(1)
    return locator.split(",")[0]


def matches(cited: tuple[str, str], gold: tuple[str, str], level: str) -> bool:
    if cited[0] != gold[0]:
        return False
    if level == "article":
        return article_of(cited[1]) == article_of(gold[1])
    return is_within(cited[1], gold[1])


def hit_at_k(cited: list[tuple[str, str]], gold: list[tuple[str, str]], k: int, level: str) -> bool:
    """At least one gold provision among the first k citations."""
    return any(matches(c, g, level) for c in cited[:k] for g in gold)
