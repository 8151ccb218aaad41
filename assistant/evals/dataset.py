"""Gold evaluation records (`evals/datasets/*.jsonl`)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field


class EvalRecord(BaseModel):
    id: str
    question: str
    topic: str
    kind: str
    gold: list[tuple[str, str]] = Field(description="(doc, unit) pinpoints a correct answer cites.")
    key_facts: list[str] = Field(default_factory=list)
    answerable: bool = True
    history: list[str] = Field(default_factory=list)
    language: str = Field(default="en", description="The question's language (the multilingual set: es, fr, ar, …).")
    source: str = Field(default="", description="The gold question it translates (the multilingual set).")


def load_dataset(path: Path) -> list[EvalRecord]:
    records = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    records.append(EvalRecord(**json.loads(line)))
                except (ValueError, TypeError) as exc:
                    raise ValueError(f"{path}:{number}: {exc}") from exc
    return records
