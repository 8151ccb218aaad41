"""Unit-aligned chunks: a unit that fits the token budget is one chunk; a longer one is cut at
sentence boundaries. A chunk never spans two units, so every chunk has exactly one pinpoint."""

from __future__ import annotations

import re

from assistant.locators import heading_title
from assistant.models import Chunk, Unit
from assistant.tokens import count_tokens, truncate_tokens

SENTENCE_END = re.compile(r"(?<=[.;:])\s+(?=[A-Z(“\"0-9])|\n+")


LABEL_ONLY = re.compile(r"^(\d+\.|\([0-9a-z]+\))+$")


def split_sentences(text: str) -> list[str]:
    """Sentences, keeping a provision label ("1.", "(a)") with the words that follow it."""
    sentences: list[str] = []
    for piece in (p.strip() for p in SENTENCE_END.split(text)):
        if not piece:
            continue
        if sentences and LABEL_ONLY.match(sentences[-1].replace(" ", "")):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def _pieces(text: str, budget: int) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in split_sentences(text):
        tokens = count_tokens(sentence)
        while tokens > budget:  # one sentence longer than the budget: cut it
            head = truncate_tokens(sentence, budget)
            if current:
                pieces.append(" ".join(current))
                current, size = [], 0
            pieces.append(head)
            sentence = sentence[len(head) :].strip()
            tokens = count_tokens(sentence)
        if current and size + tokens > budget:
            pieces.append(" ".join(current))
            current, size = [], 0
        if sentence:
            current.append(sentence)
            size += tokens
    if current:
        pieces.append(" ".join(current))
    return pieces


def chunk_unit(unit: Unit, order: int, budget: int) -> list[Chunk]:
    text = unit.full_text
    pieces = [text] if count_tokens(text) <= budget else _pieces(text, budget)
    return [
        Chunk(
            id=f"{unit.doc}:{unit.unit}:{n}",
            doc=unit.doc,
            unit=unit.unit,
            heading=unit.heading,
            page=unit.page,
            text=piece,
            order=order,
        )
        for n, piece in enumerate(pieces)
    ]


def title_chunk(unit: Unit, order: int) -> Chunk | None:
    """An article's title ("Irrelevance of official capacity") as a search entry of its own, leading
    to the article's first unit: questions often paraphrase the title, which the embedder matches
    better alone than diluted in a long provision."""
    title = heading_title(unit.heading)
    if title is None:
        return None
    return Chunk(id=f"{unit.doc}:{unit.unit}:title", doc=unit.doc, unit=unit.unit, heading=unit.heading,
                 page=unit.page, text=title, order=order, kind="title")


def chunk_units(units: list[Unit], budget: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    previous_heading = None
    for order, unit in enumerate(units):
        if unit.heading != previous_heading and (title := title_chunk(unit, order)):
            chunks.append(title)
        previous_heading = unit.heading
        chunks.extend(chunk_unit(unit, order, budget))
    return chunks
