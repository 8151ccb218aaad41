"""The default answerer: no LLM. An answer opens with a lead that answers the question, built only
from a verbatim quote and a fixed connective (`prompts/lead_*.txt`) and checked like generated text;
then the other provisions it cites, law first and grouped by instrument, each line a verbatim quote
ending with its citation marker. What retrieval found but the answer does not quote is `related`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from assistant.answer.citations import locate_quote
from assistant.answer.concordance import Occurrences, term_pattern
from assistant.answer.questions import QuestionKind
from assistant.answer.select import DEFINES, Selection, is_commentary, lists_elements
from assistant.chunking import split_sentences
from assistant.locators import heading_name
from assistant.models import Answer, Citation, Passage, Related, SentenceCheck
from assistant.prompts import load_prompt
from assistant.terms import content_stems

LEADING_LABEL = re.compile(r"^(?:\d+\.\s*)?(?:\([0-9a-z]{1,6}\)\s*)+|^\d+\.\s+")
WHOLE_PROVISION_WORDS = 100  # a provision this short is quoted whole rather than by its best sentence
MAX_PLACES = 3  # provisions named in a concordance lead
SHORT_SENTENCE_WORDS = 15  # a best sentence this short is quoted with the sentence that follows it
NEIGHBOUR_SHARE = 0.75  # a neighbouring sentence matching the question this well is quoted too


def _sentence_score(sentence: str, question_weights: Mapping[str, float], definition: bool, position: int) -> float:
    """The question's words a sentence uses, each by its weight (`_question_weights`)."""
    stems = content_stems(sentence)
    overlap = sum(question_weights[s] for s in stems & question_weights.keys())
    score = overlap / (1.0 + 0.02 * len(stems))
    if definition and DEFINES.search(sentence):
        score += 0.5
    return score - 0.01 * position


def announces_list(quote: str) -> bool:
    """A quote that ends by announcing a list ("… where:", "… inter alia:"): a chapeau, whose items say it."""
    return quote.rstrip().endswith(":")


def best_quote(passage: Passage, question: str, *, kind: QuestionKind | None = None, term: str = "",
               weights: Mapping[str, float] | None = None) -> str:
    """The verbatim span of the passage to quote, without its provision label ("(f)"): all elements of
    a crime, with the footnotes that qualify them, for a question on what must be proved; a short
    provision of the corpus whole (an uploaded paragraph is anyone's text); else the sentence that
    best matches the question (the one using `term`, if given)."""
    body = passage.text.split("\nFootnote ")[0]
    if kind is QuestionKind.ELEMENTS and lists_elements(passage):
        return passage.text
    if len(body.split()) <= WHOLE_PROVISION_WORDS and "\n" not in body and not term and passage.authority != "upload":
        return LEADING_LABEL.sub("", body).strip() or body
    sentences = split_sentences(passage.text) or [passage.text]
    if term and (using := [s for s in sentences if term_pattern(term).search(s)]):
        sentences = using
    question_weights = _question_weights(question, weights)
    definition = kind is QuestionKind.DEFINITION
    scores = [_sentence_score(s, question_weights, definition, i) for i, s in enumerate(sentences)]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    quote = _with_neighbour(sentences, scores, best, passage.text)
    return LEADING_LABEL.sub("", quote).strip() or quote


def _question_weights(question: str, weights: Mapping[str, float] | None) -> dict[str, float]:
    """Each content stem of the question → its weight relative to the question's average word: its rarity in the
    corpus when `weights` gives it, else 1 (so "details of the plan" outweighs "crimes against humanity", which
    every sentence on the subject uses)."""
    stems = content_stems(question)
    if not weights:
        return dict.fromkeys(stems, 1.0)
    raw = {stem: weights.get(stem, 1.0) for stem in stems}
    average = sum(raw.values()) / len(raw) if raw else 1.0
    return {stem: weight / (average or 1.0) for stem, weight in raw.items()}


