"""Turn answers into what the page shows: chat text with linked markers, a sources panel with the
quoted span highlighted, and a Markdown transcript. All corpus and user text is HTML-escaped."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from urllib.parse import quote

from assistant.models import Answer, Source, Unit
from assistant.prompts import load_prompt
from assistant.ui.originals import source_link_html

MARKER = re.compile(r"\[(\d+)\]")


def chat_markdown(answer: Answer, turn: int, checklists: list[tuple[str, str]] | None = None) -> str:
    """The answer with each `[n]` marker as a link to its source card, any notice above it, what
    was searched when it differs from the question (a follow-up read with the conversation), and a link
    that opens the elements checklist of each crime in `checklists` ((locator, name))."""
    notice = f"⚠️ *{_escape_markdown(answer.notice)}*\n\n" if answer.notice else ""
    searched = f"\n\n*{_escape_markdown(searched_as(answer))}*" if searched_as(answer) else ""
    related = f"\n\n{related_markdown(answer, turn)}" if answer.related else ""
    if answer.declined:  # the plain reason is the answer; the measured one stays in the JSON
        return f"{notice}{_escape_markdown(answer.answer)}{related}{searched}"
    opens = ""
    if checklists:
        links = " · ".join(f"[{_escape_markdown(f'{name} ({locator})')}]({checklist_href(locator)})"
                           for locator, name in checklists)
        opens = f"\n\n*Open the elements checklist:* {links}"
    return notice + linked_markdown(answer.answer, turn) + related + opens + searched


def checklist_href(locator: str) -> str:
    """The link that opens the Elements checklist tab on a crime (app.js follows it)."""
    return "#checklist:" + quote(locator, safe="")


def related_heading(answer: Answer) -> str:
    """In the question's language, like the answer's other fixed words."""
    return load_prompt("label_closest" if answer.declined else "label_related", answer.language)


def related_markdown(answer: Answer, turn: int) -> str:
    """The provisions found but not quoted, each a link to its (closed) card in the sources panel."""
    links = " · ".join(f"[{_escape_markdown(r.label)}](#src-{turn}-r{i})" for i, r in enumerate(answer.related, 1))
    return f"*{related_heading(answer)}:* {links}"


def searched_as(answer: Answer) -> str:
    """"Searched as: …" when a follow-up was searched with words of the conversation, else ""."""
    if not answer.query or answer.query == answer.question:
        return ""
    return load_prompt("label_searched_as", answer.language).format(query=answer.query)


def linked_markdown(text: str, turn: int) -> str:
    """Escaped text whose `[n]` markers link to the source cards of this turn."""
    lines = []
    for line in text.splitlines():
        pieces = MARKER.split(line)  # text, marker, text, marker, …
        rendered = [_escape_markdown(piece) if i % 2 == 0 else f"[[{piece}]](#src-{turn}-{piece})"
                    for i, piece in enumerate(pieces)]
        lines.append("".join(rendered))
    return "\n\n".join(lines)


def uploads_markdown(documents) -> str:
    if not documents:
        return ("*No documents uploaded. Uploaded documents are searched with the corpus and cited as "
                "“uploaded: title, p. N”.*")
    rows = [f"| {_escape_markdown(d.title)} | {d.kind} | {d.units} | {_escape_markdown(d.original_name)} | `{d.id}` |"
            for d in documents]
    return "\n".join(["| title | type | units | file | id |", "|---|---|---|---|---|", *rows])


def _escape_markdown(text: str) -> str:
    """Corpus and user text is shown as text: HTML is escaped and Markdown link syntax defused."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def highlight(text: str, quote: str) -> str:
    """The unit text, escaped, with the quoted span in <mark>."""
    start = text.find(quote) if quote else -1
    if start < 0:
        return html.escape(text).replace("\n", "<br>")
    end = start + len(quote)
    parts = (html.escape(text[:start]), html.escape(text[start:end]), html.escape(text[end:]))
    return (f"{parts[0]}<mark>{parts[1]}</mark>{parts[2]}").replace("\n", "<br>")


def links_html(links: dict[str, list[tuple[str, str]]]) -> str:
    """"Refers to" and "Referred to by" lines of a source card; each provision opens in place."""
    lines = []
    for name, provisions in links.items():
        if provisions:
            opened = "".join(f"<details class='src-link'><summary>{html.escape(label)}</summary>"
                             f"<div class='src-text'>{html.escape(text).replace(chr(10), '<br>')}</div></details>"
                             for label, text in provisions)
            lines.append(f"<div class='src-links'><span class='src-links-name'>{name}:</span> {opened}</div>")
    return "".join(lines)


