"""The "Your documents" section of the Ask tab: upload a file to search it with the corpus, or remove one."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from assistant.core import Assistant
from assistant.errors import AssistantError
from assistant.ui.render import _escape_markdown, uploads_markdown
from assistant.ui.tempfiles import discard_posted


def documents_section(app: gr.Blocks, bot: Assistant) -> None:
    """The uploads accordion; `app` refreshes its list on every page load (others may have changed it)."""
    with gr.Accordion("Your documents", open=False, elem_id="uploads"):
        gr.Markdown(f"Upload a PDF, Markdown or text file (at most {bot.settings.upload_max_mb:g} MB) "
                    "to search it with the corpus. It stays on this machine, and everyone using "
                    "this instance can search it until it is removed.")
        upload_file = gr.File(label="Document", file_types=[".pdf", ".md", ".txt"],
                              type="filepath", elem_id="upload-file")
        upload_title = gr.Textbox(placeholder="Title used in citations (optional)", show_label=False,
                                  max_length=120, elem_id="upload-title")
        upload_button = gr.Button("Add to my documents", size="sm", elem_id="upload-button")
        upload_status = gr.Markdown(elem_id="upload-status")
        uploads_list = gr.Markdown(uploads_markdown(bot.uploads.list()), elem_id="uploads-list")
        with gr.Row():
            upload_choice = gr.Dropdown(choices=[], label="Remove a document", scale=3, elem_id="upload-choice")
            remove_button = gr.Button("Remove", size="sm", scale=1, elem_id="remove-upload")

    def uploads_view():
        """The uploads list and the choices of the remove menu, from one reading of the registry."""
        documents = bot.uploads.list()
        return uploads_markdown(documents), gr.update(choices=[(f"{d.title} ({d.id})", d.id) for d in documents],
                                                     value=None)

    def add_upload(file_path: str | None, title: str):
        if not file_path:
            return uploads_markdown(bot.uploads.list()), gr.update(), "Choose a PDF, Markdown or text file first.", None
        try:
            document = bot.uploads.add_file(Path(file_path), title=title or None, original_name=Path(file_path).name)
        except AssistantError as exc:
            return uploads_markdown(bot.uploads.list()), gr.update(), f"⚠️ {_escape_markdown(str(exc))}", None
        finally:  # the posted copy is not kept: the uploads store has its own (or refused it)
            discard_posted(file_path)
        added = (f"Added “{_escape_markdown(document.title)}” ({document.units} units). Ask about it in the chat; "
                 f"it is cited as “{_escape_markdown(document.short_title)}, …”.")
        return (*uploads_view(), added, None)

    def remove_upload(document_id: str | None):
        if not document_id:
            return uploads_markdown(bot.uploads.list()), gr.update(), "Choose a document to remove."
        try:
            document = bot.uploads.remove(document_id)
        except AssistantError as exc:
            return (*uploads_view(), f"⚠️ {_escape_markdown(str(exc))}")
        return (*uploads_view(), f"Removed “{_escape_markdown(document.title)}”.")

    view = [uploads_list, upload_choice, upload_status]
    upload_button.click(add_upload, [upload_file, upload_title], [*view, upload_file], api_name=False)
    remove_button.click(remove_upload, [upload_choice], view, api_name=False)
    app.load(uploads_view, None, [uploads_list, upload_choice], api_name=False)
