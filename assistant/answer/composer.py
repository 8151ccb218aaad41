"""The default extractive answer assembled from what retrieval found: which provisions are quoted
(`select`), and the answer itself (`compose`): the lead by question type, the concordance of a term
across the instruments searched, the closest provisions of law, and the definitions quoted provisions
point to. Needs the index (every unit, the reference graph) and the retriever (the closest law)."""

from __future__ import annotations

import re

from assistant.answer.concordance import Concordance
from assistant.answer.extractive import (
    MAX_PLACES,
    Lookups,
    announces_list,
    compose_answer,
    compose_concordance,
    compose_referrers,
)
from assistant.answer.questions import (
    QuestionKind,
    beyond_the_term,
    concordance_term,
    question_kind,
    question_parts,
)
from assistant.answer.select import (
    Question,
    Selection,
    is_commentary,
    lists_elements,
    select_on_point,
    strength,
    word_cover,
)
from assistant.config import Settings
from assistant.conflicts import conflict_of, conflict_of_provision
from assistant.index import IndexStore
from assistant.locators import article_of, is_within, parent_of, without_elements_suffix
from assistant.models import Answer, Passage, Source, Unit
from assistant.retrieval import (
    Retriever,
    forum_documents,
    hinted_documents,
    in_the_instruments_words,
    instruments_phrases_in,
    synonyms_used,
    without_instrument_names,
)
from assistant.terms import WordWeights, content_stems

CLOSEST_LAW = 3  # provisions quoted when the law does not use the term a question asks about
MAX_REFERRERS = 8  # provisions named and quoted as referring to the one a question names
POOL_MARGIN = 0.1  # a provision ranked after the top k is quoted only when it is this much stronger than all of them
SIBLING_MARGIN = 0.2  # another paragraph of an article quoted is quoted when this close to the best quote
REFERRED_MARGIN = 0.3  # a provision a quoted one refers to is quoted when this close to the best quote
PART_MARGIN = 0.3  # a part's best provision is quoted when the whole question finds it nearly as strong as its best
NAMED_INSTRUMENT_RELIEF = 0.08  # cosine below the decline threshold still quoted from an instrument named
SYNONYM_RELIEF = 0.1  # … and from a provision using the instruments' phrase for a practitioner's term
WORDS_RELIEF = 0.25  # … and from a provision using nearly all the question's words (`ALL_WORDS` of their weight)
ALL_WORDS = 0.9
ENOUGH_WORDS = 3  # … when the corpus knows that many of them ("try" is all it knows of "try someone in absentia")
DEFINED_WITHIN = 30  # characters before a reference in which "as defined in" announces a definition
# A list this short is quoted whole after the provision that announces it, unless the question asks
# about some of its items; a longer one (art. 8(2)(b)'s twenty-six war crimes) only by the items asked
# about. A list that leads the answer may be longer (art. 7(1)'s eleven acts answer "which acts are
# crimes against humanity").
SHORT_ITEM_WORDS = 12  # an item of a list this short ("(e) Gender and cultural diversity;") is quoted after its chapeau
SHORT_LIST = 6
LEADING_LIST = 12
# "Which rules refer to …?": only rules
ASKED_FORM = re.compile(r"\b(?:which|what)\s+(?:other\s+)?(rule|article)s?\b", re.IGNORECASE)
DEFINED_TERM = re.compile(r"“([^”]{2,60})”\s+(?:means|refers to)")  # "“Forced pregnancy” means", "“gender” refers to"


def _best_quote(question: Question, passages: list[Passage], cited: list[Passage]) -> tuple[float, float]:
    """The best retrieval score among the passages, which strengths are measured against, and the strength of the
    best quote, which other provisions must come near to be quoted beside it."""
    top = max(p.score for p in passages)
    return top, max(strength(p, question, top) for p in cited)


