"""Structure parsers: one per document family, each turning a document into citable units.

Locator formats (compared as strings by tests and evaluations):
  Rome Statute       art. 7, art. 7(2)(f), art. 8(2)(b)(xxii), art. 8 bis(1), preamble
  Elements of Crimes art. 7(1)(g)-1, art. 6(b), general introduction, para. 2,
                     art. 7, introduction, para. 3
  Rules              rule 70, rule 70(c), rule 63(4), rule 68(2)(b), rule 132 bis(1)
  Markdown treaties  art. 27, art. 27(2), art. 76(1), art. 3(1)(a), art. II(d), preamble
  Markdown sections  Gender apartheid, para. 2
  Numbered papers    para. 45 (or p. 3 when paragraphs are not numbered)
  Plain documents    p. 3 (PDF pages), Interviews › Consent (Markdown headings), para. 4 (text);
                     see `assistant.corpus.plain`, which also reads uploads
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from assistant.corpus.footnotes import collect_footnotes, note_text
from assistant.corpus.pdf import PdfLine, PdfText, read_pdf
from assistant.corpus.plain import FAMILIES as PLAIN_FAMILIES
from assistant.corpus.plain import parse_plain
from assistant.corpus.provisions import (
    FOOTNOTE_MARK,
    TextLine,
    footnote_numbers,
    join_lines,
    split_provisions,
)
from assistant.errors import DocumentContentError, UnreadableDocumentError
from assistant.locators import DIVISION_SEPARATOR
from assistant.models import Document, Source, Unit

# ---------------------------------------------------------------------------------------------
# shared helpers


def _units_from_body(
    doc: str,
    prefix: str,
    heading: str,
    body: list[TextLine],
    footnotes: dict[str, str],
    extra_notes: list[str] | None = None,
    division: str = "",
) -> list[Unit]:
    """Turn an article/rule body into leaf units named `prefix` + `(1)(a)…`, in the instrument's `division`."""
    units: list[Unit] = []
    for index, provision in enumerate(split_provisions(body)):
        numbers = list(provision.footnotes)
        if index == 0 and extra_notes:
            numbers = extra_notes + numbers
        notes = [n for n in (note_text(num, footnotes) for num in dict.fromkeys(numbers)) if n]
        units.append(
            Unit(
                doc=doc,
                unit=prefix + provision.suffix(),
                heading=heading,
                page=provision.page,
                text=provision.text,
                context=provision.context,
                division=division,
                notes=notes,
            )
        )
    return units


# The divisions an instrument groups its provisions in, by depth: the Statute's Parts, the Rules' chapters,
# sections and subsections ("Chapter 9." / "Offences and misconduct against the Court", the title on the
# heading lines after the label)
DIVISION_LABEL = re.compile(r"^(PART \d+\.|Chapter \d+\.|Section [IVX]+\.|Subsection \d+\.)(?:\s|$)")
DIVISION_DEPTH = {"PART": 0, "Chapter": 0, "Section": 1, "Subsection": 2}


class _Divisions:
    """The divisions open at a point of an instrument, read line by line: a label starts one (closing those
    as deep or deeper), and the heading lines right after it continue its title."""

    def __init__(self) -> None:
        self.open: list[tuple[int, str]] = []
        self.titling = False

    def start(self, depth: int, title: str) -> None:
        """A division begins: it closes those as deep or deeper."""
        self.open = [(d, t) for d, t in self.open if d < depth] + [(depth, title)]

    def read(self, line: PdfLine) -> None:
        """Take a line of a PDF that is not a provision's own heading."""
        label = DIVISION_LABEL.match(line.text)
        if label and (line.role == "heading" or self.open):  # a body-size label only once divisions are seen
            self.start(DIVISION_DEPTH[label.group(1).split()[0]], line.text.strip())
            self.titling = True
        elif self.titling and line.role == "heading" and self.open:
            depth, title = self.open[-1]
            self.open[-1] = (depth, f"{title} {line.text.strip()}")
        else:
            self.titling = False

    def end_title(self) -> None:
        self.titling = False

    @property
    def current(self) -> str:
        return DIVISION_SEPARATOR.join(_strip_marks(title) for _, title in self.open)


