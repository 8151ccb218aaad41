"""Which retrieved provisions an answer quotes and cites, and which it only lists as related.

Retrieval finds provisions that are near the question; an answer cites only those that address it
(typically one to three). A provision addresses the question when it is close to it (fused score and
cosine), uses its words, and is the kind of text the question asks for: the Elements of a crime for
"what must be proved", a definition ("… means …") for "how is … defined", and law before
commentary. Use-of-terms provisions are never quoted unless the question names them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer.questions import QuestionKind
from assistant.conflicts import conflict_of, conflict_of_provision
from assistant.locators import is_within
from assistant.models import CRIME_ELEMENTS, Passage
from assistant.terms import content_stems

LAW = ("treaty", "icc-instrument", "upload")  # uploads are the user's own material: not demoted
DEFINES = re.compile(r"\bmeans\b|\brefers to\b|\bit is understood that\b|\bshall mean\b", re.IGNORECASE)
COMMENTARY_PENALTY = 0.4  # commentary addresses a question of law only when no provision does
LAW_MARGIN = 0.3  # a provision this close to the best commentary leads the answer before it
KIND_BONUS = 0.3  # the Elements of a crime, for a question on what must be proved
DEFINITION_BONUS = 0.15
NAMED_INSTRUMENT_BONUS = 0.3  # a provision of an instrument the question names
FORUM_BONUS = 0.15  # a provision of the court's instruments, for a question naming the court and none of them
UNASKED_PENALTY = 0.3  # a provision protecting persons the question does not name (GC III's prisoners of war)
OFF_SUBJECT_PENALTY = 1.0  # a provision on one matter the question does not name (art. 85: a wrongful arrest)
NAMED_MARGIN = 0.5  # a question naming several instruments quotes each one's strongest provision this close
NAMED_COMMENTARY_MARGIN = 0.25  # a question asking what a commentary says quotes its paragraphs this close


@dataclass(frozen=True)
class Selection:
    cited: list[Passage]  # quoted, law first
    related: list[Passage]  # retrieved but not on point enough to quote


def is_commentary(passage: Passage) -> bool:
    return passage.authority not in LAW


@dataclass(frozen=True)
class Question:
    """What the strength of a provision is measured against."""

    text: str
    kind: QuestionKind
    named_docs: frozenset[str]  # instruments the question names: their commentary is not demoted
    rarity: dict[str, float]
    alternatives: dict[str, set[str]] = field(default_factory=dict)  # a word's stem → the instruments' words
    weights: dict[str, float] = field(default_factory=dict)  # its words' weights, a phrase's words sharing one
    forum_docs: frozenset[str] = frozenset()  # the instruments of the court it names ("at the ICC"), none named
    unasked_docs: frozenset[str] = frozenset()  # instruments protecting persons it does not name (GC III: POWs)
    unasked_parts: frozenset[tuple[str, str]] = frozenset()  # (doc, part) on a matter it does not name (`concerns`)


def word_cover(question: Question, passage: Passage) -> float:
    """Share of the question's content words that the provision (with its heading) uses, each word
    weighted by its rarity in the corpus (words the corpus never uses cannot tell provisions apart). A
    practitioner's word counts as used when the provision uses the instruments' word for it ("survivors"
    → "victims"), and weighs as that word does."""
    used_here = content_stems(f"{passage.heading}\n{passage.text}", parts=True)
    weight: dict[str, float] = {}
    used: set[str] = set()
    for stem in content_stems(question.text):
        words = {stem} | question.alternatives.get(stem, set())
        weight[stem] = min((question.weights.get(w, question.rarity[w]) for w in words if w in question.rarity),
                           default=0.0)
        if words & used_here:
            used.add(stem)
    if not any(weight.values()):
        return 0.0
    return sum(weight[s] for s in used) / sum(weight.values())


def strength(passage: Passage, question: Question, top_score: float) -> float:
    """How squarely a provision addresses the question (comparable within one question only)."""
    kind = question.kind
    cover = word_cover(question, passage)
    value = 0.5 * passage.score / (top_score or 1.0) + cover + passage.dense
    if passage.exact:
        value += 1.0
    if is_commentary(passage) and passage.doc not in question.named_docs:
        value -= COMMENTARY_PENALTY
    if passage.doc in question.named_docs:  # "What does Protocol II say about rape …?": Protocol II first
        value += NAMED_INSTRUMENT_BONUS
    elif passage.doc in question.forum_docs:  # "Can the ICC prosecute …?": the Statute before Protocol I
        value += FORUM_BONUS
    if passage.doc in question.unasked_docs:  # "Can a commander be convicted …?" is not asked of POWs' trials
        value -= UNASKED_PENALTY
    off_subject = any(doc == passage.doc and is_in_part(passage, part) for doc, part in question.unasked_parts)
    if off_subject and not passage.exact:
        value -= OFF_SUBJECT_PENALTY  # "Can a survivor get compensation?" is not asked of art. 85's wrongful arrest
    if kind is QuestionKind.ELEMENTS:
        value += KIND_BONUS if lists_elements(passage) else -KIND_BONUS / 3
    elif lists_elements(passage):  # the Elements assist in applying the Statute (art. 9): its provision comes first
        value -= KIND_BONUS
    if kind is QuestionKind.DEFINITION and DEFINES.search(passage.text):
        value += DEFINITION_BONUS
    asked_conflict = conflict_of(question.text)
    if asked_conflict and conflict_of_provision(passage) not in (None, asked_conflict):
        value -= KIND_BONUS  # the same crime in the other kind of armed conflict
    return value


def lists_elements(passage: Passage) -> bool:
    """Whether a provision is the Elements of a crime, one element per line."""
    return passage.family == CRIME_ELEMENTS and "\n" in passage.text


def is_in_part(passage: Passage, part: str) -> bool:
    """Whether a provision is in a part named by a locator (`art. 85`, `annex I`) or by the start of a division
    (`Chapter 9.`)."""
    if part.startswith(("art. ", "rule ", "annex ")):
        return is_within(passage.unit, part)
    return passage.division.startswith(part)


def select_on_point(question: Question, passages: list[Passage], *, max_cited: int, margin: float) -> Selection:
    """The provisions to quote (the strongest, and any within `margin` of it, at most `max_cited`; every
    provision the question names) and the rest as related, in retrieval order."""
    quotable = [p for p in passages if p.exact or not p.explains_terms]
    if not quotable:
        return Selection(cited=[], related=list(passages))
    top = max(p.score for p in passages)
    strengths = {id(p): strength(p, question, top) for p in quotable}
    ranked = sorted(quotable, key=lambda p: -strengths[id(p)])
    best = strengths[id(ranked[0])]
    # "According to WIGJ, …": that commentary's paragraphs (not for "How does WIGJ define …?": one definition answers)
    commentary_margin = NAMED_COMMENTARY_MARGIN if question.kind is not QuestionKind.DEFINITION else margin
    cited = [ranked[0]]
    for passage in ranked[1:]:
        if len(cited) >= max_cited and not passage.exact:
            continue
        asked_of = is_commentary(passage) and passage.doc in question.named_docs
        if passage.exact or strengths[id(passage)] >= best - (commentary_margin if asked_of else margin):
            cited.append(passage)
    if len(question.named_docs) > 1:  # "… both prohibited by Geneva law and punishable at the ICC?": each has its say
        for doc in sorted(question.named_docs - {p.doc for p in cited}):
            own = next((p for p in ranked if p.doc == doc), None)
            if own is not None and strengths[id(own)] >= best - NAMED_MARGIN:
                cited.append(own)
    if is_commentary(ranked[0]) and ranked[0].doc not in question.named_docs:
        law = next((p for p in ranked if not is_commentary(p)), None)  # law before commentary: the best
        if law is not None and law not in cited and strengths[id(law)] >= best - LAW_MARGIN:  # provision leads
            cited.append(law)
    cited = law_first(cited, question.kind)
    return Selection(cited=cited, related=[p for p in passages if p not in cited])


def law_first(passages: list[Passage], kind: QuestionKind) -> list[Passage]:
    """Law before commentary; within each, the order given, except that for a question not asking what must be
    proved the Elements of a crime follow the other law quoted: "Can sexual violence committed twenty years ago
    still be prosecuted …?" is answered by art. 29, whatever the Elements of sexual violence add."""
    return sorted(passages, key=lambda p: (is_commentary(p), kind is not QuestionKind.ELEMENTS and lists_elements(p)))
