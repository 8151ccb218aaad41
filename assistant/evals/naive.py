"""The baseline: a plain llama-index pipeline (default SentenceSplitter chunks of the raw text, the
same embedder, top k by cosine). Its chunks have no locators, so each is mapped to the units whose
opening words it contains; a chunk that spans several provisions counts for all of them."""

from __future__ import annotations

from assistant.config import Settings
from assistant.corpus.manifest import load_manifest
from assistant.corpus.sync import document_status
from assistant.embedding import MINILM, load_embedder
from assistant.evals.metrics import normalise
from assistant.models import Unit

PROBE_CHARS = 60


def _raw_text(path) -> str:
    if path.suffix == ".pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
        try:
            return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
        finally:
            pdf.close()
    return path.read_text(encoding="utf-8")


class NaivePipeline:
    def __init__(self, settings: Settings, units: list[Unit]) -> None:
        from llama_index.core import Document as LIDocument
        from llama_index.core import Settings as LISettings
        from llama_index.core import VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        LISettings.llm = None
        embedder = load_embedder(MINILM, settings.embedding_package)  # the baseline is the English pipeline
        LISettings.embed_model = HuggingFaceEmbedding(model_name=embedder.model_path, device="cpu")
        documents = []
        for result in document_status(load_manifest(settings.manifest), settings.documents_dir):
            if result.available:
                text = _raw_text(settings.documents_dir / result.source.file)
                documents.append(LIDocument(text=text, metadata={"doc": result.source.id}))
        self.nodes = SentenceSplitter().get_nodes_from_documents(documents)
        self.index = VectorStoreIndex(self.nodes)
        self.probes: dict[str, list[tuple[str, str]]] = {}
        for unit in units:
            probe = normalise(unit.text, raw=True)[:PROBE_CHARS]
            if len(probe) >= 20:
                self.probes.setdefault(unit.doc, []).append((unit.unit, probe))

    def units_in(self, doc: str, text: str) -> set[tuple[str, str]]:
        body = normalise(text, raw=True)
        return {(doc, locator) for locator, probe in self.probes.get(doc, []) if probe in body}

    def retrieve(self, question: str, k: int = 10) -> list[tuple[set[tuple[str, str]], str, float]]:
        """(units in the chunk, chunk text, cosine) for the top k chunks."""
        hits = self.index.as_retriever(similarity_top_k=k).retrieve(question)
        return [(self.units_in(h.node.metadata["doc"], h.node.get_content()), h.node.get_content(), h.score or 0.0)
                for h in hits]
