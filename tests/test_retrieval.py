"""Hybrid retrieval: named provisions first, relevant provisions for practitioners' wording."""

import pytest

from assistant.config import Settings
from assistant.corpus.manifest import load_manifest
from assistant.lexical import singular
from assistant.locators import is_within
from assistant.retrieval import expand_query, forum_documents, in_the_instruments_words, named_references
from assistant.terms import STEMMER, content_stems

ALL = {"rome-statute", "elements-of-crimes", "rules-of-procedure-and-evidence", "genocide-convention",
       "additional-protocol-i", "additional-protocol-ii", "geneva-convention-iv"}


@pytest.fixture(scope="module")
def sources():
    return load_manifest(Settings().manifest)


def test_article_reference_is_read_with_its_sub_paragraphs(sources):
    refs = named_references("What does article 7(2)(f) say?", sources, ALL)
    assert [(r.doc, r.locator) for r in refs] == [("rome-statute", "art. 7(2)(f)")]


def test_spaced_and_abbreviated_references_are_normalised(sources):
    refs = named_references("Compare art. 8 (2) (b) (xxii) with Rule 70", sources, ALL)
    assert {(r.doc, r.locator) for r in refs} == {("rome-statute", "art. 8(2)(b)(xxii)"),
                                                  ("rules-of-procedure-and-evidence", "rule 70")}


def test_instrument_named_in_the_question_decides_the_document(sources):
    refs = named_references("What does article 76 of Additional Protocol I require?", sources, ALL)
    assert [(r.doc, r.locator) for r in refs] == [("additional-protocol-i", "art. 76")]
    refs = named_references("Which acts does article II of the Genocide Convention list?", sources, ALL)
    assert [(r.doc, r.locator) for r in refs] == [("genocide-convention", "art. II")]


@pytest.mark.parametrize("question, asked", [
    ("Can a commander be convicted for rapes his troops committed?", False),
    ("How must women prisoners of war be treated?", True),
    ("¿Cómo deben ser tratadas las prisioneras de guerra?", True),
    ("Comment les prisonnières de guerre doivent-elles être traitées ?", True),
    ("What does the Third Geneva Convention say about discipline?", True),
])
def test_a_question_is_asked_of_the_pow_convention_when_it_names_them_or_it(sources, question, asked):
    third = next(s for s in sources if s.id == "geneva-convention-iii")
    assert third.asked_about(question) is asked


def test_a_question_asked_at_the_icc_is_read_in_the_courts_instruments(sources):
    assert forum_documents("Can rape be prosecuted as genocide at the ICC?", sources) == [
        "rome-statute", "elements-of-crimes", "rules-of-procedure-and-evidence"]
    assert forum_documents("Which groups do the ICC Rules single out?", sources) == []  # an instrument named: it
    assert forum_documents("Is rape a grave breach of the Fourth Geneva Convention?", sources) == []


def test_genocide_asked_at_the_icc_is_answered_from_the_statute_not_the_convention(assistant):
    passages = assistant.retrieve("Can rape be prosecuted as genocide at the ICC?", k=5)
    assert ("rome-statute", "art. 6") in [(p.doc, p.unit) for p in passages]
    cited = [(c.doc, c.unit) for c in assistant.ask("Can rape be prosecuted as genocide at the ICC?").citations]
    assert ("elements-of-crimes", "art. 6(b)") in cited and not any(doc == "genocide-convention" for doc, _ in cited)


def test_a_crime_asked_without_a_context_is_answered_by_its_first_elements_the_crime_against_humanity(assistant):
    answer = assistant.ask("Women were told the operation was routine and signed consent forms, but were in fact "
                           "sterilised. Is that genuine consent?")
    assert answer.citations[0].unit == "art. 7(1)(g)-5"  # the same elements as 8(2)(b)(xxii)-5 and 8(2)(e)(vi)-5


def test_a_crime_asked_in_a_context_keeps_that_contexts_elements(assistant):
    answer = assistant.ask("In a non-international armed conflict, what must be proved for enforced sterilization?")
    assert answer.citations[0].unit == "art. 8(2)(e)(vi)-5"


def test_a_childs_age_is_searched_in_the_instruments_words():
    assert in_the_instruments_words("a 17-year-old fighter").startswith("a under the age of 18")
    assert "under the age of fifteen years" in in_the_instruments_words("girls aged 14")
    assert in_the_instruments_words("a 30-year-old commander") == "a 30-year-old commander"


