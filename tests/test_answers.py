"""Extractive answers quote the law verbatim with [n] markers, or decline."""

import re

import pytest

from assistant.errors import InvalidQuestionError
from assistant.models import Turn


def test_answer_quotes_the_definition_with_a_marker(assistant):
    answer = assistant.ask("What is forced pregnancy under the Rome Statute?")
    assert not answer.declined
    first = answer.citations[0]
    assert (first.doc, first.unit, first.page) == ("rome-statute", "art. 7(2)(f)", 11)
    assert "unlawful confinement of a woman forcibly made pregnant" in first.quote
    assert answer.answer.splitlines()[0].startswith("The definition is in Rome Statute, art. 7(2)(f): ")


def test_an_answer_opens_with_a_lead_that_passes_the_verifier(assistant):
    answer = assistant.ask("How does the Rome Statute define forced pregnancy?")
    assert answer.kind == "definition"
    assert answer.lead == answer.answer.splitlines()[0]
    assert "“Forced pregnancy” means the unlawful confinement" in answer.lead
    assert [(s.status, s.markers) for s in answer.sentences] == [("kept", [1])]


def test_instrument_names_and_use_of_terms_rules_are_not_quoted(assistant):
    answer = assistant.ask("How does the Rome Statute define forced pregnancy?")
    cited_or_related = [c.unit for c in answer.citations] + [r.unit for r in answer.related]
    # rule 1(a): "'article' refers to articles of the Rome Statute"
    assert not [u for u in cited_or_related if u.startswith("rule 1(")]


def test_editorial_notes_are_not_provisions(assistant):
    answer = assistant.ask("Is forced marriage a crime under the Rome Statute?")
    assert "art. 15 bis(1)" not in [c.unit for c in answer.citations]
    assert "please see" not in answer.answer and "https://" not in answer.answer
    unit = assistant.store.unit("rome-statute", "art. 15 bis(1)")
    assert unit.editorial and "RC/Res.6" in unit.editorial[0] and "RC/Res.6" not in unit.full_text


def test_every_line_of_an_answer_ends_with_a_citation_marker(assistant):
    answer = assistant.ask("What must be proven for rape as a crime against humanity?")
    markers = {c.marker for c in answer.citations}
    for line in answer.answer.splitlines():
        found = re.search(r"\[(\d+)\]:?$", line)  # the lead of an elements answer ends "… [1]:"
        assert found and int(found.group(1)) in markers, line


def test_every_quote_is_verbatim_in_its_unit(assistant):
    for question in ("Can the defence bring up the victim's sexual history?",
                     "Is corroboration needed to prove rape?",
                     "Which acts of sexual violence are war crimes in a non-international armed conflict?"):
        answer = assistant.ask(question)
        for citation in answer.citations:
            unit = assistant.store.unit(citation.doc, citation.unit)
            assert citation.quote in unit.full_text


