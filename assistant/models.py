"""Typed records that cross module boundaries: sources → units → chunks → passages → answers."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.locators import heading_title, is_within

CRIME_ELEMENTS = "elements"  # the family whose units are crimes with numbered elements (the Elements of Crimes)
Authority = Literal["treaty", "icc-instrument", "policy", "civil-society", "upload"]
ReferenceKind = Literal["article", "roman-article", "rule"]


def _valid_expressions(patterns: list[str] | dict[str, str]) -> list[str] | dict[str, str]:
    for pattern in patterns:  # a malformed expression is a manifest error, not a failure at question time
        try:
            alias_pattern(pattern)
        except re.error as exc:
            raise ValueError(f"'{pattern}' is not a valid regular expression ({exc})") from exc
    return patterns


class Concern(BaseModel):
    """Parts of an instrument on one matter only, and the expressions that name the matter in a question."""

    parts: list[str] = Field(description="Locators (`art. 85`, `annex I`) or starts of divisions (`Chapter 9.`).")
    names: list[str] = Field(description="Regular expressions naming the matter: `arrest\\w*`, `aggression`.")

    @field_validator("names")
    @classmethod
    def _valid_names(cls, patterns: list[str]) -> list[str]:
        return _valid_expressions(patterns)

    def named_in(self, question: str) -> bool:
        return any(alias_pattern(p).search(question) for p in self.names)


class Source(BaseModel):
    """One document of the corpus manifest (`corpus/sources.toml`)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Slug used in filters and answers' JSON (lowercase, hyphenated).")
    title: str
    short_title: str = Field(description="Used in displayed citations: 'Rome Statute, art. 7(2)(f)'.")
    family: str = Field(description="Which structure parser reads it.")
    file: str = Field(description="File name in the mirror and in the synced documents folder.")
    sha256: str | None = Field(default=None, description="Expected SHA-256 of the file; None if unknown.")
    version: str = ""
    url: str = Field(default="", description="Official URL.")
    note: str = ""
    optional: bool = Field(default=False, description="Not needed for the default corpus.")
    authority: Authority = Field(
        description="What kind of text it is, shown with its citations: a treaty, an ICC instrument, a "
        "prosecutorial policy, a civil-society text, or a user's upload.")
    aliases: list[str] = Field(
        default_factory=list,
        description="Regular expressions naming the document in a question: the search then looks inside it "
        "(and, while it is not indexed, the question is declined as outside the corpus).")
    forum_aliases: list[str] = Field(
        default_factory=list,
        description="Expressions naming the court that applies it (\"at the ICC\"): a question naming the court and "
        "none of its instruments is searched inside the court's instruments together, as well as everywhere.")
    protects: list[str] = Field(
        default_factory=list,
        description="Expressions naming the persons it protects (the Third Geneva Convention: prisoners of war): its "
        "provisions are not quoted for a question that names neither them nor the instrument while other "
        "provisions address it as well.")
    concerns: list[Concern] = Field(
        default_factory=list,
        description="Parts of it that concern one matter only, with the expressions naming that matter. A question "
        "naming none of them is not asked about those parts: their provisions are quoted only when nothing else "
        "comes close.")
    provision_aliases: list[str] = Field(
        default_factory=list,
        description="Further expressions that name the document only together with a provision number "
        "(\"the elements of article 7(1)(g)\").")
    references: list[ReferenceKind] = Field(
        default_factory=list,
        description="Numbered references that point into this document when a question names no instrument: "
        "'article' (art. 7), 'roman-article' (article II), 'rule' (rule 70).")
    named_provisions: dict[str, str] = Field(
        default_factory=dict,
        description="Expressions naming one of its provisions → the locator: {'common article 3' = 'art. 3'}.")
    cites_articles_of: str | None = Field(
        default=None,
        description="Id of the instrument whose articles \"article N\" means inside this one (the Rules cite the "
        "Statute's articles); by default its own, or those of the instrument it elaborates.")
    editorial_footnotes: bool = Field(
        default=False,
        description="Its footnotes are editorial (amendment history, links to status pages): kept with the "
        "provision for the reader, never searched or quoted as law.")
    use_of_terms: list[str] = Field(
        default_factory=list,
        description="Locators of provisions that only explain the document's own words (\"'article' refers to "
        "articles of the Rome Statute\"): never quoted unless the question names them.")
    elaborates: str | None = Field(
        default=None,
        description="Id of the instrument whose provisions this one elaborates under the same locators "
        "(the Elements of Crimes: `art. 7(1)(g)-1` elaborates the Rome Statute's `art. 7(1)(g)`).")

    @field_validator("aliases", "forum_aliases", "protects", "provision_aliases", "named_provisions")
    @classmethod
    def _valid_expressions(cls, patterns: list[str] | dict[str, str]) -> list[str] | dict[str, str]:
        return _valid_expressions(patterns)

    def named_in(self, question: str, *, with_provision: bool = False) -> bool:
        """Whether the question names this document (`with_provision`: next to a provision number)."""
        patterns = self.aliases + (self.provision_aliases if with_provision else [])
        return any(alias_pattern(p).search(question) for p in patterns)

    def forum_named_in(self, question: str) -> bool:
        """Whether the question names the court that applies this document ("Can the ICC prosecute …?")."""
        return any(alias_pattern(p).search(question) for p in self.forum_aliases)

    def asked_about(self, question: str) -> bool:
        """Whether a question may be about it: it names the instrument, or the persons it protects, or the
        instrument protects no one in particular."""
        return not self.protects or self.named_in(question) or any(
            alias_pattern(p).search(question) for p in self.protects)

    def parts_not_asked_about(self, question: str) -> list[str]:
        """The parts of it that concern one matter (`concerns`) which the question does not name."""
        return [part for concern in self.concerns if not concern.named_in(question) for part in concern.parts]

    def provisions_named_in(self, text: str) -> list[tuple[str, re.Match[str]]]:
        """Its provisions that the text names by name ("common article 3"): (locator, where it is named)."""
        return [(locator, match) for expression, locator in self.named_provisions.items()
                for match in alias_pattern(expression).finditer(text)]

    @property
    def takes_article_references(self) -> bool:
        """Whether "article N" can point into it when the question names it (the Rules number rules)."""
        return "rule" not in self.references


