"""Adapting the English embedder to the corpus: all-MiniLM-L6-v2 fine-tuned, on this machine and offline, on
practitioners' questions paired with the provisions that answer them (`corpus/training.jsonl`), so that a
question in a practitioner's words ("Can a head of state claim immunity?") lands nearer the provision in the
instruments' words ("official capacity … shall not bar the Court").

The training questions are not the evaluation sets: they were written apart from them, so every evaluation set
still measures questions the model never saw. Each pair is the question and the text the index embeds for the
provision (its title, chapeau and text); the other provisions of a batch are its negatives (multiple negatives
ranking loss). Training is seeded; the model and a record of what it was trained on (`adaptation.json`) are
written to one folder, which `ASSISTANT_EMBEDDING_MODEL_DIR` then names."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.chunking import chunk_units
from assistant.config import Settings
from assistant.corpus.manifest import load_manifest
from assistant.embedding import ADAPTATION_RECORD, MINILM, SentenceTransformerEmbedder
from assistant.errors import AssistantError
from assistant.index import embedding_texts, parse_available

SCALE = 20.0  # cosine → logit in the ranking loss (sentence-transformers' default for this loss)


class AdaptationError(AssistantError):
    """The training questions cannot be used as given."""


class TrainingQuestion(BaseModel):
    """A practitioner's question and the provisions (doc, unit) that answer it."""

    model_config = ConfigDict(extra="ignore")

    id: str
    question: str
    gold: list[tuple[str, str]]


def load_training(path: Path) -> list[TrainingQuestion]:
    """The training questions of a JSONL file; a line that is not one is reported with its number."""
    if not path.is_file():
        raise AdaptationError(f"no training questions at {path}")
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            questions.append(TrainingQuestion(**json.loads(line)))
        except (ValueError, TypeError, ValidationError) as exc:
            raise AdaptationError(f"{path}:{number}: not a training question ({exc})") from exc
    if not questions:
        raise AdaptationError(f"{path} holds no training questions")
    return questions


def provision_texts(settings: Settings) -> dict[tuple[str, str], str]:
    """Each provision's text as the index embeds it (its first chunk: title words, chapeau, text)."""
    units, _, _ = parse_available(settings, load_manifest(settings.manifest), progress=False)
    if not units:
        raise AdaptationError(f"no documents in {settings.documents_dir}: run `assistant corpus sync` first")
    chunks = [c for c in chunk_units(units, settings.chunk_tokens) if c.kind == "text"]
    texts = embedding_texts(chunks, units)
    first: dict[tuple[str, str], str] = {}
    for chunk, text in zip(chunks, texts):
        first.setdefault((chunk.doc, chunk.unit), text)
    return first


def training_pairs(questions: list[TrainingQuestion], texts: dict[tuple[str, str], str]) -> list[tuple[str, str]]:
    """(question, provision text) for every provision each question names; a provision the corpus does not
    hold is an error that names the question, not a pair silently lost."""
    unknown = [f"{q.id}: {doc} {unit}" for q in questions for doc, unit in q.gold if (doc, unit) not in texts]
    if unknown:
        raise AdaptationError("provisions not in the corpus: " + "; ".join(unknown[:10])
                              + (f" (and {len(unknown) - 10} more)" if len(unknown) > 10 else ""))
    return [(q.question, texts[(doc, unit)]) for q in questions for doc, unit in q.gold]


def _batches(pairs: list[tuple[str, str]], size: int, rng: random.Random) -> list[list[tuple[str, str]]]:
    order = pairs[:]
    rng.shuffle(order)
    return [order[i:i + size] for i in range(0, len(order), size) if len(order[i:i + size]) > 1]


def _train(model, pairs: list[tuple[str, str]], epochs: int, batch_size: int, learning_rate: float, seed: int,
           progress: bool) -> list[float]:
    """Multiple negatives ranking loss: each question against every provision of its batch, its own the
    answer (a provision that answers two questions of a batch is not counted against either)."""
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    optimiser = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    model.train()
    losses = []
    for epoch in range(epochs):
        total, batches = 0.0, _batches(pairs, batch_size, rng)
        for batch in batches:
            questions = model(model.preprocess([q for q, _ in batch]))["sentence_embedding"]
            provisions = model(model.preprocess([p for _, p in batch]))["sentence_embedding"]
            scores = torch.nn.functional.normalize(questions, dim=-1) @ torch.nn.functional.normalize(
                provisions, dim=-1).T * SCALE
            same = torch.tensor([[i != j and batch[i][1] == batch[j][1] for j in range(len(batch))]
                                 for i in range(len(batch))])
            loss = torch.nn.functional.cross_entropy(scores.masked_fill(same, -1e4), torch.arange(len(batch)))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item()
        losses.append(round(total / max(1, len(batches)), 4))
        if progress:
            print(f"epoch {epoch + 1}/{epochs}: loss {losses[-1]}", flush=True)
    model.eval()
    return losses


def adapt(settings: Settings, training: Path, out: Path, *, epochs: int = 3, batch_size: int = 16,
          learning_rate: float = 2e-5, seed: int = 0, progress: bool = False) -> dict:
    """Fine-tune the packaged all-MiniLM-L6-v2 on the training questions and write it, with its record, to
    `out` (replaced only once the new model is complete). Returns the record."""
    if settings.embedding != MINILM and settings.english_embedding != MINILM:
        raise AdaptationError("only all-minilm-l6-v2 can be adapted")
    started = time.perf_counter()
    questions = load_training(training)
    pairs = training_pairs(questions, provision_texts(settings))
    base = SentenceTransformerEmbedder(settings.embedding_package)
    losses = _train(base.model, pairs, epochs, batch_size, learning_rate, seed, progress)
    record = {
        "base_model": base.identity,
        "training": training.name,
        "training_sha256": hashlib.sha256(training.read_bytes()).hexdigest(),
        "questions": len(questions), "pairs": len(pairs), "epochs": epochs, "batch_size": batch_size,
        "learning_rate": learning_rate, "seed": seed, "losses": losses,
        "seconds": round(time.perf_counter() - started, 1),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    building = out.with_name(f"{out.name}.building")
    shutil.rmtree(building, ignore_errors=True)
    base.model.save(str(building))
    (building / ADAPTATION_RECORD).write_text(json.dumps(record, indent=2), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    building.rename(out)
    return record