def test_the_strongest_provision_leads_and_markers_run_from_one(assistant):
    answer = assistant.ask("Can the defence bring up the victim's sexual history?")
    assert [c.marker for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert "rule 71" in [c.unit for c in answer.citations]
    assert answer.citations[0].unit in {"rule 71", "rule 70(d)"}  # both say it; the stronger one leads
    assert answer.lead.startswith(f"Under ICC RPE, {answer.citations[0].unit}: ")


@pytest.mark.parametrize("question", [
    "How long should I bake a sourdough loaf at 230°C?",
    "What is the fine for running a red light in the Netherlands?",
    "How do I deduct home-office expenses on my income tax return?",
])
def test_out_of_scope_questions_are_declined_naming_what_was_searched(assistant, question):
    answer = assistant.ask(question)
    assert answer.declined
    assert answer.citations == []
    assert answer.answer.startswith("No provision of the instruments searched is close enough to this question")
    assert "Rome Statute" in answer.answer and "ICC RPE" in answer.answer
    assert "below the threshold" in answer.reason


def test_a_provision_that_does_not_exist_is_declined(assistant):
    answer = assistant.ask("What does article 8(2)(e)(xix) of the Rome Statute say about starvation?")
    assert answer.declined
    assert "art. 8(2)(e)(xix)" in answer.reason


def test_answer_json_has_the_documented_shape(assistant):
    data = assistant.ask("What is forced pregnancy?").model_dump()
    assert list(data) == ["question", "answer", "declined", "reason", "citations", "backend", "prompt_version",
                          "query", "notice", "sentences", "related", "lead", "kind", "language"]
    assert list(data["related"][0]) == ["doc", "unit", "label", "score"]
    assert list(data["citations"][0]) == ["marker", "doc", "unit", "title", "short_title", "page", "quote", "score",
                                          "division"]


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
    ("What did the ICC decide in Ongwen about forced marriage as an other inhumane act?", "not case law"),
    ("How much money has the Trust Fund for Victims paid out to survivors so far?", "not statistics"),
    ("Does CEDAW oblige states to criminalise marital rape?", "instrument or report is not in the corpus"),
    ("According to the OTP Policy on the Crime of Gender Persecution (2022), is sexual orientation covered?",
     "not in the corpus yet: add it with `assistant corpus sync`"),
    ("How did the Appeals Chamber in Prosecutor v. Bemba treat command responsibility for rape?", "not case law"),
    ("Did the ICTY treat rape as torture?", "not case law"),
    ("Was Bemba convicted?", "not case law"),  # short English with a name: not taken for Portuguese
    ("What did the Trial Chamber decide in the trial of Ongwen?", "not case law"),
    ("Does Security Council resolution 1820 call sexual violence a tactic of war?", "is not in the corpus"),
    ("Is marital rape a crime under Colombian law?", "not national law"),
    ("How many women have testified about sexual violence at the ICC?", "not statistics"),
    ("How many rape convictions has the ICC secured?", "not statistics"),
    ("How did Rule 96 of the ICTY Rules treat consent?", "not the statutes or rules of other"),
    ("Under the UK Sexual Offences Act 2003, how is consent defined?", "not national law"),
    ("How does Ukraine's Criminal Code punish conflict-related sexual violence?", "not national law"),
    ("What is the penalty for tax evasion in France?", "not national law"),  # not art. 77's penalties
])
def test_questions_about_sources_outside_the_corpus_are_declined(assistant, question, reason):
    answer = assistant.ask(question)
    assert answer.declined
    assert reason in answer.reason
    assert answer.answer.startswith(answer.reason)  # said once, in plain words, as the answer


def test_a_war_crime_in_a_named_country_is_not_taken_for_that_countrys_law(assistant):
    answer = assistant.ask("Is sexual slavery punishable as a war crime in Ukraine?")
    assert not answer.declined and answer.citations


def test_a_survivors_compensation_is_not_answered_by_the_compensation_of_a_person_wrongly_arrested(assistant):
    answer = assistant.ask("Can a rape survivor get compensation from the ICC?")
    cited = [(c.doc, c.unit) for c in answer.citations]
    assert cited[0] == ("rome-statute", "art. 75(1)")  # reparations to victims, "including … compensation"
    assert ("rome-statute", "art. 85(1)") not in cited  # "the victim of unlawful arrest or detention"


def test_a_survivors_identity_is_not_answered_by_the_identity_cards_of_medical_personnel(assistant):
    answer = assistant.ask("Can a survivor's identity be kept from the public?")
    assert not any(c.doc == "additional-protocol-i" and c.unit.startswith("annex I,") for c in answer.citations)
    assert (assistant.ask("What identity card must civilian medical personnel carry?").citations[0].unit
            == "annex I, art. 2(1)")  # the annex answers what it is about


def test_a_survivors_identity_is_answered_by_the_measures_that_keep_it_from_the_public(assistant):
    answer = assistant.ask("Can a survivor's identity be kept from the public?")
    cited = [(c.doc, c.unit) for c in answer.citations]
    rules = "rules-of-procedure-and-evidence"
    assert cited[0] == (rules, "rule 87(3)")  # "… prevent the release to the public … of the identity …", at 0.23
    assert (rules, "rule 87(3)(d)") in cited  # "That a pseudonym be used for a victim"
    assert ("geneva-convention-iv", "art. 138(1)") not in cited  # the information bureau's record of a detainee


def test_whether_a_survivor_can_be_made_to_testify_is_answered_by_the_compellability_of_witnesses(assistant):
    answer = assistant.ask("Can a survivor be forced to testify?")
    assert (answer.citations[0].doc, answer.citations[0].unit) == ("rules-of-procedure-and-evidence", "rule 65(1)")
    assert "compellable by the Court to provide testimony" in answer.lead


def test_a_head_of_states_immunity_is_not_answered_by_the_privileges_of_the_courts_officials(assistant):
    answer = assistant.ask("Can a head of state claim immunity?")
    assert not any(c.doc == "rome-statute" and c.unit.startswith("art. 48") for c in answer.citations)
    judges = assistant.ask("Do ICC judges enjoy immunity?")  # art. 48 answers what it is about
    assert (judges.citations[0].doc, judges.citations[0].unit) == ("rome-statute", "art. 48(2)")


