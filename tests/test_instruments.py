"""An instrument is data: a manifest entry and its file are enough for it to be parsed, indexed,
searched alone, recognised when a question names it, and cited. The fixture is articles 1 and 2 of
the Convention against Torture (tests/fixtures/convention-against-torture.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.corpus.manifest import load_manifest
from assistant.corpus.sync import sync_corpus
from assistant.errors import ManifestError

from conftest import make_small_project

FIXTURE = Path(__file__).parent / "fixtures" / "convention-against-torture.md"
CAT = "convention-against-torture"
ENTRY = f"""
[[document]]
id = "{CAT}"
title = "Convention against Torture and Other Cruel, Inhuman or Degrading Treatment or Punishment, 10 December 1984"
short_title = "CAT"
family = "treaty-md"
authority = "treaty"
file = "{FIXTURE.name}"
aliases = ['Convention against Torture', 'Torture Convention', 'CAT']
"""


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    """A project whose manifest gains the Convention against Torture by one TOML entry."""
    from assistant.core import Assistant
    from assistant.index import build_index

    home = tmp_path_factory.mktemp("project")
    settings = make_small_project(home, ENTRY, uploads_dir=home / "uploads")
    shutil.copy(FIXTURE, settings.mirror / FIXTURE.name)
    sync_corpus(load_manifest(settings.manifest), settings.mirror, settings.documents_dir, download=False, timeout=0)
    build_index(settings, progress=False)
    return Assistant.open(settings)


def test_the_new_instrument_is_parsed_and_indexed(bot):
    assert CAT in bot.indexed_documents
    assert bot.store.unit(CAT, "art. 2(2)").text.startswith("2. No exceptional circumstances whatsoever")


def test_the_new_instrument_can_be_searched_alone(bot):
    answer = bot.ask("Can a state of war justify torture?", doc=CAT)
    assert not answer.declined
    assert {c.doc for c in answer.citations} == {CAT}


def test_naming_the_instrument_searches_inside_it(bot):
    passages = bot.retrieve("What does the Convention against Torture say about public emergencies?")
    assert (passages[0].doc, passages[0].unit) == (CAT, "art. 2(2)")


def test_a_provision_of_the_named_instrument_is_found_by_its_number(bot):
    passages = bot.retrieve("What does article 1 of the Torture Convention cover?")
    assert {(p.doc, p.unit) for p in passages if p.exact} == {(CAT, "art. 1(1)"), (CAT, "art. 1(2)")}


def test_the_new_instrument_is_cited_by_its_short_title_and_pinpoint(bot):
    answer = bot.ask("Under the CAT, can a superior's order justify torture?")
    cited = answer.citations[0]
    assert (cited.short_title, cited.unit) == ("CAT", "art. 2(3)")
    assert cited.quote in bot.store.unit(CAT, "art. 2(3)").text
    assert "[1]" in answer.answer


def test_a_malformed_alias_is_a_manifest_error(tmp_path):
    manifest = tmp_path / "sources.toml"
    manifest.write_text(ENTRY.replace("'CAT'", "'CAT ('"), encoding="utf-8")
    with pytest.raises(ManifestError, match="invalid entry"):
        load_manifest(manifest)


def test_a_malformed_expression_of_a_part_on_one_matter_is_a_manifest_error(tmp_path):
    manifest = tmp_path / "sources.toml"
    manifest.write_text(ENTRY + "[[document.concerns]]\nparts = ['art. 14']\nnames = ['redress (']\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="invalid entry"):
        load_manifest(manifest)
