"""What a question asks for decides how its answer opens."""

import re

import pytest

from assistant.answer.concordance import term_pattern
from assistant.answer.questions import QuestionKind, beyond_the_term, concordance_term, question_kind, question_parts


@pytest.mark.parametrize("question, kind", [
    ("How does the Rome Statute define forced pregnancy?", QuestionKind.DEFINITION),
    ("What counts as gender under the Rome Statute?", QuestionKind.DEFINITION),
    ("What must the prosecution prove for sexual slavery as a crime against humanity?", QuestionKind.ELEMENTS),
    ("What are the elements of the war crime of rape?", QuestionKind.ELEMENTS),
    ("Is forced marriage a crime under the Rome Statute?", QuestionKind.CONCORDANCE),
    ("Does the Rome Statute mention forced abortion?", QuestionKind.CONCORDANCE),
    ("Can a commander be liable for rapes by his troops?", QuestionKind.PROVISION),
    ("Is it also a war crime, or only a crime against humanity?", QuestionKind.PROVISION),
    ("Which rules refer to article 69(4)?", QuestionKind.REFERRERS),
    ("Where else does the Statute rely on 'gender as defined in article 7, paragraph 3'?", QuestionKind.REFERRERS),
    ("What does rule 63(4) refer to?", QuestionKind.PROVISION),  # the other way: what the rule points to
    ("Is attacking a civilian maternity hospital prohibited by the Fourth Geneva Convention?", QuestionKind.PROVISION),
    ("Which mental element applies when a crime's definition is silent?", QuestionKind.PROVISION),  # art. 30
    ("What standard of proof must the Prosecutor meet to convict?", QuestionKind.PROVISION),  # art. 66(3)
    ("Which intent applies where the Elements say nothing of it?", QuestionKind.PROVISION),  # the instrument's name
    ("What are the Elements of sexual slavery?", QuestionKind.ELEMENTS),
])
def test_question_kinds(question, kind):
    assert question_kind(question) is kind


@pytest.mark.parametrize("question, term", [
    ("Is forced marriage a crime under the Rome Statute?", "forced marriage"),
    ("Is gender apartheid a crime at the ICC?", "gender apartheid"),
    ("In an international armed conflict, is rape a war crime under the Rome Statute?", "rape"),
    ("Does the Statute criminalise forced abortion?", "forced abortion"),
    ("Is enforced sterilisation prohibited?", "enforced sterilisation"),
    ("Is it a crime against humanity?", None),  # a follow-up, not a term
    ("Does the word 'gender apartheid' appear in the Rome Statute?", "gender apartheid"),
    ("Does “forced marriage” appear anywhere in the Elements?", "forced marriage"),
    ("Does the Statute use the term femicide?", "femicide"),
    ("Does the Rome Statute say anything about forced abortion?", "forced abortion"),
    ("Is there any mention of forced nudity in the Statute?", "forced nudity"),
    ("Does consent appear to matter for rape?", None),  # "appear to": not about the word
    ("Do the Rules say anything about it?", None),
    ("Does the ICC treat forced abortion as a crime?", "forced abortion"),
    ("Does the Statute regard forced nudity as sexual violence?", "forced nudity"),
    ("Do judges consider gender as an aggravating factor?", None),  # not asked as a crime
    ("Is deliberately starving the civilian population a war crime?", None),  # conduct, not a term
    ("Is forcibly transferring children a crime?", None),
])
def test_the_term_a_concordance_question_asks_about(question, term):
    assert concordance_term(question) == term


@pytest.mark.parametrize("question, term, rest", [
    ("Are men and boys covered by the Statute's definition of rape?", "men and boys", "rape"),
    ("Is forced nudity recognised as sexual violence?", "forced nudity", "sexual violence"),
    ("Is femicide a crime under the Rome Statute?", "femicide", ""),
    ("Does the Statute explicitly mention forced marriage?", "forced marriage", ""),
])
def test_what_a_concordance_question_says_besides_its_term_and_the_asking(question, term, rest):
    words = [w for w in re.findall(r"[a-z]+", beyond_the_term(question, term).lower())
             if w not in {"is", "are", "does", "the", "as", "by", "of", "under", "definition", "statute", "s", "rome"}]
    assert " ".join(words) == rest


def test_a_term_matches_either_spelling_a_plural_and_any_spacing():
    pattern = term_pattern("enforced sterilisation")
    assert pattern.search("(g) … enforced sterilization, or any other form")
    assert pattern.search("Enforced  sterilisations were")
    assert not pattern.search("enforced disappearance of persons")


def test_forced_and_enforced_are_one_term_as_the_law_uses_them():
    assert term_pattern("forced sterilisation").search("(g) … enforced sterilization, or any other form")
    assert term_pattern("enforced pregnancy").search("forced pregnancy, as defined in article 7")
    assert not term_pattern("forced sterilisation").search("reinforced sterilization")


@pytest.mark.parametrize("question, parts", [
    ("Is forced sterilisation a crime against humanity, and what are its elements?",
     ["Is forced sterilisation a crime against humanity", "what are its elements"]),
    ("What is the Trust Fund for Victims and where does its money come from?",
     ["What is the Trust Fund for Victims", "where does its money come from"]),
    ("Can rape be prosecuted as genocide at the ICC?", ["Can rape be prosecuted as genocide at the ICC?"]),
    ("Is rape in an internal armed conflict both prohibited by Geneva law and punishable at the ICC?",
     ["Is rape in an internal armed conflict both prohibited by Geneva law and punishable at the ICC?"]),
])
def test_the_questions_asked_in_one(question, parts):
    assert question_parts(question) == parts