def _strip_marks(text: str) -> str:
    return re.sub(r"\s+", " ", FOOTNOTE_MARK.sub("", text)).strip()


def _heading(label: str, title: str) -> str:
    return f"{label} — {title}" if title else label


# ---------------------------------------------------------------------------------------------
# Rome Statute

ARTICLE_HEADING = re.compile(r"^Article (\d+)(?:\s+(bis|ter|quater))?\s*((?:\[\^\d+\]\s*)*)$")
BIS_LINE = re.compile(r"^(bis|ter|quater)\s*((?:\[\^\d+\]\s*)*)$")
PART_HEADING = re.compile(r"^PART \d+\.")


def parse_rome_statute(doc: str, pdf: PdfText) -> list[Unit]:
    footnotes = collect_footnotes(pdf.lines)
    lines = [line for line in pdf.lines if line.role != "footnote"]
    start = next(
        i for i, line in enumerate(lines) if line.role == "heading" and line.text == "PREAMBLE" and line.size >= 10.5
    )
    units: list[Unit] = []
    preamble: list[TextLine] = []
    i = start + 1
    while i < len(lines) and not (lines[i].role == "heading" and PART_HEADING.match(lines[i].text)):
        preamble.append(TextLine(lines[i].text, lines[i].page))
        i += 1
    units.append(
        Unit(doc=doc, unit="preamble", heading="Preamble", page=preamble[0].page,
             text=join_lines([p.text for p in preamble]))
    )
    for number, title, body, notes, division in _articles(lines[i:]):
        units.extend(
            _units_from_body(doc, f"art. {number}", _heading(f"Article {number}", title), body, footnotes, notes,
                             division=division)
        )
    return units


def _articles(lines: list[PdfLine]) -> Iterator[tuple[str, str, list[TextLine], list[str], str]]:
    """Yield (number, title, body lines, heading footnote numbers, Part) for each article."""
    divisions = _Divisions()
    i = 0
    while i < len(lines):
        match = ARTICLE_HEADING.match(lines[i].text) if lines[i].role == "heading" else None
        if not match:
            divisions.read(lines[i])
            i += 1
            continue
        divisions.end_title()
        number = match.group(1) + (f" {match.group(2)}" if match.group(2) else "")
        notes = footnote_numbers(match.group(3) or "")
        i += 1
        if i < len(lines) and (bis := BIS_LINE.match(lines[i].text)):
            number += f" {bis.group(1)}"
            notes += footnote_numbers(bis.group(2) or "")
            i += 1
        title_parts: list[str] = []
        while i < len(lines):
            line = lines[i]
            if line.role == "heading" and (ARTICLE_HEADING.match(line.text) or PART_HEADING.match(line.text)):
                break
            if line.role == "heading" and line.text.isdigit():  # footnote number set at heading size
                notes.append(line.text)
            elif line.role == "heading":
                title_parts.append(line.text)
            elif _inside_title(lines, i) and title_parts:
                title_parts.append(line.text)  # italic words inside a title, e.g. "proprio motu"
            else:
                break
            i += 1
        notes += footnote_numbers(" ".join(title_parts))
        body: list[TextLine] = []
        while i < len(lines) and not (
            lines[i].role == "heading" and (ARTICLE_HEADING.match(lines[i].text) or PART_HEADING.match(lines[i].text))
        ):
            if lines[i].role == "body":
                body.append(TextLine(lines[i].text, lines[i].page))
            i += 1
        title = _strip_marks(" ".join(title_parts)).replace("( ", "(").replace(" )", ")")
        if not body:  # a deleted article (e.g. article 124): keep its heading and editorial note
            body = [TextLine(f"[Article {number} — no text in this edition]", lines[i - 1].page)]
        yield number, title, body, notes, divisions.current


def _inside_title(lines: list[PdfLine], i: int) -> bool:
    """A body-size line between two title lines is part of the title (italics)."""
    following = lines[i + 1] if i + 1 < len(lines) else None
    return (
        following is not None
        and following.role == "heading"
        and not ARTICLE_HEADING.match(following.text)
        and not PART_HEADING.match(following.text)
        and not _starts_label(lines[i].text)
    )


