"""Pulls verbatim pieces out of manual text: numbered steps, safety lines, troubleshooting
causes, tool / part lines, and the numbers a text contains.

Nothing here rewrites text: every returned string is a whitespace-collapsed slice of the input,
so torques, pressures and part numbers stay exactly as the manual prints them. Chunk text
starts with a ``Title > Section`` context line and PDF text wraps lines (sometimes across
blank lines); ``logical_lines`` undoes both before anything is extracted.
"""

from __future__ import annotations

import re

from assistant.history.text import significant_words, stems_of

SAFETY_RE = re.compile(
    r"\b(lock[\s-]?out|locked out|tag[\s-]?out|loto|isolat\w*|de-?energi[sz]\w*|zero[\s-]energy|ppe|"
    r"personal protective|safety (?:glasses|goggles|shoes|boots)|gloves|goggles|hazard\w*|danger|warning|"
    r"caution|depressuri[sz]\w*|residual pressure|stored energy|bleed (?:off|down)|padlock)\b", re.I)
LOTO_RE = re.compile(r"\b(lock[\s-]?out|tag[\s-]?out|loto|isolat\w*|padlock)\b", re.I)
SAFETY_HEADING_RE = re.compile(r"safety|lock|isolation|hazard|warning|precaution|ppe|protective|energy", re.I)
VERIFY_RE = re.compile(r"\b(check|checks|checking|verify|verifies|test[\s-]?run|confirm|ensure|make sure|"
                       r"inspect for leaks|leak test|measure|observe)\b", re.I)
TOOL_RE = re.compile(r"\b(torque wrench|wrench|spanner|screwdriver|socket|hex key|allen key|pliers|feeler gauge|"
                     r"test gauge|manometer|multimeter|voltage tester|puller|dial indicator|seal kit|"
                     r"gasket kit|repair kit|sealant|thread ?locker|loctite|borescope|tube brush|fin comb|"
                     r"tools?\s*(?:required|needed)?:|parts?\s*(?:required|needed|list)?:|you will need)", re.I)
PN_RE = re.compile(r"\b(?:P/N|PN|part\s*(?:no\.?|number|#))\s*[:#.]?\s*([A-Z0-9][A-Z0-9./-]*[0-9][A-Z0-9./-]*)", re.I)
NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
# "Step 4:" starts a step; "(see ..., step 4)" only points at one
_STEP_MARK = re.compile(r"(?<![\w.,/-])(?:(?i:step)\s+(\d{1,2})[.:]?|(?<![Ss]tep )(\d{1,2})[.)])(?=\s)")
_STEP_START = re.compile(r"^(?:(?i:step)\s+\d{1,2}[.):]?|\d{1,2}[.)])\s+")
_BULLET_START = re.compile(r"^(?:[-*•▪]|\([a-z0-9]\)|[a-z][.)])\s+")
_TABLE_ROW = re.compile(r"^[^|]{1,60}:\s.*\|")  # "Symptom: ... | Possible cause: ... | Remedy: ..."


def collapse(text: str) -> str:
    return " ".join(text.split())


def numbers_in(text: str) -> set[str]:
    """'45 N·m', '2.5 bar', 'PN 4471-B' -> {'45', '2.5', '4471'}; a decimal comma counts as written."""
    return {m.group(0).rstrip(".,") for m in NUMBER_RE.finditer(text)}


def is_heading(line: str) -> bool:
    """Markdown headings, 'Title > Section' context lines, '1.4 Lock-out procedure', page footers."""
    if re.match(r"^#{1,6}\s", line) or " > " in line:
        return True
    if re.search(r"\bpage \d+$", line, re.I) and len(line.split()) <= 8:
        return True
    return bool(re.match(r"^\d+(?:\.\d+)*\s+[A-Z]", line)) and not re.search(r"[.!?:;]$", line) \
        and len(line.split()) <= 10


