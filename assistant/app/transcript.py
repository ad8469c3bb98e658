"""A stored conversation as a supervisor reads it: turns with their sources, feedback and checklists.

Built from ``ConversationService.get_thread`` (messages, elements, the owner's feedback); used by
the chat's ``/thread`` command and the audit page. Pure functions.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.app.audit_query import short_id


@dataclass
class Source:
    n: int
    label: str
    where: str
    excerpt: str
    panel: str  # the side panel's markdown as the technician saw it


@dataclass
class Turn:
    id: str
    role: str  # user_message | assistant_message | system_message
    text: str
    created: str
    feedback: dict[str, Any] | None = None  # {"value": +1/-1, "comment"}
    sources: list[Source] = field(default_factory=list)
    checklist: dict[str, Any] | None = None  # {"title", "done", "total", "items": [[text, ticked]]}


def parse_panel(name: str, content: str) -> Source:
    """A side panel ('**label**', where, blank, excerpt lines) back into its parts."""
    lines = content.splitlines()
    label = lines[0].strip().strip("*") if lines else name
    where = lines[1].strip() if len(lines) > 1 and lines[1].strip() else ""
    body = "\n".join(ln.lstrip("> ").replace("**▶ ", "▶ ").replace("**", "") for ln in lines[2:]).strip()
    number = re.search(r"\d+", name)
    return Source(int(number.group(0)) if number else 0, label, where, re.sub(r"\n{2,}", "\n", body), content)


def checklist_summary(props: dict[str, Any]) -> dict[str, Any]:
    done = set(props.get("done") or [])
    items = [[f"{item.get('label') or ''} {item.get('text', '')}".strip(), item.get("id") in done]
             for section in props.get("sections", []) for item in section.get("items", [])]
    return {"title": props.get("title", ""), "done": sum(1 for _, t in items if t), "total": len(items),
            "items": items}


def turns(view: Any) -> list[Turn]:
    by_message: dict[str, list[dict[str, Any]]] = {}
    for e in view.elements:
        by_message.setdefault(e.get("forId") or "", []).append(e)
    out = []
    for m in view.messages:
        if m.role not in ("user_message", "assistant_message", "system_message") or (m.metadata or {}).get("welcome"):
            continue
        turn = Turn(m.id, m.role, m.content, m.created_at.isoformat(timespec="seconds"), m.feedback)
        panels: dict[int, Source] = {}
        chips: list[Source] = []
        for e in by_message.get(m.id, []):
            if e.get("type") == "custom" and e.get("content") and e.get("name") == "Checklist":
                turn.checklist = checklist_summary(json.loads(e["content"]))
            elif e.get("type") == "custom" and e.get("content") and e.get("name") == "SourceChips":
                chips += [Source(c["n"], c["label"], c.get("where", ""), c.get("excerpt", ""),
                                 f"**{c['label']}**\n{c.get('where', '')}\n\n{c.get('excerpt', '')}")
                          for c in json.loads(e["content"]).get("sources", [])]
            elif e.get("type") == "text" and e.get("content") and re.fullmatch(r"\[\d+\]", e.get("name") or ""):
                source = parse_panel(e["name"], e["content"])
                panels[source.n] = source  # a panel rewritten once the answer was known: the latest
        # a decline showed its nearest sources as chips (its panels, sent while searching, were never linked)
        turn.sources = chips or sorted(panels.values(), key=lambda s: s.n)
        out.append(turn)
    return out


def transcript_json(view: Any) -> dict[str, Any]:
    t = view.thread
    return {"thread": {"id": t.id, "short": short_id(t.id), "title": t.title or "Conversation", "owner": t.owner,
                       "asset": t.asset, "created": t.created_at.isoformat(timespec="seconds")},
            "turns": [asdict(turn) for turn in turns(view)]}


def feedback_line(feedback: dict[str, Any] | None) -> str:
    if not feedback:
        return ""
    thumb = "👍" if feedback.get("value") == 1 else "👎"
    comment = f" “{feedback['comment']}”" if feedback.get("comment") else ""
    return f"{thumb}{comment}"