def _starts_label(text: str) -> bool:
    return bool(re.match(r"^(\d+\.|\([a-z0-9]+\))\s", text))


# ---------------------------------------------------------------------------------------------
# Elements of Crimes

ELEMENTS_ARTICLE = re.compile(r"^Article (\d+(?: bis)?)((?:\s*\([^)]*\))*)(-\d+)?\s*((?:\[\^\d+\]\s*)*)$")


def _crime_locator(number: str, parts: str, suffix: str | None) -> str:
    return "art. " + number + re.sub(r"\s+", "", parts) + (suffix or "")


def parse_elements(doc: str, pdf: PdfText) -> list[Unit]:
    footnotes = collect_footnotes(pdf.lines)
    lines = [line for line in pdf.lines if line.role != "footnote"]
    start = next(
        i
        for i, line in enumerate(lines)
        if line.text == "General introduction" and i + 1 < len(lines) and lines[i + 1].text.startswith("1.")
    )
    units: list[Unit] = []
    sections = _elements_sections(lines[start:])
    for kind, locator, heading, body, notes in sections:
        if kind == "introduction":
            units.extend(_introduction_units(doc, locator, heading, body, footnotes, notes))
        else:
            units.append(_crime_unit(doc, locator, heading, body, footnotes, notes))
    return units


def _elements_sections(lines: list[PdfLine]) -> list[tuple[str, str, str, list[TextLine], list[str]]]:
    """Split into ('introduction' | 'crime', locator, heading, body, heading footnotes)."""
    sections: list[tuple[str, str, str, list[TextLine], list[str]]] = []
    article_label, article_title = "", ""
    pending_notes: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _strip_marks(line.text) == "Elements" and article_label and sections and sections[-1][0] == "introduction":
            # elements that follow an article's introduction directly (article 8 bis)
            heading = _heading(article_label.replace("art.", "Article"), article_title)
            sections.append(("crime", article_label, heading, [], footnote_numbers(line.text)))
            i += 1
            continue
        if line.role != "heading":
            if sections:
                sections[-1][3].append(TextLine(line.text, line.page))
            i += 1
            continue
        if line.text == "General introduction":
            sections.append(("introduction", "general introduction", "General introduction", [], []))
            i += 1
            continue
        match = ELEMENTS_ARTICLE.match(line.text)
        if not match:  # "Elements", "Introduction" and title lines are consumed below
            i += 1
            continue
        notes = pending_notes + footnote_numbers(match.group(4) or "")
        pending_notes = []
        locator = _crime_locator(match.group(1), match.group(2), match.group(3))
        title_parts: list[str] = []
        i += 1
        while (i < len(lines) and lines[i].role == "heading"
               and _strip_marks(lines[i].text) not in ("Elements", "Introduction")):
            if ELEMENTS_ARTICLE.match(lines[i].text):
                break
            title_parts.append(lines[i].text)
            i += 1
        if i < len(lines) and ELEMENTS_ARTICLE.match(lines[i].text) and not title_parts:
            pending_notes = notes  # a group heading such as "Article 8 (2) (e)": notes go to its first crime
            continue
        title = _strip_marks(" ".join(title_parts))
        notes += footnote_numbers(" ".join(title_parts))
        if i < len(lines) and lines[i].text == "Introduction":
            article_label, article_title = locator, title
            heading = _heading(locator.replace("art.", "Article"), title)
            sections.append(("introduction", f"{locator}, introduction", heading, [], notes))
            i += 1
        elif i < len(lines) and FOOTNOTE_MARK.sub("", lines[i].text) == "Elements":
            notes += footnote_numbers(lines[i].text)
            heading = _heading(locator.replace("art.", "Article"), title or article_title)
            sections.append(("crime", locator, heading, [], notes))
            i += 1
        else:
            article_label, article_title = locator, title
    return sections


