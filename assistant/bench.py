"""`assistant bench`: measure build, embedding, retrieval and answer times, memory, and the gain of
structure-aware parsing over a naive llama-index pipeline. Prints what it measured; nothing is typed in."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.evals.dataset import EvalRecord, load_dataset

SERVING_PROBE = r"""
import json, sys, time
started = time.perf_counter()
from assistant import Assistant
bot = Assistant.open()
opened = time.perf_counter() - started
questions = json.loads(sys.stdin.read())
def status(key):
    return int(next(line for line in open("/proc/self/status") if line.startswith(key)).split()[1]) / 1024
retrieval, ask, rss = [], [], []
for n, q in enumerate(questions):
    bot.embedder.clear_cache()
    t = time.perf_counter(); bot.retrieve(q); retrieval.append(time.perf_counter() - t)
    bot.embedder.clear_cache()
    t = time.perf_counter(); bot.ask(q); ask.append(time.perf_counter() - t)
    if n in (19, len(questions) - 1):
        rss.append(status("VmRSS"))
upload_rss = []
text = "# Field notes\n\n## Interviews\n\nSurvivors were interviewed in private with a support person present.\n"
for n in range(120):  # upload, ask about it, remove: 120 times
    document = bot.uploads.add_bytes((text + f"Note {n}.\n").encode(), f"notes-{n}.md")
    bot.ask("Were survivors interviewed with a support person present?")
    bot.uploads.remove(document.id)
    if n in (19, 119):
        upload_rss.append(status("VmRSS"))
print(json.dumps({"open": opened, "retrieval": retrieval, "ask": ask, "rss_mb": status("VmHWM"), "rss_after": rss,
                  "upload_rss": upload_rss}))
"""


def _peak_rss_mb() -> float:
    """VmHWM: the high-water mark of this process's resident memory (not inherited across exec)."""
    with open("/proc/self/status", encoding="ascii") as status:
        hwm = next(line for line in status if line.startswith("VmHWM"))
    return int(hwm.split()[1]) / 1024


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q))


def _normalise(text: str) -> str:
    text = re.sub(r"(?<=[a-z])\d+\b", "", text)  # footnote numbers glued to words in raw PDF text
    return re.sub(r"\s+", " ", text).strip().lower()


def _fact_hit(texts: list[str], record: EvalRecord) -> bool:
    joined = [_normalise(t) for t in texts]
    return any(_normalise(fact) in t for fact in record.key_facts for t in joined)


def _time_build(settings: Settings) -> dict:
    from assistant.chunking import chunk_units
    from assistant.corpus.manifest import load_manifest
    from assistant.embedding import load_embedder
    from assistant.index import build_index, embedding_texts, parse_available

    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        report = build_index(settings.model_copy(update={"index_dir": Path(tmp)}), progress=False)
    units, _, _ = parse_available(settings, load_manifest(settings.manifest_path), progress=False)
    chunks = chunk_units(units, settings.chunk_tokens)
    texts = embedding_texts(chunks, {(u.doc, u.unit): u for u in units})
    embedder = load_embedder(settings.embedding_package)
    started = time.perf_counter()
    embedder.embed(texts, batch_size=settings.embed_batch_size)
    pure = time.perf_counter() - started
    return {"units": report.units, "chunks": report.chunks, "build_s": report.seconds, "embed_s": pure}


def _naive_hits(settings: Settings, units, records: list[EvalRecord]) -> float:
    """Default SentenceSplitter chunks of the raw text, the same embedder, top 5 by cosine."""
    from assistant.evals.naive import NaivePipeline

    naive = NaivePipeline(settings, units)
    hits = [_fact_hit([text for _, text, _ in naive.retrieve(r.question, k=5)], r) for r in records]
    return sum(hits) / len(hits)


