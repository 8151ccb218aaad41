"""Words as search and answers compare them: one English stemmer and one stop-word list."""

from __future__ import annotations

import math
import re

import Stemmer
from bm25s.stopwords import STOPWORDS_EN


class _EnglishStemmer:
    """The Snowball English stemmer, which also gives one stem to a verb and its noun in "-ation" and reads British
    "-isation" as "-ization" (a question's "starving" finds AP II art. 14's "starvation"), except for words it may
    merge with a word of the opposite meaning here:
    PyStemmer 2 stems both "internal" and "international" to "intern" (3.1 gives "internat" for the second), and a
    question on an internal armed conflict would then match every provision on an international one."""

    KEPT = {"internal": "internal", "internally": "internal"}
    BRITISH = re.compile(r"isation(s?)$")  # "sterilisation" is stemmed as "sterilization" is: "steril"
    NOUN_OF_VERB = "at"  # "starvation" → "starvat", "starving" → "starv": one stem, "starv"
    SHORTEST_VERB = 5  # … only for a stem that long without it ("combat" stays "combat")
    # a verb and its noun that Snowball stems apart: "decides"/"decision", "concludes"/"conclusion",
    # "admit"/"admission" by the end of the noun's stem, in a stem two letters longer at least …
    NOUN_ENDINGS = (("cis", "cid"), ("vis", "vid"), ("clus", "clud"), ("miss", "mit"))
    NOUN_STEMS = {"detent": "detain", "retent": "retain"}  # … and "detain"/"detention" by the whole stem

    def __init__(self) -> None:
        self._snowball = Stemmer.Stemmer("english")

    def stemWord(self, word: str) -> str:  # PyStemmer's names, which bm25s calls
        kept = self.KEPT.get(word)
        if kept:
            return kept
        stem = self._snowball.stemWord(self.BRITISH.sub(r"ization\1", word))
        if stem.endswith(self.NOUN_OF_VERB) and len(stem) - len(self.NOUN_OF_VERB) >= self.SHORTEST_VERB:
            return stem[: -len(self.NOUN_OF_VERB)]
        for noun, verb in self.NOUN_ENDINGS:
            if stem.endswith(noun) and len(stem) >= len(noun) + 2:
                return stem[: -len(noun)] + verb
        return self.NOUN_STEMS.get(stem, stem)

    def stemWords(self, words: list[str]) -> list[str]:
        return [self.stemWord(word) for word in words]


STEMMER = _EnglishStemmer()
# Left out of the BM25 index and queries: English stop words, and the words with which questions ask
# for a definition or name a provision ("how does the Statute define …", "under which article …"),
# which would otherwise pull in every "as defined in article 7" and the Rules' use-of-terms rule.
STOPWORDS = frozenset(STOPWORDS_EN) | frozenset("define defined defines definition article articles icc".split())
# The words that ask a question, left out of its BM25 query: provisions seldom use them ("who", "when", "may" and
# "shall" stay there, as provisions say with them whom they cover and on what condition).
ASKING = frozenset(
    "how what why whether can could did do does would should must might been were just really actually exactly "
    "already even ever still though although someone anyone i me my you your we our".split()
)
QUESTION_WORDS = re.compile(rf"\b(?:{'|'.join(sorted(ASKING))})\b", re.IGNORECASE)
# Also left out when matching a question's words with a provision's sentences: those words, modal verbs and the
# words that name provisions, which say nothing about what the provision is about.
QUESTION_STOPWORDS = STOPWORDS | ASKING | frozenset(
    "about all any art article from he her his its may rule shall she so than them those under when where which "
    "who whom never".split()
)


def _words(text: str, parts: bool = False) -> list[str]:
    """The words of a text; with `parts`, a hyphenated word also as its parts."""
    words = re.findall(r"[a-zA-Z][a-zA-Z\-]+", text.lower())
    return words + [part for word in words if "-" in word for part in word.split("-")] if parts else words


def stem_sequence(text: str, parts: bool = False) -> list[str]:
    """The stems of the words that carry meaning (three letters or more, not stop words), in their order."""
    return [STEMMER.stemWord(w) for w in _words(text, parts) if w not in QUESTION_STOPWORDS and len(w) > 2]


def content_stems(text: str, parts: bool = False) -> set[str]:
    """The stems of the words that carry meaning. A provision's words are taken with `parts`: its "video-link" is
    what a question asking about a "video link" means, while a question's "gender-based" does not ask about every
    provision on "gender"."""
    return set(stem_sequence(text, parts))


class WordWeights:
    """How much each word of a question tells provisions apart: its rarity in the corpus (log N/df), except
    that two adjacent words that the corpus nearly always uses together ("sexual violence") weigh as the one
    phrase they are, not twice: otherwise "Can survivors of sexual violence get reparations?" is matched by
    any provision on sexual violence before the one on reparations."""

    TOGETHER = 0.5  # share of the rarer word's provisions that also use the other: the two make a phrase
    COMMON = 5.0  # a word rarer than this (in under 0.7% of provisions) is distinctive alone: never merged

    def __init__(self, texts) -> None:
        self.units_of: dict[str, set[int]] = {}
        self.total = 0
        for position, text in enumerate(texts):
            self.total += 1
            for stem in content_stems(text, parts=True):
                self.units_of.setdefault(stem, set()).add(position)
        self.rarity = {stem: math.log(self.total / len(units)) for stem, units in self.units_of.items()}

    def of_question(self, text: str) -> dict[str, float]:
        """Each content stem of the question → its weight; a phrase's words share the phrase's rarity."""
        sequence = stem_sequence(text)
        weights = {stem: self.rarity[stem] for stem in sequence if stem in self.rarity}
        for first, second in zip(sequence, sequence[1:]):
            if first == second or first not in self.rarity or second not in self.rarity:
                continue
            if max(self.rarity[first], self.rarity[second]) >= self.COMMON:  # "forced nudity": "nudity" says it
                continue
            both = len(self.units_of[first] & self.units_of[second])
            rarer = min(len(self.units_of[first]), len(self.units_of[second]))
            if both and both >= self.TOGETHER * rarer:
                phrase = math.log(self.total / both) / 2
                weights[first] = min(weights[first], phrase)
                weights[second] = min(weights[second], phrase)
        return weights
