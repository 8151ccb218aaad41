"""Retrieval metrics at two levels: the pinpoint (unit) and the article or rule it belongs to."""

from __future__ import annotations

from assistant.retrieval import article_of, is_within


def matches(cited: tuple[str, str], gold: tuple[str, str], level: str) -> bool:
    if cited[0] != gold[0]:
        return False
    if level == "article":
        return article_of(cited[1]) == article_of(gold[1])
    return is_within(cited[1], gold[1])


def hit_at_k(cited: list[tuple[str, str]], gold: list[tuple[str, str]], k: int, level: str) -> bool:
    """At least one gold provision among the first k citations."""
    return any(matches(c, g, level) for c in cited[:k] for g in gold)
