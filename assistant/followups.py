"""Is a question a follow-up, read with the conversation ("And in a non-international armed
conflict?", "Does that definition cover boys?"), or a new question, read alone ("Can a commander be
liable for rapes by his troops?" after a question on gender apartheid)?"""

from __future__ import annotations

import re

OPENER = re.compile(r"^(?:and|but|also|so|then|what about|how about|what if|and if|if so|in that case|same)\b",
                    re.IGNORECASE)
SUBJECT_PRONOUN = re.compile(
    r"^(?:does|do|did|is|are|was|were|can|could|would|will|should|must|may)\s+(?:that|this|it|they|those|these|such)\b",
    re.IGNORECASE)
EXPLETIVE_IT = re.compile(r"^(?:is|was|would|will|could)\s+it\b.*\b(?:to|if|when|where|that|for)\b", re.IGNORECASE)
BACK_REFERENCE = re.compile(
    r"\b(?:that|this|those|these|such)\s+(?:definition|provision|article|rule|crime|crimes|case|cases|standard|"
    r"requirement|threshold|act|acts|offence|offences|conduct|situation|element|elements|list|test)\b"
    r"|\bthe same(?=\s*(?:[?.!]|$|under\b|in\b|for\b|when\b|if\b))", re.IGNORECASE)
TRAILING_PRONOUN = re.compile(r"\b(?:it|them)\s*[?.!]?$", re.IGNORECASE)
SHORT = 12  # words: "Can the national authorities change the amounts when they enforce it?"


def is_follow_up(question: str) -> bool:
    """Whether the question leans on the one before it: an elliptical opener ("And …", "What about …"),
    a subject that points back ("Does that …", "Is it also …"), or a back-reference ("that definition",
    "the same", "… enforce it?")."""
    text = question.strip()
    if OPENER.match(text) or BACK_REFERENCE.search(text):
        return True
    if TRAILING_PRONOUN.search(text) and len(text.split()) <= SHORT:
        return True
    return bool(SUBJECT_PRONOUN.match(text)) and not EXPLETIVE_IT.match(text)
