"""Logins to the web app (`--auth user:password`): failed ones are limited per client address and logged.

Gradio checks credentials in its `/login` route without any limit (50 wrong passwords took 0.56 s, none
logged). `LoginGuard.check` is given to Gradio as its `auth` function: it compares the credentials in
constant time and records each failure for the client's address; `LoginLimit`, an ASGI middleware in
front of the app, answers `429 Too Many Requests` to an address with `max_failures` failures in the
last `window` seconds, before Gradio reads the password. Failures are logged with the user name and
address, never the password."""

from __future__ import annotations

import contextvars
import json
import logging
import math
import secrets
import sys
import threading
import time
from collections import deque

log = logging.getLogger("assistant.login")
CLIENT: contextvars.ContextVar[str] = contextvars.ContextVar("client", default="unknown address")


def log_to_stderr() -> None:
    """Login events on the server's standard error, with the time (once)."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


class LoginGuard:
    def __init__(self, user: str, password: str, max_failures: int, window: float) -> None:
        self._user = user.encode()
        self._password = password.encode()
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(address, deque())
        while failures and now - failures[0] >= self.window:
            failures.popleft()
        return failures

    def wait(self, address: str) -> float:
        """Seconds until `address` may try again (0 when it may now)."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent(address, now)
            if len(failures) < self.max_failures:
                return 0.0
            return self.window - (now - failures[0])

    def check(self, username: str, password: str) -> bool:
        """Gradio's auth function: True for the right credentials; a failure is recorded and logged."""
        address = CLIENT.get()
        right = secrets.compare_digest(username.encode(), self._user) & secrets.compare_digest(
            password.encode(), self._password)
        with self._lock:
            failures = self._recent(address, time.monotonic())
            if right:
                failures.clear()
            else:
                failures.append(time.monotonic())
                count = len(failures)
        if right:
            log.info("login: user %r from %s", username, address)
        else:
            log.warning("failed login: user %r from %s (%d in the last %g s; %d allowed)", username, address, count,
                        self.window, self.max_failures)
        return right


class LoginLimit:
    """ASGI middleware: refuses `/login` to an address the guard has blocked, and tells the guard the
    address of the login it lets through."""

    def __init__(self, app, guard: LoginGuard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].rstrip("/").endswith("/login"):
            await self.app(scope, receive, send)
            return
        address = (scope.get("client") or ("unknown address",))[0]
        wait = self.guard.wait(address)
        if wait > 0:
            seconds = math.ceil(wait)
            log.warning("login refused: %s has failed %d times in the last %g s", address, self.guard.max_failures,
                        self.guard.window)
            body = json.dumps({"detail": f"Too many failed logins from this address: try again in {seconds} s."})
            await send({"type": "http.response.start", "status": 429,
                        "headers": [(b"content-type", b"application/json"), (b"retry-after", str(seconds).encode())]})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        token = CLIENT.set(address)
        try:
            await self.app(scope, receive, send)
        finally:
            CLIENT.reset(token)
