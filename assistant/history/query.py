"""Rule-based understanding of fault-history questions (count / latest / first / rank / top / list / total).

Conservative on purpose: a question becomes a history query only when it carries an explicit
counting, ranking, recency, listing or total signal *and* refers to past events, so manual
questions ("what is the torque for the water inlet nuts?", "how many bolts hold the cover?")
stay with retrieval.

    parser = HistoryQueryParser(registry, store=work_orders)
    q = parser.parse("when did Chiller 7 last have a sensor failure?")
    q.kind, q.assets, q.groups, q.failure  # 'latest', ['CWC04007'], [('sensor',)], True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol, Sequence

from assistant.history.phrases import (AVERAGE, CORRECTIVE, COSTLY, EXCLUDE, GENERIC_CLASS, GROUP_WORDS, LOW, NOUNS,
                                         PAST, PRESCRIPTIVE, PREVENTIVE, SCAFFOLD, THRESHOLD, TOP_RECORD, WHAT_HAPPENED,
                                         WHO_DID)
from assistant.history.text import parse_date_range, significant_words, stems_of, topic_groups
from assistant.textutil import strip_mentions
from ingest.assets import QUALIFIERS

Kind = Literal["count", "latest", "first", "rank", "top", "list", "total"]
GroupBy = Literal["asset", "failure_code", "failure_mode", "cause", "component", "parts"]


class AssetResolver(Protocol):
    """What the parser needs from ``ingest.assets.AssetRegistry``."""

    def resolve(self, text: str) -> list[str]: ...

    def name(self, asset_id: str) -> str | None: ...


class StoreLookup(Protocol):
    """What the parser reads from ``WorkOrderStore``: the assets its rows name, and whether a phrase is a code's."""

    def assets(self) -> list[tuple[str | None, str | None]]: ...

    def is_category(self, phrase: str) -> bool: ...


@dataclass
class HistoryQuery:
    """A structured question over the work-order table."""

    kind: Kind
    question: str
    assets: list[str] | None = None  # canonical ids; None = all assets
    asset_names: list[str] = field(default_factory=list)  # display names, same order as assets
    asset_class: str | None = None  # 'chiller' in "which chiller had the most ..."
    date_from: str | None = None
    date_to: str | None = None
    period: str | None = None  # human label of the date range ("in 2025")
    work_kind: Literal["corrective", "preventive"] | None = None
    topic: str = ""  # significant topic words as asked ("condenser plugging")
    stems: list[str] = field(default_factory=list)  # light stems of the topic words
    groups: list[tuple[str, ...]] = field(default_factory=list)  # what a row must match (with abbreviations)
    failure: bool = False  # the topic asked for failures: corrective events only
    top_n: int | None = None
    metric: Literal["count", "downtime", "cost"] = "count"
    group_by: GroupBy = "asset"  # what a ranking compares
    asks_who: bool = False  # "who did ...", "which tech ...": the answer names the technician, when recorded
    lowest: bool = False  # the low end of a ranking or of one job's figure ("fewest", "cheapest", "shortest")
    average: bool = False  # a total's mean over its jobs ("avg cost of a PM01 job")


