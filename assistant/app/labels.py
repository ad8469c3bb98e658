"""How a source is named on screen: the document's title and section, a work-order number, or a
sensor log in words; never an internal id such as ``sensor:PRESS-04:oil_temp:2026-09-21``.

Pure functions over ``Citation`` / ``ProcedureSource``-like objects (``label``, ``doc_type`` or
``kind``, ``section``, ``page``, ``record_id``, ``source`` and optionally ``title``).

    short_label(c)   # 'HP-200 Hydraulic Press · 5.1 Replace hydraulic pump suction strainer'
    citation_text(c, answer_text)  # the side panel, the line the answer cites in bold
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from assistant.app.markdown_safety import no_remote_images
from assistant.textutil import content_terms

MAX_TITLE_CHARS = 40


def _kind(c: Any) -> str:
    return getattr(c, "doc_type", None) or getattr(c, "kind", None) or "manual"


def _path(c: Any) -> list[str]:
    """The heading path: from the section, else from the label after the file name."""
    section = getattr(c, "section", None) or ""
    if not section:
        parts = c.label.split(" · ")
        section = next((p for p in parts[1:] if ">" in p), "")
    return [p.strip() for p in section.split(">") if p.strip()]


def _inner(c: Any) -> list[str]:
    """The heading path below the document title (chunks of Markdown/HTML start it with the title)."""
    path, title = _path(c), getattr(c, "title", None)
    return path[1:] if path and (not title or path[0] == title or len(path) > 1) else path


def _file(c: Any) -> str:
    """The file name, or the label's folders and file name where the answer named files of one name apart
    (``assistant.textutil.named_apart``)."""
    named = c.label.split(" · ")[0]
    base = (getattr(c, "source", "") or named).rsplit("/", 1)[-1]
    return named if named.endswith("/" + base) else base


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary and marked with an ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(None, 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:.-") + "…"


def doc_title(c: Any) -> str:
    """A document's short title: 'HP-200 Hydraulic Press' from 'HP-200 Hydraulic Press: Operation
    and Maintenance Manual'; the file name in words when the document has no title."""
    path = _path(c)
    title = getattr(c, "title", None) or (path[0] if path else "")
    if not title:
        stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", _file(c))
        return clip(re.sub(r"[_]+", " ", stem), MAX_TITLE_CHARS)
    head = re.split(r":\s| - | — ", title, maxsplit=1)[0]
    return clip(head if len(head) >= 6 else title, MAX_TITLE_CHARS)


def sensor_words(record_id: str) -> str | None:
    """'sensor:PRESS-04:oil_temp:2026-09-21' -> 'PRESS-04 oil temp, week of 2026-09-21'."""
    parts = (record_id or "").split(":")
    if len(parts) != 4 or parts[0] != "sensor":
        return None
    _, asset, signal, week = parts
    when = "whole period" if week == "all" else f"week of {week}"
    return f"{asset} {signal.replace('_', ' ')}, {when}"


def short_label(c: Any) -> str:
    """One line naming a source for lists and chips."""
    kind, record = _kind(c), getattr(c, "record_id", None)
    if kind == "computed":  # a count or a ranking over a table: the figures' own source (``computed_citation``)
        return f"Computed from {_file(c)}"
    if kind == "sensor" or (record or "").startswith("sensor:"):
        return f"Sensor log · {sensor_words(record or '') or doc_title(c)}"
    if kind == "work_order" and record:
        return f"Work order {record}"
    if record:
        return f"{doc_title(c)} · {record}"
    inner = _inner(c)
    page = getattr(c, "page", None)
    part = inner[-1] if inner else (f"p. {page}" if page is not None else "")
    return f"{doc_title(c)} · {part}" if part else doc_title(c)


def unique_labels(items: Sequence[Any]) -> dict[int, str]:
    """``short_label`` per source number. A label another chunk of the same file repeats (two chunks of one
    section) gets '(part 2)'; one another file repeats (two products' 'Configuration · Setup') gets that file's
    name, with the folders that tell it apart where the answer named them (``_file``)."""
    out: dict[int, str] = {}
    seen: dict[str, int] = {}
    first: dict[str, str] = {}  # each label's file, where it was first shown
    for c in items:
        label, source = short_label(c), getattr(c, "source", "") or ""
        if first.setdefault(label, source) != source:
            label = f"{label} ({_file(c)})"
        seen[label] = seen.get(label, 0) + 1
        out[c.n] = label if seen[label] == 1 else f"{label} (part {seen[label]})"
    return out


def where(c: Any) -> str:
    """Where the source lives: file, page, section path, asset (the panel's second line)."""
    parts = [_file(c)]
    kind, record = _kind(c), getattr(c, "record_id", None)
    if kind == "work_order" and record:
        parts.append(f"work order {record}")
    elif kind == "sensor" and record:
        parts.append(f"sensor summary, {sensor_words(record) or record}")
    elif kind == "computed":
        parts.append("computed over its rows")
    if getattr(c, "page", None) is not None:
        parts.append(f"page {c.page}")
    if _inner(c):
        parts.append(" › ".join(_inner(c)))
    asset = getattr(c, "asset", None)
    if asset and not (record or "").startswith("sensor:"):
        parts.append(f"machine {asset}")
    return " · ".join(parts)


def excerpt_body(excerpt: str, label: str) -> str:
    """The excerpt without the heading-path line chunks carry for retrieval: the panel's title
    already names the section, and the technician should see the cited words first."""
    excerpt = excerpt.strip()
    first, _, rest = excerpt.partition("\n")
    path = label.partition(" · ")[2]
    if rest.strip() and path and first.strip() == path.strip():
        return rest.strip()
    return excerpt


def cited_sentences(answer_text: str, n: int) -> list[str]:
    """Sentences (or quoted lines) of the answer that cite source ``n``."""
    marker = re.compile(rf"\[(?:\d+,\s*)*{n}(?:,\s*\d+)*\]")
    return [line for line in re.split(r"(?<=[.!?])\s+|\n", answer_text) if marker.search(line)]


def cited_line(lines: list[str], claims: list[str]) -> int | None:
    """Index of the excerpt line sharing most content words with what the answer took from it."""
    want = {t for s in claims for t in content_terms(re.sub(r"\[\d+(?:,\s*\d+)*\]", "", s))}
    if not want:
        return None
    scores = [len(want & set(content_terms(line))) for line in lines]
    best = max(range(len(lines)), key=lambda i: scores[i], default=None)
    return best if best is not None and scores[best] >= 2 else None


def citation_text(c: Any, answer_text: str = "") -> str:
    """Side panel of one source: a readable title, where it lives, then the excerpt in plain
    (not italic) lines with the line the answer relies on in bold."""
    lines = [ln.strip() for ln in excerpt_body(c.excerpt, c.label).splitlines() if ln.strip()]
    hit = cited_line(lines, cited_sentences(answer_text, c.n)) if answer_text else None
    body = [f"**▶ {ln}**" if i == hit else ln for i, ln in enumerate(lines)]
    return no_remote_images("\n".join([f"**{short_label(c)}**", where(c), ""] + ["\n\n".join(body)]))
