"""Load test of the web app: N concurrent gradio_client sessions asking questions for S seconds.

    .venv/bin/python scripts/load_test.py                 # starts `assistant serve` on a free port
    .venv/bin/python scripts/load_test.py --url http://127.0.0.1:7860/ --users 20 --seconds 60

Loopback only: any other address is refused. Bounded in time (and in requests per user); prints
the number of answers, errors and the p50/p95 time to a complete (streamed) answer.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "evals/datasets/gold.jsonl").open(encoding="utf-8")]
MAX_REQUESTS_PER_USER = 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"the app at {url} did not start within {timeout:.0f} s")


def user(url: str, number: int, deadline: float, times: list[float], errors: list[str]) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    for i in range(MAX_REQUESTS_PER_USER):
        if time.time() >= deadline:
            return
        question = QUESTIONS[(number * 7 + i) % len(QUESTIONS)]
        started = time.perf_counter()
        try:
            _, chat, _ = client.predict(question, [], [], api_name="/ask_chat")
            if not chat or not str(chat[-1]["content"]).strip():
                raise RuntimeError("empty answer")
            times.append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
            errors.append(f"user {number}: {type(exc).__name__}: {exc}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running app on loopback (default: start one)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    server = None
    url = args.url
    if url:
        host = urlparse(url).hostname or ""
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("refused: the load test only targets this machine (127.0.0.1)")
    else:
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
        server = subprocess.Popen([str(ROOT / ".venv/bin/assistant"), "serve", "--port", str(port)], cwd=ROOT,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(url)
        times: list[float] = []
        errors: list[str] = []
        deadline = time.time() + args.seconds
        threads = [threading.Thread(target=user, args=(url, n, deadline, times, errors)) for n in range(args.users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        ordered = sorted(times)
        p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)] if ordered else float("nan")
        print(f"users: {args.users}, duration: {args.seconds:.0f} s, answers: {len(times)}, errors: {len(errors)}")
        if times:
            print(f"time to a complete answer: p50 {statistics.median(times):.2f} s, p95 {p95:.2f} s, "
                  f"max {ordered[-1]:.2f} s; throughput {len(times) / args.seconds:.1f} answers/s")
        for error in errors[:10]:
            print(error)
        return 1 if errors else 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
