"""The elements checklist: a crime's elements one by one, linked to the Statute provision that
defines it and to the procedural provisions that matter for proving it, each with its citation."""

from __future__ import annotations

import html
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from assistant.index import IndexStore
from assistant.models import Unit
from assistant.retrieval import is_within

CHECKLIST_FILE = Path(__file__).parent / "checklist.toml"
ELEMENTS = "elements-of-crimes"
STATUTE = "rome-statute"


@dataclass
class Checklist:
    crime: Unit
    statute: list[Unit] = field(default_factory=list)  # the crime in the Statute and its definition
    groups: list[tuple[str, list[Unit]]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.crime.heading.split(" — ", 1)[-1]

    def element_labels(self) -> list[str]:
        return [f"{item}  — Elements of Crimes, {self.crime.unit}, element {n}"
                for n, item in enumerate(self.crime.items, start=1)]


def crimes(store: IndexStore) -> list[tuple[str, str]]:
    """(label, locator) of every crime in the Elements of Crimes, in document order."""
    return [(f"{u.heading.split(' — ', 1)[-1]} ({u.unit})", u.unit)
            for u in store.units if u.doc == ELEMENTS and u.items]


def _units_within(store: IndexStore, doc: str, locator: str) -> list[Unit]:
    return [u for u in store.units if u.doc == doc and is_within(u.unit, locator)]


def _provision(store: IndexStore, doc: str, locator: str) -> list[Unit]:
    if locator.endswith("*"):
        return _units_within(store, doc, locator[:-1])
    unit = store.unit(doc, locator)
    return [unit] if unit else []


def _defining_provisions(store: IndexStore, crime: Unit) -> list[Unit]:
    found = _units_within(store, STATUTE, re.sub(r"-\d+$", "", crime.unit))
    term = crime.heading.split(" of ", 1)[-1].strip().lower() if " of " in crime.heading else ""
    if term:
        pattern = re.compile(r"“[^”]*" + re.escape(term) + r"[^”]*” means", re.IGNORECASE)
        found += [u for u in store.units if u.doc == STATUTE and pattern.search(u.text) and u not in found]
    return found


def build_checklist(store: IndexStore, locator: str) -> Checklist:
    crime = store.unit(ELEMENTS, locator)
    if crime is None or not crime.items:
        raise KeyError(f"no crime {locator} in the Elements of Crimes")
    checklist = Checklist(crime=crime, statute=_defining_provisions(store, crime))
    config = tomllib.loads(CHECKLIST_FILE.read_text(encoding="utf-8"))
    for group in config["group"]:
        if any(re.search(p, locator) for p in group["crimes"]):
            units = [u for doc, loc in group["provisions"] for u in _provision(store, doc, loc)]
            if units:
                checklist.groups.append((group["name"], units))
    return checklist


def _card(unit: Unit, short_title: str) -> str:
    page = f" · PDF p. {unit.page}" if unit.page else ""
    return (f"<div class='src-card'><div><b>{html.escape(short_title)}, {html.escape(unit.unit)}</b>{page}</div>"
            f"<div class='src-text'>{html.escape(unit.full_text).replace(chr(10), '<br>')}</div></div>")


def checklist_html(checklist: Checklist, short_titles: dict[str, str]) -> str:
    parts = []
    if checklist.crime.notes:
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in checklist.crime.notes)
        parts.append(f"<h4>Footnotes to these elements (Elements of Crimes, {html.escape(checklist.crime.unit)})</h4>"
                     f"<ul class='notes'>{notes}</ul>")
    if checklist.statute:
        parts.append("<h4>Defined in the Rome Statute</h4>")
        parts += [_card(u, short_titles[u.doc]) for u in checklist.statute]
    for name, units in checklist.groups:
        parts.append(f"<h4>{html.escape(name)}</h4>")
        parts += [_card(u, short_titles[u.doc]) for u in units]
    return "\n".join(parts)
