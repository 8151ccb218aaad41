"""Words as search and answers compare them: one English stemmer and one stop-word list."""

from __future__ import annotations

import re

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

STEMMER = Stemmer.Stemmer("english")
STOPWORDS = frozenset(STOPWORDS_EN)  # left out of the BM25 index and queries
# Also left out when matching a question's words with a provision's sentences: question words, modal
# verbs and the words that name provisions, which say nothing about what the provision is about.
QUESTION_STOPWORDS = STOPWORDS | frozenset(
    "about all any art article been can could did do does from he her his how i its may me might must my our "
    "rule shall she should so than them those under we were what when where which who whom why would you your"
    .split()
)


def content_stems(text: str) -> set[str]:
    """Stems of the words that carry meaning (three letters or more, not stop words)."""
    words = re.findall(r"[a-zA-Z][a-zA-Z\-]+", text.lower())
    return {STEMMER.stemWord(w) for w in words if w not in QUESTION_STOPWORDS and len(w) > 2}