def _detect_kind(q: str) -> tuple[Kind, int | None, str] | None:
    """(kind, top_n, metric) from signal phrases, or None when the question is not about history."""
    past = re.search(PAST, q) is not None
    if PRESCRIPTIVE.search(q) and not past:
        return None  # "how often should the filter be replaced?" is a manual question
    if THRESHOLD.search(q):
        return None  # "how many times did pressure fall below 150 bar?" is for the sensor summaries
    metric = "downtime" if re.search(r"\b(downtime|down time|duration|hours|labou?r)\b", q) else (
        "cost" if re.search(r"\b(cost|costs|spend|spent|expense)\b", q) else "count")
    if re.search(r"\btotal\s+(?:\w+\s+){0,2}(downtime|down time|duration|hours|cost|costs|spend)\b", q) or \
            re.search(AVERAGE, q) and metric != "count" or \
            re.search(r"\bhow much\s+(?:\w+\s+){0,2}(downtime|down time|time|did\b.*\bcost|was spent|money)", q):
        return "total", None, metric if metric != "count" else "downtime"
    top = re.search(r"\btop\s+(\d{1,2})\b", q)
    record = TOP_RECORD.search(q)
    if record:
        metric = "cost" if re.search(rf"{COSTLY}|\bcost\b", record[0]) else "downtime"
        return "top", int(top[1]) if top else None, metric
    if top and (re.search(r"\b(assets?|machines?|chillers?|pumps?|equipment|units?|which)\b", q) or
                re.search(r"\btop\s+\d{1,2}\s+\w+\s+by\b", q)):  # "top 5 excavators by cost": a ranking of them
        return "rank", int(top[1]), metric
    rank = re.search(r"\b(which|what)\s+\w+\s+(?:\w+\s+){0,3}(?:(?:has|have|had)\s+)?"
                     r"(?:had|has|have|with|saw|needed|got|logged|recorded|raised|seen)\s+the\s+"
                     r"(most|fewest|least|highest|lowest|largest|greatest)\b", q)
    spent = re.search(r"\b(?:which|what)\s+\w+\s+(?:\w+\s+){0,2}(?:cost|spent)\s+(?:the\s+)?most\b(?!\s+to\b)", q)
    if spent:  # "which excavator spent most on engine work": the assets ranked by their summed cost (not "... to fix")
        return "rank", None, "cost"
    if rank and (re.search(NOUNS, q[rank.end():]) or metric != "count") or \
            re.search(r"\bwhich\s+\w+\s+(?:\w+\s+){0,2}(?:fails?|failed|broke|breaks)\s+(?:the\s+)?most\b", q) or \
            re.search(r"\b(which|what)\b.*\b(most|least)\s+(often|frequent(ly)?|common(ly)?)\b", q) or \
            re.search(r"\b(most|least)\s+(common|frequent)\s+(\w+\s+)?(codes?|causes?|failure modes?|components?|"
                      r"parts?|faults?|failures?)\b", q):
        return "rank", None, metric
    if re.search(r"\bhow many times\b|\bnumber of times\b", q) or \
            re.search(rf"\b(?:how many|number of|count(?: of)?(?: the)?)\s+(?:\w+\s+){{0,3}}{NOUNS}\b", q) or \
            (re.search(r"\bhow (?:many|often)\b", q) and past):
        return "count", None, "count"
    if WHO_DID.search(q) and not re.search(r"\b(first time|earliest)\b", q):
        return "latest", None, "count"
    if re.search(r"\b(first time|earliest)\b", q) and (past or re.search(NOUNS, q)) or \
            re.search(r"\bwhen\s+(?:did|was|were|has|have)\b.*\bfirst\b", q) or \
            re.match(rf"\s*(?:the\s+)?(?:first|earliest)\s+(?:\w+\s+){{0,2}}{NOUNS}\b", q):  # "first recorded job"
        return "first", None, "count"
    if re.search(r"\bwhen\s+(?:did|was|were|has|have)\b.*\b(last|latest|recently)\b", q) or \
            re.search(r"\bwho\s+(?:\w+\s+){0,2}(?:the\s+)?(last|latest|most recent)\b", q) or \
            re.search(rf"\b(?:what|which)\s+(?:was|were|is)\s+the\s+(?:last|latest|most recent)\b.*{NOUNS}", q) or \
            re.search(rf"\b(last time|most recent|latest|previous)\b.*{NOUNS}|{NOUNS}.*\b(last time|most recent)\b", q) \
            and (past or re.search(r"\b(when|what|show|list)\b", q)) or \
            re.match(rf"\s*(?:the\s+)?(?:last|latest|most recent)\s+(?:\w+\s+){{0,2}}{NOUNS}\b", q):  # "latest wo on"
        return "latest", None, "count"
    if re.search(rf"^\s*(?:please\s+)?(?:list|show(?: me)?|give me|display)\s+(?:\w+\s+){{0,3}}{NOUNS}\b", q) or \
            re.search(r"\b(?:fault|failure|maintenance|repair|work)\s+history\b", q) or \
            (re.search(rf"^\s*(?:what|which)\s+(?:\w+\s+){{0,2}}{NOUNS}\b", q) and past):
        return "list", None, "count"
    return None