def alias_pattern(alias: str) -> re.Pattern[str]:
    """A manifest alias as a case-insensitive, whole-word pattern (compiled once, by `re`'s cache)."""
    return re.compile(rf"\b(?:{alias})\b", re.IGNORECASE)


class Unit(BaseModel):
    """The smallest addressable provision of a document, with its canonical locator."""

    doc: str
    unit: str = Field(description="Canonical locator, e.g. 'art. 7(2)(f)', 'rule 70(c)'.")
    heading: str = Field(description="e.g. 'Article 7 — Crimes against humanity'.")
    page: int | None = Field(default=None, description="PDF page where the unit starts.")
    text: str = Field(description="Verbatim text, running heads and footnote markers removed.")
    context: str = Field(default="", description="Words of the enclosing provision (chapeau).")
    division: str = Field(default="", description="The divisions of the instrument the provision sits in, outermost "
                          "first: 'Chapter 9. Offences and misconduct against the Court — Section I. Offences …'.")
    notes: list[str] = Field(default_factory=list, description="Footnotes attached to the unit.")
    items: list[str] = Field(default_factory=list, description="Numbered elements (Elements of Crimes).")
    editorial: list[str] = Field(
        default_factory=list,
        description="Editorial footnotes (amendment history, links): shown with the unit, never searched or quoted.")

    @property
    def full_text(self) -> str:
        """Text with its footnotes, as displayed and as quotes are checked against."""
        if not self.notes:
            return self.text
        return self.text + "\n" + "\n".join(self.notes)


class Document(BaseModel):
    source: Source
    units: list[Unit]


class Chunk(BaseModel):
    """A token-bounded piece of one unit, as stored in the index."""

    id: str
    doc: str
    unit: str
    heading: str
    page: int | None
    text: str = Field(description="The piece of the unit's text this chunk holds.")
    order: int = Field(description="Position of the unit in its document.")
    kind: str = Field(default="text", description="'text', or 'title': an article's title, leading to its first unit.")

    def embedding_text(self, context: str) -> str:
        """Title words of the heading, the chapeau, then the text (locators are matched exactly
        elsewhere, so they are left out to spend the embedder's 256-token window on words)."""
        if self.kind == "title":
            return self.text
        title = heading_title(self.heading)
        parts = [title] if title else []
        if context:
            parts.append(context)
        parts.append(self.text)
        return "\n".join(parts)


