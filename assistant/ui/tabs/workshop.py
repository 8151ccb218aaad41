"""The Workshop tab: a scenario set's facts and exercises, trainer notes, and an exercise sent to the chat."""

from __future__ import annotations

import gradio as gr

from assistant.core import Assistant
from assistant.ui.workshops import Scenario, load_scenarios


def workshop_tab(bot: Assistant, question: gr.Textbox, tabs: gr.Tabs) -> None:
    """Build the tab; "Ask this in the chat" fills `question` and switches `tabs` to the Ask tab."""
    scenarios = load_scenarios()
    with gr.Tab("Workshop", id="workshop"):
        scenario = gr.Dropdown(choices=[(s.title, s.id) for s in scenarios.values()],
                               label="Scenario set", elem_id="scenario-picker")
        scenario_text = gr.Markdown(elem_id="scenario-text")
        exercise = gr.Radio(choices=[], label="Exercises", elem_id="exercises")
        with gr.Row():
            to_chat = gr.Button("Ask this in the chat", variant="primary", elem_id="exercise-to-chat")
        with gr.Accordion("Trainer notes", open=False):
            notes = gr.Markdown()

    short_titles = {s.id: s.short_title for s in bot.sources}

    def show_scenario(scenario_id: str | None):
        if not scenario_id:
            return "", gr.update(choices=[], value=None), ""
        s = scenarios[scenario_id]
        choices = [(f"{n}. {e.question}", str(n)) for n, e in enumerate(s.exercises, start=1)]
        return _scenario_markdown(s), gr.update(choices=choices, value=None), ""

    def trainer_notes(scenario_id: str | None, exercise: str | None):
        if not scenario_id or not exercise:
            return ""
        e = scenarios[scenario_id].exercises[int(exercise) - 1]
        cites = ", ".join(f"{short_titles.get(d, d)}, {u}" for d, u in e.pinpoints)
        return f"**Hint:** {e.hint}\n\n**A good answer cites:** {cites}"

    def exercise_to_chat(scenario_id: str | None, exercise: str | None):
        if not scenario_id or not exercise:
            raise gr.Error("Choose an exercise first.")
        return scenarios[scenario_id].exercises[int(exercise) - 1].question, gr.Tabs(selected="ask")

    scenario.change(show_scenario, [scenario], [scenario_text, exercise, notes], api_name=False)
    exercise.change(trainer_notes, [scenario, exercise], [notes], api_name=False)
    to_chat.click(exercise_to_chat, [scenario, exercise], [question, tabs], api_name=False)


def _scenario_markdown(s: Scenario) -> str:
    return (f"### {s.title}\n\n*{s.level}* — {s.summary}\n\n#### Facts\n\n{s.fact_pattern}\n\n"
            "#### Discussion\n\n" + "\n".join(f"- {d}" for d in s.discussion))
