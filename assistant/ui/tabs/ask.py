"""The Ask tab: the chat and its Sources panel, with topic starters, filters, transcript export,
"Your documents" and feedback on the latest answer."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from assistant.core import Assistant
from assistant.errors import AssistantError, InvalidQuestionError
from assistant.feedback import RATINGS, FeedbackStore
from assistant.models import Answer, Draft, Turn
from assistant.private import write_private
from assistant.ui.checklist import crimes_of
from assistant.ui.render import (
    _escape_markdown,
    chat_markdown,
    linked_markdown,
    sources_panel_html,
    transcript_markdown,
    turn_sources_html,
)
from assistant.ui.tabs.documents import documents_section
from assistant.ui.tempfiles import private_export_path

STREAM_PAUSE = 0.01  # seconds between streamed updates of an extractive answer
UPLOADS_LABEL = "Your uploaded documents"
UPLOADS = "uploads"  # the filter value for every uploaded document (assistant.core.UPLOADS)

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


@dataclass
class AskTab:
    """What other tabs use: the question box, the chat and its state, and the handler that asks."""

    question: gr.Textbox
    chatbot: gr.Chatbot
    turns: gr.State
    docs: gr.CheckboxGroup
    sources: gr.HTML
    respond: Callable

    @property
    def inputs(self) -> list:
        return [self.chatbot, self.turns, self.docs]

    @property
    def outputs(self) -> list:
        return [self.question, self.chatbot, self.turns, self.sources]


def ask_tab(app: gr.Blocks, bot: Assistant, feedback: FeedbackStore, turns: gr.State) -> AskTab:
    """Build the tab and return what the Workshop tab needs to ask in the chat.

    `turns` holds the answers of the conversation, as dicts; it is created outside the tabs, where a
    component that is not a tab does not upset the tab bar."""
    short_titles = {s.id: s.short_title for s in bot.sources}
    instruments = [(short_titles[d], d) for d in bot.indexed_documents] + [(UPLOADS_LABEL, UPLOADS)]
    every = [d for _, d in instruments]
    with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False, elem_id="ask-row"):
        with gr.Column(scale=3, min_width=320, elem_id="chat-column"):
            chatbot = gr.Chatbot(label="Conversation", show_label=False, height=360, elem_id="chat",
                                 buttons=["copy"], feedback_options=None, sanitize_html=True, layout="panel",
                                 autoscroll=False,  # app.js keeps a new question and its answer's start in view
                                 placeholder="Ask about sexual, reproductive or gender-based crimes "
                                             "in international criminal law.")
            with gr.Row(elem_id="ask-box"):
                question = gr.Textbox(placeholder="Type your question", show_label=False,
                                      scale=5, max_lines=6, elem_id="question", max_length=4000)
                send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask-button")
            with gr.Row(elem_id="chat-actions"):
                new_chat = gr.Button("New conversation", size="sm", elem_id="new-chat")
                export_button = gr.Button("Export transcript (Markdown)", size="sm", elem_id="export")
            gr.HTML("<a class='to-sources' href='#sources-panel'>Sources of the answers ↓</a>",
                    elem_id="to-sources", padding=False)
            transcript = gr.File(label="Transcript", elem_id="transcript", interactive=False, visible=False)
            with gr.Row(equal_height=False):  # two sections a row: the main actions fit a laptop's screen
                with gr.Column(min_width=280):
                    with gr.Accordion(filters_label(every, instruments), open=False, elem_id="filters") as filters:
                        docs = gr.CheckboxGroup(choices=instruments, value=every, show_label=False,
                                                elem_id="doc-filter")
                with gr.Column(min_width=280):
                    documents_section(app, bot)
            with gr.Row(equal_height=False):
                with gr.Column(min_width=280):
                    _feedback_section(feedback, turns)
                with gr.Column(min_width=280):
                    _topic_starters(question)
        with gr.Column(scale=2, min_width=300, elem_id="sources-column"):
            gr.Markdown("### Sources", elem_id="sources-title")
            sources = gr.HTML(sources_panel_html([]), elem_id="sources-panel")

    respond = _responder(bot, instruments)
    tab = AskTab(question, chatbot, turns, docs, sources, respond)
    ask_inputs = [question, *tab.inputs]
    question.submit(respond, ask_inputs, tab.outputs, api_name="ask_chat")
    send.click(respond, ask_inputs, tab.outputs, api_name=False)
    docs.change(lambda chosen: gr.update(label=filters_label(chosen, instruments)), [docs], [filters],
                api_name=False)
    cleared = [chatbot, turns, sources, transcript, docs]
    new_chat.click(lambda: _clear(every), None, cleared, api_name=False)
    chatbot.clear(lambda: _clear(every), None, cleared, api_name=False)  # the chat's own Clear button
    export_button.click(lambda t: _export(t, bot), [turns], [transcript], api_name="export")
    return tab


def filters_label(chosen: list[str], instruments: list[tuple[str, str]]) -> str:
    """The filter accordion's title says which instruments are searched, so it shows while closed."""
    if len(chosen) == len(instruments):
        return "Filters: all instruments searched"
    if not chosen:
        return "Filters: no instrument chosen"
    names = [name for name, value in instruments if value in chosen]
    return f"Filters: searching only {', '.join(names)}"


