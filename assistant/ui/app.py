"""The Gradio Blocks app. Build it with `build_app(assistant, feedback)`; run it with `serve()`."""

from __future__ import annotations

import atexit
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported

import gradio as gr
from starlette.middleware import Middleware

from assistant.core import Assistant
from assistant.errors import AssistantError
from assistant.feedback import FeedbackStore
from assistant.ui.api import ask_api
from assistant.ui.login import LoginGuard, LoginLimit, log_to_stderr
from assistant.ui.tabs.about import about_tab
from assistant.ui.tabs.ask import ask_tab
from assistant.ui.tabs.checklist import checklist_tab
from assistant.ui.tabs.workshop import workshop_tab
from assistant.ui.tempfiles import ServerFiles

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
HEADER = ("# Gender Justice Assistant\n<span class='disclaimer'>Answers quote international criminal "
          "law texts with pinpoint citations. Legal information, not legal advice.</span>")

CSS = """
.gradio-container { max-width: 1400px !important; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px; margin: 8px 0;
            background: var(--background-fill-secondary); }
.src-card summary { cursor: pointer; }
.src-marker { font-weight: 700; color: var(--color-accent); }
.src-heading { font-size: 0.85em; color: var(--body-text-color-subdued); margin: 4px 0; }
.src-context { font-size: 0.85em; font-style: italic; margin: 4px 0; }
.src-text { line-height: 1.5; }
.src-links { font-size: 0.9em; margin-top: 6px; }
.src-related-name { font-weight: 600; margin-top: 14px; }
.src-related { border-style: dashed; }
.src-links-name { font-weight: 600; }
.src-link { display: inline-block; margin: 2px 6px 2px 0; vertical-align: top; }
.src-link[open] { display: block; border-left: 3px solid var(--border-color-primary); padding-left: 8px; }
.src-link summary { cursor: pointer; text-decoration: underline; }
.src-text mark { background: #ffe58a; color: #111; padding: 0 2px; border-radius: 2px; }
.sources-empty { color: var(--body-text-color-subdued); padding: 12px; }
.disclaimer { font-size: 0.85em; color: var(--body-text-color-subdued); }
#sources-panel { max-height: 75vh; overflow-y: auto; }
@media (max-width: 800px) { #sources-panel { max-height: none; } }
"""


def _theme():
    fonts = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"]
    return gr.themes.Default(font=fonts, font_mono=["ui-monospace", "monospace"])  # no web fonts fetched


def build_app(bot: Assistant, feedback: FeedbackStore) -> gr.Blocks:
    """The page: a tab per task, and the /ask API for scripts."""
    with gr.Blocks(title="Gender Justice Assistant", analytics_enabled=False) as app:
        turns = gr.State([])  # this browser's conversation
        gr.Markdown(HEADER)
        with gr.Tabs() as tabs:
            question = ask_tab(app, bot, feedback, turns)
            checklist_tab(bot)
            workshop_tab(bot, question, tabs)
            about_tab(bot)
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


def serve(settings, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None,
          block: bool = True) -> gr.Blocks:
    """Start the web app. A host other than localhost requires credentials ("user:password"). Its temporary
    files live in a private folder removed when it stops (`assistant.ui.tempfiles`)."""
    credentials = credentials_for(host, auth)
    files = ServerFiles()  # before the app is built: each component reads Gradio's temporary folder
    try:
        bot = Assistant.open(settings)
        feedback = FeedbackStore(settings.feedback_db)
        app = build_app(bot, feedback)
        app.queue(default_concurrency_limit=settings.ui_concurrency, max_size=settings.ui_queue_size)
        auth, app_kwargs = None, {}
        if credentials:  # failed logins are limited per address and logged
            guard = LoginGuard(*credentials, max_failures=settings.login_max_failures,
                               window=settings.login_window_seconds)
            auth, app_kwargs = guard.check, {"middleware": [Middleware(LoginLimit, guard=guard)]}
            log_to_stderr()
        app.launch(server_name=host, server_port=port, auth=auth, app_kwargs=app_kwargs, share=False,
                   prevent_thread_lock=not block, show_error=False, quiet=not block, theme=_theme(), css=CSS,
                   footer_links=[], ssr_mode=False, max_file_size=f"{settings.upload_max_mb:g}mb")
    except BaseException:
        files.close()
        raise
    if block:  # the server has stopped
        files.close()
    else:
        atexit.register(files.close)
    return app
