"""A repair procedure as the chat shows it: a short header message plus an interactive checklist.

The checklist is a Chainlit custom element (``public/elements/Checklist.jsx``) whose props are
built here; ticking an item writes the props back through the data layer, so progress survives a
reload and a supervisor can see how far the job went. Each item's ``[n]`` markers open the source
inside the checklist (``sources`` in the props). Pure functions, tested without a browser.
"""

from __future__ import annotations

from typing import Any

from assistant.app.labels import clip, excerpt_body, short_label, unique_labels, where
from assistant.app.markdown_safety import no_remote_images
from assistant.procedures.model import Procedure, ProcedureSource, Step

ELEMENT_NAME = "Checklist"  # must match public/elements/Checklist.jsx
EXCERPT_CHARS = 500


def _marks(citations: list[int]) -> str:
    return "".join(f"[{n}]" for n in citations)


def _item(item_id: str, step: Step) -> dict[str, Any]:
    return {"id": item_id, "label": f"{step.n}." if step.numbered else "", "text": step.text,
            "details": list(step.details), "heading": step.heading or "", "sources": list(step.citations),
            "unsupported": step.unsupported}


def checklist_props(p: Procedure) -> dict[str, Any]:
    """Sections in working order: safety (gates the rest), tools and parts, the procedure's steps,
    restoring the machine, then the verify step(s). Item ids are positions, so they never clash."""
    tools = []
    for i, item in enumerate(p.tools_parts, 1):
        pn = f" (P/N {item.part_number})" if item.part_number and item.part_number not in item.text else ""
        tools.append({"id": f"t{i}", "label": "", "text": item.text + pn, "details": [], "heading": "",
                      "sources": list(item.citations), "unsupported": False})
    sections = [
        {"key": "safety", "title": "1. Safety first (lock-out)",
         "items": [_item(f"s{i}", s) for i, s in enumerate(p.safety, 1)],
         "empty": "No safety content found in your documents: check the manual's safety section."},
        {"key": "tools", "title": "2. Tools and parts", "items": tools, "empty": "No tools or parts listed."},
        {"key": "steps", "title": "3. Procedure", "items": [_item(f"p{i}", s) for i, s in enumerate(p.steps, 1)],
         "empty": "No documented procedure found for this symptom; none is invented."},
    ]
    if p.restore:
        sections.append({"key": "restore", "title": "4. Restore the machine",
                         "items": [_item(f"r{i}", s) for i, s in enumerate(p.restore, 1)], "empty": ""})
    sections.append({"key": "verify", "title": f"{len(sections) + 1}. Verify the fix",
                     "items": [_item(f"v{i}", s) for i, s in enumerate(p.verification, 1)],
                     "empty": "No verification step documented."})
    labels = unique_labels(p.sources)
    sources = {str(s.n): {"label": labels[s.n], "where": where(s),
                          "excerpt": clip(excerpt_body(s.excerpt, s.label), EXCERPT_CHARS)} for s in p.sources}
    return {"title": p.title, "sections": sections, "sources": sources, "done": []}


def checklist_progress(props: dict[str, Any]) -> tuple[int, int]:
    """(ticked, total) items; ids no longer on the list do not count."""
    ids = {item["id"] for s in props.get("sections", []) for item in s.get("items", [])}
    return len(ids & set(props.get("done") or [])), len(ids)


def header_markdown(p: Procedure) -> str:
    """What stays in the message text: what, where, warnings, likely causes, duration and sources."""
    asset = f"{p.asset_name} ({p.asset})" if p.asset_name else (p.asset or "not specified")
    out = [f"**{p.title}**", "", f"**Machine:** {asset}  ", f"**Symptom:** {p.symptom}"]
    for warning in p.warnings:
        out += ["", f"⚠️ **Warning:** {warning}"]
    if p.likely_causes:
        out += ["", "**Likely causes**"]
        out += [f"{i}. **{c.text}** — {c.evidence} {_marks(c.citations)}".rstrip()
                for i, c in enumerate(p.likely_causes, 1)]
    if p.typical_duration_h is not None:
        out += ["", f"**Typical duration:** {p.typical_duration_h:g} h "
                    f"(median of similar past work orders {_marks(p.duration_basis)})".rstrip()]
    out += ["", "Tick each item below as you go; safety comes first. Tap a [n] to see its source."]
    if p.sources:
        labels = unique_labels(p.sources)
        out += ["", "**Sources:** " + " · ".join(f"[{s.n}] {labels[s.n]}" for s in p.sources)]
    return no_remote_images("\n".join(out))


def source_text(s: ProcedureSource) -> str:
    """Side panel of one procedure source, laid out like an answer's citation panel."""
    body = [ln.strip() for ln in excerpt_body(s.excerpt, s.label).splitlines() if ln.strip()]
    return no_remote_images("\n".join([f"**{short_label(s)}**", where(s), "", "\n\n".join(body)]))
