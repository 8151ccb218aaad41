"""The Ask tab: the chat and its Sources panel, with topic starters, filters, transcript export,
"Your documents" and feedback on the latest answer."""

from __future__ import annotations

import itertools
import time

import gradio as gr

from assistant.core import Assistant
from assistant.errors import AssistantError, InvalidQuestionError
from assistant.feedback import RATINGS, FeedbackStore
from assistant.models import Answer, Draft, Turn
from assistant.private import write_private
from assistant.ui.render import _escape_markdown, chat_markdown, linked_markdown, sources_html, transcript_markdown
from assistant.ui.tabs.documents import documents_section
from assistant.ui.tempfiles import private_export_path

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


def ask_tab(app: gr.Blocks, bot: Assistant, feedback: FeedbackStore, turns: gr.State) -> gr.Textbox:
    """Build the tab and return its question box (the Workshop tab fills it).

    `turns` holds the answers of the conversation, as dicts; it is created outside the tabs, where a
    component that is not a tab does not upset the tab bar."""
    short_titles = {s.id: s.short_title for s in bot.sources}
    instruments = [(short_titles[d], d) for d in bot.indexed_documents] + [(UPLOADS_LABEL, "uploads")]
    with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            chatbot = gr.Chatbot(label="Conversation", show_label=False, height=460, elem_id="chat",
                                 buttons=["copy"], feedback_options=None, sanitize_html=True, layout="panel",
                                 placeholder="Ask about sexual, reproductive or gender-based crimes "
                                             "in international criminal law.")
            with gr.Row():
                question = gr.Textbox(placeholder="Type a question and press Enter", show_label=False,
                                      scale=5, max_lines=6, elem_id="question", max_length=4000)
                send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask-button")
            _topic_starters(question)
            with gr.Accordion("Filters: instruments searched", open=False, elem_id="filters"):
                docs = gr.CheckboxGroup(choices=instruments, value=[d for _, d in instruments],
                                        show_label=False, elem_id="doc-filter")
            with gr.Row():
                new_chat = gr.Button("New conversation", size="sm")
                export_button = gr.Button("Export transcript (Markdown)", size="sm", elem_id="export")
            transcript = gr.File(label="Transcript", elem_id="transcript", interactive=False, visible=False)
            documents_section(app, bot)
            _feedback_section(feedback, turns)
        with gr.Column(scale=2, min_width=300):
            gr.Markdown("### Sources")
            sources = gr.HTML(sources_html(None, [], 0), elem_id="sources-panel")

    respond = _responder(bot, len(instruments))
    ask_inputs = [question, chatbot, turns, docs]
    ask_outputs = [question, chatbot, turns, sources]
    question.submit(respond, ask_inputs, ask_outputs, api_name="ask_chat")
    send.click(respond, ask_inputs, ask_outputs, api_name=False)
    new_chat.click(_clear, None, [chatbot, turns, sources, transcript], api_name=False)
    export_button.click(_export, [turns], [transcript], api_name="export")
    return question


def _topic_starters(question: gr.Textbox) -> None:
    with gr.Accordion("Topic starters", open=False, elem_id="starters"):
        for topic, examples in TOPIC_STARTERS.items():
            gr.Examples(examples=[[q] for q in examples], inputs=[question], label=topic)


def _responder(bot: Assistant, instrument_count: int):
    """The chat handler: streams the answer into the chat, then shows its sources."""

    def respond(message: str, chat: list, turns: list, docs: list[str]):
        question = (message or "").strip()
        chat = list(chat or [])
        turns = list(turns or [])
        try:
            if not docs:
                raise InvalidQuestionError("choose at least one instrument to search (Filters)")
            selected = None if len(docs) == instrument_count else docs
            history = [Turn.of(Answer(**t["answer"])) for t in turns][-3:] or None
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
        for event in itertools.chain([first], events):
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
        links = [bot.linked_provisions(c.doc, c.unit) for c in answer.citations]
        related = [bot.unit(r.doc, r.unit) for r in answer.related]
        yield "", chat, turns, sources_html(answer, units, turn, links, related)

    return respond


def _clear():
    return [], [], sources_html(None, [], 0), gr.update(value=None, visible=False)


def _export(turns: list):
    if not turns:
        raise gr.Error("Nothing to export yet: ask a question first.")
    path = private_export_path("gender-justice-assistant-transcript.md")  # removed when the server stops
    write_private(path, transcript_markdown(turns))
    return gr.update(value=str(path), visible=True)


def _feedback_section(feedback: FeedbackStore, turns: gr.State) -> None:
    """Rate the latest answer; the rating is stored in `feedback` on this machine."""
    with gr.Accordion("Feedback on the latest answer", open=False, elem_id="feedback"):
        rating = gr.Radio(choices=list(RATINGS), show_label=False)
        comment = gr.Textbox(placeholder="Optional comment (what is wrong or missing?)", show_label=False,
                             max_lines=3)
        send = gr.Button("Send feedback", size="sm")
        status = gr.Markdown()

    def send_feedback(rating: str, comment: str, turns: list):
        if not turns:
            return "Ask a question first: feedback is about the latest answer."
        if rating not in RATINGS:
            return "Choose *helpful* or *wrong or missing citation*."
        answer = Answer(**turns[-1]["answer"])
        number = feedback.add(rating, comment or "", answer.question, answer.answer,
                              [c.model_dump() for c in answer.citations])
        return f"Thank you — feedback #{number} saved on this machine."

    send.click(send_feedback, [rating, comment, turns], [status], api_name=False)
