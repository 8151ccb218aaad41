"""The load test counts only cited answers and deliberate declines: a warning, a notice or an empty reply is an
error (it once sent no instrument and counted every "⚠️ choose at least one instrument" as an answer). The
replies classified here come from the real app (real index, real model, a real server)."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.bench_probe import outcome
from assistant.config import PROJECT_ROOT
from assistant.core import STREAM_DRAFTS, STREAM_WORDS
from assistant.feedback import FeedbackStore
from assistant.models import Answer
from assistant.ui.render import chat_markdown, sources_panel_html, turn_sources_html
from assistant.ui.replies import classify_reply, decline_wording, message_text, plain

SCRIPT = PROJECT_ROOT / "scripts" / "load_test.py"
OLD_WARNING = "⚠️ choose at least one instrument to search (Filters)"


def _load_script():
    spec = importlib.util.spec_from_file_location("load_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["load_test"] = module  # pydantic resolves the models' annotations through it
    spec.loader.exec_module(module)
    return module


load_test = _load_script()


@pytest.fixture(scope="module")
def declines():
    return decline_wording()


@pytest.fixture(scope="module")
def app(assistant, tmp_path_factory):
    """The web app on a free loopback port, in this process; closed after the module's tests."""
    from assistant.ui.app import build_app

    app = build_app(assistant, FeedbackStore(tmp_path_factory.mktemp("feedback") / "feedback.sqlite"))
    app.queue(default_concurrency_limit=4)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, ssr_mode=False)
    app.url = f"http://127.0.0.1:{port}/"
    yield app
    app.close()


@pytest.fixture(scope="module")
def server(app) -> str:
    return app.url


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server, verbose=False)


@pytest.fixture(scope="module")
def every_instrument(client) -> list[str]:
    return load_test.instrument_values(client.config)


def chat_reply(client, question: str, instruments: list[str]) -> tuple[str, str]:
    """(the reply in the chat, the Sources panel) for a question asked in a new conversation."""
    client.reset_session()
    _, chat, sources = client.predict(question, [], instruments, api_name="/ask_chat")
    return message_text(chat[-1]), sources


def test_the_instruments_are_every_choice_of_the_filters(assistant, every_instrument):
    assert set(assistant.indexed_documents) < set(every_instrument)
    assert len(every_instrument) == len(assistant.indexed_documents) + 1  # and "Your uploaded documents"


def test_a_real_cited_answer_is_an_answer(client, every_instrument, declines):
    reply, sources = chat_reply(client, "What is forced pregnancy?", every_instrument)
    result = classify_reply(reply, sources, declines)
    assert result.kind == "answer", result.detail
    assert "[1]" in result.detail


@pytest.mark.parametrize("question", [
    "What is the best recipe for sourdough bread?",  # nothing close enough in the corpus
    "What did the Trial Chamber hold in Ongwen about forced pregnancy?",  # case law (corpus/scope.toml)
    "What does article 8(2)(e)(xix) of the Rome Statute say?",  # a provision the corpus does not have
])
def test_a_real_decline_is_a_decline(client, every_instrument, declines, question):
    reply, sources = chat_reply(client, question, every_instrument)
    result = classify_reply(reply, sources, declines)
    assert result.kind == "decline", (result.detail, reply)


def test_a_warning_an_empty_reply_or_a_notice_is_never_an_answer(assistant, client, every_instrument, declines):
    reply, sources = chat_reply(client, "What is forced pregnancy?", every_instrument)
    assert classify_reply(reply, sources, declines).kind == "answer"  # the same sources, with other replies:
    for other in (OLD_WARNING, "", "   ", "…"):
        assert classify_reply(other, sources, declines).kind == "error", other
    answer = assistant.ask("What is forced pregnancy?")
    noticed = answer.model_copy(update={"notice": "the language model did not answer in time; the extractive "
                                                  "answer is shown"})
    rendered = chat_markdown(noticed, 1)
    panel = sources_panel_html([turn_sources_html(noticed, [assistant.unit(c.doc, c.unit) for c in noticed.citations],
                                                  1)])
    assert classify_reply(chat_markdown(answer, 1), panel, declines).kind == "answer"
    assert classify_reply(rendered, panel, declines).kind == "error"


def test_markers_without_their_source_cards_are_an_error(client, every_instrument, declines):
    reply, _ = chat_reply(client, "What is forced pregnancy?", every_instrument)
    _, declined_sources = chat_reply(client, "What is the best recipe for sourdough bread?", every_instrument)
    assert classify_reply(reply, declined_sources, declines).kind == "error"
    assert classify_reply(reply, sources_panel_html([]), declines).kind == "error"


def test_a_reply_without_citations_or_the_decline_wording_is_an_error(client, every_instrument, declines):
    reply, sources = chat_reply(client, "What is forced pregnancy?", every_instrument)
    uncited = plain(reply).replace("[1]", "")  # the words of an answer, no marker
    assert classify_reply(uncited, sources, declines).kind == "error"
    declined, declined_sources = chat_reply(client, "What is the best recipe for sourdough bread?", every_instrument)
    assert classify_reply(declined, declined_sources, declines).kind == "decline"
    assert classify_reply(uncited, declined_sources, declines).kind == "error"  # declined sources, other words


