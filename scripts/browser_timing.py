"""Time from pressing Enter to the first streamed words and to the complete answer, in Chromium.

    .venv/bin/python scripts/browser_timing.py                     # 20 gold questions; starts `assistant serve`
    .venv/bin/python scripts/browser_timing.py --questions 2
    .venv/bin/python scripts/browser_timing.py --url http://127.0.0.1:7860/   # a running app on this machine

A measurement, not a test: it prints the times, the load average before and after, and says nothing about
whether they are good. The questions are the single-turn questions of evals/datasets/gold.jsonl (or
--dataset), taken evenly spaced through the file; each is asked in a fresh page, so none is read as a
follow-up, after one warm-up question that is not counted.

Everything is timed in the page with performance.now(): the keydown of Enter in the question box (a listener
installed before the key is pressed); the first words, when the answer's bubble first holds a word (a
MutationObserver: the bubble starts as "…"); the complete answer, when the answer's sources section is in the
Sources panel and the bubble holds the final text (the last update of an answer carries both; a draft ends
with "…"). A completed
answer must carry a citation [n] or be a decline, and no notice may show: otherwise the script stops with
an error, so it never times a warning. The server it started and the browser are stopped whatever happens
(an error, Ctrl+C, SIGTERM).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.evals.metrics import percentile  # noqa: E402 - after the project is on the path
from scripts.server_process import start_server, stop_server, wait_until_up  # noqa: E402

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright never downloads a browser here
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
LOOPBACK = ("127.0.0.1", "localhost", "::1")
WARM_UP = "What is forced pregnancy under the Rome Statute?"

# Installed in the page before Enter is pressed; window.__timing collects the three moments.
OBSERVE = """() => {
  const t = window.__timing = {enter: null, first: null, done: null};
  const box = document.querySelector('#question textarea');
  box.addEventListener('keydown', (e) => { if (e.key === 'Enter' && t.enter === null) t.enter = performance.now(); },
                       {capture: true});
  const bubble = () => {
    const rows = document.querySelectorAll('#chat .message-row.bot-row, #chat .bot-row');
    return rows.length ? rows[rows.length - 1] : null;
  };
  const check = () => {
    if (t.enter === null) return;
    const b = bubble();
    const text = b ? b.innerText.trim() : '';
    const words = /\\w/.test(text.replace(/…/g, ''));
    if (t.first === null && words) t.first = performance.now();
    // complete: the sources are in the panel and the bubble holds the final text (a draft ends with "…")
    if (t.done === null && words && !text.endsWith('…') && document.querySelector('#sources-turn-1')) {
      t.done = performance.now();
    }
    if (t.first !== null && t.done !== null) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, {childList: true, subtree: true, characterData: true});
}"""

# What the completed answer shows: its text, whether it is a decline, and any notice (toast).
OUTCOME = """() => {
  const rows = document.querySelectorAll('#chat .message-row.bot-row, #chat .bot-row');
  const text = rows.length ? rows[rows.length - 1].innerText : '';
  return {text, declined: !!document.querySelector('#sources-turn-1 .sources-declined'),
          notices: Array.from(document.querySelectorAll('.toast-body')).map((n) => n.innerText)};
}"""


class NotAnAnswer(RuntimeError):
    """The page showed something other than a cited answer or a decline."""


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def questions(dataset: Path, count: int) -> list[str]:
    """`count` single-turn questions of the dataset, evenly spaced through it."""
    records = [json.loads(line) for line in dataset.open(encoding="utf-8") if line.strip()]
    single = [r["question"] for r in records if not r.get("history")]
    if count > len(single):
        raise SystemExit(f"{dataset} has only {len(single)} single-turn questions")
    return [single[i * len(single) // count] for i in range(count)]


def time_question(browser, url: str, question: str, timeout_ms: float) -> tuple[float, float]:
    """(seconds to the first words, seconds to the complete answer) of one question in a fresh page."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("#question textarea")
        page.fill("#question textarea", question)
        page.evaluate(OBSERVE)
        page.press("#question textarea", "Enter")
        try:  # a complete answer, or a notice (which never completes)
            page.wait_for_function("() => (window.__timing.done !== null && window.__timing.first !== null)"
                                   " || document.querySelector('.toast-body')", timeout=timeout_ms)
        except PlaywrightTimeout as exc:  # reported with what the page shows instead
            outcome = page.evaluate(OUTCOME)
            raise NotAnAnswer(f"no complete answer to {question!r} within {timeout_ms / 1000:.0f} s "
                              f"(notices: {outcome['notices']}, chat: {outcome['text'][:200]!r})") from exc
        timing = page.evaluate("() => window.__timing")
        outcome = page.evaluate(OUTCOME)
        text = outcome["text"].strip()
        if outcome["notices"]:
            raise NotAnAnswer(f"{question!r} got a notice, not an answer: {outcome['notices']}")
        if text.endswith("…") or not (outcome["declined"] or any(f"[{n}]" in text for n in range(1, 30))):
            raise NotAnAnswer(f"{question!r} got neither a cited answer nor a decline: {text[:200]!r}")
        return (timing["first"] - timing["enter"]) / 1000, (timing["done"] - timing["enter"]) / 1000
    finally:
        context.close()


def report(name: str, seconds: list[float]) -> str:
    return (f"{name}: p50 {percentile(seconds, 50):.3f} s, p95 {percentile(seconds, 95):.3f} s, "
            f"min {min(seconds):.3f} s, max {max(seconds):.3f} s")


def measure(url: str, asked: list[str], chromium: str, timeout: float, verbose: bool) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            print(f"chromium {browser.version}, {url}, {len(asked)} questions")
            time_question(browser, url, WARM_UP, timeout * 1000)  # the first answer of a server pays for warming up
            first, done = [], []
            for number, question in enumerate(asked, start=1):
                to_first, to_done = time_question(browser, url, question, timeout * 1000)
                first.append(to_first)
                done.append(to_done)
                if verbose:
                    print(f"{number:2d}. first words {to_first:.3f} s, complete {to_done:.3f} s  {question}")
        finally:
            browser.close()
    print(report("first streamed words", first))
    print(report("complete answer", done))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running app on this machine (default: start one on a free port)")
    parser.add_argument("--questions", type=int, default=20, help="how many questions are timed (default 20)")
    parser.add_argument("--dataset", type=Path, default=ROOT / "evals" / "datasets" / "gold.jsonl")
    parser.add_argument("--chromium", default=CHROMIUM, help=f"the Chromium to drive (default {CHROMIUM})")
    parser.add_argument("--timeout", type=float, default=120, help="seconds allowed for one answer (default 120)")
    parser.add_argument("--verbose", action="store_true", help="print each question's times")
    args = parser.parse_args()
    if args.questions < 1:
        parser.error("--questions must be at least 1")
    asked = questions(args.dataset, args.questions)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up below on `kill` too

    server = None
    url = args.url
    with tempfile.TemporaryDirectory(prefix="browser-timing-") as scratch:
        if url:
            if urlparse(url).hostname not in LOOPBACK:
                raise SystemExit("refused: the timing only targets this machine (127.0.0.1)")
        else:  # uploads and temporary files of its own: the developer's uploads neither change nor slow answers
            server, url = start_server(env={"TMPDIR": scratch, "ASSISTANT_UPLOADS_DIR": str(Path(scratch) / "uploads")})
        try:
            wait_until_up(url, server)
            print(f"load average before: {load_average()}")
            measure(url, asked, args.chromium, args.timeout, args.verbose)
            print(f"load average after: {load_average()}")
        except NotAnAnswer as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            if server is not None:
                stop_server(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