def test_a_jurisdiction_question_is_not_answered_by_the_jurisdiction_over_aggression(assistant):
    answer = assistant.ask("Does the ICC have jurisdiction over crimes committed before 2002?")
    cited = [(c.doc, c.unit) for c in answer.citations]
    assert cited[0] == ("rome-statute", "art. 11(1)")  # "only with respect to crimes committed after the entry …"
    assert not any(unit.startswith(("art. 15 bis", "art. 15 ter")) for _, unit in cited)
    aggression = assistant.ask("Does the ICC have jurisdiction over aggression committed against a State Party?")
    assert aggression.citations[0].unit.startswith("art. 15 bis")


def test_a_trial_in_absentia_is_answered_by_the_accuseds_presence(assistant):
    answer = assistant.ask("Can the ICC try someone in absentia?")
    assert (answer.citations[0].doc, answer.citations[0].unit) == ("rome-statute", "art. 63(1)")


def test_a_provision_on_one_matter_is_quoted_when_the_question_names_it(assistant):
    answer = assistant.ask("Is compensation owed to someone wrongly detained by the ICC?")
    assert (answer.citations[0].doc, answer.citations[0].unit) == ("rome-statute", "art. 85(1)")


def test_the_limitation_period_of_offences_against_the_court_does_not_answer_for_the_crimes(assistant):
    answer = assistant.ask("Can sexual violence committed twenty years ago still be prosecuted at the ICC, or is "
                           "there a limitation period?")
    cited = [(c.doc, c.unit) for c in answer.citations]
    assert cited[0] == ("rome-statute", "art. 29")  # "shall not be subject to any statute of limitations"
    assert ("rules-of-procedure-and-evidence", "rule 164(2)") not in cited  # the art. 70 offences' five years


@pytest.mark.parametrize("question", ["Is there a time limit for bringing a case of sexual slavery?",
                                      "Can the trial of sexual violence cases be held in camera?"])
def test_a_case_or_trial_of_a_crime_is_not_case_law(assistant, question):
    assert not assistant.ask(question).declined  # "a case of sexual slavery" names no one


def test_the_corpus_rule_of_a_number_another_court_uses_is_still_answered(assistant):
    answer = assistant.ask("What does rule 96 say about notifying victims of reparations proceedings?")
    assert not answer.declined and answer.citations[0].unit == "rule 96(1)"


def test_a_case_law_decline_lists_the_closest_provisions_without_scores(assistant):
    answer = assistant.ask("What did the Ongwen judgment decide about forced pregnancy?")
    assert answer.declined and answer.citations == []
    assert "art. 7(2)(f)" in [r.unit for r in answer.related]
    assert not re.search(r"\d\.\d\d|threshold|similarity", answer.answer)


def test_a_commander_question_is_not_mistaken_for_case_law(assistant):
    answer = assistant.ask(
        "Can a commander be convicted for rapes his troops committed even though he never ordered them?")
    assert not answer.declined
    found = [c.unit for c in answer.citations] + [r.unit for r in answer.related]
    assert "art. 28(1)" in found or "art. 28(1)(a)" in found


def test_a_question_not_about_prisoners_of_war_is_not_answered_from_their_convention(assistant):
    # GC III art. 99 ("No prisoner of war may be … convicted …") is close in words, and about POWs' trials
    answer = assistant.ask(
        "Can a commander be convicted for rapes his troops committed even though he never ordered them?")
    assert (answer.citations[0].doc, answer.citations[0].unit) == ("rome-statute", "art. 28(1)")
    assert "geneva-convention-iii" not in {c.doc for c in answer.citations}


def test_a_question_about_prisoners_of_war_is_answered_from_their_convention(assistant):
    answer = assistant.ask("How must women prisoners of war be treated?")
    assert (answer.citations[0].doc, answer.citations[0].unit) == ("geneva-convention-iii", "art. 14")


def test_a_crime_the_law_does_not_name_is_said_to_be_absent_with_the_closest_provisions(assistant):
    answer = assistant.ask("Is forced marriage a crime under the Rome Statute?")
    assert answer.kind == "concordance" and not answer.declined
    assert answer.lead.startswith("The words “forced marriage” do not appear in any binding instrument searched (")
    assert answer.sentences[0].status == "kept"
    cited = [(c.doc, c.unit) for c in answer.citations]
    assert ("rome-statute", "art. 7(1)(g)") in cited and ("rome-statute", "art. 7(1)(k)") in cited
    assert "(commentary, not law)" in answer.answer  # WIGJ uses the words: quoted, and labelled


