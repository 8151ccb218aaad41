"""Documents users upload (PDF, Markdown, text): parsed into units, embedded into a separate,
persistent "local" Chroma collection and searched together with the corpus.

Layout of `uploads/` (ASSISTANT_UPLOADS_DIR): `registry.json` lists the documents; `files/<id>.<ext>`
keeps each file under a name made from its hash (the uploaded file name is only displayed, never
used as a path); `units/<id>.jsonl` its units and chunks; `chroma/` the embedded collection (or the
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
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np
from pydantic import BaseModel

from assistant.chunking import chunk_units
from assistant.config import Settings
from assistant.embedding import Embedder
from assistant.errors import AssistantError
from assistant.index import add_chunks, chroma_client, embedding_texts
from assistant.lexical import LexicalIndex
from assistant.models import Chunk, Passage, Unit

log = logging.getLogger(__name__)

COLLECTION = "local"
KINDS = {".pdf": "pdf", ".md": "markdown", ".markdown": "markdown", ".txt": "text"}
DOC_PREFIX = "upload-"
LIST_ITEM = re.compile(r"^(?:[-*+•]|\d+[.)])\s")
TITLE_CHARS = 120


class UploadError(AssistantError):
    exit_code = 2


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


def display_name(name: str) -> str:
    """The last component of an uploaded file name (either path style), without control characters."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if ch.isprintable())
    return base.strip()[:200] or "document"


def title_from(name: str) -> str:
    stem = display_name(name).rsplit(".", 1)[0]
    return re.sub(r"[_\s]+", " ", stem).strip()[:TITLE_CHARS] or "Untitled document"


def markdown_title(data: bytes) -> str | None:
    """The document's single level-1 heading, if it has exactly one."""
    headings = re.findall(r"(?m)^#\s+(.+?)\s*#*\s*$", data.decode("utf-8", errors="replace"))
    return headings[0] if len(headings) == 1 else None


# ---------------------------------------------------------------------------------------------
# parsing


def _pdf_units(doc: str, title: str, data: bytes) -> list[Unit]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:  # noqa: BLE001 - pdfium raises PdfiumError for any damage
        raise UploadError(f"cannot read this PDF: it is damaged or not a PDF ({exc})") from exc
    units = []
    try:
        for number in range(len(pdf)):
            page = pdf[number]
            text = " ".join(page.get_textpage().get_text_range().split())  # layout line breaks are not sentences
            if text:
                units.append(Unit(doc=doc, unit=f"p. {number + 1}", heading=f"{title}, page {number + 1}",
                                  page=number + 1, text=text))
    finally:
        pdf.close()
    if not units:
        raise UploadError("this PDF has no text layer (a scanned image?): run OCR on it first, then upload it")
    return units


def _paragraphs(lines: list[str]) -> str:
    """Lines of one paragraph joined; paragraphs and list items each on a line of their own."""
    out: list[str] = []
    joined = True
    for line in (raw.strip() for raw in lines):
        if not line:
            joined = False
        elif out and joined and not LIST_ITEM.match(line):
            out[-1] += " " + line
        else:
            out.append(line)
            joined = True
    return "\n".join(out)


def _markdown_units(doc: str, title: str, text: str) -> list[Unit]:
    units: list[Unit] = []
    path: list[tuple[int, str]] = []
    body: list[str] = []
    seen: dict[str, int] = {}
    top_level = len(re.findall(r"(?m)^#\s", text)) == 1  # one H1 is the document's title, not a section

    def flush() -> None:
        words = _paragraphs(body)
        if words:
            locator = " › ".join(h for level, h in path if not (top_level and level == 1)) or "opening text"
            seen[locator] = seen.get(locator, 0) + 1
            if seen[locator] > 1:
                locator = f"{locator} ({seen[locator]})"
            units.append(Unit(doc=doc, unit=locator, heading=f"{title} › {locator}", text=words))
        body.clear()

    for line in text.splitlines():
        match = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if match:
            flush()
            level = len(match.group(1))
            path = [(lvl, h) for lvl, h in path if lvl < level] + [(level, match.group(2).strip())]
        else:
            body.append(line.rstrip())
    flush()
    return units


