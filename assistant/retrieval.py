"""Hybrid retrieval over a store of chunks (the corpus index, or the uploaded documents):
provisions named in the question first, then dense (cosine) and BM25 rankings fused, by default as
a weighted sum of the cosine and the BM25 score scaled to the best candidate (`fusion = "convex"`),
or by reciprocal rank (`"rrf"`), then the ranking stages (each retriever's best kept, the Statute
provision before the Elements that elaborate it, sibling diversity)."""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.conflicts import conflict_of, without_conflict
from assistant.embedding import Embedder
from assistant.foreign_references import english_references
from assistant.glossary import english_words, load_glossary
from assistant.index import SearchableStore
from assistant.locators import bracket_suffix, is_article, is_within, parent_of, without_elements_suffix
from assistant.models import CRIME_ELEMENTS, Passage, Source, Unit, alias_pattern
from assistant.terms import QUESTION_WORDS, STEMMER, content_stems

ARTICLE_REF = re.compile(
    r"\b(?:articles?|arts?\.?)\s*(\d+|[IVX]+\b)(\s*(?:bis|ter|quater)\b)?((?:\s*\(\s*[0-9a-z]{1,6}\s*\))*)(\s*-\s*\d)?",
    re.IGNORECASE,
)
RULE_REF = re.compile(
    r"\brules?\s*(\d+)(\s*(?:bis|ter|quater)\b)?((?:\s*\(\s*[0-9a-z]{1,6}\s*\))*)", re.IGNORECASE
)


# A question naming the kind of crime or of armed conflict chooses among the contexts of one crime itself.
CONTEXT_NAMED = re.compile(r"\bcrimes? against humanity\b|\bwar crimes?\b|\bgenocid|\barmed conflict|\bcivil war\b"
                           r"|\bwartime\b|\boccup(?:ied|ation)\b", re.IGNORECASE)


def load_synonyms(path: Path | None) -> dict[str, list[str]]:
    if path is None:
        return {}
    return {key.lower(): values for key, values in tomllib.loads(path.read_text(encoding="utf-8"))["terms"].items()}


BRITISH_SPELLING = re.compile(r"\b(\w{3,})is(ation|ations|e|ed|es|ing)\b", re.IGNORECASE)


AGE = re.compile(r"\b(\d{1,2})[- ]years?[- ]olds?\b|\baged (\d{1,2})\b", re.IGNORECASE)
# a year in which something happened ("rapes committed in 1995", "during the 1990s"), not one naming an
# instrument ("the 1948 Convention", "the Geneva Conventions of 1949", "its 2023 Policy")
INSTRUMENT_WORDS = r"(?:Geneva |Genocide )?(?:Conventions?|Protocols?|Policy|Statute)\b"
EVENT_YEAR = re.compile(r"\b(?:in|during|before|between|since|from|around) (?:the )?(?:early |mid-|late )?"
                        rf"(1[89]\d\d|200[0-2])s?\b(?! {INSTRUMENT_WORDS})", re.IGNORECASE)
ROME_STATUTE_IN_FORCE = 2002  # 1 July 2002: the Court judges only crimes committed after it (art. 11, art. 24)


UNDER_18, UNDER_15 = "under the age of 18", "under the age of fifteen years"
IN_FORCE = "entry into force of this Statute"  # art. 11(1): "crimes committed after the entry into force …"


def _age_in_the_instruments_words(age: re.Match[str]) -> str:
    years = int(age.group(1) or age.group(2))
    words = f"{UNDER_18} under eighteen child" if years < 18 else age.group(0)
    return f"{words} {UNDER_15}" if years < 15 else words


def _year_in_the_instruments_words(year: re.Match[str]) -> str:
    number = int(year.group(1))  # "before 2002" is before 1 July 2002 too; "in 2002" may be after it
    before_2002 = number == ROME_STATUTE_IN_FORCE and year.group(0).lower().startswith("before")
    before = number < ROME_STATUTE_IN_FORCE or before_2002
    return f"{year.group(0)} before the {IN_FORCE}" if before else year.group(0)


