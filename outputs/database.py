"""audit.sqlite: the run's results as a real SQLite database for SQL and pandas users.

Tables documents, indicators, figures, findings (foreign keys on doc_id), reviews (the
inspector's decisions in force, from OUT_DIR/reviews.jsonl) and runs (the version key and time
of the run that wrote the file). The file is written fresh each run, in one
transaction; the schema is documented in docs/database.md.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from outputs.tables import to_json
from pipeline.review import INSERT_REVIEW, REVIEWS_SCHEMA, Decision, review_row

SCHEMA = (
    """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    version_key TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    documents INTEGER NOT NULL,
    findings INTEGER NOT NULL
);
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY,
    path TEXT,
    status TEXT NOT NULL,
    error TEXT,
    title TEXT,
    district TEXT,
    city TEXT,
    province TEXT,
    kind TEXT,
    published TEXT,
    publisher TEXT,
    report_year INTEGER,
    source_url TEXT,
    fetched_at TEXT,
    n_indicators INTEGER NOT NULL,
    n_figures INTEGER NOT NULL,
    n_findings INTEGER NOT NULL,
    result_json TEXT NOT NULL
);
CREATE TABLE indicators (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    code TEXT NOT NULL,
    name TEXT,
    level TEXT,
    value REAL,
    unit TEXT,
    standard_op TEXT,
    standard_value REAL,
    standard_unit TEXT,
    meets_standard INTEGER,
    schools_total INTEGER,
    schools_meeting INTEGER,
    cv_primary REAL,
    cv_junior REAL,
    self_conclusion TEXT,
    evidence_start INTEGER,
    evidence_end INTEGER,
    evidence_text TEXT
);
CREATE TABLE figures (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    label TEXT,
    value REAL,
    unit TEXT,
    level TEXT,
    is_target INTEGER,
    year INTEGER,
    start_offset INTEGER,
    end_offset INTEGER,
    text TEXT,
    extra_json TEXT
);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT,
    formula TEXT,
    reported,
    expected,
    evidence_start INTEGER,
    evidence_end INTEGER,
    evidence_text TEXT,
    code TEXT,
    finding_id TEXT,
    review TEXT,
    review_note TEXT,
    extra_json TEXT
);
"""
    + REVIEWS_SCHEMA
)
# Built at close, over the rows in place (one sort per index, not an update per row).
INDEXES = """
CREATE INDEX documents_district ON documents(district);
CREATE INDEX documents_status ON documents(status);
CREATE INDEX indicators_doc_id ON indicators(doc_id);
CREATE INDEX indicators_code ON indicators(code, level);
CREATE INDEX figures_doc_id ON figures(doc_id);
CREATE INDEX findings_doc_id ON findings(doc_id);
CREATE INDEX findings_rule ON findings(rule);
CREATE INDEX findings_severity ON findings(severity);
CREATE INDEX findings_finding_id ON findings(finding_id);
"""

FIGURE_KEYS = ("label", "value", "unit", "level", "is_target", "year", "start", "end", "text")
FINDING_KEYS = ("rule", "severity", "message", "formula", "reported", "expected", "evidence")
REVIEW_KEYS = ("id", "review", "review_note", "reviewer", "reviewed_at")


def write_database(
    results: Iterable[dict], path: Path, version: str = "", reviews: Iterable[Decision] = ()
) -> Path:
    """Create `path` fresh (any old file is replaced) and load every result and the review
    decisions in force into it, one document at a time (the results may be a stream)."""
    database = DatabaseWriter(path, version)
    try:
        for result in results:
            database.add(result)
        return database.close(reviews)
    finally:
        database.discard()


class DatabaseWriter:
    """Rows inserted one document at a time, schema and rows in one transaction, so a batch
    can load each document as it streams past and an error leaves no half-written file."""

    def __init__(self, path: Path, version: str = "", resume: bool = False) -> None:
        """A fresh file at `path` (any old one replaced), or with `resume` the rows of a file
        left unfinished by `close(finish=False)`, to add more to."""
        self.path, self.version = Path(path), version
        if not resume:
            self.path.unlink(missing_ok=True)
        self.con: sqlite3.Connection | None = sqlite3.connect(self.path)
        self.con.execute("PRAGMA foreign_keys = ON")
        self.con.executescript("BEGIN;" + ("" if resume else SCHEMA))

    def add(self, result: dict, result_json: str | None = None) -> None:
        """One document's rows; `result_json` is its JSON when the caller already has it."""
        con, doc_id = self.con, result["doc_id"]
        if result_json is None:
            result_json = json.dumps(result, ensure_ascii=False)
        con.execute(
            "INSERT INTO documents VALUES (" + ",".join("?" * 18) + ")",
            (*_document_row(result), result_json),
        )
        con.executemany(
            "INSERT INTO indicators VALUES (NULL" + ",?" * 18 + ")",
            [_indicator_row(doc_id, i) for i in result.get("indicators") or []],
        )
        con.executemany(
            "INSERT INTO figures VALUES (NULL" + ",?" * 11 + ")",
            [_figure_row(doc_id, f) for f in result.get("figures") or []],
        )
        con.executemany(
            "INSERT INTO findings VALUES (NULL" + ",?" * 15 + ")",
            [_finding_row(doc_id, f) for f in result.get("findings") or []],
        )

    def close(self, reviews: Iterable[Decision] = (), finish: bool = True) -> Path:
        """The decisions in force, the run's row (its counts read from the tables, whoever
        wrote the rows) and the indexes, then commit; without `finish` only the rows are
        committed (a part that another writer resumes)."""
        if finish:
            con = self.con
            con.executemany(INSERT_REVIEW, [review_row(d) for d in reviews])
            con.execute(
                "INSERT INTO runs (version_key, finished_at, documents, findings) "
                "SELECT ?, ?, (SELECT count(*) FROM documents), (SELECT count(*) FROM findings)",
                (self.version, datetime.now(UTC).isoformat(timespec="seconds")),
            )
            for index in filter(str.strip, INDEXES.split(";")):
                con.execute(index)
        self.con.commit()
        self.discard()
        return self.path

    def discard(self) -> None:
        """Roll back what is not committed and close (also after an error)."""
        if self.con is not None:
            self.con.rollback()
            self.con.close()
            self.con = None


