"""The evaluation suite: metric formulas, the gold datasets, the runner, reports and the gate."""

import json
import math
import re
import subprocess
import sys

import numpy as np
import pytest

from assistant.config import PROJECT_ROOT
from assistant.evals import metrics as m
from assistant.evals.dataset import EvalRecord, load_dataset
from assistant.evals.report import compare
from assistant.evals.runner import load_presets, run_assistant
from assistant.evals.suite import check_thresholds, evaluate, resolve_presets

GOLD = load_dataset(PROJECT_ROOT / "evals/datasets/gold.jsonl")
SMOKE = load_dataset(PROJECT_ROOT / "evals/datasets/smoke.jsonl")
DATASETS = {name: load_dataset(PROJECT_ROOT / f"evals/datasets/{name}.jsonl")
            for name in ("fresh", "multilingual", "multilingual-smoke")} | {"gold": GOLD}
RS = "rome-statute"


def test_hit_at_k_counts_a_nested_provision_at_pinpoint_level():
    ranking = m.as_ranking([(RS, "art. 8(2)(b)(xxii)"), (RS, "art. 7(2)(f)")])
    assert m.hit_at_k(ranking, [(RS, "art. 7(2)")], 2, "pinpoint")
    assert not m.hit_at_k(ranking, [(RS, "art. 7(2)")], 1, "pinpoint")
    assert not m.hit_at_k(ranking, [(RS, "art. 7(1)(g)")], 2, "pinpoint")
    assert m.hit_at_k(ranking, [(RS, "art. 7(1)(g)")], 2, "article")


def test_recall_mrr_and_ndcg():
    ranking = m.as_ranking([(RS, "art. 1"), (RS, "art. 7(3)"), (RS, "art. 21(3)")])
    gold = [(RS, "art. 7(3)"), (RS, "art. 21(3)"), (RS, "art. 54(1)(b)")]
    assert m.recall_at_k(ranking, gold, 5, "pinpoint") == pytest.approx(2 / 3)
    assert m.reciprocal_rank(ranking, gold, "pinpoint") == 0.5
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert m.ndcg_at_k(ranking, gold, "pinpoint") == pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / ideal)


def test_a_gold_provision_is_credited_once_in_ndcg():
    ranking = m.as_ranking([(RS, "art. 7(2)(f)"), (RS, "art. 7(2)(g)")])
    assert m.ndcg_at_k(ranking, [(RS, "art. 7(2)")], "pinpoint") == 1.0


def test_citation_precision_accepts_a_unit_holding_a_key_fact():
    cited = [(RS, "art. 7(2)(f)"), (RS, "art. 8(2)(b)(xxii)"), (RS, "art. 1")]
    texts = ["…", "Committing rape, sexual slavery, enforced prostitution, forced pregnancy", "The Court…"]
    assert m.citation_precision(cited, texts, [(RS, "art. 7(2)(f)")], ["forced pregnancy"]) == pytest.approx(2 / 3)
    assert m.citation_recall(cited, [(RS, "art. 7(2)(f)"), (RS, "art. 7(3)")]) == 0.5


def test_a_missed_key_fact_is_put_at_the_nearest_stage_its_provision_reached():
    holders = {(RS, "art. 29")}
    quoted, related, retrieved = [(RS, "art. 11(1)")], [(RS, "art. 24(1)")], [(RS, "art. 11(1)"), (RS, "art. 24(1)")]
    assert m.where_missed(holders, quoted, related, retrieved) == m.MISSED_NOT_RETRIEVED
    assert m.where_missed(holders, quoted, related, [*retrieved, (RS, "art. 29")]) == m.MISSED_RANKED_LOWER
    assert m.where_missed(holders, quoted, [(RS, "art. 29")], retrieved) == m.MISSED_IN_RELATED
    assert m.where_missed(holders, [(RS, "art. 29")], [], [(RS, "art. 29")]) == m.MISSED_IN_QUOTED


def test_key_fact_coverage_ignores_case_spacing_and_quote_marks():
    answer = "(f) “Forced pregnancy” means the unlawful confinement of a woman\nforcibly made pregnant [1]"
    assert m.key_fact_coverage(answer, ['"forced pregnancy" means', "woman forcibly made pregnant", "ethnic"]) == \
        pytest.approx(2 / 3)


def test_normalise_raw_text_drops_footnotes_and_the_provision_label():
    text = "2. The “crime”7 of  Rape[^3] means"
    assert m.normalise(text) == '2. the "crime"7 of rape[^3] means'
    assert m.normalise(text, raw=True) == 'the "crime" of rape means'


def test_percentile_interpolates_like_numpy():
    values = [5.0, 1.0, 9.0, 3.0, 7.5, 2.25]
    for q in (0, 10, 50, 95, 100):
        assert m.percentile(values, q) == pytest.approx(float(np.percentile(values, q)))
    assert m.percentile([], 50) == 0.0


