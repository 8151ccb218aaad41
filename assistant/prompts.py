"""Prompt and message templates live as text files in `prompts/`."""

from __future__ import annotations

from functools import lru_cache

from assistant.config import PROJECT_ROOT


@lru_cache(maxsize=None)
def load_prompt(name: str) -> str:
    return (PROJECT_ROOT / "prompts" / f"{name}.txt").read_text(encoding="utf-8").strip()
