"""Parsers for documents without a known legal structure (a user's upload, or a manifest entry of
these families): a text PDF by page (`p. 3`), Markdown by heading path (`Interviews › Consent`),
plain text by paragraph (`para. 4`)."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.errors import DocumentContentError
from assistant.models import Unit

LIST_ITEM = re.compile(r"^(?:[-*+•]|\d+[.)])\s")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def parse_pdf_pages(doc: str, title: str, data: bytes) -> list[Unit]:
    import pypdfium2 as pdfium

    if not data.startswith(b"%PDF-"):
        raise DocumentContentError("cannot read this PDF: the file does not start like a PDF (damaged or renamed?)")
    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:  # pdfium raises PdfiumError for any damage
        raise DocumentContentError(f"cannot read this PDF: it is damaged or not a PDF ({exc})") from exc
    units = []
    try:
        for number in range(len(pdf)):
            page = pdf[number]
            text = " ".join(page.get_textpage().get_text_range().split())  # layout line breaks are not sentences
            if text:
                units.append(Unit(doc=doc, unit=f"p. {number + 1}", heading=f"{title}, page {number + 1}",
                                  page=number + 1, text=text))
    finally:
        pdf.close()
    if not units:
        raise DocumentContentError("this PDF has no text layer (a scanned image?): run OCR on it first, then upload it")
    return units


def _paragraphs(lines: list[str]) -> str:
    """Lines of one paragraph joined; paragraphs and list items each on a line of their own."""
    out: list[str] = []
    joined = True
    for line in (raw.strip() for raw in lines):
        if not line:
            joined = False
        elif out and joined and not LIST_ITEM.match(line):
            out[-1] += " " + line
        else:
            out.append(line)
            joined = True
    return "\n".join(out)


def markdown_title(text: str) -> str | None:
    """The document's single level-1 heading, if it has exactly one."""
    headings = re.findall(r"(?m)^#\s+(.+?)\s*#*\s*$", text)
    return headings[0] if len(headings) == 1 else None


def parse_markdown_headings(doc: str, title: str, text: str) -> list[Unit]:
    units: list[Unit] = []
    path: list[tuple[int, str]] = []
    body: list[str] = []
    seen: dict[str, int] = {}
    top_level = len(re.findall(r"(?m)^#\s", text)) == 1  # one H1 is the document's title, not a section

    def flush() -> None:
        words = _paragraphs(body)
        if words:
            locator = " › ".join(h for level, h in path if not (top_level and level == 1)) or "opening text"
            seen[locator] = seen.get(locator, 0) + 1
            if seen[locator] > 1:
                locator = f"{locator} ({seen[locator]})"
            units.append(Unit(doc=doc, unit=locator, heading=f"{title} › {locator}", text=words))
        body.clear()

    for line in text.splitlines():
        match = HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            path = [(lvl, h) for lvl, h in path if lvl < level] + [(level, match.group(2).strip())]
        else:
            body.append(line.rstrip())
    flush()
    return units


def parse_text_paragraphs(doc: str, title: str, text: str) -> list[Unit]:
    paragraphs = [_paragraphs(p.splitlines()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    return [Unit(doc=doc, unit=f"para. {n}", heading=f"{title}, paragraph {n}", text=p)
            for n, p in enumerate(paragraphs, start=1)]


TEXT_FAMILIES: dict[str, Callable[[str, str, str], list[Unit]]] = {
    "markdown-headings": parse_markdown_headings,
    "text-paragraphs": parse_text_paragraphs,
}
FAMILIES = ("pdf-pages", *TEXT_FAMILIES)


def decode_text(data: bytes, what: str) -> str:
    """UTF-8 text of a file, or a message saying why it is not text."""
    if b"\0" in data:
        raise DocumentContentError(f"this {what} file holds binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentContentError(f"this {what} file is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                                   "save it as UTF-8 and upload it again") from exc


def parse_plain(family: str, doc: str, title: str, data: bytes) -> list[Unit]:
    """Units of a document of one of these families; DocumentContentError when it cannot be read."""
    if family == "pdf-pages":
        return parse_pdf_pages(doc, title, data)
    what = "markdown" if family == "markdown-headings" else "text"
    units = TEXT_FAMILIES[family](doc, title, decode_text(data, what))
    if not units:
        raise DocumentContentError("this file holds no text")
    return units
