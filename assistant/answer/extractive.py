"""The default answerer: no LLM. Quotes, verbatim, the sentence of each retrieved provision that
best addresses the question, each line ending with its citation marker."""

from __future__ import annotations

import re

from assistant.chunking import split_sentences
from assistant.models import CRIME_ELEMENTS, Answer, Citation, Passage
from assistant.prompts import load_prompt
from assistant.terms import content_stems

DEFINITION_QUESTION = re.compile(r"\b(what (is|are|does)|define|definition|meaning|mean)\b", re.I)
ELEMENTS_QUESTION = re.compile(r"\belements?\b|\bprove\b|\bmust be (shown|proved|proven)\b", re.I)


def _sentence_score(sentence: str, question_stems: set[str], definition: bool, position: int) -> float:
    stems = content_stems(sentence)
    overlap = len(stems & question_stems)
    score = overlap / (1.0 + 0.05 * len(stems))
    if definition and " means " in sentence:
        score += 0.5
    return score - 0.01 * position


def best_quote(passage: Passage, question: str) -> str:
    """The verbatim span of the passage to quote: the best sentence, or all elements of a crime."""
    if passage.family == CRIME_ELEMENTS and ELEMENTS_QUESTION.search(question) and "\n" in passage.text:
        body = passage.text.split("\nFootnote ")[0]
        return body
    sentences = split_sentences(passage.text)
    if not sentences:
        return passage.text
    question_stems = content_stems(question)
    definition = bool(DEFINITION_QUESTION.search(question))
    scored = [(_sentence_score(s, question_stems, definition, i), i, s) for i, s in enumerate(sentences)]
    return max(scored)[2]


def compose_answer(question: str, passages: list[Passage]) -> Answer:
    template = load_prompt("extractive_line")
    lines: list[str] = []
    citations: list[Citation] = []
    for marker, passage in enumerate(passages, start=1):
        quote = best_quote(passage, question)
        first, *rest = quote.split("\n")
        lines.append(template.format(label=passage.citation_label, quote=first.strip(), marker=marker))
        lines.extend(f"{piece.strip()} [{marker}]" for piece in rest)  # further elements of a crime
        citations.append(Citation.of(marker, passage, quote))
    return Answer(question=question, answer="\n".join(lines), declined=False, citations=citations)


def decline(question: str, instruments: list[str], reason: str) -> Answer:
    text = load_prompt("decline").format(instruments=", ".join(instruments))
    return Answer(question=question, answer=text, declined=True, reason=reason)
