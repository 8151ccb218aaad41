"""Words as search and answers compare them: one English stemmer and one stop-word list."""

from __future__ import annotations

import math
import re

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

STEMMER = Stemmer.Stemmer("english")
# Left out of the BM25 index and queries: English stop words, and the words with which questions ask
# for a definition or name a provision ("how does the Statute define …", "under which article …"),
# which would otherwise pull in every "as defined in article 7" and the Rules' use-of-terms rule.
STOPWORDS = frozenset(STOPWORDS_EN) | frozenset("define defined defines definition article articles icc".split())
# Also left out when matching a question's words with a provision's sentences: question words, modal
# verbs and the words that name provisions, which say nothing about what the provision is about.
QUESTION_STOPWORDS = STOPWORDS | frozenset(
    "about all any art article been can could did do does from he her his how i its may me might must my our "
    "rule shall she should so than them those under we were what when where which who whom why would you your "
    "even though although never ever still really just exactly actually already anyone someone whether"
    .split()
)


def content_stems(text: str) -> set[str]:
    """Stems of the words that carry meaning (three letters or more, not stop words)."""
    words = re.findall(r"[a-zA-Z][a-zA-Z\-]+", text.lower())
    return {STEMMER.stemWord(w) for w in words if w not in QUESTION_STOPWORDS and len(w) > 2}


def rarity_weights(texts) -> dict[str, float]:
    """Inverse document frequency of each content stem over the texts (log N/df): "reparations" weighs
    more than "sexual" or "violence" in a corpus on sexual violence."""
    counts: dict[str, int] = {}
    total = 0
    for text in texts:
        total += 1
        for stem in content_stems(text):
            counts[stem] = counts.get(stem, 0) + 1
    return {stem: math.log(total / count) for stem, count in counts.items()}
