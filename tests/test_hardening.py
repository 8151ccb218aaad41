"""Privacy and robustness: no network needed, hostile input shown as text, bad input never crashes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assistant.config import PROJECT_ROOT
from assistant.errors import InvalidQuestionError
from assistant.models import Answer

ASSISTANT = str(PROJECT_ROOT / ".venv" / "bin" / "assistant")
needs_netns = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"),
                                 reason="network namespaces need root (CI runs as root)")


def in_empty_network(script: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run a shell script in a new network namespace: only a loopback interface, no route out."""
    return subprocess.run(["unshare", "-n", "sh", "-c", f"ip link set lo up; {script}"], capture_output=True,
                          text=True, cwd=PROJECT_ROOT, env={**os.environ, **(env or {})}, timeout=timeout)


@needs_netns
def test_ask_works_without_any_network(assistant):
    result = in_empty_network(f"{ASSISTANT} ask --json 'What is forced pregnancy?'")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["citations"][0]["unit"] == "art. 7(2)(f)"


@needs_netns
def test_corpus_sync_and_index_build_work_without_any_network(small_project):
    env = {"ASSISTANT_HOME": str(small_project.home), "ASSISTANT_MIRROR": str(small_project.mirror)}
    result = in_empty_network(f"{ASSISTANT} corpus sync && {ASSISTANT} index build --quiet && "
                              f"{ASSISTANT} ask 'What is gender apartheid?'", env=env)
    assert result.returncode == 0, result.stderr
    assert "WIGJ focus areas, Gender apartheid, para. 1" in result.stdout


@needs_netns
def test_eval_smoke_runs_without_any_network(assistant, tmp_path):
    result = in_empty_network(f"{ASSISTANT} eval --dataset smoke --limit 8 --quiet --out {tmp_path / 'r'}")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "r" / "report.md").is_file()


@needs_netns
def test_web_app_serves_without_any_network(assistant):
    # `kill %1` does nothing in a non-interactive sh (no job control): stop the server by its pid, even on failure
    script = (f"{ASSISTANT} serve --port 7991 >/dev/null 2>&1 & server=$!; trap 'kill $server; wait $server' EXIT; "
              "for i in $(seq 1 90); do curl -s -o /dev/null http://127.0.0.1:7991/ && break; sleep 1; done; "
              "curl -s http://127.0.0.1:7991/ | head -c 20000")
    result = in_empty_network(script, env={"GRADIO_ANALYTICS_ENABLED": "False"})
    assert "Gender Justice Assistant" in result.stdout, result.stderr


def test_questions_are_not_logged_by_default(assistant, tmp_path):
    log = tmp_path / "questions.jsonl"
    assistant.configured(question_log=log).ask("What is forced pregnancy?")
    assert not log.exists()


def test_question_log_is_opt_in(assistant, tmp_path):
    log = tmp_path / "questions.jsonl"
    assistant.configured(question_log=log, log_questions=True).ask("What is forced pregnancy?")
    record = json.loads(log.read_text(encoding="utf-8"))
    assert record["question"] == "What is forced pregnancy?" and record["citations"][0] == "rome-statute: art. 7(2)(f)"


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300) | st.sampled_from(["", " \t\n", "\x00\x01\x02", "\u202e\u200b", "x" * 5000,
                                                 "<script>alert(1)</script>", "art. 999(9)(z)", "rule 0"]))
def test_any_text_gives_an_answer_or_a_clear_error(assistant, text):
    try:
        answer = assistant.ask(text)
    except InvalidQuestionError as exc:
        assert str(exc)
        return
    assert isinstance(answer, Answer)
    assert answer.declined or answer.citations
    for citation in answer.citations:
        assert citation.quote in assistant.store.unit(citation.doc, citation.unit).full_text


@hypothesis_settings(max_examples=6, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),  # argv holds no NUL
               min_size=0, max_size=80))
def test_cli_never_shows_a_traceback(text):
    result = subprocess.run([ASSISTANT, "ask", "--json", text], capture_output=True, text=True, cwd=PROJECT_ROOT,
                            timeout=120)
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 2)


def test_feedback_and_the_question_log_are_private_to_their_owner(assistant, tmp_path):
    from assistant.feedback import FeedbackStore

    previous = os.umask(0o022)  # the usual umask: files readable by everyone unless made private
    try:
        log = tmp_path / "log" / "questions.jsonl"
        assistant.configured(question_log=log, log_questions=True).ask("What is forced pregnancy?")
        store = FeedbackStore(tmp_path / "feedback" / "feedback.sqlite")
        store.add("helpful", "a survivor's case", "What is forced pregnancy?", "…", [])
    finally:
        os.umask(previous)
    for folder in (log.parent, store.path.parent):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
    for path in (log, store.path):
        assert path.stat().st_mode & 0o777 == 0o600, path
