"""Read a PDF into typed lines: body text, headings and footnotes, page by page.

The ICC publications set body text at 9 pt, headings at 10 pt and more, footnote text at 6.5 pt,
footnote markers at about 5.5 pt (raised) and running heads and page numbers at 7–8 pt. Reading the
size of every character (pdfium) lets us drop running heads and page numbers, turn raised footnote
numbers into `[^N]` markers instead of digits glued onto words ("invaded15"), and collect the
footnote text apart from the body.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from assistant.errors import UnreadableDocumentError

MARKER_MAX_SIZE = 6.2  # raised footnote numbers
FOOTNOTE_MAX_SIZE = 6.9  # footnote text (6.5 pt)
RUNNING_HEAD_MAX_SIZE = 8.5  # running heads and page numbers (7–8 pt)
HEADING_MIN_SIZE = 9.6  # article and section headings (10–11 pt)
GENERATED_MAX_SIZE = 1.5  # spaces and line breaks that pdfium synthesises report size 1


@dataclass
class PdfLine:
    """One printed line of a given role: "body", "heading" or "footnote"."""

    role: str
    text: str
    page: int  # 1-based PDF page
    size: float


@dataclass
class PdfText:
    lines: list[PdfLine] = field(default_factory=list)
    page_count: int = 0


def _char_role(size: float) -> str:
    if size <= GENERATED_MAX_SIZE:
        return "space"
    if size < MARKER_MAX_SIZE:
        return "marker"
    if size < FOOTNOTE_MAX_SIZE:
        return "footnote"
    if size < RUNNING_HEAD_MAX_SIZE:
        return "running-head"
    if size >= HEADING_MIN_SIZE:
        return "heading"
    return "body"


class _LineBuilder:
    """Collects characters into lines; a marker run becomes `[^N]` on the line it is raised above."""

    def __init__(self, page: int) -> None:
        self.page = page
        self.lines: list[PdfLine] = []
        self.role: str | None = None
        self.size = 0.0
        self.chars: list[str] = []
        self.marker: list[str] = []

    def _flush_marker(self) -> None:
        if self.marker:
            raw = "".join(self.marker).strip()
            numbers = re.findall(r"\d+", raw)
            if numbers and re.fullmatch(r"[\d,\s]+", raw) and self.role in ("body", "heading"):
                self.chars.append("".join(f"[^{n}]" for n in numbers))
            elif raw and self.role:
                self.chars.append(raw)
            self.marker = []

    def end_line(self) -> None:
        self._flush_marker()
        text = "".join(self.chars).strip()
        if text and self.role in ("body", "heading", "footnote"):
            self.lines.append(PdfLine(self.role, re.sub(r"[ \t]+", " ", text), self.page, self.size))
        self.role, self.chars = None, []

    def add(self, ch: str, role: str, size: float) -> None:
        if ch in "\r\n":
            self.end_line()
            return
        if role == "space":
            self._flush_marker()
            self.chars.append(" ")
            return
        if role == "marker":
            self.marker.append(ch)
            return
        self._flush_marker()
        if self.role is not None and role != self.role:
            self.end_line()
        if self.role is None:
            self.role, self.size = role, size
        self.chars.append(ch)


def read_pdf(path: Path) -> PdfText:
    """Extract typed lines from a PDF; raises UnreadableDocumentError with the reason."""
    try:
        document = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError) as exc:
        raise UnreadableDocumentError(path, str(exc)) from exc
    result = PdfText(page_count=len(document))
    matrix = pdfium_c.FS_MATRIX()
    try:
        for page_index in range(len(document)):
            text_page = document[page_index].get_textpage()
            raw = text_page.raw
            builder = _LineBuilder(page_index + 1)
            for i in range(text_page.count_chars()):
                ch = chr(pdfium_c.FPDFText_GetUnicode(raw, i))
                pdfium_c.FPDFText_GetMatrix(raw, i, matrix)
                size = pdfium_c.FPDFText_GetFontSize(raw, i) * math.hypot(matrix.c, matrix.d)
                builder.add(ch, _char_role(size), round(size, 1))
            builder.end_line()
            result.lines.extend(builder.lines)
    except pdfium.PdfiumError as exc:
        raise UnreadableDocumentError(path, str(exc)) from exc
    finally:
        document.close()
    if not any(line.role == "body" for line in result.lines):
        raise UnreadableDocumentError(path, "no text layer (scanned or empty PDF)")
    return result

