"""Build, open and check the index: ChromaDB vectors + a BM25 index + the units, under `index/`.

Layout: `index/CURRENT` names the live store folder (`index/store-<time>/`). A build writes a new
`building-…` folder and, only when it is complete, renames it and swaps `CURRENT` atomically, so
a build that fails or is killed leaves the previous index serving. The store's `manifest.json`
records what it was built from (document hashes, model, chunking, code and library versions);
when any of that changes the index is stale.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from assistant.chunking import chunk_units
from assistant.config import Settings
from assistant.corpus.manifest import load_manifest
from assistant.corpus.references import CrossReference, find_references
from assistant.corpus.structure import parse_document
from assistant.corpus.sync import document_status, sha256_of
from assistant.embedding import MINILM, adapted_identity, embedder_of, relevance_embedder_of
from assistant.errors import (
    DiskFullError,
    IndexBuildError,
    IndexCorruptError,
    IndexMissingError,
    IndexStaleError,
    UnreadableDocumentError,
)
from assistant.lexical import LexicalIndex
from assistant.locators import is_within
from assistant.models import Chunk, Source, Unit
from assistant.private import disk_full
from assistant.tokens import truncate_tokens

log = logging.getLogger(__name__)

FORMAT_VERSION = 3  # 3: the manifest records the SHA-256 of the vector files
COLLECTION = "chunks"
CONTEXT_TOKENS = 30  # chapeau words prepended to a chunk for embedding
VECTORS = "embeddings.npz"
RELEVANCE_VECTORS = "relevance.npz"  # an adapted embedder's index: the packaged model's vectors, to decline by
PACKAGE = Path(__file__).resolve().parent


def package_imports(source: str) -> set[str]:
    """Names of the package's modules that a module's source imports, lazily or not
    (`from assistant.x import y` gives `assistant.x` and `assistant.x.y`, for `from assistant import x`)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return {name for name in names if name == "assistant" or name.startswith("assistant.")}


def _imported_modules(path: Path) -> set[Path]:
    """Files of the package that one module imports."""
    found: set[Path] = set()
    for name in package_imports(path.read_text(encoding="utf-8")):
        relative = Path(*name.split(".")[1:])
        found |= {c for c in (PACKAGE / relative.with_suffix(".py"), PACKAGE / relative / "__init__.py") if c.is_file()}
    return found


def code_files() -> list[Path]:
    """Every module that shapes the index: this one and all it imports from the package, transitively
    (parsers, chunking, the embedded text, the BM25 tokenizer, …), found by reading the imports."""
    seen: set[Path] = set()
    pending = [Path(__file__).resolve()]
    while pending:
        path = pending.pop()
        if path not in seen:
            seen.add(path)
            pending.extend(_imported_modules(path) - seen)
    return sorted(seen)


def _code_hash() -> str:
    digest = hashlib.sha256()
    for path in code_files():
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _versions() -> dict[str, str]:
    names = ["chromadb", "sentence-transformers", "bm25s", "PyStemmer", "pypdfium2", "tiktoken"]
    return {name: metadata.version(name) for name in names}


def expected_fingerprint(settings: Settings, sources: list[Source]) -> dict:
    """What an up-to-date index must have been built from."""
    status = document_status(sources, settings.documents_dir)
    documents = {r.source.id: sha256_of(settings.documents_dir / r.source.file) for r in status if r.available}
    return {
        "format": FORMAT_VERSION,
        "documents": documents,
        "embedding": embedder_name(settings),
        "chunk_tokens": settings.chunk_tokens,
        "vector_store": settings.chroma_url or "embedded",
        "code": _code_hash(),
        "versions": _versions(),
    }


def embedder_name(settings: Settings) -> str:
    """The embedder an index is built with, as its manifest records it (`multilingual-e5-small`,
    `all-minilm-l6-v2` with the package that ships it)."""
    if settings.embedding == MINILM:
        adapted = f", {adapted_identity(settings.embedding_model_dir)}" if settings.embedding_model_dir else ""
        return f"{MINILM} ({settings.embedding_package}{adapted})"
    return settings.embedding


