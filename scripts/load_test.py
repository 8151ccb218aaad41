"""Load test of the web app: N users, each a gradio_client session, asking the gold questions over every
instrument for S seconds, the way the chat does (`/ask_chat`, streamed).

    .venv/bin/python scripts/load_test.py --users 20 --seconds 45        # starts `assistant serve` on a free port
    .venv/bin/python scripts/load_test.py --url http://127.0.0.1:7860/ --server-pid 1234 --users 20 --seconds 60

Each reply is a cited answer (an [n] marker whose source card has text), a deliberate decline (the app's
decline wording), or an error: anything else (a notice or warning, an empty reply, a timeout, an exception);
the first errors are printed. Reported: throughput, p50/p95 time to the first streamed words and to the
complete answer, the server's memory (RSS of the process and its children) before and after and its CPU time
per question (with --url, give --server-pid to have them), this script's own CPU time per question (it runs
on the same cores) and the load average before and after (other work on the machine skews the times). A user
asks --turns questions in a conversation, then starts a new one (a new session, as a new browser tab).

Loopback only: any other address is refused. Bounded in time (and in requests per user). A server it
started is stopped when it ends, also on an error, Ctrl+C or SIGTERM. Exit code 0 when there were
answers and no error, 1 otherwise (130 when interrupted).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout: the assistant package beside this script

from assistant.ui.replies import (  # noqa: E402
    DeclineWording,
    ReplyKind,
    classify_reply,
    decline_wording,
    message_text,
    plain,
)
from scripts.server_process import start_server, stop_server, wait_until_up  # noqa: E402

GOLD = ROOT / "evals" / "datasets" / "gold.jsonl"
LOCAL = ("127.0.0.1", "localhost", "::1")
MAX_REQUESTS_PER_USER = 1000
POLL = 0.01  # seconds between looks at a streaming reply: the resolution of the times measured
FILTER_ID = "doc-filter"  # elem_id of the instruments' checkbox group in the Ask tab
PLACEHOLDER = "…"  # what the chat shows before the first words of an answer
# gradio_client opens a new httpx client for most requests, and each loaded the system's CA certificates (about
# 40 ms of CPU on this machine): the load test spent more CPU than the server it measured, on the same cores.
# Only loopback http is tested, so there is no certificate to verify. No telemetry, no downloads.
CLIENT_OPTIONS = {"verbose": False, "ssl_verify": False, "analytics_enabled": False, "download_files": False}


class Outcome(BaseModel):
    """One question asked: its reply's kind, the times to the first words and to the complete reply."""

    kind: ReplyKind
    first_words: float | None = None
    complete: float | None = None
    detail: str = ""


class Report(BaseModel):
    users: int
    seconds: float
    questions: int
    answers: int
    declines: int
    errors: int
    throughput: float = 0.0
    first_words_p50: float | None = None
    first_words_p95: float | None = None
    complete_p50: float | None = None
    complete_p95: float | None = None
    complete_max: float | None = None
    rss_before_mb: float | None = None
    rss_after_mb: float | None = None
    server_cpu_ms_per_question: float | None = None
    client_cpu_ms_per_question: float | None = None  # this script's own CPU: it shares the machine with the server
    load_average_before: list[float] = []
    load_average: list[float] = []
    first_errors: list[str] = []
    server_pid: int | None = None


