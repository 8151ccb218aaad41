"""The Gradio Blocks app. Build it with `build_app(assistant, feedback)`; run it with `serve()`."""

from __future__ import annotations

import atexit
import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported
# Gradio's queue keeps the timings of the last 10,000 events for its monitoring dashboard (not served here) and,
# after every event, summarises all of them in a pandas DataFrame: CPU per event that grew with the events
# served (and memory). Keep one, and summarise never.
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1")
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(2**62))
# Gradio switches matplotlib's backend around every event; with none chosen, the first question of a server
# imports pyplot to find it (seconds of CPU, holding the import lock while other questions wait).
os.environ.setdefault("MPLBACKEND", "agg")

import gradio as gr
from starlette.middleware import Middleware

from assistant.core import Assistant
from assistant.errors import AssistantError
from assistant.feedback import FeedbackStore
from assistant.ui.api import ask_api
from assistant.ui.login import LoginGuard, LoginLimit, log_to_stderr
from assistant.ui.originals import document_routes
from assistant.ui.tabs.about import about_tab
from assistant.ui.tabs.ask import ask_tab
from assistant.ui.tabs.checklist import checklist_opener, checklist_tab
from assistant.ui.tabs.workshop import workshop_tab
from assistant.ui.tempfiles import ServerFiles

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
HEADER = ("# Gender Justice Assistant\n<span class='disclaimer'>Answers quote international criminal "
          "law texts with pinpoint citations. Legal information, not legal advice.</span>")

CSS = """
.gradio-container { max-width: 1400px !important; }
#header h1 { display: inline; font-size: 1.5em; margin: 0 12px 0 0; }
#header p { margin: 0; }
.disclaimer { font-size: 0.9em; color: var(--body-text-color); }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px; margin: 8px 0;
            background: var(--background-fill-secondary); }
.src-card summary { cursor: pointer; }
.src-card.src-active { outline: 3px solid #1d4ed8; outline-offset: 1px; }
.src-marker { font-weight: 700; color: #1d4ed8; }
.dark .src-marker { color: #93c5fd; }
.src-heading { font-size: 0.85em; color: var(--body-text-color); margin: 4px 0; }
.src-division { font-size: 0.8em; color: var(--body-text-color); margin: 2px 0 4px; }
.src-context { font-size: 0.85em; font-style: italic; margin: 4px 0; }
.src-text { line-height: 1.5; }
.src-links { font-size: 0.9em; margin-top: 6px; }
.src-open { font-size: 0.9em; margin-top: 6px; }
.src-open a { padding: 0 !important; }
.src-related-name { font-weight: 600; margin-top: 14px; }
.src-related { border-style: dashed; }
.src-links-name { font-weight: 600; }
.src-link { display: inline-block; margin: 2px 6px 2px 0; vertical-align: top; }
.src-link[open] { display: block; border-left: 3px solid var(--border-color-primary); padding-left: 8px; }
.src-link summary { cursor: pointer; text-decoration: underline; }
.src-text mark { background: #ffe58a; color: #111; padding: 0 2px; border-radius: 2px; }
.turn-sources-head { font-size: 0.9em; font-weight: 600; margin: 4px 0 8px; }
.sources-empty { color: var(--body-text-color); padding: 12px; }
#sources-panel { max-height: 70vh; overflow-y: auto; }
#sources-title h3 { margin: 0; }
#about table { table-layout: auto; word-break: normal; overflow-wrap: normal; }
#about td, #about th { word-break: normal; overflow-wrap: normal; hyphens: none; }
#to-sources { display: none; }
.to-sources { display: inline-block; padding: 10px 14px; border-radius: 8px; font-weight: 600;
              background: var(--button-primary-background-fill); color: var(--button-primary-text-color) !important;
              text-decoration: none !important; }
#question textarea::placeholder { color: #6b7280; opacity: 1; }
@media (max-width: 800px) {
  #sources-panel { max-height: none; }
  #about table { table-layout: fixed; width: 100%; }
  #about td, #about th { overflow-wrap: anywhere; padding: 6px; }
  #to-sources { display: block; position: sticky; bottom: 8px; z-index: 20; text-align: right; }
}
/* Workshop: the presenter view is for a projector (large type, no trainer notes). */
#workshop-view.presenter #scenario-text p, #workshop-view.presenter #scenario-text li,
#workshop-view.presenter #scenario-text em { font-size: 1.6rem !important; line-height: 1.5 !important; }
#workshop-view.presenter #scenario-text h3 { font-size: 2.2rem !important; }
#workshop-view.presenter #scenario-text h4 { font-size: 1.8rem !important; }
#workshop-view.presenter #exercises label, #workshop-view.presenter #exercises span { font-size: 1.3rem !important; }
#scenario-text p { margin: 0 0 0.8em; max-width: 75ch; }
"""
# Rules that must not be scoped to the app's container (Gradio prefixes the rules of `css`): links that differ
# from the text in colour and underline (in light and dark mode), and the printout.
PRINT_CSS = """
#chat a, #sources-panel a, #about a, #checklist-panel a { color: #1d4ed8 !important;
  text-decoration: underline !important; }
.dark #chat a, .dark #sources-panel a, .dark #about a, .dark #checklist-panel a { color: #93c5fd !important; }
#chat .md { opacity: 1 !important; }
@media print {
  body * { visibility: hidden !important; }
  #checklist-print, #checklist-print * { visibility: visible !important; }
  #checklist-print { position: absolute; left: 0; top: 0; width: 100%; }
  #checklist-print .src-card { break-inside: avoid; background: none; border: 1px solid #999; }
  #checklist-print .no-print { display: none !important; }
  #checklist-print * { color: #000 !important; }
}
"""
JS = (Path(__file__).parent / "app.js").read_text(encoding="utf-8")