def stale_reasons(built: dict, expected: dict) -> list[str]:
    """Why an index built from `built` is out of date against `expected` (empty when it is not)."""
    reasons = []
    for key in ("format", "embedding", "chunk_tokens", "vector_store", "code", "versions"):
        if built.get(key) != expected.get(key):
            reasons.append(f"{key} changed ({built.get(key)} → {expected.get(key)})")
    old, new = built.get("documents", {}), expected.get("documents", {})
    for doc in sorted(set(old) | set(new)):
        if doc not in new:
            reasons.append(f"document {doc} is no longer available")
        elif doc not in old:
            reasons.append(f"document {doc} was added")
        elif old[doc] != new[doc]:
            reasons.append(f"document {doc} changed")
    return reasons


def current_store(index_dir: Path) -> Path | None:
    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        return None
    return index_dir / pointer.read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class IndexStatus:
    """The live index: its store folder, what it was built from, and why it is out of date."""

    store: Path | None  # the folder `CURRENT` names; None when no index was built
    built: dict | None = None  # the store's manifest.json; None when missing or unreadable
    damage: str = ""  # why the manifest could not be read
    stale: list[str] | None = None  # why it is out of date ([] when up to date); None when not checked
    damaged: list[str] = field(default_factory=list)  # vector files that differ from the build's

    @property
    def exists(self) -> bool:
        return self.built is not None

    @property
    def up_to_date(self) -> bool:
        return self.exists and self.stale == [] and not self.damaged


def status(settings: Settings, *, check: bool = True) -> IndexStatus:
    """The index's status; `check=False` only reads its manifest, without hashing the documents and code."""
    store = current_store(settings.index_dir)
    if store is None:
        return IndexStatus(store=None)
    try:
        built = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return IndexStatus(store=store, damage=str(exc))
    if not check:
        return IndexStatus(store=store, built=built)
    expected = expected_fingerprint(settings, load_manifest(settings.manifest))
    return IndexStatus(store=store, built=built, stale=stale_reasons(built, expected),
                       damaged=vector_damage(store, built))


# The HNSW files Chroma writes for a collection do not change once it is built (reading and searching
# leave them as they are), so their SHA-256 is recorded at build and checked before Chroma opens them:
# damaged bytes in them make Chroma's native code crash the process (a segfault, no message).
# `chroma.sqlite3` is left out: SQLite rewrites it when a client opens it, and reports its own damage.
UNCHECKED_VECTOR_FILES = ("chroma.sqlite3",)


def vector_checksums(folder: Path) -> dict[str, str]:
    """SHA-256 of the embedded Chroma store's segment files, by path relative to the store folder."""
    return {path.relative_to(folder.parent).as_posix(): sha256_of(path)
            for path in sorted(folder.rglob("*"))
            if path.is_file() and not path.name.startswith(UNCHECKED_VECTOR_FILES)}


def vector_damage(store: Path, built: dict) -> list[str]:
    """The vector files that are missing or differ from the ones the build wrote (empty when intact)."""
    recorded = built.get("vector_files") or {}
    problems = []
    for name, digest in recorded.items():
        path = store / name
        if not path.is_file():
            problems.append(f"vector file {name} is missing")
        elif sha256_of(path) != digest:
            problems.append(f"vector file {name} is damaged (its SHA-256 differs from the build's)")
    return problems


# ---------------------------------------------------------------------------------------------
# build


@dataclass
class BuildReport:
    store: Path
    documents: list[str]
    skipped: list[str]  # "file: reason" for unreadable documents
    units: int
    chunks: int
    seconds: float
    embed_seconds: float


def _progress(message: str, enabled: bool) -> None:
    if enabled:
        print(message, file=sys.stderr, flush=True)


