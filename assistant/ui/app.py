"""The Gradio Blocks app. Build it with `build_app(assistant, feedback)`; run it with `serve()`."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported

import gradio as gr  # noqa: E402

from assistant.core import Assistant  # noqa: E402
from assistant.errors import AssistantError, InvalidQuestionError  # noqa: E402
from assistant.feedback import RATINGS, FeedbackStore  # noqa: E402
from assistant.models import Answer, Draft  # noqa: E402
from assistant.ui.checklist import build_checklist, checklist_html, crimes  # noqa: E402
from assistant.ui.render import (  # noqa: E402
    _escape_markdown,
    chat_markdown,
    linked_markdown,
    sources_html,
    transcript_markdown,
    uploads_markdown,
)
from assistant.uploads import UploadError  # noqa: E402
from assistant.ui.workshops import load_scenarios  # noqa: E402

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
STREAM_PAUSE = 0.01  # seconds between streamed updates of an extractive answer
UPLOADS_LABEL = "Your uploaded documents"

TOPIC_STARTERS = {
    "Sexual violence": [
        "Which sexual and gender-based acts can amount to a crime against humanity?",
        "What must the prosecution prove for rape as a crime against humanity?",
        "Does a survivor's silence count as consent at the ICC?",
    ],
    "Reproductive violence": [
        "What is forced pregnancy under the Rome Statute?",
        "Is consent obtained through deception genuine consent to sterilization?",
        "Is imposing measures to prevent births within a group genocide?",
    ],
    "Gender persecution": [
        "How does the Rome Statute define gender?",
        "What are the elements of persecution on gender grounds?",
        "What does persecution mean under the Rome Statute?",
    ],
    "Gender apartheid": [
        "How does the Rome Statute define the crime of apartheid?",
        "What does WIGJ mean by gender apartheid?",
    ],
    "Intersectionality": [
        "Must the ICC apply the law without adverse distinction based on gender?",
        "What does WIGJ mean by intersectionality?",
        "Which victims and witnesses must the Court take particular care of?",
    ],
}

CSS = """
.gradio-container { max-width: 1400px !important; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px; margin: 8px 0;
            background: var(--background-fill-secondary); }
