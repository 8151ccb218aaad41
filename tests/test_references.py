"""Cross-references inside the corpus, resolved to units at index time: a provision that relies on a
definition elsewhere points to it, and a definition knows what refers to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus.references import find_references
from assistant.models import Source, Unit

UNRESOLVED = Path(__file__).parent / "fixtures" / "unresolved_references.txt"
RS, RPE, GC4 = "rome-statute", "rules-of-procedure-and-evidence", "geneva-convention-iv"


def targets(store, doc: str, locator: str) -> set[tuple[str, str]]:
    return {(r.target_doc, r.target) for r in store.refers_to(doc, locator)}


def test_forced_pregnancy_is_defined_in_one_place_and_referred_to_by_the_war_crimes(assistant):
    referring = {(r.doc, r.unit) for r in assistant.store.referred_by(RS, "art. 7(2)(f)")}
    assert {(RS, "art. 8(2)(b)(xxii)"), (RS, "art. 8(2)(e)(vi)")} <= referring


def test_the_rules_cite_the_statutes_articles(assistant):
    assert (RS, "art. 66(3)") in targets(assistant.store, RPE, "rule 63(4)")
    assert (RS, "art. 69(4)") in targets(assistant.store, RPE, "rule 71")


def test_a_paragraph_of_the_same_article_is_resolved_in_that_article(assistant):
    assert (RS, "art. 7(3)") in targets(assistant.store, RS, "art. 7(1)(h)")  # gender "as defined in paragraph 3"


def test_common_article_3_is_the_geneva_conventions_not_the_statutes_article_3(assistant):
    assert targets(assistant.store, RS, "art. 8(2)(c)") == {(GC4, "art. 3")}


def test_an_elements_crime_points_to_the_statute_provision_it_elaborates(assistant):
    assert targets(assistant.store, "elements-of-crimes", "art. 7(1)(g)-4") == {(RS, "art. 7(1)(g)")}


def test_lists_and_ranges_are_each_resolved(assistant):
    assert {(RPE, f"rule {n}") for n in range(164, 170)} <= targets(assistant.store, RPE, "rule 163(1)")
    assert {(RS, "art. 87(5)"), (RS, "art. 87(7)")} <= targets(assistant.store, RS, "art. 112(2)(f)")


@pytest.mark.parametrize("doc", [RS, RPE])
def test_at_least_95_percent_of_the_statutes_and_the_rules_references_resolve(assistant, doc):
    counts = assistant.store.manifest["references"][doc]
    assert counts["found"] > 200 and counts["resolved"] / counts["found"] >= 0.95


def test_the_unresolved_references_are_the_known_ones(assistant):
    """Listed in tests/fixtures/unresolved_references.txt: a parser change that loses or gains one shows here."""
    found = {f"{r.doc} | {r.unit} | {r.phrase}" for r in assistant.store.references if r.target is None}
    assert found == set(UNRESOLVED.read_text(encoding="utf-8").splitlines())


def test_a_reference_to_another_instrument_is_not_read_as_one_to_this_one():
    source = Source(id="gc-i", title="GC I", short_title="GC I", family="treaty-md", authority="treaty",
                    file="gc-i.md")
    unit = Unit(doc="gc-i", unit="art. 20", heading="Article 20", text=(
        "Hospital ships entitled to the protection of the Geneva Convention shall not be attacked, as provided "
        "in Article 38 of the Geneva Convention for the Amelioration of the Condition of Wounded at Sea."))
    assert find_references([unit], [source]) == []


def test_a_cited_provision_lists_the_provisions_it_refers_to_and_that_refer_to_it(assistant):
    links = assistant.linked_provisions(RS, "art. 8(2)(b)(xxii)")
    label, text = next(p for p in links["Refers to"] if p[0] == "Rome Statute, art. 7(2)(f)")
    assert "“Forced pregnancy” means the unlawful confinement" in text
    defined = assistant.linked_provisions(RS, "art. 7(2)(f)")["Referred to by"]
    assert {"Rome Statute, art. 8(2)(b)(xxii)", "Rome Statute, art. 8(2)(e)(vi)"} <= {label for label, _ in defined}
