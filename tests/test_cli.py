"""The `assistant` command, run as a user runs it."""

import json
import os
import subprocess
import sys

import pytest

from assistant.config import PROJECT_ROOT
from assistant.models import Answer


def run(*args, stdin=None, env=None):
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=PROJECT_ROOT, env={**os.environ, **(env or {})}, timeout=300)


@pytest.fixture(scope="module", autouse=True)
def index_ready(assistant):
    """The shared index is built before the CLI is run against it."""


def test_ask_prints_the_answer_and_its_sources():
    result = run("ask", "What is forced pregnancy under the Rome Statute?")
    assert result.returncode == 0, result.stderr
    assert "Rome Statute, art. 7(2)(f):" in result.stdout and "[1]" in result.stdout
    assert "Sources:\n  [1] Rome Statute, art. 7(2)(f), PDF p. 11" in result.stdout


def test_ask_json_is_the_answer_model():
    result = run("ask", "Does a survivor's silence count as consent?", "--json", "-k", "3")
    data = json.loads(result.stdout)
    assert set(data) == set(Answer.model_fields)
    assert 1 <= len(data["citations"]) <= 3


def test_ask_json_reads_one_question_per_line_from_stdin():
    result = run("ask", "--json", stdin="What is forced pregnancy?\nHow do I bake bread?\n\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["declined"] for line in lines] == [False, True]


def test_ask_with_document_filter():
    result = run("ask", "protection of women against rape", "--doc", "additional-protocol-i", "--json")
    assert {c["doc"] for c in json.loads(result.stdout)["citations"]} == {"additional-protocol-i"}


def test_unknown_document_filter_is_an_error():
    result = run("ask", "rape", "--doc", "no-such-doc")
    assert result.returncode == 2
    assert "unknown or unindexed document: no-such-doc" in result.stderr


def test_empty_question_exits_non_zero_with_a_message():
    result = run("ask", "   ")
    assert result.returncode == 2
    assert result.stderr.startswith("error: the question is empty")
    assert "Traceback" not in result.stderr


def test_huge_question_exits_non_zero_with_a_message():
    result = run("ask", "x" * 5000)
    assert result.returncode == 2
    assert "5,000 characters long; the limit is 4,000" in result.stderr


def test_missing_index_says_how_to_build_it(tmp_path):
    result = run("ask", "What is rape?", env={"ASSISTANT_INDEX_DIR": str(tmp_path / "none")})
    assert result.returncode == 3
    assert "run `assistant index build`" in result.stderr


def test_missing_mirror_is_reported_and_nothing_is_lost(tmp_path):
    result = run("corpus", "sync", "--mirror", str(tmp_path / "absent"))
    assert result.returncode != 0
    assert "does not exist" in result.stderr
    listing = run("corpus", "list")
    assert "rome-statute" in listing.stdout and "indexed" in listing.stdout


def test_corpus_list_shows_optional_documents_as_not_synced():
    result = run("corpus", "list")
    assert result.returncode == 0
    assert "hague-principles" in result.stdout and "not synced" in result.stdout


def test_index_build_is_a_no_op_when_up_to_date():
    result = run("index", "build")
    assert result.returncode == 0
    assert "index is up to date" in result.stdout