def _introduction_units(
    doc: str, locator: str, heading: str, body: list[TextLine], footnotes: dict[str, str], notes: list[str]
) -> list[Unit]:
    provisions = split_provisions(body)
    numbered = [p for p in provisions if p.path and p.path[0].isdigit()]
    if not numbered:
        text_notes = [n for n in (note_text(x, footnotes) for x in notes + _all_notes(body)) if n]
        return [Unit(doc=doc, unit=locator, heading=heading, page=body[0].page if body else None,
                     text=join_lines([b.text for b in body]), notes=text_notes)]
    units: list[Unit] = []
    for number in dict.fromkeys(p.path[0] for p in numbered):
        parts = [p for p in provisions if p.path and p.path[0] == number]
        numbers = [n for p in parts for n in p.footnotes]
        units.append(
            Unit(
                doc=doc,
                unit=f"{locator}, para. {number}",
                heading=heading,
                page=parts[0].page,
                text=join_lines([line for p in parts for line in p.lines]),
                notes=[n for n in (note_text(x, footnotes) for x in dict.fromkeys(numbers)) if n],
            )
        )
    return units


def _all_notes(body: list[TextLine]) -> list[str]:
    return [n for line in body for n in footnote_numbers(line.text)]


def _crime_unit(
    doc: str, locator: str, heading: str, body: list[TextLine], footnotes: dict[str, str], notes: list[str]
) -> Unit:
    items: list[list[str]] = []
    for line in body:
        if re.match(r"^\d+\.\s", line.text) or not items:
            items.append([line.text])
        else:
            items[-1].append(line.text)
    item_texts = [join_lines(item) for item in items]
    numbers = notes + _all_notes(body)
    return Unit(
        doc=doc,
        unit=locator,
        heading=heading,
        page=body[0].page if body else None,
        text="\n".join(item_texts),
        notes=[n for n in (note_text(x, footnotes) for x in dict.fromkeys(numbers)) if n],
        items=item_texts,
    )


# ---------------------------------------------------------------------------------------------
# Rules of Procedure and Evidence

RULE_HEADING = re.compile(r"^Rule (\d+)(?:\s+(bis|ter|quater))?\s*((?:\[\^\d+\]\s*)*)$")


def parse_rules(doc: str, pdf: PdfText) -> list[Unit]:
    footnotes = collect_footnotes(pdf.lines)
    lines = [line for line in pdf.lines if line.role != "footnote"]
    units: list[Unit] = []
    previous_rule = 0
    i = 0
    divisions = _Divisions()
    while i < len(lines):
        match = RULE_HEADING.match(lines[i].text) if lines[i].role == "heading" else None
        if not match:
            if units or lines[i].role == "heading":  # not the table of contents' body-size lines
                divisions.read(lines[i])
            i += 1
            continue
        divisions.end_title()
        digits, notes = _split_unraised_marker(match.group(1), previous_rule, footnotes)
        notes += footnote_numbers(match.group(3) or "")
        previous_rule = int(digits)
        number = digits + (f" {match.group(2)}" if match.group(2) else "")
        i += 1
        title_parts: list[str] = []
        while i < len(lines) and lines[i].role == "heading" and not RULE_HEADING.match(lines[i].text):
            title_parts.append(lines[i].text)
            i += 1
        body: list[TextLine] = []
        while i < len(lines) and lines[i].role == "body":
            body.append(TextLine(lines[i].text, lines[i].page))
            i += 1
        notes += footnote_numbers(" ".join(title_parts))
        heading = _heading(f"Rule {number}", _strip_marks(" ".join(title_parts)))
        units.extend(_units_from_body(doc, f"rule {number}", heading, body, footnotes, notes,
                                      division=divisions.current))
    return units


def _split_unraised_marker(digits: str, previous: int, footnotes: dict[str, str]) -> tuple[str, list[str]]:
    """"Rule 41" right after rule 3 is rule 4 with footnote 1 printed at full size."""
    for expected in (previous, previous + 1):
        head, tail = str(expected), digits[len(str(expected)) :]
        if int(digits) not in (previous, previous + 1) and digits.startswith(head) and tail in footnotes:
            return head, [tail]
    return digits, []


# ---------------------------------------------------------------------------------------------
# Markdown treaties and sections