def test_metrics_import_no_heavy_library():
    """Metrics are imported by light tools (bench, reports): no numpy, torch or BM25 behind them."""
    code = "import sys, assistant.evals.metrics; print(sorted({'numpy', 'torch', 'bm25s'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_gold_dataset_has_the_required_mix():
    assert len(GOLD) >= 150
    assert len({r.id for r in GOLD}) == len(GOLD)
    assert sum(not r.answerable for r in GOLD) >= 25
    assert sum(r.kind in ("multi-provision", "cross-instrument") for r in GOLD) >= 25
    assert sum(r.kind == "follow-up" and r.history != [] for r in GOLD) >= 10
    assert all((r.gold == []) == (not r.answerable) for r in GOLD)


def test_smoke_set_is_a_subset_of_gold_with_off_topic_questions():
    by_id = {r.id: r for r in GOLD}
    assert all(by_id[r.id] == r for r in SMOKE)
    assert sum(r.answerable for r in SMOKE) >= 30
    off_topic = " ".join(r.question.lower() for r in SMOKE if not r.answerable)
    assert "bake" in off_topic and "red light" in off_topic and "tax" in off_topic


@pytest.mark.parametrize("dataset", ["gold", "fresh", "multilingual", "multilingual-smoke"])
def test_every_gold_pinpoint_exists_in_the_index(assistant, dataset):
    units = {(u.doc, u.unit) for u in assistant.store.units}
    missing = [(r.id, g) for r in DATASETS[dataset] for g in r.gold
               if not any(m.matches(u, tuple(g), "pinpoint") for u in units)]
    assert missing == []


@pytest.mark.parametrize("dataset", ["gold", "fresh", "multilingual"])
def test_every_key_fact_is_in_a_gold_provision(assistant, dataset):
    """Key facts are verbatim phrases of the gold provisions (or their articles)."""
    texts = {}
    for unit in assistant.store.units:
        texts.setdefault(unit.doc, []).append((unit.unit, m.normalise(unit.full_text)))
    unsupported = []
    for record in DATASETS[dataset]:
        for fact in record.key_facts:
            found = any(m.normalise(fact) in text for doc, locator in record.gold
                        for unit, text in texts[doc] if m.matches((doc, unit), (doc, locator), "article"))
            if not found:
                unsupported.append((record.id, fact))
    assert unsupported == []


