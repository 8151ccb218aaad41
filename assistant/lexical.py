"""BM25 over the same chunk texts that are embedded (bm25s, English stemming and stop words)."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np

from assistant.terms import STEMMER, STOPWORDS


def _tokenize(texts: list[str], stem: bool = True):
    return bm25s.tokenize(texts, stopwords=sorted(STOPWORDS), stemmer=STEMMER if stem else None, show_progress=False)


class LexicalIndex:
    def __init__(self, retriever: bm25s.BM25, size: int) -> None:
        self.retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        retriever = bm25s.BM25()
        retriever.index(_tokenize(texts), show_progress=False)
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
        tokens = _tokenize([query], stem)
        if not tokens.vocab:
            return []
        scores = self.retriever.get_scores(_query_terms(tokens))
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        top = np.argsort(-scores)[:k]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


def _query_terms(tokens) -> list[str]:
    inverse = {index: token for token, index in tokens.vocab.items()}
    return [inverse[i] for i in tokens.ids[0] if inverse.get(i)]
