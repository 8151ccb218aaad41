"""The Elements checklist tab: pick a crime, tick its elements, read the provisions that define and prove it."""

from __future__ import annotations

import gradio as gr

from assistant.core import Assistant
from assistant.ui.checklist import build_checklist, checklist_html, crimes


def checklist_tab(bot: Assistant) -> None:
    with gr.Tab("Elements checklist", id="checklist"):
        crime = gr.Dropdown(choices=crimes(bot.store), label="Crime", elem_id="crime-picker")
        header = gr.Markdown()
        elements = gr.CheckboxGroup(choices=[], label="Elements", elem_id="elements", interactive=True)
        panel = gr.HTML(elem_id="checklist-panel")

    short_titles = {s.id: s.short_title for s in bot.sources}

    def show_checklist(locator: str | None):
        if not locator:
            return gr.update(choices=[], value=[]), "", ""
        checklist = build_checklist(bot.store, bot.sources, locator)
        header = (f"### {checklist.title}\n\nElements of Crimes, **{checklist.crime.unit}** "
                  f"(PDF p. {checklist.crime.page}). Tick each element as the evidence covers it.")
        return (gr.update(choices=checklist.element_labels(), value=[]), header,
                checklist_html(checklist, short_titles))

    crime.change(show_checklist, [crime], [elements, header, panel], api_name="checklist")
