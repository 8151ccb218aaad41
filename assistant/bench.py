"""`assistant bench`: measure build, embedding, retrieval and answer times, memory, and the gain of
structure-aware parsing over a naive llama-index pipeline. Prints what it measured; nothing is typed in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.bench_probe import MEASURED_AFTER, UPLOAD_CYCLES, memory_mb
from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.evals.dataset import EvalRecord, load_dataset
from assistant.evals.metrics import hit_at_k, normalise, percentile

HIT_K = 5  # the smoke comparison's depth, for both pipelines, whatever the top k the app retrieves


def _fact_hit(texts: list[str], record: EvalRecord) -> bool:
    """Whether a key fact of the answer is in one of the passages (raw PDF text: footnote numbers removed)."""
    joined = [normalise(t, raw=True) for t in texts]
    return any(normalise(fact, raw=True) in t for fact in record.key_facts for t in joined)


def _ms(seconds: list[float], q: float) -> float:
    """The q-th percentile of durations in seconds, in milliseconds."""
    return percentile([s * 1000 for s in seconds], q)


def _time_build(settings: Settings) -> dict:
    from assistant.chunking import chunk_units
    from assistant.corpus.manifest import load_manifest
    from assistant.embedding import embedder_of, relevance_embedder_of
    from assistant.index import build_index, embedding_texts, parse_available

    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        report = build_index(settings.with_overrides(index_dir=Path(tmp)), progress=False)
    units, _, _ = parse_available(settings, load_manifest(settings.manifest), progress=False)
    chunks = chunk_units(units, settings.chunk_tokens)
    texts = embedding_texts(chunks, units)
    relevance = relevance_embedder_of(settings)  # an adapted embedder's index holds both models' vectors
    embedders = [embedder_of(settings), *([relevance] if relevance is not None else [])]
    started = time.perf_counter()
    for embedder in embedders:
        embedder.embed(texts, batch_size=settings.embed_batch_size)
    pure = time.perf_counter() - started
    return {"units": report.units, "chunks": report.chunks, "build_s": report.seconds, "embed_s": pure,
            "passages_per_s": len(texts) * len(embedders) / pure}


def _naive_hits(settings: Settings, units, records: list[EvalRecord]) -> float:
    """Default SentenceSplitter chunks of the raw text, all-MiniLM-L6-v2 (the English baseline, whichever
    embedder is measured), top 5 by cosine."""
    from assistant.evals.naive import NaivePipeline

    naive = NaivePipeline(settings, units)
    hits = [_fact_hit([text for _, text, _ in naive.retrieve(r.question, k=HIT_K)], r) for r in records]
    return sum(hits) / len(hits)


def run_benchmark(settings: Settings, *, questions: int = 120, skip_build: bool = False,
                  embedders: list[str] | None = None) -> None:
    """Measure the configured embedder, or each of `embedders` in turn (each with its own index)."""
    print(f"machine: {sys.platform}, python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}")
    for name in embedders or [settings.embedding]:
        configured = settings.with_overrides(embedding=name) if name != settings.embedding else settings
        print(f"\n== embedder {name} (index {configured.index_dir})")
        _run_one(configured, questions, skip_build)


def _run_one(settings: Settings, questions: int, skip_build: bool) -> None:
    if not skip_build:
        _print_build(_time_build(settings))
    gold = [r.question for r in load_dataset(settings.evals_dir / "datasets" / "gold.jsonl")]
    asked = (gold * (questions // len(gold) + 1))[:questions]
    _print_serving(_serving_probe(settings, asked), len(asked))
    multilingual = settings.evals_dir / "datasets" / "multilingual.jsonl"
    if settings.embedding != "all-minilm-l6-v2" and multilingual.is_file():
        others = [r.question for r in load_dataset(multilingual)]
        serving = _serving_probe(settings, others, uploads=False)
        for name in ("retrieval", "ask"):
            print(f"{name} over {len(others)} questions in es/fr/ar/uk/ru/pt: p50 {_ms(serving[name], 50):.0f} ms, "
                  f"p95 {_ms(serving[name], 95):.0f} ms")
        _print_outcomes(serving["outcomes"])
    smoke = [r for r in load_dataset(settings.evals_dir / "datasets" / "smoke.jsonl") if r.answerable and r.key_facts]
    _print_hits(settings, smoke)


def _print_outcomes(outcomes: list[str]) -> None:
    """What the timed asks gave; an answer without citations is an error, not a time to report."""
    cited, declined = outcomes.count("cited"), outcomes.count("declined")
    print(f"  what the asks timed gave: {cited} answers with pinpoint citations, {declined} declined")
    if len(outcomes) != cited + declined or not cited:
        raise AssistantError(f"the bench timed {len(outcomes) - cited - declined} answers without citations "
                             f"and {cited} with: it would not be timing answers")


def _print_build(build: dict) -> None:
    print(f"corpus: {build['units']} units, {build['chunks']} chunks")
    print(f"build (fresh, no embedding cache): {build['build_s']:.1f} s")
    print(f"pure embedding of the same chunks: {build['embed_s']:.1f} s, {build['passages_per_s']:.1f} passages/s "
          f"(build/embedding ratio {build['build_s'] / build['embed_s']:.2f})")
    print(f"build process peak RSS: {memory_mb('VmHWM'):.0f} MB")


def _serving_probe(settings: Settings, asked: list[str], uploads: bool = True) -> dict:
    """Run `assistant.bench_probe` in a fresh process (a temporary uploads folder; the embedder and index
    measured) and read its measurements."""
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as folder:
        env = {**os.environ, "ASSISTANT_UPLOADS_DIR": folder, "ASSISTANT_EMBEDDING": settings.embedding,
               "ASSISTANT_INDEX_DIR": str(settings.index_dir), "ASSISTANT_BENCH_UPLOADS": "1" if uploads else "0"}
        probe = subprocess.run([sys.executable, "-m", "assistant.bench_probe"], input=json.dumps(asked),
                               capture_output=True, text=True, check=True, cwd=settings.home, env=env)
    return json.loads(probe.stdout.strip().splitlines()[-1])


def _print_serving(serving: dict, asked: int) -> None:
    print(f"app open (fresh process, model load + index open): {serving['open']:.2f} s")
    for name in ("retrieval", "ask"):
        times = serving[name]
        print(f"{name} over {asked} questions: p50 {_ms(times, 50):.0f} ms, p95 {_ms(times, 95):.0f} ms")
    _print_outcomes(serving["outcomes"])
    print(f"serving process peak RSS: {serving['rss_mb']:.0f} MB")
    if len(serving["rss_after"]) == 2:
        first, last = serving["rss_after"]
        print(f"memory after {MEASURED_AFTER} asks {first:.0f} MB, after {asked} asks {last:.0f} MB "
              f"({_growth(first, last)} over {asked - MEASURED_AFTER} asks)")
    first, last = serving["upload_rss"]
    print(f"memory after {MEASURED_AFTER} upload/ask/remove cycles {first:.0f} MB, after {UPLOAD_CYCLES}: "
          f"{last:.0f} MB ({_growth(first, last)} over {UPLOAD_CYCLES - MEASURED_AFTER} cycles)")


def _growth(first: float, last: float) -> str:
    return f"growth {100 * (last - first) / first:+.1f}%"


def _print_hits(settings: Settings, smoke: list[EvalRecord]) -> None:
    """hit@5 by key fact for this assistant and for the naive llama-index pipeline."""
    from assistant.core import Assistant

    bot = Assistant.open(settings)
    ours_fact = ours_unit = 0
    for record in smoke:
        passages = bot.retrieve(record.question, k=HIT_K, history=record.history or None)
        ours_fact += _fact_hit([p.text for p in passages], record)
        ours_unit += hit_at_k([(p.doc, p.unit) for p in passages], record.gold, HIT_K, "article")
    naive = _naive_hits(settings, bot.store.units, smoke)
    n = len(smoke)
    print(f"hit@5 on {n} smoke questions (a key fact of the answer in the top 5 passages):")
    print(f"  structure-aware hybrid (this assistant): {ours_fact / n:.3f}   "
          f"(right article in top 5: {ours_unit / n:.3f})")
    print(f"  naive llama-index (SentenceSplitter defaults, all-MiniLM-L6-v2, top 5): {naive:.3f}")


class _CountingLLM:
    """Wraps the backend's LLM to count streamed chunks (one per token for llama.cpp) and time them."""

    def __init__(self, llm) -> None:
        self.llm = llm
        self.chunks = 0
        self.seconds = 0.0
        self.first_token: list[float] = []

    def chat(self, messages):
        return self.llm.chat(messages)

    def stream_chat(self, messages):
        started = time.perf_counter()
        for n, response in enumerate(self.llm.stream_chat(messages)):
            if n == 0:
                self.first_token.append(time.perf_counter() - started)
            self.chunks += 1
            yield response
        self.seconds += time.perf_counter() - started