class Passage(BaseModel):
    """A retrieved unit with its scores."""

    doc: str
    unit: str
    heading: str
    page: int | None
    title: str
    short_title: str
    text: str = Field(description="Full unit text, with footnotes.")
    context: str = ""
    division: str = Field(default="", description="The Part, chapter or section the provision sits in.")
    family: str = Field(default="", description="The document's family (which parser read it).")
    authority: Authority | None = None
    score: float = Field(description="Fused retrieval score (higher is better).")
    dense: float = Field(default=0.0, description="Best cosine similarity of the unit's chunks.")
    lexical: float = Field(default=0.0, description="Best BM25 score of the unit's chunks.")
    exact: bool = Field(default=False, description="Named explicitly in the question.")
    explains_terms: bool = Field(default=False, description="A use-of-terms provision (the manifest's `use_of_terms`).")

    @classmethod
    def of(cls, unit: Unit, source: Source, *, score: float, dense: float = 0.0, lexical: float = 0.0,
           exact: bool = False) -> Passage:
        return cls(
            doc=unit.doc, unit=unit.unit, heading=unit.heading, page=unit.page, title=source.title,
            short_title=source.short_title, text=unit.full_text, context=unit.context, division=unit.division,
            family=source.family,
            authority=source.authority, score=score, dense=dense, lexical=lexical, exact=exact,
            explains_terms=any(is_within(unit.unit, locator) for locator in source.use_of_terms),
        )

    @property
    def citation_label(self) -> str:
        return f"{self.short_title}, {self.unit}"


class Citation(BaseModel):
    marker: int
    doc: str
    unit: str
    title: str
    short_title: str
    page: int | None
    quote: str
    score: float
    division: str = Field(default="", description="The Part, chapter or section of the instrument the provision "
                          "sits in: rule 164 is in \"Chapter 9. Offences and misconduct against the Court — …\".")

    @classmethod
    def of(cls, marker: int, passage: Passage, quote: str) -> Citation:
        return cls(marker=marker, doc=passage.doc, unit=passage.unit, title=passage.title,
                   short_title=passage.short_title, page=passage.page, quote=quote, score=round(passage.score, 6),
                   division=passage.division)


class Related(BaseModel):
    """A provision retrieval found near the question that the answer does not quote: shown as a link."""

    doc: str
    unit: str
    label: str = Field(description="As cited: 'Rome Statute, art. 8(2)(b)(xxii)'.")
    score: float

    @classmethod
    def of(cls, passage: Passage) -> Related:
        return cls(doc=passage.doc, unit=passage.unit, label=passage.citation_label, score=round(passage.score, 6))


class SentenceCheck(BaseModel):
    """How one sentence of a generated answer fared against the sources it cites."""

    text: str
    markers: list[int] = Field(default_factory=list)
    status: Literal["kept", "flagged", "removed"]
    reason: str = Field(default="", description="Why it was flagged or removed; what was checked if kept.")


class Answer(BaseModel):
    question: str
    answer: str
    declined: bool
    reason: str = ""
    citations: list[Citation] = Field(default_factory=list)
    backend: str = Field(default="extractive", description="Who wrote the answer text.")
    prompt_version: str = Field(default="", description="Version of the prompt templates (prompts/VERSION + hash).")
    query: str = Field(default="", description="What was searched: the question, or a follow-up made standalone.")
    notice: str = Field(default="", description="Something the reader must know: a model failure, removed sentences.")
    sentences: list[SentenceCheck] = Field(
        default_factory=list,
        description="Verifier results: every sentence of a generated answer; the lead of an extractive one.")
    related: list[Related] = Field(
        default_factory=list,
        description="Provisions found near the question but not quoted (for a decline: the closest ones).")
    lead: str = Field(default="", description="The opening sentence that answers the question (extractive answers).")
    kind: str = Field(
        default="", description="What the question asks for: definition, elements, concordance or provision.")
    language: str = Field(
        default="en", description="The language of the question and of the answer's fixed words (en, es, fr, ar, uk, "
        "ru, pt); quotes stay in the English of the texts.")


class Turn(BaseModel):
    """An earlier question of the conversation and the provisions its answer cited."""

    question: str
    cited: list[tuple[str, str]] = Field(default_factory=list, description="(doc, unit) of each citation.")

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        return cls(question=answer.question, cited=[(c.doc, c.unit) for c in answer.citations])


class Draft(BaseModel):
    """A streamed, already verified part of an answer; each draft replaces the previous one."""

    text: str