def _with_neighbour(sentences: list[str], scores: list[float], best: int, text: str) -> str:
    """The best sentence, with the sentence beside it when that one matches the question nearly as
    well, or when the best is short: a sentence that restates the question ("Gender apartheid goes
    beyond individual acts of violence.") is answered by the next one. Two sentences at most, and
    only where they stand together in the text."""
    sentence = sentences[best]
    neighbours = [i for i in (best - 1, best + 1) if 0 <= i < len(sentences) and "Footnote " not in sentences[i][:9]]
    if not neighbours:
        return sentence
    other = max(neighbours, key=lambda i: scores[i])
    if len(sentence.split()) >= SHORT_SENTENCE_WORDS and scores[other] < NEIGHBOUR_SHARE * scores[best]:
        return sentence
    if len(sentence.split()) < SHORT_SENTENCE_WORDS and best + 1 in neighbours:
        other = best + 1  # a short sentence is explained by what follows it
    first, second = sorted((best, other))
    pair = f"{sentences[first]} {sentences[second]}"
    return pair if pair in text else sentence


def _label(passage: Passage) -> str:
    return passage.citation_label


def _line(passage: Passage, quote: str, marker: int, language: str = "en") -> list[str]:
    """A quoted provision: one line, or one line per element of a crime."""
    template = load_prompt("commentary_line" if is_commentary(passage) else "extractive_line", language)
    first, *rest = quote.split("\n")
    return [template.format(label=_label(passage), quote=first.strip(), marker=marker),
            *(f"{piece.strip()} [{marker}]" for piece in rest)]


def _lead(passage: Passage, quote: str, kind: QuestionKind, crime_provision: Passage | None = None,
          language: str = "en") -> list[str]:
    """The opening sentence(s): a fixed connective and the verbatim quote of the strongest provision
    (for the Elements of a crime, naming the Statute provision of the crime when there is one)."""
    if kind is QuestionKind.ELEMENTS and lists_elements(passage):
        return _elements_lines(passage, quote, 1, crime_provision, language)
    if is_commentary(passage):
        name = "lead_commentary"
    else:
        name = "lead_definition" if kind is QuestionKind.DEFINITION and DEFINES.search(quote) else "lead_provision"
    return [load_prompt(name, language).format(label=_label(passage), quote=quote, marker=1)]


def _elements_lines(elements: Passage, quote: str, marker: int, crime_provision: Passage | None = None,
                    language: str = "en") -> list[str]:
    """What must be proved for a crime, naming the Statute provision of the crime when there is one, then each
    element on its own line."""
    crime = heading_name(elements.heading)
    under = ("" if crime_provision is None
             else " " + load_prompt("crime_under", language).format(provision=_label(crime_provision)))
    opening = load_prompt("lead_elements", language).format(
        label=_label(elements), crime=crime[:1].lower() + crime[1:], under=under, marker=marker)
    return [opening, *(f"{piece.strip()} [{marker}]" for piece in quote.split("\n"))]


def check_lead(lead: str, passage: Passage, quote: str) -> SentenceCheck:
    """The lead passes when its quote is found verbatim in the provision it cites."""
    located = locate_quote(quote, passage.text)
    if located is None:
        return SentenceCheck(text=lead, markers=[1], status="removed",
                             reason="the quoted words are not in the cited provision")
    return SentenceCheck(text=lead, markers=[1], status="kept", reason="cites [1]; 1 quote(s) found")


def by_instrument(passages: list[Passage]) -> list[Passage]:
    """Law first, then commentary; within each, provisions of one instrument together, in order."""
    order = list(dict.fromkeys(p.doc for p in passages))
    return sorted(passages, key=lambda p: (is_commentary(p), order.index(p.doc)))


def related_of(passages: list[Passage]) -> list[Related]:
    return [Related.of(p) for p in passages]


