"""Where a term appears verbatim in the corpus ("forced pregnancy": Rome Statute, art. 7(1)(g),
art. 7(2)(f), …), separating the binding instruments from commentary. It answers "is X a crime / does
the Statute mention X" with what can be checked, never with a claim about case law."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.models import Source, Unit

BINDING = ("treaty", "icc-instrument")
ENFORCED = "(?:en)?forced"


def term_pattern(term: str) -> re.Pattern[str]:
    """The term as a whole-word pattern that accepts a plural, any spacing or hyphen between its
    words, either spelling of -ise/-ize words ("enforced sterilisation" finds "sterilization"), and "forced"
    or "enforced", which the law uses interchangeably ("forced sterilisation" finds the Statute's "enforced
    sterilization", as "forced disappearance" its "enforced disappearance")."""
    words = [re.sub(r"i[sz](?=(?:ation|ations|e|ed|es|ing)$)", "i[sz]", re.escape(w.lower())) for w in term.split()]
    words = [ENFORCED if w in ("forced", "enforced") else w for w in words]
    return re.compile(r"\b" + r"[\s\-]+".join(words) + r"(?:s|es)?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Occurrences:
    term: str
    binding: list[Unit]  # in the binding instruments (treaties, ICC instruments), in corpus order
    commentary: list[Unit]  # in policy and civil-society texts
    binding_instruments: list[str]  # short titles of the binding instruments searched


class Concordance:
    """Exact search over every unit of the indexed corpus."""

    def __init__(self, units: list[Unit], sources: list[Source]) -> None:
        by_id = {s.id: s for s in sources}
        self.units = [u for u in units if u.doc in by_id]
        self.lowered = [u.text.lower() for u in self.units]
        self.binding_docs = {s.id for s in sources if s.authority in BINDING}
        self.titles = {d: by_id[d].short_title for d in dict.fromkeys(u.doc for u in self.units)}

    def find(self, term: str, docs: list[str] | None = None) -> Occurrences:
        """Where the term appears, in the documents searched (`docs`; None: all)."""
        pattern = term_pattern(term)
        stem = term.split()[0].lower()[:4]  # a cheap test first: every match contains it
        found = [u for u, low in zip(self.units, self.lowered)
                 if (docs is None or u.doc in docs) and stem in low and pattern.search(u.text)]
        searched = [d for d in self.titles if d in self.binding_docs and (docs is None or d in docs)]
        return Occurrences(
            term=term,
            binding=[u for u in found if u.doc in self.binding_docs],
            commentary=[u for u in found if u.doc not in self.binding_docs],
            binding_instruments=[self.titles[d] for d in searched],
        )
