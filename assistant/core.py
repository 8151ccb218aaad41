"""The assistant: open the index once, then answer questions with pinpoint citations."""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from datetime import datetime, timezone

from assistant.answer.extractive import compose_answer, decline
from assistant.config import Settings
from assistant.corpus.manifest import load_manifest
from assistant.embedding import load_embedder
from assistant.errors import InvalidQuestionError
from assistant.index import IndexStore, open_index
from assistant.models import Answer, Passage
from assistant.retrieval import Retriever
from assistant.scope import load_scope, outside_reason


def clean_question(question: str, max_chars: int) -> str:
    """Normalise a question; raise InvalidQuestionError for an empty or oversized one."""
    if not isinstance(question, str):
        raise InvalidQuestionError("the question must be text")
    text = unicodedata.normalize("NFC", question)
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise InvalidQuestionError("the question is empty: type a question about the corpus")
    if len(text) > max_chars:
        raise InvalidQuestionError(
            f"the question is {len(text):,} characters long; the limit is {max_chars:,}. "
            "Ask about one issue at a time, or quote only the relevant part of a text."
        )
    return text


class Assistant:
    """`Assistant.open()` then `ask(question)` → `Answer`."""

    def __init__(self, settings: Settings, store: IndexStore) -> None:
        self.settings = settings
        self.store = store
        self.sources = load_manifest(settings.manifest_path)
        self.embedder = load_embedder(settings.embedding_package)
        self.retriever = Retriever(store, self.embedder, self.sources, settings)
        self._log_lock = threading.Lock()
        self.scope = load_scope(settings.resolve(settings.scope), self.sources, set(self.indexed_documents))

    @classmethod
    def open(cls, settings: Settings | None = None, *, allow_stale: bool = False) -> "Assistant":
        settings = settings or Settings()
        return cls(settings, open_index(settings, allow_stale=allow_stale))

    def configured(self, **overrides) -> "Assistant":
        """The same index and model with other settings (evaluation presets)."""
        return Assistant(self.settings.model_copy(update=overrides), self.store)

    @property
    def indexed_documents(self) -> list[str]:
        return list(self.store.manifest.get("indexed", []))

    def _instrument_names(self, docs: list[str] | None) -> list[str]:
        by_id = {s.id: s for s in self.sources}
        wanted = docs or self.indexed_documents
        return [by_id[d].short_title for d in wanted if d in by_id and d in self.indexed_documents]

    def retrieve(
        self, question: str, *, doc: str | list[str] | None = None, k: int | None = None,
        history: list[str] | None = None,
    ) -> list[Passage]:
        return self._retrieve(question, self._docs(doc), k, history)[1].passages

    def _retrieve(self, question, docs, k, history):
        text = clean_question(question, self.settings.max_question_chars)
        query = text
        if history:  # a follow-up is read together with the question before it
            query = f"{text} {clean_question(history[-1], self.settings.max_question_chars)}"
        return text, self.retriever.retrieve(query, docs=docs, k=k)

    def _docs(self, doc: str | list[str] | None) -> list[str] | None:
        if doc is None:
            return None
        docs = [doc] if isinstance(doc, str) else list(doc)
        unknown = [d for d in docs if d not in self.indexed_documents]
        if unknown:
            raise InvalidQuestionError(
                f"unknown or unindexed document: {', '.join(unknown)}; "
                f"indexed: {', '.join(self.indexed_documents)}"
            )
        return docs

    def ask(
        self, question: str, *, doc: str | list[str] | None = None, k: int | None = None,
        history: list[str] | None = None,
    ) -> Answer:
        """Answer from the corpus with pinpoint citations, or decline and say why."""
        answer = self._answer(question, doc, k, history)
        if self.settings.log_questions:  # off by default: questions can concern survivors' cases
            self._log(answer)
        return answer

    def _log(self, answer: Answer) -> None:
        path = self.settings.resolve(self.settings.question_log)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "question": answer.question,
                  "declined": answer.declined, "citations": [f"{c.doc}: {c.unit}" for c in answer.citations]}
        with self._log_lock, path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _answer(self, question, doc, k, history) -> Answer:
        docs = self._docs(doc)
        text, retrieval = self._retrieve(question, docs, k, history)
        passages = retrieval.passages
        instruments = self._instrument_names(docs)
        if retrieval.unmatched and not any(p.exact for p in passages):
            missing = ", ".join(f"{self._short_title(r.doc)}, {r.locator}" for r in retrieval.unmatched)
            return decline(text, instruments, f"the provision named does not exist in the corpus: {missing}")
        outside = outside_reason(text, self.scope)
        if outside and not any(p.exact for p in passages):
            return decline(text, instruments, outside)
        if not passages:
            return decline(text, instruments, "nothing was retrieved")
        best = max(p.dense for p in passages)
        if not any(p.exact for p in passages) and best < self.settings.decline_threshold:
            return decline(
                text, instruments,
                f"best match similarity {best:.2f} is below the threshold {self.settings.decline_threshold:.2f}",
            )
        top = max(p.score for p in passages)
        relevant = [p for p in passages if p.exact or (
            p.dense >= self.settings.decline_threshold and p.score >= self.settings.cite_relative_score * top)]
        return compose_answer(text, relevant or passages[:1])

    def _short_title(self, doc: str) -> str:
        return next((s.short_title for s in self.sources if s.id == doc), doc)