@dataclass(frozen=True)
class Lookups:
    """What an answer looks up in the index beyond the provisions selected."""

    definitions: Callable[[Passage], list[Passage]] = lambda passage: []  # "as defined in" → the definition
    items: Callable[[Passage, bool], list[Passage]] = lambda passage, leads: []  # the list a provision announces
    crime_provision: Callable[[Passage], Passage | None] = lambda elements: None  # Elements → the Statute's crime
    chapeau: Callable[[Passage], Passage | None] = lambda item: None  # "(e) Gender and cultural diversity;" → rule 19


def compose_answer(
    question: str, selection: Selection, kind: QuestionKind = QuestionKind.PROVISION, lookups: Lookups = Lookups(),
    language: str = "en", words: str = "", weights: Mapping[str, float] | None = None,
) -> Answer:
    """Lead from the strongest cited provision, then the other cited provisions (and the definitions
    they point to), grouped by instrument; the fixed words in `language`, the quotes verbatim, each
    provision's sentence chosen by `words` (the question's, or the English words for the legal words
    of a question in another language). A quote that ends by announcing a list ("… where:", "…
    inter alia:") is followed by its items, each cited at its own pinpoint. Elements that lead name
    the Statute provision of the crime, which comes first among the related provisions."""
    words = words or question
    if not selection.cited:
        raise ValueError("an answer needs at least one provision to cite")
    lead_passage, *others = selection.cited
    listed_items: list[Passage] = []  # a short item that leads is quoted after the provision announcing its list
    chapeau = lookups.chapeau(lead_passage)
    if chapeau is not None and _key(chapeau) not in {_key(p) for p in others}:
        listed_items = [p for p in selection.cited if _key(lookups.chapeau(p) or p) == _key(chapeau)]
        lead_passage, others = chapeau, [p for p in others if p not in listed_items]
    # Elements that lead are quoted whole, whatever was asked of them: one element alone misleads
    lead_kind = QuestionKind.ELEMENTS if lists_elements(lead_passage) else kind
    lead_quote = best_quote(lead_passage, words, kind=lead_kind, weights=weights)
    crime = lookups.crime_provision(lead_passage) if lead_kind is QuestionKind.ELEMENTS else None
    lines = _lead(lead_passage, lead_quote, lead_kind, crime, language)
    checks = [check_lead(lines[0], lead_passage, lead_quote.split("\n")[0])]
    citations = [Citation.of(1, lead_passage, lead_quote)]

    def listed(passage: Passage, quote: str) -> list[Passage]:
        if not announces_list(quote):
            return []
        return [item for item in lookups.items(passage, passage is lead_passage)
                if _key(item) not in {(c.doc, c.unit) for c in citations}]

    def add_items(found: list[Passage]) -> None:
        for item in found:
            marker = len(citations) + 1
            lines.append(load_prompt("item_line").format(quote=item.text.strip(), marker=marker))
            citations.append(Citation.of(marker, item, item.text.strip()))

    add_items(listed_items or listed(lead_passage, lead_quote))
    supporting = by_instrument(others)
    pointed_from: dict[tuple[str, str], Passage] = {}  # definition → the quoted provision that points to it
    for passage in [lead_passage, *supporting]:
        for definition in lookups.definitions(passage):
            if _key(definition) not in {_key(p) for p in [lead_passage, *supporting]}:
                supporting.append(definition)
                pointed_from[_key(definition)] = passage
    unquoted: list[Passage] = []
    for passage in supporting:
        if _key(passage) in {(c.doc, c.unit) for c in citations}:  # already quoted as an item of a list
            continue
        # the Elements of a crime are quoted whole wherever they are quoted: one element alone misleads
        quote = best_quote(passage, words, kind=QuestionKind.ELEMENTS if lists_elements(passage) else kind,
                           weights=weights)
        found = listed(passage, quote)
        if announces_list(quote) and not found:  # "For the purpose of paragraph 1:" says nothing alone
            unquoted.append(passage)
            continue
        marker = len(citations) + 1
        if _key(passage) in pointed_from:
            lines.append(load_prompt("definition_line", language).format(
                label=_label(passage), referrer=pointed_from[_key(passage)].unit, quote=quote, marker=marker))
        else:
            lines += _line(passage, quote, marker, language)
        citations.append(Citation.of(marker, passage, quote))
        add_items(found)
    return Answer(question=question, answer="\n".join(lines), declined=False, citations=citations,
                  related=_not_quoted([*([crime] if crime else []), *unquoted, *selection.related], citations),
                  lead=lines[0], sentences=checks, kind=kind.value, language=language)


