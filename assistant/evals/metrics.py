"""Evaluation metrics. A ranking is a list of positions, each a set of (doc, unit) pinpoints: one
unit per position for this assistant, several for a naive chunk that spans provisions.

Levels: *pinpoint* — a retrieved unit matches a gold pinpoint when it is the same provision or
nested under it (gold `art. 7(2)` is matched by `art. 7(2)(f)`); *article* — the same article or
rule of the same document (`art. 7(1)(g)` matches gold `art. 7(2)(f)`).

- hit@k: 1 if any of the first k positions matches a gold pinpoint.
- recall@k: share of the gold pinpoints matched within the first k positions.
- MRR: 1 / rank of the first matching position (0 if none in the first 10).
- nDCG@10: binary gain, each gold pinpoint credited once, ideal = min(|gold|, 10) hits on top.
- citation precision: share of cited units that match a gold pinpoint or contain a key fact.
- citation recall: share of gold pinpoints matched by a citation.
- answer article / pinpoint hit@5: hit@5 over what an answer shows, its citations then its related
  provisions (the links it lists but does not quote); the items of a quoted list (rule 87(3)(a)–(e)
  after rule 87(3)) share their provision's position.
- lead verified: share of extractive answers that open with a lead whose check passed (its quote is
  verbatim in the provision it cites, or its concordance statement holds).
- quote validity: share of citations whose quote is found verbatim in the cited unit.
- key-fact coverage: share of key facts found in the answer (case and spacing ignored).
- decline precision / recall: of the questions declined, the share that are unanswerable; of the
  unanswerable questions, the share declined. Wrongly declined: share of answerable ones declined.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from assistant.locators import article_of, is_within, parent_of

Pinpoint = tuple[str, str]
Ranking = list[set[Pinpoint]]


def matches(cited: Pinpoint, gold: Pinpoint, level: str) -> bool:
    if cited[0] != gold[0]:
        return False
    if level == "article":
        return article_of(cited[1]) == article_of(gold[1])
    return is_within(cited[1], gold[1])


def as_ranking(pinpoints: Iterable[Pinpoint]) -> Ranking:
    return [{p} for p in pinpoints]


def shown_ranking(cited: list[Pinpoint], related: list[Pinpoint]) -> Ranking:
    """What an answer shows, one position per provision: an item of a list quoted after its provision
    joins that provision's position."""
    ranking: Ranking = []
    position_of: dict[Pinpoint, set[Pinpoint]] = {}
    for doc, unit in cited:
        position = position_of.get((doc, parent_of(unit)))
        if position is None:
            position = set()
            ranking.append(position)
        position.add((doc, unit))
        position_of[(doc, unit)] = position
    return ranking + [{p} for p in related]


def _position_matches(position: set[Pinpoint], gold: Pinpoint, level: str) -> bool:
    return any(matches(p, gold, level) for p in position)


def hit_at_k(ranking: Ranking | list[Pinpoint], gold: list[Pinpoint], k: int, level: str) -> bool:
    ranking = _ranking(ranking)
    return any(_position_matches(pos, g, level) for pos in ranking[:k] for g in gold)


def recall_at_k(ranking: Ranking, gold: list[Pinpoint], k: int, level: str) -> float:
    if not gold:
        return 0.0
    return sum(any(_position_matches(pos, g, level) for pos in ranking[:k]) for g in gold) / len(gold)


def reciprocal_rank(ranking: Ranking, gold: list[Pinpoint], level: str, depth: int = 10) -> float:
    for rank, pos in enumerate(ranking[:depth], start=1):
        if any(_position_matches(pos, g, level) for g in gold):
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranking: Ranking, gold: list[Pinpoint], level: str, k: int = 10) -> float:
    if not gold:
        return 0.0
    credited: set[int] = set()
    dcg = 0.0
    for rank, pos in enumerate(ranking[:k], start=1):
        fresh = [i for i, g in enumerate(gold) if i not in credited and _position_matches(pos, g, level)]
        if fresh:
            credited.add(fresh[0])
            dcg += 1.0 / math.log2(rank + 1)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return dcg / ideal


CURLY_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
FOOTNOTE_MARKER = re.compile(r"\[\^\d+\]")
GLUED_FOOTNOTE = re.compile(r"(?<=[a-z,.;:”)])\d+\b")  # "pregnancy12" in raw PDF text: a footnote number
LEADING_LABEL = re.compile(r"^\s*(\d+\.|\([0-9a-z]+\))\s*")  # a provision's own label: "3." or "(b)"


def normalise(text: str, *, raw: bool = False) -> str:
    """Text as compared for matching: lower case, single spaces, straight quotation marks. `raw=True`
    also removes what text extracted from a PDF carries that a fact or a provision's opening does not:
    footnote markers (`[^3]`), footnote numbers glued to words and a leading provision label."""
    if raw:
        text = LEADING_LABEL.sub("", GLUED_FOOTNOTE.sub("", FOOTNOTE_MARKER.sub("", text)))
    return re.sub(r"\s+", " ", text.translate(CURLY_QUOTES)).strip().lower()


def contains_fact(text: str, facts: list[str]) -> bool:
    body = normalise(text)
    return any(normalise(fact) in body for fact in facts)


def key_fact_coverage(answer: str, facts: list[str]) -> float:
    if not facts:
        return 0.0
    body = normalise(answer)
    return sum(normalise(fact) in body for fact in facts) / len(facts)


# Where a key fact the answer misses is, from the nearest to the answer to the farthest: which stage lost it
MISSED_IN_QUOTED = "in a quoted provision, not in its quoted sentence"
MISSED_IN_RELATED = "in a related provision, not quoted"
MISSED_RANKED_LOWER = "retrieved, ranked below the related provisions"
MISSED_NOT_RETRIEVED = "not retrieved"
MISSED_STAGES = (MISSED_IN_QUOTED, MISSED_IN_RELATED, MISSED_RANKED_LOWER, MISSED_NOT_RETRIEVED)


def where_missed(holders: set[Pinpoint], cited: list[Pinpoint], related: list[Pinpoint],
                 retrieved: list[Pinpoint]) -> str:
    """Which stage lost a key fact the answer does not quote, given the provisions holding it: selection
    (quoted elsewhere in a cited provision, or only related) or retrieval (ranked lower, or not found)."""
    for stage, shown in ((MISSED_IN_QUOTED, cited), (MISSED_IN_RELATED, related), (MISSED_RANKED_LOWER, retrieved)):
        if holders & set(shown):
            return stage
    return MISSED_NOT_RETRIEVED


def citation_precision(cited: list[Pinpoint], cited_texts: list[str], gold: list[Pinpoint], facts: list[str]) -> float:
    if not cited:
        return 0.0
    good = sum(
        any(matches(c, g, "pinpoint") for g in gold) or contains_fact(text, facts)
        for c, text in zip(cited, cited_texts)
    )
    return good / len(cited)


def lead_verified(checks) -> bool:
    """Whether an answer's lead (its first checked sentence) passed the verifier."""
    return bool(checks) and checks[0].status == "kept"


def citation_recall(cited: list[Pinpoint], gold: list[Pinpoint]) -> float:
    if not gold:
        return 0.0
    return sum(any(matches(c, g, "pinpoint") for c in cited) for g in gold) / len(gold)


def _ranking(ranking: Ranking | list[Pinpoint]) -> Ranking:
    if ranking and not isinstance(ranking[0], set):
        return as_ranking(ranking)  # type: ignore[arg-type]
    return ranking  # type: ignore[return-value]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation between the closest ranks, as numpy's
    default; 0.0 when there are no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
