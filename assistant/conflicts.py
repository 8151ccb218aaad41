"""Which kind of armed conflict a text is about: the Statute lists the same crime twice, once for an
international armed conflict (art. 8(2)(b)) and once for one not of an international character
(art. 8(2)(e)), and a question about one is not answered by the other."""

from __future__ import annotations

import re
from typing import Protocol

NON_INTERNATIONAL = re.compile(
    r"non-international( armed conflicts?)?|(armed conflicts? )?not of an international character|internal armed "
    r"conflicts?|civil wars?", re.IGNORECASE)
INTERNATIONAL = re.compile(r"\binternational armed conflicts?", re.IGNORECASE)


def without_conflict(text: str) -> str:
    """The text without the kind of armed conflict it names ("rape in internal armed conflicts" → "rape in")."""
    return INTERNATIONAL.sub(" ", NON_INTERNATIONAL.sub(" ", text))


def conflict_of(text: str) -> str | None:
    """"non-international", "international", or None when the text names neither."""
    if NON_INTERNATIONAL.search(text):
        return "non-international"
    return "international" if INTERNATIONAL.search(text) else None


class Provision(Protocol):
    context: str
    text: str


def conflict_of_provision(provision: Provision) -> str | None:
    """The kind of armed conflict of a provision, read with its chapeau (art. 8(2)(e)'s "… not of an
    international character" for art. 8(2)(e)(vi)), or else that of its instrument, when its title names one
    (Protocol I's provisions are about international armed conflicts)."""
    own = conflict_of(f"{provision.context}\n{provision.text}")
    return own or conflict_of(getattr(provision, "title", ""))