def _key(passage: Passage) -> tuple[str, str]:
    return passage.doc, passage.unit


def _not_quoted(passages: list[Passage], citations: list[Citation]) -> list[Related]:
    quoted = {(c.doc, c.unit) for c in citations}
    unique = {_key(p): p for p in reversed(passages)}  # the first occurrence wins
    return related_of([p for p in reversed(unique.values()) if _key(p) not in quoted])


def compose_concordance(
    question: str, occurrences: Occurrences, found: list[Passage], commentary: list[Passage], closest: Selection,
    language: str = "en", elements: Passage | None = None, crime: Passage | None = None,
) -> Answer:
    """Where the term appears verbatim in the binding instruments (`found`: the provisions to quote),
    or that it appears in none of them, then the `elements` of the `crime` when the question also asks what
    must be proved, then where commentary uses it, then the closest provisions."""
    term = occurrences.term
    citations: list[Citation] = []
    lines: list[str] = []
    quoted: list[Passage] = []

    def cite(passage: Passage, quote: str) -> int:
        citations.append(Citation.of(len(citations) + 1, passage, quote))
        quoted.append(passage)
        return len(citations)

    places = [(p, best_quote(p, question, term=term)) for p in found[:MAX_PLACES]]
    if places:
        markers = [cite(p, q) for p, q in places]
        more = len(occurrences.binding) - len(places)
        lead = load_prompt("lead_term_found", language).format(
            term=term, places=_named_places([p for p, _ in places], markers))
        if more > 0:
            more_words = load_prompt("lead_term_more" if more > 1 else "lead_term_one_more", language)
            lead += ", " + more_words.format(count=more)
        lead += "."
        lines.append(lead)
        lines += [line for (p, q), marker in zip(places, range(1, len(places) + 1))
                  for line in _line(p, q, marker, language)]
        if elements is not None:
            quote = best_quote(elements, question, kind=QuestionKind.ELEMENTS)
            lines += _elements_lines(elements, quote, cite(elements, quote), crime, language)
    else:
        lead = load_prompt("lead_term_absent", language).format(
            term=term, instruments=", ".join(occurrences.binding_instruments))
        lines.append(lead)
    for passage in commentary[:1]:
        quote = best_quote(passage, question, term=term)
        lines += _line(passage, quote, cite(passage, quote), language)
    closest_law = [p for p in closest.cited if _key(p) not in {_key(q) for q in quoted} and not is_commentary(p)]
    if not places and closest_law:
        lines.append(load_prompt("closest_provisions", language))
    for passage in ([] if places else closest_law):
        quote = best_quote(passage, question)
        if not announces_list(quote):  # a chapeau without its items ("… the following principles:")
            lines += _line(passage, quote, cite(passage, quote), language)
    check = check_concordance(lead, term, [p for p, _ in places], len(occurrences.binding))
    related = _not_quoted([*closest.cited, *closest.related], citations)
    return Answer(question=question, answer="\n".join(lines), declined=False, citations=citations,
                  related=related, lead=lead, sentences=[check], kind=QuestionKind.CONCORDANCE.value,
                  language=language)


