"""The About the corpus tab: the documents, their versions and status, and what the assistant is not."""

from __future__ import annotations

import gradio as gr

from assistant.core import Assistant


def about_tab(bot: Assistant) -> None:
    with gr.Tab("About the corpus", id="about"):
        gr.Markdown(about_markdown(bot), elem_id="about")


def about_markdown(bot: Assistant) -> str:
    from assistant.corpus.sync import document_status

    indexed = set(bot.indexed_documents)
    rows = []
    missing = []
    for result in document_status(bot.sources, bot.settings.documents_dir):
        source = result.source
        state = "indexed" if source.id in indexed else ("synced, not indexed" if result.available else "not available")
        rows.append(f"| {source.short_title} | {source.title} | {source.version or '–'} | {state} |")
        if source.id not in indexed:
            note = source.note or "not in this corpus"
            missing.append(f"- **{source.title}** — {note} Official source: {source.url}")
    parts = [
        "## About the corpus", "",
        ("**This assistant gives legal information, not legal advice.** It quotes the texts below and cites "
         "each quote with a pinpoint you can check; it does not know the facts of a case, judgments, or the "
         "law of any country. When the corpus does not address a question it says so."), "",
        "| short title | document | version | status |", "|---|---|---|---|", *rows, "",
    ]
    if missing:
        parts += ["### Not in the corpus here", "",
                  ("These documents are listed in the manifest but not available on this machine, so questions "
                   "about them are declined. An administrator can add them (README, *Corpus management*)."), "",
                  *missing, ""]
    parts += ["### Privacy", "",
              ("Questions, answers and documents stay on this machine: nothing is sent to any service, and "
               "questions are not logged. Feedback you send with the buttons under the chat is stored locally "
               "for the people who evaluate this assistant."), ""]
    return "\n".join(parts)