def instruments_phrases_in(question: str) -> list[str]:
    """The instruments' phrases that `in_the_instruments_words` put in a question ("under the age of 18")."""
    lowered = question.lower()
    return [phrase.lower() for phrase in (UNDER_18, UNDER_15, IN_FORCE) if phrase.lower() in lowered]


def in_the_instruments_words(question: str) -> str:
    """A child's age as the instruments say it ("a 17-year-old fighter" → "under the age of 18 …": art. 26;
    under fifteen, the conscription of children), so that the number itself does not pull in unrelated text; and
    a year before the Statute entered into force as the Statute says it ("rapes committed in 1995" → "… before the
    entry into force of this Statute": art. 11, art. 24)."""
    return EVENT_YEAR.sub(_year_in_the_instruments_words, AGE.sub(_age_in_the_instruments_words, question))


def synonyms_used(question: str, synonyms: dict[str, list[str]]) -> list[str]:
    """The keys of the synonyms file that the question uses, word for word up to their endings ("time limit for
    prosecution" is in "Is there a time limit for prosecuting …?", "internal armed conflict" in "… internal armed
    conflicts"); of keys differing only by their endings, the first."""
    asked = f" {_stemmed(question)} "
    used: dict[str, str] = {}
    for key, stems in zip(synonyms, _stemmed_keys(tuple(synonyms))):
        if stems and stems not in used and f" {stems} " in asked:
            used[stems] = key
    return list(used.values())


@functools.lru_cache(maxsize=4)
def _stemmed_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The synonyms file's keys, stemmed once for all the questions asked (it is read once)."""
    return tuple(_stemmed(key) for key in keys)


def _stemmed(text: str) -> str:
    return " ".join(STEMMER.stemWords(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower())))


def expand_query(question: str, synonyms: dict[str, list[str]]) -> str:
    """The question plus the instruments' words for the practitioners' words it uses, for a child's age and a
    year before the Statute entered into force, and
    the instruments' -ize spelling of -ise words ("organisation" → "organization")."""
    question = in_the_instruments_words(question)
    lowered = question.lower()
    extra = [w for key in synonyms_used(question, synonyms) for w in synonyms[key]]
    extra += [f"{m.group(1)}iz{m.group(2)}" for m in BRITISH_SPELLING.finditer(lowered)]
    searched = without_question_words(question)
    # the question's own words count twice, so that added words help without taking over
    return searched if not extra else f"{searched} {searched} {' '.join(extra)}"


def without_question_words(question: str) -> str:
    """The question without the words that ask it ("How", "does", "can", "must"): provisions seldom use them,
    so BM25 weighs them as rare, and "How does WIGJ apply intersectionality …?" found first the paragraph that
    says "how" twice."""
    return QUESTION_WORDS.sub("", question)


@dataclass(frozen=True)
class Reference:
    doc: str
    locator: str


def hinted_documents(question: str, sources: list[Source]) -> list[str]:
    """Instruments the question names ("Additional Protocol II", "the Elements of Crimes", …)."""
    return [source.id for source in sources if source.named_in(question)]


def forum_documents(question: str, sources: list[Source]) -> list[str]:
    """The instruments of the court a question names ("Can rape be prosecuted as genocide at the ICC?": the
    Statute, the Elements, the Rules) when it names none of them itself."""
    forum = [source.id for source in sources if source.forum_named_in(question)]
    return [] if any(source.named_in(question) for source in sources if source.id in forum) else forum


def without_instrument_names(question: str, sources: list[Source], *, fallback: bool = True) -> str:
    """The question's words to search with: an instrument's name ("under the Rome Statute") says where
    to look, which the instrument hints do, not what about, so it must not pull in provisions that
    merely name the instrument ("'article' refers to articles of the Rome Statute"); nor does the kind of
    armed conflict an instrument named is about ("What does Protocol II say about rape in internal armed
    conflicts?" is searched for rape, not for the provisions on Protocol II's scope). Words that are only names
    give the question itself back, unless `fallback` is off."""
    words = question
    asked = conflict_of(question)
    for source in sources:
        # Protocol II: "… Victims of Non-International Armed Conflicts"
        if asked and conflict_of(source.title) == asked and source.named_in(question):
            words = without_conflict(words)
        for alias in source.aliases:
            words = alias_pattern(alias).sub(" ", words)
    words = re.sub(r"\s+", " ", words).strip()
    return words if content_stems(words) or not fallback else question


