"""Load and validate a QA file (JSON Lines, one question per line).

Every problem is reported with the file name and line number, and all of them are
collected before failing, so a user fixes a broken file in one pass::

    items = load_qa(Path("data/sample/qa.jsonl"))
    items[0].expected_sources[0].matches(chunk.source, chunk.page, chunk.record_id)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.types import ChatMessage

MAX_REPORTED_ERRORS = 25  # a file broken on every line should not flood the terminal


class QAFormatError(ValueError):
    """The QA file is invalid. ``errors`` holds one "file:line: problem" string per problem."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_REPORTED_ERRORS]
        more = f"\n... and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        super().__init__("invalid QA file:\n" + "\n".join(shown) + more)


_RECORD_NOISE = re.compile(r"[\s\-_\u2010-\u2015\u2212]+")


def normalize_record(record: str) -> str:
    """``WO-1043`` == ``wo 1043`` == ``WO_1043``: case, dashes, underscores and spaces ignored."""
    return _RECORD_NOISE.sub("", record).casefold()


def _path_parts(path: str) -> tuple[str, ...]:
    # Windows separators in a hand-written QA file should still match POSIX chunk sources.
    return tuple(p for p in PurePosixPath(path.replace("\\", "/")).parts if p not in ("/", "."))


@dataclass(frozen=True)
class ExpectedSource:
    """A place where the answer lives: a file (path suffix), optionally a page or a record."""

    source: str
    page: int | None = None
    record: str | None = None

    def matches(self, source: str, page: int | None = None, record_id: str | None = None) -> bool:
        """True when ``source`` ends with this source on a path-component boundary.

        ``manual.pdf`` matches ``/data/press/manual.pdf`` but not ``/data/old_manual.pdf``.
        Page and record are only compared when the expectation names them.
        """
        want = _path_parts(self.source)
        have = _path_parts(source)
        if not want or len(want) > len(have) or have[-len(want):] != want:
            return False
        if self.page is not None and page != self.page:
            return False
        if self.record is not None:
            # the ingest names a bare row number by its file ("case_study_pdl-2745" for id 2745 of case_study_pdl.csv)
            named = {normalize_record(self.record), normalize_record(f"{PurePosixPath(want[-1]).stem}-{self.record}")}
            if record_id is None or normalize_record(record_id) not in named:
                return False
        return True


@dataclass
class QAItem:
    """One evaluation question, validated."""

    id: str
    question: str
    answerable: bool = True
    expected_sources: list[ExpectedSource] = field(default_factory=list)
    answer_must_include: list[str] = field(default_factory=list)
    kind: str = "fact"
    asset: str | None = None
    history: list[ChatMessage] = field(default_factory=list)
    line: int = 0


class _SourceModel(BaseModel):
    model_config = ConfigDict(extra="forbid")  # catches typos such as "recrod"

    source: str = Field(min_length=1)
    page: int | None = Field(None, ge=0)
    record: str | None = None

    @field_validator("record", mode="before")
    @classmethod
    def _record_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class _MessageModel(BaseModel):
    role: Literal["user", "assistant", "system"]
    content: str


class _ItemModel(BaseModel):
    # Unknown top-level keys (notes, tags ...) are allowed: users annotate their QA files.
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answerable: bool = True
    expected_sources: list[_SourceModel] = Field(default_factory=list)
    answer_must_include: list[str] = Field(default_factory=list)
    kind: str = Field("fact", min_length=1)
    asset: str | None = None
    history: list[_MessageModel] = Field(default_factory=list)

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("question")
    @classmethod
    def _question_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("answer_must_include")
    @classmethod
    def _facts_not_blank(cls, value: list[str]) -> list[str]:
        if any(not fact.strip() for fact in value):
            raise ValueError("facts must not be blank")
        return value


def _describe(error: dict[str, Any]) -> str:
    loc = ".".join(str(part) for part in error.get("loc", ())) or "(line)"
    return f"field {loc!r}: {error.get('msg', 'invalid')}"


def parse_qa_line(raw: str, line: int, name: str = "<qa>") -> QAItem:
    """Parse one JSON line; raises ``QAFormatError`` naming ``name:line`` on any problem."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise QAFormatError([f"{name}:{line}: not valid JSON ({exc.msg} at column {exc.colno})"]) from exc
    if not isinstance(data, dict):
        raise QAFormatError([f"{name}:{line}: expected a JSON object, got {type(data).__name__}"])
    try:
        model = _ItemModel.model_validate(data)
    except ValidationError as exc:
        raise QAFormatError([f"{name}:{line}: {_describe(e)}" for e in exc.errors()]) from exc
    return QAItem(
        id=model.id,
        question=model.question,
        answerable=model.answerable,
        expected_sources=[ExpectedSource(s.source, s.page, s.record) for s in model.expected_sources],
        answer_must_include=list(model.answer_must_include),
        kind=model.kind,
        asset=model.asset or None,
        history=[ChatMessage(role=m.role, content=m.content) for m in model.history],
        line=line,
    )


def load_qa(path: Path) -> list[QAItem]:
    """Read a QA JSONL file. Blank lines are skipped; ids must be unique.

    Raises ``FileNotFoundError`` when missing and ``QAFormatError`` listing every bad line.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"QA file not found: {path}")
    name = str(path)
    items: list[QAItem] = []
    errors: list[str] = []
    first_line_of: dict[str, int] = {}
    with path.open(encoding="utf-8-sig") as handle:  # -sig: tolerate a BOM from spreadsheet exports
        for line_no, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                item = parse_qa_line(raw, line_no, name)
            except QAFormatError as exc:
                errors.extend(exc.errors)
                continue
            if item.id in first_line_of:
                errors.append(f"{name}:{line_no}: duplicate id {item.id!r} (first used on line {first_line_of[item.id]})")
                continue
            first_line_of[item.id] = line_no
            items.append(item)
    if errors:
        raise QAFormatError(errors)
    if not items:
        raise QAFormatError([f"{name}: no questions found (expected one JSON object per line)"])
    return items
