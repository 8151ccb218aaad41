"""The app as a child process of a measuring script (`load_test.py`, `browser_timing.py`): started on a
free loopback port, waited for, and stopped whatever happens."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(log: Path | None = None, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """`assistant serve` on a free loopback port (output to `log`, or nowhere), in a session of its own:
    Ctrl+C reaches the script, which stops it with SIGTERM so that it removes its temporary folder."""
    port = free_port()
    environment = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    command = [str(ROOT / ".venv" / "bin" / "assistant"), "serve", "--port", str(port)]
    if log is None:
        server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
    else:
        with log.open("wb") as out:
            server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True)
    return server, f"http://127.0.0.1:{port}/"


def wait_until_up(url: str, server: subprocess.Popen | None, log: Path | None = None, timeout: float = 300) -> None:
    """Until the app at `url` answers; a clear exit if the server it belongs to stops first or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log else ""
            ending = f":\n{tail}" if tail else ""
            raise SystemExit(f"the app exited with code {server.returncode} before serving{ending}")
        try:
            with urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the app at {url} did not start within {timeout:.0f} s")


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not stopped in 30 s; a second Ctrl+C does not cut this short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
