"""Hybrid retrieval: provisions named in the question first, then dense + BM25 fused by rank."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.config import Settings
from assistant.embedding import Embedder
from assistant.index import IndexStore
from assistant.models import Passage, Source, Unit

ARTICLE_REF = re.compile(
    r"\b(?:articles?|arts?\.?)\s*(\d+|[IVX]+\b)(\s*(?:bis|ter|quater)\b)?((?:\s*\(\s*[0-9a-z]{1,6}\s*\))*)(\s*-\s*\d)?",
    re.IGNORECASE,
)
RULE_REF = re.compile(
    r"\brules?\s*(\d+)(\s*(?:bis|ter|quater)\b)?((?:\s*\(\s*[0-9a-z]{1,6}\s*\))*)", re.IGNORECASE
)
INSTRUMENT_HINTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\belements?\b", re.I), "elements-of-crimes"),
    (re.compile(r"\b(rome statute|the statute)\b", re.I), "rome-statute"),
    (re.compile(r"\b(rules of procedure|RPE)\b", re.I), "rules-of-procedure-and-evidence"),
    (re.compile(r"\b(geneva convention (iv|4)|fourth geneva convention|GC ?IV)\b", re.I), "geneva-convention-iv"),
    (re.compile(r"\b(geneva convention (iii|3)|third geneva convention|GC ?III)\b", re.I), "geneva-convention-iii"),
    (re.compile(r"\b(geneva convention (ii|2)|second geneva convention|GC ?II)\b(?! ?I)", re.I), "geneva-convention-ii"),
    (re.compile(r"\b(geneva convention (i|1)|first geneva convention|GC ?I)\b(?! ?[IV])", re.I), "geneva-convention-i"),
    (re.compile(r"\b((additional )?protocol (ii|2)|AP ?II)\b", re.I), "additional-protocol-ii"),
    (re.compile(r"\b((additional )?protocol (i|1)|AP ?I)\b(?! ?I)", re.I), "additional-protocol-i"),
    (re.compile(r"\bgenocide convention\b", re.I), "genocide-convention"),
]


@dataclass(frozen=True)
class Reference:
    doc: str
    locator: str


def _locator_suffix(brackets: str) -> str:
    return "".join(f"({part.strip().lower()})" for part in re.findall(r"\(\s*([0-9a-zA-Z]+)\s*\)", brackets))


def hinted_documents(question: str) -> list[str]:
    """Instruments the question names ("Additional Protocol II", "the Elements", …); the Elements
    hint only counts with "of crimes" so that "what are the elements" does not narrow the search."""
    return [
        doc for pattern, doc in INSTRUMENT_HINTS
        if pattern.search(question) and (doc != "elements-of-crimes" or re.search(r"elements of crimes", question, re.I))
    ]


def named_references(question: str, available: set[str]) -> list[Reference]:
    """Provisions the question names, e.g. "article 7(2)(f)", "rule 70", "art. 8(2)(b)(xxii)"."""
    hinted = [doc for pattern, doc in INSTRUMENT_HINTS if pattern.search(question) and doc in available]
    refs: list[Reference] = []
    for match in ARTICLE_REF.finditer(question):
        number = match.group(1)
        is_roman = not number.isdigit()
        if is_roman and number != number.upper():
            continue
        bis = f" {match.group(2).strip().lower()}" if match.group(2) else ""
        dash = match.group(4).replace(" ", "") if match.group(4) else ""
        locator = f"art. {number}{bis}{_locator_suffix(match.group(3) or '')}{dash}"
        docs = [d for d in hinted if d != "rules-of-procedure-and-evidence"]
        if is_roman and not docs:
            docs = ["genocide-convention"]
        if not docs:
            docs = ["rome-statute"]
            if "elements-of-crimes" in available and re.search(r"\belements?\b", question, re.I):
                docs.append("elements-of-crimes")
        refs.extend(Reference(doc, locator) for doc in docs)
    for match in RULE_REF.finditer(question):
        bis = f" {match.group(2).strip().lower()}" if match.group(2) else ""
        refs.append(Reference("rules-of-procedure-and-evidence", f"rule {match.group(1)}{bis}{_locator_suffix(match.group(3) or '')}"))
    return [ref for ref in dict.fromkeys(refs) if ref.doc in available]


@dataclass
class Retrieval:
    passages: list[Passage]
    named: list[Reference]  # provisions the question names
    unmatched: list[Reference]  # named provisions that do not exist in the indexed documents


def is_within(locator: str, ancestor: str) -> bool:
    """`art. 7(2)(f)` is within `art. 7` and `art. 7(2)`; `art. 7(1)(g)-3` within `art. 7(1)(g)`."""
    return locator == ancestor or (locator.startswith(ancestor) and locator[len(ancestor)] in "(-,")


class Retriever:
    def __init__(self, store: IndexStore, embedder: Embedder, sources: list[Source], settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.sources = {s.id: s for s in sources}
        self.unit_position = {(u.doc, u.unit): i for i, u in enumerate(store.units)}
        self.chunk_docs = np.array([c.doc for c in store.chunks])
        self.indexed_docs = set(self.chunk_docs.tolist())

    def _dense(self, query_vector: np.ndarray, docs: list[str] | None, n: int) -> list[tuple[int, float]]:
        where = None
        if docs:
            where = {"doc": docs[0]} if len(docs) == 1 else {"doc": {"$in": docs}}
        result = self.store.collection.query(
            query_embeddings=[query_vector.tolist()], n_results=min(n, len(self.store.chunks)), where=where,
            include=["metadatas", "distances"],
        )
        return [(int(meta["position"]), 1.0 - float(distance))
                for meta, distance in zip(result["metadatas"][0], result["distances"][0])]

    def _lexical(self, question: str, docs: list[str] | None, n: int) -> list[tuple[int, float]]:
        allowed = np.isin(self.chunk_docs, docs) if docs else None
        return self.store.lexical.search(question, n, allowed)

    def retrieve(self, question: str, *, docs: list[str] | None = None, k: int | None = None) -> "Retrieval":
        k = k or self.settings.top_k
        n = self.settings.candidates
        docs = [d for d in docs if d in self.indexed_docs] if docs else None
        query_vector = self.embedder.embed_query(question)
        dense = self._dense(query_vector, docs, n)
        lexical = self._lexical(question, docs, n)

        scores: dict[int, float] = {}
        best_dense: dict[int, float] = {}
        best_lexical: dict[int, float] = {}
        for ranking, best in ((dense, best_dense), (lexical, best_lexical)):
            seen: set[int] = set()
            for rank, (chunk_position, score) in enumerate(ranking):
                unit_position = self._unit_of(chunk_position)
                best[unit_position] = max(best.get(unit_position, float("-inf")), score)
                if unit_position in seen:
                    continue
                seen.add(unit_position)
                scores[unit_position] = scores.get(unit_position, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)

        named = named_references(question, self.indexed_docs if not docs else set(docs))
        exact = self._named_units(named)
        for unit_position in scores:  # an instrument named in the question ranks its provisions higher
            if self.store.units[unit_position].doc in hinted_documents(question):
                scores[unit_position] += 1.0 / (self.settings.rrf_k + 1)
        ranked = sorted(scores, key=lambda u: -scores[u])
        exact_ranked = sorted(exact, key=lambda u: (-scores.get(u, 0.0), u))
        order = exact_ranked + [u for u in ranked if u not in exact]
        top = order[:k]
        if any(u not in best_dense for u in top):  # named units the dense search did not reach
            self._fill_dense(top, query_vector, best_dense)
        passages = [self._passage(u, scores.get(u, 0.0), best_dense.get(u, 0.0), best_lexical.get(u, 0.0), u in exact)
                    for u in top]
        return Retrieval(passages=passages, named=named, unmatched=[r for r in named if not self._named_units([r])])

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

    def _fill_dense(self, units: list[int], query_vector: np.ndarray, best_dense: dict[int, float]) -> None:
        wanted = {(self.store.units[u].doc, self.store.units[u].unit): u for u in units if u not in best_dense}
        ids = [c.id for c in self.store.chunks if (c.doc, c.unit) in wanted]
        if not ids:
            return
        result = self.store.collection.get(ids=ids, include=["embeddings", "metadatas"])
        for embedding, meta in zip(result["embeddings"], result["metadatas"]):
            u = wanted[(meta["doc"], meta["unit"])]
            best_dense[u] = max(best_dense.get(u, -1.0), float(np.dot(query_vector, np.asarray(embedding))))

    def _passage(self, u: int, score: float, dense: float, lexical: float, exact: bool) -> Passage:
        unit: Unit = self.store.units[u]
        source = self.sources[unit.doc]
        return Passage(
            doc=unit.doc, unit=unit.unit, heading=unit.heading, page=unit.page, title=source.title,
            short_title=source.short_title, text=unit.full_text, context=unit.context, score=score,
            dense=dense, lexical=lexical, exact=exact,
        )