def _text_units(doc: str, title: str, text: str) -> list[Unit]:
    paragraphs = [_paragraphs(p.splitlines()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    return [Unit(doc=doc, unit=f"para. {n}", heading=f"{title}, paragraph {n}", text=p)
            for n, p in enumerate(paragraphs, start=1)]


def parse_upload(doc: str, title: str, kind: str, data: bytes) -> list[Unit]:
    if kind == "pdf":
        if not data.startswith(b"%PDF-"):
            raise UploadError("cannot read this PDF: the file does not start like a PDF (damaged or renamed?)")
        return _pdf_units(doc, title, data)
    if b"\0" in data:
        raise UploadError(f"this {kind} file holds binary data, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError(f"this {kind} file is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                          "save it as UTF-8 and upload it again") from exc
    units = _markdown_units(doc, title, text) if kind == "markdown" else _text_units(doc, title, text)
    if not units:
        raise UploadError("this file holds no text")
    return units


# ---------------------------------------------------------------------------------------------
# the store


class UploadStore:
    """The local collection. Thread-safe; another process's changes are picked up on the next search."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.root = settings.uploads_path
        self._lock = threading.RLock()
        self._loaded_mtime: float | None = None
        self._documents: list[UploadedDocument] = []
        self._units: dict[tuple[str, str], Unit] = {}
        self._chunks: list[Chunk] = []
        self._lexical: LexicalIndex | None = None
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
        listed = []
        embedded_with = None
        if mtime is not None:
            try:
                registry = json.loads(self.registry.read_text(encoding="utf-8"))
                listed = [UploadedDocument(**d) for d in registry["documents"]]
                embedded_with = registry.get("embedding")
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("uploads registry %s is unreadable (%s): uploads are not searched", self.registry, exc)
        documents: list[UploadedDocument] = []
        units: dict[tuple[str, str], Unit] = {}
        chunks: list[Chunk] = []
        for document in listed:
            try:
                stored = json.loads((self.root / "units" / f"{document.id}.json").read_text(encoding="utf-8"))
                units.update({(u["doc"], u["unit"]): Unit(**u) for u in stored["units"]})
                chunks += [Chunk(**c) for c in stored["chunks"]]
            except (OSError, ValueError, KeyError, TypeError) as exc:  # a damaged upload does not stop the others
                log.warning("uploaded document %s is damaged (%s): remove and upload it again", document.id, exc)
            documents.append(document)
        if listed and embedded_with != self.embedder.identity:
            self._reembed(chunks, units, embedded_with, documents)
        self._documents, self._units, self._chunks = documents, units, chunks
        self._lexical = LexicalIndex.build([c.text for c in chunks]) if chunks else None
        self._loaded_mtime = mtime

    def _reembed(self, chunks: list[Chunk], units: dict[tuple[str, str], Unit], previous: str | None,
                 documents: list[UploadedDocument]) -> None:
        """Vectors from another embedding model are not comparable with the question's: embed again."""
        log.warning("uploads were embedded with %s, not %s: embedding them again", previous, self.embedder.identity)
        vectors = self.embedder.embed(embedding_texts(chunks, units), batch_size=self.settings.embed_batch_size)
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
            log.warning("cannot store the new upload vectors (%s): uploads are searched with stale vectors", exc)

    def list(self) -> list[UploadedDocument]:
        with self._lock:
            self._refresh()
            return list(self._documents)

    def unit(self, doc: str, locator: str) -> Unit | None:
        with self._lock:
            self._refresh()
            return self._units.get((doc, locator))

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

    def add_bytes(self, data: bytes, name: str, *, title: str | None = None, kind: str | None = None) -> UploadedDocument:
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
            document_id = sha[:12]
            title = title or (markdown_title(data) if kind == "markdown" else None) or title_from(name)
            clean_title = " ".join(title.split())[:TITLE_CHARS] or "Untitled document"
            doc = DOC_PREFIX + document_id
            units = parse_upload(doc, clean_title, kind, data)
            chunks = chunk_units(units, self.settings.chunk_tokens)
            for i, chunk in enumerate(chunks):
                chunk.id = f"{doc}:{i}"
            vectors = self.embedder.embed(embedding_texts(chunks, {(u.doc, u.unit): u for u in units}),
                                          batch_size=self.settings.embed_batch_size)
            document = UploadedDocument(
                id=document_id, title=clean_title, original_name=display_name(name), kind=kind, sha256=sha,
                size=len(data), units=len(units), chunks=len(chunks),
                added_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
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
        extension = {"pdf": ".pdf", "markdown": ".md", "text": ".txt"}[document.kind]
        try:
            (self.root / "files" / f"{document.id}{extension}").write_bytes(data)
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

    # ---- searching

    def search(self, query: str, query_vector: np.ndarray, k: int, min_dense: float) -> list[Passage]:
        """Uploaded units at least `min_dense` similar to the question, scored like the corpus
        (cosine + BM25 scaled to the best candidate), best first."""
        with self._lock:
            self._refresh()
            if not self._chunks:
                return []
            n = min(self.settings.candidates, len(self._chunks))
            result = self.collection().query(query_embeddings=[query_vector.tolist()], n_results=n,
                                             include=["metadatas", "distances"])
            dense: dict[tuple[str, str], float] = {}
            for meta, distance in zip(result["metadatas"][0], result["distances"][0]):
                key = (meta["doc"], meta["unit"])
                dense[key] = max(dense.get(key, -1.0), 1.0 - float(distance))
            lexical: dict[tuple[str, str], float] = {}
            for position, score in self._lexical.search(query, n):
                chunk = self._chunks[position]
                key = (chunk.doc, chunk.unit)
                lexical[key] = max(lexical.get(key, 0.0), score)
            top_lexical = max(lexical.values(), default=0.0) or 1.0
            titles = {d.doc: d for d in self._documents}
            passages = []
            for key, cosine in dense.items():
                unit = self._units.get(key)
                if unit is None or cosine < min_dense or key[0] not in titles:
                    continue
                document = titles[key[0]]
                passages.append(Passage(
                    doc=unit.doc, unit=unit.unit, heading=unit.heading, page=unit.page, title=document.title,
                    short_title=document.short_title, text=unit.full_text, context=unit.context,
                    score=cosine + lexical.get(key, 0.0) / top_lexical, dense=cosine, lexical=lexical.get(key, 0.0)))
            return sorted(passages, key=lambda p: -p.score)[:k]