.src-card summary { cursor: pointer; }
.src-marker { font-weight: 700; color: var(--color-accent); }
.src-heading { font-size: 0.85em; color: var(--body-text-color-subdued); margin: 4px 0; }
.src-context { font-size: 0.85em; font-style: italic; margin: 4px 0; }
.src-text { line-height: 1.5; }
.src-text mark { background: #ffe58a; color: #111; padding: 0 2px; border-radius: 2px; }
.sources-empty { color: var(--body-text-color-subdued); padding: 12px; }
.disclaimer { font-size: 0.85em; color: var(--body-text-color-subdued); }
#sources-panel { max-height: 75vh; overflow-y: auto; }
@media (max-width: 800px) { #sources-panel { max-height: none; } }
"""


def _theme():
    fonts = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"]
    return gr.themes.Default(font=fonts, font_mono=["ui-monospace", "monospace"])  # no web fonts fetched


def about_markdown(bot: Assistant) -> str:
    from assistant.corpus.sync import document_status

    indexed = set(bot.indexed_documents)
    rows = []
    missing = []
    for result in document_status(bot.sources, bot.settings.documents_path):
        source = result.source
        state = "indexed" if source.id in indexed else ("synced, not indexed" if result.available else "not available")
        rows.append(f"| {source.short_title} | {source.title} | {source.version or '–'} | {state} |")
        if source.id not in indexed:
            missing.append(f"- **{source.title}** — {source.note or 'not in this corpus'} Official source: {source.url}")
    parts = [
        "## About the corpus", "",
        "**This assistant gives legal information, not legal advice.** It quotes the texts below and cites "
        "each quote with a pinpoint you can check; it does not know the facts of a case, judgments, or the "
        "law of any country. When the corpus does not address a question it says so.", "",
        "| short title | document | version | status |", "|---|---|---|---|", *rows, "",
    ]
    if missing:
        parts += ["### Not in the corpus here", "",
                  "These documents are listed in the manifest but not available on this machine, so questions "
                  "about them are declined. An administrator can add them (README, *Corpus management*).", "",
                  *missing, ""]
    parts += ["### Privacy", "",
              "Questions, answers and documents stay on this machine: nothing is sent to any service, and "
              "questions are not logged. Feedback you send with the buttons under the chat is stored locally "
              "for the people who evaluate this assistant.", ""]
    return "\n".join(parts)


def build_app(bot: Assistant, feedback: FeedbackStore) -> gr.Blocks:
    short_titles = {s.id: s.short_title for s in bot.sources}
    instrument_choices = [(short_titles[d], d) for d in bot.indexed_documents] + [(UPLOADS_LABEL, "uploads")]
    scenarios = load_scenarios()
    crime_choices = crimes(bot.store)

    def respond(message: str, chat: list, turns: list, docs: list[str]):
        question = (message or "").strip()
        chat = list(chat or [])
        turns = list(turns or [])
        try:
            if not docs:
                raise InvalidQuestionError("choose at least one instrument to search (Filters)")
            selected = None if len(docs) == len(instrument_choices) else docs
            history = [t["answer"]["question"] for t in turns][-3:] or None
            events = bot.ask_stream(question, doc=selected, history=history)
            first = next(events)  # bad input fails here, before the chat changes
        except AssistantError as exc:
            chat += [{"role": "user", "content": _escape_markdown(question) or "(empty)"},
                     {"role": "assistant", "content": f"⚠️ {_escape_markdown(str(exc))}"}]
            yield message, chat, turns, gr.update()
            return
        turn = len(turns) + 1
        chat += [{"role": "user", "content": _escape_markdown(question)}, {"role": "assistant", "content": "…"}]
        yield "", chat, turns, gr.update()
        answer = None
        for event in _chain(first, events):
            if isinstance(event, Draft):
                chat[-1] = {"role": "assistant", "content": linked_markdown(event.text, turn) + " …"}
                yield "", chat, turns, gr.update()
                if bot.generator is None:
                    time.sleep(STREAM_PAUSE)
            else:
                answer = event
        chat[-1] = {"role": "assistant", "content": chat_markdown(answer, turn)}
        turns.append({"answer": answer.model_dump()})
        units = [bot.unit(c.doc, c.unit) for c in answer.citations]
        yield "", chat, turns, sources_html(answer, units, turn)

    def add_upload(file_path: str | None, title: str):
        if not file_path:
            return uploads_markdown(bot.uploads.list()), gr.update(), "Choose a PDF, Markdown or text file first."
        try:
            document = bot.uploads.add_file(Path(file_path), title=title or None, original_name=Path(file_path).name)
        except AssistantError as exc:
            return uploads_markdown(bot.uploads.list()), gr.update(), f"⚠️ {_escape_markdown(str(exc))}"
        return (*uploads_view(), f"Added “{_escape_markdown(document.title)}” ({document.units} units). Ask about "
                f"it in the chat; it is cited as “{_escape_markdown(document.short_title)}, …”.")

    def remove_upload(document_id: str | None):
        if not document_id:
            return uploads_markdown(bot.uploads.list()), gr.update(), "Choose a document to remove."
        try:
            document = bot.uploads.remove(document_id)
        except UploadError as exc:
            return (*uploads_view(), f"⚠️ {_escape_markdown(str(exc))}")
        return (*uploads_view(), f"Removed “{_escape_markdown(document.title)}”.")

    def uploads_view():
        """The uploads list and the choices of the remove menu, from one reading of the registry."""
        documents = bot.uploads.list()
        return uploads_markdown(documents), gr.update(choices=[(f"{d.title} ({d.id})", d.id) for d in documents],
                                                     value=None)

    def clear():
        return [], [], sources_html(None, [], 0), gr.update(value=None, visible=False)

    def export(turns: list):
        if not turns:
            raise gr.Error("Nothing to export yet: ask a question first.")
        folder = Path(tempfile.mkdtemp(prefix="transcript-"))
        path = folder / "gender-justice-assistant-transcript.md"
        path.write_text(transcript_markdown(turns), encoding="utf-8")
        return gr.update(value=str(path), visible=True)

    def send_feedback(rating: str, comment: str, turns: list):
        if not turns:
            return "Ask a question first: feedback is about the latest answer."
        if rating not in RATINGS:
            return "Choose *helpful* or *wrong or missing citation*."
        answer = Answer(**turns[-1]["answer"])
        number = feedback.add(rating, comment or "", answer.question, answer.answer,
                              [c.model_dump() for c in answer.citations])
        return f"Thank you — feedback #{number} saved on this machine."

    def show_checklist(locator: str | None):
        if not locator:
            return gr.update(choices=[], value=[]), "", ""
        checklist = build_checklist(bot.store, locator)
        header = (f"### {checklist.title}\n\nElements of Crimes, **{checklist.crime.unit}** "
                  f"(PDF p. {checklist.crime.page}). Tick each element as the evidence covers it.")
        return (gr.update(choices=checklist.element_labels(), value=[]), header,
                checklist_html(checklist, short_titles))

    def show_scenario(scenario_id: str | None):
        if not scenario_id:
            return "", gr.update(choices=[], value=None), ""
        s = scenarios[scenario_id]
        text = (f"### {s.title}\n\n*{s.level}* — {s.summary}\n\n#### Facts\n\n{s.fact_pattern}\n\n"
                "#### Discussion\n\n" + "\n".join(f"- {d}" for d in s.discussion))
        choices = [(f"{n}. {e.question}", str(n)) for n, e in enumerate(s.exercises, start=1)]
        return text, gr.update(choices=choices, value=None), ""

    def trainer_notes(scenario_id: str | None, exercise: str | None):
        if not scenario_id or not exercise:
            return ""
        e = scenarios[scenario_id].exercises[int(exercise) - 1]
        cites = ", ".join(f"{short_titles.get(d, d)}, {u}" for d, u in e.pinpoints)
        return f"**Hint:** {e.hint}\n\n**A good answer cites:** {cites}"

    def exercise_to_chat(scenario_id: str | None, exercise: str | None):
        if not scenario_id or not exercise:
            raise gr.Error("Choose an exercise first.")
        question = scenarios[scenario_id].exercises[int(exercise) - 1].question
        return question, gr.Tabs(selected="ask")

    with gr.Blocks(title="Gender Justice Assistant", analytics_enabled=False) as app:
        turns = gr.State([])
        gr.Markdown("# Gender Justice Assistant\n<span class='disclaimer'>Answers quote international criminal "
                    "law texts with pinpoint citations. Legal information, not legal advice.</span>")
        with gr.Tabs() as tabs:
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=320):
                        chatbot = gr.Chatbot(label="Conversation", show_label=False, height=460, elem_id="chat", buttons=["copy"],
                                             feedback_options=None, sanitize_html=True, layout="panel",
                                             placeholder="Ask about sexual, reproductive or gender-based crimes "
                                                         "in international criminal law.")
                        with gr.Row():
                            question = gr.Textbox(placeholder="Type a question and press Enter", show_label=False,
                                                  scale=5, max_lines=6, elem_id="question", max_length=4000)
                            send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask-button")
                        with gr.Accordion("Topic starters", open=False, elem_id="starters"):
                            for topic, examples in TOPIC_STARTERS.items():
                                gr.Examples(examples=[[q] for q in examples], inputs=[question], label=topic)
                        with gr.Accordion("Filters: instruments searched", open=False, elem_id="filters"):
                            docs = gr.CheckboxGroup(choices=instrument_choices,
                                                    value=[d for _, d in instrument_choices],
                                                    show_label=False, elem_id="doc-filter")
                        with gr.Row():
                            new_chat = gr.Button("New conversation", size="sm")
                            export_button = gr.Button("Export transcript (Markdown)", size="sm", elem_id="export")
                        transcript = gr.File(label="Transcript", elem_id="transcript", interactive=False, visible=False)
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
                                upload_choice = gr.Dropdown(choices=[], label="Remove a document", scale=3,
                                                            elem_id="upload-choice")
                                remove_button = gr.Button("Remove", size="sm", scale=1, elem_id="remove-upload")
                        with gr.Accordion("Feedback on the latest answer", open=False, elem_id="feedback"):
                            rating = gr.Radio(choices=list(RATINGS), show_label=False)
                            comment = gr.Textbox(placeholder="Optional comment (what is wrong or missing?)",
                                                 show_label=False, max_lines=3)
                            feedback_button = gr.Button("Send feedback", size="sm")
                            feedback_status = gr.Markdown()
                    with gr.Column(scale=2, min_width=300):
                        gr.Markdown("### Sources")
                        sources = gr.HTML(sources_html(None, [], 0), elem_id="sources-panel")
            with gr.Tab("Elements checklist", id="checklist"):
                crime = gr.Dropdown(choices=crime_choices, label="Crime", elem_id="crime-picker")
                checklist_header = gr.Markdown()
                elements = gr.CheckboxGroup(choices=[], label="Elements", elem_id="elements", interactive=True)
                checklist_panel = gr.HTML(elem_id="checklist-panel")
            with gr.Tab("Workshop", id="workshop"):
                scenario = gr.Dropdown(choices=[(s.title, s.id) for s in scenarios.values()],
                                       label="Scenario set", elem_id="scenario-picker")
                scenario_text = gr.Markdown(elem_id="scenario-text")
                exercise = gr.Radio(choices=[], label="Exercises", elem_id="exercises")
                with gr.Row():
                    to_chat = gr.Button("Ask this in the chat", variant="primary", elem_id="exercise-to-chat")
                with gr.Accordion("Trainer notes", open=False):
                    notes = gr.Markdown()
            with gr.Tab("About the corpus", id="about"):
                gr.Markdown(about_markdown(bot), elem_id="about")

        ask_inputs = [question, chatbot, turns, docs]
        ask_outputs = [question, chatbot, turns, sources]
        question.submit(respond, ask_inputs, ask_outputs, api_name="ask_chat")
        send.click(respond, ask_inputs, ask_outputs, api_name=False)
        new_chat.click(clear, None, [chatbot, turns, sources, transcript], api_name=False)
        export_button.click(export, [turns], [transcript], api_name="export")
        feedback_button.click(send_feedback, [rating, comment, turns], [feedback_status], api_name=False)
        crime.change(show_checklist, [crime], [elements, checklist_header, checklist_panel], api_name="checklist")
        scenario.change(show_scenario, [scenario], [scenario_text, exercise, notes], api_name=False)
        exercise.change(trainer_notes, [scenario, exercise], [notes], api_name=False)
        to_chat.click(exercise_to_chat, [scenario, exercise], [question, tabs], api_name=False)
        upload_button.click(add_upload, [upload_file, upload_title], [uploads_list, upload_choice, upload_status],
                            api_name=False)
        remove_button.click(remove_upload, [upload_choice], [uploads_list, upload_choice, upload_status],
                            api_name=False)
        app.load(uploads_view, None, [uploads_list, upload_choice], api_name=False)

        def api_ask(q: str, doc: str = "") -> dict:
            """One question → the Answer as JSON, or {"error": message} for input it cannot answer."""
            try:
                return bot.ask(q, doc=doc or None).model_dump()
            except AssistantError as exc:
                return {"error": str(exc)}

        api_question = gr.Textbox(visible=False)
        api_doc = gr.Textbox(visible=False)
        api_answer = gr.JSON(visible=False)
        api_question.submit(api_ask, [api_question, api_doc], [api_answer], api_name="ask")
    return app


def _chain(first, rest):
    yield first
    yield from rest


def serve(settings, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None,
          block: bool = True) -> gr.Blocks:
    """Start the web app. A host other than localhost requires credentials ("user:password")."""
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
    bot = Assistant.open(settings)
    feedback = FeedbackStore(settings.resolve(settings.feedback_db))
    app = build_app(bot, feedback)
    app.queue(default_concurrency_limit=settings.ui_concurrency, max_size=settings.ui_queue_size)
    app.launch(server_name=host, server_port=port, auth=credentials, share=False, prevent_thread_lock=not block,
               show_error=False, quiet=not block, theme=_theme(), css=CSS, footer_links=[], ssr_mode=False,
               max_file_size=f"{settings.upload_max_mb:g}mb")
    return app
