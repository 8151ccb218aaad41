"""`corpus sync` copies and verifies documents, reports what is missing, and never downloads unasked."""

from assistant.corpus.manifest import load_manifest
from assistant.corpus.sync import Status, sync_corpus


def _sync(settings, mirror):
    return {r.source.id: r for r in sync_corpus(load_manifest(settings.manifest), mirror,
                                                settings.documents_dir, download=False, timeout=0)}


def test_sync_copies_then_finds_documents_present(small_project):
    first = _sync(small_project, small_project.mirror)
    assert {r.status for r in first.values()} == {Status.COPIED}
    second = _sync(small_project, small_project.mirror)
    assert {r.status for r in second.values()} == {Status.PRESENT}


def test_sync_reports_a_missing_document_without_failing(small_project):
    (small_project.mirror / "wigj-focus-areas.md").unlink()
    results = _sync(small_project, small_project.mirror)
    assert results["wigj-focus-areas"].status is Status.MISSING
    assert results["genocide-convention"].available


def test_sync_refuses_a_file_whose_hash_differs(settings, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "rome-statute.pdf").write_bytes(b"%PDF-1.4 not the statute")
    target = settings.model_copy(update={"documents_dir": tmp_path / "docs"})
    results = {r.source.id: r for r in sync_corpus(load_manifest(target.manifest), mirror,
                                                   target.documents_dir, download=False, timeout=0)}
    assert results["rome-statute"].status is Status.HASH_MISMATCH
    assert not (tmp_path / "docs" / "rome-statute.pdf").exists()


def test_optional_documents_are_listed_with_official_urls(settings):
    optional = [s for s in load_manifest(settings.manifest) if s.optional]
    assert {s.id for s in optional} == {"hague-principles", "otp-policy-gender-based-crimes-2023",
                                        "otp-policy-gender-persecution-2022", "otp-policy-paper-sgbc-2014"}
    assert all(s.url.startswith("https://") for s in optional)
