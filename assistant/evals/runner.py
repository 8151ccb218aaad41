"""Run a gold dataset through one or more presets and score every question."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from tqdm import tqdm

from assistant.config import Settings
from assistant.core import Assistant
from assistant.evals import metrics as m
from assistant.evals.dataset import EvalRecord
from assistant.models import Turn

DEPTH = 10  # provisions retrieved and scored per question
UNRELATED_PAIR = "unrelated-pair"  # a dataset kind: a new question asked after an unrelated one


class Preset(BaseModel):
    """One preset of `evals/presets.toml`: what it runs, and the settings it changes."""

    model_config = ConfigDict(extra="forbid")

    name: str
    note: str  # shown under the report's side-by-side table
    settings: dict[str, Any] = Field(default_factory=dict)  # overrides of assistant.config.Settings
    baseline: bool = False  # run the naive llama-index pipeline instead of the assistant
    needs_model: bool = False  # answers are written by the model in ASSISTANT_LLM_*: not part of `all`
    own_index: bool = False  # another embedder, searching its own index (built beforehand): not part of `all`

    @field_validator("settings")
    @classmethod
    def _known_settings(cls, settings: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(settings) - set(Settings.model_fields))
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(unknown)}")
        return settings


def load_presets(path: Path) -> dict[str, Preset]:
    """The presets of a presets file, by name, in the file's order."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        return {name: Preset(name=name, **fields) for name, fields in table.items()}
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the presets in {path}: {exc}") from exc


def _score_retrieval(row: dict, ranking: m.Ranking, record: EvalRecord) -> None:
    for level in ("article", "pinpoint"):
        for k in (1, 3, 5):
            row[f"{level}_hit@{k}"] = float(m.hit_at_k(ranking, record.gold, k, level))
        row[f"{level}_recall@5"] = m.recall_at_k(ranking, record.gold, 5, level)
        row[f"{level}_mrr"] = m.reciprocal_rank(ranking, record.gold, level)
        row[f"{level}_ndcg@10"] = m.ndcg_at_k(ranking, record.gold, level)


def conversation(bot: Assistant, questions: list[str]) -> list[Turn]:
    """The earlier turns of a conversation as the assistant answered them (a follow-up weighs what the
    previous answer cited)."""
    turns: list[Turn] = []
    for question in questions:
        turns.append(Turn.of(bot.ask(question, history=list(turns) or None)))
    return turns


def run_assistant(bot: Assistant, record: EvalRecord, units: list[tuple[m.Pinpoint, str]] | None = None) -> dict:
    """One question's answer, scored; `units` (the store's units and texts, as `unit_texts` gives them) tell where
    the key facts the answer misses are."""
    history = conversation(bot, record.history) if record.history else None
    bot.embedder.clear_cache()  # every preset times an uncached question (an earlier preset embedded it)
    started = time.perf_counter()
    answer = bot.ask(record.question, history=history)
    ask_ms = (time.perf_counter() - started) * 1000
    # The ranking is scored on what the answer searched (`query`: a follow-up already made standalone),
    # so a follow-up is condensed once, and the answer's latency is timed before anything is cached.
    started = time.perf_counter()
    passages = bot.retrieve(answer.query, k=DEPTH)
    retrieve_ms = (time.perf_counter() - started) * 1000
    cited = [(c.doc, c.unit) for c in answer.citations]
    texts = [bot.store.unit(c.doc, c.unit).full_text for c in answer.citations]
    row = _base_row(record)
    row.update(
        declined=answer.declined, reason=answer.reason, answer=answer.answer,
        citations=[{"marker": c.marker, "doc": c.doc, "unit": c.unit, "page": c.page, "quote": c.quote}
                   for c in answer.citations],
        retrieved=[f"{p.doc}: {p.unit}" for p in passages],
        quotes_valid=[c.quote in t for c, t in zip(answer.citations, texts)],
        retrieve_ms=retrieve_ms, ask_ms=ask_ms, backend=answer.backend, notice=answer.notice,
        sentences=[{"status": c.status, "reason": c.reason, "text": c.text} for c in answer.sentences],
    )
    row.update(related=[f"{r.doc}: {r.unit}" for r in answer.related], lead=answer.lead, kind_found=answer.kind)
    if record.kind == UNRELATED_PAIR:  # asked after an unrelated question, it must be answered as if asked fresh
        fresh = bot.ask(record.question)
        row["no_bleed"] = float(cited == [(c.doc, c.unit) for c in fresh.citations])
    if record.answerable:
        _score_retrieval(row, m.as_ranking((p.doc, p.unit) for p in passages), record)
        if not answer.declined:
            row["citation_precision"] = m.citation_precision(cited, texts, record.gold, record.key_facts)
            row["key_fact_coverage"] = m.key_fact_coverage(answer.answer, record.key_facts)
            row["missed_facts"] = _missed_facts(units or unit_texts(bot), answer.answer, record.key_facts, cited,
                                                [(r.doc, r.unit) for r in answer.related],
                                                [(p.doc, p.unit) for p in passages])
            shown = m.shown_ranking(cited, [(r.doc, r.unit) for r in answer.related])
            row["answer_article_hit@5"] = float(m.hit_at_k(shown, record.gold, 5, "article"))
            row["answer_pinpoint_hit@5"] = float(m.hit_at_k(shown, record.gold, 5, "pinpoint"))
            if answer.backend == "extractive":
                row["lead_verified"] = float(bool(answer.lead) and m.lead_verified(answer.sentences))
        row["citation_recall"] = m.citation_recall(cited, record.gold) if not answer.declined else 0.0
    return row


