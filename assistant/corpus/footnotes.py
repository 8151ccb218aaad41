"""Collect footnote text from PDF footnote lines, keyed by footnote number."""

from __future__ import annotations

import re

from assistant.corpus.pdf import PdfLine

FOOTNOTE_START = re.compile(r"^(\d+)\s+(.*)$")


def collect_footnotes(lines: list[PdfLine]) -> dict[str, str]:
    """Footnotes are numbered in sequence through a document; a line that starts with the next
    number opens a new footnote, any other footnote line continues the current one."""
    notes: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines:
        if line.role != "footnote":
            continue
        match = FOOTNOTE_START.match(line.text)
        expected = 1 if current is None else int(current) + 1
        if match and int(match.group(1)) in (expected, expected + 1):
            current = match.group(1)
            notes[current] = [match.group(2)]
        elif current is not None:
            notes[current].append(line.text)
    return {number: re.sub(r"\s+", " ", " ".join(parts)).strip() for number, parts in notes.items()}


def note_text(number: str, footnotes: dict[str, str]) -> str | None:
    text = footnotes.get(number)
    return f"Footnote {number}: {text}" if text else None
