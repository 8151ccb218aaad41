"""The serving half of `assistant bench`, run in a fresh process: `python -m assistant.bench_probe`.

Reads a JSON list of questions on standard input, opens the assistant, times retrieval and ask for each
question (no cached question vectors), then uploads a document, asks about it and removes it 120 times.
Prints one JSON line: `open` (s), `retrieval` and `ask` (s per question), `outcomes` (what each ask gave: "cited",
"declined" or "uncited"), `rss_mb` (peak memory),
`rss_after` (memory after 20 and after all questions) and `upload_rss` (after 20 and 120 upload cycles), in MB.
"""

from __future__ import annotations

import json
import os
import sys
import time

MEASURED_AFTER = 20  # memory is read after this many questions or upload cycles, and at the end
UPLOAD_CYCLES = 120
NOTES = "# Field notes\n\n## Interviews\n\nSurvivors were interviewed in private with a support person present.\n"
NOTES_QUESTION = "Were survivors interviewed with a support person present?"


def memory_mb(key: str) -> float:
    """A memory figure of this process from /proc/self/status, in MB: `VmRSS` now, `VmHWM` at its peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith(key))
    return int(line.split()[1]) / 1024


def open_assistant():
    """The assistant and the seconds it took to open it (imports, model load, index open)."""
    started = time.perf_counter()
    from assistant.core import Assistant

    bot = Assistant.open()
    return bot, time.perf_counter() - started


def _uncached(bot, call, question: str):
    """Seconds one call takes when the question's vector is not cached, and what it returned."""
    bot.embedder.clear_cache()
    started = time.perf_counter()
    result = call(question)
    return time.perf_counter() - started, result


def outcome(answer) -> str:
    """What a timed ask gave: an answer with pinpoint citations, a decline, or an answer without citations,
    which no answer may be (the bench would time something that is not an answer)."""
    if answer.declined:
        return "declined"
    return "cited" if answer.citations else "uncited"


def time_questions(bot, questions: list[str]) -> dict:
    """Retrieval and ask seconds per question, what each ask gave, and the memory after 20 and after all
    questions."""
    retrieval, ask, outcomes, rss_after = [], [], [], []
    for n, question in enumerate(questions):
        retrieval.append(_uncached(bot, bot.retrieve, question)[0])
        seconds, answer = _uncached(bot, bot.ask, question)
        ask.append(seconds)
        outcomes.append(outcome(answer))
        if n in (MEASURED_AFTER - 1, len(questions) - 1):
            rss_after.append(memory_mb("VmRSS"))
    return {"retrieval": retrieval, "ask": ask, "outcomes": outcomes, "rss_after": rss_after}


def cycle_uploads(bot) -> list[float]:
    """Upload a document, ask about it and remove it, again and again; the memory after 20 and 120 cycles."""
    rss = []
    for n in range(UPLOAD_CYCLES):
        document = bot.uploads.add_bytes((NOTES + f"Note {n}.\n").encode(), f"notes-{n}.md")
        bot.ask(NOTES_QUESTION)
        bot.uploads.remove(document.id)
        if n in (MEASURED_AFTER - 1, UPLOAD_CYCLES - 1):
            rss.append(memory_mb("VmRSS"))
    return rss


def main() -> None:
    bot, opened = open_assistant()
    questions = json.loads(sys.stdin.read())
    timings = time_questions(bot, questions)
    upload_rss = cycle_uploads(bot) if os.environ.get("ASSISTANT_BENCH_UPLOADS", "1") == "1" else []
    print(json.dumps({"open": opened, **timings, "rss_mb": memory_mb("VmHWM"), "upload_rss": upload_rss}))


if __name__ == "__main__":
    main()