def test_a_question_on_prosecuting_a_minor_at_the_icc_is_answered_by_article_26(assistant):
    answer = assistant.ask("Can the ICC prosecute a 17-year-old fighter for a rape committed during the conflict?")
    assert [(c.doc, c.unit) for c in answer.citations][:1] == [("rome-statute", "art. 26")]


def test_a_verb_and_its_noun_in_ation_and_british_and_american_spellings_share_a_stem():
    assert content_stems("starving") == content_stems("starvation")  # AP II art. 14 for "starving civilians"
    assert content_stems("sterilisation") == content_stems("sterilization")
    assert STEMMER.stemWords(["starving", "starvation"])[0] == STEMMER.stemWords(["starvation"])[0]  # BM25 too
    assert content_stems("combat") == {"combat"}  # a short stem keeps its "at"


def test_a_verb_and_its_noun_that_snowball_stems_apart_share_a_stem():
    for verb, noun in (("decides", "decision"), ("concludes", "conclusion"), ("admit", "admission"),
                       ("detain", "detention"), ("provide", "provision")):
        assert STEMMER.stemWord(verb) == STEMMER.stemWord(noun), (verb, noun)


def test_victims_told_of_a_decision_not_to_investigate_are_answered_by_the_rule_on_notifying_them(assistant):
    answer = assistant.ask("Must victims be told if the Prosecutor decides not to investigate or prosecute?")
    assert (answer.citations[0].doc, answer.citations[0].unit) == ("rules-of-procedure-and-evidence", "rule 92(2)")


def test_internal_and_international_are_different_words():
    assert content_stems("internal armed conflict") & content_stems("international") == set()
    internal, international = STEMMER.stemWords(["internal", "international"])  # as BM25 indexes them
    assert internal != international  # (some Snowball versions give "intern" for both)


def test_a_rare_word_keeps_its_weight_though_its_stem_is_a_common_words(assistant):
    # Snowball stems "psychologist" and "psychological" (in every provision on well-being) alike
    found = assistant.retriever._lexical("psychologist", None, 3)
    assert [assistant.store.chunks[position].unit for position, _ in found[:2]] == ["rule 88(2)", "rule 73(3)"]


def test_a_plural_is_the_same_word_as_written():
    assert [singular(w) for w in ("victims", "parties", "witnesses", "process", "status", "psychologists")] == [
        "victim", "party", "witness", "process", "status", "psychologist"]


def test_locator_nesting():
    assert is_within("art. 7(2)(f)", "art. 7")
    assert is_within("art. 7(1)(g)-3", "art. 7(1)(g)")
    assert is_within("Gender apartheid, para. 2", "Gender apartheid")
    assert not is_within("art. 8 bis(1)", "art. 8")
    assert not is_within("art. 70", "art. 7")


def test_a_year_before_the_statute_entered_into_force_is_searched_in_the_statutes_words():
    assert in_the_instruments_words("rapes committed in 1995").endswith("before the entry into force of this Statute")
    assert in_the_instruments_words("rapes committed in 2016") == "rapes committed in 2016"
    assert in_the_instruments_words("under the 1948 Convention") == "under the 1948 Convention"
    assert in_the_instruments_words("the Geneva Conventions of 1949") == "the Geneva Conventions of 1949"
    before = in_the_instruments_words("crimes committed before 2002")
    assert before.endswith("before the entry into force of this Statute")
    assert in_the_instruments_words("rapes committed in 2002") == "rapes committed in 2002"  # perhaps after 1 July


def test_practitioners_words_are_expanded_to_the_instruments_words():
    assert "victims" in expand_query("Can survivors take part in the trial?", {"survivors": ["victims"]})


def test_a_practitioners_word_is_expanded_whatever_its_ending():
    synonyms = {"survivor": ["victim"], "time limit for prosecution": ["statute of limitations"]}
    assert "victim" in expand_query("Can survivors take part in the trial?", synonyms)
    assert "statute of limitations" in expand_query("Is there a time limit for prosecuting rape?", synonyms)


def test_a_practitioners_phrase_is_expanded_only_when_its_words_follow_each_other():
    synonyms = {"under orders": ["superior orders"], "time limit for prosecution": ["statute of limitations"]}
    assert expand_query("A commander never ordered the rapes. Is he responsible?", synonyms).count("superior") == 0
    assert "statute" not in expand_query("Is there a time limit for the defence's prosecution response?", synonyms)