def test_an_absent_term_far_from_the_law_is_answered_by_the_law_the_rest_of_the_question_asks_about(assistant):
    answer = assistant.ask("Are men and boys covered by the Statute's definition of rape?")
    assert answer.lead.startswith("The words “men and boys” do not appear in any binding instrument searched (")
    cited = [(c.doc, c.unit) for c in answer.citations]
    assert ("rome-statute", "art. 7(1)(g)") in cited  # the crime of rape, not provisions on men and boys
    assert ("rome-statute", "art. 7(3)") in [(r.doc, r.unit) for r in answer.related]  # "male and female"


def test_an_absent_term_asked_about_alone_gets_no_provision_its_other_words_pull_in(assistant):
    answer = assistant.ask("Is femicide a crime under the Rome Statute?")  # "crime" alone: art. 9(1) on the Elements
    assert answer.lead.startswith("The words “femicide” do not appear")
    assert ("rome-statute", "art. 9(1)") not in [(c.doc, c.unit) for c in answer.citations]


def test_a_term_the_law_uses_is_found_where_it_appears(assistant):
    answer = assistant.ask("Is forced pregnancy a crime under the Rome Statute?")
    assert answer.lead.startswith("The words “forced pregnancy” appear in Rome Statute, art. ")
    named = re.findall(r"\[(\d+)\]", answer.lead)
    assert named and answer.sentences[0].status == "kept"
    for marker in map(int, named):
        unit = assistant.store.unit(answer.citations[marker - 1].doc, answer.citations[marker - 1].unit)
        assert "forced pregnancy" in unit.text.lower()


def test_commentary_comes_after_law_and_is_labelled(assistant):
    answer = assistant.ask("Is gender apartheid a crime at the ICC?")
    lines = answer.answer.splitlines()
    commentary = [i for i, line in enumerate(lines) if line.startswith("WIGJ")]
    assert commentary and all("(commentary, not law)" in lines[i] for i in commentary)
    assert "do not explicitly recognise “gender apartheid” as a standalone crime" in answer.answer
    assert ("rome-statute", "art. 7(1)(j)") in [(c.doc, c.unit) for c in answer.citations]


def test_a_provision_that_uses_a_defined_term_brings_the_definition(assistant):
    answer = assistant.ask("Does article 8(2)(e)(vi) cover forced pregnancy?")
    assert [(c.doc, c.unit) for c in answer.citations][:2] == [("rome-statute", "art. 8(2)(e)(vi)"),
                                                               ("rome-statute", "art. 7(2)(f)")]
    assert "art. 7(2)(f), the definition that art. 8(2)(e)(vi) points to: “Forced pregnancy” means" in answer.answer


def test_provisions_found_but_not_on_point_are_related_not_quoted(assistant):
    answer = assistant.ask("How does the Rome Statute define forced pregnancy?")
    assert len(answer.citations) <= 3 and answer.related
    quoted = {(c.doc, c.unit) for c in answer.citations}
    assert not quoted & {(r.doc, r.unit) for r in answer.related}
    assert all(r.label == f"{r.label.split(', ')[0]}, {r.unit}" for r in answer.related)


def test_words_used_together_weigh_as_one_phrase(assistant):
    weights = assistant.composer.words.of_question("Can survivors of sexual violence get reparations?")
    assert weights["sexual"] == weights["violenc"] < weights["repar"]  # "sexual violence": one phrase, not two words
    assert weights["sexual"] < assistant.composer.rarity["sexual"]
    nudity = assistant.composer.words.of_question("Is forced nudity a form of sexual violence?")
    assert nudity["nuditi"] == assistant.composer.rarity["nuditi"]  # a rare word says the phrase alone: not merged


def test_a_long_provision_is_quoted_at_the_sentence_using_the_questions_rarer_words(assistant):
    # "crimes against humanity" is in the first sentence too; "details of the plan" is only in the third
    answer = assistant.ask("In a crimes against humanity case, does the perpetrator need to know the details "
                           "of the overall plan against the targeted group?")
    lead = answer.citations[0]
    assert (lead.doc, lead.unit) == ("elements-of-crimes", "art. 7, introduction, para. 2")
    assert "precise details of the plan or policy" in lead.quote
    assert "describe the context" not in lead.quote


def test_a_question_on_a_video_link_is_answered_by_the_rule_on_video_link_testimony(assistant):
    answer = assistant.ask("Can a victim of sexual violence testify by video link at the ICC?")
    assert answer.citations[0].unit == "rule 67(1)"
    assert "by means of audio or video technology" in answer.citations[0].quote
    assert not any(c.unit == "rule 70(d)" for c in answer.citations)  # sexual violence, but not about testifying


