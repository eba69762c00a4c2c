"""An inspector's decisions on findings: stable finding ids, and confirm/dismiss that survive re-runs.

A finding's id is a hash of its document (doc_id, the start of the file's sha256), its rule,
the hash of its evidence text and its rank among findings with that rule and text: it stays
the same however often a corpus is re-run or re-crawled with the same bytes, and it changes
when the sentence the finding rests on changes.

Decisions live in `OUT_DIR/reviews.jsonl`, an append-only journal (one decision per line, the
last line for a finding wins) that the batch run never rewrites: every run reads it and carries
the decisions into all outputs (and into the `reviews` table of `audit.sqlite`, which it
rebuilds). When a document changed, a decision on a finding of the same file whose rule and
evidence text are unchanged carries over; one whose evidence text changed comes back open.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

JOURNAL = "reviews.jsonl"
DECISIONS = ("confirmed", "dismissed", "open")
STATE_LABEL = {"open": "待复核", "confirmed": "已确认", "dismissed": "已排除"}


@dataclass(frozen=True)
class Decision:
    """One line of the journal: what was decided about which finding, by whom, when, why."""

    finding_id: str
    decision: str  # confirmed | dismissed | open (re-opened)
    reviewer: str
    reviewed_at: str
    note: str | None
    doc_id: str
    path: str | None
    rule: str
    evidence_hash: str


def evidence_hash(finding: dict) -> str:
    """Hash of the sentence a finding rests on (whitespace-insensitive)."""
    text = "".join(str((finding.get("evidence") or {}).get("text") or "").split())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def assign_ids(result: dict) -> dict:
    """Give every finding of a document result its stable `id` (in place; returns the result)."""
    seen: Counter = Counter()
    for finding in result.get("findings") or []:
        key = (str(finding.get("rule")), evidence_hash(finding))
        rank = seen[key]
        seen[key] += 1
        raw = "\x1f".join([str(result.get("doc_id")), *key, str(rank)])
        finding["id"] = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:12]
    return result


def journal_path(out_dir: Path) -> Path:
    return Path(out_dir) / JOURNAL


def load_decisions(out_dir: Path) -> list[Decision]:
    """Every decision in the journal, oldest first; unreadable lines are skipped."""
    path = journal_path(out_dir)
    if not path.is_file():
        return []
    decisions = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                record = json.loads(line)
                decisions.append(Decision(**record))
            except (ValueError, TypeError):
                continue
    return decisions


def current(decisions: Iterable[Decision]) -> dict[str, Decision]:
    """finding id → its latest decision (a re-opened finding has none)."""
    latest: dict[str, Decision] = {}
    for d in decisions:
        latest[d.finding_id] = d
    return {k: d for k, d in latest.items() if d.decision != "open"}


def apply_reviews(results: list[dict], decisions: list[Decision]) -> list[Decision]:
    """Write each finding's review state (and note, reviewer, time) into the results, in place.

    A finding without a decision of its own inherits one made on the same file (path), rule and
    evidence text in an earlier version of that document. Returns the decisions in force, keyed
    to the findings of this run (carried decisions under their new id).
    """
    by_id = current(decisions)
    by_text = {(d.path, d.rule, d.evidence_hash): d for d in by_id.values()}
    in_force = []
    for result in results:
        for finding in result.get("findings") or []:
            decision = by_id.get(finding.get("id"))
            if decision is None:
                carried = by_text.get(
                    (result.get("path"), finding.get("rule"), evidence_hash(finding))
                )
                if carried is not None and carried.doc_id != result.get("doc_id"):
                    decision = _rekeyed(carried, finding["id"], result["doc_id"])
            _mark(finding, decision)
            if decision is not None:
                in_force.append(decision)
    return in_force


def _rekeyed(decision: Decision, finding_id: str, doc_id: str) -> Decision:
    return Decision(**{**asdict(decision), "finding_id": finding_id, "doc_id": doc_id})


def _mark(finding: dict, decision: Decision | None) -> None:
    finding["review"] = decision.decision if decision else "open"
    for key in ("review_note", "reviewer", "reviewed_at"):
        finding.pop(key, None)
    if decision is not None:
        finding["review_note"] = decision.note
        finding["reviewer"] = decision.reviewer
        finding["reviewed_at"] = decision.reviewed_at


# --------------------------------------------------------------------------- recording


class ReviewError(Exception):
    """A review that cannot be recorded; the message says why, in Chinese."""


def find_finding(out_dir: Path, finding_id: str) -> tuple[dict, dict]:
    """(document result, finding) for an id or a unique prefix of one, from the last run."""
    database = Path(out_dir) / "audit.sqlite"
    if not database.is_file():
        raise ReviewError(
            f"{out_dir} 中没有 audit.sqlite：请先运行 edu-audit run 语料目录 -o {out_dir}"
        )
    wanted = finding_id.strip().lower()
    if len(wanted) < 4:
        raise ReviewError("问题编号至少写 4 位")
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT d.result_json, f.finding_id FROM findings f JOIN documents d USING (doc_id) "
            "WHERE f.finding_id LIKE ? || '%'",
            (wanted,),
        ).fetchall()
    except sqlite3.Error as exc:
        raise ReviewError(f"无法读取 {database}（{exc}）：请重新运行 edu-audit run") from exc
    finally:
        con.close()
    ids = {fid for _, fid in rows}
    if not ids:
        raise ReviewError(f"找不到问题编号 {finding_id}（见问题清单的“问题编号”列）")
    if len(ids) > 1:
        raise ReviewError(f"问题编号 {finding_id} 不唯一，可能是：{'、'.join(sorted(ids))}")
    result = json.loads(rows[0][0])
    (fid,) = ids
    finding = next(f for f in result["findings"] if f.get("id") == fid)
    return result, finding


def list_findings(out_dir: Path) -> list[str]:
    """One line per finding of the last run: id, review state, district, rule, message."""
    database = Path(out_dir) / "audit.sqlite"
    if not database.is_file():
        raise ReviewError(
            f"{out_dir} 中没有 audit.sqlite：请先运行 edu-audit run 语料目录 -o {out_dir}"
        )
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT f.finding_id, f.review, d.district, f.rule, f.severity, f.message "
            "FROM findings f JOIN documents d USING (doc_id) "
            "ORDER BY d.district, d.path, f.evidence_start"
        ).fetchall()
    except sqlite3.Error as exc:
        raise ReviewError(f"无法读取 {database}（{exc}）：请重新运行 edu-audit run") from exc
    finally:
        con.close()
    from outputs.rule_docs import rule_name
    from pipeline.labels import SEVERITY_LABEL

    return ["问题编号      复核    区县  严重程度  规则：说明"] + [
        f"{fid}  {STATE_LABEL.get(state or 'open', state)}  {district or '—'}  "
        f"{SEVERITY_LABEL.get(sev, sev)}  {rule_name(rule)}：{message}"
        for fid, state, district, rule, sev, message in rows
    ]


def record(
    out_dir: Path, finding_id: str, decision: str, note: str | None, reviewer: str | None
) -> Decision:
    """Append a decision to the journal and update the `reviews` table of audit.sqlite."""
    if decision not in DECISIONS:
        raise ValueError(decision)
    result, finding = find_finding(out_dir, finding_id)
    entry = Decision(
        finding_id=finding["id"],
        decision=decision,
        reviewer=reviewer or default_reviewer(),
        reviewed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        note=note,
        doc_id=result["doc_id"],
        path=result.get("path"),
        rule=str(finding.get("rule")),
        evidence_hash=evidence_hash(finding),
    )
    with journal_path(out_dir).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    con = sqlite3.connect(Path(out_dir) / "audit.sqlite")
    try:
        with con:  # an audit.sqlite of an older version lacks the table: the journal still has it
            con.execute("DELETE FROM reviews WHERE finding_id = ?", (entry.finding_id,))
            if decision != "open":
                con.execute(INSERT_REVIEW, review_row(entry))
            con.execute(
                "UPDATE findings SET review = ?, review_note = ? WHERE finding_id = ?",
                (decision, entry.note if decision != "open" else None, entry.finding_id),
            )
    except sqlite3.Error as exc:
        raise ReviewError(
            f"已记入 {journal_path(out_dir)}，但无法更新 audit.sqlite（{exc}）：重新运行 edu-audit run 即可"
        ) from exc
    finally:
        con.close()
    return entry


def default_reviewer() -> str:
    """The OS user, when no --reviewer is given."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (some containers)
        return "unknown"


REVIEWS_SCHEMA = """
CREATE TABLE reviews (
    finding_id TEXT PRIMARY KEY,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed')),
    reviewer TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    note TEXT,
    doc_id TEXT,
    path TEXT,
    rule TEXT,
    evidence_hash TEXT
);
"""
INSERT_REVIEW = "INSERT OR REPLACE INTO reviews VALUES (?,?,?,?,?,?,?,?,?)"


def review_row(d: Decision) -> tuple:
    return (
        d.finding_id, d.decision, d.reviewer, d.reviewed_at, d.note,
        d.doc_id, d.path, d.rule, d.evidence_hash,
    )  # fmt: skip
