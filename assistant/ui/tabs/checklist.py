"""The Elements checklist tab: pick a crime, tick its elements (kept per crime for the session), read the
provisions that define and prove it, and keep the checklist as Markdown or print it. An answer about a crime
opens the tab on it (`checklist_opener`)."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from assistant.core import Assistant
from assistant.private import write_private
from assistant.ui.checklist import build_checklist, checklist_html, checklist_markdown, crimes
from assistant.ui.tempfiles import private_export_path

DEFAULT_CRIME = "art. 7(1)(g)-1"  # rape as a crime against humanity, shown when the tab opens


@dataclass
class ChecklistTab:
    """What opens the tab on a crime: its picker and the crimes it offers."""

    crime: gr.Dropdown
    locators: list[str]


def checklist_tab(bot: Assistant) -> ChecklistTab:
    choices = crimes(bot.store)
    locators = [locator for _, locator in choices]
    first = DEFAULT_CRIME if DEFAULT_CRIME in locators else (locators[0] if locators else None)
    short_titles = {s.id: s.short_title for s in bot.sources}

    def view(locator: str | None, ticks: dict):
        if not locator:
            return gr.update(choices=[], value=[]), "*Choose a crime to see its elements.*", ""
        checklist = build_checklist(bot.store, bot.sources, locator)
        header = (f"### {checklist.title}\n\nElements of Crimes, **{checklist.crime.unit}** "
                  f"(PDF p. {checklist.crime.page}). Tick each element as the evidence covers it.")
        labels = checklist.element_labels()
        ticked = [label for label in (ticks or {}).get(locator, []) if label in labels]
        return gr.update(choices=labels, value=ticked), header, checklist_html(checklist, short_titles)

    opening = view(first, {})
    with gr.Tab("Elements checklist", id="checklist"):
        ticks = gr.State({})  # locator → the elements ticked, for this browser's session
        crime = gr.Dropdown(choices=choices, value=first, label="Crime (type to search)", elem_id="crime-picker",
                            elem_classes=["searchable-picker"])
        with gr.Column(elem_id="checklist-print"):
            header = gr.Markdown(opening[1], elem_id="checklist-header")
            elements = gr.CheckboxGroup(choices=opening[0]["choices"], value=[], label="Elements",
                                        elem_id="elements", interactive=True)
            with gr.Row(elem_classes=["no-print"]):
                download = gr.Button("Download checklist (Markdown)", size="sm", elem_id="checklist-export")
                gr.Button("Print checklist", size="sm", elem_id="checklist-printout").click(
                    None, None, None, js="() => window.print()")
            kept = gr.File(label="Checklist", interactive=False, visible=False, elem_id="checklist-file",
                           elem_classes=["no-print"])
            panel = gr.HTML(opening[2], elem_id="checklist-panel")

    def tick(locator: str | None, ticked: list[str], ticks: dict):
        return {**(ticks or {}), locator: list(ticked)} if locator else ticks

    def export(locator: str | None, ticked: list[str]):
        if not locator:
            gr.Info("Choose a crime first.", title="Notice")
            return gr.update()
        checklist = build_checklist(bot.store, bot.sources, locator)
        name = "elements-checklist-" + "".join(c if c.isalnum() else "-" for c in locator).strip("-") + ".md"
        path = private_export_path(name)  # removed when the server stops
        write_private(path, checklist_markdown(checklist, short_titles, ticked))
        return gr.update(value=str(path), visible=True)

    crime.change(view, [crime, ticks], [elements, header, panel], api_name="checklist")
    crime.change(lambda: gr.update(value=None, visible=False), None, [kept], api_name=False)
    elements.input(tick, [crime, elements, ticks], [ticks], api_name=False)
    download.click(export, [crime, elements], [kept], api_name=False)
    return ChecklistTab(crime, locators)


def checklist_opener(tab: ChecklistTab, tabs: gr.Tabs) -> None:
    """A link `#checklist:<locator>` (under an answer about a crime, on a crime's source card) opens the tab on
    that crime: app.js writes the locator into a hidden box and presses a hidden button."""
    request = gr.Textbox(visible="hidden", elem_id="checklist-request", show_label=False, label="Crime to open")
    go = gr.Button("Open the elements checklist", visible="hidden", elem_id="checklist-open")

    def open_on(locator: str):
        if locator not in tab.locators:
            gr.Info("This crime has no elements checklist.", title="Notice")
            return gr.update(), gr.update()
        return gr.Tabs(selected="checklist"), gr.update(value=locator)

    go.click(open_on, [request], [tabs, tab.crime], api_name=False)