def test_a_question_asking_two_things_quotes_the_provision_answering_each(assistant):
    answer = assistant.ask("What is the Trust Fund for Victims and where does its money come from?")
    assert {"art. 79(1)", "art. 79(2)"} <= {c.unit for c in answer.citations}  # what it is; fines and forfeiture


def test_a_question_on_two_facilities_quotes_the_provision_on_each(assistant):
    answer = assistant.ask("Do camps holding women prisoners of war need separate sleeping and sanitary facilities?")
    cited = [(c.doc, c.unit) for c in answer.citations]
    assert ("geneva-convention-iii", "art. 29") in cited  # separate conveniences
    assert ("geneva-convention-iii", "art. 25") in cited  # separate dormitories: nearly as strong, also quoted


def test_a_provision_ranked_below_the_top_k_is_quoted_when_it_answers_clearly_better(assistant):
    answer = assistant.ask("Does the ICC need a second witness or forensic evidence to back up a rape survivor's "
                           "account?", k=5)  # rule 63(4) ranks sixth
    assert [c.unit for c in answer.citations] == ["rule 63(4)"]  # corroboration is not required
    assert "rule 63(4)" not in [r.unit for r in answer.related] and len(answer.related) <= 5


def test_rape_as_genocide_is_answered_by_serious_bodily_or_mental_harm(assistant):
    answer = assistant.ask("Can rape be prosecuted as genocide at the ICC?")
    assert (answer.citations[0].doc, answer.citations[0].unit) == ("elements-of-crimes", "art. 6(b)")
    assert "(a crime under Rome Statute, art. 6(b))" in answer.lead
    assert "acts of torture, rape, sexual violence or inhuman or degrading treatment" in answer.answer  # its footnote


def test_law_leads_when_a_provision_is_nearly_as_close_as_commentary(assistant):
    answer = assistant.ask("Can survivors of sexual violence get reparations at the ICC?")
    assert answer.citations[0].unit == "art. 75(1)"  # "survivors" is read as the Statute's "victims"
    assert answer.lead.startswith("Under Rome Statute, art. 75(1): ")


def test_the_same_crime_in_the_other_kind_of_armed_conflict_is_not_quoted(assistant):
    answer = assistant.ask(
        "What must the prosecution prove for sexual slavery as a war crime in an international armed conflict?")
    assert [(c.doc, c.unit) for c in answer.citations] == [("elements-of-crimes", "art. 8(2)(b)(xxii)-2")]
    assert "art. 8(2)(e)(vi)-2" in [r.unit for r in answer.related]  # the non-international one: a link


def test_is_it_a_crime_and_what_are_its_elements_gets_both(assistant):
    answer = assistant.ask("Is forced sterilisation a crime against humanity, and what are its elements?")
    units = [c.unit for c in answer.citations]
    assert answer.lead.startswith("The words “forced sterilisation” appear in Rome Statute, art. 7(1)(g) [1]")
    assert "art. 7(1)(g)-5" in units  # the Statute's "enforced sterilization"
    assert "What must be proved for the crime against humanity of enforced sterilization" in answer.answer
    assert "deprived one or more persons of biological reproductive capacity" in answer.answer


def test_a_concordance_speaks_only_of_the_instruments_searched(assistant):
    answer = assistant.ask("Is forced marriage a crime under the Rome Statute?",
                           doc=["rome-statute", "wigj-focus-areas"])
    assert answer.lead == "The words “forced marriage” do not appear in any binding instrument searched (Rome Statute)."
    assert {c.doc for c in answer.citations} <= {"rome-statute", "wigj-focus-areas"}


def test_with_only_commentary_searched_a_concordance_question_is_answered_from_it(assistant):
    answer = assistant.ask("Is gender apartheid a crime at the ICC?", doc="wigj-focus-areas")
    assert answer.kind == "provision" and not answer.declined
    assert answer.citations[0].doc == "wigj-focus-areas"


def test_a_term_only_commentary_uses_is_answered_as_a_concordance_not_declined(assistant):
    answer = assistant.ask("Is forced nudity mentioned in the Elements of Crimes?")
    assert not answer.declined
    assert answer.lead.startswith("The words “forced nudity” do not appear in any binding instrument searched")
    assert ("wigj-focus-areas", "Sexual violence, para. 1") in {(c.doc, c.unit) for c in answer.citations}
    assert "(commentary, not law)" in answer.answer


