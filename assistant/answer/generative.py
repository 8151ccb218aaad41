"""Answers written by a language model, verified sentence by sentence against the sources.

The model sees the retrieved provisions as numbered sources and must cite them by `[n]`. As the
reply streams in, each finished sentence is checked (`assistant.citations`) before it is shown.
If the model fails (unreachable, too slow, malformed reply) or too little of its answer survives
the checks, the extractive answer is given instead, with a notice saying why.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from assistant.answer.citations import (
    Piece,
    check_sentence,
    complete_pieces,
    legal_sentences,
    render_checked,
    split_pieces,
)
from assistant.answer.extractive import best_quote, compose_answer, decline
from assistant.answer.llm import LLMTimeout, describe_failure
from assistant.answer.questions import question_kind
from assistant.answer.select import Selection
from assistant.config import Settings
from assistant.models import Answer, Citation, Draft, Passage, SentenceCheck
from assistant.prompts import REFUSAL, load_prompt

MAX_STANDALONE_CHARS = 600


def neutralise(text: str) -> str:
    """Source text cannot close its own <source> element and pose as instructions outside it."""
    return text.replace("<source", "‹source").replace("</source", "‹/source")


def _attribute(text: str) -> str:
    """Text as the value of an attribute of a <source> element: it cannot close the quotation marks."""
    return neutralise(text).replace('"', "'")


def answer_messages(question: str, passages: list[Passage]) -> list:
    from llama_index.core.llms import ChatMessage, MessageRole

    template = load_prompt("source")
    sources = "\n\n".join(
        template.format(marker=n, label=neutralise(p.citation_label), division=_attribute(p.division),
                        text=neutralise(p.text))
        for n, p in enumerate(passages, start=1)
    )
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=load_prompt("system")),
        ChatMessage(role=MessageRole.USER, content=load_prompt("answer_with_citations").format(
            sources=sources, question=question)),
    ]


class GenerativeAnswerer:
    def __init__(self, llm, settings: Settings) -> None:
        self.llm = llm
        self.settings = settings
        self.backend = settings.llm_backend

    # ---- follow-ups

    def condense(self, question: str, history: list[str]) -> tuple[str | None, str]:
        """A follow-up made standalone by the model, or None (with a notice if the model failed)."""
        from llama_index.core.llms import ChatMessage, MessageRole

        prompt = load_prompt("condense_followup").format(
            history="\n".join(f"- {h}" for h in history[-3:]), question=question)
        try:
            reply = self.llm.chat([ChatMessage(role=MessageRole.USER, content=prompt)]).message.content or ""
        except Exception as exc:  # noqa: BLE001 - any model failure ends in the caller's fallback
            return None, f"Follow-up read with the previous question: {describe_failure(exc, self.settings)}."
        standalone = next((line.strip(" \"“”'") for line in reply.splitlines() if line.strip()), "")
        if not standalone or len(standalone) > MAX_STANDALONE_CHARS or REFUSAL in standalone:
            return None, ""
        return standalone, ""

    # ---- answers

    def stream(self, question: str, passages: list[Passage], instruments: list[str],
               fallback: Answer | None = None) -> Iterator[Draft | Answer]:
        """Verified drafts as the model writes, then the final Answer; `fallback` is the extractive
        answer shown instead when the model fails or its answer fails the checks."""
        self._extractive = fallback
        sources = dict(enumerate(passages, start=1))
        pieces: list[Piece] = []
        checks: list[SentenceCheck] = []
        quotes: dict[int, str] = {}
        reply = ""
        try:
            for delta in self._deltas(answer_messages(question, passages)):
                reply += delta
                if REFUSAL.startswith(reply.strip()[: len(REFUSAL)]):
                    continue  # it may be the refusal sentinel: show nothing yet
                done, _ = complete_pieces(reply)
                if len(done) > len(pieces):
                    for piece in done[len(pieces):]:
                        self._check(piece, sources, pieces, checks, quotes)
                    yield Draft(text=render_checked(checks, pieces))
        except Exception as exc:  # noqa: BLE001 - unreachable, slow or malformed: answer extractively
            why = describe_failure(exc, self.settings)
            yield self._fallback(question, passages, checks, f"{why[0].upper()}{why[1:]}.", fallback)
            return
        if REFUSAL in reply:
            yield decline(question, instruments, "the language model found no answer in the provisions retrieved")
            return
        for piece in split_pieces(reply)[len(pieces):]:
            self._check(piece, sources, pieces, checks, quotes)
        yield self._finish(question, passages, pieces, checks, quotes, fallback)

    def _deltas(self, messages) -> Iterator[str]:
        deadline = time.monotonic() + self.settings.llm_timeout
        for response in self.llm.stream_chat(messages):
            if time.monotonic() > deadline:
                raise LLMTimeout()
            yield response.delta or ""

    @staticmethod
    def _check(piece: Piece, sources, pieces: list[Piece], checks: list[SentenceCheck], quotes: dict[int, str]) -> None:
        check, located = check_sentence(piece.text, sources)
        pieces.append(piece)
        checks.append(check)
        for marker, span in located.items():
            quotes.setdefault(marker, span)

    def _finish(self, question, passages, pieces, checks, quotes, fallback: Answer | None) -> Answer:
        if not checks:
            return self._fallback(question, passages, checks, "The language model sent an empty reply.", fallback)
        legal = legal_sentences(checks)
        kept = [c for c in legal if c.status == "kept"]
        removed = sum(c.status == "removed" for c in checks)
        if not kept or len(kept) / len(legal) < self.settings.verify_min_kept:
            flagged = sum(c.status == "flagged" for c in checks)
            return self._fallback(
                question, passages, checks,
                f"The model's answer did not pass the citation checks ({len(kept)} of {len(legal)} legal "
                f"statements verified, {removed} removed, {flagged} flagged).", fallback)
        cited = sorted({n for c in checks if c.status != "removed" for n in c.markers})
        citations = [self._citation(n, passages[n - 1], question, quotes) for n in cited]
        notice = (f"{removed} sentence(s) of the model's answer were removed: their citation did not match the "
                  "sources." if removed else "")
        return Answer(question=question, answer=render_checked(checks, pieces), declined=False, citations=citations,
                      backend=self.backend, notice=notice, sentences=checks)

    @staticmethod
    def _citation(marker: int, passage: Passage, question: str, quotes: dict[int, str]) -> Citation:
        quote = quotes.get(marker) or best_quote(passage, question)  # a located quote is verbatim source text
        return Citation.of(marker, passage, quote)

    def _fallback(self, question: str, passages: list[Passage], checks: list[SentenceCheck], why: str,
                  fallback: Answer | None = None) -> Answer:
        answer = fallback or compose_answer(question, Selection(cited=passages, related=[]), question_kind(question))
        return answer.model_copy(update={
            "backend": "extractive-fallback", "sentences": checks,
            "notice": f"{why} Showing the quoted provisions instead.",
        })
