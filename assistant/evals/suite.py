"""`assistant eval`: run presets over a dataset, write the report, check the thresholds."""

from __future__ import annotations

import subprocess
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from assistant.bench_probe import memory_mb
from assistant.config import Settings
from assistant.core import Assistant
from assistant.evals.dataset import load_dataset
from assistant.evals.report import SUMMARY_KEYS, HeldOut, write_report
from assistant.evals.runner import (
    ANSWER_KEYS,
    RETRIEVAL_KEYS,
    Preset,
    aggregate,
    breakdown,
    load_presets,
    resources,
    run_preset,
)
from assistant.prompts import prompt_version


def dataset_path(settings: Settings, name: str) -> Path:
    candidate = Path(name)
    if candidate.suffix == ".jsonl" and candidate.exists():
        return candidate
    return settings.evals_dir / "datasets" / f"{name}.jsonl"


def _commit(home: Path) -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=home, capture_output=True,
                                text=True, timeout=5)
        return result.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def available_presets(settings: Settings) -> dict[str, Preset]:
    """The presets of `evals/presets.toml`, by name."""
    return load_presets(settings.evals_dir / "presets.toml")


def runs_in_all(available: dict[str, Preset]) -> list[str]:
    """What `--preset all` runs: every preset but those that need a language model (they are named)."""
    return [name for name, preset in available.items() if not preset.needs_model and not preset.own_index]


def resolve_presets(settings: Settings, spec: str) -> list[str]:
    """Preset names from `name`, `a,b` or `all`; ValueError for a name not in `evals/presets.toml`."""
    available = available_presets(settings)
    names = runs_in_all(available) if spec == "all" else [p.strip() for p in spec.split(",") if p.strip()]
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(f"unknown preset {', '.join(unknown)}; choose from {', '.join(available)} or all")
    return names


def _summarise(results: dict[str, list[dict]], costs: dict[str, dict] | None = None) -> dict:
    return {
        name: {
            "overall": {**aggregate(rows), **(costs or {}).get(name, {})},
            "by_topic": breakdown(rows, "topic", RETRIEVAL_KEYS + ANSWER_KEYS),
            "by_kind": breakdown(rows, "kind", RETRIEVAL_KEYS + ANSWER_KEYS),
        }
        for name, rows in results.items()
    }


def _records(settings: Settings, dataset: str, limit: int | None):
    records = load_dataset(dataset_path(settings, dataset))
    return records[:limit] if limit else records


def evaluate(settings: Settings, dataset: str, names: list[str], *, limit: int | None = None,
             out: Path | None = None, progress: bool = True, held_out: str | None = None) -> tuple[Path, dict]:
    """Run the named presets over a dataset (and a held-out one) and write the report; the report
    folder and the summary back."""
    available = available_presets(settings)
    chosen = [available[name] for name in names]
    records = _records(settings, dataset, limit)
    bot = Assistant.open(settings.with_overrides(search_uploads=False))  # the corpus only, comparable runs
    results, costs = {}, {}
    held_records = _records(settings, held_out, limit) if held_out else []
    held_results = {}
    for preset in chosen:
        costs[preset.name] = resources(bot, preset)
        results[preset.name] = run_preset(preset, bot, records, progress)
        if held_out:
            held_results[preset.name] = run_preset(preset, bot, held_records, progress)
        costs[preset.name]["rss_mb"] = round(memory_mb("VmRSS"))  # the process, after this preset's questions
    summary = _summarise(results, costs)
    second = HeldOut(held_out, held_results, _summarise(held_results, costs)) if held_out else None
    now = datetime.now(UTC)
    folder = out or settings.evals_dir / "reports" / f"{now:%Y-%m-%d}-{dataset}-{_label(names, available)}"
    context = {
        "run_at": now.isoformat(timespec="seconds"),
        "commit": _commit(settings.home),
        "index": bot.store.path.name,
        "prompt_version": prompt_version(),
        "questions": len(records),
        "answerable": sum(r.answerable for r in records),
        "settings": settings.model_dump(mode="json", exclude={"home", "llm_api_key"}),
    }
    write_report(folder, dataset, results, summary, context, {p.name: p.note for p in chosen}, second)
    return folder, summary if second is None else {**summary, **{f"{name} ({held_out})": data
                                                                 for name, data in second.summary.items()}}


def _label(names: list[str], available: dict[str, Preset]) -> str:
    """How a report folder names its presets: the one preset, `all`, or `a+b`."""
    if len(names) == 1:
        return names[0]
    return "all" if sorted(names) == sorted(runs_in_all(available)) else "+".join(names)


def check_thresholds(overall: dict, thresholds_file: Path, dataset: str) -> tuple[bool, str]:
    """Compare the default preset's metrics with `evals/thresholds.toml`; a readable table back."""
    table = tomllib.loads(thresholds_file.read_text(encoding="utf-8")).get(dataset, {})
    if not table:
        return True, f"no thresholds for dataset '{dataset}' in {thresholds_file}"
    labels = dict(SUMMARY_KEYS)
    lines = [f"{'metric':<30} {'value':>8} {'threshold':>12}  result"]
    ok = True
    for key, bound in table.items():
        value = overall.get(key)
        passed = value is not None
        wanted = []
        if "min" in bound:
            wanted.append(f">= {bound['min']}")
            passed = passed and value >= bound["min"]
        if "max" in bound:
            wanted.append(f"<= {bound['max']}")
            passed = passed and value <= bound["max"]
        ok = ok and passed
        shown = "–" if value is None else f"{value:.3f}" if value <= 1 else f"{value:.0f}"
        lines.append(f"{labels.get(key, key):<30} {shown:>8} {' and '.join(wanted):>12}  "
                     f"{'ok' if passed else 'FAILED'}")
    failed = sum(line.endswith("FAILED") for line in lines[1:])
    lines.append(f"gate: {len(lines) - 1 - failed} passed, {failed} failed")
    return ok, "\n".join(lines)