def test_a_provision_of_the_instrument_named_is_quoted_though_a_long_list_is_far_by_cosine(assistant):
    answer = assistant.ask("What does Protocol II say about rape?")
    assert [(c.doc, c.unit) for c in answer.citations][:1] == [("additional-protocol-ii", "art. 4(2)(e)")]
    assert "rape, enforced prostitution" in answer.citations[0].quote


def test_the_kind_of_armed_conflict_an_instrument_named_is_about_does_not_pull_in_its_scope_provisions(assistant):
    answer = assistant.ask("What does Protocol II say about rape in internal armed conflicts?")
    assert [(c.doc, c.unit) for c in answer.citations][:1] == [("additional-protocol-ii", "art. 4(2)(e)")]


def test_a_question_on_a_civil_war_is_answered_from_protocol_ii_not_protocol_i(assistant):
    answer = assistant.ask("In a civil war, can the death penalty be carried out on pregnant women?")
    assert (answer.citations[0].doc, answer.citations[0].unit) == ("additional-protocol-ii", "art. 6(4)")


def test_a_provision_using_the_instruments_phrase_for_the_practitioners_term_is_quoted_though_further(assistant):
    answer = assistant.ask("Can a psychologist or a relative sit with a survivor while she testifies?")
    assert (answer.citations[0].doc, answer.citations[0].unit) == ("rules-of-procedure-and-evidence", "rule 88(2)")
    assert "a psychologist or a family member be permitted to attend" in answer.lead


def test_only_a_list_of_short_items_is_quoted_whole_not_a_list_of_lists(assistant):
    answer = assistant.ask("When does the ICC's list of war crimes for non-international conflicts apply, rather "
                           "than events being treated as riots?")
    follow_up = assistant.ask("Is the threshold the same under Additional Protocol II?", history=[
        Turn(question=answer.question, cited=[(c.doc, c.unit) for c in answer.citations])])
    assert "art. 8(2)(b)" not in {c.unit for c in follow_up.citations}  # the 26 war crimes of art. 8(2)(b)
    assert follow_up.citations[0].doc == "additional-protocol-ii"


def test_elements_that_lead_are_quoted_whole_with_their_footnotes(assistant):
    answer = assistant.ask("The victim was heavily drugged when she was raped. Under the Elements for rape as a crime "
                           "against humanity, can she be treated as unable to consent?")
    assert answer.citations[0].unit == "art. 7(1)(g)-1"
    assert "Footnote 16: It is understood that a person may be incapable of giving genuine consent if affected by " \
           "natural, induced or age-related incapacity." in answer.answer
    assert answer.citations[0].quote in assistant.store.unit("elements-of-crimes", "art. 7(1)(g)-1").full_text


def test_elements_leading_an_answer_not_on_what_must_be_proved_bring_the_statute_crime(assistant):
    answer = assistant.ask("Is deliberately starving the civilian population a war crime in an international armed "
                           "conflict?")
    units = [(c.doc, c.unit) for c in answer.citations]
    assert units[:2] == [("elements-of-crimes", "art. 8(2)(b)(xxv)"), ("rome-statute", "art. 8(2)(b)(xxv)")]
    assert "Intentionally using starvation of civilians as a method of warfare" in answer.answer


def test_elements_lead_whole_even_when_the_question_asks_about_one_of_them(assistant):
    answer = assistant.ask("For an enforced prostitution charge as a crime against humanity, does anyone have to "
                           "have gained something from it?")
    assert answer.citations[0].unit == "art. 7(1)(g)-3"
    assert "2. The perpetrator or another person obtained or expected to obtain pecuniary or other advantage" \
           in answer.answer


def test_a_provision_that_announces_a_list_is_followed_by_its_items(assistant):
    answer = assistant.ask("What measures can a Chamber order to keep a witness's identity from the press and public?")
    units = [c.unit for c in answer.citations]
    assert units[:6] == ["rule 87(3)", *(f"rule 87(3)({item})" for item in "abcde")]
    assert answer.citations[0].quote.endswith("inter alia:")
    assert "(d) That a pseudonym be used for a victim, a witness or other person at risk" in answer.answer
    assert "[2]" in answer.answer.splitlines()[1]  # an item is cited at its own pinpoint