MD_ARTICLE = re.compile(r"^##\s+Article\s+([0-9]+(?:\s*(?:bis|ter))?|[IVXLC]+)\s*$")
LOST_PARAGRAPH_BREAK = re.compile(r"(?<=[a-z\)”’][.:;])(?=[A-Z“‘])")
MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def _clean_markdown(text: str) -> str:
    text = MD_LINK.sub(r"\1", text)
    text = re.sub(r"!\d{6,}", "", text)  # image placeholders of the conversion
    text = re.sub(r"(?<!\w)[*_]{1,2}([^*_]+)[*_]{1,2}(?!\w)", r"\1", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _paragraphs(lines: list[str]) -> list[str]:
    """Non-empty lines, with paragraph breaks lost in conversion ("them.The") restored."""
    out: list[str] = []
    for line in lines:
        for piece in LOST_PARAGRAPH_BREAK.split(_clean_markdown(line)):
            if piece.strip():
                out.append(piece.strip())
    return out


def _number_unlabelled(paragraphs: list[str]) -> list[str]:
    """Articles whose paragraphs carry no numbers are cited by paragraph position: art. 27(2)."""
    if any(re.match(r"^(\d+\.\s|\(\d+\))", p) for p in paragraphs):
        return paragraphs
    top_level = [p for p in paragraphs if not re.match(r"^\([a-z]+\)", p)]
    if len(top_level) < 2:
        return paragraphs
    numbered, count = [], 0
    for paragraph in paragraphs:
        if re.match(r"^\([a-z]+\)", paragraph):
            numbered.append(paragraph)
        else:
            count += 1
            numbered.append(f"({count}) {paragraph}")
    return numbered


MD_ANNEX = re.compile(r"^#{2,4}\s+ANNEX\s+([IVX]+)\s*$", re.IGNORECASE)
MD_TRANSLATION = re.compile(r"^#{1,4}\s+(Verdrag|Aanvullend Protocol|TITEL|Artikel)\b")
MD_DIVISION = re.compile(r"^###\s+(PART|SECTION|CHAPTER)\s+([IVX]+)\s*$", re.IGNORECASE)
MD_DIVISION_DEPTH = {"PART": 0, "SECTION": 1, "CHAPTER": 2}  # the Third Convention's Part III, Section II, Chapter I


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def parse_treaty_markdown(doc: str, text: str) -> list[Unit]:
    """Articles (and annex articles, cited `annex I, art. 3`); stops at a Dutch translation."""
    units: list[Unit] = []
    prefix = ""  # "" in the treaty, "annex I, " in an annex
    article: str | None = None
    title = ""
    body: list[str] = []
    loose: list[str] = []  # text outside any article: the preamble, or an annex without articles
    divisions = _Divisions()  # "### PART III" and its "#### STATUS AND TREATMENT …"

    def flush_article() -> None:
        if article is None:
            return
        paragraphs = _number_unlabelled(_paragraphs(body))
        synthetic = paragraphs != _paragraphs(body)
        heading = _heading(f"{_upper_first(prefix)}Article {article}", title)
        for unit in _units_from_body(doc, f"{prefix}art. {article}", heading, [TextLine(p) for p in paragraphs], {},
                                     division=divisions.current):
            if synthetic:  # the "(2)" we added for counting is not part of the text
                unit.text = re.sub(r"^\(\d+\)\s*", "", unit.text)
                unit.context = re.sub(r"^\(\d+\)\s*", "", unit.context)
            units.append(unit)

    def flush_loose() -> None:
        loose_text = " ".join(_paragraphs(loose))
        if loose_text:
            locator = prefix.rstrip(", ") or "preamble"
            units.append(Unit(doc=doc, unit=locator, heading=_upper_first(locator), text=loose_text))
        loose.clear()

    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        article_match = MD_ARTICLE.match(line)
        annex_match = MD_ANNEX.match(line)
        if MD_TRANSLATION.match(line):
            break
        division_match = MD_DIVISION.match(line)
        if annex_match:
            flush_article()
            flush_loose()
            prefix, article, body, divisions = f"annex {annex_match.group(1).upper()}, ", None, [], _Divisions()
        elif division_match:
            flush_article()
            article, body = None, []
            kind, number = division_match.group(1).upper(), division_match.group(2).upper()
            following = next((j for j in range(i + 1, len(lines)) if lines[j].strip()), None)
            label = f"{kind} {number}"
            if following is not None and lines[following].startswith("#### "):
                label += f". {lines[following].lstrip('#').strip()}"
                i = following
            divisions.start(MD_DIVISION_DEPTH[kind], label)
        elif article_match:
            flush_article()
            flush_loose()
            article, title, body = re.sub(r"\s+", " ", article_match.group(1)), "", []
            if i + 1 < len(lines) and lines[i + 1].startswith("####"):
                title = lines[i + 1].lstrip("#").strip()
                i += 1
        elif line.startswith("#"):
            pass  # document title, parts, chapters, sections
        elif article is None:
            loose.append(line)
        else:
            body.append(line)
        i += 1
    flush_article()
    flush_loose()
    return units


def parse_sections_markdown(doc: str, text: str) -> list[Unit]:
    units: list[Unit] = []
    heading: str | None = None
    count = 0
    for line in text.splitlines():
        if line.startswith("## "):
            heading, count = line[3:].strip(), 0
        elif line.startswith("#") or not line.strip() or heading is None:
            continue
        else:
            count += 1
            units.append(Unit(doc=doc, unit=f"{heading}, para. {count}", heading=heading, text=_clean_markdown(line)))
    return units


# ---------------------------------------------------------------------------------------------
# Policy papers and other documents with numbered paragraphs


def parse_numbered_paragraphs(doc: str, pdf: PdfText) -> list[Unit]:
    footnotes = collect_footnotes(pdf.lines)
    units: list[Unit] = []
    heading = ""
    current: list[TextLine] = []
    number: str | None = None

    def flush() -> None:
        if current:
            locator = f"para. {number}" if number else f"p. {current[0].page}"
            numbers = [n for line in current for n in footnote_numbers(line.text)]
            units.append(
                Unit(doc=doc, unit=locator, heading=heading or locator, page=current[0].page,
                     text=join_lines([line.text for line in current]),
                     notes=[n for n in (note_text(x, footnotes) for x in dict.fromkeys(numbers)) if n])
            )

    for line in pdf.lines:
        if line.role == "footnote":
            continue
        if line.role == "heading":
            heading = _strip_marks(line.text)
            continue
        match = re.match(r"^(\d+)\.\s", line.text)
        if match and (number is None or int(match.group(1)) == int(number) + 1):
            flush()
            number, current = match.group(1), []
        elif number is None and current and current[-1].page != line.page:
            flush()
            current = []
        current.append(TextLine(line.text, line.page))
    flush()
    return units


# ---------------------------------------------------------------------------------------------

PDF_PARSERS: dict[str, Callable[[str, PdfText], list[Unit]]] = {
    "icc-statute": parse_rome_statute,
    "elements": parse_elements,
    "rules": parse_rules,
    "paragraphs": parse_numbered_paragraphs,
}
TEXT_PARSERS: dict[str, Callable[[str, str], list[Unit]]] = {
    "treaty-md": parse_treaty_markdown,
    "sections-md": parse_sections_markdown,
}


def parse_document(source: Source, path: Path) -> Document:
    """Parse one document file into units; raises UnreadableDocumentError on failure."""
    if source.family in PDF_PARSERS:
        pdf = read_pdf(path)
        try:
            units = PDF_PARSERS[source.family](source.id, pdf)
        except StopIteration as exc:
            raise UnreadableDocumentError(path, f"its layout does not match the '{source.family}' parser") from exc
    elif source.family in PLAIN_FAMILIES:
        try:
            units = parse_plain(source.family, source.id, source.short_title, path.read_bytes())
        except (OSError, DocumentContentError) as exc:
            raise UnreadableDocumentError(path, str(exc)) from exc
    elif source.family in TEXT_PARSERS:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UnreadableDocumentError(path, str(exc)) from exc
        units = TEXT_PARSERS[source.family](source.id, text)
    else:
        raise UnreadableDocumentError(path, f"unknown document family '{source.family}'")
    units = [unit for unit in units if unit.text.strip()]
    if source.editorial_footnotes:
        units = [unit.model_copy(update={"notes": [], "editorial": unit.notes}) for unit in units]
    if not units:
        raise UnreadableDocumentError(path, "no provisions found")
    return Document(source=source, units=units)
