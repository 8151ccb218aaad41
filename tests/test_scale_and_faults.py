"""Chroma server mode (scale-out) and faults: a killed build, asks during a rebuild, a full disk."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from assistant.config import PROJECT_ROOT
from assistant.core import Assistant
from assistant.corpus.manifest import load_manifest
from assistant.corpus.sync import sync_corpus
from assistant.errors import IndexBuildError
from assistant.evals.suite import evaluate
from assistant.index import build_index, current_store

CHROMA = str(PROJECT_ROOT / ".venv" / "bin" / "chroma")
ASSISTANT = str(PROJECT_ROOT / ".venv" / "bin" / "assistant")


def _sync(settings):
    sync_corpus(load_manifest(settings.manifest), settings.mirror, settings.documents_dir,
                download=False, timeout=0)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A real Chroma server on loopback, as `chroma run` starts it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tmp_path_factory.mktemp("chroma-server")
    process = subprocess.Popen([CHROMA, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    import chromadb

    for _ in range(60):
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
            break
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("chroma run did not start")
    yield url
    process.terminate()
    process.wait(timeout=20)


def test_server_mode_builds_and_answers_like_the_embedded_store(small_project, chroma_server):
    _sync(small_project)
    server = small_project.model_copy(update={"chroma_url": chroma_server})
    report = build_index(server, progress=False)
    assert not (report.store / "chroma").exists()  # the vectors live in the server
    answer = Assistant.open(server).ask("Is imposing measures to prevent births within a group genocide?")
    assert ("genocide-convention", "art. II(d)") in [(c.doc, c.unit) for c in answer.citations]


def test_switching_the_vector_store_makes_the_index_stale(small_project, chroma_server):
    from assistant.errors import IndexStaleError

    _sync(small_project)
    build_index(small_project, progress=False)
    with pytest.raises(IndexStaleError, match="vector_store changed"):
        Assistant.open(small_project.model_copy(update={"chroma_url": chroma_server}))


def test_rebuild_in_server_mode_removes_old_collections(small_project, chroma_server):
    import chromadb

    _sync(small_project)
    server = small_project.model_copy(update={"chroma_url": chroma_server})
    for _ in range(3):
        build_index(server, progress=False)
    port = int(chroma_server.rsplit(":", 1)[1])
    collections = chromadb.HttpClient(host="127.0.0.1", port=port).list_collections()
    names = {c.name if hasattr(c, "name") else c for c in collections}
    kept = {p.name.replace("store-", "chunks-") for p in server.index_dir.glob("store-*")}
    assert kept <= names and len(kept) == 2


def test_full_corpus_evaluation_is_the_same_in_server_mode(assistant, chroma_server, tmp_path):
    """Several workers can share one index folder and one Chroma server; answers do not change."""
    index = tmp_path / "index"
    shutil.copytree(assistant.store.path, index / assistant.store.path.name)  # reuse its embeddings
    (index / "CURRENT").write_text(assistant.store.path.name, encoding="utf-8")
    server = assistant.settings.model_copy(update={"chroma_url": chroma_server, "index_dir": index})
    build_index(server, progress=False)
    _, embedded = evaluate(assistant.settings, "smoke", ["default"], out=tmp_path / "embedded", progress=False)
    _, remote = evaluate(server, "smoke", ["default"], out=tmp_path / "remote", progress=False)
    for key in ("article_hit@5", "pinpoint_hit@5", "decline_recall", "citation_recall"):
        assert remote["default"]["overall"][key] == embedded["default"]["overall"][key]


def test_a_build_killed_midway_leaves_the_previous_index_serving(small_project):
    _sync(small_project)
    first = build_index(small_project, progress=False).store
    synced = small_project.documents_dir / "wigj-focus-areas.md"
    synced.write_text(synced.read_text(encoding="utf-8") + "\n## Added\n\nA paragraph to embed.\n", encoding="utf-8")
    env = {**os.environ, "ASSISTANT_HOME": str(small_project.home), "ASSISTANT_MIRROR": str(small_project.mirror)}
    process = subprocess.Popen([ASSISTANT, "index", "build"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:  # wait until it is embedding, then kill it without warning
        if "chunks from" in line:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert current_store(small_project.index_dir) == first
    bot = Assistant.open(small_project, allow_stale=True)
    assert bot.ask("What is gender apartheid?").citations
    build_index(small_project, progress=False)  # the next build cleans up and succeeds
    assert not list(small_project.index_dir.glob("building-*"))
    assert Assistant.open(small_project).store.unit("wigj-focus-areas", "Added, para. 1")


def test_asks_keep_answering_from_the_old_index_during_a_rebuild(small_project):
    _sync(small_project)
    build_index(small_project, progress=False)
    bot = Assistant.open(small_project)
    answers, errors = [], []
    done = threading.Event()

    def keep_asking():
        while not done.is_set():
            try:
                answers.append(bot.ask("Is imposing measures to prevent births within a group genocide?"))
            except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                errors.append(exc)

    (bot.store.path / "embeddings.npz").unlink()  # no cache: the rebuild embeds everything again
    worker = threading.Thread(target=keep_asking)
    worker.start()
    try:
        build_index(small_project.model_copy(update={"chunk_tokens": 120}), progress=False)
    finally:
        done.set()
        worker.join(timeout=60)
    assert errors == []
    assert len(answers) >= 2 and all(a.citations for a in answers)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root (CI runs as root)")
def test_a_full_disk_gives_a_clear_error_and_keeps_the_previous_index(small_project, tmp_path):
    _sync(small_project)
    index = tmp_path / "tiny-index"
    index.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(index)], check=True)
    try:
        settings = small_project.model_copy(update={"index_dir": index})
        with pytest.raises(IndexBuildError, match="cannot write the index .* free some space"):
            build_index(settings, progress=False)
        assert current_store(index) is None
        assert not list(index.glob("building-*"))
    finally:
        subprocess.run(["umount", "--lazy", str(index)], check=False)  # Chroma may still hold a file open


@pytest.fixture
def read_only(tmp_path):
    """Make a folder read-only for everyone, root included (a read-only bind mount over itself)."""
    mounted: list[str] = []

    def make(folder):
        subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
        mounted.append(str(folder))
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
        return folder

    yield make
    for folder in reversed(mounted):
        subprocess.run(["umount", "--lazy", folder], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="a read-only bind mount needs root (CI runs as root)")
def test_a_read_only_index_folder_gives_a_clear_error_and_still_answers(small_project, read_only):
    _sync(small_project)
    build_index(small_project, progress=False)
    read_only(small_project.index_dir)
    refused = r"cannot write the index .*Read-only file system.*make the folder writable"
    with pytest.raises(IndexBuildError, match=refused):
        build_index(small_project.model_copy(update={"chunk_tokens": 100}), progress=False)
    answer = Assistant.open(small_project).ask("Which acts committed with intent to destroy a group are genocide?")
    assert answer.citations and answer.citations[0].doc == "genocide-convention"


@pytest.mark.skipif(os.geteuid() != 0, reason="a read-only bind mount needs root (CI runs as root)")
def test_a_read_only_uploads_folder_refuses_uploads_clearly(assistant, tmp_path, read_only):
    from assistant.uploads import UploadError

    folder = tmp_path / "uploads"
    folder.mkdir()
    bot = assistant.configured(uploads_dir=read_only(folder))
    with pytest.raises(UploadError, match="uploads folder .* is not writable .*ASSISTANT_UPLOADS_DIR"):
        bot.uploads.add_bytes(b"# Notes\n\n## Interviews\n\nSurvivors were interviewed in private.\n", "notes.md")
    assert bot.ask("What is forced pregnancy?").citations


class TinyDisk(type(PROJECT_ROOT)):
    """A folder on a small tmpfs; `fill()` leaves it with no (or `leave` bytes of) free space."""

    def fill(self, leave: int = 0) -> None:
        with open(self / "filler", "wb") as handle:
            try:
                while (free := shutil.disk_usage(self).free - leave) > 0:
                    handle.write(b"\0" * min(free, 1024 * 1024))
                    handle.flush()
            except OSError:
                pass  # full


@pytest.fixture
def tiny_disk(tmp_path):
    """A 24 MB tmpfs, unmounted at the end whatever happened."""
    folder = TinyDisk(tmp_path / "tiny-disk")
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root (CI runs as root)")
def test_a_full_disk_is_reported_as_a_full_disk_not_a_damaged_index(small_project, tiny_disk):
    """On a completely full disk `ask` said the index was damaged and advised a rebuild that could not succeed."""
    _sync(small_project)
    store = build_index(small_project, progress=False).store
    index = tiny_disk / "index"
    shutil.copytree(small_project.index_dir, index)
    tiny_disk.fill()
    env = {**os.environ, "ASSISTANT_HOME": str(small_project.home), "ASSISTANT_INDEX_DIR": str(index)}
    result = subprocess.run([ASSISTANT, "ask", "What is gender apartheid?"], capture_output=True, text=True,
                            cwd=PROJECT_ROOT, env=env, timeout=300)
    assert result.returncode == 5, (result.returncode, result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1
    assert f"the disk holding the index {index / store.name} is full" in result.stderr
    assert "damaged" not in result.stderr.replace("is not damaged", "")


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root (CI runs as root)")
def test_an_upload_on_a_full_disk_says_so_and_leaves_no_orphan(assistant, tiny_disk):
    from assistant.errors import DiskFullError

    bot = assistant.configured(uploads_dir=tiny_disk / "uploads")
    bot.uploads.list()
    tiny_disk.fill(leave=16 * 1024)
    notes = "# Notes\n\n" + "\n\n".join(f"## Visit {n}\n\nMonitors met survivors in village {n} and recorded "
                                        "their accounts of detention." for n in range(300))
    with pytest.raises(DiskFullError, match=f"the disk holding the uploads folder {tiny_disk / 'uploads'} is full"):
        bot.uploads.add_bytes(notes.encode(), "notes.md")
    assert bot.uploads.list() == []
    left = [p for p in (tiny_disk / "uploads").rglob("*") if p.is_file() and p.name not in (".lock",)]
    assert left == [], left


@pytest.mark.skipif(os.geteuid() != 0, reason="a read-only bind mount needs root (CI runs as root)")
def test_the_cli_on_a_read_only_uploads_folder_lists_and_refuses_in_one_line(assistant, tmp_path, read_only):
    folder = tmp_path / "uploads"
    document = assistant.configured(uploads_dir=folder).uploads.add_bytes(
        b"# Notes\n\n## Interviews\n\nSurvivors were interviewed in private.\n", "notes.md")
    read_only(folder)
    notes = tmp_path / "more-notes.md"
    notes.write_text("# More notes\n\nText.\n", encoding="utf-8")
    env = {**os.environ, "ASSISTANT_UPLOADS_DIR": str(folder)}

    def run(*args):
        return subprocess.run([ASSISTANT, *args], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env,
                              timeout=300)

    listed = run("corpus", "uploads")
    assert listed.returncode == 0 and document.id in listed.stdout, listed.stderr
    for refused in (run("corpus", "add", str(notes)), run("corpus", "remove", document.id)):
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.count("\n") == 1 and "is not writable (Read-only file system)" in refused.stderr
