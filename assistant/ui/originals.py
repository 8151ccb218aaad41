"""The documents behind the citations, served from this machine, so that a source card can open the
original: a corpus document (the copy `corpus sync` verified, in `corpus/documents/`) or an uploaded one
(`uploads/files/`). A document is asked for by its id and found through the manifest or the uploads
registry, never through a path in the request, and the file must lie inside its folder.

- `documents/<id>` is the file itself: a PDF opens in the browser's viewer, at `#page=N` from a card;
- `documents/<id>/text` is its provisions as a page, each under an anchor made from its locator
  (`#art._27(2)`), for sources without pages (Markdown, text): a card opens it at its provision.

With --auth the routes sit behind Gradio's own login check, as every other route of the app does."""

from __future__ import annotations

import html
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

from assistant.core import Assistant
from assistant.models import Source, Unit
from assistant.uploads import DOC_PREFIX

PREFIX = "documents"
MEDIA_TYPES = {".pdf": "application/pdf", ".md": "text/markdown; charset=utf-8",
               ".txt": "text/plain; charset=utf-8"}
# The text view is built here from escaped text and needs no script, frame or request of its own.
TEXT_VIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
TEXT_VIEW_CSS = """
body { font-family: ui-sans-serif, system-ui, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2937;
       background: #fff; max-width: 60rem; margin: 0 auto; padding: 1rem 1.25rem 40vh; line-height: 1.5; }
header { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #d1d5db; padding: 0.5rem 0;
         display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; align-items: baseline; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.note { color: #374151; font-size: 0.9rem; }
a { color: #1d4ed8; text-decoration: underline; }
section { border-left: 4px solid transparent; padding: 0.25rem 0.75rem; margin: 0.5rem 0; scroll-margin-top: 4.5rem; }
section:target { border-left-color: #1d4ed8; background: #fff7d6; }
.locator { font-weight: 700; }
.footnotes { font-size: 0.9rem; color: #374151; }
"""


@dataclass(frozen=True)
class ServedDocument:
    source: Source
    path: Path
    units: list[Unit]


def anchor(locator: str) -> str:
    """The id of a provision in the text view: its locator with spaces as underscores (`art._27(2)`)."""
    return "_".join(locator.split())


def source_href(doc: str, locator: str, page: int | None) -> str:
    """Where a card opens its source: the PDF at its page, or the text view at the provision. Relative, so
    that it works under any path the app is served at."""
    base = f"{PREFIX}/{quote(doc, safe='')}"
    if page:
        return f"{base}#page={page}"
    return f"{base}/text#{quote(anchor(locator), safe='()._-~')}"


def source_link_html(doc: str, locator: str, page: int | None) -> str:
    """The card's link that opens its source in a new tab."""
    label = f"Open the PDF at page {page}" if page else f"Open the text at {locator}"
    return (f"<a class='open-source' href='{html.escape(source_href(doc, locator, page))}' target='_blank' "
            f"rel='noopener'>{html.escape(label)}</a>")


def inside(folder: Path, name: str) -> Path | None:
    """`folder/name` when it is a file inside `folder` (no `..`, no link leading out), else None."""
    root = folder.resolve()
    path = (root / name).resolve()
    return path if path.is_relative_to(root) and path != root and path.is_file() else None


def find_document(bot: Assistant, doc: str) -> ServedDocument | None:
    """A document the assistant cites, by its id: an indexed corpus document or an uploaded one."""
    if doc.startswith(DOC_PREFIX):
        found = bot.uploads.document(doc)
        if found is None:
            return None
        uploaded, path, units = found
        path = inside(bot.settings.uploads_dir / "files", path.name)
        return ServedDocument(uploaded.source, path, units) if path else None
    source = next((s for s in bot.sources if s.id == doc), None)
    if source is None or doc not in bot.indexed_documents:
        return None
    path = inside(bot.settings.documents_dir, source.file)
    if path is None:
        return None
    return ServedDocument(source, path, [u for u in bot.store.units if u.doc == doc])


def text_view_html(document: ServedDocument) -> str:
    """The document's provisions in order, headed as in the document, each under the anchor of its locator."""
    source = document.source
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
             f"<title>{html.escape(source.short_title)} — {html.escape(source.title)}</title>"
             f"<style>{TEXT_VIEW_CSS}</style></head><body>"
             f"<header><b>{html.escape(source.short_title)}</b>"
             f"<a href='../{quote(source.id, safe='')}'>The original file</a></header><main>"
             f"<h1>{html.escape(source.title)}</h1>"
             f"<p class='note'>The text of each provision as the assistant reads and cites it. "
             f"Legal information, not legal advice.</p>"]
    heading = None
    for unit in document.units:
        if unit.heading != heading:
            heading = unit.heading
            parts.append(f"<h2>{html.escape(heading)}</h2>")
        notes = ("<div class='footnotes'>" + "<br>".join(html.escape(n) for n in unit.notes) + "</div>"
                 if unit.notes else "")
        parts.append(f"<section id='{html.escape(anchor(unit.unit))}'>"
                     f"<div class='locator'>{html.escape(source.short_title)}, {html.escape(unit.unit)}</div>"
                     f"<div>{html.escape(unit.text).replace(chr(10), '<br>')}</div>{notes}</section>")
    parts.append("</main></body></html>")
    return "".join(parts)


def add_document_routes(app: FastAPI, bot: Assistant) -> None:
    """Add `documents/<id>` and `documents/<id>/text` to Gradio's app, behind the login check its own routes
    depend on (which lets everyone in when the app has no --auth)."""
    login_check = _login_check(app)
    if login_check is None:  # never serve the documents without knowing who asks
        raise RuntimeError("Gradio's login check was not found: the document routes cannot be protected")

    def served(doc: str) -> ServedDocument:
        document = find_document(bot, doc)
        if document is None:
            raise HTTPException(status_code=404, detail="No such document on this machine.")
        return document

    def original(doc: str) -> FileResponse:
        document = served(doc)
        suffix = document.path.suffix.lower()
        return FileResponse(document.path, media_type=MEDIA_TYPES.get(suffix, "application/octet-stream"),
                            filename=f"{document.source.id}{suffix}", content_disposition_type="inline",
                            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"})

    def text(doc: str) -> HTMLResponse:
        return HTMLResponse(text_view_html(served(doc)),
                            headers={"Content-Security-Policy": TEXT_VIEW_POLICY, "X-Content-Type-Options": "nosniff",
                                     "Cache-Control": "private, no-cache"})

    guarded = [Depends(login_check)]
    app.add_api_route(f"/{PREFIX}/{{doc}}", original, methods=["GET", "HEAD"], dependencies=guarded,
                      include_in_schema=False)
    app.add_api_route(f"/{PREFIX}/{{doc}}/text", text, methods=["GET", "HEAD"], dependencies=guarded,
                      include_in_schema=False)


def _login_check(app: FastAPI):
    """The dependency Gradio's own protected routes (the page's /config) use to require a login."""
    for route in app.routes:
        for depends in getattr(route, "dependencies", None) or []:
            if getattr(depends.dependency, "__name__", "") == "login_check":
                return depends.dependency
    return None


def document_routes(bot: Assistant):
    """A lifespan for `launch(app_kwargs=…)`: the routes are added once Gradio's app exists, before it
    serves anything."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        add_document_routes(app, bot)
        yield

    return lifespan
