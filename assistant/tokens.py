"""Token counting with tiktoken, offline: the encodings ship inside llama-index-core."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


def _point_tiktoken_at_packaged_cache() -> None:
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        return
    import llama_index.core

    cache = Path(llama_index.core.__file__).parent / "_static" / "tiktoken_cache"
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)


@lru_cache(maxsize=1)
def _encoding():
    _point_tiktoken_at_packaged_cache()
    import tiktoken

    return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text))


def truncate_tokens(text: str, limit: int) -> str:
    tokens = _encoding().encode(text)
    return text if len(tokens) <= limit else _encoding().decode(tokens[:limit])
