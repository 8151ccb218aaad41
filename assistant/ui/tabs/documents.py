"""The "Your documents" section of the Ask tab: upload a file to search it with the corpus, or remove one."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import gradio as gr

from assistant.core import Assistant
from assistant.errors import AssistantError
from assistant.ui.render import _escape_markdown, uploads_markdown
from assistant.ui.tempfiles import discard_posted
from assistant.uploads import UploadedDocument, UploadProgress

log = logging.getLogger(__name__)
PROGRESS_EVERY = 0.5  # seconds between looks at an upload's progress


class UploadJob:
    """One file being added in a thread of its own; `status` says how far it has got (Markdown)."""

    def __init__(self, bot: Assistant, path: Path, title: str | None) -> None:
        self.status = "Reading the file…"
        self.document: UploadedDocument | None = None
        self.error: AssistantError | None = None
        self.finished = threading.Event()
        self._thread = threading.Thread(target=self._add, args=(bot, path, title), daemon=True, name="upload")
        self._thread.start()

    def _add(self, bot: Assistant, path: Path, title: str | None) -> None:
        try:
            self.document = bot.uploads.add_file(path, title=title, original_name=path.name, progress=self._progress)
        except AssistantError as exc:
            self.error = exc
        except Exception as exc:
            log.exception("upload failed")
            self.error = AssistantError(f"the upload failed ({type(exc).__name__}); nothing was added")
        finally:  # the posted copy is not kept: the uploads store has its own (or refused it)
            discard_posted(str(path))
            self.finished.set()

    def _progress(self, progress: UploadProgress) -> None:
        self.status = progress_markdown(progress)


def progress_markdown(progress: UploadProgress) -> str:
    """The status line while a file is added: "Embedding 320 of 1,200 passages (26%)…"."""
    if progress.stage == "reading":
        return "Reading the file…"
    if progress.stage == "saving":
        return f"Saving {progress.total:,} passages…"
    share = progress.done * 100 // progress.total if progress.total else 100
    return (f"Embedding {progress.done:,} of {progress.total:,} passages ({share}%)… "
            "Questions are answered meanwhile.")


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
        """Add the file in a thread of its own and show how far it has got until it is done; questions are
        answered meanwhile (they only share the CPU with it)."""
        if not file_path:
            yield uploads_markdown(bot.uploads.list()), gr.update(), "Choose a PDF, Markdown or text file first.", None
            return
        job = UploadJob(bot, Path(file_path), title or None)
        shown = None
        while not job.finished.wait(PROGRESS_EVERY):
            if job.status != shown:
                shown = job.status
                yield gr.update(), gr.update(), shown, gr.update()
        if job.error is not None:
            yield uploads_markdown(bot.uploads.list()), gr.update(), f"⚠️ {_escape_markdown(str(job.error))}", None
            return
        document = job.document
        added = (f"Added “{_escape_markdown(document.title)}” ({document.units} units). Ask about it in the chat; "
                 f"it is cited as “{_escape_markdown(document.short_title)}, …”.")
        yield (*uploads_view(), added, None)

    def remove_upload(document_id: str | None):
        if not document_id:
            return uploads_markdown(bot.uploads.list()), gr.update(), "Choose a document to remove."
        try:
            document = bot.uploads.remove(document_id)
        except AssistantError as exc:
            return (*uploads_view(), f"⚠️ {_escape_markdown(str(exc))}")
        return (*uploads_view(), f"Removed “{_escape_markdown(document.title)}”.")

    view = [uploads_list, upload_choice, upload_status]
    upload_button.click(add_upload, [upload_file, upload_title], [*view, upload_file], api_name=False,
                        show_progress="hidden")  # the status line says how far it has got
    remove_button.click(remove_upload, [upload_choice], view, api_name=False)
    app.load(uploads_view, None, [uploads_list, upload_choice], api_name=False)