def run_benchmark(settings: Settings, *, questions: int = 120, skip_build: bool = False) -> None:
    gold = load_dataset(settings.home / "evals/datasets/gold.jsonl")
    smoke = [r for r in load_dataset(settings.home / "evals/datasets/smoke.jsonl") if r.answerable and r.key_facts]
    print(f"machine: {sys.platform}, python {sys.version.split()[0]}")
    if not skip_build:
        build = _time_build(settings)
        print(f"corpus: {build['units']} units, {build['chunks']} chunks")
        print(f"build (fresh, no embedding cache): {build['build_s']:.1f} s")
        print(f"pure embedding of the same chunks: {build['embed_s']:.1f} s (build/embedding ratio {build['build_s'] / build['embed_s']:.2f})")
        print(f"build process peak RSS: {_peak_rss_mb():.0f} MB")

    asked = [r.question for r in gold]
    asked = (asked * (questions // len(asked) + 1))[:questions]
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as uploads:
        probe = subprocess.run([sys.executable, "-c", SERVING_PROBE], input=json.dumps(asked), capture_output=True,
                               text=True, check=True, cwd=settings.home,
                               env={**os.environ, "ASSISTANT_UPLOADS_DIR": uploads})
    serving = json.loads(probe.stdout.strip().splitlines()[-1])
    print(f"app open (fresh process, model load + index open): {serving['open']:.2f} s")
    print(f"retrieval over {len(asked)} questions: p50 {_percentile(serving['retrieval'], 50):.0f} ms, p95 {_percentile(serving['retrieval'], 95):.0f} ms")
    print(f"ask over {len(asked)} questions: p50 {_percentile(serving['ask'], 50):.0f} ms, p95 {_percentile(serving['ask'], 95):.0f} ms")
    print(f"serving process peak RSS: {serving['rss_mb']:.0f} MB")
    if len(serving["rss_after"]) == 2:
        first, last = serving["rss_after"]
        print(f"memory after 20 asks {first:.0f} MB, after {len(asked)} asks {last:.0f} MB "
              f"(growth {100 * (last - first) / first:+.1f}% over {len(asked) - 20} asks)")
    first, last = serving["upload_rss"]
    print(f"memory after 20 upload/ask/remove cycles {first:.0f} MB, after 120: {last:.0f} MB "
          f"(growth {100 * (last - first) / first:+.1f}% over 100 cycles)")

    from assistant.core import Assistant
    from assistant.evals.metrics import hit_at_k

    bot = Assistant.open(settings)
    ours_fact = ours_unit = 0
    for record in smoke:
        passages = bot.retrieve(record.question, history=record.history or None)
        ours_fact += _fact_hit([p.text for p in passages], record)
        ours_unit += hit_at_k([(p.doc, p.unit) for p in passages], record.gold, 5, "article")
    naive = _naive_hits(settings, bot.store.units, smoke)
    n = len(smoke)
    print(f"hit@5 on {n} smoke questions (a key fact of the answer in the top 5 passages):")
    print(f"  structure-aware hybrid (this assistant): {ours_fact / n:.3f}   (right article in top 5: {ours_unit / n:.3f})")
    print(f"  naive llama-index (SentenceSplitter defaults, same embedder, top 5): {naive:.3f}")


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
    from assistant.errors import AssistantError
    from assistant.prompts import prompt_version

    if settings.llm_backend == "extractive":
        raise AssistantError("set ASSISTANT_LLM_BACKEND (and its settings) to benchmark a language model")
    records = [r for r in load_dataset(settings.home / "evals" / "datasets" / "smoke.jsonl") if r.answerable]
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
    print(f"answer time: p50 {np.percentile(seconds, 50):.1f} s, p95 {np.percentile(seconds, 95):.1f} s; "
          f"first token after p50 {np.percentile(counter.first_token or [0], 50):.1f} s (prompt processing)")
    if counter.seconds:
        print(f"streamed {counter.chunks} chunks in {counter.seconds:.1f} s: {counter.chunks / counter.seconds:.1f} "
              "chunks/s including prompt processing (a chunk is one token for llama.cpp)")
    print(f"verifier: {statuses.count('kept')} sentences kept, {statuses.count('flagged')} flagged, "
          f"{statuses.count('removed')} removed")
    print("answers: " + ", ".join(f"{outcomes.count(b)} {b}" for b in sorted(set(outcomes))))
