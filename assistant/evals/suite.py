"""`assistant eval`: run presets over a dataset, write the report, check the thresholds."""

from __future__ import annotations

import subprocess
import tomllib
from datetime import datetime, timezone
from pathlib import Path

from assistant.config import Settings
from assistant.core import Assistant
from assistant.evals.dataset import load_dataset
from assistant.evals.report import SUMMARY_KEYS, write_report
from assistant.evals.runner import PRESETS, RETRIEVAL_KEYS, RETRIEVAL_PRESETS, aggregate, breakdown, run_preset
from assistant.prompts import prompt_version


def dataset_path(settings: Settings, name: str) -> Path:
    candidate = Path(name)
    if candidate.suffix == ".jsonl" and candidate.exists():
        return candidate
    return settings.home / "evals" / "datasets" / f"{name}.jsonl"


def _commit(home: Path) -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=home, capture_output=True,
                                text=True, timeout=5)
        return result.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def resolve_presets(spec: str) -> list[str]:
    """Preset names; `all` is every retrieval preset (the LLM presets need a model, so they are named)."""
    names = list(RETRIEVAL_PRESETS) if spec == "all" else [p.strip() for p in spec.split(",") if p.strip()]
    unknown = [n for n in names if n not in PRESETS]
    if unknown:
        raise ValueError(f"unknown preset {', '.join(unknown)}; choose from {', '.join(PRESETS)} or all")
    return names


def evaluate(settings: Settings, dataset: str, presets: list[str], *, limit: int | None = None,
             out: Path | None = None, progress: bool = True) -> tuple[Path, dict]:
    path = dataset_path(settings, dataset)
    records = load_dataset(path)[:limit] if limit else load_dataset(path)
    bot = Assistant.open(settings.model_copy(update={"search_uploads": False}))  # the corpus only, comparable runs
    results = {name: run_preset(name, bot, records, progress) for name in presets}
    summary = {
        name: {
            "overall": aggregate(rows),
            "by_topic": breakdown(rows, "topic", RETRIEVAL_KEYS + ["citation_precision", "key_fact_coverage"]),
            "by_kind": breakdown(rows, "kind", RETRIEVAL_KEYS + ["citation_precision", "key_fact_coverage"]),
        }
        for name, rows in results.items()
    }
    now = datetime.now(timezone.utc)
    all_retrieval = sorted(presets) == sorted(RETRIEVAL_PRESETS)
    label = presets[0] if len(presets) == 1 else ("all" if all_retrieval else "+".join(presets))
    folder = out or settings.home / "evals" / "reports" / f"{now:%Y-%m-%d}-{dataset}-{label}"
    context = {
        "run_at": now.isoformat(timespec="seconds"),
        "commit": _commit(settings.home),
        "index": bot.store.path.name,
        "prompt_version": prompt_version(),
        "questions": len(records),
        "answerable": sum(r.answerable for r in records),
        "settings": settings.model_dump(mode="json", exclude={"home", "llm_api_key"}),
    }
    write_report(folder, dataset, results, summary, context)
    return folder, summary


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
