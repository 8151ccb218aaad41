"""The Workshop tab: a scenario set's facts and exercises for participants (a presenter view in large type for a
projector), trainer notes only when the trainer opens them, and an exercise asked in the chat at once."""

from __future__ import annotations

import re

import gradio as gr

from assistant.core import Assistant
from assistant.ui.tabs.ask import AskTab
from assistant.ui.workshops import Scenario, load_scenarios

SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[A-Z“\"‘(])")
PARAGRAPH_CHARS = 260  # a fact pattern is shown in paragraphs of about this length, whole sentences each


def workshop_tab(bot: Assistant, ask: AskTab, tabs: gr.Tabs) -> None:
    """Build the tab; "Ask this in the chat" switches `tabs` to the Ask tab and asks the exercise there."""
    scenarios = load_scenarios()
    first = next(iter(scenarios.values()), None)
    with gr.Tab("Workshop", id="workshop"), gr.Column(elem_id="workshop-view"):
        with gr.Row():
            scenario = gr.Dropdown(choices=[(s.title, s.id) for s in scenarios.values()],
                                   value=first.id if first else None, label="Scenario set", scale=3,
                                   elem_id="scenario-picker", elem_classes=["searchable-picker"])
            presenter = gr.Checkbox(label="Presenter view (large type for a projector)", value=False, scale=1,
                                    elem_id="presenter-toggle")
            trainer = gr.Checkbox(label="Show trainer notes", value=False, scale=1, elem_id="trainer-toggle")
        scenario_text = gr.Markdown(scenario_markdown(first) if first else "", elem_id="scenario-text")
        exercise = gr.Radio(choices=_exercise_choices(first) if first else [], value=None,
                            label="Exercises: choose one, then ask it in the chat", elem_id="exercises")
        with gr.Row():
            to_chat = gr.Button("Ask this in the chat", variant="primary", elem_id="exercise-to-chat")
        with gr.Group(visible=False, elem_id="trainer-notes") as notes_box:
            gr.Markdown("#### Trainer notes")
            notes = gr.Markdown("*Choose an exercise to see its hint and the provisions a good answer cites.*")

    short_titles = {s.id: s.short_title for s in bot.sources}

    def show_scenario(scenario_id: str | None):
        if not scenario_id:
            return "*Choose a scenario set.*", gr.update(choices=[], value=None), ""
        s = scenarios[scenario_id]
        return scenario_markdown(s), gr.update(choices=_exercise_choices(s), value=None), trainer_notes(None, None)

    def trainer_notes(scenario_id: str | None, exercise: str | None):
        if not scenario_id or not exercise:
            return "*Choose an exercise to see its hint and the provisions a good answer cites.*"
        e = scenarios[scenario_id].exercises[int(exercise) - 1]
        cites = ", ".join(f"{short_titles.get(d, d)}, {u}" for d, u in e.pinpoints)
        return f"**Hint:** {e.hint}\n\n**A good answer cites:** {cites}"

    def ask_exercise(scenario_id: str | None, exercise: str | None, chat: list, turns: list, docs: list[str]):
        if not scenario_id or not exercise:
            gr.Info("Choose an exercise first.", title="Notice")
            yield gr.update(), gr.update(), turns, gr.update(), gr.update()
            return
        question = scenarios[scenario_id].exercises[int(exercise) - 1].question
        for update in ask.respond(question, chat, turns, docs):
            yield (*update, gr.Tabs(selected="ask"))

    scenario.change(show_scenario, [scenario], [scenario_text, exercise, notes], api_name=False)
    exercise.change(trainer_notes, [scenario, exercise], [notes], api_name=False)
    presenter.change(None, [presenter], None, api_name=False,  # in the browser: only the type size changes
                     js="(on) => { document.querySelector('#workshop-view').classList.toggle('presenter', on); }")
    trainer.change(lambda on: gr.update(visible=on), [trainer], [notes_box], api_name=False)
    to_chat.click(ask_exercise, [scenario, exercise, *ask.inputs], [*ask.outputs, tabs], api_name=False)


def _exercise_choices(s: Scenario) -> list[tuple[str, str]]:
    return [(f"{n}. {e.question}", str(n)) for n, e in enumerate(s.exercises, start=1)]


def paragraphs(text: str, size: int = PARAGRAPH_CHARS) -> list[str]:
    """The text in short paragraphs of whole sentences (a paragraph the author made stays one or more)."""
    result = []
    for block in re.split(r"\n\s*\n", text.strip()):
        current = ""
        for sentence in SENTENCE_END.split(" ".join(block.split())):
            if current and len(current) + len(sentence) > size:
                result.append(current)
                current = sentence
            else:
                current = f"{current} {sentence}".strip()
        if current:
            result.append(current)
    return result


def scenario_markdown(s: Scenario) -> str:
    facts = "\n\n".join(paragraphs(s.fact_pattern))
    return (f"### {s.title}\n\n*{s.level}* — {s.summary}\n\n#### Facts\n\n{facts}\n\n"
            "#### Discussion\n\n" + "\n".join(f"- {d}" for d in s.discussion))