def sources_html(answer: Answer | None, units: list[Unit], turn: int,
                 links: list[dict[str, list[tuple[str, str]]]] | None = None,
                 related_units: list[Unit | None] | None = None) -> str:
    if answer is None:
        return "<div class='sources-empty'>The sources of each answer appear here.</div>"
    cards = []
    if answer.declined:
        cards.append("<div class='sources-empty sources-declined'>No sources: the question was declined.</div>")
    links = links or [{} for _ in units]
    for citation, unit, linked in zip(answer.citations, units, links):
        page = f" · PDF p. {citation.page}" if citation.page else ""
        context = (f"<div class='src-context'>{html.escape(unit.context)}</div>" if unit.context else "")
        cards.append(
            f"<details class='src-card' id='src-{turn}-{citation.marker}' open>"
            f"<summary><span class='src-marker'>[{citation.marker}]</span> "
            f"<b>{html.escape(citation.short_title)}, {html.escape(citation.unit)}</b>{page}</summary>"
            f"<div class='src-heading'>{html.escape(unit.heading)} — {html.escape(citation.title)}</div>"
            f"{_division(unit)}{context}<div class='src-text'>{highlight(unit.full_text, citation.quote)}</div>"
            f"{links_html(linked)}{_opens(citation.doc, unit)}</details>"
        )
    related = [(r, u) for r, u in zip(answer.related, related_units or []) if u is not None]
    if related:
        cards.append(f"<div class='src-related-name'>{related_heading(answer)}</div>")
    for number, (entry, unit) in enumerate(related, start=1):
        page = f" · PDF p. {unit.page}" if unit.page else ""
        cards.append(
            f"<details class='src-card src-related' id='src-{turn}-r{number}'>"
            f"<summary><b>{html.escape(entry.label)}</b>{page}</summary>"
            f"<div class='src-heading'>{html.escape(unit.heading)}</div>{_division(unit)}"
            f"<div class='src-text'>{html.escape(unit.full_text).replace(chr(10), '<br>')}</div>"
            f"{_opens(entry.doc, unit)}</details>"
        )
    return "\n".join(cards)


def _opens(doc: str, unit: Unit) -> str:
    """A card's links: its source opened at the provision, and the elements checklist of a crime."""
    checklist = (f" · <a class='open-checklist' href='{checklist_href(unit.unit)}'>Open the elements checklist</a>"
                 if unit.items else "")
    return f"<div class='src-open'>{source_link_html(doc, unit.unit, unit.page)}{checklist}</div>"


def turn_sources_html(answer: Answer, units: list[Unit], turn: int,
                      links: list[dict[str, list[tuple[str, str]]]] | None = None,
                      related_units: list[Unit | None] | None = None) -> str:
    """One answer's cards in a section of their own, headed by its question, with the answer and its
    sources in plain text for the copy button."""
    head = (f"<div class='turn-sources-head'>Sources of answer {turn}: "
            f"<q>{html.escape(answer.question)}</q></div>")
    copy = f"<pre class='copy-text' hidden>{html.escape(plain_text(answer))}</pre>"
    return (f"<section class='turn-sources' id='sources-turn-{turn}' data-turn='{turn}' "
            f"aria-label='Sources of answer {turn}'>{head}"
            f"{sources_html(answer, units, turn, links, related_units)}{copy}</section>")


def sources_panel_html(sections: list[str]) -> str:
    """The sources of every answer of the conversation; the latest shows, a marker of an earlier answer
    shows that answer's (app.js)."""
    if not sections:
        return sources_html(None, [], 0)
    last = len(sections) - 1
    return "\n".join(f"<div class='turn-wrap'{'' if n == last else ' hidden'}>{section}</div>"
                     for n, section in enumerate(sections))


def plain_text(answer: Answer) -> str:
    """The answer with its sources, as plain text (what the copy button copies)."""
    parts = []
    if answer.notice:
        parts.append(f"Note: {answer.notice}")
    parts += [line.strip() for line in answer.answer.splitlines() if line.strip()]
    if searched_as(answer):
        parts.append(searched_as(answer))
    if answer.citations:
        parts.append("Sources:\n" + "\n".join(_source_line(c) for c in answer.citations))
    if answer.related:
        parts.append(f"{related_heading(answer)}:\n" + "\n".join(f"- {r.label}" for r in answer.related))
    return "\n\n".join(parts)


def _source_line(citation) -> str:
    page = f", PDF p. {citation.page}" if citation.page else ""
    within = f"; {citation.division}" if citation.division else ""
    return (f"[{citation.marker}] {citation.short_title}, {citation.unit}{page} ({citation.title}{within}): "
            f"“{citation.quote}”")


def _division(unit: Unit) -> str:
    """Where the provision sits in its instrument ("Chapter 9. Offences and misconduct against the Court — …"):
    what a rule on "a period of limitation of five years" governs."""
    return f"<div class='src-division'>{html.escape(unit.division)}</div>" if unit.division else ""


def transcript_markdown(turns: list[dict], sources: list[Source] | None = None, exported: datetime | None = None,
                        title: str = "Gender Justice Assistant — transcript") -> str:
    """A conversation as Markdown: when it was exported, the corpus versions, and for each answer the
    instruments searched, what was searched for a follow-up, the answer paragraph by paragraph, every
    source quoted and the related provisions."""
    exported = exported or datetime.now(UTC)
    parts = [f"# {title}", "", f"Exported {exported:%Y-%m-%d %H:%M} UTC.", "",
             "Legal information, not legal advice. Check every citation against the source.", ""]
    if sources:
        parts += ["## Corpus", ""]
        parts += [f"- {s.short_title}: {s.title}" + (f" ({s.version})" if s.version else "") for s in sources]
        parts.append("")
    for number, turn in enumerate(turns, start=1):
        answer = Answer(**turn["answer"])
        filters = turn.get("filters")
        parts += [f"## {number}. {answer.question}", ""]
        parts += [f"*Instruments searched: {', '.join(filters) if filters else 'all'}.*", ""]
        if searched_as(answer):
            parts += [f"*{searched_as(answer)}*", ""]
        if answer.notice:
            parts += [f"> Note: {answer.notice}", ""]
        for line in answer.answer.splitlines():
            if line.strip():
                parts += [line.strip(), ""]
        if answer.citations:
            parts += ["**Sources**", ""]
            parts += [f"- {_source_line(c)}" for c in answer.citations]
            parts.append("")
        if answer.related:
            parts += [f"**{related_heading(answer)}**", ""]
            parts += [f"- {r.label}" for r in answer.related]
            parts.append("")
    return "\n".join(parts)
