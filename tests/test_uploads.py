"""User documents: added, retrieved, cited, listed and removed; bad files refused with clear messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest

from assistant.uploads import UploadError

GUIDELINES = """# Field documentation guidelines

## Interviewing survivors

Survivors of sexual violence are interviewed only with their informed consent, in a private place,
and may be accompanied by a trusted support person of their choosing.

## Storing statements

Signed statements are scanned, encrypted and stored on the organisation's offline server.
"""
REPORT_PAGES = [
    "Monitoring report. This page describes the mission's mandate and the districts visited.",
    "Between March and May, monitors recorded forced marriages of girls in displacement camps, arranged by "
    "armed group commanders who threatened the families with reprisals.",
]


def make_pdf(path: Path, pages: list[str]) -> Path:
    """A real PDF with a text layer, one page per string (written by matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(path) as pdf:
        for text in pages:
            figure = plt.figure(figsize=(8.27, 11.69))
            if text:
                figure.text(0.1, 0.9, "\n".join(textwrap.wrap(text, 70)), va="top", fontsize=11)
            else:  # a "scanned" page: an image, no text
                figure.figimage([[0.2, 0.8], [0.8, 0.2]], xo=100, yo=100)
            pdf.savefig(figure)
            plt.close(figure)
    return path


@pytest.fixture
def bot(assistant, tmp_path):
    return assistant.configured(uploads_dir=tmp_path / "uploads")


@pytest.fixture
def guidelines(tmp_path) -> Path:
    path = tmp_path / "field guidelines.md"
    path.write_text(GUIDELINES, encoding="utf-8")
    return path


def test_markdown_upload_is_retrieved_and_cited_by_section(bot, guidelines):
    document = bot.uploads.add_file(guidelines)
    assert document.title == "Field documentation guidelines"
    answer = bot.ask("Can a survivor bring a trusted support person to the interview?")
    cited = [f"{c.short_title}, {c.unit}" for c in answer.citations]
    assert "uploaded: Field documentation guidelines, Interviewing survivors" in cited
    citation = next(c for c in answer.citations if c.doc == document.doc)
    assert citation.quote in bot.unit(citation.doc, citation.unit).full_text


def test_uploads_are_ranked_with_the_configured_fusion_weights(bot, guidelines):
    bot.uploads.add_file(guidelines)
    question = "Can a survivor bring a trusted support person to the interview?"
    hybrid = next(p for p in bot.retrieve(question) if p.authority == "upload")
    dense_only = next(p for p in bot.configured(lexical_weight=0.0).retrieve(question) if p.authority == "upload")
    assert hybrid.lexical > 0 and hybrid.score > hybrid.dense
    assert dense_only.score == pytest.approx(dense_only.dense)


def test_pdf_upload_is_cited_by_page(bot, tmp_path):
    document = bot.uploads.add_file(make_pdf(tmp_path / "report.pdf", REPORT_PAGES), title="Monitoring report")
    answer = bot.ask("Were girls forced into marriage by commanders in the displacement camps?")
    citation = next(c for c in answer.citations if c.doc == document.doc)
    assert (citation.short_title, citation.unit, citation.page) == ("uploaded: Monitoring report", "p. 2", 2)
    assert "forced marriages of girls" in citation.quote


def test_removed_upload_is_no_longer_listed_or_cited(bot, guidelines):
    document = bot.uploads.add_file(guidelines)
    bot.uploads.remove(document.id)
    assert bot.uploads.list() == []
    answer = bot.ask("Can a survivor bring a trusted support person to the interview?")
    assert not any(c.doc == document.doc for c in answer.citations)
    assert not list((bot.settings.uploads_dir / "files").iterdir())


def test_uploads_persist_for_the_next_start(bot, assistant, guidelines):
    document = bot.uploads.add_file(guidelines)
    reopened = assistant.configured(uploads_dir=bot.settings.uploads_dir)
    assert [d.id for d in reopened.uploads.list()] == [document.id]
    assert reopened.retrieve("How are signed statements stored?", doc="uploads")[0].doc == document.doc


def test_filter_can_search_only_the_uploads(bot, guidelines):
    document = bot.uploads.add_file(guidelines)
    answer = bot.ask("How are signed statements stored?", doc="uploads")
    assert {c.doc for c in answer.citations} == {document.doc}


def test_corrupt_pdf_is_refused_and_nothing_is_stored(bot, tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthis is not a PDF body\n")
    with pytest.raises(UploadError, match="damaged or not a PDF"):
        bot.uploads.add_file(broken)
    assert bot.uploads.list() == []


def test_a_text_file_renamed_to_pdf_is_refused(bot, tmp_path):
    fake = tmp_path / "statement.pdf"
    fake.write_text("Just some text.", encoding="utf-8")
    with pytest.raises(UploadError, match="does not start like a PDF"):
        bot.uploads.add_file(fake)


def test_scanned_pdf_without_text_asks_for_ocr(bot, tmp_path):
    with pytest.raises(UploadError, match="OCR"):
        bot.uploads.add_file(make_pdf(tmp_path / "scan.pdf", [""]))


def test_oversized_file_is_refused_with_the_limit(assistant, tmp_path, guidelines):
    small = assistant.configured(uploads_dir=tmp_path / "uploads", upload_max_mb=0.0001)
    with pytest.raises(UploadError, match=r"upload limit is 0.0001 MB \(ASSISTANT_UPLOAD_MAX_MB\)"):
        small.uploads.add_file(guidelines)


@pytest.mark.parametrize("name", ["notes.docx", "archive.zip", "script.py"])
def test_unsupported_types_are_refused(bot, name):
    with pytest.raises(UploadError, match="only PDF, Markdown"):
        bot.uploads.add_bytes(b"content", name)


def test_the_same_file_twice_is_refused(bot, guidelines):
    bot.uploads.add_file(guidelines)
    with pytest.raises(UploadError, match="already uploaded"):
        bot.uploads.add_file(guidelines)


def test_file_names_are_never_used_as_paths(bot, tmp_path):
    document = bot.uploads.add_bytes(GUIDELINES.encode(), "../../../etc/cron.d/evil\x07.md")
    assert document.original_name == "evil.md"
    stored = sorted(p.relative_to(bot.settings.uploads_dir).as_posix()
                    for p in bot.settings.uploads_dir.rglob("*") if p.is_file())
    assert stored == [".lock", f"files/{document.id}.md", "registry.json", f"units/{document.id}.json",
                      f"vectors/{document.id}.npy"]
    assert not (tmp_path / "etc").exists()


def test_cli_adds_lists_and_removes_an_upload(tmp_path, guidelines):
    env = {**os.environ, "ASSISTANT_UPLOADS_DIR": str(tmp_path / "cli-uploads")}
    run = lambda *args: subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env,  # noqa: E731
                                       capture_output=True, text=True, timeout=300)
    added = run("corpus", "add", str(guidelines), "--title", "Guidelines")
    assert added.returncode == 0, added.stderr
    document_id = added.stdout.split()[1].rstrip(":")
    assert "Guidelines" in run("corpus", "uploads").stdout
    assert run("corpus", "remove", document_id).returncode == 0
    missing = run("corpus", "remove", document_id)
    assert missing.returncode == 2 and "no uploaded document" in missing.stderr
    refused = run("corpus", "add", str(tmp_path / "nothing.pdf"))
    assert refused.returncode == 2 and "no such file" in refused.stderr


def test_uploads_embedded_with_another_model_are_embedded_again(bot, assistant, guidelines):
    document = bot.uploads.add_file(guidelines)
    registry = bot.settings.uploads_dir / "registry.json"
    data = json.loads(registry.read_text(encoding="utf-8"))
    data["embedding"] = "some-other-model==1.0"
    registry.write_text(json.dumps(data), encoding="utf-8")
    reopened = assistant.configured(uploads_dir=bot.settings.uploads_dir)
    assert reopened.retrieve("How are signed statements stored?", doc="uploads")[0].doc == document.doc
    assert json.loads(registry.read_text(encoding="utf-8"))["embedding"] == assistant.embedder.identity


def _paragraphs(topic: str, count: int) -> str:
    return "\n\n".join(f"Paragraph {n} of the {topic} notes: witnesses described the {topic} in the district "
                       f"of site {n}, and the monitors recorded each account separately." for n in range(count))


def test_two_concurrent_adders_both_register_and_both_are_searchable(bot, tmp_path):
    """Two `corpus add` at once lost a document: both printed "added", the registry listed one."""
    bot.uploads.list()  # this process has read the folder before the others change it (as a running server has)
    files = []
    for topic in ("flooding", "harvest"):
        path = tmp_path / f"{topic}.txt"
        path.write_text(_paragraphs(topic, 150), encoding="utf-8")
        files.append(path)
    env = {**os.environ, "ASSISTANT_UPLOADS_DIR": str(bot.settings.uploads_dir)}
    adders = [subprocess.Popen([sys.executable, "-m", "assistant.cli", "corpus", "add", str(path)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for path in files]
    results = [(adder.wait(timeout=600), adder.stdout.read(), adder.stderr.read()) for adder in adders]
    for adder in adders:
        adder.stdout.close()
        adder.stderr.close()
    assert [code for code, _, _ in results] == [0, 0], results
    listed = bot.uploads.list()
    assert sorted(d.title for d in listed) == ["flooding", "harvest"]
    for topic in ("flooding", "harvest"):
        found = bot.retrieve(f"What did witnesses describe about the {topic}?", doc="uploads")
        assert found and found[0].title == topic
    for document in listed:
        removed = subprocess.run([sys.executable, "-m", "assistant.cli", "corpus", "remove", document.id], env=env,
                                 capture_output=True, text=True, timeout=300)
        assert removed.returncode == 0, removed.stderr
    assert bot.uploads.list() == []
    assert not [p for folder in ("files", "units", "vectors")
                for p in (bot.settings.uploads_dir / folder).iterdir()]


def test_leftovers_of_a_failed_add_are_swept_at_start(assistant, bot, guidelines):
    kept = bot.uploads.add_file(guidelines)
    root = bot.settings.uploads_dir
    orphans = [root / "files" / "0123456789ab.md", root / "units" / "0123456789ab.json",
               root / "vectors" / f".{kept.id}.npy.x1y2.tmp", root / ".registry.json.abc.tmp"]
    for orphan in orphans:
        orphan.write_bytes(b"half-written")
    reopened = assistant.configured(uploads_dir=root)
    assert [d.id for d in reopened.uploads.list()] == [kept.id]
    assert not [o for o in orphans if o.exists()]
    assert (root / "files" / f"{kept.id}.md").is_file()


def test_uploads_are_private_to_their_owner(bot, guidelines):
    previous = os.umask(0o022)  # the usual umask: files readable by everyone unless made private
    try:
        document = bot.uploads.add_file(guidelines)
    finally:
        os.umask(previous)
    root = bot.settings.uploads_dir
    for folder in (root, root / "files", root / "units", root / "vectors"):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
    for path in (root / "registry.json", root / "files" / f"{document.id}.md", root / "units" / f"{document.id}.json",
                 root / "vectors" / f"{document.id}.npy"):
        assert path.stat().st_mode & 0o777 == 0o600, path


def decompression_bomb(path: Path, inflated_mb: int) -> Path:
    """A one-page PDF whose content stream is small on disk and `inflated_mb` MB once inflated (written
    in pieces, so making it takes little memory)."""
    compressor = zlib.compressobj(9)
    piece = b"BT /F1 12 Tf 72 720 Td (bomb) Tj ET\n" * (1024 * 1024 // 36)
    stream = b"".join(compressor.compress(piece) for _ in range(inflated_mb)) + compressor.flush()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def test_a_pdf_decompression_bomb_is_refused_naming_the_limit(assistant, tmp_path):
    """A small PDF whose stream inflates far beyond the parser's memory limit: refused, nothing stored, and
    the process that asked (a web server, here the test) neither grows nor dies."""
    bomb = decompression_bomb(tmp_path / "report.pdf", inflated_mb=768)
    assert bomb.stat().st_size < 5 * 1024 * 1024
    bot = assistant.configured(uploads_dir=tmp_path / "uploads", upload_parse_memory_mb=384)
    refused = r"more than 384 MB of memory, the limit \(ASSISTANT_UPLOAD_PARSE_MEMORY_MB\)"
    with pytest.raises(UploadError, match=refused):
        bot.uploads.add_file(bomb)
    assert bot.uploads.list() == []
    assert bot.ask("What is forced pregnancy?").citations


def test_uploads_are_bounded_in_pages_units_and_characters(assistant, tmp_path):
    bot = assistant.configured(uploads_dir=tmp_path / "uploads", upload_max_pages=2, upload_max_units=40,
                               upload_max_chars=2000)
    with pytest.raises(UploadError, match=r"3 pages; the limit is 2 \(ASSISTANT_UPLOAD_MAX_PAGES\)"):
        bot.uploads.add_file(make_pdf(tmp_path / "long.pdf", REPORT_PAGES + ["A third page."]))
    with pytest.raises(UploadError, match=r"50 sections, pages or paragraphs; the limit is 40"):
        bot.uploads.add_bytes("\n\n".join(f"Note {n}." for n in range(50)).encode(), "notes.txt")
    with pytest.raises(UploadError, match=r"characters of text; the limit is 2,000 \(ASSISTANT_UPLOAD_MAX_CHARS\)"):
        bot.uploads.add_bytes(_paragraphs("harvest", 20).encode(), "harvest.txt")
    assert bot.uploads.list() == []


def test_the_sweep_deletes_nothing_when_the_registry_is_unreadable(assistant, bot, guidelines):
    document = bot.uploads.add_file(guidelines)
    root = bot.settings.uploads_dir
    (root / "registry.json").write_text("{ damaged", encoding="utf-8")
    assert assistant.configured(uploads_dir=root).uploads.list() == []
    assert (root / "files" / f"{document.id}.md").is_file() and (root / "vectors" / f"{document.id}.npy").is_file()


def test_questions_are_answered_while_a_large_upload_is_embedded(bot, tmp_path):
    """A 3 MB upload froze everyone: the store's lock was held while the file was parsed and embedded."""
    import threading

    text = _paragraphs("harvest", 2500)  # ~350 KB: embedding it takes many times as long as a question
    added, failed = [], []

    def upload():
        try:
            added.append(bot.uploads.add_bytes(text.encode(), "harvest.txt"))
        except Exception as exc:  # noqa: BLE001 - reported below
            failed.append(exc)

    worker = threading.Thread(target=upload)
    worker.start()
    try:
        while not (bot.settings.uploads_dir / "files").is_dir() and worker.is_alive():
            threading.Event().wait(0.05)  # the upload has passed its checks: it is parsing or embedding
        answer = bot.ask("What is forced pregnancy?")
        still_uploading = worker.is_alive()
    finally:
        worker.join(timeout=900)
    assert answer.citations and answer.citations[0].unit == "art. 7(2)(f)"
    assert still_uploading, "the question waited for the upload"
    assert failed == [] and [d.title for d in bot.uploads.list()] == ["harvest"]


def test_an_add_reports_its_progress_stage_by_stage(bot):
    """The web app shows how far an upload has got: reading, then each batch of passages embedded, then saving."""
    reports = []
    document = bot.uploads.add_bytes(_paragraphs("harvest", 300).encode(), "harvest.txt", progress=reports.append)
    stages = [r.stage for r in reports]
    assert stages[0] == "reading" and stages[-1] == "saving"
    embedding = [(r.done, r.total) for r in reports if r.stage == "embedding"]
    assert {total for _, total in embedding} == {document.chunks}
    done = [d for d, _ in embedding]
    assert done[0] == 0 and done[-1] == document.chunks and done == sorted(set(done)) and len(done) > 2
    assert stages == ["reading", *["embedding"] * len(embedding), "saving"]