def unit_texts(bot: Assistant) -> list[tuple[m.Pinpoint, str]]:
    """Every unit of the assistant's store with its text as key facts are matched in it."""
    return [((u.doc, u.unit), m.normalise(u.full_text, raw=True)) for u in bot.store.units]


def _missed_facts(units: list[tuple[m.Pinpoint, str]], answer: str, facts: list[str], cited: list[m.Pinpoint],
                  related: list[m.Pinpoint], retrieved: list[m.Pinpoint]) -> list[dict]:
    """The key facts the answer does not quote, each with the stage that lost it and the provisions holding it."""
    body = m.normalise(answer)
    missed = [fact for fact in facts if m.normalise(fact) not in body]
    rows = []
    for fact in missed:
        wanted = m.normalise(fact)
        holders = {unit for unit, text in units if wanted in text}
        rows.append({"fact": fact, "where": m.where_missed(holders, cited, related, retrieved),
                     "holders": [f"{d}: {u}" for d, u in sorted(holders)]})
    return rows


def run_naive(naive, threshold: float, record: EvalRecord) -> dict:
    query = " ".join([record.question, *record.history[-1:]])
    started = time.perf_counter()
    hits = naive.retrieve(query, k=DEPTH)
    retrieve_ms = (time.perf_counter() - started) * 1000
    declined = not hits or max(score for _, _, score in hits) < threshold
    row = _base_row(record)
    retrieved = [" | ".join(sorted(f"{d}: {u}" for d, u in units)) or "(no unit found)" for units, _, _ in hits]
    row.update(declined=declined, reason="", answer="", citations=[], quotes_valid=[], retrieved=retrieved,
               retrieve_ms=retrieve_ms, ask_ms=retrieve_ms)
    if record.answerable:
        _score_retrieval(row, [units for units, _, _ in hits], record)
    return row


def _base_row(record: EvalRecord) -> dict:
    return {"id": record.id, "question": record.question, "topic": record.topic, "kind": record.kind,
            "answerable": record.answerable, "history": record.history,
            "gold": [f"{d}: {u}" for d, u in record.gold], "key_facts": record.key_facts}


def run_preset(preset: Preset, bot: Assistant, records: list[EvalRecord], progress: bool = True) -> list[dict]:
    if preset.baseline:
        from assistant.evals.naive import NaivePipeline

        naive = NaivePipeline(bot.settings, bot.store.units)
        run = lambda record: run_naive(naive, bot.settings.decline_threshold, record)  # noqa: E731
    else:
        configured = bot.configured(**preset.settings)
        units = unit_texts(configured)
        run = lambda record: run_assistant(configured, record, units)  # noqa: E731
    return [run(record) for record in tqdm(records, desc=preset.name, disable=not progress, unit="q")]


