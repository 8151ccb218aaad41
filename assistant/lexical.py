"""BM25 over the same chunk texts that are embedded (bm25s): their stems and their words as written."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np

from assistant.terms import STEMMER, STOPWORDS

SURFACE = "="  # marks a word as written, beside its stem


def _words(texts: list[str]) -> list[list[str]]:
    """Each text's words, lowercased, without stop words, as written."""
    return bm25s.tokenize(texts, stopwords=sorted(STOPWORDS), show_progress=False, return_ids=False)


def _tokens(texts: list[str]) -> list[list[str]]:
    """Each text's stems, and its words as written (plurals made singular): a stem may join a rare word to a
    common one ("psychologist" and "psychological" are both `psycholog`, "relative" and "related" `relat`), and
    the word as written keeps the rare one's weight."""
    return [STEMMER.stemWords(words) + [SURFACE + singular(w) for w in words] for words in _words(texts)]


def singular(word: str) -> str:
    """A plural's singular, by Harman's S-stemmer ("victims" → "victim", "parties" → "party") and "-sses", "-xes",
    "-ches", "-shes" ("witnesses" → "witness"); other words as they are."""
    if word.endswith(("sses", "xes", "ches", "shes")):  # "witnesses" → "witness"
        return word[:-2]
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


class LexicalIndex:
    def __init__(self, retriever: bm25s.BM25, size: int) -> None:
        self.retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        retriever = bm25s.BM25()
        retriever.index(_tokens(texts), show_progress=False)
        return cls(retriever, len(texts))

    def save(self, path: Path) -> None:
        self.retriever.save(str(path))
        (path / "size.txt").write_text(str(self.size), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        size = int((path / "size.txt").read_text(encoding="utf-8"))
        return cls(bm25s.BM25.load(str(path)), size)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None,
               stem: bool = True) -> list[tuple[int, float]]:
        """(chunk position, score) pairs, best first; `allowed` is a boolean mask over chunks; `stem=False`
        matches the query's words as they are (a question in another language: names, numbers, shared words)."""
        terms = (_tokens if stem else _words)([query])[0]
        terms = [t for t in terms if t in self.retriever.vocab_dict]
        if not terms:
            return []
        scores = self.retriever.get_scores(terms)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        top = np.argsort(-scores)[:k]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