def parse_available(
    settings: Settings, sources: list[Source], progress: bool
) -> tuple[list[Unit], list[Source], list[str]]:
    units: list[Unit] = []
    parsed: list[Source] = []
    skipped: list[str] = []
    for result in document_status(sources, settings.documents_dir):
        if not result.available:
            continue
        path = settings.documents_dir / result.source.file
        try:
            document = parse_document(result.source, path)
        except UnreadableDocumentError as exc:
            skipped.append(str(exc))
            _progress(f"warning: skipped {exc}", True)
            continue
        units.extend(document.units)
        parsed.append(result.source)
        _progress(f"parsed {result.source.id}: {len(document.units)} units", progress)
    return units, parsed, skipped


def embedding_texts(chunks: list[Chunk], units: list[Unit]) -> list[str]:
    """The text the index embeds for each chunk: its unit's chapeau words, then the chunk."""
    by_key = {(u.doc, u.unit): u for u in units}
    return [
        chunk.embedding_text(truncate_tokens(by_key[(chunk.doc, chunk.unit)].context, CONTEXT_TOKENS))
        for chunk in chunks
    ]


def build_index(settings: Settings, *, progress: bool = True) -> BuildReport:
    """Build a new store and make it current. Raises only when nothing could be indexed."""
    started = time.perf_counter()
    index_dir = settings.index_dir
    index_dir.mkdir(parents=True, exist_ok=True)
    for leftover in index_dir.glob("building-*"):  # from a build that was killed
        shutil.rmtree(leftover, ignore_errors=True)
    sources = load_manifest(settings.manifest)
    fingerprint = expected_fingerprint(settings, sources)
    units, parsed, skipped = parse_available(settings, sources, progress)
    if not units:
        raise IndexMissingError(
            f"no documents to index in {settings.documents_dir}: run `assistant corpus sync` first"
        )
    chunks = chunk_units(units, settings.chunk_tokens)
    texts = embedding_texts(chunks, units)
    _progress(f"{len(chunks)} chunks from {len(units)} units", progress)
    embedder = embedder_of(settings)
    embed_started = time.perf_counter()
    vectors = _embed_with_cache(embedder, texts, [index_dir], settings.embed_batch_size, progress)
    relevance = relevance_embedder_of(settings)
    if relevance is not None:  # the packaged model's index, when built, holds these vectors already
        packaged_dir = settings.with_overrides(embedding_model_dir=None).index_dir
        relevance_vectors = _embed_with_cache(relevance, texts, [index_dir, packaged_dir], settings.embed_batch_size,
                                              progress)
    embed_seconds = time.perf_counter() - embed_started

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    building = index_dir / f"building-{stamp}"
    collection = COLLECTION if not settings.chroma_url else f"{COLLECTION}-{stamp}"
    try:
        building.mkdir()
        _write_vectors(settings, building / "chroma", collection, chunks, vectors)
        LexicalIndex.build(texts).save(building / "bm25")
        _write_jsonl(building / "units.jsonl", [u.model_dump() for u in units])
        _write_jsonl(building / "chunks.jsonl", [c.model_dump() for c in chunks])
        references = find_references(units, parsed)
        _write_jsonl(building / "references.jsonl", [r.model_dump() for r in references])
        np.savez(building / VECTORS, keys=np.array(_cache_keys(embedder.identity, texts)), vectors=vectors)
        if relevance is not None:
            np.savez(building / RELEVANCE_VECTORS, keys=np.array(_cache_keys(relevance.identity, texts)),
                     vectors=relevance_vectors)
        manifest = dict(fingerprint)
        if not settings.chroma_url:
            manifest["vector_files"] = vector_checksums(building / "chroma")
        manifest.update(
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            indexed=[s.id for s in parsed],
            skipped=skipped,
            units=len(units),
            chunks=len(chunks),
            references=reference_counts(references),
            embedding_model=embedder.identity,
            relevance_model=relevance.identity if relevance is not None else None,
            collection=collection,
            build_seconds=round(time.perf_counter() - started, 1),
            embed_seconds=round(embed_seconds, 1),
        )
        (building / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        store = index_dir / f"store-{stamp}"
        building.rename(store)
    except BaseException as exc:
        full = _disk_nearly_full(index_dir)  # measured before the partial build is removed
        _discard(settings, building, collection)
        # A full disk surfaces as an OSError, or as an error inside Chroma's storage engine.
        if isinstance(exc, OSError) or (isinstance(exc, Exception) and full):
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise IndexBuildError(
                f"cannot write the index in {index_dir} ({reason}): free some space, make the folder writable "
                "or choose another one with ASSISTANT_INDEX_DIR; the previous index is unchanged"
            ) from exc
        raise
    _swap_current(settings, index_dir, store)
    _progress(f"index ready: {len(units)} units, {len(chunks)} chunks", progress)
    return BuildReport(
        store=store,
        documents=[s.id for s in parsed],
        skipped=skipped,
        units=len(units),
        chunks=len(chunks),
        seconds=time.perf_counter() - started,
        embed_seconds=embed_seconds,
    )


def _cache_keys(model: str, texts: list[str]) -> list[str]:
    return [hashlib.sha1(f"{model}\n{text}".encode()).hexdigest() for text in texts]


def _embed_with_cache(embedder, texts: list[str], index_dirs: list[Path], batch_size: int,
                      progress: bool) -> np.ndarray:
    """Reuse the vectors of the stores in `index_dirs` for texts this model embedded before: a rebuild after
    adding a document, or after a change that leaves most chunks as they were, embeds only what is new."""
    keys = _cache_keys(embedder.identity, texts)
    cached: dict[str, np.ndarray] = {}
    saved = [store / name for index_dir in index_dirs
             for store in sorted(index_dir.glob("store-*"))  # the current store and the one it replaced
             for name in (VECTORS, RELEVANCE_VECTORS)]
    for path in saved:
        if path.is_file():
            try:
                with np.load(path) as previous:
                    cached.update(zip(previous["keys"].tolist(), previous["vectors"]))
            except (OSError, ValueError, KeyError):
                continue
    missing = [i for i, key in enumerate(keys) if key not in cached]
    vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    if missing:
        _progress(f"embedding {len(missing)} new chunks ({len(texts) - len(missing)} reused)…", progress)
        fresh = embedder.embed([texts[i] for i in missing], batch_size=batch_size, progress=progress)
        vectors[missing] = fresh
    for i, key in enumerate(keys):
        if key in cached:
            vectors[i] = cached[key]
    return vectors


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def chroma_client(settings: Settings, path: Path):
    """The embedded store in the index folder, or the Chroma server named by ASSISTANT_CHROMA_URL."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                   ssl=url.scheme == "https", settings=chroma_settings)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _disk_nearly_full(folder: Path, margin: int = 20 * 1024 * 1024) -> bool:
    try:
        return shutil.disk_usage(folder).free < margin
    except OSError:
        return False


def _discard(settings: Settings, building: Path, collection: str) -> None:
    shutil.rmtree(building, ignore_errors=True)
    if settings.chroma_url:
        try:
            chroma_client(settings, building).delete_collection(collection)
        except Exception:  # noqa: BLE001 - the collection may never have been created
            pass


def _write_vectors(settings: Settings, path: Path, name: str, chunks: list[Chunk], vectors: np.ndarray) -> None:
    client = chroma_client(settings, path)
    # Below its sync threshold (1,000 by default) Chroma keeps the vectors in SQLite and rewrites the HNSW
    # files at every open, so a small index would fail its checksums once opened: write them out at build.
    written_out = {"hnsw:sync_threshold": max(2, min(1000, len(chunks))),
                   "hnsw:batch_size": max(2, min(100, len(chunks)))}
    collection = client.create_collection(name, embedding_function=None,
                                          metadata={"hnsw:space": "cosine", **written_out})
    add_chunks(collection, chunks, vectors)


def add_chunks(collection, chunks: list[Chunk], vectors: np.ndarray, step: int = 2000) -> None:
    """Add chunks with their vectors to a Chroma collection (searches map results back by chunk id)."""
    for start in range(0, len(chunks), step):
        batch = chunks[start : start + step]
        collection.add(
            ids=[c.id for c in batch],
            embeddings=vectors[start : start + step],
            documents=[c.text for c in batch],
            metadatas=[{"doc": c.doc, "unit": c.unit} for c in batch],
        )


def _swap_current(settings: Settings, index_dir: Path, store: Path) -> None:
    previous = current_store(index_dir)
    pointer_tmp = index_dir / "CURRENT.tmp"
    pointer_tmp.write_text(store.name, encoding="utf-8")
    os.replace(pointer_tmp, index_dir / "CURRENT")
    # Keep the store just replaced (a running app may still read it); remove older ones.
    keep = {store.name, previous.name if previous else ""}
    for old in index_dir.glob("store-*"):
        if old.name not in keep:
            try:
                collection = json.loads((old / "manifest.json").read_text(encoding="utf-8")).get("collection")
            except (OSError, ValueError):
                collection = None
            if collection:
                _discard(settings, old, collection)
            shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# open


@dataclass
class SearchableStore:
    """What retrieval searches: units, their chunks, the chunks' vectors in a Chroma collection and in
    memory (chunk order, for re-scoring candidates), and a BM25 index over the same chunk texts."""

    units: list[Unit]
    chunks: list[Chunk]
    collection: object
    lexical: LexicalIndex | None
    vectors: np.ndarray
    relevance_vectors: np.ndarray | None = None  # the packaged model's, when the index's embedder was adapted

    def unit(self, doc: str, locator: str) -> Unit | None:
        return self._by_key.get((doc, locator))

    def __post_init__(self) -> None:
        self._by_key = {(u.doc, u.unit): u for u in self.units}


@dataclass
class IndexStore(SearchableStore):
    """The built corpus index: a searchable store with its folder, build manifest and the
    cross-references between its units."""

    path: Path = Path()
    manifest: dict = field(default_factory=dict)
    references: list[CrossReference] = field(default_factory=list)

    def refers_to(self, doc: str, locator: str) -> list[CrossReference]:
        """The resolved references written in one unit, in text order."""
        return [r for r in self._outgoing.get((doc, locator), []) if r.target]

    def provision_text(self, doc: str, locator: str) -> str:
        """The text of a provision: its unit, or the units within it (`art. 30` → 30(1), 30(2), 30(3))."""
        unit = self.unit(doc, locator)
        if unit is not None:
            return unit.full_text
        return "\n".join(u.full_text for u in self.units if u.doc == doc and is_within(u.unit, locator))

    def referred_by(self, doc: str, locator: str) -> list[CrossReference]:
        """The references elsewhere that point to this unit or to a part of it."""
        return [r for key, found in self._incoming.items() if key[0] == doc and is_within(key[1], locator)
                for r in found]

    def __post_init__(self) -> None:
        super().__post_init__()
        self._outgoing: dict[tuple[str, str], list[CrossReference]] = {}
        self._incoming: dict[tuple[str, str], list[CrossReference]] = {}
        for reference in self.references:
            self._outgoing.setdefault((reference.doc, reference.unit), []).append(reference)
            if reference.target:
                self._incoming.setdefault((reference.target_doc, reference.target), []).append(reference)


def reference_counts(references: list[CrossReference]) -> dict[str, dict[str, int]]:
    """Per document: reference phrases found and resolved (the build manifest records them)."""
    counts: dict[str, dict[str, int]] = {}
    for reference in references:
        entry = counts.setdefault(reference.doc, {"found": 0, "resolved": 0})
        entry["found"] += 1
        entry["resolved"] += reference.target is not None
    return counts


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY) or not os.access(folder, os.W_OK)
    except OSError:
        return False


def _open_collection(settings: Settings, store: Path, name: str, chunks: list[Chunk], vectors: np.ndarray):
    """The store's Chroma collection. ChromaDB cannot open its files on a read-only file system (an
    index shipped on read-only media, a read-only mount): then the saved vectors are loaded into an
    in-memory Chroma collection instead (about 2 s), and the index answers all the same."""
    try:
        return chroma_client(settings, store / "chroma").get_collection(name)
    except Exception:
        if settings.chroma_url or not _read_only(store / "chroma"):
            raise
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    log.warning("index folder %s is read-only: serving its vectors from memory", store)
    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection(f"{name}-{store.name}", embedding_function=None,
                                                 metadata={"hnsw:space": "cosine"})
    if collection.count() != len(chunks):
        add_chunks(collection, chunks, vectors)
    return collection


def open_index(settings: Settings, *, allow_stale: bool = False) -> IndexStore:
    index_dir = settings.index_dir
    state = status(settings, check=not allow_stale)
    store, manifest = state.store, state.built
    build_hint = "run `assistant index build` (or `assistant corpus sync` first if documents are missing)"
    if store is None:
        raise IndexMissingError(f"no index in {index_dir}: {build_hint}")
    if not store.is_dir():
        raise IndexCorruptError(f"index folder {store} named in {index_dir / 'CURRENT'} is missing: {build_hint}")
    if manifest is None:
        raise IndexCorruptError(f"index in {store} is damaged ({state.damage}): {build_hint}")
    damaged = state.damaged if state.stale is not None else vector_damage(store, manifest)
    if damaged:
        raise IndexCorruptError(f"index in {store} is damaged ({'; '.join(damaged)}): "
                                "run `assistant index build --force`")
    if state.stale:
        raise IndexStaleError(f"index is out of date ({'; '.join(state.stale)}): run `assistant index build`")
    try:
        units = [Unit(**row) for row in _read_jsonl(store / "units.jsonl")]
        chunks = [Chunk(**row) for row in _read_jsonl(store / "chunks.jsonl")]
        references = [CrossReference(**row) for row in _read_jsonl(store / "references.jsonl")]
        lexical = LexicalIndex.load(store / "bm25")
        with np.load(store / VECTORS) as saved:
            vectors = saved["vectors"]
        relevance_vectors = None
        if manifest.get("relevance_model"):  # the index's embedder is adapted (the manifest names which one)
            with np.load(store / RELEVANCE_VECTORS) as saved:
                relevance_vectors = saved["vectors"]
            if len(relevance_vectors) != len(chunks):
                raise ValueError(f"{RELEVANCE_VECTORS} holds {len(relevance_vectors)} vectors, expected {len(chunks)}")
        collection = _open_collection(settings, store, manifest.get("collection", COLLECTION), chunks, vectors)
        if collection.count() != len(chunks) or len(vectors) != len(chunks):
            raise ValueError(f"vector store holds {collection.count()} chunks, expected {len(chunks)}")
    except Exception as exc:  # any damage to the folder, or an unreachable server, ends here with one message
        if disk_full(exc):  # Chroma writes to its database when it opens it: a full disk is not damage
            raise DiskFullError(f"the disk holding the index {store} is full ({exc}): free some space on it; "
                                "the index is not damaged") from exc
        raise IndexCorruptError(f"index in {store} is damaged or its vector store is unreachable ({exc}): "
                                f"{build_hint}") from exc
    return IndexStore(path=store, manifest=manifest, units=units, chunks=chunks, collection=collection,
                      lexical=lexical, vectors=vectors, references=references, relevance_vectors=relevance_vectors)