def compose_referrers(question: str, target: str, provisions: list[Passage], referrers: list[tuple[Passage, str]],
                      language: str = "en") -> Answer:
    """The provisions that refer to `target` (the label of the provision the question names, whose units are
    `provisions`), each with the phrase that points to it ("as defined in article 7, paragraph 3"), named in
    the lead and quoted at the sentence of that phrase, the target's units as related; or that none does,
    and the target's first unit quoted."""
    citations: list[Citation] = []
    lines: list[str] = []
    places = [(p, best_quote(p, question, term=phrase)) for p, phrase in referrers]
    for passage, quote in places:
        citations.append(Citation.of(len(citations) + 1, passage, quote))
    if places:
        markers = list(range(1, len(places) + 1))
        lead = load_prompt("lead_referred_by", language).format(
            target=target, places=_named_places([p for p, _ in places], markers)) + "."
        lines.append(lead)
        lines += [line for (p, q), marker in zip(places, markers) for line in _line(p, q, marker, language)]
        check = check_referrers(lead, referrers)
    else:
        quote = best_quote(provisions[0], question)
        citations.append(Citation.of(1, provisions[0], quote))
        lead = load_prompt("lead_not_referred", language).format(target=target)
        lines += [lead, *_line(provisions[0], quote, 1, language)]
        check = SentenceCheck(text=lead, markers=[1], status="kept",
                              reason="no provision searched refers to it in the index's reference graph")
    return Answer(question=question, answer="\n".join(lines), declined=False, citations=citations,
                  related=related_of(provisions if places else provisions[1:]), lead=lead, sentences=[check],
                  kind=QuestionKind.REFERRERS.value, language=language)


def check_referrers(lead: str, referrers: list[tuple[Passage, str]]) -> SentenceCheck:
    """A referrers lead passes when every provision it names contains the phrase that refers."""
    missing = [_label(p) for p, phrase in referrers if phrase not in p.text]
    if missing:
        return SentenceCheck(text=lead, status="removed", reason=f"no referring phrase in {', '.join(missing)}")
    return SentenceCheck(text=lead, markers=list(range(1, len(referrers) + 1)), status="kept",
                         reason="each provision named contains the phrase that refers to it")


def check_concordance(lead: str, term: str, places: list[Passage], binding_count: int) -> SentenceCheck:
    """A concordance lead passes when every provision it names contains the term (found), or when no
    binding provision does (absent)."""
    pattern = term_pattern(term)
    if places:
        missing = [_label(p) for p in places if not pattern.search(p.text)]
        if missing:
            return SentenceCheck(text=lead, status="removed", reason=f"the term is not in {', '.join(missing)}")
        return SentenceCheck(text=lead, markers=list(range(1, len(places) + 1)), status="kept",
                             reason=f"the term is in each provision named ({binding_count} binding provisions in all)")
    if binding_count:
        return SentenceCheck(text=lead, status="removed", reason=f"the term is in {binding_count} binding provisions")
    return SentenceCheck(text=lead, status="kept", reason="no binding provision of the corpus contains the term")


def _named_places(passages: list[Passage], markers: list[int]) -> str:
    """"Rome Statute, art. 7(1)(g) [1], art. 7(2)(f) [2] and Elements of Crimes, art. 7(1)(g)-4 [3]": the
    instrument named before its first provision of a run."""
    return _joined([f"{_label(p) if i == 0 or p.doc != passages[i - 1].doc else p.unit} [{marker}]"
                    for i, (p, marker) in enumerate(zip(passages, markers))])


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def decline(question: str, instruments: list[str], reason: str, why: str = "",
            closest: list[Passage] | None = None, language: str = "en") -> Answer:
    """A decline in plain words (`why`, in the question's language; `reason` keeps the measurement for
    the JSON, in English), with the closest provisions as related, when any are near enough to help."""
    searched = (load_prompt("decline_searched", language).format(instruments=", ".join(instruments))
                if instruments else "")
    text = " ".join(part for part in (why or load_prompt("decline", language), searched) if part)
    return Answer(question=question, answer=text, declined=True, reason=reason,
                  related=related_of(closest or []), language=language)
