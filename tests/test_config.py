"""Settings: one validated place, every path resolved once, mistakes reported, all documented."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from assistant.cli import main
from assistant.config import PROJECT_ROOT, Settings


def test_every_setting_is_documented_in_the_readme():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"ASSISTANT_([A-Z0-9_]+)", readme))
    assert {name.upper() for name in Settings.model_fields} - documented == set()


def test_relative_paths_are_resolved_against_the_project_folder(tmp_path):
    settings = Settings(home=tmp_path, index_dir="my-index", synonyms="", scope="", glossary="")
    assert settings.index_dir == tmp_path / "my-index"
    assert settings.manifest == tmp_path / "corpus" / "sources.toml"


def test_a_configured_file_that_is_missing_is_an_error():
    with pytest.raises(ValidationError, match="ASSISTANT_SYNONYMS: .*synonym.toml does not exist"):
        Settings(synonyms="corpus/synonym.toml")


def test_an_empty_value_turns_a_data_driven_stage_off():
    settings = Settings(synonyms="", scope="")
    assert settings.synonyms is None and settings.scope is None


def test_overrides_are_validated_like_the_environment(tmp_path):
    settings = Settings().with_overrides(index_dir=tmp_path / "other", fusion="rrf")
    assert settings.index_dir == tmp_path / "other" and settings.fusion == "rrf"
    with pytest.raises(ValidationError):
        Settings().with_overrides(fusion="average")


def test_an_invalid_environment_value_is_one_line_in_the_cli(monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_FUSION", "average")
    assert main(["index", "status"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ASSISTANT_FUSION: ") and error.count("\n") == 1