def resources(bot: Assistant, preset: Preset) -> dict:
    """What the preset's index cost to build (from its manifest: seconds in all and embedding) and its
    embedder; the process's memory is added by the caller."""
    configured = bot if preset.baseline else bot.configured(**preset.settings)
    manifest = configured.store.manifest
    return {"embedder": configured.settings.embedding, "index_build_s": manifest.get("build_seconds"),
            "index_embed_s": manifest.get("embed_seconds")}


def _mean(rows: list[dict], key: str) -> float | None:
    values = [row[key] for row in rows if row.get(key) is not None]
    return round(sum(values) / len(values), 4) if values else None


RETRIEVAL_KEYS = [f"{level}_{name}" for level in ("article", "pinpoint")
                  for name in ("hit@1", "hit@3", "hit@5", "recall@5", "mrr", "ndcg@10")]


ANSWER_KEYS = ["citation_precision", "citation_recall", "key_fact_coverage", "answer_article_hit@5",
               "answer_pinpoint_hit@5", "lead_verified", "no_bleed"]


def aggregate(rows: list[dict]) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    declined = [r for r in rows if r["declined"]]
    quotes = [valid for r in rows for valid in r["quotes_valid"]]
    result: dict = {"questions": len(rows), "answerable": len(answerable), "unanswerable": len(unanswerable)}
    for key in RETRIEVAL_KEYS + ANSWER_KEYS:
        result[key] = _mean(answerable, key)
    result["quote_validity"] = round(sum(quotes) / len(quotes), 4) if quotes else None
    answered = [r for r in answerable if not r["declined"]]
    result["citations_per_answer"] = (round(sum(len(r["citations"]) for r in answered) / len(answered), 2)
                                      if answered else None)
    correct_declines = sum(not r["answerable"] for r in declined)
    result["decline_precision"] = round(correct_declines / len(declined), 4) if declined else None
    result["decline_recall"] = round(correct_declines / len(unanswerable), 4) if unanswerable else None
    result["wrongly_declined"] = (round(sum(r["declined"] for r in answerable) / len(answerable), 4)
                                  if answerable else None)
    missed = [fact["where"] for r in answerable for fact in r.get("missed_facts", [])]
    if any("missed_facts" in r for r in answerable):
        result["missed_facts"] = {stage: missed.count(stage) for stage in m.MISSED_STAGES}
    latencies = [r["ask_ms"] for r in rows]
    result["latency_p50_ms"] = round(m.percentile(latencies, 50), 1)
    result["latency_p95_ms"] = round(m.percentile(latencies, 95), 1)
    result.update(verifier_stats(rows))
    return result


def verifier_stats(rows: list[dict]) -> dict:
    """What the citation verifier did to generated answers (empty for the extractive presets)."""
    generated = [r for r in rows if r.get("backend", "extractive") != "extractive" and not r["declined"]]
    if not generated:
        return {}
    statuses = [s["status"] for r in generated for s in r["sentences"]]
    fallbacks = [r for r in generated if r["backend"] == "extractive-fallback"]
    return {
        "generated_answers": len(generated),
        "sentences_kept": statuses.count("kept"),
        "sentences_flagged": statuses.count("flagged"),
        "sentences_removed": statuses.count("removed"),
        "fallback_rate": round(len(fallbacks) / len(generated), 4),
        "model_failures": sum("language model" in r["notice"] for r in fallbacks),
    }


def breakdown(rows: list[dict], field: str, keys: list[str]) -> dict[str, dict]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row[field], []).append(row)
    table = {}
    for name, members in sorted(groups.items()):
        answerable = [r for r in members if r["answerable"]]
        unanswerable = [r for r in members if not r["answerable"]]
        entry = {"questions": len(members)}
        entry.update({key: _mean(answerable, key) for key in keys})
        entry["declined_correctly"] = (round(sum(r["declined"] for r in unanswerable) / len(unanswerable), 4)
                                       if unanswerable else None)
        table[name] = entry
    return table