def _named_provisions(question: str, sources: list[Source]) -> tuple[list[Reference], list[tuple[int, int]]]:
    """Provisions known by a name ("common article 3"), and where the names stand in the question."""
    named = [(source.id, locator, match)
             for source in sources for locator, match in source.provisions_named_in(question)]
    return [Reference(doc, locator) for doc, locator, _ in named], [match.span() for _, _, match in named]


def _article_documents(number: str, named: list[Source], sources: list[Source]) -> list[str]:
    """Where "article N" points: the instruments the question names, else the one numbered that way."""
    docs = [s.id for s in named if s.takes_article_references]
    if not docs:
        kind = "article" if number.isdigit() else "roman-article"
        docs = [s.id for s in sources if kind in s.references]
    return docs


# The instruments' own way of naming a provision: "article 7, paragraph 2 (f)" is article 7(2)(f)
STATUTE_STYLE = re.compile(
    r"\b(articles?|art\.)\s+(\d+)(\s+(?:bis|ter|quater))?,\s+paragraph\s+(\d+)((?:\s*\([a-z]+\))*)", re.IGNORECASE)


def _bracketed(match: re.Match[str]) -> str:
    labels = re.sub(r"\s+", "", match.group(5) or "")
    return f"{match.group(1)} {match.group(2)}{match.group(3) or ''}({match.group(4)}){labels}"


def named_references(question: str, sources: list[Source], available: set[str]) -> list[Reference]:
    """Provisions the question names, e.g. "article 7(2)(f)", "rule 70", "art. 8(2)(b)(xxii)", "article 7,
    paragraph 3"."""
    question = STATUTE_STYLE.sub(_bracketed, question)
    named = [s for s in sources if s.id in available and s.named_in(question, with_provision=True)]
    refs, spans = _named_provisions(question, sources)
    for match in ARTICLE_REF.finditer(question):
        if any(start <= match.start() < end for start, end in spans):
            continue  # the "article 3" of "common article 3"
        number = match.group(1)
        if not number.isdigit() and number != number.upper():
            continue  # "article i" is not a roman numeral
        bis = f" {match.group(2).strip().lower()}" if match.group(2) else ""
        dash = match.group(4).replace(" ", "") if match.group(4) else ""
        locator = f"art. {number}{bis}{bracket_suffix(match.group(3) or '')}{dash}"
        refs.extend(Reference(doc, locator) for doc in _article_documents(number, named, sources))
    rules = [s.id for s in sources if "rule" in s.references]
    for match in RULE_REF.finditer(question):
        bis = f" {match.group(2).strip().lower()}" if match.group(2) else ""
        locator = f"rule {match.group(1)}{bis}{bracket_suffix(match.group(3) or '')}"
        refs.extend(Reference(doc, locator) for doc in rules)
    return [ref for ref in dict.fromkeys(refs) if ref.doc in available]


def _kept_in_top(ranked: list[int], favourites: list[int], k: int) -> list[int]:
    """The ranking with `favourites` among its first k (in ranking order), the rest after them."""
    head = ranked[: max(0, k - len(favourites))]
    head += [u for u in favourites if u not in head]
    return sorted(head, key=ranked.index) + [u for u in ranked if u not in head]