def test_a_short_item_of_a_list_is_quoted_after_the_provision_announcing_the_list(assistant):
    answer = assistant.ask(
        "Should the Victims and Witnesses Unit include staff with expertise in gender and cultural diversity?")
    assert [(c.doc, c.unit) for c in answer.citations[:2]] == [
        ("rules-of-procedure-and-evidence", "rule 19"), ("rules-of-procedure-and-evidence", "rule 19(e)")]
    lead, item = answer.answer.splitlines()[:2]
    assert lead.startswith("Under ICC RPE, rule 19: ") and lead.endswith("in the following areas: [1]")
    assert item == "(e) Gender and cultural diversity; [2]"


def test_two_items_of_a_short_list_quoted_bring_the_whole_list_after_its_chapeau(assistant):
    answer = assistant.ask("In what order does the ICC apply its sources of law?")
    units = [c.unit for c in answer.citations]
    at = units.index("art. 21(1)")
    assert units[at:at + 4] == ["art. 21(1)", "art. 21(1)(a)", "art. 21(1)(b)", "art. 21(1)(c)"]
    assert "(c) Failing that, general principles of law derived by the Court" in answer.answer  # not only (a), (b)


def test_another_paragraph_of_an_article_quoted_that_qualifies_it_is_quoted_too(assistant):
    answer = assistant.ask("A soldier says he raped detainees because his superior ordered him to. Is that a defence?")
    units = [c.unit for c in answer.citations]
    assert units[0] == "art. 33(1)"  # the defence and its conditions lead
    assert "art. 33(2)" in units  # orders to commit crimes against humanity are manifestly unlawful


def test_the_provision_a_quoted_one_refers_to_is_quoted_when_it_answers_nearly_as_well(assistant):
    answer = assistant.ask("Trials are public. When can a survivor's evidence be heard in closed session?")
    units = [c.unit for c in answer.citations]
    assert units[:2] == ["art. 64(7)", "art. 68(2)"]  # "for the purposes set forth in article 68": its in camera
    assert "in camera" in answer.answer


def test_an_investigation_without_a_referral_is_answered_by_the_prosecutors_proprio_motu_power(assistant):
    answer = assistant.ask("Can the Prosecutor open an investigation without a referral?")
    assert (answer.citations[0].doc, answer.citations[0].unit) == ("rome-statute", "art. 15(1)")
    assert "may initiate investigations proprio motu" in answer.lead


def test_a_list_brought_whole_by_two_of_its_items_leaves_the_lead_and_what_follows_it_in_place(assistant):
    composer = assistant.composer
    rules = "rules-of-procedure-and-evidence"
    cited = [composer._passage(assistant.store.unit(rules, unit)) for unit in ("rule 70(d)", "rule 71", "rule 70(b)")]
    whole = [p.unit for p in composer._whole_lists(cited)]
    assert whole == ["rule 70(d)", "rule 71", "rule 70", "rule 70(a)", "rule 70(b)", "rule 70(c)"]


def test_of_a_long_list_only_the_items_asked_about_follow_it(assistant):
    chapeau = assistant.store.unit("rome-statute", "art. 8(2)(b)")
    passage = assistant.composer._passage(chapeau)
    items = assistant.composer._items(passage, "Is pillaging a town a war crime?", leads=True)
    assert [p.unit for p in items] == ["art. 8(2)(b)(xvi)"]


def test_a_chapeau_whose_items_are_not_quoted_is_related_not_quoted(assistant):
    answer = assistant.ask("Besides persecution, where else does the Statute rely on 'gender as defined in "
                           "article 7, paragraph 3'?")
    assert "For the purpose of paragraph 1:" not in answer.answer  # art. 7(2) alone says nothing
    assert "art. 7(2)" not in [c.unit for c in answer.citations]


def test_of_a_list_only_the_items_the_question_asks_about_follow_it(assistant):
    answer = assistant.ask("Which sexual and gender-based acts can amount to a crime against humanity under the "
                           "Rome Statute?")
    assert [c.unit for c in answer.citations][:2] == ["art. 7(1)", "art. 7(1)(g)"]  # not murder, extermination…
    assert "(a) Murder" not in answer.answer


def test_a_short_sentence_that_restates_the_question_is_quoted_with_the_one_that_answers(assistant):
    answer = assistant.ask("According to WIGJ, how does gender apartheid differ from individual acts of violence?")
    assert "Gender apartheid goes beyond individual acts of violence. It is a structured, pervasive system of " \
           "domination by one gender group over another" in answer.citations[0].quote


def test_a_question_asking_what_a_commentator_says_quotes_more_of_its_paragraphs(assistant):
    answer = assistant.ask("How does WIGJ apply intersectionality in its work with the ICC?")
    quoted = [(c.doc, c.unit) for c in answer.citations]
    assert ("wigj-focus-areas", "Intersectionality, para. 3") in quoted  # "a practical operational lens"
    assert all(doc == "wigj-focus-areas" for doc, _ in quoted)


