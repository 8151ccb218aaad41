"""Feedback from the web app (helpful / wrong or missing citation, with a comment), kept locally in
SQLite for evaluators. Nothing is sent anywhere."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from assistant.private import private_dir, private_file

RATINGS = ("helpful", "wrong or missing citation")
SCHEMA = """
create table if not exists feedback (
    id integer primary key,
    created_at text not null,
    rating text not null,
    comment text not null default '',
    question text not null,
    answer text not null,
    citations text not null
)
"""


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet reads such a cell as a formula


def _inert(value):
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        private_dir(path.parent)  # comments and questions can concern survivors: this user only
        private_file(path)  # SQLite gives its journal the database file's permissions
        with self._connect() as db:
            db.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add(self, rating: str, comment: str, question: str, answer: str, citations: list[dict]) -> int:
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of: {', '.join(RATINGS)}")
        with self._connect() as db:
            cursor = db.execute(
                "insert into feedback (created_at, rating, comment, question, answer, citations) values (?,?,?,?,?,?)",
                (datetime.now(UTC).isoformat(timespec="seconds"), rating, comment[:4000], question,
                 answer, json.dumps(citations, ensure_ascii=False)),
            )
            return int(cursor.lastrowid)

    def rows(self) -> list[dict]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute("select * from feedback order by id")]

    def export(self, fmt: str = "jsonl") -> str:
        rows = self.rows()
        if fmt == "jsonl":
            return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=["id", "created_at", "rating", "comment", "question",
                                                        "answer", "citations"])
            writer.writeheader()
            writer.writerows({key: _inert(value) for key, value in row.items()} for row in rows)
            return buffer.getvalue()
        raise ValueError("format must be jsonl or csv")
