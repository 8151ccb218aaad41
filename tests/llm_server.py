"""A scripted OpenAI-compatible chat server on loopback, standing in for Ollama, vLLM or a hosted API
(none can run in CI). Each request is answered by the next scripted reply, or by the default
`responder`, and recorded, so tests can check both what the assistant sent and what it showed.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SOURCE = re.compile(r'<source number="(\d+)" citation="([^"]*)" part="([^"]*)">\n(.*?)\n</source>', re.S)


@dataclass
class Text:
    content: str


@dataclass
class Malformed:
    """200 OK with a body that is not JSON (or, when streaming, events that are not)."""


@dataclass
class Hang:
    seconds: float


@dataclass
class Status:
    code: int


Reply = Text | Malformed | Hang | Status


def sources_of(request: dict) -> dict[int, tuple[str, str]]:
    """The numbered sources the assistant put in the user message: number → (citation, text)."""
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    return {int(n): (label, text) for n, label, _, text in SOURCE.findall(user)}


def parts_of(request: dict) -> dict[str, str]:
    """The Part, chapter or section each source sits in, by its citation label."""
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    return {label: part for _, label, part, _ in SOURCE.findall(user)}


def is_condense(request: dict) -> bool:
    return "Follow-up question:" in request["messages"][-1]["content"]


class ScriptedLLM:
    def __init__(self, responder: Callable[[dict], Reply] | None = None) -> None:
        self.responder = responder or (lambda request: Text("INSUFFICIENT_SOURCES"))
        self.script: deque[Reply | Callable[[dict], Reply]] = deque()
        self.requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> ScriptedLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def then(self, *replies: Reply | Callable[[dict], Reply]) -> ScriptedLLM:
        self.script.extend(replies)
        return self

    def _next(self, request: dict) -> Reply:
        reply = self.script.popleft() if self.script else self.responder
        return reply(request) if callable(reply) else reply

    def _handler(self):
        llm = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                request = json.loads(self.rfile.read(length))
                llm.requests.append(request)
                reply = llm._next(request)
                if isinstance(reply, Hang):
                    time.sleep(reply.seconds)
                    reply = Text("Too late.")
                if isinstance(reply, Status):
                    self._send(reply.code, b'{"error": {"message": "scripted failure"}}', "application/json")
                elif request.get("stream"):
                    self._stream(request, reply)
                else:
                    self._complete(request, reply)

            def _send(self, code: int, body: bytes, kind: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _complete(self, request: dict, reply: Reply) -> None:
                if isinstance(reply, Malformed):
                    self._send(200, b'{"id": "x", "choices": [{"message": {"content": "Rape', "application/json")
                    return
                body = {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": request["model"],
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.content},
                                     "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
                self._send(200, json.dumps(body).encode(), "application/json")

            def _stream(self, request: dict, reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                if isinstance(reply, Malformed):
                    self.wfile.write(b"data: {\"id\": \"x\", \"choices\": [{\"delta\": {\"content\": \"Ra\n\n")
                    self.wfile.write(b"data: [DONE]\n\n")
                    return
                for word in re.findall(r"\S+\s*", reply.content):
                    chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0,
                             "model": request["model"],
                             "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                end = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": request["model"],
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())

        return Handler