def run_llm_benchmark(settings: Settings, questions: int) -> None:
    """Ask smoke questions through the configured LLM backend; print speed and the verifier's verdicts."""
    from assistant.core import Assistant
    from assistant.prompts import prompt_version

    if settings.llm_backend == "extractive":
        raise AssistantError("set ASSISTANT_LLM_BACKEND (and its settings) to benchmark a language model")
    records = [r for r in load_dataset(settings.evals_dir / "datasets" / "smoke.jsonl") if r.answerable]
    bot = Assistant.open(settings)
    counter = _CountingLLM(bot.generator.llm)
    bot.generator.llm = counter
    statuses: list[str] = []
    outcomes: list[str] = []
    seconds = []
    for record in records[:questions]:
        started = time.perf_counter()
        answer = bot.ask(record.question)
        seconds.append(time.perf_counter() - started)
        statuses += [s.status for s in answer.sentences]
        outcomes.append("declined" if answer.declined else answer.backend)
    print(f"backend {settings.llm_backend} ({settings.llm_model or settings.llm_model_path}), "
          f"{len(seconds)} smoke questions, prompts {prompt_version()}")
    print(f"answer time: p50 {percentile(seconds, 50):.1f} s, p95 {percentile(seconds, 95):.1f} s; "
          f"first token after p50 {percentile(counter.first_token, 50):.1f} s (prompt processing)")
    if counter.seconds:
        print(f"streamed {counter.chunks} chunks in {counter.seconds:.1f} s: {counter.chunks / counter.seconds:.1f} "
              "chunks/s including prompt processing (a chunk is one token for llama.cpp)")
    print(f"verifier: {statuses.count('kept')} sentences kept, {statuses.count('flagged')} flagged, "
          f"{statuses.count('removed')} removed")
    print("answers: " + ", ".join(f"{outcomes.count(b)} {b}" for b in sorted(set(outcomes))))
