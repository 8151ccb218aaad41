"""The locator grammar, in one place: canonical pinpoints (`art. 7(2)(f)`, `rule 70(c)`,
`art. 7(1)(g)-1`, `Gender apartheid, para. 2`), how they nest, and the headings units carry
("Article 7 — Crimes against humanity"). A leaf module: it imports nothing from the package."""

from __future__ import annotations

import re

HEADING_SEPARATOR = " — "
ELEMENTS_SUFFIX = re.compile(r"-\d+$")  # `art. 7(1)(g)-1`: one crime of the Elements under art. 7(1)(g)
ARTICLE_OR_RULE = re.compile(r"^((?:annex [IVX]+, )?(?:art\.|rule) [0-9IVX]+(?: bis| ter| quater)?)")


def article_of(locator: str) -> str:
    """`art. 7(2)(f)` → `art. 7`; `rule 70(c)` → `rule 70`; `art. 7(1)(g)-1` → `art. 7`."""
    match = ARTICLE_OR_RULE.match(locator)
    return match.group(1) if match else locator.split(",")[0]


def parent_of(locator: str) -> str:
    """The provision whose sub-paragraphs are siblings: `rule 70(c)` → `rule 70`,
    `art. 8(2)(e)(vi)-1` → `art. 8(2)(e)(vi)`, `Gender apartheid, para. 2` → `Gender apartheid`."""
    if ELEMENTS_SUFFIX.search(locator):
        return without_elements_suffix(locator)
    if ", para. " in locator:
        return locator.rsplit(", para. ", 1)[0]
    return re.sub(r"\([0-9a-z]+\)$", "", locator)


def without_elements_suffix(locator: str) -> str:
    """The Statute provision an Elements crime elaborates: `art. 7(1)(g)-1` → `art. 7(1)(g)`."""
    return ELEMENTS_SUFFIX.sub("", locator)


def is_article(locator: str) -> bool:
    """`art. 7(1)(g)-1` is (under) an article; `general introduction, para. 2` is not."""
    return locator.startswith("art. ")


def is_within(locator: str, ancestor: str) -> bool:
    """`art. 7(2)(f)` is within `art. 7` and `art. 7(2)`; `art. 7(1)(g)-3` within `art. 7(1)(g)`."""
    return locator == ancestor or (locator.startswith(ancestor) and locator[len(ancestor)] in "(-,")


def bracket_suffix(brackets: str) -> str:
    """Sub-paragraph labels as written in a question → canonical form: ` (2) (F)` → `(2)(f)`."""
    return "".join(f"({part.strip().lower()})" for part in re.findall(r"\(\s*([0-9a-zA-Z]+)\s*\)", brackets))


def heading_title(heading: str) -> str | None:
    """"Article 7 — Crimes against humanity" → "Crimes against humanity"; None without a title."""
    return heading.split(HEADING_SEPARATOR, 1)[1] if HEADING_SEPARATOR in heading else None


def heading_name(heading: str) -> str:
    """The title when the heading has one, else the whole heading."""
    return heading_title(heading) or heading


DIVISION_SEPARATOR = " — "  # between an instrument's nested divisions: "Chapter 9. … — Section I. …"