class Composer:
    """One per assistant: the corpus-wide data an extractive answer draws on, computed once."""

    def __init__(self, store: IndexStore, retriever: Retriever, sources: list[Source], settings: Settings) -> None:
        self.store = store
        self.retriever = retriever
        self.sources = sources
        self.settings = settings
        self.concordance = Concordance(store.units, sources)
        self.words = WordWeights(u.text for u in store.units)
        self.rarity = self.words.rarity
        self.children: dict[tuple[str, str], list[Unit]] = {}
        self.in_article: dict[tuple[str, str], list[Unit]] = {}
        for unit in store.units:
            self.in_article.setdefault((unit.doc, article_of(unit.unit)), []).append(unit)
            if parent_of(unit.unit) != unit.unit:
                self.children.setdefault((unit.doc, parent_of(unit.unit)), []).append(unit)

    def select(self, text: str, passages: list[Passage], kind: QuestionKind, asked: str = "",
               pool: list[Passage] | None = None) -> Selection:
        """The provisions on point (quoted), the rest related; only close enough ones are quoted. `text` is what was
        searched (a follow-up with its conversation's subject), `asked` (default: the text) the question as asked,
        whose parts each get their best provision. A provision of the `pool` (ranked after the passages by
        retrieval) competes only when it addresses the question clearly better than every passage does."""
        named_docs = frozenset(hinted_documents(text, self.sources))
        text = in_the_instruments_words(text)  # "a 17-year-old": art. 26's "under the age of 18"; "in 1995": art. 11
        question = Question(text, kind, named_docs, self.rarity, self._alternatives(text), self.words.of_question(text),
                            frozenset(forum_documents(text, self.sources)),
                            frozenset(s.id for s in self.sources if not s.asked_about(text)),
                            frozenset((s.id, part) for s in self.sources for part in s.parts_not_asked_about(text)))
        phrases = self._instruments_phrases(text)
        near = [p for p in passages if p.exact or self._close(p, question, phrases)] or passages[:1]
        close = [p for p in pool or [] if p.dense >= self._threshold(p, named_docs)]
        near = near + self._clearly_stronger(question, near, close)
        selection = select_on_point(question, near, max_cited=self.settings.max_cited, margin=self.settings.cite_margin)
        cited = selection.cited + self._each_parts_best(asked or text, question, near, selection.cited)
        cited = cited + self._articles_other_paragraphs(question, passages, cited)
        cited = cited + self._crime_of_leading_elements(passages, cited, kind)
        cited = self._whole_lists(cited + self._referred_to(question, passages + (pool or []), cited))
        return Selection(cited=cited, related=[p for p in passages if p not in cited])

    def _whole_lists(self, cited: list[Passage]) -> list[Passage]:
        """Two or more items of one short list quoted (art. 21(1)(a) and (b)) become the whole list after the
        provision announcing it ("The Court shall apply:" (a), (b), (c)): part of an enumeration misleads."""
        by_list: dict[tuple[str, str], list[Passage]] = {}
        for passage in cited:
            if parent_of(passage.unit) != passage.unit:
                by_list.setdefault((passage.doc, parent_of(passage.unit)), []).append(passage)
        whole: list[Passage] = []
        for passage in cited:
            key = (passage.doc, parent_of(passage.unit))
            quoted = by_list.get(key, [])
            chapeau = self._announcing(passage) if len(quoted) > 1 else None
            items = self.children.get(key, [])
            if (chapeau is None or len(items) > SHORT_LIST
                    or any(announces_list(item.text) for item in items)):  # art. 8(2)'s (a)–(f) are lists themselves
                whole.append(passage)
                continue
            if passage is cited[0]:  # the answer's lead stays first; its list comes where its next item was
                whole.append(passage)
            if passage is (quoted[1] if quoted[0] is cited[0] else quoted[0]):
                whole.append(self._passage(chapeau, scored_as=passage))
                own = {p.unit: p for p in quoted}
                whole += [own.get(item.unit) or self._passage(item, scored_as=passage) for item in items]
        return list({(p.doc, p.unit): p for p in whole}.values())

    @staticmethod
    def _articles_other_paragraphs(question: Question, passages: list[Passage], cited: list[Passage]) -> list[Passage]:
        """The other paragraphs found of an article quoted that address the question nearly as squarely as the
        best quote (within `SIBLING_MARGIN`): "A soldier says he raped detainees because his superior ordered him
        to. Is that a defence?" quotes art. 33(1), the defence, and art. 33(2), that orders to commit genocide or
        crimes against humanity are manifestly unlawful. An article's paragraphs qualify one another; the Elements
        of other crimes and the other paragraphs of a commentary do not."""
        top, best = _best_quote(question, passages, cited)
        quoted = {(p.doc, p.unit) for p in cited}
        articles = {(p.doc, article_of(p.unit)) for p in cited if not is_commentary(p) and not lists_elements(p)}
        found = [p for p in passages if (p.doc, p.unit) not in quoted and (p.doc, article_of(p.unit)) in articles
                 and not p.explains_terms and not lists_elements(p)]
        strengths = {id(p): strength(p, question, top) for p in found}
        return sorted((p for p in found if strengths[id(p)] >= best - SIBLING_MARGIN), key=lambda p: -strengths[id(p)])

    def _crime_of_leading_elements(self, passages: list[Passage], cited: list[Passage],
                                   kind: QuestionKind) -> list[Passage]:
        """The Statute provision of the crime whose Elements lead the answer to a question that does not ask
        what must be proved, when it was found: "Is starving civilians a war crime in an international armed
        conflict?" quotes the Elements of the war crime of starvation, then art. 8(2)(b)(xxv), "Intentionally
        using starvation of civilians as a method of warfare …", which the lead names. (For a question on what
        must be proved, the lead names the provision and the Elements answer.)"""
        if kind is QuestionKind.ELEMENTS or not lists_elements(cited[0]):
            return []
        crime = self._crime_provision(cited[0])
        if crime is None or (crime.doc, crime.unit) in {(p.doc, p.unit) for p in cited}:
            return []
        return [p for p in passages if (p.doc, p.unit) == (crime.doc, crime.unit)][:1]

    def _referred_to(self, question: Question, passages: list[Passage], cited: list[Passage]) -> list[Passage]:
        """The provision a quoted one refers to ("… for the purposes set forth in article 68"; "In accordance
        with article 69, paragraph 2, …"), its unit that addresses the question best, when nearly as strong as
        the best quote (within `REFERRED_MARGIN`): "When can a survivor's testimony be heard in closed session?"
        quotes art. 64(7), which refers to art. 68, and art. 68(2), its "in camera". Not from the Elements,
        whose every crime refers to its Statute provision, nor from commentary."""
        top, best = _best_quote(question, passages, cited)
        found = {(p.doc, p.unit): p for p in passages}
        quoted = {(p.doc, p.unit) for p in cited}
        added: list[Passage] = []
        for passage in cited:
            if lists_elements(passage) or is_commentary(passage):
                continue
            for reference in self.store.refers_to(passage.doc, passage.unit):
                units = [u for u in self.in_article.get((reference.target_doc, article_of(reference.target)), [])
                         if is_within(u.unit, reference.target) and (u.doc, u.unit) not in quoted]
                if not units or len(units) > SHORT_LIST * 2:  # a whole long article is not one provision
                    continue
                candidates = [found[(u.doc, u.unit)] for u in units if (u.doc, u.unit) in found]
                candidates += self.retriever.passages_of(question.text, [(u.doc, u.unit) for u in units
                                                                         if (u.doc, u.unit) not in found])
                strengths = [(strength(p, question, top), p) for p in candidates
                             if not p.explains_terms and not lists_elements(p)]
                value, strongest = max(strengths, key=lambda pair: pair[0], default=(0.0, None))
                if strongest is not None and value >= best - REFERRED_MARGIN:
                    added.append(strongest)
                    quoted.add((strongest.doc, strongest.unit))
        return added

    @staticmethod
    def _clearly_stronger(question: Question, near: list[Passage], pool: list[Passage]) -> list[Passage]:
        """The provisions of the pool that address the question more squarely than the best of `near` by
        `POOL_MARGIN` ("close the courtroom to the public": art. 68(2), ranked ninth by retrieval)."""
        if not near or not pool:
            return []
        top = max(p.score for p in near)
        best = max((strength(p, question, top) for p in near if p.exact or not p.explains_terms), default=0.0)
        return [p for p in pool if not p.explains_terms and strength(p, question, top) >= best + POOL_MARGIN]

    def _each_parts_best(self, text: str, whole: Question, near: list[Passage], cited: list[Passage]) -> list[Passage]:
        """For a question that asks two things ("… a crime against humanity, and what are its elements?"), the
        provision that best answers each part, when the whole question's choice left it out."""
        parts = question_parts(text) if len(near) > 1 else [text]
        if len(parts) < 2:
            return []
        top = max(p.score for p in near)
        floor = max(strength(p, whole, top) for p in near) - PART_MARGIN  # on the whole question too, nearly
        added: list[Passage] = []
        for part in parts:
            kind = question_kind(part)
            kind = kind if kind in (QuestionKind.ELEMENTS, QuestionKind.DEFINITION) else QuestionKind.PROVISION
            asked = Question(part, kind, whole.named_docs, self.rarity, self._alternatives(part),
                             self.words.of_question(part), whole.forum_docs, whole.unasked_docs, whole.unasked_parts)
            best = select_on_point(asked, near, max_cited=1, margin=0.0).cited
            if best and best[0] not in cited + added and strength(best[0], whole, top) >= floor:
                added.append(best[0])
        return added

    def _close(self, passage: Passage, question: Question, phrases: list[str]) -> bool:
        """Whether a provision is close enough to the question to be quoted: by its cosine, or a little further
        when it uses, word for word, the instruments' phrase for a practitioner's term of the question ("circumstantial
        evidence" → the Elements' "inferred from relevant facts and circumstances"), or further still when it uses
        nearly all the question's words (a long provision's cosine is diluted: rule 87(3), the measures that keep a
        victim's identity from the public, is at 0.23 from "Can a survivor's identity be kept from the public?"):
        the embedder does not see that the two say the same."""
        threshold = self._threshold(passage, question.named_docs)
        if passage.dense >= threshold:
            return True
        if (passage.dense >= threshold - WORDS_RELIEF and len(question.weights) >= ENOUGH_WORDS  # its known words
                and word_cover(question, passage) >= ALL_WORDS):
            return True
        if passage.dense < threshold - SYNONYM_RELIEF:
            return False
        text = re.sub(r"\s+", " ", f"{passage.heading} {passage.text}").lower()
        return any(phrase in text for phrase in phrases)

    def _instruments_phrases(self, text: str) -> list[str]:
        """The instruments' phrases (two words or more) for the practitioners' terms the question uses, and for a
        child's age or a year before the Statute entered into force ("before the entry into force of this Statute")."""
        synonyms = self.retriever.synonyms
        return [w.lower() for key in synonyms_used(text, synonyms) for w in synonyms[key] if len(w.split()) > 1] + \
            instruments_phrases_in(text)

    def _threshold(self, passage: Passage, named_docs: frozenset[str]) -> float:
        """How close a provision must be to be quoted. A provision of an instrument the question names
        ("What does Protocol II say about rape?") may be a little less close: a long list such as AP II
        art. 4(2)(e) is far from a short question by its cosine, yet it is what was asked for."""
        relief = NAMED_INSTRUMENT_RELIEF if passage.doc in named_docs else 0.0
        return self.settings.quote_threshold - relief

    def _alternatives(self, text: str) -> dict[str, set[str]]:
        """The instruments' words for the practitioners' words of a question (`corpus/synonyms.toml`), by
        stem: {"survivor": {"victim"}, "histori": {"prior", "subsequ", "sexual", "conduct"}}."""
        alternatives: dict[str, set[str]] = {}
        for key in synonyms_used(text, self.retriever.synonyms):
            for stem in content_stems(key):
                alternatives.setdefault(stem, set()).update(content_stems(" ".join(self.retriever.synonyms[key])))
        return alternatives

    def compose(self, text: str, passages: list[Passage], kind: QuestionKind, selection: Selection,
                docs: list[str] | None, language: str = "en", words: str = "") -> Answer:
        """The answer to `text`; `words` (default: the text) choose each provision's sentence to quote and
        the definitions to add (for a question in another language, the English words of its legal words)."""
        if kind is QuestionKind.CONCORDANCE:
            return self._concordance_answer(text, passages, selection, docs, language)
        named = [p for p in passages if p.exact]
        if kind is QuestionKind.REFERRERS and named:
            provisions, locator = self._named_provision(named)
            return compose_referrers(text, f"{provisions[0].short_title}, {locator}", provisions,
                                     self._referrers(provisions[0].doc, locator, docs, _asked_form(text)), language)
        kind = QuestionKind.PROVISION if kind is QuestionKind.REFERRERS else kind  # no provision named after all
        words = words or text

        def searched(passage: Passage | None) -> bool:  # nothing from an instrument the user did not tick
            return passage is not None and (docs is None or passage.doc in docs)

        lookups = Lookups(definitions=lambda p: [d for d in self._definitions(p, words) if searched(d)],
                          items=lambda p, leads: self._items(p, words, leads),
                          crime_provision=lambda p: crime if searched(crime := self._crime_provision(p)) else None,
                          chapeau=self._chapeau)
        return compose_answer(text, selection, kind, lookups, language=language, words=words,
                              weights=self.words.of_question(words))

    def _concordance_answer(self, text: str, passages: list[Passage], selection: Selection,
                            docs: list[str] | None, language: str = "en") -> Answer:
        """Where the term the question asks about appears in the binding instruments (those retrieved
        first), where commentary uses it, and otherwise the closest provisions of law."""
        term = concordance_term(text) or ""
        occurrences = self.concordance.find(term, docs)
        if not occurrences.binding_instruments:  # only commentary is searched: nothing to say of the law
            return compose_answer(text, selection, QuestionKind.PROVISION, language=language)
        closest = self._closest_law(term, docs, text) if not occurrences.binding else selection
        retrieved = {(p.doc, p.unit): p for p in passages}
        binding = [retrieved.get((u.doc, u.unit)) or self._passage(u) for u in occurrences.binding]
        named = set(hinted_documents(text, self.sources))  # "… under the Rome Statute?": its provisions first
        found = sorted(binding, key=lambda p: (p.doc not in named, p.score == 0.0, -p.score))
        asked = conflict_of(text)  # "In an international armed conflict, is rape a war crime?": not 8(2)(e)
        found = [p for p in found if conflict_of_provision(p) in (None, asked)] if asked else found
        commentary = [retrieved.get((u.doc, u.unit)) or self._passage(u) for u in occurrences.commentary]
        commentary = sorted(commentary, key=lambda p: (p.score == 0.0, -p.score))
        elements = self._elements_asked_for(text, passages, found)
        crime = self._crime_provision(elements) if elements is not None else None
        return compose_concordance(text, occurrences, found, commentary, closest, language, elements, crime)

    def _elements_asked_for(self, text: str, passages: list[Passage], found: list[Passage]) -> Passage | None:
        """For a question that also asks what must be proved ("Is forced sterilisation a crime against humanity,
        and what are its elements?"), the Elements retrieved first of a crime whose provision uses the term."""
        if not any(question_kind(part) is QuestionKind.ELEMENTS for part in question_parts(text)):
            return None
        provisions = {(p.doc, p.unit) for p in found[:MAX_PLACES]}
        return next((p for p in passages if lists_elements(p) and (crime := self._crime_provision(p)) is not None
                     and (crime.doc, crime.unit) in provisions), None)

    @staticmethod
    def _named_provision(named: list[Passage]) -> tuple[list[Passage], str]:
        """The provision a question names, as it names it, and its units found: "article 68" is art. 68, whose
        units art. 68(1) … are what retrieval found; "article 69(4)" is that unit alone."""
        within = [p for p in named if p.doc == named[0].doc]
        locator = named[0].unit
        while not all(is_within(p.unit, locator) for p in within) and parent_of(locator) != locator:
            locator = parent_of(locator)
        if not all(is_within(p.unit, locator) for p in within):  # several provisions named: the first
            return named[:1], named[0].unit
        return within, locator

    def _referrers(self, doc: str, locator: str, docs: list[str] | None,
                   form: str | None = None) -> list[tuple[Passage, str]]:
        """The provisions of the instruments searched that refer to the provision `locator` or to a part of it
        from outside it (the index's reference graph), in corpus order, each with its referring phrase; at
        most `MAX_REFERRERS`; only rules or only articles when `form` ("rule ", "art. ") says so."""
        phrases: dict[tuple[str, str], str] = {}
        for reference in self.store.referred_by(doc, locator):
            key = (reference.doc, reference.unit)
            inside = reference.doc == doc and is_within(reference.unit, locator)
            if not inside and (docs is None or reference.doc in docs) and reference.unit.startswith(form or ""):
                phrases.setdefault(key, reference.phrase)
        found = [(unit, phrase) for (doc, locator), phrase in phrases.items()
                 if (unit := self.store.unit(doc, locator)) is not None]
        return [(self._passage(unit), phrase) for unit, phrase in found[:MAX_REFERRERS]]

    def _closest_law(self, term: str, docs: list[str] | None, question: str = "") -> Selection:
        """The provisions of law closest to a term the law does not use, searched with the instruments'
        words for it (the synonyms file: "forced marriage" → "other inhumane acts"); when none is close to the
        term alone, with the whole `question` ("Are men and boys covered by the Statute's definition of rape?":
        the definition of rape, not provisions on men and boys)."""
        closest = self._closest_to(term, docs)
        rest = without_instrument_names(beyond_the_term(question, term), self.sources, fallback=False)
        if closest.cited or not content_stems(rest):  # "Is femicide a crime under the Rome Statute?": nothing more
            return closest
        return self._closest_to(question, docs, synonyms_of=term)

    def _closest_to(self, words: str, docs: list[str] | None, synonyms_of: str | None = None) -> Selection:
        """The provisions of law closest to `words` with the instruments' words for a term (`synonyms_of`,
        default: the words themselves)."""
        words = " ".join([words, *self.retriever.synonyms.get((synonyms_of or words).lower(), [])])
        found = self.retriever.retrieve(words, docs=docs).passages if docs != [] else []
        near = [p for p in found if not is_commentary(p) and p.dense >= self.settings.quote_threshold]
        law = list({(p.doc, p.unit): p for p in map(self._elaborated, near)}.values())
        question = Question(words, QuestionKind.PROVISION, frozenset(), self.rarity)
        chosen = select_on_point(question, law, max_cited=CLOSEST_LAW, margin=float("inf")) if law else None
        cited = chosen.cited if chosen else []
        return Selection(cited=cited, related=[p for p in found if p not in cited])

    def _elaborated(self, passage: Passage) -> Passage:
        """The Statute provision that the Elements of a crime elaborate (`art. 7(1)(g)-2` → `art. 7(1)(g)`):
        the law a practitioner cites; the passage itself when it elaborates nothing."""
        source = self.retriever.sources.get(passage.doc)
        if source is None or not source.elaborates:
            return passage
        unit = self.store.unit(source.elaborates, without_elements_suffix(passage.unit))
        if unit is None:
            return passage
        return self._passage(unit, scored_as=passage)

    def _crime_provision(self, elements: Passage) -> Passage | None:
        """The Statute provision that the Elements of a crime elaborate: the one a charge is brought under."""
        crime = self._elaborated(elements)
        return None if crime is elements else crime

    def _definitions(self, passage: Passage, question: str) -> list[Passage]:
        """The definitions a quoted provision points to "as defined in" ("forced pregnancy, as defined in
        article 7, paragraph 2 (f)") when the question uses the defined term."""
        asked = content_stems(question)
        found = []
        for reference in self.store.refers_to(passage.doc, passage.unit):
            at = passage.text.find(reference.phrase)
            if at < 0 or "defined" not in passage.text[max(0, at - DEFINED_WITHIN):at]:
                continue
            unit = self.store.unit(reference.target_doc, reference.target)
            term = DEFINED_TERM.search(unit.text) if unit else None
            if term and content_stems(term.group(1)) <= asked:
                found.append(self._passage(unit))
        return found

    def _chapeau(self, item: Passage) -> Passage | None:
        """The provision announcing the list that a short item belongs to ("(e) Gender and cultural diversity;"
        → rule 19's "… persons with expertise, inter alia, in the following areas:"): an item that short says
        nothing alone."""
        if len(item.text.split()) > SHORT_ITEM_WORDS:
            return None
        chapeau = self._announcing(item)
        return self._passage(chapeau) if chapeau is not None else None

    def _announcing(self, item: Passage) -> Unit | None:
        """The provision whose list an item belongs to ("(e) …" → rule 19's "… in the following areas:"), if any."""
        parent = self.store.unit(item.doc, parent_of(item.unit))
        if parent is None or parent.unit == item.unit or not announces_list(parent.text):
            return None
        return parent

    def _items(self, passage: Passage, question: str, leads: bool) -> list[Passage]:
        """The items of the list a provision announces (rule 87(3) → (a)–(e)). When the question has
        words of its own that the provision does not use, the items that use them ("sexual" → art.
        7(1)(g)): those sharing at least two thirds of the best item's weight of such words (rarer
        words weigh more), three at most. Otherwise the whole list when it is short enough."""
        items = self.children.get((passage.doc, passage.unit), [])
        own_words = content_stems(question) - content_stems(f"{passage.heading}\n{passage.text}")
        weight = {u.unit: sum(self.rarity.get(s, 0.0) for s in own_words & content_stems(u.text)) for u in items}
        top = max(weight.values(), default=0.0)
        if top > 0:
            best = sorted((u for u in items if weight[u.unit] >= top * 2 / 3), key=lambda u: -weight[u.unit])[:3]
            items = [u for u in items if u in best]
        elif len(items) > (LEADING_LIST if leads else SHORT_LIST):
            items = []
        return [self._passage(u) for u in items]

    def _passage(self, unit: Unit, scored_as: Passage | None = None) -> Passage:
        """A unit as a passage, with the retrieval scores of the passage it stands for (the Elements' crime
        provision, a list's chapeau and items), else none."""
        source = self.retriever.sources[unit.doc]
        if scored_as is None:
            return Passage.of(unit, source, score=0.0)
        return Passage.of(unit, source, score=scored_as.score, dense=scored_as.dense)


def _asked_form(question: str) -> str | None:
    """The form of provision a question asks for ("Which rules refer to article 68?" → "rule"), or None."""
    match = ASKED_FORM.search(question)
    return None if match is None else {"rule": "rule ", "article": "art. "}[match.group(1).lower()]
