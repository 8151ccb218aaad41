"""The structure parsers turn each document into units with the canonical pinpoints of DESIGN.md."""

import re

from conftest import unit_map


def test_rome_statute_has_articles_1_to_128_and_the_bis_articles(units):
    articles = {re.match(r"art\. (\d+(?: bis| ter)?)", u.unit).group(1) for u in units
                if u.doc == "rome-statute" and u.unit.startswith("art.")}
    assert {str(n) for n in range(1, 129)} <= articles
    assert {"8 bis", "15 bis", "15 ter"} <= articles
    assert len(articles) == 131


def test_forced_pregnancy_definition_is_article_7_2_f(units):
    statute = unit_map(units, "rome-statute")
    unit = statute["art. 7(2)(f)"]
    assert unit.text.startswith(
        "(f) “Forced pregnancy” means the unlawful confinement of a woman forcibly made pregnant")
    assert unit.page == 11
    assert unit.context.startswith("2. For the purpose of paragraph 1:")


def test_war_crime_of_sexual_violence_keeps_its_roman_numeral(units):
    statute = unit_map(units, "rome-statute")
    assert statute["art. 8(2)(b)(xxii)"].text.startswith(
        "(xxii) Committing rape, sexual slavery, enforced prostitution")
    assert statute["art. 8(2)(e)(vi)"].text.startswith("(vi) Committing rape, sexual slavery")


def test_letter_i_after_h_is_a_letter_not_a_roman_numeral(units):
    statute = unit_map(units, "rome-statute")
    assert statute["art. 7(2)(i)"].text.startswith("(i) “Enforced disappearance of persons” means")
    assert statute["art. 7(1)(i)"].text.startswith("(i) Enforced disappearance of persons")


def test_article_8_bis_paragraphs_are_cited_with_bis(units):
    statute = unit_map(units, "rome-statute")
    assert statute["art. 8 bis(1)"].text.startswith(
        "1. For the purpose of this Statute, “crime of aggression” means")


def test_elements_of_rape_carry_the_gender_neutral_footnote(units):
    elements = unit_map(units, "elements-of-crimes")
    rape = elements["art. 7(1)(g)-1"]
    assert rape.heading == "Article 7(1)(g)-1 — Crime against humanity of rape"
    assert rape.items[0].startswith("1. The perpetrator invaded the body of a person")
    assert "The concept of “invasion” is intended to be broad enough to be gender-neutral." in rape.full_text
    assert len(rape.items) == 4


def test_elements_of_sexual_slavery_keep_the_footnote_marked_in_the_heading(units):
    slavery = unit_map(units, "elements-of-crimes")["art. 7(1)(g)-2"]
    assert any("more than one perpetrator" in note for note in slavery.notes)


def test_elements_general_introduction_is_cited_by_paragraph(units):
    elements = unit_map(units, "elements-of-crimes")
    assert elements["general introduction, para. 2"].text.startswith("2. As stated in article 30")
    assert elements["art. 7, introduction, para. 3"].text.startswith(
        "3. “Attack directed against a civilian population”")
    assert "art. 8 bis" in elements


def test_rule_70_has_sub_rules_a_to_d(units):
    rules = unit_map(units, "rules-of-procedure-and-evidence")
    assert [f"rule 70({x})" in rules for x in "abcd"] == [True] * 4
    assert "rule 70(e)" not in rules
    assert rules["rule 70(c)"].text.startswith("(c) Consent cannot be inferred by reason of the silence of")
    assert rules["rule 70(c)"].context.startswith("In cases of sexual violence, the Court shall be guided by")
    assert rules["rule 63(4)"].text.startswith(
        "4. Without prejudice to article 66, paragraph 3, a Chamber shall not impose")


def test_rule_with_footnote_printed_at_full_size_keeps_its_number(units):
    rules = unit_map(units, "rules-of-procedure-and-evidence")
    assert rules["rule 4(1)"].heading == "Rule 4 — Plenary sessions"
    assert rules["rule 41(1)"].heading == "Rule 41 — Working languages of the Court"


