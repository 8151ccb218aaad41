"""Index build, staleness, atomic swap and damaged or unreadable input, on a small real corpus."""

import shutil

import pytest

from assistant.core import Assistant
from assistant.corpus.manifest import load_manifest
from assistant.corpus.sync import sync_corpus
from assistant.errors import IndexCorruptError, IndexMissingError, IndexStaleError
from assistant.index import PACKAGE, build_index, code_files, current_store


def _sync(settings):
    return sync_corpus(load_manifest(settings.manifest), settings.mirror, settings.documents_dir,
                       download=False, timeout=0)


def test_missing_index_names_the_command_that_builds_it(small_project):
    with pytest.raises(IndexMissingError, match="assistant index build"):
        Assistant.open(small_project)


def test_built_index_answers_from_chroma_on_disk(small_project):
    _sync(small_project)
    report = build_index(small_project, progress=False)
    assert report.documents == ["genocide-convention", "wigj-focus-areas"]
    assert (report.store / "chroma").is_dir() and (report.store / "bm25").is_dir()
    answer = Assistant.open(small_project).ask("Is imposing measures to prevent births within a group genocide?")
    assert ("genocide-convention", "art. II(d)") in [(c.doc, c.unit) for c in answer.citations]


def test_changed_document_makes_the_index_stale_until_rebuilt(small_project):
    _sync(small_project)
    build_index(small_project, progress=False)
    synced = small_project.documents_dir / "wigj-focus-areas.md"
    synced.write_text(synced.read_text(encoding="utf-8") + "\n## New section\n\nNew text.\n", encoding="utf-8")
    with pytest.raises(IndexStaleError, match="document wigj-focus-areas changed"):
        Assistant.open(small_project)
    build_index(small_project, progress=False)
    assert Assistant.open(small_project).store.unit("wigj-focus-areas", "New section, para. 1")


def test_changed_chunking_setting_makes_the_index_stale(small_project):
    _sync(small_project)
    build_index(small_project, progress=False)
    with pytest.raises(IndexStaleError, match="chunk_tokens"):
        Assistant.open(small_project.model_copy(update={"chunk_tokens": 100}))


def test_the_code_fingerprint_covers_every_module_that_shapes_the_index():
    covered = {path.relative_to(PACKAGE).as_posix() for path in code_files()}
    shaping = {"index.py", "lexical.py", "models.py", "chunking.py", "tokens.py", "terms.py", "locators.py",
               "embedding.py", "corpus/structure.py", "corpus/pdf.py", "corpus/plain.py", "corpus/provisions.py"}
    assert shaping <= covered
    assert not covered & {"retrieval.py", "core.py", "cli.py"}  # they read the index, they do not shape it


def test_failed_build_leaves_the_previous_index_serving(small_project, monkeypatch):
    _sync(small_project)
    first = build_index(small_project, progress=False).store
    import assistant.index as index_module

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(index_module, "_write_vectors", fail)
    with pytest.raises(RuntimeError):
        build_index(small_project, progress=False)
    assert current_store(small_project.index_dir) == first
    assert not list(small_project.index_dir.glob("building-*"))
    assert Assistant.open(small_project).ask("What is gender apartheid?").citations


def test_leftover_of_a_killed_build_is_cleaned_up(small_project):
    _sync(small_project)
    build_index(small_project, progress=False)
    leftover = small_project.index_dir / "building-19990101T000000"
    leftover.mkdir()
    build_index(small_project, progress=False)
    assert not leftover.exists()


def test_damaged_index_gives_a_clear_message(small_project):
    _sync(small_project)
    store = build_index(small_project, progress=False).store
    shutil.rmtree(store / "bm25")
    with pytest.raises(IndexCorruptError, match="damaged.*assistant index build"):
        Assistant.open(small_project)


def test_a_small_index_opened_and_searched_is_still_intact(small_project):
    """Below Chroma's sync threshold the HNSW files were rewritten at every open: the next open said "damaged"."""
    from assistant.index import status

    _sync(small_project)
    build_index(small_project, progress=False)
    assert len(Assistant.open(small_project).retrieve("What is gender apartheid?")) > 0
    assert status(small_project).damaged == []
    assert len(Assistant.open(small_project).retrieve("Who can be a victim of rape?")) > 0


def test_unreadable_pdf_is_skipped_and_the_rest_is_indexed(small_project, capsys):
    manifest = small_project.manifest
    manifest.write_text(manifest.read_text(encoding="utf-8") + """
[[document]]
id = "broken"
title = "A damaged PDF"
short_title = "Broken"
family = "paragraphs"
authority = "policy"
file = "broken.pdf"
""", encoding="utf-8")
    (small_project.mirror / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    _sync(small_project)
    report = build_index(small_project, progress=False)
    assert report.documents == ["genocide-convention", "wigj-focus-areas"]
    assert report.skipped and "broken.pdf" in report.skipped[0]
    assert "warning: skipped cannot read broken.pdf" in capsys.readouterr().err


def test_rebuild_reuses_embeddings_of_unchanged_chunks(small_project, capsys):
    _sync(small_project)
    build_index(small_project, progress=True)
    assert "embedding 76 new chunks (0 reused)" in capsys.readouterr().err
    build_index(small_project, progress=True)
    assert "new chunks" not in capsys.readouterr().err


def test_damaged_vector_file_is_reported_and_rebuilt_without_a_crash(small_project):
    """Random bytes in Chroma's HNSW file made `ask` segfault while `index status` said "up to date"."""
    import os
    import subprocess

    from assistant.config import PROJECT_ROOT

    _sync(small_project)
    store = build_index(small_project, progress=False).store
    vectors = next((store / "chroma").rglob("data_level0.bin"))
    with vectors.open("r+b") as handle:  # the file keeps its size: only its bytes are wrong
        handle.seek(0)
        handle.write(os.urandom(vectors.stat().st_size))
    env = {**os.environ, "ASSISTANT_HOME": str(small_project.home), "ASSISTANT_MIRROR": str(small_project.mirror)}

    def run(*args):
        return subprocess.run([str(PROJECT_ROOT / ".venv" / "bin" / "assistant"), *args], capture_output=True,
                              text=True, cwd=PROJECT_ROOT, env=env, timeout=300)

    asked = run("ask", "What is gender apartheid?")
    assert asked.returncode == 3, (asked.returncode, asked.stderr)
    assert asked.stderr.count("\n") == 1 and "data_level0.bin is damaged" in asked.stderr
    assert "assistant index build --force" in asked.stderr
    status = run("index", "status")
    assert status.returncode == 3 and "status: damaged" in status.stdout
    rebuilt = run("index", "build", "--quiet")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "index is damaged" in rebuilt.stderr
    assert run("index", "status").returncode == 0
    assert "WIGJ focus areas" in run("ask", "What is gender apartheid?").stdout
