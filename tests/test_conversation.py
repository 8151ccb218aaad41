"""Questions in a conversation: a follow-up is read with the conversation, a new question is not."""

from __future__ import annotations

import pytest

from assistant.followups import in_the_conflict_asked, is_follow_up
from assistant.models import Turn
from assistant.ui.render import chat_markdown


@pytest.mark.parametrize("question", [
    "And in a non-international armed conflict?",
    "What about boys?",
    "Does that apply to boys?",
    "Is it also a war crime, or only a crime against humanity?",
    "Is the threshold the same under Additional Protocol II?",
    "Can the national authorities change the amounts when they enforce it?",
])
def test_an_elliptical_question_is_a_follow_up(question):
    assert is_follow_up(question)


@pytest.mark.parametrize("question", [
    "Can a commander be liable for rapes by his troops?",
    "Is it a war crime to attack a hospital?",
    "How does the Rome Statute define forced pregnancy?",
    "Can a woman be punished more severely than a man for the same offence?",
    "Can a commander be convicted for rapes his troops committed even though he never ordered them?",
])
def test_a_question_with_a_subject_of_its_own_is_a_new_question(question):
    assert not is_follow_up(question)


def test_a_new_question_after_an_unrelated_one_is_answered_as_if_asked_fresh(assistant):
    question = "Can a commander be liable for rapes by his troops?"
    fresh = assistant.ask(question)
    after = assistant.ask(question, history=["Is gender apartheid a crime at the ICC?"])
    assert after.query == question
    assert [(c.doc, c.unit) for c in after.citations] == [(c.doc, c.unit) for c in fresh.citations]
    assert ("rome-statute", "art. 28(1)") in [(c.doc, c.unit) for c in after.citations]


def test_a_follow_up_says_what_was_searched(assistant):
    previous = "In an international armed conflict, is rape a war crime under the Rome Statute?"
    answer = assistant.ask("And in a non-international armed conflict?", history=[previous])
    assert answer.query == ("And in a non-international armed conflict? "  # not the conflict asked before
                            "rape war crime Rome Statute")
    assert answer.citations and all(c.unit.startswith("art. 8") for c in answer.citations)  # war crimes, as asked
    assert f"Searched as: {answer.query}" in chat_markdown(answer, 1)


def test_a_follow_up_weighs_the_provisions_the_previous_answer_cited(assistant):
    first = assistant.ask("What are the elements of the war crime of rape in an international armed conflict?")
    follow_up = assistant.ask("Does that definition cover male victims as well?", history=[Turn.of(first)])
    found = [(c.doc, c.unit) for c in follow_up.citations] + [(r.doc, r.unit) for r in follow_up.related]
    assert (first.citations[0].doc, first.citations[0].unit) in found


def test_a_follow_up_on_the_other_kind_of_conflict_answers_with_the_same_crime_there(assistant):
    first = assistant.ask("What must the prosecution prove for sexual slavery as a war crime in an international "
                          "armed conflict?")
    assert first.citations[0].unit == "art. 8(2)(b)(xxii)-2"
    follow_up = assistant.ask("And in a non-international armed conflict?", history=[Turn.of(first)])
    assert (follow_up.citations[0].doc, follow_up.citations[0].unit) == ("elements-of-crimes", "art. 8(2)(e)(vi)-2")
    assert "art. 8(2)(b)(xxii)-2" not in [c.unit for c in follow_up.citations]


def test_a_crime_listed_for_the_other_kind_of_conflict_only_is_said_so_and_the_treaty_on_this_kind_answers(
        assistant):
    first = assistant.ask("Is starving civilians a war crime in an international armed conflict?")
    follow_up = assistant.ask("And in a non-international armed conflict?", history=[Turn.of(first)])
    assert (follow_up.citations[0].doc, follow_up.citations[0].unit) == ("additional-protocol-ii", "art. 14")
    assert "art. 8(2)(b)(xxv)" not in [c.unit for c in follow_up.citations]  # listed as related, not quoted
    assert ("rome-statute", "art. 8(2)(b)(xxv)") in [(r.doc, r.unit) for r in follow_up.related]
    assert "Rome Statute, art. 8(2)(b)(xxv)" in follow_up.notice
    assert "a crime in an international armed conflict only" in follow_up.notice


def test_asked_whether_a_crime_against_humanity_is_also_a_war_crime_the_answer_quotes_the_war_crimes(assistant):
    first = assistant.ask("How does the Rome Statute define forced pregnancy?")
    assert first.citations[0].unit == "art. 7(2)(f)"
    follow_up = assistant.ask("Is it also a war crime, or only a crime against humanity?", history=[Turn.of(first)])
    assert [(c.doc, c.unit) for c in follow_up.citations][:2] == [("rome-statute", "art. 8(2)(b)(xxii)"),
                                                                  ("rome-statute", "art. 8(2)(e)(vi)")]


def test_the_war_crimes_of_a_crime_against_humanity_are_those_that_refer_to_it_or_repeat_its_words(assistant):
    def war_crimes(cited):
        return in_the_conflict_asked("Is it also a war crime?", [cited], assistant.store).counterparts

    assert war_crimes(("elements-of-crimes", "art. 7(1)(g)-2")) == [("elements-of-crimes", "art. 8(2)(b)(xxii)-2"),
                                                                   ("elements-of-crimes", "art. 8(2)(e)(vi)-2")]
    assert war_crimes(("rome-statute", "art. 7(2)(f)")) == [("rome-statute", "art. 8(2)(b)(xxii)"),
                                                             ("rome-statute", "art. 8(2)(e)(vi)")]
    assert war_crimes(("rome-statute", "art. 7(1)(h)")) == []  # persecution has no war crime of its words


def test_the_same_crime_in_the_other_conflict_is_found_by_its_words(assistant):
    kept, counterparts, _ = in_the_conflict_asked(
        "And what about in a non-international armed conflict?",
        [("rome-statute", "art. 7(1)(g)"), ("rome-statute", "art. 8(2)(b)(xxii)")], assistant.store)
    assert kept == [("rome-statute", "art. 7(1)(g)")]  # names no kind of conflict: kept as it is
    assert counterparts == [("rome-statute", "art. 8(2)(e)(vi)")]


def test_the_same_war_crime_in_the_other_conflict_is_found_by_its_own_elements(assistant):
    elements = "elements-of-crimes"
    asked = "And in a non-international armed conflict?"
    outrages = in_the_conflict_asked(asked, [(elements, "art. 8(2)(b)(xxi)")], assistant.store).counterparts
    assert outrages == [(elements, "art. 8(2)(c)(ii)")]  # outrages upon personal dignity, in common article 3
    kept, starvation, alone = in_the_conflict_asked(asked, [(elements, "art. 8(2)(b)(xxv)")], assistant.store)
    assert kept == [] and starvation == []  # this Statute lists starvation only for an international conflict;
    # its two elements on the armed conflict made it the counterpart of attacking civilians (art. 8(2)(e)(i))
    assert alone == [(elements, "art. 8(2)(b)(xxv)")]

