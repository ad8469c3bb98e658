"""Supervisor view of the audit log: one row per exchange (answers and procedure runs), with its
latest feedback and comment.

Rows come from the hash-chained log itself (``answer``, ``procedure`` and ``feedback`` events), so
what a supervisor exports is exactly what ``audit verify`` vouches for.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Iterable

from assistant.db.audit import AuditLog

ANSWER_ACTION = "answer"
PROCEDURE_ACTION = "procedure"
FEEDBACK_ACTION = "feedback"
CSV_FIELDS = ["event_id", "ts", "user", "thread_id", "message_id", "asset", "route", "question", "answer",
              "sources", "flags", "abstained", "feedback", "feedback_comment", "latency_s", "model_id",
              "adapter_id", "prompt_version"]


@dataclass
class ExchangeFilter:
    since: datetime | None = None
    until: datetime | None = None
    user: str | None = None
    asset: str | None = None
    flagged: bool = False
    thumbs_down: bool = False
    route: str | None = None  # rag | history | sensor | abstain | procedure


def is_flagged(row: dict[str, Any]) -> bool:
    """Thumbs-down, abstention, or an answer sentence the checker could not support."""
    kinds = {f.get("kind") for f in row.get("flags") or []}
    return row.get("feedback") == -1 or bool(row.get("abstained")) or "unsupported_sentence" in kinds


def exchanges(log: AuditLog, filters: ExchangeFilter | None = None) -> list[dict[str, Any]]:
    """Answers and procedure runs in log order, filtered."""
    f = filters or ExchangeFilter()
    feedback: dict[str, dict[str, Any]] = {}
    # Feedback can arrive after --until, so it is read over the whole log (latest wins).
    for event in log.iter(action=FEEDBACK_ACTION):
        feedback[event.payload.get("message_id", "")] = event.payload
    rows = []
    for action in (ANSWER_ACTION, PROCEDURE_ACTION):
        for event in log.iter(since=f.since, until=f.until, actor=f.user, action=action):
            row = _row(event, feedback) if action == ANSWER_ACTION else _procedure_row(event, feedback)
            if f.asset and (row["asset"] or "").lower() != f.asset.lower():
                continue
            if (f.flagged and not is_flagged(row)) or (f.thumbs_down and row["feedback"] != -1):
                continue
            if f.route and row["route"] != f.route:
                continue
            rows.append(row)
    return sorted(rows, key=lambda r: r["event_id"])


def _common(event: Any, feedback: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Who, when, where and the latest feedback: the same for answers and procedure runs."""
    p = event.payload
    fb = feedback.get(p.get("message_id", ""), {})
    return {"event_id": event.id, "ts": event.ts.isoformat(timespec="seconds"), "user": event.actor,
            "thread_id": event.thread_id, "message_id": p.get("message_id"), "asset": p.get("asset"),
            "feedback": fb.get("value"), "feedback_comment": fb.get("comment")}


def _row(event: Any, feedback: dict[str, dict[str, Any]]) -> dict[str, Any]:
    p = event.payload
    return {**_common(event, feedback), "route": p.get("route") or ("abstain" if p.get("abstained") else "rag"),
            "question": p.get("question"), "answer": p.get("answer"), "sources": p.get("citations") or [],
            "flags": p.get("flags") or [], "abstained": bool(p.get("abstained")),
            "latency_s": (p.get("timings") or {}).get("total_s"), "model_id": p.get("model_id"),
            "adapter_id": p.get("adapter_id"), "prompt_version": p.get("prompt_version")}


def _procedure_row(event: Any, feedback: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A ``/procedure`` run as an exchange: the symptom is the question, the checklist the answer."""
    p = event.payload
    return {**_common(event, feedback), "route": "procedure",
            "question": f"/procedure {p.get('symptom') or ''}".strip(), "answer": p.get("procedure"),
            "sources": p.get("sources") or [], "abstained": False,
            "flags": [{"kind": "warning", "detail": w} for w in p.get("warnings") or []],
            "latency_s": p.get("latency_s"), "model_id": None, "adapter_id": None, "prompt_version": None}


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        count += 1
    return count


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    count = 0
    for row in rows:
        flat = dict(row)
        flat["sources"] = "; ".join(s.get("label", "") if isinstance(s, dict) else str(s) for s in row["sources"])
        flat["flags"] = "; ".join(f"{x.get('kind')}: {x.get('detail')}" for x in row["flags"])
        writer.writerow(flat)
        count += 1
    return count


def answer_payload(answer: Any, message_id: str) -> dict[str, Any]:
    """The audit payload of one exchange, built from an ``assistant.types.Answer``."""
    return {
        "message_id": message_id, "asset": answer.asset, "question": answer.question, "answer": answer.text,
        "citations": [{"n": c.n, "label": c.label, "source": c.source, "page": c.page,
                       "record_id": c.record_id, "cited": c.cited} for c in answer.citations],
        "flags": [{"kind": fl.kind, "detail": fl.detail} for fl in answer.flags],
        "abstained": answer.abstained, "route": answer.route, "timings": dict(answer.timings),
        "model_id": answer.model_id, "adapter_id": answer.adapter_id, "prompt_version": answer.prompt_version,
    }
