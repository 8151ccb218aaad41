"""The assistant: open the index once, then answer questions with pinpoint citations."""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime

from assistant.answer.composer import Composer
from assistant.answer.extractive import decline
from assistant.answer.questions import QuestionKind, concordance_term, question_kind
from assistant.answer.select import Selection
from assistant.config import Settings
from assistant.conflicts import conflict_of, conflict_of_provision, without_conflict
from assistant.corpus.manifest import load_manifest
from assistant.embedding import embedder_of, relevance_embedder_of
from assistant.errors import InvalidQuestionError
from assistant.followups import in_the_conflict_asked, is_follow_up
from assistant.index import IndexStore, open_index
from assistant.language import ENGLISH, LANGUAGE_NAMES, answer_language, detect_language, load_detector
from assistant.models import Answer, Draft, Passage, Turn, Unit
from assistant.private import append_private
from assistant.prompts import load_prompt, prompt_version
from assistant.retrieval import Retriever, merge_by_score
from assistant.scope import load_scope, outside_source
from assistant.terms import content_stems
from assistant.uploads import DOC_PREFIX, UploadSnapshot, UploadStore

UPLOADS = "uploads"  # the document filter value that stands for every uploaded document
CLOSEST = 2  # provisions listed with a decline, when the question's topic is in the corpus
STREAM_WORDS = 12  # words of the first streamed draft of an extractive answer
STREAM_DRAFTS = 2  # drafts of an extractive answer before the whole of it (each is an event to the web page)


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

    def __init__(self, settings: Settings, store: IndexStore, *, english: Assistant | None = None,
                 uploads: UploadStore | None = None) -> None:
        """`english`: the assistant English questions go to when they are searched in another index (see
        `Settings.english_embedding`); `uploads`: the uploaded documents, when another assistant holds them."""
        self.settings = settings
        self.english = english
        self.store = store
        self.sources = load_manifest(settings.manifest)
        self.embedder = embedder_of(settings)
        self.retriever = Retriever(store, self.embedder, self.sources, settings, relevance_embedder_of(settings))
        load_detector()
        self._log_lock = threading.Lock()
        self.scope = load_scope(settings.scope, self.sources, set(self.indexed_documents))
        self.uploads = uploads or UploadStore(settings, self.embedder)
        self.composer = Composer(store, self.retriever, self.sources, settings)
        self._uploads_searched: tuple[UploadSnapshot, Retriever] | None = None
        self.generator = None
        if settings.llm_backend != "extractive":
            from assistant.answer.generative import GenerativeAnswerer
            from assistant.answer.llm import make_llm

            self.generator = GenerativeAnswerer(make_llm(settings), settings)

    @classmethod
    def open(cls, settings: Settings | None = None, *, allow_stale: bool = False) -> Assistant:
        settings = settings or Settings()
        return cls._opened(settings, open_index(settings, allow_stale=allow_stale), allow_stale)

    @classmethod
    def _opened(cls, settings: Settings, store: IndexStore, allow_stale: bool = False) -> Assistant:
        """The assistant over `store`, and the one English questions go to when they have their own index
        (it shares the uploaded documents, which stay embedded with this assistant's model)."""
        assistant = cls(settings, store)
        if settings.routes_english:
            english = settings.for_english()
            assistant.english = cls(english, open_index(english, allow_stale=allow_stale), uploads=assistant.uploads)
        return assistant

    def configured(self, **overrides) -> Assistant:
        """The same index and model with other settings (evaluation presets); another embedder opens its
        own index."""
        settings = self.settings.with_overrides(**overrides)
        if (settings.embedding, settings.index_dir) != (self.settings.embedding, self.settings.index_dir):
            return Assistant.open(settings)
        return Assistant._opened(settings, self.store)

    def unit(self, doc: str, locator: str) -> Unit | None:
        """A cited unit, from the corpus or from an uploaded document."""
        if doc.startswith(DOC_PREFIX):
            return self.uploads.unit(doc, locator)
        return self.store.unit(doc, locator)

    def linked_provisions(self, doc: str, locator: str) -> dict[str, list[tuple[str, str]]]:
        """The provisions a cited unit refers to, and those that refer to it, as (label, text):
        {"Refers to": [("Rome Statute, art. 7(2)(f)", "(f) “Forced pregnancy” means …")], "Referred to by": …}."""
        def provision(target_doc: str, target: str) -> tuple[str, str]:
            return f"{self._short_title(target_doc)}, {target}", self.store.provision_text(target_doc, target)

        refers_to = dict.fromkeys(provision(r.target_doc, r.target) for r in self.store.refers_to(doc, locator))
        referred_by = dict.fromkeys(provision(r.doc, r.unit) for r in self.store.referred_by(doc, locator))
        return {"Refers to": list(refers_to), "Referred to by": list(referred_by)}

    @property
    def indexed_documents(self) -> list[str]:
        return list(self.store.manifest.get("indexed", []))

    def _instrument_names(self, docs: list[str] | None, uploads: bool = False) -> list[str]:
        by_id = {s.id: s for s in self.sources}
        wanted = self.indexed_documents if docs is None else docs
        names = [by_id[d].short_title for d in wanted if d in by_id and d in self.indexed_documents]
        if uploads and self.settings.search_uploads and self.uploads.list():
            names.append("your uploaded documents")
        return names

    def retrieve(
        self, question: str, *, doc: str | list[str] | None = None, k: int | None = None,
        history: list[str | Turn] | None = None,
    ) -> list[Passage]:
        text = clean_question(question, self.settings.max_question_chars)
        language = detect_language(text)
        if language == ENGLISH and self.english is not None:
            return self.english.retrieve(question, doc=doc, k=k, history=history)
        docs, uploads = self._docs(doc)
        query, _, carried, counterparts, _ = self._standalone(text, history) if language == ENGLISH else (
            text, "", [], [], [])
        return self._search(query, docs, uploads, k, carried, counterparts, language)[0]

    def _standalone(self, text: str, history: list[str | Turn] | None):
        """What to search for: a new question alone ("Can a commander be liable …?" after a question on
        gender apartheid); a follow-up ("And in a non-international armed conflict?") with the subject
        of the question before it (or as an LLM backend rewrites it), the provisions its answer cited,
        and those provisions' counterparts in the kind of armed conflict the follow-up asks about.
        Returns (query, notice, carried, counterparts, alone): `alone`, the crimes cited that the Statute lists for
        the other kind of conflict only, which the treaties of the kind asked about are searched for instead."""
        if not history or not is_follow_up(text):
            return text, "", [], [], []
        turns = [h if isinstance(h, Turn) else Turn(question=h) for h in history]
        previous = [clean_question(t.question, self.settings.max_question_chars) for t in turns]
        standalone, notice = self.generator.condense(text, previous) if self.generator else (None, "")
        carried, counterparts, alone = in_the_conflict_asked(text, turns[-1].cited, self.store)
        asked = conflict_of(text)
        subject = previous[-1] if asked is None else without_conflict(previous[-1])  # asks of another
        # a crime the Statute lists for the other kind of conflict alone: what the treaty of this kind says of it
        treaties = [s.short_title for s in self.sources if alone and asked and conflict_of(s.title) == asked]
        query = standalone or " ".join([text, subject_of(subject), *treaties])
        return query, notice, carried, counterparts, alone

    def _search(self, query: str, docs: list[str] | None, uploads: bool, k: int | None,
                carried: list[tuple[str, str]] | None = None, counterparts: list[tuple[str, str]] | None = None,
                language: str = ENGLISH, pool: list[Passage] | None = None):
        """The top k provisions for the query, and (a follow-up) the provisions the previous answer cited,
        scored against the query, after them; the counterparts a follow-up asks about count as named. `pool`, when
        given, receives the corpus provisions ranked after the top k, up to the selection pool."""
        k = k or self.settings.top_k
        wide = max(k, self.settings.selection_pool) if pool is not None else k
        retrieval = self.retriever.retrieve(query, docs=docs, k=wide, language=language) if docs != [] else None
        passages = list(retrieval.passages[:k]) if retrieval else []
        if pool is not None and retrieval:
            pool.extend(retrieval.passages[k:])
        if uploads and self.settings.search_uploads:
            found = self._uploads_retriever().retrieve(query, k=k, language=language).passages
            relevant = [p for p in found if p.dense >= self.uploads.settings.quote_threshold]  # their model's
            passages = merge_by_score(passages, relevant, k)
        searched = [ref for ref in [*(counterparts or []), *(carried or [])] if docs is None or ref[0] in docs]
        named = set(counterparts or [])
        extra = self.retriever.passages_of(query, searched) if searched else []
        extra = [p.model_copy(update={"exact": True}) if (p.doc, p.unit) in named else p for p in extra]
        extra_keys = {(p.doc, p.unit) for p in extra if p.exact}
        passages = [p for p in passages if (p.doc, p.unit) not in extra_keys]
        shown = {(p.doc, p.unit) for p in passages}
        return passages + [p for p in extra if (p.doc, p.unit) not in shown], retrieval

    def _uploads_retriever(self) -> Retriever:
        """A retriever over the uploaded documents as they are now (made again when they change)."""
        snapshot = self.uploads.snapshot()
        if self._uploads_searched is None or self._uploads_searched[0] is not snapshot:
            retriever = Retriever(snapshot.store, self.uploads.embedder, snapshot.sources, self.settings)
            self._uploads_searched = (snapshot, retriever)
        return self._uploads_searched[1]

    def _docs(self, doc: str | list[str] | None) -> tuple[list[str] | None, bool]:
        """Corpus documents to search (None: all) and whether to search the uploads."""
        if doc is None:
            return None, True
        docs = [doc] if isinstance(doc, str) else list(doc)
        unknown = [d for d in docs if d not in self.indexed_documents and d != UPLOADS]
        if unknown:
            raise InvalidQuestionError(
                f"unknown or unindexed document: {', '.join(unknown)}; "
                f"indexed: {', '.join(self.indexed_documents)} (and '{UPLOADS}' for uploaded documents)"
            )
        return [d for d in docs if d != UPLOADS], UPLOADS in docs

    def ask(
        self, question: str, *, doc: str | list[str] | None = None, k: int | None = None,
        history: list[str | Turn] | None = None,
    ) -> Answer:
        """Answer from the corpus with pinpoint citations, or decline and say why."""
        answer = None
        for event in self.ask_stream(question, doc=doc, k=k, history=history):
            answer = event
        return answer

    def ask_stream(
        self, question: str, *, doc: str | list[str] | None = None, k: int | None = None,
        history: list[str | Turn] | None = None,
    ) -> Iterator[Draft | Answer]:
        """Drafts of the answer as it is written (each replaces the one before), then the Answer."""
        text = clean_question(question, self.settings.max_question_chars)
        detected = detect_language(text)
        if detected == ENGLISH and self.english is not None:
            yield from self.english.ask_stream(question, doc=doc, k=k, history=history)
            return
        docs, uploads = self._docs(doc)
        language = answer_language(detected)
        if detected != ENGLISH and not self.embedder.multilingual:  # not a weak answer: how to get a real one
            yield self._english_only(text, detected)
            return
        english = detected == ENGLISH
        query, notice, carried, counterparts, alone = self._standalone(text, history) if english else (
            text, "", [], [], [])
        pool: list[Passage] = []
        passages, retrieval = self._search(query, docs, uploads, k, carried, counterparts, detected, pool)
        other_conflict = [p for p in passages if (p.doc, p.unit) in alone]  # listed, not quoted: not what is asked
        if other_conflict:
            passages = [p for p in passages if p not in other_conflict]
            notice = " ".join(n for n in (notice, self._one_conflict_only(other_conflict, conflict_of(text))) if n)
        instruments = self._instrument_names(docs, uploads)
        kind = question_kind(text, detected)
        answer = self._decline_reason(text, query, docs, passages, retrieval, instruments, language,
                                      verbatim=kind is QuestionKind.CONCORDANCE and self._term_found(text, docs))
        if answer is None:
            if kind is QuestionKind.PROVISION and query != text:  # "And in a non-international armed conflict?"
                kind = question_kind(query)
            # a question in another language is weighed by the instruments' English words for its legal words
            weighed = query if english else f"{query} {self.retriever.english_words(query, detected)}"
            shown = {(p.doc, p.unit) for p in passages}
            selection = self.composer.select(weighed, passages, kind, asked=text if english else weighed,
                                             pool=[p for p in pool if (p.doc, p.unit) not in shown])
            selection = Selection(cited=selection.cited, related=other_conflict + selection.related)
            if self.generator is None:
                answer = self.composer.compose(text, passages, kind, selection, docs, language,
                                               words="" if english else weighed)
                yield from _drafts(answer.answer)
            else:
                context = selection.cited + [p for p in selection.related if p.dense >= self.settings.quote_threshold]
                fallback = self.composer.compose(text, passages, kind, selection, docs, language,
                                                 words="" if english else weighed)
                for event in self.generator.stream(text, context, instruments, fallback):
                    if isinstance(event, Answer):
                        answer = event
                    else:
                        yield event
        answer = answer.model_copy(update={
            "query": query, "prompt_version": prompt_version(),
            "notice": " ".join(n for n in (notice, answer.notice) if n),
        })
        if self.settings.log_questions:  # off by default: questions can concern survivors' cases
            self._log(answer)
        yield answer

    def _log(self, answer: Answer) -> None:
        record = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "question": answer.question,
                  "declined": answer.declined, "citations": [f"{c.doc}: {c.unit}" for c in answer.citations]}
        with self._log_lock:  # a file 0600 in a folder 0700
            append_private(self.settings.question_log, json.dumps(record, ensure_ascii=False) + "\n")

    def _english_only(self, text: str, detected: str) -> Answer:
        """The answer to a question in another language when the index's embedder matches English only."""
        name = LANGUAGE_NAMES.get(detected, f"another language ({detected})")
        message = load_prompt("multilingual_unavailable", answer_language(detected)).format(language=name)
        return Answer(question=text, answer=message, declined=True, language=answer_language(detected),
                      reason=f"question in {name}: the index's embedder ({self.embedder.name}) matches English "
                      "questions only", query=text, prompt_version=prompt_version())

    def _term_found(self, text: str, docs: list[str] | None) -> bool:
        """Whether the term a question asks about ("Is forced nudity mentioned …?") is used, word for word, in
        the instruments searched: where it is used answers, however far the question's cosine is."""
        occurrences = self.composer.concordance.find(concordance_term(text) or "", docs)
        return bool(occurrences.binding or occurrences.commentary)

    def _decline_reason(self, text, query, docs, passages, retrieval, instruments, language: str = ENGLISH,
                        verbatim: bool = False) -> Answer | None:
        """The decline, in plain words (in the question's language), if the corpus does not answer; None
        when it does (`verbatim`: the term the question asks about is used in the instruments searched)."""
        exact = any(p.exact for p in passages)
        uploaded = any(p.authority == "upload" for p in passages)  # each as close as its model requires
        if retrieval and retrieval.unmatched and not exact:
            missing = ", ".join(f"{self._short_title(r.doc)}, {r.locator}" for r in retrieval.unmatched)
            return decline(text, instruments, f"the provision named does not exist in the corpus: {missing}",
                           load_prompt("decline_no_provision", language).format(missing=missing), language=language)
        entry = outside_source(text, self.scope)
        outside = entry.reason_in(language) if entry else None
        if outside and (not exact or entry.names_own_provisions) and not uploaded:
            closest = [p for p in passages if p.dense >= self.settings.quote_threshold][:CLOSEST]
            reason = entry.reason_in(ENGLISH)  # the JSON's, in English
            return decline(text, instruments, reason, outside, closest, language)
        if not passages:
            return decline(text, instruments, "nothing was retrieved", language=language)
        if exact or verbatim or uploaded:
            return None
        best = self._best_match(query, docs, passages)
        if best < self.settings.decline_threshold:
            return decline(
                text, instruments,
                f"best match similarity {best:.2f} is below the threshold {self.settings.decline_threshold:.2f}",
                language=language,
            )
        return None

    def _best_match(self, query: str, docs: list[str] | None, passages: list[Passage]) -> float:
        """The cosine that says whether the corpus answers: the best passage's, or with an adapted embedder the
        packaged model's best in the documents searched."""
        relevance = self.retriever.relevance(query, docs)
        return max(p.dense for p in passages) if relevance is None else relevance

    def _one_conflict_only(self, crimes: list[Passage], asked: str) -> str:
        """What a follow-up asking about the other kind of armed conflict is told of the crimes it leaves out."""
        kinds = {conflict_of_provision(p) for p in crimes} - {None, asked}
        return load_prompt("notice_one_conflict_only").format(
            provisions="; ".join(f"{self._short_title(p.doc)}, {p.unit}" for p in crimes),
            kind=kinds.pop(), asked=asked) if len(kinds) == 1 else ""

    def _short_title(self, doc: str) -> str:
        return next((s.short_title for s in self.sources if s.id == doc), doc)


def subject_of(question: str) -> str:
    """The words of a question that say what it is about, in order ("I'm drafting charges for rape as a
    crime against humanity. What exactly does the prosecution have to prove?" → "drafting charges rape
    crime humanity prosecution prove")."""
    return " ".join(w for w in re.findall(r"[\w’'-]+", question) if content_stems(w))


def _drafts(text: str) -> Iterator[Draft]:
    """An extractive answer is complete before it is shown: its first words, then half of it, are drafts that
    show it arriving; more drafts would only cost the web app an event each (each is sent to the page)."""
    words = text.split(" ")
    ends = [STREAM_WORDS * 2 ** n for n in range(STREAM_DRAFTS - 1)] + [len(words) // 2]
    ends = sorted({end for end in ends if STREAM_WORDS <= end < len(words)})[:STREAM_DRAFTS]
    for end in ends:
        yield Draft(text=" ".join(words[:end]))
