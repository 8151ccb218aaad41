"""Shared fixtures: the real corpus, the real embedding model and a real ChromaDB index on disk.

The full index is built once (or reused when up to date, as `scripts/setup` leaves it); tests that
build or break an index work on a small corpus in a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.corpus.manifest import load_manifest
from assistant.corpus.sync import sync_corpus

MIRROR = (PROJECT_ROOT / "../shared/corpus").resolve()


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    # uploads go to a temporary folder: a developer's own uploads never change test results
    return Settings(uploads_dir=tmp_path_factory.mktemp("uploads"))


@pytest.fixture(scope="session")
def synced(settings: Settings) -> Settings:
    sources = load_manifest(settings.manifest)
    sync_corpus(sources, settings.mirror if settings.mirror.is_dir() else None,
                settings.documents_dir, download=False, timeout=0)
    return settings


@pytest.fixture(scope="session")
def assistant(synced: Settings):
    from assistant.core import Assistant
    from assistant.errors import IndexMissingError, IndexStaleError
    from assistant.index import build_index

    try:
        return Assistant.open(synced)
    except (IndexMissingError, IndexStaleError):
        build_index(synced, progress=False)
        return Assistant.open(synced)


@pytest.fixture(scope="session")
def units(assistant):
    return assistant.store.units


def unit_map(units, doc: str) -> dict:
    return {u.unit: u for u in units if u.doc == doc}


SMALL_CORPUS = """
[[document]]
id = "genocide-convention"
title = "Convention on the Prevention and Punishment of the Crime of Genocide"
short_title = "Genocide Convention"
family = "treaty-md"
authority = "treaty"
file = "genocide-convention.md"

[[document]]
id = "wigj-focus-areas"
title = "Women's Initiatives for Gender Justice: what we work on"
short_title = "WIGJ focus areas"
family = "sections-md"
authority = "civil-society"
file = "wigj-focus-areas.md"
"""


def make_small_project(home: Path, extra_manifest: str = "", **settings) -> Settings:
    """A project folder with a two-document manifest (plus `extra_manifest`) and its own mirror,
    documents and index; the synonyms, scope and glossary files are the project's."""
    mirror = home / "mirror"
    mirror.mkdir()
    for name in ("genocide-convention.md", "wigj-focus-areas.md"):
        shutil.copy(MIRROR / name, mirror / name)
    (home / "corpus").mkdir()
    (home / "corpus" / "sources.toml").write_text(SMALL_CORPUS + extra_manifest, encoding="utf-8")
    for name in ("synonyms.toml", "scope.toml", "glossary.toml"):
        shutil.copy(PROJECT_ROOT / "corpus" / name, home / "corpus" / name)
    return Settings(home=home, mirror=mirror, **settings)


@pytest.fixture
def small_project(tmp_path: Path) -> Settings:
    return make_small_project(tmp_path)


CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright never downloads a browser here
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for the browser tests of one module, closed after them."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install chromium (scripts/setup --test does)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()

