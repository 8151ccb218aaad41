"""Copy (or download) the manifest's documents into the local documents folder, verified by hash.

Nothing is fetched unless downloads are allowed (`--download` / ASSISTANT_DOWNLOAD=true): the
assistant is offline-first and sends nothing over the network on its own.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import urllib.request
from enum import Enum
from pathlib import Path

from pydantic import BaseModel

from assistant.models import Source


class Status(str, Enum):
    PRESENT = "present"  # in the documents folder, hash verified
    COPIED = "copied"  # copied from the mirror now
    DOWNLOADED = "downloaded"
    MISSING = "missing"  # not in the mirror, not downloaded
    HASH_MISMATCH = "hash mismatch"  # a copy exists but is not the expected document
    FAILED = "failed"  # download attempted and failed


class SyncResult(BaseModel):
    source: Source
    status: Status
    detail: str = ""

    @property
    def available(self) -> bool:
        return self.status in (Status.PRESENT, Status.COPIED, Status.DOWNLOADED)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _matches(path: Path, source: Source) -> bool:
    return source.sha256 is None or sha256_of(path) == source.sha256


def _copy_atomically(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=dest.parent, delete=False, suffix=".part") as tmp:
        tmp_path = Path(tmp.name)
    try:
        shutil.copyfile(src, tmp_path)
        tmp_path.replace(dest)
    finally:
        tmp_path.unlink(missing_ok=True)


def _download(source: Source, dest: Path, timeout: float) -> SyncResult:
    if not source.file.endswith(".pdf") or not source.url:
        return SyncResult(source=source, status=Status.MISSING, detail="no downloadable PDF URL")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = dest.with_suffix(dest.suffix + ".part")
    try:
        request = urllib.request.Request(source.url, headers={"User-Agent": "gender-justice-assistant"})
        with urllib.request.urlopen(request, timeout=timeout) as response, tmp_path.open("wb") as out:
            shutil.copyfileobj(response, out)
        if tmp_path.read_bytes()[:5] != b"%PDF-":
            return SyncResult(
                source=source,
                status=Status.FAILED,
                detail=f"{source.url} did not return a PDF (a landing page?): place the file by hand",
            )
        if not _matches(tmp_path, source):
            return SyncResult(source=source, status=Status.HASH_MISMATCH, detail="downloaded file differs")
        tmp_path.replace(dest)
        return SyncResult(source=source, status=Status.DOWNLOADED, detail=source.url)
    except OSError as exc:
        return SyncResult(source=source, status=Status.FAILED, detail=f"download failed: {exc}")
    finally:
        tmp_path.unlink(missing_ok=True)


def sync_source(
    source: Source, mirror: Path | None, documents: Path, *, download: bool, timeout: float
) -> SyncResult:
    dest = documents / source.file
    if dest.is_file() and _matches(dest, source):
        return SyncResult(source=source, status=Status.PRESENT)
    candidate = mirror / source.file if mirror is not None else None
    if candidate is not None and candidate.is_file():
        if not _matches(candidate, source):
            return SyncResult(
                source=source,
                status=Status.HASH_MISMATCH,
                detail=f"{candidate} is not the expected version (sha256 differs)",
            )
        _copy_atomically(candidate, dest)
        return SyncResult(source=source, status=Status.COPIED, detail=str(candidate))
    if download:
        return _download(source, dest, timeout)
    where = f"not in {mirror}" if mirror is not None else "no mirror"
    return SyncResult(source=source, status=Status.MISSING, detail=where)


def sync_corpus(
    sources: list[Source], mirror: Path | None, documents: Path, *, download: bool, timeout: float
) -> list[SyncResult]:
    """Bring every document into `documents`; reports, never raises, for a missing document."""
    return [
        sync_source(source, mirror, documents, download=download, timeout=timeout)
        for source in sources
    ]


def document_status(sources: list[Source], documents: Path) -> list[SyncResult]:
    """What is in the documents folder now, without copying anything."""
    return [sync_source(s, None, documents, download=False, timeout=0) for s in sources]