def test_a_commentators_definition_is_quoted_alone(assistant):
    answer = assistant.ask("What does WIGJ mean by gender apartheid?")
    assert [(c.doc, c.unit) for c in answer.citations] == [("wigj-focus-areas", "Gender apartheid, para. 1")]


def test_elements_that_lead_name_the_statute_provision_of_the_crime(assistant):
    answer = assistant.ask("What must be proven for rape as a crime against humanity?")
    assert answer.lead.startswith("What must be proved for the crime against humanity of rape (a crime under Rome "
                                  "Statute, art. 7(1)(g)) is set out in Elements of Crimes, art. 7(1)(g)-1 [1]:")
    assert (answer.related[0].doc, answer.related[0].unit) == ("rome-statute", "art. 7(1)(g)")  # a link to it


def test_the_instrument_a_question_names_answers_first(assistant):
    answer = assistant.ask("What does the Fourth Geneva Convention say about protecting women against rape?")
    assert [(c.doc, c.unit) for c in answer.citations] == [("geneva-convention-iv", "art. 27(2)")]  # not AP I too


def test_a_concordance_names_no_provision_of_the_other_kind_of_armed_conflict(assistant):
    answer = assistant.ask("In an international armed conflict, is rape a war crime under the Rome Statute?")
    units = [c.unit for c in answer.citations]
    assert "art. 8(2)(b)(xxii)" in units and "art. 8(2)(e)(vi)" not in units


def test_nothing_is_quoted_or_linked_from_an_instrument_not_searched(assistant):
    answer = assistant.ask("What must be proven for rape as a crime against humanity?", doc=["elements-of-crimes"])
    assert {c.doc for c in answer.citations} | {r.doc for r in answer.related} == {"elements-of-crimes"}
    assert "Rome Statute" not in answer.lead  # the crime's Statute provision is not named either


def test_asked_which_provisions_refer_to_one_the_answer_names_and_quotes_them(assistant):
    answer = assistant.ask("Which rules refer to article 69(4)?")
    assert answer.kind == "referrers"
    assert answer.lead.startswith("Rome Statute, art. 69(4) is referred to in ICC RPE, rule 47(2) [1]")
    cited = [(c.doc, c.unit) for c in answer.citations]
    assert ("rules-of-procedure-and-evidence", "rule 71") in cited
    assert all("article 69" in c.quote for c in answer.citations)  # each quoted at the sentence that refers
    assert [(r.doc, r.unit) for r in answer.related] == [("rome-statute", "art. 69(4)")]
    assert answer.sentences[0].status == "kept"  # each provision named contains its referring phrase


def test_a_provision_named_the_instruments_way_is_the_one_whose_referrers_are_listed(assistant):
    answer = assistant.ask("Where else does the Statute rely on 'gender as defined in article 7, paragraph 3'?")
    assert answer.lead.startswith("Rome Statute, art. 7(3) is referred to in")
    assert {("rome-statute", u) for u in ("art. 21(3)", "art. 54(1)(b)", "art. 68(1)")} <= {
        (c.doc, c.unit) for c in answer.citations}


def test_an_article_named_whole_is_the_one_whose_referrers_are_listed_not_its_first_paragraph(assistant):
    answer = assistant.ask("Which provisions refer to article 68?")
    assert answer.lead.startswith("Rome Statute, art. 68 is referred to in")
    assert ("rules-of-procedure-and-evidence", "rule 86") in {(c.doc, c.unit) for c in answer.citations}
    assert not any(c.doc == "rome-statute" and c.unit.startswith("art. 68(") for c in answer.citations)
    assert ("rome-statute", "art. 68(1)") in {(r.doc, r.unit) for r in answer.related}


def test_which_rules_refer_to_an_article_lists_only_rules(assistant):
    answer = assistant.ask("Which rules refer to article 68?")
    assert answer.lead.startswith("Rome Statute, art. 68 is referred to in ICC RPE, rule")
    assert ("rules-of-procedure-and-evidence", "rule 86") in {(c.doc, c.unit) for c in answer.citations}
    assert all(c.unit.startswith("rule ") for c in answer.citations)


def test_a_provision_nothing_refers_to_is_said_so_and_quoted(assistant):
    answer = assistant.ask("Which provisions refer to article 120?")
    assert answer.lead == "No provision searched refers to Rome Statute, art. 120."
    assert [(c.doc, c.unit) for c in answer.citations] == [("rome-statute", "art. 120")]
