"""Text the chat shows: progress lines, answers (flags, tables, sources), declines, procedure audit text.

Pure functions over our types, so the wording is tested without a browser. Source names come
from ``labels.py``. Everything that carries document, user or model text goes through
``no_remote_images`` (``markdown_safety.py``).
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from assistant.app.labels import unique_labels
from assistant.app.markdown_safety import no_remote_images
from assistant.types import Citation, Flag

FLAG_TITLES = {
    "unsupported_sentence": "Left out, not supported by the cited source",
    "unverified_number": "Number not found in the sources",
    "row_mismatch": "Left out, a value from another code's row",
    "invalid_citation": "Citation points to no source",
    "no_safety": "Safety steps missing: check the manual's safety section",
    "ambiguous_asset": "Which machine? More than one matches",
    "value_unverified": "The value asked for is not in the quoted lines: check the source",
}
# Kept for the audit record only: a decline already says it in one line; the model's own
# "not found" is replaced by quoted lines; a copied source-list layout is removed; sentences
# citing sources other than the answer's own are left out (the audit record counts them); a
# sentence the model repeated is shown once; a reply left with nothing cited ("Ok.") is not shown.
HIDDEN_FLAGS = {"abstained", "model_declined", "model_echoed", "other_sources_dropped", "repeated_sentence",
                "uncited_reply"}


def element_name(c: Citation) -> str:
    """Chainlit links ``[n]`` in the answer text to the side element with this exact name."""
    return f"[{c.n}]"


def progress_line(state: str, *, place: int | None = None, estimate_s: float | None = None) -> str:
    """What the technician sees while waiting: queued (place in line), searching, writing."""
    about = f", about {max(1, round(estimate_s))} s" if estimate_s else ""
    if state == "queued":
        ahead = "1 question is" if place == 1 else f"{place} questions are"
        wait = f" (about {max(1, round(estimate_s * (place or 1)))} s)" if estimate_s else ""
        return f"⏳ **Waiting:** {ahead} ahead of yours{wait}…"
    if state == "searching":
        return "🔎 **Searching your documents…**"
    if state == "writing":
        return f"✍️ **Writing the answer{about}…**"
    raise ValueError(f"unknown progress state {state!r}")


def sources_line(citations: Sequence[Citation]) -> str:
    if not citations:
        return ""
    labels = unique_labels(citations)
    return no_remote_images("**Sources:** " + " · ".join(f"{element_name(c)} {labels[c.n]}" for c in citations))


def flags_markdown(flags: Sequence[Flag]) -> str:
    """Flags a reader must see, as visible warnings (one line each); audit-only kinds are left out."""
    lines = []
    for f in flags:
        if f.kind in HIDDEN_FLAGS:
            continue
        title = FLAG_TITLES.get(f.kind, f.kind.replace("_", " "))
        lines.append(f"⚠️ **{title}**" + (f": {f.detail}" if f.detail else ""))
    return "\n\n".join(dict.fromkeys(lines))


_TAIL_RE = re.compile(r"^\s*(?:[-*•]\s+)?(?P<body>.*?)\s*(?P<marks>(?:\[\d+(?:,\s*\d+)*\]\s*)*)\.?\s*$")


def _row(line: str) -> tuple[list[str], list[str], str] | None:
    """('Item: Oil | Value: HLP 46 [2].') -> (['Item', 'Value'], ['Oil', 'HLP 46'], '[2]')."""
    m = _TAIL_RE.match(line)
    if not m or "|" not in m.group("body"):
        return None
    keys, values = [], []
    for cell in m.group("body").split("|"):
        key, sep, value = cell.partition(":")
        if not sep or not key.strip() or len(key) > 40:
            return None
        keys.append(key.strip())
        values.append(value.strip().rstrip("."))
    return keys, values, "".join(f"[{n}]" for n in re.findall(r"\d+", m.group("marks")))


def tables(text: str) -> str:
    """Table rows quoted as 'Key: value | Key: value [n].' become Markdown tables; consecutive rows
    with the same columns share one table, with their source in the last column."""
    out: list[str] = []
    group: list[tuple[list[str], list[str], str]] = []

    def flush() -> None:
        if group:
            keys = group[0][0]
            out.extend(["", "| " + " | ".join(keys + ["Source"]) + " |", "|" + "---|" * (len(keys) + 1)])
            out.extend("| " + " | ".join(v + [m]) + " |" for _, v, m in group)
            out.append("")
            group.clear()

    for line in text.split("\n"):
        row = _row(line)
        if row and (not group or group[0][0] == row[0]):
            group.append(row)
            continue
        flush()
        if row:
            group.append(row)
        else:
            out.append(line)
    flush()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def answer_markdown(text: str, citations: Sequence[Citation], flags: Sequence[Flag], abstained: bool,
                    note: str = "") -> str:
    """A checked answer: the scope note, the text (tables as tables), visible flags, the sources.

    A decline is its own one line and suggestion; its nearest sources are shown as chips by the
    caller, and its technical reason is in the audit record only.
    """
    parts = [f"_{note}_" if note else ""]
    if abstained:
        return no_remote_images("\n\n".join(p for p in parts + [text.strip()] if p))
    parts += [tables(text.strip()), flags_markdown(flags), sources_line(citations)]
    return no_remote_images("\n\n".join(p for p in parts if p))


def procedure_markdown(procedure: Any) -> str:
    """A checklist a technician ticks through; uses the procedure's own markdown when it has one."""
    if hasattr(procedure, "to_markdown"):
        body = procedure.to_markdown()
    else:
        body = "\n".join(f"- [ ] {s}" for s in getattr(procedure, "steps", []))
    return body