def gold_questions(path: Path = GOLD) -> list[str]:
    """The gold questions that stand alone (a follow-up needs the question before it)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["question"] for row in rows if not row.get("history")]


def instrument_values(config: dict) -> list[str]:
    """Every choice of the Filters (every instrument and the uploads), from the page's configuration."""
    for component in config.get("components", []):
        props = component.get("props", {})
        if props.get("elem_id") == FILTER_ID:
            return [choice[1] if isinstance(choice, list | tuple) else choice for choice in props["choices"]]
    raise RuntimeError(f"no instrument filter (#{FILTER_ID}) on the page: is this the Gender Justice Assistant?")


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (`share` 0.95 for p95)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (from /proc/<pid>/task/*/children)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        if not Path(f"/proc/{current}").is_dir():
            continue
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process and all its descendants, in MB (VmRSS in /proc); None if it is gone."""
    total, found = 0, False
    for current in process_tree(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        found = True
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total / 1024 if found else None


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user and system) a process and its live descendants have used; None if it is gone."""
    ticks, found = 0, False
    for current in process_tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found = True
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


def ask(client, question: str, chat: list, instruments: list[str], declines: DeclineWording,
        timeout: float) -> tuple[Outcome, list]:
    """Ask one question in the chat; returns its outcome and the chat to go on with."""
    started = time.perf_counter()
    first_words = None
    job = client.submit(question, chat, instruments, api_name="/ask_chat")
    seen = 0
    while True:
        done = job.done()  # read before the outputs: once done, every output has arrived
        outputs = job.outputs()
        now = time.perf_counter()
        if first_words is None and any(_has_words(o) for o in outputs[seen:]):
            first_words = now - started
        seen = len(outputs)
        if done:
            break
        if now - started > timeout:
            job.cancel()
            return Outcome(kind="error", detail=f"no complete reply within {timeout:g} s"), chat
        time.sleep(POLL)
    complete = time.perf_counter() - started
    _, new_chat, sources = job.result()
    if not isinstance(new_chat, list) or len(new_chat) != len(chat) + 2:
        return Outcome(kind="error", detail="the chat did not get the question and a reply (a notice?)"), chat
    asked = plain(message_text(new_chat[-2]))
    if asked != question:
        return Outcome(kind="error", detail=f"the chat shows another question: {asked[:80]}"), new_chat
    reply = classify_reply(message_text(new_chat[-1]), sources if isinstance(sources, str) else "", declines)
    return Outcome(kind=reply.kind, detail=reply.detail, first_words=first_words or complete,
                   complete=complete), new_chat


def _has_words(output) -> bool:
    chat = output[1] if isinstance(output, tuple | list) and len(output) > 1 else None
    if not isinstance(chat, list) or not chat or not isinstance(chat[-1], dict) or chat[-1].get("role") != "assistant":
        return False
    return message_text(chat[-1]).strip() not in ("", PLACEHOLDER)


def user(url: str, number: int, questions: list[str], deadline: float, turns: int, timeout: float,
         stop: threading.Event, outcomes: list[Outcome], declines: DeclineWording) -> None:
    from gradio_client import Client

    try:
        client = Client(url, **CLIENT_OPTIONS)
        instruments = instrument_values(client.config)
    except Exception as exc:  # noqa: BLE001 - a user that cannot connect is an error, reported
        outcomes.append(Outcome(kind="error", detail=f"user {number}: cannot connect: {type(exc).__name__}: {exc}"))
        return
    chat: list = []
    first = number * 7  # users start at different questions of the rotation
    for i in range(MAX_REQUESTS_PER_USER):
        if stop.is_set() or time.monotonic() >= deadline:
            return
        if i % turns == 0:  # a new conversation
            client.reset_session()
            chat = []
        question = questions[(first + i) % len(questions)]
        try:
            outcome, chat = ask(client, question, chat, instruments, declines, timeout)
        except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
            outcome = Outcome(kind="error", detail=f"{type(exc).__name__}: {exc}")
        if outcome.kind == "error":
            outcome.detail = f"user {number}, “{question[:60]}”: {outcome.detail}"
            client.reset_session()  # the conversation is in an unknown state: start a new one
            chat = []
        outcomes.append(outcome)


def run(url: str, users: int, seconds: float, turns: int, timeout: float, server_pid: int | None,
        questions: list[str]) -> Report:
    declines = decline_wording()
    rss_before = rss_mb(server_pid) if server_pid else None
    cpu_before = cpu_seconds(server_pid) if server_pid else None
    client_before = time.process_time()
    load_before = [round(x, 2) for x in os.getloadavg()]
    outcomes: list[Outcome] = []
    stop = threading.Event()
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=user, daemon=True, name=f"user-{n}",
                                args=(url, n, questions, deadline, turns, timeout, stop, outcomes, declines))
               for n in range(users)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():  # a timed join, so that Ctrl+C is not held up
                thread.join(timeout=0.5)
    finally:
        stop.set()
    elapsed = time.monotonic() - started
    rss_after = rss_mb(server_pid) if server_pid else None
    cpu_after = cpu_seconds(server_pid) if server_pid else None
    client_cpu = time.process_time() - client_before
    ok = [o for o in outcomes if o.kind != "error"]
    errors = [o for o in outcomes if o.kind == "error"]
    first = [o.first_words for o in ok if o.first_words is not None]
    complete = [o.complete for o in ok if o.complete is not None]
    return Report(
        users=users, seconds=round(elapsed, 1), questions=len(outcomes),
        answers=sum(o.kind == "answer" for o in ok), declines=sum(o.kind == "decline" for o in ok),
        errors=len(errors), throughput=round(len(ok) / elapsed, 2) if elapsed else 0.0,
        first_words_p50=_round(percentile(first, 0.5)), first_words_p95=_round(percentile(first, 0.95)),
        complete_p50=_round(percentile(complete, 0.5)), complete_p95=_round(percentile(complete, 0.95)),
        complete_max=_round(max(complete) if complete else None),
        rss_before_mb=_round(rss_before, 0), rss_after_mb=_round(rss_after, 0),
        server_cpu_ms_per_question=_round((cpu_after - cpu_before) * 1000 / len(outcomes), 0)
        if outcomes and cpu_before is not None and cpu_after is not None else None,
        client_cpu_ms_per_question=_round(client_cpu * 1000 / len(outcomes), 0) if outcomes else None,
        load_average_before=load_before, load_average=[round(x, 2) for x in os.getloadavg()],
        first_errors=[o.detail for o in errors[:5]],
        server_pid=server_pid,
    )


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def print_report(report: Report) -> None:
    print(f"users: {report.users}, duration: {report.seconds:.0f} s, questions: {report.questions} "
          f"(answers: {report.answers}, declines: {report.declines}), errors: {report.errors}")
    if report.complete_p50 is not None:
        print(f"throughput: {report.throughput:.2f} replies/s")
        print(f"time to first words: p50 {report.first_words_p50:.2f} s, p95 {report.first_words_p95:.2f} s")
        print(f"time to a complete answer: p50 {report.complete_p50:.2f} s, p95 {report.complete_p95:.2f} s, "
              f"max {report.complete_max:.2f} s")
    if report.rss_before_mb is not None:
        print(f"server RSS (pid {report.server_pid} and its children): before {report.rss_before_mb:.0f} MB, "
              f"after {report.rss_after_mb:.0f} MB" if report.rss_after_mb is not None else
              f"server RSS: before {report.rss_before_mb:.0f} MB, after: the server is gone")
        if report.server_cpu_ms_per_question is not None:
            print(f"server CPU time per question: {report.server_cpu_ms_per_question:.0f} ms")
    else:
        print("server RSS and CPU: not measured (give --server-pid with --url)")
    if report.client_cpu_ms_per_question is not None:
        print(f"load test's own CPU time per question: {report.client_cpu_ms_per_question:.0f} ms (the same cores)")
    print(f"load average (1, 5, 15 min) before: {' '.join(f'{x:.2f}' for x in report.load_average_before)}, "
          f"after: {' '.join(f'{x:.2f}' for x in report.load_average)} ({os.cpu_count()} CPUs)")
    for error in report.first_errors:
        print(f"error: {error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running app on loopback (default: start one)")
    parser.add_argument("--server-pid", type=int, help="with --url: the server's process id, to report its RSS")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60, help="questions are started for this long")
    parser.add_argument("--turns", type=int, default=3, help="questions per conversation (default 3)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds a reply may take before it is an error")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    args = parser.parse_args(argv)
    if args.users < 1 or args.seconds <= 0 or args.turns < 1 or args.timeout <= 0:
        parser.error("--users and --turns must be at least 1, --seconds and --timeout positive")
    if args.server_pid and not args.url:
        parser.error("--server-pid goes with --url (a server this script starts is measured anyway)")

    def terminated(signum, frame):  # SIGTERM: end like Ctrl+C, so that the server is stopped
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminated)
    server, url, pid = None, args.url, args.server_pid
    log = None
    if url:
        if (urlparse(url).hostname or "") not in LOCAL:
            raise SystemExit("refused: the load test only targets this machine (127.0.0.1)")
    try:
        if not url:
            log = Path(tempfile.mkstemp(prefix="load-test-server-", suffix=".log")[1])
            server, url = start_server(log)
            pid = server.pid
        wait_until_up(url, server, log)
        print(f"load test: {args.users} users for {args.seconds:g} s against {url}"
              + (f" (server pid {pid})" if pid else ""), file=sys.stderr, flush=True)
        report = run(url, args.users, args.seconds, args.turns, args.timeout, pid, gold_questions())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            stop_server(server)
        if log is not None:
            log.unlink(missing_ok=True)
    if args.json:
        print(report.model_dump_json())
    else:
        print_report(report)
    return 0 if report.answers and not report.errors else 1


if __name__ == "__main__":
    sys.exit(main())
