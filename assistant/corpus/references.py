"""Cross-references inside the corpus: the words of a provision that point to another provision
("as defined in article 7, paragraph 2 (f)", "subject to article 69, paragraph 4", "paragraph 3",
"rule 63", "sub-rule 2", "article 3 common to the four Geneva Conventions"), resolved to canonical
units. The graph is built with the index, so that an answer can follow a provision to the
definition it relies on, and a reader can see what refers to a provision."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from assistant.locators import (
    ELEMENTS_SUFFIX,
    HEADING_SEPARATOR,
    article_of,
    bracket_suffix,
    is_article,
    is_within,
    parent_of,
    without_elements_suffix,
)
from assistant.models import Source, Unit

NUMBER = r"(\d+|[IVX]+\b)(?:\s*(bis|ter|quater)\b)?"
BRACKETS = r"((?:\s*\(\s*[0-9a-z]{1,6}\s*\))*)"
MORE = r"((?:\s*(?:,|and|or|to)\s*\d+(?:\s+(?:bis|ter|quater))?\b(?!\s*\)))*)"  # ", 7 and 8 bis", " to 169"
HYPHEN = r"[-\x02\u00ad]"  # PDF text may carry a soft hyphen where "sub-rule" breaks
PARAGRAPH_TAIL = rf"(?:,\s*paragraphs?\s+(\d+){BRACKETS})?"
ARTICLE = re.compile(rf"\b[Aa]rticles?\s+{NUMBER}{BRACKETS}{PARAGRAPH_TAIL}{MORE}")
RULE = re.compile(rf"(?<!{HYPHEN})\b[Rr]ules?\s+(\d+)(?:\s*(bis|ter|quater)\b)?(?:,\s*sub{HYPHEN}rules?\s+(\d+))?"
                  rf"{BRACKETS}{MORE}")
PARAGRAPH = re.compile(rf"(?<!,\s)\b[Pp]aragraphs?\s+(\d+){BRACKETS}{MORE}")
SUB_RULE = re.compile(rf"(?<!,\s)\bsub{HYPHEN}rules?\s+(\d+){BRACKETS}{MORE}")
SAME_INSTRUMENT = re.compile(
    r"\s*,?\s*(?:of|in|under)\s+(?:this|the present)\s+(?:Statute|Protocol|Convention|Rules)\b")
CITED_INSTRUMENT = re.compile(r"\s*,?\s*(?:of|in|under)\s+the\s+(?:Rome\s+)?(?:Statute|Rules)\b")
OTHER_INSTRUMENT = re.compile(r"\s*,?\s*(?:of|in)\s+(?:the\s+)?(?:[A-Z][\w-]*\s+){0,3}"
                              r"(?:Conventions?|Protocols?|Charter|Agreement|Preamble)\b")


class CrossReference(BaseModel):
    """One phrase of a provision that points to another provision; `target` is None when unresolved."""

    model_config = ConfigDict(frozen=True)

    doc: str
    unit: str
    phrase: str
    target_doc: str
    target: str | None


def _list_numbers(first: str, tail: str) -> list[str]:
    """The further numbers of a list or range: (7, ", 8 and 9") → 8, 9; (164, " to 169") → 165 … 169."""
    numbers: list[str] = []
    previous = int(first) if first.isdigit() else None
    for separator, number, bis in re.findall(r"(,|and|or|to)\s*(\d+)(?:\s+(bis|ter|quater))?", tail or ""):
        if separator == "to" and previous is not None and previous < int(number) <= previous + 50:
            numbers += [str(n) for n in range(previous + 1, int(number) + 1)]
        else:
            numbers.append(f"{number} {bis}" if bis else number)
        previous = int(number)
    return numbers


class Resolver:
    """Turns reference phrases into units of the corpus, by the manifest's rules of each instrument."""

    def __init__(self, units: list[Unit], sources: list[Source]) -> None:
        self.sources = {s.id: s for s in sources}
        self.locators: dict[str, set[str]] = {}
        for unit in units:
            self.locators.setdefault(unit.doc, set()).add(unit.unit)
        self.rules_docs = [s.id for s in sources if "rule" in s.references]

    def articles_doc(self, doc: str, same_instrument: bool) -> str:
        """Where "article N" written in `doc` points: the instrument itself ("of this Protocol"), or
        the one whose articles it cites (the Rules and the Elements: the Statute's)."""
        source = self.sources[doc]
        return doc if same_instrument else (source.cites_articles_of or source.elaborates or doc)

    def resolve(self, doc: str, locator: str) -> str | None:
        """The locator if the document has that unit or units within it; else the smallest enclosing
        provision it has (`art. 39(2)(b)(iii)` → `art. 39(2)(b)`, whose text holds item (iii)); else None."""
        known = self.locators.get(doc, set())
        named_paragraph = re.match(r"^[^(]*(\([0-9a-z]+\))?", locator).group(0)  # never above what was named
        while True:
            if locator in known or any(is_within(unit, locator) for unit in known):
                return locator
            shorter = re.sub(r"\([0-9a-z]+\)$", "", locator)
            if len(shorter) < len(named_paragraph) or shorter == locator:
                return None
            locator = shorter


def _context(text: str, end: int) -> str:
    """What follows a reference: "same" (this instrument), "cited" (the Statute, the Rules), "other"
    (another instrument), or "" (nothing said, or "of this article")."""
    for name, pattern in (("same", SAME_INSTRUMENT), ("cited", CITED_INSTRUMENT), ("other", OTHER_INSTRUMENT)):
        if pattern.match(text, end):
            return name
    return ""


