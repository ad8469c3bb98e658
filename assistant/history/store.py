"""Work orders kept as structured rows, for counting / ranking / latest questions.

The ingest pipeline fills the table through the ``WorkOrderSink`` methods
(``replace_source`` / ``delete_source``); the history answerer and the procedure
builder read it through ``search`` and ``similar``. The table (``assistant.db.models.WorkOrder``)
is created by the Alembic migrations (tests may use ``Base.metadata.create_all`` on a temp SQLite).

    store = WorkOrderStore(session_factory)
    store.replace_source("/data/wo.csv", records)
    rows = store.search(assets=["CWC04007"], stems=["sensor", "fail"], date_from="2019-01-01")
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import String, Text, cast, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from assistant.db.models import WorkOrder
from ingest.types import WorkOrderRecord

# Columns whose text a topic is matched against (besides ``extra``). The asset's own id and
# name join them only when no asset is pinned, so "chillers" can select chiller rows while
# "belt" in "belt tracking on Belt conveyor 3" must be in the row's own text.
TEXT_COLUMNS = (
    "description", "failure_code", "failure_description", "failure_mode", "component",
    "cause", "action", "parts", "work_type",
)
ASSET_COLUMNS = ("asset", "asset_name")

Stems = Sequence["str | Sequence[str]"]  # each entry: one stem, or alternatives of which one must match

_PREVENTIVE = {"preventive", "preventative", "pm", "pm01", "planned", "scheduled", "true", "yes", "y", "1"}
_CORRECTIVE = {"corrective", "cm", "pm02", "pm03", "breakdown", "reactive", "repair", "unplanned",
               "unscheduled", "emergency", "false", "no", "n", "0"}


_RECORD_FIELDS = [f.name for f in fields(WorkOrderRecord)]


def normalise_record_id(record_id: str) -> str:
    """'WO-123 456' and 'wo123456' are the same work order seen in two files."""
    return re.sub(r"[^0-9a-z]", "", (record_id or "").lower())


def work_kind(work_type: str | None) -> str | None:
    """Map a site's work-type value (PM01, 'TRUE' in a `preventive` column ...) to preventive/corrective."""
    if not work_type:
        return None
    value = work_type.strip().lower()
    if value in _PREVENTIVE or "prevent" in value:
        return "preventive"
    if value in _CORRECTIVE or "correct" in value:
        return "corrective"
    return None


def row_text(record: WorkOrderRecord, with_asset: bool = False) -> str:
    """Lower-cased text of every descriptive field, the haystack for topic matching."""
    columns = TEXT_COLUMNS + (ASSET_COLUMNS if with_asset else ())
    parts = [getattr(record, name) or "" for name in columns]
    parts += [str(v) for v in (record.extra or {}).values() if v is not None]
    return " \n ".join(parts).lower()


def _groups(stems: Stems) -> list[tuple[str, ...]]:
    return [(s,) if isinstance(s, str) else tuple(s) for s in stems]


def matches_stems(text: str, stems: Stems) -> bool:
    """Every stem (or one of its alternatives) must start a word of the text:
    'fail' matches 'failure', not 'wolfail'."""
    return all(any(re.search(r"(?<![0-9a-z])" + re.escape(alt), text) for alt in group)
               for group in _groups(stems))


def is_failure(record: WorkOrderRecord, text: str) -> bool:
    """A failure event: corrective work, or failure words in the row, or a failure code when
    the work type is unknown."""
    kind = work_kind(record.work_type)
    if kind == "corrective" or re.search(r"(?<![0-9a-z])(fail|fault|broke|breakdown|malfunct|defect)", text):
        return True
    return kind is None and bool(record.failure_code)