def _document_row(result: dict) -> tuple:
    """Every column of documents but result_json."""
    meta = result.get("meta") or {}
    return (
        result["doc_id"],
        result.get("path"),
        result.get("status"),
        result.get("error"),
        meta.get("title"),
        meta.get("district"),
        meta.get("city"),
        meta.get("province"),
        meta.get("kind"),
        meta.get("published"),
        meta.get("publisher"),
        meta.get("report_year"),
        result.get("source_url"),
        result.get("fetched_at"),
        len(result.get("indicators") or []),
        len(result.get("figures") or []),
        len(result.get("findings") or []),
    )


def _indicator_row(doc_id: str, ind: dict) -> tuple:
    std = ind.get("standard") or {}
    cv = ind.get("cv") or {}
    ev = ind.get("evidence") or {}
    return (
        doc_id,
        ind.get("code"),
        ind.get("name"),
        ind.get("level"),
        _scalar(ind.get("value")),
        ind.get("unit"),
        std.get("op"),
        _scalar(std.get("value")),
        std.get("unit"),
        _scalar(ind.get("meets_standard")),
        ind.get("schools_total"),
        ind.get("schools_meeting"),
        _scalar(cv.get("primary")),
        _scalar(cv.get("junior")),
        ind.get("self_conclusion"),
        ev.get("start"),
        ev.get("end"),
        ev.get("text"),
    )


def _figure_row(doc_id: str, fig: dict) -> tuple:
    extra = {k: v for k, v in fig.items() if k not in FIGURE_KEYS}
    return (
        doc_id,
        fig.get("label"),
        _scalar(fig.get("value")),
        fig.get("unit"),
        fig.get("level"),
        _scalar(fig.get("is_target")),
        fig.get("year"),
        fig.get("start"),
        fig.get("end"),
        fig.get("text"),
        to_json(extra) if extra else None,
    )


def _finding_row(doc_id: str, finding: dict) -> tuple:
    ev = finding.get("evidence") or {}
    skip = (*FINDING_KEYS, *REVIEW_KEYS, "code", "doc_id")
    extra = {k: v for k, v in finding.items() if k not in skip}
    return (
        doc_id,
        finding.get("rule"),
        finding.get("severity"),
        finding.get("message"),
        finding.get("formula"),
        _scalar(finding.get("reported")),
        _scalar(finding.get("expected")),
        ev.get("start"),
        ev.get("end"),
        ev.get("text"),
        None if finding.get("code") is None else str(finding["code"]),
        finding.get("id"),
        finding.get("review"),
        finding.get("review_note"),
        to_json(extra) if extra else None,
    )


def _scalar(value: object) -> object:
    """SQLite stores numbers, text and NULL; booleans as 0/1, anything else as JSON text."""
    if value is None or isinstance(value, int | float | str):
        return int(value) if isinstance(value, bool) else value
    return to_json(value)
