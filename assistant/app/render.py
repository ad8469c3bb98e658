"""Text the chat shows: citation side panels, flags, source lists, procedure checklists, audit rows.

Pure functions over our types, so the wording is tested without a browser. Everything that
carries document, user or model text goes through ``no_remote_images`` (``markdown_safety.py``).
"""

from __future__ import annotations

from typing import Any, Sequence

from assistant.app.markdown_safety import no_remote_images
from assistant.procedure_render import ProcedureSource
from assistant.types import Citation, Flag

FLAG_TITLES = {
    "unsupported_sentence": "Not supported by the cited source",
    "unverified_number": "Number not found in the sources",
    "invalid_citation": "Citation points to no source",
    "no_safety": "Safety steps missing: check the manual's safety section",
    "abstained": "No answer: the sources do not cover this",
    "ambiguous_asset": "Which machine? More than one matches",
}


def element_name(c: Citation) -> str:
    """Chainlit links ``[n]`` in the answer text to the side element with this exact name."""
    return f"[{c.n}]"


def where(c: Citation) -> str:
    parts = []
    if c.record_id:
        parts.append(f"work order {c.record_id}")
    if c.page is not None:
        parts.append(f"page {c.page}")
    if c.section and c.section not in c.label:
        parts.append(c.section)
    return ", ".join(parts)


def short_label(c: Citation | ProcedureSource) -> str:
    """File name plus the innermost section ("press.md · 6 Maintenance schedule"), for one-line lists."""
    head, _, rest = c.label.partition(" · ")
    tail = rest.split(" > ")[-1] if rest else ""
    if c.record_id:
        tail = c.record_id
    elif c.page is not None and not tail:
        tail = f"p. {c.page}"
    return f"{head} · {tail}" if tail else head


def citation_text(c: Citation) -> str:
    """Side panel of one source: its name, page or work-order id, then the cited excerpt."""
    lines = [f"**{c.label}**"]
    if where(c):
        lines.append(where(c))
    if c.asset:
        lines.append(f"asset: {c.asset}")
    lines.append("")
    lines.append("> " + excerpt_body(c.excerpt, c.label).replace("\n", "\n> "))
    return no_remote_images("\n".join(lines))


def excerpt_body(excerpt: str, label: str) -> str:
    """The excerpt without the heading-path line chunks carry for retrieval: the panel's title
    already names the section, and the technician should see the cited words first."""
    excerpt = excerpt.strip()
    first, _, rest = excerpt.partition("\n")
    path = label.partition(" · ")[2]
    if rest.strip() and path and first.strip() == path.strip():
        return rest.strip()
    return excerpt


def sources_line(citations: Sequence[Citation]) -> str:
    if not citations:
        return ""
    return no_remote_images("**Sources:** " + " · ".join(f"{element_name(c)} {short_label(c)}" for c in citations))


def flags_markdown(flags: Sequence[Flag], abstained: bool = False) -> str:
    """Flags as visible warnings (one line each), never hidden in metadata."""
    lines = []
    for f in flags:
        title = FLAG_TITLES.get(f.kind, f.kind.replace("_", " "))
        lines.append(f"⚠️ **{title}**" + (f": {f.detail}" if f.detail else ""))
    if abstained and not any(f.kind == "abstained" for f in flags):
        lines.append(f"⚠️ **{FLAG_TITLES['abstained']}**")
    return "\n\n".join(lines)


def answer_markdown(text: str, citations: Sequence[Citation], flags: Sequence[Flag], abstained: bool) -> str:
    parts = [text.strip()]
    warn = flags_markdown(flags, abstained)
    if warn:
        parts.append(warn)
    line = sources_line(citations)
    if line:
        parts.append(line)
    return no_remote_images("\n\n".join(p for p in parts if p))


def procedure_markdown(procedure: Any) -> str:
    """A checklist a technician ticks through; uses the procedure's own markdown when it has one."""
    if hasattr(procedure, "to_markdown"):
        body = procedure.to_markdown()
    else:
        body = "\n".join(f"- [ ] {s}" for s in getattr(procedure, "steps", []))
    return body


def audit_markdown(rows: Sequence[dict[str, Any]], limit: int = 20) -> str:
    """Recent exchanges for a supervisor, newest first, as a compact table."""
    if not rows:
        return "No exchanges match."
    lines = ["| # | when | user | asset | question | flags | fb | thread |", "|---|---|---|---|---|---|---|---|"]
    for r in list(rows)[-limit:][::-1]:
        kinds = ",".join(sorted({f["kind"] for f in r["flags"]})) or ("abstained" if r["abstained"] else "")
        fb = {1: "👍", -1: "👎"}.get(r["feedback"], "")
        question = (r["question"] or "").replace("|", "/")[:60]
        lines.append(f"| {r['event_id']} | {r['ts']} | {r['user']} | {r['asset'] or ''} | {question} | {kinds} | {fb} | `{r['thread_id']}` |")
    return no_remote_images("\n".join(lines))
