"""A repair procedure as the chat shows it: a short header message plus an interactive checklist.

The checklist is a Chainlit custom element (``public/elements/Checklist.jsx``) whose props are
built here; ticking an item writes the props back through the data layer, so progress survives a
reload and a supervisor can see how far the job went. Pure functions, tested without a browser.
"""

from __future__ import annotations

from typing import Any

from assistant.app.markdown_safety import no_remote_images
from assistant.app.render import excerpt_body, short_label
from assistant.procedure_render import Procedure, ProcedureSource, Step

ELEMENT_NAME = "Checklist"  # must match public/elements/Checklist.jsx


def _marks(citations: list[int]) -> str:
    return "".join(f"[{n}]" for n in citations)


def _step(prefix: str, step: Step) -> dict[str, Any]:
    return {"id": f"{prefix}{step.n}", "label": f"{step.n}.", "text": step.text,
            "sources": _marks(step.citations), "unsupported": step.unsupported}


def checklist_props(p: Procedure) -> dict[str, Any]:
    """Sections in working order: safety (gates the rest), tools and parts, steps, verification."""
    tools = []
    for i, item in enumerate(p.tools_parts, 1):
        pn = f" (P/N {item.part_number})" if item.part_number and item.part_number not in item.text else ""
        tools.append({"id": f"t{i}", "label": "", "text": item.text + pn, "sources": _marks(item.citations),
                      "unsupported": False})
    sections = [
        {"key": "safety", "title": "1. Safety first (lock-out)", "items": [_step("s", s) for s in p.safety],
         "empty": "No safety content found in your documents: check the manual's safety section."},
        {"key": "tools", "title": "2. Tools and parts", "items": tools, "empty": "No tools or parts listed."},
        {"key": "steps", "title": "3. Procedure", "items": [_step("p", s) for s in p.steps],
         "empty": "No documented procedure found for this symptom; none is invented."},
        {"key": "verify", "title": "4. Verify the fix", "items": [_step("v", s) for s in p.verification],
         "empty": "No verification step documented."},
    ]
    return {"title": p.title, "sections": sections, "done": []}


def checklist_progress(props: dict[str, Any]) -> tuple[int, int]:
    """(ticked, total) items; ids no longer on the list do not count."""
    ids = {item["id"] for s in props.get("sections", []) for item in s.get("items", [])}
    return len(ids & set(props.get("done") or [])), len(ids)


def header_markdown(p: Procedure) -> str:
    """What stays in the message text: what, where, warnings, likely causes, duration and sources."""
    asset = f"{p.asset_name} ({p.asset})" if p.asset_name else (p.asset or "not specified")
    out = [f"**{p.title}**", "", f"**Asset:** {asset}  ", f"**Symptom:** {p.symptom}"]
    for warning in p.warnings:
        out += ["", f"⚠️ **Warning:** {warning}"]
    if p.likely_causes:
        out += ["", "**Likely causes**"]
        out += [f"{i}. **{c.text}** — {c.evidence} {_marks(c.citations)}".rstrip()
                for i, c in enumerate(p.likely_causes, 1)]
    if p.typical_duration_h is not None:
        out += ["", f"**Typical duration:** {p.typical_duration_h:g} h "
                    f"(median of similar past work orders {_marks(p.duration_basis)})".rstrip()]
    out += ["", "Tick each item below as you go; safety comes first."]
    if p.sources:
        out += ["", "**Sources:** " + " · ".join(f"[{s.n}] {short_label(s)}" for s in p.sources)]
    return no_remote_images("\n".join(out))


def source_text(s: ProcedureSource) -> str:
    """Side panel of one procedure source, laid out like an answer's citation panel."""
    section = s.section if s.section and s.section not in s.label else ""
    where = ", ".join(x for x in (f"work order {s.record_id}" if s.record_id else "",
                                   f"page {s.page}" if s.page is not None else "", section) if x)
    body = excerpt_body(s.excerpt, s.label)
    return no_remote_images("\n".join([f"**{s.label}**"] + ([where] if where else [])
                                       + ["", "> " + body.replace("\n", "\n> ")]))