def _merge(ranking: list[tuple[int, float]], inside: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Interleave a ranking over all documents with one inside the named instrument."""
    merged: list[tuple[int, float]] = []
    seen: set[int] = set()
    for pair in (p for pairs in zip(inside, ranking) for p in pairs):
        if pair[0] not in seen:
            seen.add(pair[0])
            merged.append(pair)
    for pair in inside[len(ranking):] + ranking[len(inside):]:
        if pair[0] not in seen:
            seen.add(pair[0])
            merged.append(pair)
    return merged


@dataclass
class Retrieval:
    passages: list[Passage]
    named: list[Reference]  # provisions the question names
    unmatched: list[Reference]  # named provisions that do not exist in the indexed documents


class Retriever:
    """Searches one store: the corpus index, or the uploaded documents (same stages, same settings)."""

    def __init__(self, store: SearchableStore, embedder: Embedder, sources: list[Source], settings: Settings,
                 relevance: Embedder | None = None) -> None:
        """`relevance`: the model whose cosine says whether the store answers at all, when it is not `embedder`
        (the packaged model beside an adapted one; the store holds its vectors)."""
        self.store = store
        self.embedder = embedder
        self.relevance_model = relevance if store.relevance_vectors is not None else None
        self.settings = settings
        self.sources = {s.id: s for s in sources}
        self.unit_position = {(u.doc, u.unit): i for i, u in enumerate(store.units)}
        self.chunk_position = {c.id: i for i, c in enumerate(store.chunks)}
        self.chunks_of_unit: dict[int, list[int]] = {}  # a unit's chunk positions, for the cosine of a named unit
        for position, chunk in enumerate(store.chunks):
            self.chunks_of_unit.setdefault(self.unit_position[(chunk.doc, chunk.unit)], []).append(position)
        self.chunk_docs = np.array([c.doc for c in store.chunks])
        self.text_chunks = np.array([c.kind == "text" for c in store.chunks])  # titles are for the embedder
        self.indexed_docs = set(self.chunk_docs.tolist())
        self.synonyms = load_synonyms(settings.synonyms)
        self.glossary = load_glossary(settings.glossary)

    def english_words(self, question: str, language: str) -> str:
        """The instruments' English words for the legal words of a question in another language."""
        return english_words(question, language, self.glossary)

    def _dense(self, query_vector: np.ndarray, docs: list[str] | None, n: int) -> list[tuple[int, float]]:
        where = None
        if docs:
            where = {"doc": docs[0]} if len(docs) == 1 else {"doc": {"$in": docs}}
        result = self.store.collection.query(
            query_embeddings=[query_vector.tolist()], n_results=min(n, len(self.store.chunks)), where=where,
            include=["distances"],
        )
        return [(self.chunk_position[chunk_id], 1.0 - float(distance))
                for chunk_id, distance in zip(result["ids"][0], result["distances"][0])]

    def _lexical(self, question: str, docs: list[str] | None, n: int, stem: bool = True) -> list[tuple[int, float]]:
        allowed = self.text_chunks & np.isin(self.chunk_docs, docs) if docs else self.text_chunks
        return self.store.lexical.search(question, n, allowed, stem=stem)

    def retrieve(self, question: str, *, docs: list[str] | None = None, k: int | None = None,
                 language: str = "en") -> Retrieval:
        """The top k provisions; a question not in English is searched with BM25 by the instruments' English
        words for its legal words (the glossary; without one, its own words unstemmed), never with English
        stemming or synonyms of its own words, the fusion leaning on the (multilingual) dense side, and the
        provisions it names in its own language ("artículo 7(2)(f)") are found all the same."""
        english = language == "en"
        k = k or self.settings.top_k
        n = self.settings.candidates
        docs = [d for d in docs if d in self.indexed_docs] if docs else None
        if not self.store.chunks:
            return Retrieval(passages=[], named=[], unmatched=[])
        words = without_instrument_names(question, list(self.sources.values()))
        glossed = "" if english else self.english_words(words, language)
        # the English words help the embedder too: it matches the question's language with English imperfectly
        query_vector = self.embedder.embed_query(f"{words} {glossed}" if glossed else words)
        keyword_query = expand_query(words, self.synonyms) if english else glossed or words
        stem = english or bool(glossed)  # the glossary's words are English: stemmed as the index is
        weights = ((self.settings.dense_weight, self.settings.lexical_weight) if english else
                   (self.settings.other_language_dense_weight, self.settings.other_language_lexical_weight))
        dense = self._dense(query_vector, docs, n)
        lexical = self._lexical(keyword_query, docs, n, stem=stem)
        hinted = [d for d in hinted_documents(question, list(self.sources.values()))
                  if d in self.indexed_docs and (not docs or d in docs)]
        if not self.settings.instrument_hints:
            hinted = []
        forum = [d for d in forum_documents(question, list(self.sources.values()))
                 if d in self.indexed_docs and (not docs or d in docs)] if self.settings.instrument_hints else []
        groups = [hinted] if len(hinted) == 1 else [[doc] for doc in hinted]  # each named instrument, when several
        groups += [forum] if forum and forum != docs else []  # "at the ICC": the court's instruments, together
        for searched in groups:  # "what does Protocol II say about …": search inside it too
            if searched != docs:
                dense = _merge(dense, self._dense(query_vector, searched, n))
                lexical = _merge(lexical, self._lexical(keyword_query, searched, n, stem=stem))

        scores, best_dense, best_lexical = self._fuse(query_vector, dense, lexical, weights)

        named = named_references(english_references(question), list(self.sources.values()),
                                 self.indexed_docs if not docs else set(docs))
        found = {ref: self._named_units([ref]) for ref in named}
        exact = set().union(*found.values())
        for unit_position in scores:  # an instrument named in the question ranks its provisions higher
            if self.store.units[unit_position].doc in hinted + forum:
                scores[unit_position] += self._hint_bonus
        ranked = sorted(scores, key=lambda u: -scores[u])
        kept = min(k, self.settings.top_k)  # a wider search (the selection pool) keeps them in the top k all the same
        ranked = self._keep_each_retrievers_best(ranked, dense, lexical, kept)
        if len(groups) > 1:
            ranked = self._keep_each_named_instruments_best(ranked, groups, kept)
        if not CONTEXT_NAMED.search(question):
            ranked = self._first_context_first(ranked)
        if self.settings.link_elements:
            ranked = self._elaborated_before_elaborating(ranked, docs)
        exact_ranked = sorted(exact, key=lambda u: (-scores.get(u, 0.0), u))
        top = exact_ranked[:k] + self._diverse([u for u in ranked if u not in exact], k - min(k, len(exact_ranked)))
        if any(u not in best_dense for u in top):  # named units the dense search did not reach
            self._fill_dense(top, query_vector, best_dense)
        passages = [self._passage(u, scores.get(u, 0.0), best_dense.get(u, 0.0), best_lexical.get(u, 0.0), u in exact)
                    for u in top]
        return Retrieval(passages=passages, named=named, unmatched=[r for r in named if not found[r]])

    def relevance(self, question: str, docs: list[str] | None = None) -> float | None:
        """The relevance model's best cosine between the question, as it is searched (without instrument names),
        and the chunks of the documents searched; None when the embedder's own cosine judges."""
        if self.relevance_model is None:
            return None
        docs = [d for d in docs if d in self.indexed_docs] if docs else None
        vectors = self.store.relevance_vectors[np.isin(self.chunk_docs, docs)] if docs else self.store.relevance_vectors
        words = without_instrument_names(question, list(self.sources.values()))
        return float((vectors @ self.relevance_model.embed_query(words)).max()) if len(vectors) else 0.0

    @property
    def _hint_bonus(self) -> float:
        return 0.1 if self.settings.fusion == "convex" else 1.0 / (self.settings.rrf_k + 1)

    def _fuse(self, query_vector: np.ndarray, dense: list[tuple[int, float]], lexical: list[tuple[int, float]],
              weights: tuple[float, float]):
        """Unit scores from both rankings, weighted (dense, lexical): reciprocal rank fusion, or
        (`fusion = "convex"`) a weighted sum of the cosine similarity and the BM25 score scaled to the best
        candidate."""
        best_dense: dict[int, float] = {}
        best_lexical: dict[int, float] = {}
        for ranking, best in ((dense, best_dense), (lexical, best_lexical)):
            for chunk_position, score in ranking:
                unit_position = self._unit_of(chunk_position)
                best[unit_position] = max(best.get(unit_position, float("-inf")), score)
        scores: dict[int, float] = {}
        if self.settings.fusion == "convex":
            candidates = {c for c, _ in dense} | {c for c, _ in lexical}
            cosines = self.store.vectors[sorted(candidates)] @ query_vector
            for chunk_position, cosine in zip(sorted(candidates), cosines):
                unit_position = self._unit_of(chunk_position)
                best_dense[unit_position] = max(best_dense.get(unit_position, -1.0), float(cosine))
            top_lexical = max(best_lexical.values(), default=0.0) or 1.0
            for unit_position in set(best_dense) | set(best_lexical):
                scores[unit_position] = (
                    weights[0] * best_dense.get(unit_position, 0.0)
                    + weights[1] * best_lexical.get(unit_position, 0.0) / top_lexical
                )
            return scores, best_dense, best_lexical
        for ranking, weight in zip((dense, lexical), weights):
            seen: set[int] = set()
            for rank, (chunk_position, _) in enumerate(ranking):
                unit_position = self._unit_of(chunk_position)
                if unit_position not in seen:
                    seen.add(unit_position)
                    scores[unit_position] = scores.get(unit_position, 0.0) + weight / (self.settings.rrf_k + rank + 1)
        return scores, best_dense, best_lexical

    def _keep_each_retrievers_best(
        self, ranked: list[int], dense: list[tuple[int, float]], lexical: list[tuple[int, float]], k: int
    ) -> list[int]:
        """A provision that one retriever ranks at the very top (BM25 on "head of state" → art. 27)
        stays in the top k even when the other retriever misses it entirely."""
        keep = self.settings.keep_best_per_retriever
        favourites: list[int] = []
        for ranking in (dense, lexical):
            units = list(dict.fromkeys(self._unit_of(p) for p, _ in ranking))
            favourites += [u for u in units[:keep] if u not in favourites]
        return _kept_in_top(ranked, favourites, k) if favourites else ranked

    def _keep_each_named_instruments_best(self, ranked: list[int], groups: list[list[str]], k: int) -> list[int]:
        """A question naming several instruments ("… under the Fourth Geneva Convention and the Rome Statute?")
        keeps the best provision of each (of each group: the court's instruments) in the top k, however strongly
        one of them matches."""
        best_of = [next((u for u in ranked if self.store.units[u].doc in group), None) for group in groups]
        return _kept_in_top(ranked, [u for u in dict.fromkeys(best_of) if u is not None], k)

    def _elaborated_before_elaborating(self, ranked: list[int], docs: list[str] | None) -> list[int]:
        """The Elements of a crime follow the Statute provision that defines it (`art. 7(1)(g)-1`
        → `art. 7(1)(g)`; the manifest's `elaborates`), so that the Elements, which repeat the
        Statute's words for every crime, do not crowd the Statute out; only when the Statute is searched."""
        linked: list[int] = []
        links = 0
        for u in ranked:
            unit = self.store.units[u]
            elaborated = self.sources[unit.doc].elaborates
            searched = elaborated and (docs is None or elaborated in docs)
            if searched and is_article(unit.unit) and links < self.settings.link_elements:
                links += 1
                defining = self.unit_position.get((elaborated, without_elements_suffix(unit.unit)))
                if defining is not None and defining not in linked:
                    linked.append(defining)
            if u not in linked:
                linked.append(u)
        return linked

    def _first_context_first(self, ranked: list[int]) -> list[int]:
        """The Elements of one crime in its several contexts (enforced sterilization as a crime against
        humanity, art. 7(1)(g)-5, and as a war crime in either kind of armed conflict, 8(2)(b)(xxii)-5 and
        8(2)(e)(vi)-5) say the same; a question that names no context gets them in the Elements' own order,
        the first one first, wherever the best of them ranked."""
        groups: dict[tuple[str, str], list[int]] = {}
        for u in ranked:
            unit = self.store.units[u]
            if self.sources[unit.doc].family == CRIME_ELEMENTS and " of " in unit.heading:
                groups.setdefault(self._sibling_group(unit), []).append(u)
        reordered = list(ranked)
        for members in groups.values():
            slots = sorted(ranked.index(u) for u in members)
            for slot, u in zip(slots, sorted(members)):  # units are stored in corpus order
                reordered[slot] = u
        return reordered

    def _diverse(self, ranked: list[int], k: int) -> list[int]:
        """Best first, at most `per_parent` sibling provisions (rule 70(a)–(d), the six sexual
        crimes of art. 7(1)(g)-1…-6) so they do not fill every slot; relaxed if slots remain."""
        chosen: list[int] = []
        per_group: dict[tuple[str, str], int] = {}
        for u in ranked:
            unit = self.store.units[u]
            group = self._sibling_group(unit)
            if per_group.get(group, 0) < self.settings.per_parent:
                chosen.append(u)
                per_group[group] = per_group.get(group, 0) + 1
            if len(chosen) == k:
                return chosen
        return chosen + [u for u in ranked if u not in chosen][: k - len(chosen)]

    def _sibling_group(self, unit: Unit) -> tuple[str, str]:
        """Provisions that say nearly the same thing: sub-paragraphs of one provision, and the same
        crime in its different contexts (the elements of enforced sterilization as a crime against
        humanity, in international and in non-international armed conflict)."""
        crime_elements = self.sources[unit.doc].family == CRIME_ELEMENTS
        if crime_elements and self.settings.group_same_crime and " of " in unit.heading:
            return (unit.doc, unit.heading.split(" of ", 1)[1])
        return (unit.doc, parent_of(unit.unit))

    def _unit_of(self, chunk_position: int) -> int:
        chunk = self.store.chunks[chunk_position]
        return self.unit_position[(chunk.doc, chunk.unit)]

    def _named_units(self, refs: list[Reference]) -> set[int]:
        found: set[int] = set()
        for ref in refs:
            for i, unit in enumerate(self.store.units):
                if unit.doc == ref.doc and is_within(unit.unit, ref.locator):
                    found.add(i)
        return found

    def passages_of(self, question: str, refs: list[tuple[str, str]]) -> list[Passage]:
        """Provisions given by locator (those an earlier answer cited), scored by their cosine with the
        question, so that they compete with the search's own results on the same footing."""
        wanted = [self.unit_position[ref] for ref in refs if ref in self.unit_position]
        if not wanted:
            return []
        query_vector = self.embedder.embed_query(without_instrument_names(question, list(self.sources.values())))
        best_dense: dict[int, float] = {}
        self._fill_dense(wanted, query_vector, best_dense)
        return [self._passage(u, self.settings.dense_weight * best_dense.get(u, 0.0), best_dense.get(u, 0.0), 0.0,
                              False) for u in wanted]

    def _fill_dense(self, units: list[int], query_vector: np.ndarray, best_dense: dict[int, float]) -> None:
        """Cosine of named units the dense search did not reach, from the vectors already in memory."""
        for u in units:
            positions = self.chunks_of_unit.get(u)
            if u not in best_dense and positions:
                best_dense[u] = max(float(self.store.vectors[p] @ query_vector) for p in positions)

    def _passage(self, u: int, score: float, dense: float, lexical: float, exact: bool) -> Passage:
        unit = self.store.units[u]
        return Passage.of(unit, self.sources[unit.doc], score=score, dense=dense, lexical=lexical, exact=exact)


def merge_by_score(first: list[Passage], second: list[Passage], k: int) -> list[Passage]:
    """Passages of a second search (the uploads) take their place in the first ranking by score;
    provisions named in the question stay first."""
    merged = list(first)
    for passage in second:
        at = next((i for i, p in enumerate(merged) if not p.exact and p.score < passage.score), len(merged))
        merged.insert(at, passage)
    return merged[:k]