def _article_references(unit: Unit, resolver: Resolver) -> Iterator[CrossReference]:
    for match in ARTICLE.finditer(unit.text):
        context = _context(unit.text, match.end())
        if context == "other":
            continue  # "Article 38 of the Geneva Convention for the Amelioration …": another instrument
        number, bis, brackets, paragraph, paragraph_brackets, more = match.groups()
        target_doc = resolver.articles_doc(unit.doc, same_instrument=context == "same")
        article = f"art. {number}{f' {bis}' if bis else ''}"
        locator = article + bracket_suffix(brackets)
        if paragraph:
            locator += f"({paragraph}){bracket_suffix(paragraph_brackets)}"
        yield _resolved(unit, match.group(0), target_doc, locator, resolver)
        for extra in _list_numbers(paragraph or number, more):  # "articles 6, 7 and 8", "paragraphs 5 and 7"
            extra_locator = f"{article}({extra})" if paragraph else f"art. {extra}"
            yield _resolved(unit, match.group(0), target_doc, extra_locator, resolver)


def _rule_references(unit: Unit, resolver: Resolver) -> Iterator[CrossReference]:
    for match in RULE.finditer(unit.text):
        number, bis, sub_rule, brackets, more = match.groups()
        for target_doc in resolver.rules_docs:
            sub = f"({sub_rule})" if sub_rule else ""
            locator = f"rule {number}{f' {bis}' if bis else ''}{sub}{bracket_suffix(brackets)}"
            yield _resolved(unit, match.group(0), target_doc, locator, resolver)
            for extra in _list_numbers(number, more):  # "rules 1 and 2", "rules 164 to 169"
                yield _resolved(unit, match.group(0), target_doc, f"rule {extra}", resolver)


def _local_references(unit: Unit, resolver: Resolver) -> Iterator[CrossReference]:
    """"paragraph 3" and "sub-rule 2": a part of the same article, rule or section."""
    for match in PARAGRAPH.finditer(unit.text):
        if re.match(r"\s*of\s+(?:article|rule)\s+\d", unit.text[match.end():match.end() + 16]):
            continue  # "paragraph 1 of article 7": not a paragraph of this provision
        if _context(unit.text, match.end()) in ("other", "cited"):
            continue
        number, brackets, more = match.groups()
        locator = _sibling(unit.unit, number) + bracket_suffix(brackets)
        yield _resolved(unit, match.group(0), unit.doc, locator, resolver)
        for extra in _list_numbers(number, more):  # "paragraphs 1 and 2"
            yield _resolved(unit, match.group(0), unit.doc, _sibling(unit.unit, extra), resolver)
    for match in SUB_RULE.finditer(unit.text):
        number, brackets, more = match.groups()
        for sub_rule in (number, *_list_numbers(number, more)):
            locator = f"{article_of(unit.unit)}({sub_rule}){bracket_suffix(brackets) if sub_rule == number else ''}"
            yield _resolved(unit, match.group(0), unit.doc, locator, resolver)


def _sibling(locator: str, number: str) -> str:
    """Paragraph `number` of the provision `locator` belongs to: `art. 7(1)(h)` → `art. 7(3)`;
    `general introduction, para. 2` → `general introduction, para. 5`."""
    if ", para. " in locator:
        return f"{parent_of(locator)}, para. {number}"
    return f"{article_of(locator)}({number})"


def _named_references(unit: Unit, sources: list[Source], resolver: Resolver) -> list[CrossReference]:
    """Provisions named by a name ("article 3 common to the four Geneva Conventions")."""
    return [_resolved(unit, match.group(0), source.id, locator, resolver)
            for source in sources for locator, match in source.provisions_named_in(unit.text)]


def _elaborated(unit: Unit, sources: dict[str, Source], resolver: Resolver) -> Iterator[CrossReference]:
    """An Elements crime points to the Statute provision it elaborates: `art. 7(1)(g)-1` → `art. 7(1)(g)`."""
    elaborated = sources[unit.doc].elaborates
    if elaborated and is_article(unit.unit) and ELEMENTS_SUFFIX.search(unit.unit):
        phrase = unit.heading.split(HEADING_SEPARATOR)[0]
        yield _resolved(unit, phrase, elaborated, without_elements_suffix(unit.unit), resolver)


def _resolved(unit: Unit, phrase: str, target_doc: str, locator: str, resolver: Resolver) -> CrossReference:
    words = " ".join(re.sub(HYPHEN, "-", phrase).split())
    return CrossReference(doc=unit.doc, unit=unit.unit, phrase=words, target_doc=target_doc,
                          target=resolver.resolve(target_doc, locator))


def find_references(units: list[Unit], sources: list[Source]) -> list[CrossReference]:
    """Every reference phrase of every unit, resolved where the corpus holds its target."""
    resolver = Resolver(units, sources)
    found: list[CrossReference] = []
    for unit in units:
        named = _named_references(unit, sources, resolver)
        found += named
        found += _elaborated(unit, resolver.sources, resolver)
        for reference in (*_article_references(unit, resolver), *_rule_references(unit, resolver),
                          *_local_references(unit, resolver)):
            if not any(reference.phrase in name.phrase for name in named):  # the "article 3" of a named provision
                found.append(reference)
    unique = dict.fromkeys(r for r in found if (r.target_doc, r.target) != (r.doc, r.unit))
    return list(unique)
