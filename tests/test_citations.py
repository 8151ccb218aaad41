"""The citation verifier, on sentences a model might write about real provisions."""

from __future__ import annotations

import pytest

from assistant.answer.citations import (
    check_sentence,
    complete_pieces,
    locate_quote,
    markers_of,
    split_pieces,
    states_law,
)
from assistant.models import Passage

FORCED_PREGNANCY = ("(f) “Forced pregnancy” means the unlawful confinement of a woman forcibly made pregnant, "
                    "with the intent of affecting the ethnic composition of any population or carrying out other "
                    "grave violations of international law.")


def passage(text: str = FORCED_PREGNANCY, unit: str = "art. 7(2)(f)") -> Passage:
    return Passage(doc="rome-statute", unit=unit, heading="Article 7 — Crimes against humanity", page=4,
                   title="Rome Statute of the International Criminal Court", short_title="Rome Statute",
                   text=text, score=1.0, dense=0.8)


SOURCES = {1: passage()}


def test_a_quote_is_found_despite_curly_quotes_case_and_whitespace():
    assert locate_quote("\"forced pregnancy\"  means the unlawful\nconfinement", FORCED_PREGNANCY) == \
        "“Forced pregnancy” means the unlawful confinement"


def test_a_quote_shortened_with_an_ellipsis_must_match_each_part():
    assert locate_quote("unlawful confinement … ethnic composition", FORCED_PREGNANCY)
    assert locate_quote("unlawful confinement … religious composition", FORCED_PREGNANCY) is None


def test_a_reworded_quote_is_not_found():
    assert locate_quote("unlawful detention of a pregnant woman", FORCED_PREGNANCY) is None


@pytest.mark.parametrize("text, markers", [("… [1].", [1]), ("… [1][2]", [1, 2]), ("… [1, 3]", [1, 3]),
                                           ("… [2-4]", [2, 3, 4]), ("no marker", [])])
def test_markers_are_read_in_their_usual_forms(text, markers):
    assert markers_of(text) == markers


def test_a_cited_sentence_with_an_exact_quote_is_kept():
    check, quotes = check_sentence("Forced pregnancy is “the unlawful confinement of a woman forcibly made "
                                   "pregnant” [1].", SOURCES)
    assert check.status == "kept"
    assert quotes[1] == "the unlawful confinement of a woman forcibly made pregnant"


def test_a_sentence_citing_a_source_that_was_not_given_is_removed():
    check, _ = check_sentence("Forced pregnancy is a war crime in every conflict [4].", SOURCES)
    assert check.status == "removed"
    assert "[4]" in check.reason


def test_a_sentence_with_a_fabricated_quote_is_removed():
    check, _ = check_sentence("The Statute calls it “the gravest of all crimes” [1].", SOURCES)
    assert check.status == "removed"
    assert "gravest of all crimes" in check.reason


def test_a_legal_statement_without_citation_is_flagged():
    check, _ = check_sentence("Forced pregnancy requires the intent to affect the ethnic composition.", SOURCES)
    assert check.status == "flagged"
    assert check.reason == "no citation"


def test_a_sentence_unrelated_to_its_source_is_flagged():
    check, _ = check_sentence("Head of state immunity bars prosecution of sitting presidents [1].", SOURCES)
    assert check.status == "flagged"


def test_a_connective_is_not_a_legal_statement():
    assert not states_law("In short:")
    assert states_law("Consent cannot be inferred from silence [2].")


def test_sentences_keep_their_markers_and_lines():
    pieces = split_pieces("Forced pregnancy is defined [1]. It needs intent [1].\n- Confinement is unlawful [1].")
    assert [p.text for p in pieces] == ["Forced pregnancy is defined [1].", "It needs intent [1].",
                                        "- Confinement is unlawful [1]."]
    assert [p.new_line for p in pieces] == [True, False, True]


def test_a_numbered_list_item_stays_one_sentence():
    assert [p.text for p in split_pieces("1. Forced pregnancy is defined in the Statute [1].")] == \
        ["1. Forced pregnancy is defined in the Statute [1]."]


def test_while_streaming_a_list_label_waits_for_its_item():
    done, rest = complete_pieces("1. Forced pregnancy is defined [1].\n2. It")
    assert [p.text for p in done] == ["1. Forced pregnancy is defined [1]."]
    assert rest == "2. It"


def test_while_streaming_only_finished_sentences_are_released():
    done, rest = complete_pieces("Forced pregnancy is defined in art. 7(2)(f) [1]. It requires")
    assert [p.text for p in done] == ["Forced pregnancy is defined in art. 7(2)(f) [1]."]
    assert rest == "It requires"