class WorkOrderStore:
    """SQLAlchemy-backed work-order table; implements the ingest ``WorkOrderSink`` Protocol."""

    def __init__(self, session_factory: Callable[[], Session]):
        self._session_factory = session_factory

    # --- sink -----------------------------------------------------------------
    def replace_source(self, source: str, records: list[WorkOrderRecord]) -> None:
        """Delete the file's old rows and insert the new ones in one transaction."""
        rows = [self._to_row(source, r) for r in records]
        with self._session_factory() as session, session.begin():
            session.execute(delete(WorkOrder).where(WorkOrder.source == source))
            if rows:
                # Core bulk insert: one executemany, ~10k rows in well under a second on SQLite.
                session.execute(insert(WorkOrder), rows)

    def delete_source(self, source: str) -> None:
        with self._session_factory() as session, session.begin():
            session.execute(delete(WorkOrder).where(WorkOrder.source == source))

    # --- reads ----------------------------------------------------------------
    def count(self) -> int:
        with self._session_factory() as session:
            return session.scalar(select(func.count()).select_from(WorkOrder)) or 0

    def sources(self) -> list[str]:
        with self._session_factory() as session:
            return list(session.scalars(select(WorkOrder.source).distinct().order_by(WorkOrder.source)))

    def assets(self) -> list[tuple[str | None, str | None]]:
        """Distinct (asset id, asset name) pairs, for resolving names the registry does not know."""
        with self._session_factory() as session:
            stmt = select(WorkOrder.asset, WorkOrder.asset_name).distinct()
            return [(a, n) for a, n in session.execute(stmt) if a or n]

    def is_category(self, phrase: str) -> bool:
        """Is ``phrase`` a whole value of a code, mode or component column ("Major Overhaul"), case aside?"""
        wanted = " ".join(phrase.lower().split())
        columns = (WorkOrder.failure_code, WorkOrder.failure_description, WorkOrder.failure_mode, WorkOrder.component)
        with self._session_factory() as session:
            found = session.scalar(select(func.count()).where(or_(*(func.lower(c) == wanted for c in columns))))
        return bool(found)

    def search(
        self,
        *,
        assets: Sequence[str] | None = None,
        asset_names: Sequence[str] = (),
        asset_class: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        stems: Stems = (),
        kind: str | None = None,
        failure: bool = False,
        dedupe: bool = True,
    ) -> list[WorkOrderRecord]:
        """Rows matching every given filter, newest first (undated rows last).

        ``assets`` match the asset id or (via ``asset_names``) the asset name, case-insensitively;
        ``asset_class`` ('chiller') keeps rows whose asset id or name contains the word;
        ``stems`` must all start a word of the row text (the asset name counts only when no
        asset is given); ``kind`` is preventive / corrective; ``failure`` keeps failure events.
        """
        with_asset = assets is None
        stmt = select(WorkOrder)
        if assets is not None:
            ids = [a.lower() for a in assets]
            names = [n.lower() for n in asset_names if n]
            conds = [func.lower(WorkOrder.asset).in_(ids)] if ids else []
            if names:
                conds.append(func.lower(WorkOrder.asset_name).in_(names))
            if not conds:
                return []
            stmt = stmt.where(or_(*conds))
        if asset_class:
            pattern = f"%{asset_class.lower()}%"
            stmt = stmt.where(or_(func.lower(WorkOrder.asset_name).like(pattern),
                                  func.lower(WorkOrder.asset).like(pattern)))
        if date_from:
            stmt = stmt.where(WorkOrder.date >= date_from)
        if date_to:
            stmt = stmt.where(WorkOrder.date <= date_to)
        haystack = self._haystack(with_asset)
        groups = _groups(stems)
        scope = stmt  # the asset and date filters, for ``_parts_elsewhere``
        # SQL pre-filter (the word-start check happens in Python below): every group, or with two or more groups
        # any of them, for the rows lacking one group that ``linked_by_parts`` may add
        likes = [or_(*[haystack.like(f"%{alt}%") for alt in group]) for group in groups]
        if likes:
            stmt = stmt.where(or_(*likes)) if len(groups) > 1 else stmt.where(*likes)
        stmt = stmt.order_by(WorkOrder.date.is_(None), WorkOrder.date.desc(), WorkOrder.id)
        with self._session_factory() as session:
            records = [self._to_record(row) for row in session.scalars(stmt)]
        out, near = [], []
        for r in records:
            text = row_text(r, with_asset)
            missed = sum(not matches_stems(text, [group]) for group in groups)
            if missed > 1 or missed and len(groups) < 2 or (kind is not None and work_kind(r.work_type) != kind):
                continue
            if failure and not is_failure(r, text):
                continue
            (near if missed else out).append(r)
        if near and out:
            kept = {id(r) for r in out + linked_by_parts(out, near, self._parts_elsewhere(scope, out + near))}
            out = [r for r in records if id(r) in kept]
        return dedupe_records(out) if dedupe else out

    def _parts_elsewhere(self, scope, topic: list[WorkOrderRecord]) -> set[tuple[str | None, str]]:
        """(asset, part) of the rows in ``scope`` (a select with the asset and date filters) outside ``topic`` that
        used a part a ``topic`` row used."""
        wanted = {p for r in topic for p in part_names(r)}
        if not wanted:
            return set()
        parts = func.lower(func.coalesce(WorkOrder.parts, ""))
        ids = {normalise_record_id(r.record_id) for r in topic}
        with self._session_factory() as session:
            rows = [self._to_record(row) for row in session.scalars(
                scope.where(or_(*[parts.like(f"%{p}%") for p in wanted])))]
        return {(r.asset, p) for r in rows if normalise_record_id(r.record_id) not in ids for p in part_names(r)}

    def similar(self, *, assets: Sequence[str] | None, asset_names: Sequence[str] = (),
                stems: Stems, min_matches: int = 1) -> list[tuple[int, WorkOrderRecord]]:
        """Rows sharing at least ``min_matches`` of the stems, as (matched count, row), newest first."""
        if not stems:
            return []
        stmt = select(WorkOrder)
        if assets is not None:
            conds = [func.lower(WorkOrder.asset).in_([a.lower() for a in assets])]
            names = [n.lower() for n in asset_names if n]
            if names:
                conds.append(func.lower(WorkOrder.asset_name).in_(names))
            stmt = stmt.where(or_(*conds))
        haystack = self._haystack(False)
        stmt = stmt.where(or_(*[haystack.like(f"%{alt}%") for group in _groups(stems) for alt in group]))
        stmt = stmt.order_by(WorkOrder.date.is_(None), WorkOrder.date.desc(), WorkOrder.id)
        with self._session_factory() as session:
            records = dedupe_records([self._to_record(row) for row in session.scalars(stmt)])
        scored = []
        for record in records:
            text = row_text(record)
            hits = sum(1 for group in _groups(stems) if matches_stems(text, [group]))
            if hits >= min_matches:
                scored.append((hits, record))
        return scored

    # --- helpers --------------------------------------------------------------
    @staticmethod
    def _haystack(with_asset: bool):
        columns = TEXT_COLUMNS + (ASSET_COLUMNS if with_asset else ())
        cols = [func.coalesce(getattr(WorkOrder, name), "") for name in columns]
        cols.append(func.coalesce(cast(WorkOrder.extra, Text), ""))
        text = cols[0]
        for col in cols[1:]:
            text = text + " " + col
        return func.lower(text)

    @staticmethod
    def _to_row(source: str, record: WorkOrderRecord) -> dict[str, Any]:
        row = {name: getattr(record, name) for name in _RECORD_FIELDS}
        row["source"] = source
        row["description"] = record.description or ""
        row["extra"] = record.extra or None
        return row

    @staticmethod
    def _to_record(row: WorkOrder) -> WorkOrderRecord:
        values = {name: getattr(row, name) for name in _RECORD_FIELDS}
        values["extra"] = dict(row.extra or {})
        return WorkOrderRecord(**values)


