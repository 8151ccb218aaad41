"""Workshop scenario sets: YAML files with a fact pattern, exercises and discussion prompts."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

WORKSHOP_DIR = Path(__file__).parent / "workshops"


class Exercise(BaseModel):
    question: str
    pinpoints: list[tuple[str, str]] = Field(default_factory=list)
    hint: str = ""


class Scenario(BaseModel):
    id: str
    title: str
    level: str
    summary: str
    fact_pattern: str
    exercises: list[Exercise]
    discussion: list[str]


def load_scenarios(folder: Path = WORKSHOP_DIR) -> dict[str, Scenario]:
    scenarios: dict[str, Scenario] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            scenario = Scenario(**yaml.safe_load(path.read_text(encoding="utf-8")))
        except (yaml.YAMLError, ValidationError, TypeError) as exc:
            raise ValueError(f"workshop file {path.name} is invalid: {exc}") from exc
        scenarios[scenario.id] = scenario
    return scenarios
