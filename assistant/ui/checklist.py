"""The elements checklist: a crime's elements one by one, linked to the Statute provision that
defines it and to the procedural provisions that matter for proving it, each with its citation."""

from __future__ import annotations

import html
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.locators import heading_name, is_within, without_elements_suffix
from assistant.models import Answer, Source, Unit
from assistant.ui.originals import source_link_html

if TYPE_CHECKING:  # the index module loads the parsers and BM25; the checklist only reads a built store
    from assistant.index import IndexStore

CHECKLIST_FILE = Path(__file__).parent / "checklist.toml"


@dataclass
class Checklist:
    crime: Unit
    source: Source  # the instrument that states the elements
    defined_in: Source | None = None  # the instrument whose provisions it elaborates
    statute: list[Unit] = field(default_factory=list)  # the crime in the Statute and its definition
    groups: list[tuple[str, list[Unit]]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return crime_name(self.crime)

    def element_labels(self) -> list[str]:
        return [f"{item}  — {self.source.short_title}, {self.crime.unit}, element {n}"
                for n, item in enumerate(self.crime.items, start=1)]


def crime_name(crime: Unit) -> str:
    """The crime's name: its title in the Elements, or the name checklist.toml gives a crime whose Elements
    heading is the Statute's text (art. 8(2)(b)(viii))."""
    return _names().get(crime.unit) or heading_name(crime.heading)


@cache
def _names() -> dict[str, str]:
    return tomllib.loads(CHECKLIST_FILE.read_text(encoding="utf-8")).get("names", {})


def crimes(store: IndexStore) -> list[tuple[str, str]]:
    """(label, locator) of every crime with numbered elements, in document order."""
    return [(f"{crime_name(u)} ({u.unit})", u.unit) for u in store.units if u.items]


def crimes_of(answer: Answer, store: IndexStore, sources: list[Source], limit: int = 3) -> list[tuple[str, str]]:
    """(locator, name) of the crimes with an elements checklist that an answer cites: the crimes of the Elements
    it quotes, and the crime of each Statute provision it quotes that one crime of the Elements elaborates
    (art. 7(1)(h) → persecution; art. 7(1)(g) lists six crimes, so it names none). At most `limit`."""
    elaborates = {s.id: s.elaborates for s in sources if s.elaborates}
    found: dict[str, str] = {}
    for citation in answer.citations:
        unit = store.unit(citation.doc, citation.unit)
        if unit is not None and unit.items:
            found.setdefault(unit.unit, crime_name(unit))
            continue
        elaborating = [u for u in store.units if u.items and elaborates.get(u.doc) == citation.doc
                       and without_elements_suffix(u.unit) == citation.unit]
        if len(elaborating) == 1:
            found.setdefault(elaborating[0].unit, crime_name(elaborating[0]))
    return list(found.items())[:limit]


def _units_within(store: IndexStore, doc: str, locator: str) -> list[Unit]:
    return [u for u in store.units if u.doc == doc and is_within(u.unit, locator)]


def _provision(store: IndexStore, doc: str, locator: str) -> list[Unit]:
    if locator.endswith("*"):
        return _units_within(store, doc, locator[:-1])
    unit = store.unit(doc, locator)
    return [unit] if unit else []


def _defining_provisions(store: IndexStore, statute: str, crime: Unit) -> list[Unit]:
    found = _units_within(store, statute, without_elements_suffix(crime.unit))
    term = crime.heading.split(" of ", 1)[-1].strip().lower() if " of " in crime.heading else ""
    if term:
        pattern = re.compile(r"“[^”]*" + re.escape(term) + r"[^”]*” means", re.IGNORECASE)
        found += [u for u in store.units if u.doc == statute and pattern.search(u.text) and u not in found]
    return found


def build_checklist(store: IndexStore, sources: list[Source], locator: str) -> Checklist:
    crime = next((u for u in store.units if u.items and u.unit == locator), None)
    if crime is None:
        raise KeyError(f"no crime {locator} with numbered elements in the corpus")
    by_id = {s.id: s for s in sources}
    source = by_id[crime.doc]
    defined_in = by_id.get(source.elaborates or "")
    statute = _defining_provisions(store, defined_in.id, crime) if defined_in else []
    checklist = Checklist(crime=crime, statute=statute, source=source, defined_in=defined_in)
    config = tomllib.loads(CHECKLIST_FILE.read_text(encoding="utf-8"))
    shown = {(u.doc, u.unit) for u in statute}  # a provision is listed once, where it first belongs
    for group in config["group"]:
        if any(re.search(p, locator) for p in group["crimes"]):
            units = []
            for doc, loc in group["provisions"]:
                for unit in _provision(store, doc, loc):
                    if (unit.doc, unit.unit) not in shown:
                        shown.add((unit.doc, unit.unit))
                        units.append(unit)
            if units:
                checklist.groups.append((group["name"], units))
    return checklist


def _card(unit: Unit, short_title: str) -> str:
    page = f" · PDF p. {unit.page}" if unit.page else ""
    return (f"<div class='src-card'><div><b>{html.escape(short_title)}, {html.escape(unit.unit)}</b>{page}</div>"
            f"<div class='src-text'>{html.escape(unit.full_text).replace(chr(10), '<br>')}</div>"
            f"<div class='src-open no-print'>{source_link_html(unit.doc, unit.unit, unit.page)}</div></div>")


def checklist_html(checklist: Checklist, short_titles: dict[str, str]) -> str:
    parts = []
    if checklist.crime.notes:
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in checklist.crime.notes)
        parts.append(f"<h4>Footnotes to these elements ({html.escape(checklist.source.short_title)}, "
                     f"{html.escape(checklist.crime.unit)})</h4>"
                     f"<ul class='notes'>{notes}</ul>")
    if checklist.statute and checklist.defined_in:
        parts.append(f"<h4>Defined in the {html.escape(checklist.defined_in.short_title)}</h4>")
        parts += [_card(u, short_titles[u.doc]) for u in checklist.statute]
    for name, units in checklist.groups:
        parts.append(f"<h4>{html.escape(name)}</h4>")
        parts += [_card(u, short_titles[u.doc]) for u in units]
    return "\n".join(parts)


def checklist_markdown(checklist: Checklist, short_titles: dict[str, str], ticked: list[str] | None = None) -> str:
    """The checklist as Markdown: each element with its box ticked or not, the footnotes, and every
    provision quoted with its citation."""
    ticked = set(ticked or [])
    parts = [f"# {checklist.title}", "",
             f"Elements of Crimes, {checklist.crime.unit} (PDF p. {checklist.crime.page}). "
             "Legal information, not legal advice.", "", "## Elements", ""]
    parts += [f"- [{'x' if label in ticked else ' '}] {label}" for label in checklist.element_labels()]
    parts.append("")
    if checklist.crime.notes:
        parts += [f"## Footnotes to these elements ({checklist.source.short_title}, {checklist.crime.unit})", ""]
        parts += [f"- {note}" for note in checklist.crime.notes]
        parts.append("")
    sections = []
    if checklist.statute and checklist.defined_in:
        sections.append((f"Defined in the {checklist.defined_in.short_title}", checklist.statute))
    sections += checklist.groups
    for name, units in sections:
        parts += [f"## {name}", ""]
        for unit in units:
            page = f", PDF p. {unit.page}" if unit.page else ""
            parts += [f"**{short_titles[unit.doc]}, {unit.unit}**{page}", ""]
            parts += [f"> {line}" if line.strip() else ">" for line in unit.full_text.splitlines()]
            parts.append("")
    return "\n".join(parts)