def test_the_words_that_ask_a_question_are_not_searched_for():
    searched = expand_query("How does WIGJ apply intersectionality? Can she testify?", {})
    assert searched.split() == ["WIGJ", "apply", "intersectionality?", "she", "testify?"]


def test_words_that_also_state_conditions_in_provisions_are_still_searched_for():
    question = "When may a victim who is a child be heard?"
    assert expand_query(question, {}) == question


def test_how_a_commentator_applies_a_concept_finds_its_paragraph_on_its_own_work(assistant):
    passages = assistant.retrieve("How does WIGJ apply intersectionality in its work with the ICC?")
    assert ("wigj-focus-areas", "Intersectionality, para. 3") in [(p.doc, p.unit) for p in passages]


def test_crimes_committed_before_the_statute_entered_into_force_find_its_temporal_jurisdiction(assistant):
    passages = assistant.retrieve("Can the ICC try rapes committed in 1995?")
    assert (passages[0].doc, passages[0].unit) == ("rome-statute", "art. 11(1)")


def test_crimes_committed_before_the_statute_entered_into_force_are_answered_by_its_temporal_jurisdiction(
        assistant):
    answer = assistant.ask("Can the ICC try crimes committed before 2002?")  # art. 11(1) is at cosine 0.43
    assert (answer.citations[0].doc, answer.citations[0].unit) == ("rome-statute", "art. 11(1)")


def test_a_family_member_accompanying_a_witness_is_the_rule_on_who_may_attend_the_testimony(assistant):
    answer = assistant.ask("Can a family member accompany a survivor when she testifies?")
    assert [(c.doc, c.unit) for c in answer.citations][:1] == [("rules-of-procedure-and-evidence", "rule 88(2)")]


def test_bombing_a_maternity_ward_in_a_civil_war_is_the_war_crime_of_attacking_hospitals_there(assistant):
    answer = assistant.ask("Is bombing a maternity ward in a civil war a war crime?")
    assert [(c.doc, c.unit) for c in answer.citations][:1] == [("rome-statute", "art. 8(2)(e)(iv)")]


def test_vulnerable_victims_find_the_rule_on_the_needs_of_children_elderly_and_disabled_victims(assistant):
    passages = assistant.retrieve("What do the Rules require the Court to consider for vulnerable victims and "
                                  "witnesses?")
    assert (passages[0].doc, passages[0].unit) == ("rules-of-procedure-and-evidence", "rule 86")


def test_named_article_comes_first(assistant):
    passages = assistant.retrieve("What does article 7(2)(f) say?")
    assert (passages[0].doc, passages[0].unit) == ("rome-statute", "art. 7(2)(f)")
    assert passages[0].exact


def test_an_article_named_the_instruments_way_is_that_paragraph_not_the_whole_article(assistant):
    passages = assistant.retrieve("What does article 7, paragraph 2 (f) say?")
    assert [(p.doc, p.unit) for p in passages if p.exact] == [("rome-statute", "art. 7(2)(f)")]


def test_named_rule_comes_first(assistant):
    passages = assistant.retrieve("Explain rule 70 to a new investigator")
    assert passages[0].doc == "rules-of-procedure-and-evidence"
    assert passages[0].unit.startswith("rule 70")


def test_named_roman_item_comes_first(assistant):
    passages = assistant.retrieve("Is forced pregnancy covered by art. 8(2)(b)(xxii)?")
    assert (passages[0].doc, passages[0].unit) == ("rome-statute", "art. 8(2)(b)(xxii)")


def test_silence_question_finds_rule_70_c(assistant):
    passages = assistant.retrieve("Does a survivor's silence count as consent at the ICC?")
    assert ("rules-of-procedure-and-evidence", "rule 70(c)") in [(p.doc, p.unit) for p in passages]


def test_document_filter_limits_the_search(assistant):
    passages = assistant.retrieve("protection of women against rape", doc="geneva-convention-iv")
    assert passages and {p.doc for p in passages} == {"geneva-convention-iv"}
    assert "art. 27(2)" in [p.unit for p in passages]


def test_sibling_sub_paragraphs_do_not_fill_every_slot(assistant):
    passages = assistant.retrieve("consent inferred from words, conduct or silence of a victim")
    rule_70 = [p for p in passages if p.doc == "rules-of-procedure-and-evidence" and p.unit.startswith("rule 70")]
    assert 1 <= len(rule_70) <= 2
