"""Documents users upload (PDF, Markdown, text): parsed by the corpus parsers for documents without
a known structure (`assistant.corpus.plain`) in a bounded child process (`assistant.corpus.bounded`),
chunked and embedded like the corpus, and offered to retrieval as a store of their own.

Layout of `uploads/` (ASSISTANT_UPLOADS_DIR; folders 0700, files 0600): `registry.json` lists the
documents; `files/<id>.<ext>` keeps each file under a name made from its hash (the uploaded file name
is only displayed, never used as a path); `units/<id>.json` its units and chunks; `vectors/<id>.npy`
its chunks' vectors, searched exactly in memory. Every file is written under a temporary name and
renamed, and every change (add, remove, the sweep of leftovers) holds `.lock` (an fcntl lock), so
several processes (the web app, `assistant corpus add`) can share the folder: each picks up the
others' changes on its next search. (An embedded Chroma collection cannot be shared so: a process
that had opened it failed with "Error finding id" once another process had added to it.)
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import logging
import os
import re
import shutil
import threading
import unicodedata
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Literal

import numpy as np
from pydantic import BaseModel

from assistant.chunking import chunk_units
from assistant.config import Settings
from assistant.corpus.bounded import ParseLimits, parse_bounded
from assistant.corpus.plain import markdown_title
from assistant.embedding import Embedder
from assistant.errors import DiskFullError, DocumentContentError, UploadError
from assistant.index import SearchableStore, embedding_texts
from assistant.lexical import LexicalIndex
from assistant.models import Chunk, Source, Unit
from assistant.private import disk_full, is_temporary, private_dir, private_file, write_private

log = logging.getLogger(__name__)

FOLDERS = ("files", "units", "vectors")
KINDS = {".pdf": "pdf", ".md": "markdown", ".markdown": "markdown", ".txt": "text"}
FAMILY_OF_KIND = {"pdf": "pdf-pages", "markdown": "markdown-headings", "text": "text-paragraphs"}
EXTENSION_OF_KIND = {"pdf": ".pdf", "markdown": ".md", "text": ".txt"}
DOC_PREFIX = "upload-"
TITLE_CHARS = 120
EMBED_BATCHES_PER_REPORT = 2  # embedding batches between two progress reports of an upload


class UploadedDocument(BaseModel):
    id: str
    title: str
    original_name: str
    kind: str
    sha256: str
    size: int
    units: int
    chunks: int
    added_at: str

    @property
    def doc(self) -> str:
        return DOC_PREFIX + self.id

    @property
    def short_title(self) -> str:
        return f"uploaded: {self.title}"

    @property
    def source(self) -> Source:
        """The upload as a document of the corpus's kind, so that it is parsed, searched and cited alike."""
        return Source(id=self.doc, title=self.title, short_title=self.short_title, family=FAMILY_OF_KIND[self.kind],
                      file=f"{self.id}{EXTENSION_OF_KIND[self.kind]}", authority="upload")


class UploadProgress(BaseModel):
    """How far an add has got: reading (parsing the file), embedding `done` of `total` passages, saving."""

    stage: Literal["reading", "embedding", "saving"]
    done: int = 0
    total: int = 0


ProgressCallback = Callable[[UploadProgress], None]


@dataclass(frozen=True)
class UploadSnapshot:
    """The uploaded documents as retrieval sees them, as of one reading of the registry."""

    store: SearchableStore
    sources: list[Source]


