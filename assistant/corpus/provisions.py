"""Split the body of an article or rule into its numbered paragraphs, letters and roman items.

Used by every parser: `1.` / `(1)` paragraphs, `(a)` letters and `(i)` roman items become leaf
units with locators such as `art. 8(2)(b)(xxii)`. A label only counts when it continues the
sequence (after `(h)` comes letter `(i)`, after `(iii)` roman `(iv)`), and not when the previous
line ends in a cross-reference ("… article 19, paragraph" + "2. …"), so wrapped references are
not mistaken for new provisions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FOOTNOTE_MARK = re.compile(r"\[\^(\d+)\]")
NUMBER_LABEL = re.compile(r"^(?:(\d+)\.(?=\s)|\((\d+)\))\s*")
LETTER_LABEL = re.compile(r"^\(([a-z])\)\s*")
ROMAN_LABEL = re.compile(r"^\(([ivxl]+)\)\s*")
CROSS_REFERENCE_END = re.compile(
    r"\b(?:articles?|paragraphs?|sub-?paragraphs?|rules?|sub-rules?)"
    r"(?:\s+[0-9]+(?:\s*\([0-9a-z]+\))*\s*(?:,|and|or|to))?\s*,?$",
    re.IGNORECASE,
)
ROMANS = [
    "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv",
    "xvi", "xvii", "xviii", "xix", "xx", "xxi", "xxii", "xxiii", "xxiv", "xxv", "xxvi", "xxvii",
    "xxviii", "xxix", "xxx",
]  # fmt: skip


@dataclass
class TextLine:
    text: str
    page: int | None = None


@dataclass
class Provision:
    """A labelled piece of an article: `path` is e.g. ("2", "b", "xxii"); () for the article itself."""

    path: tuple[str, ...]
    lines: list[str] = field(default_factory=list)
    page: int | None = None
    footnotes: list[str] = field(default_factory=list)
    context: str = ""

    @property
    def text(self) -> str:
        return join_lines(self.lines)

    def suffix(self) -> str:
        return "".join(f"({part})" for part in self.path)


def join_lines(lines: list[str]) -> str:
    """Join printed lines into running text and drop footnote markers."""
    text = " ".join(line.strip() for line in lines if line.strip())
    text = FOOTNOTE_MARK.sub("", text)
    return re.sub(r"\s+", " ", text).replace(" ,", ",").strip()


def footnote_numbers(text: str) -> list[str]:
    return FOOTNOTE_MARK.findall(text)


def _next_letter(letter: str | None) -> str:
    return "a" if letter is None else chr(ord(letter) + 1)


def _next_roman(roman: str | None) -> str:
    if roman is None:
        return "i"
    index = ROMANS.index(roman) + 1 if roman in ROMANS else len(ROMANS) - 1
    return ROMANS[min(index, len(ROMANS) - 1)]


class _State:
    def __init__(self) -> None:
        self.number: str | None = None
        self.letter: str | None = None
        self.roman: str | None = None

    def path(self) -> tuple[str, ...]:
        return tuple(p for p in (self.number, self.letter, self.roman) if p is not None)


def _label(line: str, state: _State, previous_line: str) -> tuple[str, str, str] | None:
    """Return (level, label, rest) when the line starts a new provision, else None."""
    if previous_line and CROSS_REFERENCE_END.search(previous_line.rstrip()):
        return None
    match = NUMBER_LABEL.match(line)
    if match:
        number = match.group(1) or match.group(2)
        expected = 1 if state.number is None else int(state.number) + 1
        if int(number) in (expected, expected + 1):
            return "number", number, line[match.end() :]
        return None
    letter_match = LETTER_LABEL.match(line)
    roman_match = ROMAN_LABEL.match(line)
    if letter_match and letter_match.group(1) == _next_letter(state.letter):
        # "(i)" after "(h)" is the letter, unless a roman list is running inside the letter.
        if not (roman_match and state.roman is not None and roman_match.group(1) == _next_roman(state.roman)):
            return "letter", letter_match.group(1), line[letter_match.end() :]
    if roman_match:
        roman = roman_match.group(1)
        if state.letter is not None and roman == _next_roman(state.roman):
            return "roman", roman, line[roman_match.end() :]
    return None


def split_provisions(lines: list[TextLine]) -> list[Provision]:
    """Split an article body into provisions in document order (chapeaux included)."""
    state = _State()
    provisions: list[Provision] = [Provision(path=())]
    previous = ""
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        found = _label(text, state, previous)
        if found:
            level, label, rest = found
            if level == "number":
                state.number, state.letter, state.roman = label, None, None
                if LETTER_LABEL.match(rest) and LETTER_LABEL.match(rest).group(1) == "a":  # "8. (a) …"
                    state.letter = "a"
            elif level == "letter":
                state.letter, state.roman = label, None
            else:
                state.roman = label
            provisions.append(Provision(path=state.path(), page=line.page))
        current = provisions[-1]
        if current.page is None:
            current.page = line.page
        current.lines.append(text)
        current.footnotes.extend(footnote_numbers(text))
        previous = text
    if not provisions[0].lines:
        provisions.pop(0)
    _attach_context(provisions)
    return provisions


def _attach_context(provisions: list[Provision]) -> None:
    """Give each provision the text of its ancestors (the chapeau it depends on)."""
    by_path = {p.path: p for p in provisions}
    for provision in provisions:
        ancestors = [provision.path[:i] for i in range(len(provision.path))]
        provision.context = " ".join(by_path[a].text for a in ancestors if a in by_path and by_path[a].lines)