class HistoryQueryParser:
    """Turns a question into a ``HistoryQuery`` or None.

    ``registry`` resolves asset mentions; ``store`` (optional, a ``WorkOrderStore``) lets the
    parser fall back to the asset ids / names seen in the work orders when the registry
    knows none, and tells a code's name ("Major Overhaul") from loose topic words.
    ``today`` anchors 'this year' / 'last 6 months' (tests pin it).
    """

    def __init__(self, registry: AssetResolver | None = None, store: StoreLookup | None = None,
                 today: date | None = None):
        self._registry = registry
        self._store = store
        self._today = today

    def parse(self, question: str, asset: str | None = None) -> HistoryQuery | None:
        q = " ".join(re.sub(r"[()\[\],;]", " ", question.lower()).split())
        detected = _detect_kind(q)
        today = self._today or date.today()
        date_from, date_to, period, rest = parse_date_range(question, today)
        if detected is None and date_from and WHAT_HAPPENED.search(q):
            detected = ("list", None, "count")  # "what happened on excavator A on 2008-12-08?"
        if detected is None:
            return None
        kind, top_n, metric = detected
        rest_l = rest.lower()

        work_kind = None
        # "not counting pm", "except breakdowns": the kind named right after words that leave it out is the other one
        # (those words are then no topic; before any other word they stay one, so that nothing is counted wrongly:
        # "except oil analysis" matches no job and goes to retrieval, rather than counting only oil analyses)
        left_out = re.search(rf"(?:{EXCLUDE.pattern})\s+(?:the\s+|any\s+|all\s+)?(?:(?P<pm>(?:{PREVENTIVE})s?)|"
                             rf"{CORRECTIVE})\b", rest_l)
        if left_out:
            work_kind = "corrective" if left_out["pm"] else "preventive"
            rest_l = rest_l[:left_out.start()] + rest_l[left_out.end():]
        else:
            # the words naming the kind are no topic ("how many breakdowns" matched no job's text and was declined)
            for words, named_kind in ((rf"\bnon-?(?:{PREVENTIVE})s?\b", "corrective"),
                                      (rf"\b(?:{PREVENTIVE})s?\b", "preventive"), (rf"\b(?:{CORRECTIVE})s?\b", "corrective")):
                if re.search(words, rest_l) and not (named_kind == "preventive" and
                                                   re.search(r"\b(unplanned|unscheduled)\b", rest_l)):
                    work_kind, rest_l = named_kind, re.sub(words, " ", rest_l)
                    break

        rest_l = re.sub(rf"\bnon-?(?=(?:{PREVENTIVE})\b)", "", rest_l)
        asset_class = None
        group_by: GroupBy = "asset"
        named: list[str] = []
        if kind == "rank":
            for pattern, name in GROUP_WORDS:
                if re.search(rf"\b(?:which|what|most (?:common|frequent))\s+(?:\w+\s+)?{pattern}\b", rest_l):
                    group_by = name  # type: ignore[assignment]
                    break
        if kind == "rank" and group_by == "asset":
            named = list(self._registry.resolve(rest)) if self._registry else []
            if len(named) == 1:
                return None  # "which zone of IMM-05 ..." ranks something other than assets
            m = re.search(r"\b(?:which|what|top \d{1,2})\s+([a-z][a-z-]*)", rest_l)
            word = m[1] if m else None
            if word and word not in GENERIC_CLASS and word not in ("of", "the"):
                asset_class = word[:-1] if word.endswith("s") and not word.endswith("ss") else word

        ranking_assets = kind == "rank" and group_by == "asset"
        ids, names, phrases = self._assets(rest, asset if not ranking_assets else None)
        if ranking_assets and len(named) < 2:
            ids, names = None, []  # ranking compares all assets; with two or more named, just those

        topic_text = SCAFFOLD.sub(" ", strip_mentions(rest_l, phrases))
        topic_text = re.sub(r"[^\w\s/-]", " ", topic_text)
        extra_stop: set[str] = set()
        if asset_class:
            extra_stop |= {asset_class, asset_class + "s"}
        if group_by != "asset":
            topic_text = re.sub(rf"\b(which|what|most|common|frequent)\b|{dict(map(reversed, GROUP_WORDS))[group_by]}",
                                " ", topic_text)
        words = significant_words(topic_text, extra_stop)
        groups, failure = topic_groups(words)
        if self._store is not None and len(words) > 1 and len(groups) < len(words) and \
                self._store.is_category(" ".join(words)):
            # "major overhaul" names a failure code as the export writes it: its severity word is part of the name
            groups = [(w,) for w in stems_of(words)]
        return HistoryQuery(
            asks_who=WHO_DID.search(q) is not None or re.search(r"\bwho\b", q) is not None,
            kind=kind, question=question, assets=ids, asset_names=names, asset_class=self._named_class(asset_class),
            date_from=date_from, date_to=date_to, period=period, work_kind=work_kind,
            topic=" ".join(words), stems=stems_of(words), groups=groups, failure=failure, top_n=top_n,
            metric=metric, group_by=group_by, lowest=re.search(LOW, q) is not None,
            average=kind == "total" and re.search(AVERAGE, q) is not None,
        )

    def _assets(self, text: str, selected: str | None) -> tuple[list[str] | None, list[str], list[str]]:
        """Asset ids named in the text (else the selected one), their names, and every phrase
        (id, name, alias, model) that may name them in a question."""
        ids: list[str] = list(self._registry.resolve(text)) if self._registry else []
        names = [(self._registry.name(a) if self._registry else None) or a for a in ids]
        if not ids and self._store is not None:
            ids, names = self._store_assets(text)
        if not ids and selected:
            ids = [selected]
            names = [(self._registry.name(selected) if self._registry else None) or selected]
        if not ids:
            return None, [], []
        phrases = [*ids, *names]
        # a bare short id is named with a qualifier ("excavator B", "asset 3"): drop both words
        phrases += [f"{word} {a}" for a in ids if len(a) <= 2 for word in QUALIFIERS]
        lookup = getattr(self._registry, "get", None)  # AssetRegistry.get(id) -> Asset with aliases, model
        for asset_id in ids:
            record = lookup(asset_id) if lookup else None
            phrases += [*(getattr(record, "aliases", None) or []), getattr(record, "model", None) or ""]
        return ids, names, [p for p in phrases if p]

    def _named_class(self, word: str | None) -> str | None:
        """``word`` ("excavator" in "which excavator ...") when the work orders' asset ids or names hold it ("Chiller
        13"): then it picks those assets; else it is only what the plant calls all of them (assets "A" to "E")."""
        known = self._store.assets() if word and self._store is not None else []
        return word if not known or any(word in f"{a or ''} {n or ''}".lower() for a, n in known) else None

    def _store_assets(self, text: str) -> tuple[list[str], list[str]]:
        flat = " " + re.sub(r"[^0-9a-z]+", " ", text.lower()) + " "
        hits: list[tuple[int, str, str]] = []
        for asset_id, name in self._store.assets():
            for value in (name, asset_id):
                norm = re.sub(r"[^0-9a-z]+", " ", (value or "").lower()).strip()
                if norm and f" {norm} " in flat:
                    hits.append((len(norm), asset_id or name, name or asset_id))
                    break
        if not hits:
            return [], []
        best = max(h[0] for h in hits)  # longest mention wins ("chiller 13" over "chiller 1")
        chosen = [(a, n) for length, a, n in hits if length == best]
        return [a for a, _ in chosen], [n for _, n in chosen]


def asset_label(query: HistoryQuery) -> str | None:
    if not query.assets:
        return None
    return ", ".join(query.asset_names or query.assets)


def describe_scope(query: HistoryQuery) -> str:
    """'for Chiller 7 matching "sensor failure" in 2019 (corrective only)'."""
    parts = []
    label = asset_label(query)
    if label:
        parts.append(f"for {label}")
    elif query.asset_class:
        parts.append(f"for {query.asset_class} assets")
    if query.topic:
        parts.append(f"matching '{query.topic}'")
    if query.period:
        parts.append(query.period)
    if query.work_kind:
        parts.append(f"({query.work_kind} only)")
    return " ".join(parts)


__all__: Sequence[str] = ["HistoryQuery", "HistoryQueryParser", "AssetResolver", "describe_scope"]
