"""The /ask endpoint for scripts: one question in, the Answer out as JSON."""

# No `from __future__ import annotations` here: gr.api reads the return annotation as it is, and a string
# would make the API docs say "Any" instead of a JSON object.

import gradio as gr

from assistant.core import Assistant
from assistant.errors import AssistantError


def ask_api(bot: Assistant) -> None:
    """Add the /ask endpoint to the Blocks being built."""

    def ask(question: str, doc: str = "") -> dict:
        """One question → the Answer as JSON, or {"error": message} for input it cannot answer.

        Parameters:
            question: the question
            doc: the id of the one document to search, or "" for all
        """
        try:
            return bot.ask(question, doc=doc or None).model_dump()
        except AssistantError as exc:
            return {"error": str(exc)}

    gr.api(ask, api_name="ask")