def test_asking_with_no_instrument_is_counted_as_an_error(client, declines):
    """What the old load test did: the app answers with a notice and leaves the chat as it was."""
    outcome, _ = load_test.ask(client, "What is forced pregnancy?", [], [], declines, timeout=60)
    assert outcome.kind == "error"


def test_a_streamed_answer_is_timed_to_its_first_words_and_to_its_end(client, every_instrument, declines):
    client.reset_session()
    question = "What must the prosecution prove for rape as a crime against humanity?"
    outcome, chat = load_test.ask(client, question, [], every_instrument, declines, timeout=120)
    assert outcome.kind == "answer", outcome.detail
    assert 0 < outcome.first_words < outcome.complete  # a long answer streams: its first words come first
    assert [m["role"] for m in chat] == ["user", "assistant"]


def test_an_extractive_answer_streams_in_a_few_events(client, every_instrument):
    """Each streamed draft is an event the server processes and sends: a long extractive answer (complete
    before it is shown) was sent as a placeholder and one draft per 12 words, 9 events on average."""
    client.reset_session()
    job = client.submit("What must the prosecution prove for rape as a crime against humanity?", [],
                        every_instrument, api_name="/ask_chat")
    job.result(timeout=120)
    texts = [message_text(output[1][-1]) for output in job.outputs()]
    assert len(set(texts)) == len(texts) == STREAM_DRAFTS + 1  # each draft longer, then the whole answer
    assert len(texts[-1].split()) > 4 * STREAM_WORDS


def test_the_server_keeps_no_history_of_past_events(app, client, every_instrument):
    """Gradio's queue summarised the timings of up to 10,000 past events in a pandas DataFrame after every
    event (CPU that grew with the events served); the app keeps none for it to summarise."""
    for question in ("What is forced pregnancy?", "What is enforced sterilization?", "What is sexual slavery?"):
        client.reset_session()
        client.predict(question, [], every_instrument, api_name="/ask_chat")
    assert len(app._queue.event_analytics) <= 1


def run_script(*args: str, tmp_path: Path, **popen) -> subprocess.Popen:
    """scripts/load_test.py starting its own server, whose data and temporary files go to tmp_path."""
    env = {**os.environ, "TMPDIR": str(tmp_path), "ASSISTANT_UPLOADS_DIR": str(tmp_path / "uploads"),
           "ASSISTANT_FEEDBACK_DB": str(tmp_path / "feedback" / "feedback.sqlite")}
    env.pop("GRADIO_TEMP_DIR", None)
    return subprocess.Popen([sys.executable, str(SCRIPT), *args], env=env, text=True, **popen)


def gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"  # a zombie has stopped
    except OSError:
        return True


def test_the_load_test_counts_answers_without_errors_and_stops_its_server(tmp_path):
    process = run_script("--users", "2", "--seconds", "8", "--json", tmp_path=tmp_path, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        out, err = process.communicate(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err[-3000:]
    report = json.loads(out.strip().splitlines()[-1])
    assert report["errors"] == 0, report["first_errors"]
    assert report["answers"] > 0 and report["questions"] == report["answers"] + report["declines"]
    assert report["complete_p50"] > 0 and report["first_words_p50"] <= report["complete_p95"]
    assert report["rss_before_mb"] > 100 and report["rss_after_mb"] > 100  # the model and the index are loaded
    assert gone(report["server_pid"]), "the server outlived the load test"


def _interruptible() -> None:
    """Ctrl+C reaches the script even when the tests were started with SIGINT ignored (a background job of a
    script: `nohup … &`), which its child would inherit: Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_an_interrupted_load_test_stops_its_server(tmp_path):
    process = run_script("--users", "2", "--seconds", "600", tmp_path=tmp_path, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, preexec_fn=_interruptible)
    server_pid = None
    try:
        for line in process.stderr:  # "load test: 2 users for 600 s against http://… (server pid N)"
            if line.startswith("load test:"):
                server_pid = int(line.rsplit("pid ", 1)[1].rstrip(")\n"))
                break
        assert server_pid and not gone(server_pid)
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        if server_pid and not gone(server_pid):
            os.kill(server_pid, signal.SIGKILL)
            pytest.fail("the server outlived the interrupted load test")
    assert process.returncode == 130
    assert gone(server_pid)


def test_the_bench_tells_a_cited_answer_from_a_decline_and_counts_nothing_else_as_an_answer(assistant):
    assert outcome(assistant.ask("How does the Rome Statute define forced pregnancy?")) == "cited"
    assert outcome(assistant.ask("How do I deduct home-office expenses on my income tax return?")) == "declined"
    assert outcome(Answer(question="q", answer="Choose an instrument to search.", declined=False)) == "uncited"

