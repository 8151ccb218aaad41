"""Is a question a follow-up, read with the conversation ("And in a non-international armed
conflict?", "Does that definition cover boys?"), or a new question, read alone ("Can a commander be
liable for rapes by his troops?" after a question on gender apartheid)?"""

from __future__ import annotations

import re
from typing import NamedTuple

from assistant.conflicts import conflict_of, conflict_of_provision
from assistant.index import IndexStore
from assistant.locators import article_of
from assistant.models import Unit
from assistant.terms import content_stems

OPENER = re.compile(r"^(?:and|but|also|so|then|what about|how about|what if|and if|if so|in that case|same)\b",
                    re.IGNORECASE)
SUBJECT_PRONOUN = re.compile(
    r"^(?:does|do|did|is|are|was|were|can|could|would|will|should|must|may)\s+(?:that|this|it|they|those|these|such)\b",
    re.IGNORECASE)
EXPLETIVE_IT = re.compile(r"^(?:is|was|would|will|could)\s+it\b.*\b(?:to|if|when|where|that|for)\b", re.IGNORECASE)
BACK_REFERENCE = re.compile(
    r"\b(?:that|this|those|these|such)\s+(?:definition|provision|article|rule|crime|crimes|case|cases|standard|"
    r"requirement|threshold|act|acts|offence|offences|conduct|situation|element|elements|list|test)\b"
    r"|\bthe same(?=\s*(?:[?.!]|$|under\b|in\b|for\b|when\b|if\b))", re.IGNORECASE)
TRAILING_PRONOUN = re.compile(r"\b(?:it|them)\s*[?.!]?$", re.IGNORECASE)
SHORT = 12  # words: "Can the national authorities change the amounts when they enforce it?"


def is_follow_up(question: str) -> bool:
    """Whether the question leans on the one before it: an elliptical opener ("And …", "What about …"),
    a subject that points back ("Does that …", "Is it also …"), or a back-reference ("that definition",
    "the same", "… enforce it?")."""
    text = question.strip()
    if OPENER.match(text) or BACK_REFERENCE.search(text):
        return True
    if TRAILING_PRONOUN.search(text) and len(text.split()) <= SHORT:
        return True
    return bool(SUBJECT_PRONOUN.match(text)) and not EXPLETIVE_IT.match(text)


WAR_CRIME = re.compile(r"\bwar crimes?\b", re.IGNORECASE)
CRIMES_AGAINST_HUMANITY, WAR_CRIMES = "art. 7", "art. 8"  # of the Statute, and of the Elements that follow it
COUNTERPART_SIMILARITY = 0.4  # share of their own words two provisions must have in common to be the same crime
# a war crime repeats fewer of the words of the crime against humanity ("… also constituting a grave breach …")
WAR_CRIME_SIMILARITY = 0.35


class InTheConflictAsked(NamedTuple):
    kept: list[tuple[str, str]]  # cited provisions the follow-up leaves as they are
    counterparts: list[tuple[str, str]]  # the same crimes in the kind of armed conflict it asks about
    alone: list[tuple[str, str]]  # cited crimes of the other kind of conflict that have no counterpart


def in_the_conflict_asked(question: str, cited: list[tuple[str, str]], store: IndexStore) -> InTheConflictAsked:
    """The provisions an earlier answer cited, split in three: those the follow-up leaves as they are,
    the same crimes in the kind of armed conflict the follow-up asks about ("And in a non-international
    armed conflict?" after art. 8(2)(b)(xxii) → art. 8(2)(e)(vi)): what it asks about by name, and the crimes
    that have none there (starvation, art. 8(2)(b)(xxv), in this edition of the Statute)."""
    asked = conflict_of(question)
    if asked is None and WAR_CRIME.search(question):  # "Is it also a war crime?" after a crime against humanity
        return InTheConflictAsked(list(cited), _war_crimes_of(cited, store), [])
    kept: list[tuple[str, str]] = []
    counterparts: list[tuple[str, str]] = []
    alone: list[tuple[str, str]] = []
    for doc, locator in cited:
        unit = store.unit(doc, locator) if asked else None
        other = unit is not None and conflict_of_provision(unit) not in (None, asked)
        counterpart = _counterpart(unit, asked, store) if other else None
        if other and counterpart is None:  # a crime of the other kind of conflict alone: not what is asked
            alone.append((doc, locator))
            continue
        if counterpart is None:
            kept.append((doc, locator))
        elif (counterpart.doc, counterpart.unit) not in counterparts:
            counterparts.append((counterpart.doc, counterpart.unit))
    return InTheConflictAsked([ref for ref in kept if ref not in counterparts], counterparts, alone)


def _war_crimes_of(cited: list[tuple[str, str]], store: IndexStore) -> list[tuple[str, str]]:
    """The war crimes (art. 8) of the crimes against humanity (art. 7) an earlier answer cited, in both kinds
    of armed conflict: the provisions that refer to them ("forced pregnancy, as defined in article 7,
    paragraph 2 (f)") and those with the same words (art. 7(1)(g)-4 → art. 8(2)(b)(xxii)-4, 8(2)(e)(vi)-4)."""
    found: list[tuple[str, str]] = []
    for doc, locator in cited:
        unit = store.unit(doc, locator)
        if unit is None or article_of(locator) != CRIMES_AGAINST_HUMANITY:
            continue
        referring = [(r.doc, r.unit) for r in store.referred_by(doc, locator) if article_of(r.unit) == WAR_CRIMES]
        alike = [(c.doc, c.unit) for conflict in ("international", "non-international")
                 if (c := _counterpart(unit, conflict, store, WAR_CRIMES, WAR_CRIME_SIMILARITY)) is not None]
        found += [ref for ref in referring + alike if ref not in found]
    return found


def _own_words(unit: Unit) -> set[str]:
    """The words of a provision that tell its crime apart: for the Elements of a war crime, those of its own
    elements, not of the two on the armed conflict that every war crime repeats (with them, starvation as a method
    of warfare in an international armed conflict was the counterpart of attacking civilians in the other)."""
    lines = unit.text.split("\n")
    own = [line for line in lines if "armed conflict" not in line and not line.startswith("Footnote")]
    return content_stems("\n".join(own if len(lines) > 1 else lines))


def _counterpart(unit: Unit, conflict: str, store: IndexStore, article: str | None = None,
                 similarity: float = COUNTERPART_SIMILARITY) -> Unit | None:
    """The provision of `article` (by default the unit's own), in the given kind of conflict, whose words are
    most like the unit's, if they share at least `similarity` of them."""
    words = _own_words(unit)
    article = article or article_of(unit.unit)
    best, best_share = None, similarity
    for candidate in store.units:
        if candidate.doc != unit.doc or article_of(candidate.unit) != article:
            continue
        if conflict_of_provision(candidate) != conflict:
            continue
        theirs = _own_words(candidate)
        share = len(words & theirs) / max(1, len(words | theirs))
        if share > best_share:
            best, best_share = candidate, share
    return best
