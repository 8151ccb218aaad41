"""Parse an uploaded file in a child process bounded in memory, CPU time, pages, units and characters.

A hostile file must not take the assistant down with it: a 3.5 MB PDF whose one stream inflates to
1 GB grew the process that parsed it to 7 GB. The parsers (`assistant.corpus.plain`) therefore run in
`python -m assistant.corpus.bounded`, which sets its own address-space and CPU-time limits
(`resource.setrlimit`) before it reads anything, gets the file on standard input and answers with one
JSON object on standard output: {"units": [...]} or {"error": "..."}. Whatever happens in the child (a
MemoryError, a native crash, a timeout), the caller gets a DocumentContentError naming the limit."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from dataclasses import asdict, dataclass

from assistant.errors import DocumentContentError
from assistant.models import Unit


@dataclass(frozen=True)
class ParseLimits:
    memory_mb: int  # address space of the child (ASSISTANT_UPLOAD_PARSE_MEMORY_MB)
    cpu_seconds: int  # CPU time of the child (ASSISTANT_UPLOAD_PARSE_SECONDS)
    pages: int  # ASSISTANT_UPLOAD_MAX_PAGES
    units: int  # ASSISTANT_UPLOAD_MAX_UNITS
    chars: int  # ASSISTANT_UPLOAD_MAX_CHARS


def parse_bounded(family: str, doc: str, title: str, data: bytes, limits: ParseLimits) -> list[Unit]:
    """The units of an uploaded file, parsed in a bounded child process; DocumentContentError if it
    cannot be read or breaks a limit."""
    request = json.dumps({"family": family, "doc": doc, "title": title, "limits": asdict(limits)})
    try:
        child = subprocess.run([sys.executable, "-m", "assistant.corpus.bounded", request], input=data,
                               capture_output=True, timeout=limits.cpu_seconds * 2 + 30,
                               env={**os.environ, "PYTHONHASHSEED": "0"})
    except subprocess.TimeoutExpired as exc:  # run() has killed the child
        raise DocumentContentError(_time_refusal(limits)) from exc
    try:
        reply = json.loads(child.stdout)
    except ValueError:
        reply = None
    if isinstance(reply, dict) and "error" in reply:
        raise DocumentContentError(reply["error"])
    if child.returncode == 0 and isinstance(reply, dict) and "units" in reply:
        return [Unit(**u) for u in reply["units"]]
    if child.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise DocumentContentError(_time_refusal(limits))
    raise DocumentContentError(_memory_refusal(limits))


def _memory_refusal(limits: ParseLimits) -> str:
    return (f"this file is refused: reading it needs more than {limits.memory_mb} MB of memory, the limit "
            "(ASSISTANT_UPLOAD_PARSE_MEMORY_MB); a PDF whose content inflates this much is not a document to upload")


def _time_refusal(limits: ParseLimits) -> str:
    return (f"this file is refused: reading it takes more than {limits.cpu_seconds} s of CPU time, the limit "
            "(ASSISTANT_UPLOAD_PARSE_SECONDS)")


def _limit(name: int, value: int) -> None:
    _, hard = resource.getrlimit(name)
    resource.setrlimit(name, (value, value if hard == resource.RLIM_INFINITY else min(value, hard)))


def _count_pages(data: bytes) -> int:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception:  # noqa: BLE001 - the parser says what is wrong with it
        return 0
    try:
        return len(pdf)
    finally:
        pdf.close()


def _parse(request: dict, data: bytes) -> dict:
    from assistant.corpus.plain import parse_plain

    limits = ParseLimits(**request["limits"])
    if request["family"] == "pdf-pages" and data.startswith(b"%PDF-"):
        pages = _count_pages(data)
        if pages > limits.pages:
            return {"error": f"this PDF has {pages:,} pages; the limit is {limits.pages:,} "
                             "(ASSISTANT_UPLOAD_MAX_PAGES)"}
    units = parse_plain(request["family"], request["doc"], request["title"], data)
    if len(units) > limits.units:
        return {"error": f"this file has {len(units):,} sections, pages or paragraphs; the limit is "
                         f"{limits.units:,} (ASSISTANT_UPLOAD_MAX_UNITS)"}
    chars = sum(len(u.text) for u in units)
    if chars > limits.chars:
        return {"error": f"this file holds {chars:,} characters of text; the limit is {limits.chars:,} "
                         "(ASSISTANT_UPLOAD_MAX_CHARS)"}
    return {"units": [u.model_dump() for u in units]}


def main() -> None:
    request = json.loads(sys.argv[1])
    limits = request["limits"]
    _limit(resource.RLIMIT_AS, limits["memory_mb"] * 1024 * 1024)
    _limit(resource.RLIMIT_CPU, limits["cpu_seconds"])
    data = sys.stdin.buffer.read()
    try:
        reply = _parse(request, data)
    except DocumentContentError as exc:
        reply = {"error": str(exc)}
    except MemoryError:
        reply = {"error": _memory_refusal(ParseLimits(**limits))}
    sys.stdout.write(json.dumps(reply, ensure_ascii=False))


if __name__ == "__main__":
    main()
