"""Documents users upload (PDF, Markdown, text): parsed by the corpus parsers for documents without
a known structure (`assistant.corpus.plain`), chunked and embedded like the corpus into a separate,
persistent "local" Chroma collection, and offered to retrieval as a store of their own.

Layout of `uploads/` (ASSISTANT_UPLOADS_DIR): `registry.json` lists the documents; `files/<id>.<ext>`
keeps each file under a name made from its hash (the uploaded file name is only displayed, never
used as a path); `units/<id>.json` its units and chunks; `chroma/` the embedded collection (or the
Chroma server's `local` collection when ASSISTANT_CHROMA_URL is set).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np
from pydantic import BaseModel

from assistant.chunking import chunk_units
from assistant.config import Settings
from assistant.corpus.plain import markdown_title, parse_plain
from assistant.embedding import Embedder
from assistant.errors import DocumentContentError, UploadError
from assistant.index import SearchableStore, add_chunks, chroma_client, embedding_texts
from assistant.lexical import LexicalIndex
from assistant.models import Chunk, Source, Unit

log = logging.getLogger(__name__)

COLLECTION = "local"
KINDS = {".pdf": "pdf", ".md": "markdown", ".markdown": "markdown", ".txt": "text"}
FAMILY_OF_KIND = {"pdf": "pdf-pages", "markdown": "markdown-headings", "text": "text-paragraphs"}
EXTENSION_OF_KIND = {"pdf": ".pdf", "markdown": ".md", "text": ".txt"}
DOC_PREFIX = "upload-"
TITLE_CHARS = 120


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


class UploadStore:
    """The local collection. Thread-safe; another process's changes are picked up on the next reading."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.root = settings.uploads_dir
        self._lock = threading.RLock()
        self._loaded_mtime: float | None = None
        self._documents: list[UploadedDocument] = []
        self._snapshot = UploadSnapshot(store=_empty_store(embedder), sources=[])
        self._collection = None

    # ---- reading

    @property
    def registry(self) -> Path:
        return self.root / "registry.json"

    def _refresh(self) -> None:
        try:
            mtime = self.registry.stat().st_mtime_ns
        except FileNotFoundError:
            mtime = None
        if mtime == self._loaded_mtime:
            return
        listed, embedded_with = self._read_registry() if mtime is not None else ([], None)
        documents: list[UploadedDocument] = []
        units: list[Unit] = []
        chunks: list[Chunk] = []
        for document in listed:
            try:
                stored = json.loads((self.root / "units" / f"{document.id}.json").read_text(encoding="utf-8"))
                units += [Unit(**u) for u in stored["units"]]
                chunks += [Chunk(**c) for c in stored["chunks"]]
            except (OSError, ValueError, KeyError, TypeError) as exc:  # a damaged upload does not stop the others
                log.warning("uploaded document %s is damaged (%s): remove and upload it again", document.id, exc)
            documents.append(document)
        self._documents = documents
        self._snapshot = UploadSnapshot(store=self._searchable(units, chunks, embedded_with, documents),
                                        sources=[d.source for d in documents])
        self._loaded_mtime = mtime

    def _searchable(self, units: list[Unit], chunks: list[Chunk], embedded_with: str | None,
                    documents: list[UploadedDocument]) -> SearchableStore:
        """The uploads as a store retrieval can search: their vectors (embedded again if they came from
        another model) and a BM25 index over the same texts that are embedded, as for the corpus."""
        if not chunks:
            return _empty_store(self.embedder)
        texts = embedding_texts(chunks, {(u.doc, u.unit): u for u in units})
        vectors = self._stored_vectors(chunks) if embedded_with == self.embedder.identity else None
        if vectors is None:
            vectors = self._reembed(chunks, texts, embedded_with, documents)
        return SearchableStore(units=units, chunks=chunks, collection=self.collection(),
                               lexical=LexicalIndex.build(texts), vectors=np.asarray(vectors, dtype=np.float32))

    def _read_registry(self) -> tuple[list[UploadedDocument], str | None]:
        try:
            registry = json.loads(self.registry.read_text(encoding="utf-8"))
            return [UploadedDocument(**d) for d in registry["documents"]], registry.get("embedding")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("uploads registry %s is unreadable (%s): uploads are not searched", self.registry, exc)
            return [], None

    def _stored_vectors(self, chunks: list[Chunk]) -> np.ndarray | None:
        """The chunks' vectors from the collection, in chunk order; None if any is missing."""
        stored = self.collection().get(ids=[c.id for c in chunks], include=["embeddings"])
        by_id = dict(zip(stored["ids"], stored["embeddings"]))
        if any(c.id not in by_id for c in chunks):
            return None
        return np.array([by_id[c.id] for c in chunks], dtype=np.float32)

    def _reembed(self, chunks: list[Chunk], texts: list[str], previous: str | None,
                 documents: list[UploadedDocument]) -> np.ndarray:
        """Vectors from another embedding model (or lost ones) are not comparable with the question's:
        embed again, and store them when the folder is writable."""
        log.warning("uploads were embedded with %s, not %s: embedding them again", previous, self.embedder.identity)
        vectors = self.embedder.embed(texts, batch_size=self.settings.embed_batch_size)
        try:
            self._writable()
            client = chroma_client(self.settings, self.root / "chroma")
            try:
                client.delete_collection(COLLECTION)
            except Exception:  # noqa: BLE001 - it may not exist yet
                pass
            self._collection = None
            add_chunks(self.collection(), chunks, vectors)
            self._save_registry(documents)
        except (OSError, UploadError) as exc:
            log.warning("cannot store the new upload vectors (%s): they are kept in memory only", exc)
        return vectors

    def list(self) -> list[UploadedDocument]:
        with self._lock:
            self._refresh()
            return list(self._documents)

    def snapshot(self) -> UploadSnapshot:
        """The uploaded documents to search, read again only when the registry changed."""
        with self._lock:
            self._refresh()
            return self._snapshot

    def unit(self, doc: str, locator: str) -> Unit | None:
        return self.snapshot().store.unit(doc, locator)

    def collection(self):
        if self._collection is None:
            client = chroma_client(self.settings, self.root / "chroma")
            self._collection = client.get_or_create_collection(
                COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"})
        return self._collection

    # ---- changing

    def add_file(self, path: Path, *, title: str | None = None, original_name: str | None = None) -> UploadedDocument:
        path = Path(path)
        name = original_name or path.name
        kind = self._kind(name)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise UploadError(f"cannot read {display_name(name)}: {exc.strerror}") from exc
        self._check_size(size)
        return self.add_bytes(path.read_bytes(), name, title=title, kind=kind)

    def add_bytes(
        self, data: bytes, name: str, *, title: str | None = None, kind: str | None = None
    ) -> UploadedDocument:
        kind = kind or self._kind(name)
        self._check_size(len(data))
        sha = hashlib.sha256(data).hexdigest()
        with self._lock:
            self._refresh()
            existing = next((d for d in self._documents if d.sha256 == sha), None)
            if existing:
                raise UploadError(f"this file is already uploaded as “{existing.title}” (id {existing.id})")
            if len(self._documents) >= self.settings.upload_max_documents:
                raise UploadError(f"the local collection holds {len(self._documents)} documents, the limit "
                                  "(ASSISTANT_UPLOAD_MAX_DOCUMENTS): remove one first")
            self._writable()  # before the parsing and embedding, which take a while
            document = UploadedDocument(
                id=sha[:12], title=_title(data, kind, name, title), original_name=display_name(name), kind=kind,
                sha256=sha, size=len(data), units=0, chunks=0,
                added_at=datetime.now(UTC).isoformat(timespec="seconds"))
            source = document.source
            try:
                units = parse_plain(source.family, source.id, document.title, data)
            except DocumentContentError as exc:
                raise UploadError(str(exc)) from exc
            chunks = chunk_units(units, self.settings.chunk_tokens)
            for i, chunk in enumerate(chunks):
                chunk.id = f"{source.id}:{i}"
            vectors = self.embedder.embed(embedding_texts(chunks, {(u.doc, u.unit): u for u in units}),
                                          batch_size=self.settings.embed_batch_size)
            document = document.model_copy(update={"units": len(units), "chunks": len(chunks)})
            self._write(document, data, units, chunks, vectors)
            return document

    def remove(self, document_id: str) -> UploadedDocument:
        with self._lock:
            self._refresh()
            document = next((d for d in self._documents if d.id == document_id.strip()), None)
            if document is None:
                known = ", ".join(f"{d.id} ({d.title})" for d in self._documents) or "none"
                raise UploadError(f"no uploaded document with id '{document_id}'; uploaded: {known}")
            self._writable()
            self.collection().delete(where={"doc": document.doc})
            self._save_registry([d for d in self._documents if d.id != document.id])
            for stale in (self.root / "units" / f"{document.id}.json", *self.root.glob(f"files/{document.id}.*")):
                stale.unlink(missing_ok=True)
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
        try:
            (self.root / "files").mkdir(parents=True, exist_ok=True)
            (self.root / "units").mkdir(parents=True, exist_ok=True)
            probe = self.root / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise UploadError(f"the uploads folder {self.root} is not writable ({exc.strerror}): "
                              "set ASSISTANT_UPLOADS_DIR to a writable folder") from exc

    def _write(self, document: UploadedDocument, data: bytes, units: list[Unit], chunks: list[Chunk],
               vectors: np.ndarray) -> None:
        self._writable()
        try:
            (self.root / "files" / document.source.file).write_bytes(data)
            stored = {"units": [u.model_dump() for u in units], "chunks": [c.model_dump() for c in chunks]}
            (self.root / "units" / f"{document.id}.json").write_text(json.dumps(stored, ensure_ascii=False),
                                                                      encoding="utf-8")
            add_chunks(self.collection(), chunks, vectors)
            self._save_registry([*self._documents, document])
        except OSError as exc:
            raise UploadError(f"cannot store the upload in {self.root} ({exc.strerror})") from exc
        self._refresh()

    def _save_registry(self, documents: list[UploadedDocument]) -> None:
        tmp = self.registry.with_suffix(".tmp")
        data = {"embedding": self.embedder.identity, "documents": [d.model_dump() for d in documents]}
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.registry)


def _empty_store(embedder: Embedder) -> SearchableStore:
    return SearchableStore(units=[], chunks=[], collection=None, lexical=None,
                           vectors=np.zeros((0, embedder.dimension), np.float32))
