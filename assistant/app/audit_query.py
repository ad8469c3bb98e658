"""Filters of the supervisor's audit view, from the chat (``/audit flagged user=ana``) or from the
audit page's query string, and the short ids a supervisor taps or types.

    parse_words("flagged down machine=PRESS-04 date=2026-12-01")
    # ExchangeFilter(asset='PRESS-04', flagged=True, thumbs_down=True, since=2026-12-01, until=2026-12-02)
    parse_words("foo")  # AuditFilterError: unknown filter 'foo' ...

Pure functions; an unknown filter is an error with one clear line, never "list everything".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping

from assistant.db.export import ExchangeFilter

ROUTES = ("rag", "history", "sensor", "records", "abstain", "procedure")
FLAGS = {"flagged": "flagged", "down": "thumbs_down", "👎": "thumbs_down", "thumbs_down": "thumbs_down"}
KEYS = ("user", "machine", "date", "since", "until", "route")
SHORT_ID = 8  # characters of a conversation id shown and accepted


class AuditFilterError(ValueError):
    pass


def help_line() -> str:
    return ("Filters: flagged, down (👎), user=NAME, machine=ID, date=YYYY-MM-DD, since=…, until=…, "
            f"route={'|'.join(ROUTES)}.")


def _date(value: str, key: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise AuditFilterError(f"{key}={value!r} is not a date like 2026-12-01 or 2026-12-01T08:00. "
                               + help_line()) from None


def parse_pairs(pairs: Iterable[tuple[str, str]]) -> ExchangeFilter:
    """Filters from (key, value) pairs; a flag's value is '1'/'true'/'on' (or empty) to set it."""
    f = ExchangeFilter()
    for key, value in pairs:
        key, value = key.strip().lower(), value.strip()
        if key in FLAGS:
            if value.lower() in ("", "1", "true", "on", "yes"):
                setattr(f, FLAGS[key], True)
            elif value.lower() not in ("0", "false", "off", "no"):
                raise AuditFilterError(f"{key}={value!r}: expected on or off. " + help_line())
        elif key not in KEYS:
            raise AuditFilterError(f"Unknown filter {key!r}. " + help_line())
        elif not value:
            continue
        elif key == "user":
            f.user = value
        elif key == "machine":
            f.asset = value
        elif key == "route":
            if value.lower() not in ROUTES:
                raise AuditFilterError(f"route={value!r} is not one of {', '.join(ROUTES)}.")
            f.route = value.lower()
        elif key == "date":
            day = _date(value, key)
            f.since, f.until = day, day + timedelta(days=1)
        elif key == "since":
            f.since = _date(value, key)
        else:
            f.until = _date(value, key)
    return f


def parse_words(text: str) -> ExchangeFilter:
    """Chat syntax: bare flags (``flagged``, ``down``, ``👎``) and ``key=value`` words."""
    pairs = []
    for word in text.split():
        key, sep, value = word.partition("=")
        pairs.append((key, value) if sep else (word, ""))
    return parse_pairs(pairs)


def parse_query(params: Mapping[str, str]) -> ExchangeFilter:
    return parse_pairs(params.items())


def as_query(f: ExchangeFilter) -> dict[str, str]:
    """The filter as query parameters of the audit page (round-trips through ``parse_query``)."""
    out: dict[str, str] = {}
    if f.user:
        out["user"] = f.user
    if f.asset:
        out["machine"] = f.asset
    if f.route:
        out["route"] = f.route
    if f.flagged:
        out["flagged"] = "1"
    if f.thumbs_down:
        out["down"] = "1"
    if f.since and f.until and f.until - f.since == timedelta(days=1) and f.since.time() == datetime.min.time():
        out["date"] = f.since.date().isoformat()
    else:
        if f.since:
            out["since"] = f.since.isoformat()
        if f.until:
            out["until"] = f.until.isoformat()
    return out


def short_id(thread_id: str | None) -> str:
    return (thread_id or "")[:SHORT_ID]


def resolve_thread(ref: str, thread_ids: Iterable[str]) -> str:
    """The one conversation id starting with ``ref`` (at least 4 characters); LookupError otherwise."""
    ref = ref.strip().lower()
    if len(ref) < 4:
        raise LookupError(f"Give at least 4 characters of the conversation id, not {ref!r}.")
    found = sorted({t for t in thread_ids if t.lower().startswith(ref)})
    if not found:
        raise LookupError(f"No conversation starts with {ref!r}.")
    if len(found) > 1:
        raise LookupError(f"{len(found)} conversations start with {ref!r}: give more characters.")
    return found[0]


def summary(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Counts for the chat's one-line summary."""
    return {"total": len(rows), "down": sum(1 for r in rows if r.get("feedback") == -1),
            "declined": sum(1 for r in rows if r.get("abstained")),
            "procedures": sum(1 for r in rows if r.get("route") == "procedure"),
            "comments": sum(1 for r in rows if r.get("feedback_comment"))}
