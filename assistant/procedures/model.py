"""The repair-procedure structure (pydantic, always validates) and its Markdown checklist rendering.

Citation numbers in every part point into ``Procedure.sources`` (1-based), which holds the
manual chunks and work orders the content was copied from.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Step(BaseModel):
    n: int = Field(ge=1, description="Position in its list (the manual's own numbering for procedure steps).")
    text: str = Field(min_length=1, description="Copied verbatim from the cited source.")
    citations: list[int] = Field(default_factory=list)
    unsupported: bool = Field(False, description="True when a number in the text is not in any cited source.")
    details: list[str] = Field(default_factory=list,
                               description="Lines ticked together with this one (a PPE list, a table row's cells).")
    heading: str | None = Field(None, description="The manual section it comes from ('Energy sources'), for grouping.")
    numbered: bool = Field(True, description="False for items the manual does not number (list, table row).")


class Cause(BaseModel):
    text: str = Field(min_length=1)
    evidence: str = Field(description="Why it is listed: '4 of the last 6 similar work orders: ...' or the table row.")
    citations: list[int] = Field(default_factory=list)


class Item(BaseModel):
    text: str = Field(min_length=1)
    part_number: str | None = None
    citations: list[int] = Field(default_factory=list)


class ProcedureSource(BaseModel):
    n: int = Field(ge=1)
    kind: Literal["manual", "work_order"]
    source: str
    label: str
    excerpt: str
    page: int | None = None
    section: str | None = None
    record_id: str | None = None
    chunk_id: str | None = None
    title: str | None = Field(None, description="The document's title, for labels that name it.")


class Procedure(BaseModel):
    """A checklist assembled from retrieved manual content and the work-order history."""

    title: str
    asset: str | None
    asset_name: str | None = Field(None, description="Display name from the asset registry.")
    symptom: str
    likely_causes: list[Cause] = Field(default_factory=list)
    safety: list[Step] = Field(default_factory=list)
    tools_parts: list[Item] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    verification: list[Step] = Field(default_factory=list)
    restore: list[Step] = Field(
        default_factory=list, description="End-of-job items from the safety section ('To restore: refit all guards').")
    typical_duration_h: float | None = Field(None, description="Median downtime of similar past work orders.")
    duration_basis: list[int] = Field(default_factory=list, description="Sources the median was taken over.")
    warnings: list[str] = Field(default_factory=list)
    sources: list[ProcedureSource] = Field(default_factory=list)

    def to_markdown(self) -> str:
        return render_markdown(self)


def _marks(citations: list[int]) -> str:
    return "".join(f"[{n}]" for n in citations)


def _step_line(step: Step) -> str:
    line = f"- [ ] {step.n}. {step.text}" if step.numbered else f"- [ ] {step.text}"
    if step.details:
        line += " (" + "; ".join(d.rstrip(".") for d in step.details) + ")"
    if step.citations:
        line += f"  {_marks(step.citations)}"
    if step.unsupported:
        line += "  **⚠ UNSUPPORTED: not backed by the cited source — check before acting**"
    return line


def render_markdown(p: Procedure) -> str:
    out = [f"# {p.title}", ""]
    asset = f"{p.asset_name} ({p.asset})" if p.asset_name else (p.asset or "not specified")
    out.append(f"**Asset:** {asset}  ")
    out.append(f"**Symptom:** {p.symptom}")
    for warning in p.warnings:
        out += ["", f"> ⚠ **WARNING:** {warning}"]
    out += ["", "## 1. Safety first"]
    out += [_step_line(s) for s in p.safety] or ["_No safety content found in your documents (see warning above)._"]
    if p.likely_causes:
        out += ["", "## 2. Likely causes"]
        out += [f"{i}. **{c.text}** — {c.evidence} {_marks(c.citations)}".rstrip()
                for i, c in enumerate(p.likely_causes, 1)]
    if p.tools_parts:
        out += ["", "## 3. Tools and parts"]
        for item in p.tools_parts:
            pn = f" (P/N {item.part_number})" if item.part_number and item.part_number not in item.text else ""
            out.append(f"- [ ] {item.text}{pn}  {_marks(item.citations)}".rstrip())
    out += ["", "## 4. Procedure"]
    out += [_step_line(s) for s in p.steps] or ["_No documented procedure found for this symptom; none is invented._"]
    if p.restore:
        out += ["", "## 5. Restore"]
        out += [_step_line(s) for s in p.restore]
    if p.verification:
        out += ["", "## 6. Verification / test run"]
        out += [_step_line(s) for s in p.verification]
    if p.typical_duration_h is not None:
        out += ["", f"**Typical duration:** {p.typical_duration_h:g} h "
                    f"(median of similar past work orders {_marks(p.duration_basis)})".rstrip()]
    if p.sources:
        out += ["", "## Sources"]
        for s in p.sources:
            out.append(f"[{s.n}] {s.label}")
    return "\n".join(out) + "\n"