def _topic_starters(question: gr.Textbox) -> None:
    with gr.Accordion("Topic starters", open=False, elem_id="starters"):
        for topic, examples in TOPIC_STARTERS.items():
            gr.Examples(examples=[[q] for q in examples], inputs=[question], label=topic)


def _responder(bot: Assistant, instruments: list[tuple[str, str]]):
    """The chat handler: streams the answer into the chat, then shows its sources beside those of the
    earlier answers. A question it cannot take is a notice, and the chat is left as it was."""
    names = {value: name for name, value in instruments}

    def respond(message: str, chat: list, turns: list, docs: list[str]):
        question = (message or "").strip()
        chat = list(chat or [])
        turns = list(turns or [])
        try:
            if not docs:
                raise InvalidQuestionError("Choose at least one instrument to search (Filters).")
            if list(docs) == [UPLOADS] and not bot.uploads.list():
                raise InvalidQuestionError("No documents are uploaded yet: add one under “Your documents”, or "
                                           "choose an instrument to search under Filters.")
            selected = None if len(docs) == len(instruments) else docs
            history = [Turn.of(Answer(**t["answer"])) for t in turns][-3:] or None
            events = bot.ask_stream(question, doc=selected, history=history)
            first = next(events)  # bad input fails here, before the chat changes
        except AssistantError as exc:
            gr.Info(_sentence(str(exc)), title="Notice")
            yield gr.update(), gr.update(), turns, gr.update()
            return
        turn = len(turns) + 1  # the question shows with the first draft (there is nothing to show before it)
        chat += [{"role": "user", "content": _escape_markdown(question)}, {"role": "assistant", "content": "…"}]
        answer = None
        for event in itertools.chain([first], events):
            if isinstance(event, Draft):
                chat[-1] = {"role": "assistant", "content": linked_markdown(event.text, turn) + " …"}
                yield "", chat, turns, gr.update()
                if bot.generator is None:
                    time.sleep(STREAM_PAUSE)
            else:
                answer = event
        checklists = crimes_of(answer, bot.store, bot.sources)
        chat[-1] = {"role": "assistant", "content": chat_markdown(answer, turn, checklists)}
        units = [bot.unit(c.doc, c.unit) for c in answer.citations]
        links = [bot.linked_provisions(c.doc, c.unit) for c in answer.citations]
        related = [bot.unit(r.doc, r.unit) for r in answer.related]
        filters = None if selected is None else [names[d] for d in docs]
        turns.append({"answer": answer.model_dump(), "filters": filters,
                      "sources": turn_sources_html(answer, units, turn, links, related)})
        yield "", chat, turns, sources_panel_html([t["sources"] for t in turns])

    return respond


def _sentence(message: str) -> str:
    message = message.strip()
    return message[:1].upper() + message[1:] + ("" if message.endswith((".", "?", "!")) else ".")


def _clear(every: list[str]):
    """A new conversation: no answers, no sources, every instrument searched again."""
    return [], [], sources_panel_html([]), gr.update(value=None, visible=False), list(every)


def _export(turns: list, bot: Assistant):
    if not turns:
        gr.Info("Nothing to export yet: ask a question first.", title="Notice")
        return gr.update()
    path = private_export_path("gender-justice-assistant-transcript.md")  # removed when the server stops
    write_private(path, transcript_markdown(turns, [s for s in bot.sources if s.id in bot.indexed_documents]))
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
