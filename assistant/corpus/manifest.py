"""The corpus manifest (`corpus/sources.toml`): which documents exist and how to read them."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from assistant.errors import ManifestError
from assistant.models import Source


def load_manifest(path: Path) -> list[Source]:
    """Read and validate the manifest; ids must be unique."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ManifestError(f"corpus manifest not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"corpus manifest {path} is not valid TOML: {exc}") from exc
    try:
        sources = [Source(**entry) for entry in raw.get("document", [])]
    except ValidationError as exc:
        raise ManifestError(f"corpus manifest {path} has an invalid entry: {exc}") from exc
    ids = [source.id for source in sources]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ManifestError(f"corpus manifest {path} repeats ids: {', '.join(duplicates)}")
    return sources


def source_by_id(sources: list[Source]) -> dict[str, Source]:
    return {source.id: source for source in sources}