def test_no_unit_text_contains_a_running_head_or_page_number_line(units):
    for unit in units:
        if unit.doc in ("rome-statute", "rules-of-procedure-and-evidence", "elements-of-crimes"):
            assert "Rome Statute of the International Criminal Court\n" not in unit.text
            assert not re.search(r"Elements of Crimes\s*$", unit.text)


def test_footnote_numbers_are_not_glued_to_words(units):
    glued = [u.unit for u in units
             if u.doc != "genocide-convention" and re.search(r"\b(invaded|killed|detained)\d", u.text)]
    assert glued == []


def test_geneva_convention_paragraphs_are_numbered_by_position(units):
    gc4 = unit_map(units, "geneva-convention-iv")
    assert gc4["art. 27(2)"].text.startswith("Women shall be especially protected against any attack on their honour")
    assert gc4["art. 3(1)(a)"].text.startswith("(a) violence to life and person")


def test_protocol_and_genocide_convention_locators(units):
    assert unit_map(units, "additional-protocol-i")["art. 76(1)"].text.startswith(
        "1. Women shall be the object of special respect")
    assert unit_map(units, "genocide-convention")["art. II(d)"].text.startswith(
        "(d)Imposing measures intended to prevent births")


def test_annex_articles_are_cited_with_their_annex_and_never_collide(units):
    gc3 = unit_map(units, "geneva-convention-iii")
    assert any(locator.startswith("annex II, art. ") for locator in gc3)
    for doc in {u.doc for u in units}:
        locators = [u.unit for u in units if u.doc == doc]
        assert len(locators) == len(set(locators)), doc


def test_dutch_translation_is_not_parsed(units):
    assert not any("Verdrag" in u.text or "Artikel" in u.text for u in units if u.doc.startswith("geneva"))


def test_wigj_sections_are_cited_by_heading_and_paragraph(units):
    wigj = unit_map(units, "wigj-focus-areas")
    assert wigj["Gender apartheid, para. 1"].text.startswith("Gender apartheid refers to an institutionalised")


def test_a_rule_knows_the_chapter_and_section_it_sits_in(units):
    rules = unit_map(units, "rules-of-procedure-and-evidence")
    assert rules["rule 164(2)"].division == ("Chapter 9. Offences and misconduct against the Court — Section I. "
                                             "Offences against the administration of justice under article 70")
    assert rules["rule 17(3)"].division.endswith("Section III. The Registry — Subsection 2. Victims and Witnesses Unit")
    assert rules["rule 12(1)"].division.endswith("Subsection 1. General provisions relating to the Registry")
    assert rules["rule 145(1)"].division == "Chapter 7. Penalties"  # a section closes with its chapter


def test_every_rule_has_a_chapter_and_none_comes_from_the_table_of_contents(units):
    rules = [u for u in units if u.doc == "rules-of-procedure-and-evidence"]
    chapters = list(dict.fromkeys(u.division.split(" — ")[0] for u in rules))
    assert [re.match(r"Chapter (\d+)\. ", c).group(1) for c in chapters] == [str(n) for n in range(1, 13)]
    assert chapters[0] == "Chapter 1. General Provisions"  # not "… General Provisions 1" of the contents


def test_a_statute_article_knows_its_part(units):
    statute = unit_map(units, "rome-statute")
    assert statute["art. 29"].division == "PART 3. GENERAL PRINCIPLES OF CRIMINAL LAW"
    assert statute["art. 7(2)(f)"].division == "PART 2. JURISDICTION, ADMISSIBILITY AND APPLICABLE LAW"
    assert statute["preamble"].division == ""


def test_a_geneva_article_knows_its_part_section_and_chapter(units):
    third = unit_map(units, "geneva-convention-iii")
    assert third["art. 25"].division == ("PART III. CAPTIVITY — SECTION II. INTERNMENT OF PRISONERS OF WAR — "
                                         "CHAPTER II. QUARTERS, FOOD AND CLOTHING OF PRISONERS OF WAR")
    first = unit_map(units, "geneva-convention-i")
    assert first["art. 12(4)"].division == "CHAPTER II. WOUNDED AND SICK"
