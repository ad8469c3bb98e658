"""Parse the normalised manual text (see ``ingest.normalize``) into sections of units.

A *unit* is the smallest piece the chunker may place whole: a numbered procedure with its
indented sub-steps, a bullet list, one self-contained table row, or a prose paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.types import SourceDocument

HEADING = re.compile(r"^(#{1,6})\s+(\S.*)$")
STEP = re.compile(r"^\d+[.)]\s")
BULLET = re.compile(r"^[-*•]\s")
ROW = re.compile(r"^[^|\n]{1,80}?: .*\s\|\s")  # "Problem: Low oil pressure | Remedy: ..."
LETTER = re.compile(r"^[a-z][.)]\s")
SEP = " > "


@dataclass
class Unit:
    kind: str  # prose | procedure | list | row
    parts: list[str]  # joints where the unit may be split: steps, items, or the whole text

    @property
    def text(self) -> str:
        return "\n".join(self.parts)


@dataclass
class Section:
    path: tuple[str, ...]
    units: list[Unit] = field(default_factory=list)


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())


def _is_indented(line: str) -> bool:
    return line.startswith((" ", "\t"))


def _body_units(lines: list[str]) -> list[Unit]:
    """Split a section body into units (see module docstring)."""
    units: list[Unit] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        marker = STEP if STEP.match(line) else BULLET if BULLET.match(line) else None
        if marker is not None:
            parts: list[str] = []
            while i < len(lines):
                cur = lines[i]
                if marker.match(cur):
                    parts.append(cur)
                elif cur.strip() and _is_indented(cur) and parts:
                    parts[-1] += "\n" + cur
                elif not cur.strip():
                    # a blank line continues the list only if the list goes on after it
                    nxt = next((x for x in lines[i + 1 :] if x.strip()), "")
                    if not (marker.match(nxt) or _is_indented(nxt)):
                        break
                else:
                    break
                i += 1
            units.append(Unit("procedure" if marker is STEP else "list", parts))
        elif ROW.match(line):
            units.append(Unit("row", [line]))
            i += 1
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not (STEP.match(lines[i]) or BULLET.match(lines[i])):
                if ROW.match(lines[i]) and para:
                    break
                para.append(lines[i].strip())
                i += 1
            units.append(Unit("prose", ["\n".join(para)]))
    return units


def parse_sections(doc: SourceDocument) -> list[Section]:
    base = tuple(p.strip() for p in (doc.section or "").split(SEP) if p.strip())
    sections = [Section(base)]
    body: list[str] = []
    stack: list[tuple[int, str]] = []
    parse_headings = doc.doc_type == "manual"
    for line in doc.text.split("\n"):
        m = HEADING.match(line) if parse_headings else None
        if not m:
            body.append(line.rstrip())
            continue
        sections[-1].units = _body_units(body)
        body = []
        level = len(m.group(1))
        stack = [(lv, t) for lv, t in stack if lv < level] + [(level, m.group(2).strip().rstrip("#").strip())]
        sections.append(Section(tuple(t for _, t in stack)))
    sections[-1].units = _body_units(body)
    return [s for s in sections if s.units]


def common_prefix(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    prefix = paths[0]
    for p in paths[1:]:
        n = 0
        while n < min(len(prefix), len(p)) and prefix[n] == p[n]:
            n += 1
        prefix = prefix[:n]
    return prefix
