"""Extractive answers quote the law verbatim with [n] markers, or decline."""

import re

import pytest

from assistant.errors import InvalidQuestionError


def test_answer_quotes_the_definition_with_a_marker(assistant):
    answer = assistant.ask("What is forced pregnancy under the Rome Statute?")
    assert not answer.declined
    first = answer.citations[0]
    assert (first.doc, first.unit, first.page) == ("rome-statute", "art. 7(2)(f)", 11)
    assert "unlawful confinement of a woman forcibly made pregnant" in first.quote
    assert answer.answer.splitlines()[0].startswith("Rome Statute, art. 7(2)(f): ")


def test_every_line_of_an_answer_ends_with_a_citation_marker(assistant):
    answer = assistant.ask("What must be proven for rape as a crime against humanity?")
    markers = {c.marker for c in answer.citations}
    for line in answer.answer.splitlines():
        found = re.search(r"\[(\d+)\]$", line)
        assert found and int(found.group(1)) in markers, line


def test_every_quote_is_verbatim_in_its_unit(assistant):
    for question in ("Can the defence bring up the victim's sexual history?",
                     "Is corroboration needed to prove rape?",
                     "Which acts of sexual violence are war crimes in a non-international armed conflict?"):
        answer = assistant.ask(question)
        for citation in answer.citations:
            unit = assistant.store.unit(citation.doc, citation.unit)
            assert citation.quote in unit.full_text


def test_citations_are_in_rank_order_with_markers_from_one(assistant):
    answer = assistant.ask("Can the defence bring up the victim's sexual history?")
    assert [c.marker for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert "rule 71" in [c.unit for c in answer.citations]
    assert [c.score for c in answer.citations] == sorted((c.score for c in answer.citations), reverse=True)


@pytest.mark.parametrize("question", [
    "How long should I bake a sourdough loaf at 230°C?",
    "What is the fine for running a red light in the Netherlands?",
    "How do I deduct home-office expenses on my income tax return?",
])
def test_out_of_scope_questions_are_declined_naming_what_was_searched(assistant, question):
    answer = assistant.ask(question)
    assert answer.declined
    assert answer.citations == []
    assert answer.answer.startswith("The corpus does not address this")
    assert "Rome Statute" in answer.answer and "ICC RPE" in answer.answer
    assert "below the threshold" in answer.reason


def test_a_provision_that_does_not_exist_is_declined(assistant):
    answer = assistant.ask("What does article 8(2)(e)(xix) of the Rome Statute say about starvation?")
    assert answer.declined
    assert "art. 8(2)(e)(xix)" in answer.reason


def test_answer_json_has_the_documented_shape(assistant):
    data = assistant.ask("What is forced pregnancy?").model_dump()
    assert list(data) == ["question", "answer", "declined", "reason", "citations", "backend", "prompt_version",
                          "query", "notice", "sentences"]
    assert list(data["citations"][0]) == ["marker", "doc", "unit", "title", "short_title", "page", "quote", "score"]


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question_is_refused(assistant, question):
    with pytest.raises(InvalidQuestionError, match="empty"):
        assistant.ask(question)


def test_question_over_4000_characters_is_refused(assistant):
    with pytest.raises(InvalidQuestionError, match="4,000"):
        assistant.ask("What is rape? " * 400)


def test_follow_up_is_read_with_the_previous_question(assistant):
    answer = assistant.ask("And what about in a non-international armed conflict?",
                           history=["What are the elements of the war crime of rape?"])
    assert ("elements-of-crimes", "art. 8(2)(e)(vi)-1") in [(c.doc, c.unit) for c in answer.citations]


@pytest.mark.parametrize("question, reason", [
    ("What did the ICC decide in Ongwen about forced marriage as an other inhumane act?", "case law"),
    ("How much money has the Trust Fund for Victims paid out to survivors so far?", "statistics"),
    ("Does CEDAW oblige states to criminalise marital rape?", "instrument or report that is not in the corpus"),
    ("According to the OTP Policy on the Crime of Gender Persecution (2022), is sexual orientation covered?",
     "not in the corpus: add it with `assistant corpus sync`"),
])
def test_questions_about_sources_outside_the_corpus_are_declined(assistant, question, reason):
    answer = assistant.ask(question)
    assert answer.declined
    assert reason in answer.reason


def test_a_commander_question_is_not_mistaken_for_case_law(assistant):
    answer = assistant.ask(
        "Can a commander be convicted for rapes his troops committed even though he never ordered them?")
    assert not answer.declined
    assert "art. 28(1)" in [c.unit for c in answer.citations] or "art. 28(1)(a)" in [c.unit for c in answer.citations]