@pytest.fixture(scope="module")
def small_report(assistant, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report") / "smoke"
    return evaluate(assistant.settings, "smoke", ["default", "bm25"], limit=12, out=folder, progress=False)


def test_runner_writes_metrics_results_report_and_plots(small_report):
    folder, summary = small_report
    assert {p.name for p in folder.iterdir()} == {"metrics.json", "results.jsonl", "report.md",
                                                  "metric_by_topic.png", "latency.png"}
    rows = [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 24 and {r["preset"] for r in rows} == {"default", "bm25"}
    assert summary["default"]["overall"]["quote_validity"] == 1.0
    report = (folder / "report.md").read_text()
    assert "## Presets side by side" in report and "the 10 worst questions" in report
    assert "- **bm25**: structure-aware units, BM25 only" in report  # the note in evals/presets.toml


def test_the_report_says_which_stage_lost_each_missed_key_fact(small_report):
    folder, summary = small_report
    rows = [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]
    answered = [r for r in rows if r["preset"] == "default" and r["answerable"] and not r["declined"]]
    missed = [fact for r in answered for fact in r["missed_facts"]]
    assert len(missed) == sum(round((1 - r["key_fact_coverage"]) * len(r["key_facts"])) for r in answered)
    assert all(fact["holders"] and fact["where"] in m.MISSED_STAGES for fact in missed)  # gold facts are in the law
    counts = summary["default"]["overall"]["missed_facts"]
    assert sum(counts.values()) == len(missed)
    report = (folder / "report.md").read_text()
    assert "## Where the missing key facts are" in report
    assert f"| all missed | {len(missed)} |" in report


def test_a_held_out_set_is_reported_beside_the_first_with_no_bleed_on_unrelated_pairs(assistant, tmp_path):
    fresh = [r for r in DATASETS["fresh"] if r.kind == "unrelated-pair"][:2]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(r.model_dump_json() + "\n" for r in fresh), encoding="utf-8")
    folder, summary = evaluate(assistant.settings, "smoke", ["default"], limit=3, out=tmp_path / "report",
                               progress=False, held_out=str(path))
    metrics = json.loads((folder / "metrics.json").read_text())
    held = metrics["held_out"]["presets"]["default"]["overall"]
    assert metrics["held_out"]["dataset"] == str(path) and held["questions"] == 2
    assert held["no_bleed"] is not None and 0.0 <= held["no_bleed"] <= 1.0
    assert (folder / "results-pairs.jsonl").exists()
    report = (folder / "report.md").read_text()
    assert f"## Held-out set: {path}" in report and "unrelated pairs: no bleed" in report
    assert f"default ({path})" in summary
    assert f"## smoke and {path} side by side" in report  # both datasets' headline metrics in one table
    assert "### Where the missing key facts are" in report.split(f"## Held-out set: {path}")[1]
    overall = metrics["presets"]["default"]["overall"]
    assert overall["embedder"] == "all-minilm-l6-v2" and overall["rss_mb"] > 0
    assert overall["index_build_s"] is not None and "process RSS after the preset (MB)" in report


def test_a_key_fact_of_a_provision_never_retrieved_is_missed_by_retrieval(assistant):
    record = EvalRecord(id="t-1", question="How does the Rome Statute define forced pregnancy?", topic="t",
                        kind="lookup", gold=[(RS, "art. 7(2)(f)")],
                        key_facts=["unlawful confinement of a woman", "not be subject to any statute of limitations"])
    row = run_assistant(assistant, record)
    assert row["key_fact_coverage"] == 0.5
    assert row["missed_facts"] == [{"fact": "not be subject to any statute of limitations",
                                    "where": m.MISSED_NOT_RETRIEVED, "holders": [f"{RS}: art. 29"]}]


def test_compare_prints_deltas_between_two_reports(small_report, tmp_path):
    folder, _ = small_report
    other = tmp_path / "other"
    other.mkdir()
    data = json.loads((folder / "metrics.json").read_text())
    data["presets"]["default"]["overall"]["article_hit@5"] -= 0.25
    (other / "metrics.json").write_text(json.dumps(data))
    text = compare(folder, other)
    assert "article hit@5" in text and "(-0.250)  ▼" in text


def test_gate_fails_with_a_readable_table(tmp_path):
    thresholds = tmp_path / "thresholds.toml"
    thresholds.write_text('[smoke]\n"article_hit@5" = { min = 0.9 }\nwrongly_declined = { max = 0.05 }\n')
    ok, table = check_thresholds({"article_hit@5": 0.85, "wrongly_declined": 0.0}, thresholds, "smoke")
    assert not ok
    assert "article hit@5                     0.850       >= 0.9  FAILED" in table
    assert "answerable wrongly declined       0.000      <= 0.05  ok" in table


@pytest.fixture(scope="module")
def presets(settings):
    return load_presets(settings.evals_dir / "presets.toml")


def test_all_runs_every_preset_but_those_needing_a_model(settings, presets):
    assert {name for name, p in presets.items() if p.needs_model} == {"openai-compatible", "llama-cpp"}
    assert [name for name, p in presets.items() if p.baseline] == ["naive-llamaindex"]
    assert resolve_presets(settings, "all") == ["default", "quote-all", "hybrid", "hybrid-rrf", "dense", "bm25",
                                                   "naive-llamaindex"]
    assert resolve_presets(settings, "default, openai-compatible") == ["default", "openai-compatible"]
    with pytest.raises(ValueError, match="unknown preset nope"):
        resolve_presets(settings, "default,nope")


def test_an_empty_path_in_a_preset_turns_the_stage_off(assistant, presets):
    for name in ("hybrid", "hybrid-rrf", "dense", "bm25"):
        configured = assistant.configured(**presets[name].settings).settings
        assert configured.synonyms is None and configured.scope is None
    assert assistant.configured(**presets["default"].settings).settings.scope is not None


def test_a_preset_with_an_unknown_setting_is_refused(tmp_path):
    path = tmp_path / "presets.toml"
    path.write_text('[typo]\nnote = "rrf"\n\n[typo.settings]\nfusoin = "rrf"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown setting.*fusoin"):
        load_presets(path)


def test_readme_preset_table_names_the_presets_of_the_file(presets):
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("**Presets**", 1)[1].split("\n\n")
    table = next(block for block in section if block.startswith("| preset |"))
    named = [name for row in table.splitlines()[2:] for name in re.findall(r"`([^`]+)`", row.split("|")[1])]
    assert named == list(presets)


def test_the_items_of_a_quoted_list_share_their_provision_position():
    rpe = "rules-of-procedure-and-evidence"
    shown = m.shown_ranking([(rpe, "rule 87(3)"), (rpe, "rule 87(3)(a)"), (rpe, "rule 87(3)(b)"), (rpe, "rule 88(1)")],
                            [(rpe, "rule 112(4)")])
    assert shown == [{(rpe, "rule 87(3)"), (rpe, "rule 87(3)(a)"), (rpe, "rule 87(3)(b)")}, {(rpe, "rule 88(1)")},
                     {(rpe, "rule 112(4)")}]
    assert m.hit_at_k(shown, [(rpe, "rule 112(4)")], 3, "pinpoint")