def part_names(record: WorkOrderRecord) -> set[str]:
    """The part numbers a work order used, one per entry of its parts field ("P/N 4471-22; P/N 4471-23"), lower
    case. An entry without a digit names a kind of part ("Cylinder_Tilt", "hose"), not one part: left out."""
    return {" ".join(p.split()).lower() for p in re.split(r"[;,\n]", record.parts or "") if re.search(r"\d", p)}


def linked_by_parts(full: list[WorkOrderRecord], near: list[WorkOrderRecord],
                    elsewhere: set[tuple[str | None, str]]) -> list[WorkOrderRecord]:
    """The ``near`` rows (one of the topic's word groups missing) that used a part the ``full`` matches used on the
    same asset, a part no job of another topic there used (``elsewhere``): "strainer clogged, chngd strainer" with
    P/N 4471-22 is a suction strainer job where the jobs naming the suction strainer used P/N 4471-22. The part
    number links the records whatever their language or abbreviations.

    >>> def wo(i, parts, asset="P4"): return WorkOrderRecord(i, "w.csv", "", asset=asset, parts=parts)
    >>> full, near = [wo("1", "P/N 4471-22; G-7; seal")], [wo("2", "P/N 4471-22"), wo("3", "G-7"), wo("4", "seal")]
    >>> [r.record_id for r in linked_by_parts(full, near, {("P4", "g-7")})]
    ['2']
    >>> linked_by_parts(full, [wo("5", "P/N 4471-22", asset="P5")], set())  # another asset's part
    []
    """
    used = {(r.asset, p) for r in full for p in part_names(r)} - elsewhere
    return [r for r in near if any((r.asset, p) in used for p in part_names(r))]


def dedupe_records(records: Iterable[WorkOrderRecord]) -> list[WorkOrderRecord]:
    """Keep the first row of each normalised record id (the same order seen in two files)."""
    seen: set[str] = set()
    out = []
    for record in records:
        key = normalise_record_id(record.record_id) or f"\x00{id(record)}"
        if key not in seen:
            seen.add(key)
            out.append(record)
    return out
