"""Prompt and message templates live as text files in `prompts/`, versioned by `prompts/VERSION`."""

from __future__ import annotations

import hashlib
from functools import cache, lru_cache

from assistant.config import PROJECT_ROOT

PROMPTS = PROJECT_ROOT / "prompts"
REFUSAL = "INSUFFICIENT_SOURCES"  # what the model replies when the sources do not answer


@cache
def load_prompt(name: str) -> str:
    return (PROMPTS / f"{name}.txt").read_text(encoding="utf-8").strip()


@lru_cache(maxsize=1)
def prompt_version() -> str:
    """`<VERSION>+<hash of every template>`: a changed template shows even when VERSION was not bumped."""
    digest = hashlib.sha256()
    for path in sorted(PROMPTS.glob("*.txt")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    number = (PROMPTS / "VERSION").read_text(encoding="utf-8").strip()
    return f"{number}+{digest.hexdigest()[:8]}"
