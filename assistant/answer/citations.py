"""Citation checks for generated answers (compare instructor's validated citations: a quote must be
found in the text it cites).

A generated answer is split into sentences. A sentence that states the law must end with `[n]`
markers naming sources the model was given; every span it puts in quotation marks must be found in
the cited source, tolerating differences of whitespace, case, quotation marks and dashes. Each
sentence ends `kept`, `flagged` (shown with a visible warning) or `removed`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.models import Passage, SentenceCheck
from assistant.terms import content_stems

MARKERS = re.compile(r"\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")
QUOTED = re.compile(r"“([^”]+)”|\"([^\"]+)\"|«([^»]+)»|„([^“”]+)[“”]")
ELLIPSIS = re.compile(r"\.\.\.|…|\[\s*\.\.\.\s*\]")
SENTENCE_BREAK = re.compile(r"(?<=[.!?\]])\s+(?=[A-Z“\"«(])")
LIST_PREFIX = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
LIST_LABEL = re.compile(r"^(?:\d+|[a-z]|[ivx]+)[.)]$")
FOLD = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'", "′": "'",
                      "–": "-", "—": "-", "‑": "-", "\u00a0": " "})
MIN_SHARED_TERMS = 0.25  # share of a sentence's content words that the cited sources must contain
FLAG = "⚠ unverified"


@dataclass
class Piece:
    text: str
    new_line: bool  # the sentence starts a new line of the answer


def split_pieces(text: str) -> list[Piece]:
    """Sentences of a generated answer, remembering which ones start a line."""
    pieces: list[Piece] = []
    for line in text.splitlines():
        sentences = [s.strip() for s in SENTENCE_BREAK.split(line.strip()) if s.strip()]
        if len(sentences) > 1 and LIST_LABEL.match(sentences[0]):  # "1. The source …" is one item
            sentences[:2] = [f"{sentences[0]} {sentences[1]}"]
        pieces += [Piece(sentence, new_line=i == 0) for i, sentence in enumerate(sentences)]
    return pieces


def complete_pieces(buffer: str) -> tuple[list[Piece], str]:
    """While streaming: the sentences known to be complete, and the text still being written."""
    cut = previous = buffer.rfind("\n") + 1
    for match in SENTENCE_BREAK.finditer(buffer, cut):
        if not LIST_LABEL.match(buffer[previous : match.start()].strip()):  # "1." waits for its item
            cut = match.end()
        previous = match.end()
    return split_pieces(buffer[:cut]), buffer[cut:]


def markers_of(sentence: str) -> list[int]:
    found: list[int] = []
    for group in MARKERS.findall(sentence):
        numbers = [int(n) for n in re.findall(r"\d+", group)]
        if re.search(r"[–-]", group) and len(numbers) == 2 and 0 < numbers[1] - numbers[0] < 20:
            numbers = list(range(numbers[0], numbers[1] + 1))  # [1-3]
        found += [n for n in numbers if n not in found]
    return found


def quotes_of(sentence: str) -> list[str]:
    return [next(g for g in groups if g).strip() for groups in QUOTED.findall(sentence)]


def _folded(text: str) -> tuple[str, list[int]]:
    """Text with quote marks, dashes, case and runs of whitespace made uniform, and for each
    character of it the position of the original character it came from."""
    chars: list[str] = []
    origin: list[int] = []
    for position, ch in enumerate(text.translate(FOLD).casefold()):
        if ch.isspace():
            if chars and chars[-1] == " ":
                continue
            ch = " "
        chars.append(ch)
        origin.append(position)
    return "".join(chars), origin


def locate_quote(quote: str, text: str) -> str | None:
    """The verbatim span of `text` that `quote` reproduces, or None if it is not there.
    A quote shortened with an ellipsis must match each of its parts."""
    parts = [p.strip(" ,;:.") for p in ELLIPSIS.split(quote)]
    parts = [p for p in parts if p]
    if not parts:
        return None
    haystack, origin = _folded(text)
    spans: list[tuple[int, int]] = []
    for part in parts:
        needle, _ = _folded(part)
        start = haystack.find(needle.strip())
        if start < 0:
            return None
        spans.append((origin[start], origin[start + len(needle.strip()) - 1] + 1))
    return text[min(s for s, _ in spans): max(e for _, e in spans)]


def states_law(sentence: str) -> bool:
    """Connectives ("In short:") and fragments state nothing that needs a citation."""
    bare = MARKERS.sub("", LIST_PREFIX.sub("", sentence)).strip()
    return len(bare.split()) >= 4 and not bare.endswith(":")


def check_sentence(sentence: str, sources: dict[int, Passage]) -> tuple[SentenceCheck, dict[int, str]]:
    """Verify one sentence against the numbered sources; also return the located quotes by marker."""
    markers = markers_of(sentence)
    if not markers:
        if states_law(sentence):
            return SentenceCheck(text=sentence, status="flagged", reason="no citation"), {}
        return SentenceCheck(text=sentence, status="kept", reason="no legal statement"), {}
    unknown = [n for n in markers if n not in sources]
    if unknown:
        listed = ", ".join(f"[{n}]" for n in unknown)
        return SentenceCheck(text=sentence, markers=markers, status="removed",
                             reason=f"cites {listed}, which is not one of the sources"), {}
    located: dict[int, str] = {}
    for quote in quotes_of(sentence):
        found = next(((n, span) for n in markers if (span := locate_quote(quote, sources[n].text))), None)
        if found is None:
            return SentenceCheck(text=sentence, markers=markers, status="removed",
                                 reason=f"quoted words not found in the cited source: “{quote[:120]}”"), {}
        located.setdefault(found[0], found[1])
    stems = content_stems(MARKERS.sub(" ", sentence))
    cited = set().union(*(content_stems(sources[n].text + " " + sources[n].heading) for n in markers))
    if stems and len(stems & cited) / len(stems) < MIN_SHARED_TERMS:
        return SentenceCheck(text=sentence, markers=markers, status="flagged",
                             reason="the cited source does not use the terms of this sentence"), located
    quotes = f"; {len(located)} quote(s) found" if located else ""
    return SentenceCheck(text=sentence, markers=markers, status="kept",
                         reason=f"cites {', '.join(f'[{n}]' for n in markers)}{quotes}"), located


def render_checked(checks: list[SentenceCheck], pieces: list[Piece]) -> str:
    """The answer as shown: removed sentences left out, flagged ones marked visibly."""
    out = ""
    for check, piece in zip(checks, pieces):
        if check.status == "removed":
            continue
        text = check.text if check.status == "kept" else f"{check.text} ({FLAG}: {check.reason})"
        out += ("\n" if piece.new_line else " ") + text if out else text
    return out


def legal_sentences(checks: list[SentenceCheck]) -> list[SentenceCheck]:
    return [c for c in checks if c.markers or c.reason == "no citation"]