def logical_lines(text: str) -> list[str]:
    """One entry per step, bullet, table row or paragraph, with wrapped lines joined."""
    out: list[str] = []
    current: str | None = None
    blank = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            blank = True
            continue
        if is_heading(line):
            if current:
                out.append(current)
            current, blank = None, False
            continue
        indented = raw[:1].isspace() and not blank
        starts = bool(_STEP_START.match(line) or _BULLET_START.match(line) or _TABLE_ROW.match(line))
        # Table rows stand alone; a blank line ends a paragraph only after a finished sentence,
        # because PDF text breaks mid-sentence.
        table = "|" in line or (current is not None and "|" in current)
        new = current is None or table or (starts and not indented) or (blank and re.search(r"[.!?:]$", current))
        if new:
            if current:
                out.append(current)
            current = line
        else:
            current += " " + line
        blank = False
    if current:
        out.append(current)
    return out


def numbered_runs(text: str) -> list[list[tuple[int, str]]]:
    """Runs of consecutively numbered steps (1., 2., 3. ... or 'Step 1:'), each step verbatim.

    Works on line-broken and on flattened PDF text; the 1-2-3 sequence is what separates
    step numbers from other numbers ('tighten to 45 N·m.' is never a step marker).
    """
    flat = "\n".join(logical_lines(text))
    marks = [(m.start(), m.end(), int(m.group(1) or m.group(2))) for m in _STEP_MARK.finditer(flat)]
    runs: list[list[int]] = []
    used: set[int] = set()
    for i, (_, _, n) in enumerate(marks):
        if i in used or n != 1:
            continue
        run, expect = [i], 2
        for j in range(i + 1, len(marks)):
            if marks[j][2] == expect:
                run.append(j)
                expect += 1
            elif marks[j][2] == 1:
                break  # a new list starts
        used.update(run)
        if len(run) >= 2:
            runs.append(run)
    out = []
    for run in runs:
        steps = []
        for pos, idx in enumerate(run):
            start = marks[idx][1]
            stop = marks[run[pos + 1]][0] if pos + 1 < len(run) else len(flat)
            body = collapse(flat[start:stop].split("\n")[0] if pos + 1 == len(run) else flat[start:stop])
            if body:
                steps.append((marks[idx][2], body))
        if len(steps) >= 2:
            out.append(steps)
    return out