def display_name(name: str) -> str:
    """The last component of an uploaded file name (either path style), without control characters."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if ch.isprintable())
    return base.strip()[:200] or "document"


def title_from(name: str) -> str:
    stem = display_name(name).rsplit(".", 1)[0]
    return re.sub(r"[_\s]+", " ", stem).strip()[:TITLE_CHARS] or "Untitled document"


def _title(data: bytes, kind: str, name: str, given: str | None) -> str:
    heading = markdown_title(data.decode("utf-8", errors="replace")) if kind == "markdown" else None
    title = given or heading or title_from(name)
    return " ".join(title.split())[:TITLE_CHARS] or "Untitled document"


class VectorSearch:
    """The uploads' vectors searched exactly in memory, answering the Chroma collection calls that
    retrieval makes (`query` with a `doc` filter, `count`)."""

    def __init__(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        self.ids = [c.id for c in chunks]
        self.docs = np.array([c.doc for c in chunks])
        norms = np.linalg.norm(vectors, axis=1, keepdims=True) if len(vectors) else np.ones((0, 1))
        self.vectors = vectors / np.where(norms == 0, 1, norms)

    def count(self) -> int:
        return len(self.ids)

    def query(self, query_embeddings, n_results: int, where: dict | None = None, include=None) -> dict:
        query = np.asarray(query_embeddings[0], dtype=np.float32)
        query = query / (np.linalg.norm(query) or 1.0)
        allowed = np.ones(len(self.ids), dtype=bool)
        if where:
            wanted = where["doc"]
            allowed = np.isin(self.docs, wanted["$in"] if isinstance(wanted, dict) else [wanted])
        positions = np.flatnonzero(allowed)
        cosines = self.vectors[positions] @ query if len(positions) else np.zeros(0)
        best = np.argsort(-cosines, kind="stable")[:n_results]
        return {"ids": [[self.ids[positions[i]] for i in best]],
                "distances": [[float(1.0 - cosines[i]) for i in best]]}


class UploadStore:
    """The local collection. Thread-safe, and safe to share between processes (see the module's note)."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.root = settings.uploads_dir
        self._lock = threading.RLock()
        self._held = 0  # nesting depth of the cross-process lock in this process
        self._loaded: tuple | None = None
        self._documents: list[UploadedDocument] = []
        self._snapshot = UploadSnapshot(store=_empty_store(embedder), sources=[])
        self._swept = False
        if self.root.exists() and not self.root.is_dir():  # a setting to correct before anything runs
            raise UploadError(self._not_a_folder())

    # ---- reading

    @property
    def registry(self) -> Path:
        return self.root / "registry.json"

    def _registry_version(self) -> tuple | None:
        try:
            stat = self.registry.stat()
        except FileNotFoundError:
            return None
        except NotADirectoryError as exc:
            raise UploadError(self._not_a_folder()) from exc
        return stat.st_mtime_ns, stat.st_ino, stat.st_size

    def _not_a_folder(self) -> str:
        return (f"the uploads folder {self.root} is a file, not a folder: set ASSISTANT_UPLOADS_DIR to a folder "
                "(it is created if missing)")

    def _refresh(self, force: bool = False) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise UploadError(self._not_a_folder())
        self._sweep_once()
        version = self._registry_version()
        if version == self._loaded and not force:
            return
        listed, embedded_with = self._read_registry() if version is not None else ([], None)
        units: list[Unit] = []
        chunks: list[Chunk] = []
        vectors: list[np.ndarray] = []
        stale: list[UploadedDocument] = []  # documents whose vectors are missing or from another model
        for document in listed:
            try:
                stored = json.loads((self.root / "units" / f"{document.id}.json").read_text(encoding="utf-8"))
                doc_units = [Unit(**u) for u in stored["units"]]
                doc_chunks = [Chunk(**c) for c in stored["chunks"]]
            except (OSError, ValueError, KeyError, TypeError) as exc:  # a damaged upload does not stop the others
                log.warning("uploaded document %s is damaged (%s): remove and upload it again", document.id, exc)
                continue
            doc_vectors = self._stored_vectors(document, len(doc_chunks)) if embedded_with == self.embedder.identity \
                else None
            if doc_vectors is None:
                doc_vectors = self._reembed(document, doc_units, doc_chunks, embedded_with)
                stale.append(document)
            units += doc_units
            chunks += doc_chunks
            vectors.append(doc_vectors)
        self._documents = listed
        self._snapshot = UploadSnapshot(store=self._searchable(units, chunks, vectors),
                                        sources=[d.source for d in listed])
        self._loaded = version
        if stale and embedded_with != self.embedder.identity:
            self._try_save_registry(listed)

    def _searchable(self, units: list[Unit], chunks: list[Chunk], vectors: list[np.ndarray]) -> SearchableStore:
        """The uploads as a store retrieval can search: their vectors and a BM25 index over the same texts
        that are embedded, as for the corpus."""
        if not chunks:
            return _empty_store(self.embedder)
        texts = embedding_texts(chunks, units)
        matrix = np.concatenate(vectors).astype(np.float32)
        return SearchableStore(units=units, chunks=chunks, collection=VectorSearch(chunks, matrix),
                               lexical=LexicalIndex.build(texts), vectors=matrix)

    def _read_registry(self) -> tuple[list[UploadedDocument], str | None]:
        try:
            registry = json.loads(self.registry.read_text(encoding="utf-8"))
            return [UploadedDocument(**d) for d in registry["documents"]], registry.get("embedding")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("uploads registry %s is unreadable (%s): uploads are not searched", self.registry, exc)
            return [], None

    def _stored_vectors(self, document: UploadedDocument, chunks: int) -> np.ndarray | None:
        try:
            vectors = np.load(self.root / "vectors" / f"{document.id}.npy", allow_pickle=False)
        except (OSError, ValueError):
            return None
        if vectors.shape != (chunks, self.embedder.dimension):
            return None
        return vectors

    def _reembed(self, document: UploadedDocument, units: list[Unit], chunks: list[Chunk],
                 previous: str | None) -> np.ndarray:
        """Vectors from another embedding model (or lost ones) are not comparable with the question's:
        embed again, and store them when the folder is writable."""
        log.warning("uploaded document %s was embedded with %s, not %s (or its vectors are missing): embedding it "
                    "again", document.id, previous, self.embedder.identity)
        vectors = self.embedder.embed(embedding_texts(chunks, units),
                                      batch_size=self.settings.embed_batch_size)
        try:
            with self._exclusive():
                write_private(self.root / "vectors" / f"{document.id}.npy", _npy(vectors))
        except (OSError, UploadError, DiskFullError) as exc:
            log.warning("cannot store the new upload vectors (%s): they are kept in memory only", exc)
        return vectors

    def list(self) -> list[UploadedDocument]:
        with self._lock:
            self._refresh()
            return list(self._documents)

    def snapshot(self) -> UploadSnapshot:
        """The uploaded documents to search, read again only when the registry changed."""
        with self._lock:
            try:
                self._refresh()
            except UploadError as exc:  # questions are still answered from the corpus
                log.warning("uploads are not searched: %s", exc)
            return self._snapshot

    def unit(self, doc: str, locator: str) -> Unit | None:
        return self.snapshot().store.unit(doc, locator)

    def document(self, doc: str) -> tuple[UploadedDocument, Path, list[Unit]] | None:
        """An uploaded document by its citation id (`upload-<id>`): its record, its stored file and its units
        in order; None when no such document is uploaded."""
        with self._lock:
            try:
                self._refresh()
            except UploadError:
                return None
            found = next((d for d in self._documents if d.doc == doc), None)
            if found is None:
                return None
            units = [u for u in self._snapshot.store.units if u.doc == doc]
            return found, self.root / "files" / found.source.file, units

    # ---- changing

    def add_file(self, path: Path, *, title: str | None = None, original_name: str | None = None,
                 progress: ProgressCallback | None = None) -> UploadedDocument:
        path = Path(path)
        name = original_name or path.name
        kind = self._kind(name)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise UploadError(f"cannot read {display_name(name)}: {exc.strerror}") from exc
        self._check_size(size)
        return self.add_bytes(path.read_bytes(), name, title=title, kind=kind, progress=progress)

    def add_bytes(
        self, data: bytes, name: str, *, title: str | None = None, kind: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> UploadedDocument:
        """Parse, embed and store a document; `progress` is told each stage, and each batch of passages
        embedded (the web app shows it while questions go on being answered)."""
        report = progress or (lambda _: None)
        kind = kind or self._kind(name)
        self._check_size(len(data))
        sha = hashlib.sha256(data).hexdigest()
        with self._lock:
            self._refresh()
            self._check_can_add(sha)
            self._writable()  # before the parsing and embedding, which take a while
        document = UploadedDocument(
            id=sha[:12], title=_title(data, kind, name, title), original_name=display_name(name), kind=kind,
            sha256=sha, size=len(data), units=0, chunks=0,
            added_at=datetime.now(UTC).isoformat(timespec="seconds"))
        source = document.source
        report(UploadProgress(stage="reading"))
        try:
            units = parse_bounded(source.family, source.id, document.title, data, self._limits())
        except DocumentContentError as exc:
            raise UploadError(str(exc)) from exc
        chunks = chunk_units(units, self.settings.chunk_tokens)
        for i, chunk in enumerate(chunks):
            chunk.id = f"{source.id}:{i}"
        vectors = self._embed(embedding_texts(chunks, units), report)
        document = document.model_copy(update={"units": len(units), "chunks": len(chunks)})
        report(UploadProgress(stage="saving", done=len(chunks), total=len(chunks)))
        with self._lock, self._exclusive():
            self._refresh(force=True)  # another process may have added or removed documents meanwhile
            self._check_can_add(sha)
            self._write(document, data, units, chunks, vectors)
        return document

    def _embed(self, texts: list[str], report: ProgressCallback) -> np.ndarray:
        """The passages' vectors, a few batches at a time, reporting how many are done."""
        step = self.settings.embed_batch_size * EMBED_BATCHES_PER_REPORT
        parts = []
        report(UploadProgress(stage="embedding", done=0, total=len(texts)))
        for start in range(0, len(texts), step):
            parts.append(self.embedder.embed(texts[start:start + step], batch_size=self.settings.embed_batch_size))
            report(UploadProgress(stage="embedding", done=min(start + step, len(texts)), total=len(texts)))
        return np.concatenate(parts) if parts else np.zeros((0, self.embedder.dimension), np.float32)

    def _check_can_add(self, sha: str) -> None:
        existing = next((d for d in self._documents if d.sha256 == sha), None)
        if existing:
            raise UploadError(f"this file is already uploaded as “{existing.title}” (id {existing.id})")
        if len(self._documents) >= self.settings.upload_max_documents:
            raise UploadError(f"the local collection holds {len(self._documents)} documents, the limit "
                              "(ASSISTANT_UPLOAD_MAX_DOCUMENTS): remove one first")

    def _limits(self) -> ParseLimits:
        s = self.settings
        return ParseLimits(memory_mb=s.upload_parse_memory_mb, cpu_seconds=s.upload_parse_seconds,
                           pages=s.upload_max_pages, units=s.upload_max_units, chars=s.upload_max_chars)

    def remove(self, document_id: str) -> UploadedDocument:
        with self._lock:
            self._refresh()
            self._writable()
            with self._exclusive():
                self._refresh(force=True)
                document = next((d for d in self._documents if d.id == document_id.strip()), None)
                if document is None:
                    known = ", ".join(f"{d.id} ({d.title})" for d in self._documents) or "none"
                    raise UploadError(f"no uploaded document with id '{document_id}'; uploaded: {known}")
                try:
                    self._save_registry([d for d in self._documents if d.id != document.id])
                except OSError as exc:
                    raise self._write_problem(exc, "cannot be changed") from exc
                self._delete_files(document.id)
                self._refresh()
            return document

    def _kind(self, name: str) -> str:
        suffix = Path(display_name(name)).suffix.lower()
        if suffix not in KINDS:
            raise UploadError(f"{display_name(name)}: only PDF, Markdown (.md) and text (.txt) files can be uploaded")
        return KINDS[suffix]

    def _check_size(self, size: int) -> None:
        limit = int(self.settings.upload_max_mb * 1024 * 1024)
        if size > limit:
            raise UploadError(f"the file is {size / 1024 / 1024:.1f} MB; the upload limit is "
                              f"{self.settings.upload_max_mb:g} MB (ASSISTANT_UPLOAD_MAX_MB)")
        if size == 0:
            raise UploadError("the file is empty")

    def _writable(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise UploadError(self._not_a_folder())
        try:
            private_dir(self.root)
            for folder in FOLDERS:
                private_dir(self.root / folder)
            write_private(self.root / ".write-test", b"")
            (self.root / ".write-test").unlink()
        except OSError as exc:
            raise self._write_problem(exc, "is not writable") from exc

    def _write_problem(self, exc: OSError, what: str) -> UploadError | DiskFullError:
        if disk_full(exc):
            return DiskFullError(f"the disk holding the uploads folder {self.root} is full (No space left on "
                                 "device): free some space or set ASSISTANT_UPLOADS_DIR to another disk; nothing "
                                 "was changed")
        return UploadError(f"the uploads folder {self.root} {what} ({exc.strerror or exc}): set "
                           "ASSISTANT_UPLOADS_DIR to a writable folder")

    @contextmanager
    def _exclusive(self):
        """Hold the uploads folder's lock (across processes); nested uses in this process hold it once."""
        with self._lock:
            if self._held:
                self._held += 1
                try:
                    yield
                finally:
                    self._held -= 1
                return
            try:
                private_dir(self.root)
                handle = open(private_file(self.root / ".lock"), "a")  # held while locked
            except OSError as exc:
                raise self._write_problem(exc, "is not writable") from exc
            try:
                fcntl.flock(handle, fcntl.LOCK_EX)
                self._held = 1
                try:
                    yield
                finally:
                    self._held = 0
                    fcntl.flock(handle, fcntl.LOCK_UN)
            finally:
                handle.close()

    def _write(self, document: UploadedDocument, data: bytes, units: list[Unit], chunks: list[Chunk],
               vectors: np.ndarray) -> None:
        """Write the document's files, then list it; on any failure nothing of it is left behind."""
        self._writable()
        stored = {"units": [u.model_dump() for u in units], "chunks": [c.model_dump() for c in chunks]}
        try:
            write_private(self.root / "files" / document.source.file, data)
            write_private(self.root / "units" / f"{document.id}.json", json.dumps(stored, ensure_ascii=False))
            write_private(self.root / "vectors" / f"{document.id}.npy", _npy(vectors))
            self._save_registry([*self._documents, document])
        except OSError as exc:
            self._delete_files(document.id)
            raise self._write_problem(exc, "cannot store the upload") from exc
        self._refresh()

    def _delete_files(self, document_id: str) -> None:
        for folder in FOLDERS:
            for path in (self.root / folder).glob(f"{document_id}.*"):
                path.unlink(missing_ok=True)

    def _save_registry(self, documents: list[UploadedDocument]) -> None:
        data = {"embedding": self.embedder.identity, "documents": [d.model_dump() for d in documents]}
        write_private(self.registry, json.dumps(data, ensure_ascii=False, indent=1))

    def _try_save_registry(self, documents: list[UploadedDocument]) -> None:
        try:
            with self._exclusive():
                self._save_registry(documents)
            self._loaded = self._registry_version()
        except (OSError, UploadError, DiskFullError) as exc:
            log.warning("cannot update the uploads registry (%s)", exc)

    def _sweep_once(self) -> None:
        """At the first reading: remove what no listed document owns (the files of an add that was killed or
        failed, temporary files, the Chroma collection of the previous layout)."""
        if self._swept:
            return
        self._swept = True
        if not self.root.is_dir() or not _writable_folder(self.root):
            return
        try:
            with self._exclusive():
                listed = set()
                if self.registry.exists():
                    documents, embedded_with = self._read_registry()
                    if not documents and embedded_with is None:
                        return  # unreadable: what it listed is unknown, so nothing is an orphan
                    listed = {d.id for d in documents}
                removed = []
                for folder in FOLDERS:
                    for path in (self.root / folder).glob("*") if (self.root / folder).is_dir() else []:
                        if is_temporary(path) or path.name.split(".")[0] not in listed:
                            path.unlink(missing_ok=True)
                            removed.append(path.name)
                for path in self.root.glob(".*.tmp"):
                    path.unlink(missing_ok=True)
                    removed.append(path.name)
                legacy = self.root / "chroma"
                if legacy.is_dir():
                    shutil.rmtree(legacy, ignore_errors=True)
                    removed.append("chroma/")
                if removed:
                    log.warning("removed leftovers from the uploads folder %s: %s", self.root, ", ".join(removed))
        except (OSError, UploadError, DiskFullError) as exc:
            log.warning("cannot sweep the uploads folder %s (%s)", self.root, exc)


def _writable_folder(folder: Path) -> bool:
    return os.access(folder, os.W_OK)


def _npy(vectors: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(vectors, dtype=np.float32), allow_pickle=False)
    return buffer.getvalue()


def _empty_store(embedder: Embedder) -> SearchableStore:
    return SearchableStore(units=[], chunks=[], collection=None, lexical=None,
                           vectors=np.zeros((0, embedder.dimension), np.float32))