def page_options() -> dict:
    """The look and behaviour of the page, for `launch()`: theme, stylesheet and script."""
    return {"theme": _theme(), "css": CSS, "js": JS, "head": f"<style>{PRINT_CSS}</style>"}


def launch_options(bot: Assistant, guard: LoginGuard | None = None) -> dict:
    """What `launch()` needs besides the address: the page's options, the routes that serve the documents
    behind the citations and, with credentials, Gradio's login through `guard` (limited per address)."""
    app_kwargs = {"lifespan": document_routes(bot)}
    if guard is not None:
        app_kwargs["middleware"] = [Middleware(LoginLimit, guard=guard)]
    return {**page_options(), "auth": guard.check if guard else None, "app_kwargs": app_kwargs}


def _theme():
    fonts = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"]
    theme = gr.themes.Default(primary_hue="blue", font=fonts, font_mono=["ui-monospace", "monospace"])  # no web fonts
    # WCAG AA contrast: the accent and the primary buttons a shade darker than the theme's, links dark blue
    return theme.set(color_accent="*primary_700", button_primary_background_fill="*primary_700",
                     button_primary_background_fill_hover="*primary_800", button_primary_border_color="*primary_700",
                     button_primary_text_color="white", link_text_color="#1d4ed8", link_text_color_visited="#6d28d9",
                     link_text_color_hover="#1e40af", link_text_color_dark="#93c5fd",
                     link_text_color_visited_dark="#c4b5fd")


def build_app(bot: Assistant, feedback: FeedbackStore) -> gr.Blocks:
    """The page: a tab per task, and the /ask API for scripts."""
    with gr.Blocks(title="Gender Justice Assistant", analytics_enabled=False) as app:
        turns = gr.State([])  # this browser's conversation
        gr.Markdown(HEADER, elem_id="header")
        with gr.Tabs() as tabs:
            ask = ask_tab(app, bot, feedback, turns)
            checklist = checklist_tab(bot)
            workshop_tab(bot, ask, tabs)
            about_tab(bot)
        checklist_opener(checklist, tabs)
        ask_api(bot)
    return app


def credentials_for(host: str, auth: str | None) -> tuple[str, str] | None:
    """The ("user", "password") to require, checked before anything starts; a host other than localhost
    requires them."""
    credentials = None
    if auth:
        user, _, password = auth.partition(":")
        if not user or not password:
            raise AssistantError("--auth must be user:password")
        credentials = (user, password)
    if host not in LOCAL_HOSTS and credentials is None:
        raise AssistantError(
            f"serving on {host} exposes the assistant to the network: give credentials with "
            "--auth user:password (or ASSISTANT_AUTH), or keep the default --host 127.0.0.1"
        )
    return credentials


def embedding_threads(threads: int) -> None:
    """CPU threads each embedding uses in this process (0: torch's default, one per core). The web app answers
    questions in parallel, so one thread each keeps the cores busy without their threads contending."""
    if threads:
        import torch

        torch.set_num_threads(threads)


def serve(settings, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None,
          block: bool = True) -> gr.Blocks:
    """Start the web app. A host other than localhost requires credentials ("user:password"). Its temporary
    files live in a private folder removed when it stops (`assistant.ui.tempfiles`)."""
    credentials = credentials_for(host, auth)
    files = ServerFiles()  # before the app is built: each component reads Gradio's temporary folder
    try:
        embedding_threads(settings.serve_embedding_threads)
        bot = Assistant.open(settings)
        feedback = FeedbackStore(settings.feedback_db)
        app = build_app(bot, feedback)
        app.queue(default_concurrency_limit=settings.ui_concurrency, max_size=settings.ui_queue_size)
        guard = None
        if credentials:  # failed logins are limited per address and logged
            guard = LoginGuard(*credentials, max_failures=settings.login_max_failures,
                               window=settings.login_window_seconds)
            log_to_stderr()
        app.launch(server_name=host, server_port=port, share=False, prevent_thread_lock=not block,
                   show_error=False, quiet=not block, **launch_options(bot, guard), footer_links=[], ssr_mode=False,
                   max_file_size=f"{settings.upload_max_mb:g}mb")
    except BaseException:
        files.close()
        raise
    if block:  # the server has stopped
        files.close()
    else:
        atexit.register(files.close)
    return app