def items(text: str) -> list[str]:
    """Steps and bullets (markers stripped), table rows whole, prose split into sentences."""
    out = []
    for line in logical_lines(text):
        marker = _STEP_START.match(line) or _BULLET_START.match(line)
        if marker or _TABLE_ROW.match(line):
            out.append(collapse(line[marker.end():] if marker else line))
        else:
            out.extend(collapse(s) for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", line) if s.strip())
    return [i for i in out if i]


def safety_lines(text: str, heading: str = "") -> list[str]:
    """Safety content of a chunk: everything under a safety heading, else the items that carry a
    safety term."""
    if SAFETY_HEADING_RE.search(heading or ""):
        return [i for i in items(text) if len(i.split()) >= 3 and not i.endswith(":")]
    return [i for i in items(text) if SAFETY_RE.search(i)]


def tool_lines(text: str) -> list[tuple[str, str | None]]:
    """(item, part number or None) for lines naming a part number or a tool, outside numbered
    steps (a step that uses a tool is a step, not a tool)."""
    out = []
    steps = {collapse(body) for run in numbered_runs(text) for _, body in run}
    sentences = [s for item in items(text) if collapse(item) not in steps
                 for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", item) if s]
    for line in sentences:
        pn = PN_RE.search(line)
        if pn or TOOL_RE.search(line):
            out.append((line if len(line) <= 220 else line[:219] + "…", pn.group(1) if pn else None))
    return out


def overlap(text: str, stems: list) -> int:
    """How many stems (or alternative groups) start a word of the text."""
    low = text.lower()
    count = 0
    for stem in stems:
        group = (stem,) if isinstance(stem, str) else stem
        if any(re.search(r"(?<![0-9a-z])" + re.escape(alt), low) for alt in group):
            count += 1
    return count


def _cells(row: str) -> dict[str, str]:
    cells = {}
    for i, cell in enumerate(c.strip() for c in row.strip().strip("|").split("|")):
        m = re.match(r"^([^:]{1,40}):\s*(.*)$", cell)
        cells[(m.group(1).lower() if m else str(i))] = collapse(m.group(2) if m else cell)
    return cells


def table_causes(text: str, symptom_stems: list, min_overlap: int = 1) -> list[tuple[int, str, str, str]]:
    """(overlap, cause, remedy, row) from troubleshooting rows whose symptom shares words with ours.

    Reads 'Symptom: … | Possible cause: … | Remedy: …' rows, Markdown tables with a header
    row naming a cause column, and 'Possible cause: …' prose lines.
    """
    out: list[tuple[int, str, str, str]] = []
    header: list[str] | None = None
    for line in logical_lines(text):
        if line.count("|") >= 2 or _TABLE_ROW.match(line):
            raw_cells = [collapse(c) for c in line.strip().strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) or not c for c in raw_cells):
                continue
            if not _TABLE_ROW.match(line) and any("cause" in c.lower() for c in raw_cells) \
                    and all(len(c.split()) <= 4 for c in raw_cells):
                header = [c.lower() for c in raw_cells]
                continue
            cells = dict(zip(header, raw_cells)) if header and len(header) == len(raw_cells) else _cells(line)
            cause = next((v for k, v in cells.items() if "cause" in k), cells.get("1", ""))
            symptom = next((v for k, v in cells.items() if re.search(r"symptom|problem|fault|condition", k)),
                           cells.get("0", ""))
            remedy = next((v for k, v in cells.items() if re.search(r"remedy|action|solution|fix|correct", k)),
                          cells.get("2", ""))
            score = overlap(symptom, symptom_stems)
            if cause and score >= min_overlap:
                out.append((score, cause, remedy, collapse(line)))
            continue
        m = re.search(r"\b(?:possible|probable|likely)?\s*causes?\s*:\s*(.+)", line, re.I)
        if m:
            score = overlap(text, symptom_stems)
            if score >= min_overlap:
                out.append((score, collapse(m.group(1)), "", collapse(line)))
    return sorted(out, key=lambda t: -t[0])


def topic_stems(text: str, extra_stop: set[str] | None = None) -> list[str]:
    return stems_of(significant_words(text, extra_stop or set()))


def section_refs(text: str) -> list[str]:
    """Section numbers a remedy points to: '(procedure 5.1)', 'see section 6.3' -> ['5.1', '6.3']."""
    refs = re.findall(r"\b(?:procedure|section|see|chapter)\s+(\d+(?:\.\d+)+)|\((\d+(?:\.\d+)+)\)", text, re.I)
    return [a or b for a, b in refs]


def cause_key(text: str, canon: dict[str, tuple[str, ...]]) -> set[str]:
    """Stems of a cause with abbreviations folded ('suct' and 'suction' give the same key)."""
    return {canon.get(s, (s,))[0] for s in topic_stems(text)}


def similar_keys(a: set[str], b: set[str], share: float = 0.66) -> bool:
    """At least ``share`` of the words of the shorter cause occur in the longer one (two of three)."""
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= share


def cluster_causes(causes: list[tuple[str, object]], canon: dict[str, tuple[str, ...]]) -> list[tuple[str, list]]:
    """Group free-text causes that name the same thing ('suct strainer clogged w/ sludge' and
    'suction strainer clogged'): two causes join when most words of the shorter one (stems,
    abbreviations folded through ``canon``) occur in the other. Largest group first; each
    group is labelled with its most recent wording."""
    groups: list[tuple[str, set[str], list]] = []
    for text, item in causes:
        words = cause_key(text, canon)
        for label, gwords, members in groups:
            if similar_keys(words, gwords):
                members.append(item)
                gwords |= words
                break
        else:
            groups.append((text, set(words), [item]))
    ordered = sorted(enumerate(groups), key=lambda p: (-len(p[1][2]), p[0]))
    return [(label, members) for _, (label, _, members) in ordered]
