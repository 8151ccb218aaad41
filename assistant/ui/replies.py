"""What a reply in the web app's chat is: a cited answer, a deliberate decline, or anything else (a notice,
a warning, nothing at all). Read back from what `render` writes: the `[n]` markers linking to their source
cards (`#src-<turn>-<n>`), the cards of the latest answer in the Sources panel, and the decline wording
(`prompts/decline*.txt`, the reasons of `corpus/scope.toml`). The load test (`scripts/load_test.py`)
counts anything that is not an answer or a decline as an error."""

from __future__ import annotations

import html
import re
from typing import Literal

from pydantic import BaseModel

from assistant.config import Settings
from assistant.corpus.manifest import load_manifest
from assistant.prompts import load_prompt
from assistant.scope import load_scope

ReplyKind = Literal["answer", "decline", "error"]

MARKER_LINK = re.compile(r"\[\[(\d+)\]\]\(#src-(\d+)-(\d+)\)")  # `linked_markdown`: [[1]](#src-2-1)
SECTION = re.compile(r"<section class='turn-sources' id='sources-turn-(\d+)'.*?</section>", re.DOTALL)
CARD = "<details class='src-card' id='src-{turn}-{marker}'"
CARD_TEXT = re.compile(r"<div class='src-text'>(.*?)</div>", re.DOTALL)
DECLINED_CARD = "sources-declined"
NOTICE = "⚠️"  # what `chat_markdown` puts before a notice (and the web app before a warning)
ESCAPED = re.compile(r"\\([\\`*_\[\]<>#|])")


class Reply(BaseModel):
    """A chat reply's kind, and why when it is an error (or, for an answer, the markers it cites)."""

    kind: ReplyKind
    detail: str = ""


class DeclineWording(BaseModel):
    """How the app words a decline: the line naming the instruments searched, and each way a decline opens."""

    searched: re.Pattern[str]
    openings: list[re.Pattern[str]]


def classify_reply(reply: str, sources: str, declines: DeclineWording) -> Reply:
    """`reply`: the latest assistant message of the chat (Markdown as the app renders it); `sources`: the
    Sources panel's HTML; `declines`: `decline_wording()`.

    An answer cites at least one `[n]` and each marker has its card, with text, among the latest answer's
    sources. A decline cites nothing, opens with the app's decline wording, names the instruments searched,
    and the latest sources say it was declined. Anything else, a notice or an empty reply included, is an
    error."""
    text = (reply or "").strip()
    if not text or text == "…":
        return Reply(kind="error", detail="empty reply")
    if text.startswith(NOTICE):
        return Reply(kind="error", detail=f"notice or warning: {_shorten(plain(text))}")
    sections = list(SECTION.finditer(sources or ""))
    if not sections:
        return Reply(kind="error", detail=f"no sources shown for the reply: {_shorten(plain(text))}")
    latest = sections[-1]
    turn, section = latest.group(1), latest.group(0)
    markers = MARKER_LINK.findall(text)
    if markers:
        return _answer(markers, turn, section, text)
    if DECLINED_CARD not in section:
        return Reply(kind="error", detail=f"no citation and not declined: {_shorten(plain(text))}")
    words = plain(text)
    if not any(pattern.match(words) for pattern in declines.openings) or not declines.searched.search(words):
        return Reply(kind="error", detail=f"declined without the decline wording: {_shorten(words)}")
    return Reply(kind="decline")


def _answer(markers: list[tuple[str, str, str]], turn: str, section: str, text: str) -> Reply:
    wrong = [f"[{m}]" for m, t, n in markers if m != n or t != turn]
    if wrong:
        return Reply(kind="error", detail=f"markers {' '.join(wrong)} link to another answer: {_shorten(plain(text))}")
    cited = sorted({int(m) for m, _, _ in markers})
    for marker in cited:
        start = section.find(CARD.format(turn=turn, marker=marker))
        card = section[start:section.find("</details>", start)] if start >= 0 else ""
        quoted = CARD_TEXT.search(card)
        if not quoted or not re.sub(r"<[^>]+>", "", quoted.group(1)).strip():
            return Reply(kind="error", detail=f"[{marker}] has no source card with text: {_shorten(plain(text))}")
    return Reply(kind="answer", detail=" ".join(f"[{m}]" for m in cited))


def decline_wording(settings: Settings | None = None) -> DeclineWording:
    """The app's decline wording as patterns over the plain text of a reply: the line naming the instruments
    searched (`decline_searched`), and each way a decline opens (`decline`, `decline_no_provision`, every
    reason of the scope file and of the manifest's optional documents)."""
    settings = settings or Settings()
    scope = load_scope(settings.scope, load_manifest(settings.manifest), indexed=set())
    openings = [load_prompt("decline"), load_prompt("decline_no_provision"), *(e.reason for e in scope)]
    searched = re.compile(r"(?:^|\s)" + _template(load_prompt("decline_searched")))
    return DeclineWording(searched=searched, openings=[re.compile(_template(o)) for o in dict.fromkeys(openings)])


def _template(template: str) -> str:
    """A prompt template as a pattern: its words literally, each `{field}` any text."""
    pieces = re.split(r"\{\w+\}", template)
    return ".+?".join(re.escape(piece) for piece in pieces)


def plain(markdown: str) -> str:
    """A reply's text without the app's Markdown escapes and HTML entities."""
    return html.unescape(ESCAPED.sub(r"\1", markdown))


def message_text(message: dict | None) -> str:
    """The text of a chat message as gradio_client returns it (a string, or a list of text parts)."""
    if not message:
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return "" if content is None else str(content)


def _shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
