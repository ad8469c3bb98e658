"""HistoryQueryParser: intent, filters, topic words, and conservative refusal of manual questions."""

from __future__ import annotations

import re
from datetime import date

import pytest

from assistant.history.query import HistoryQueryParser
from assistant.history.text import stem

TODAY = date(2025, 6, 15)


class FakeRegistry:
    """Alias lookup with the AssetRegistry interface: longest alias wins, case/space/dash-insensitive."""

    def __init__(self, assets: dict[str, tuple[str, list[str]]]):
        self._assets = assets  # id -> (name, aliases)

    def resolve(self, text: str) -> list[str]:
        flat = " " + re.sub(r"[^0-9a-z]+", " ", text.lower()) + " "
        hits = []
        for asset_id, (name, aliases) in self._assets.items():
            for alias in [asset_id, name, *aliases]:
                norm = re.sub(r"[^0-9a-z]+", " ", alias.lower()).strip()
                if f" {norm} " in flat:
                    hits.append((len(norm), asset_id))
        if not hits:
            return []
        best = max(length for length, _ in hits)
        return sorted({a for length, a in hits if length == best})

    def name(self, asset_id: str) -> str | None:
        return self._assets.get(asset_id, (None, []))[0]

    def all(self) -> list[str]:
        return list(self._assets)


REGISTRY = FakeRegistry({
    "CWC04007": ("Chiller 7", ["chiller7"]),
    "CWC04013": ("Chiller 13", []),
    "CWC04001": ("Chiller 1", []),
    "PRESS-04": ("Hydraulic Press 4", ["press 4", "press four"]),
})


@pytest.fixture
def parser() -> HistoryQueryParser:
    return HistoryQueryParser(REGISTRY, today=TODAY)


class TestStem:
    @pytest.mark.parametrize("word,expected", [
        ("failures", "fail"), ("failed", "fail"), ("failure", "fail"), ("plugging", "plug"),
        ("plugged", "plug"), ("leaking", "leak"), ("leaks", "leak"), ("strainers", "strainer"),
        ("clogged", "clog"), ("sensor", "sensor"),
    ])
    def test_light_stem(self, word, expected):
        assert stem(word) == expected


class TestIntent:
    def test_counting_with_asset_alias_and_this_year(self, parser):
        q = parser.parse("How many times did the press 4 pump fail this year?")
        assert q.kind == "count"
        assert q.assets == ["PRESS-04"] and q.asset_names == ["Hydraulic Press 4"]
        assert (q.date_from, q.date_to) == ("2025-01-01", "2025-06-15")
        assert q.stems == ["pump", "fail"]

    def test_ranking_with_asset_class_and_topic(self, parser):
        q = parser.parse("Which chiller had the most condenser plugging work orders?")
        assert q.kind == "rank" and q.assets is None
        assert q.asset_class == "chiller"
        assert q.stems == ["condenser", "plug"]

    def test_latest_sensor_failure(self, parser):
        q = parser.parse("When did Chiller 7 last have a sensor failure?")
        assert q.kind == "latest" and q.assets == ["CWC04007"]
        assert q.topic == "sensor failure" and q.stems == ["sensor", "fail"]
        # 'failure' asks for failure events rather than the literal word
        assert q.groups == [("sensor",)] and q.failure

    def test_longest_alias_wins(self, parser):
        assert parser.parse("how many work orders did chiller 13 have?").assets == ["CWC04013"]

    def test_first(self, parser):
        q = parser.parse("When was the first refrigerant leak on chiller 1?")
        assert q.kind == "first" and q.assets == ["CWC04001"] and q.stems == ["refrigerant", "leak"]

    def test_top_n(self, parser):
        q = parser.parse("top 3 chillers by refrigerant leaks since March 2024")
        assert q.kind == "rank" and q.top_n == 3 and q.date_from == "2024-03-01" and q.date_to is None

    def test_one_job_at_its_extreme(self, parser):
        q = parser.parse("whats the most expensive bucket repair on chiller 7 last year")
        assert (q.kind, q.metric, q.assets, q.topic) == ("top", "cost", ["CWC04007"], "bucket")
        assert q.date_from == "2024-01-01"
        q = parser.parse("what was the longest downtime on press 4 in 2024")
        assert (q.kind, q.metric, q.assets, q.topic) == ("top", "downtime", ["PRESS-04"], "")
        q = parser.parse("which wo took the longest on press 4?")
        assert (q.kind, q.metric, q.assets, q.topic) == ("top", "downtime", ["PRESS-04"], "")
        # a sum per asset is still a ranking
        assert parser.parse("which chiller had the most downtime").kind == "rank"
        assert parser.parse("which chiller had the highest cost in 2024").kind == "rank"

    def test_list(self, parser):
        q = parser.parse("List the work orders for chiller 7 in 2019")
        assert q.kind == "list" and q.assets == ["CWC04007"]
        assert (q.date_from, q.date_to) == ("2019-01-01", "2019-12-31") and q.stems == []

    def test_total_downtime(self, parser):
        q = parser.parse("What was the total downtime of press 4 in the last 6 months?")
        assert q.kind == "total" and q.metric == "downtime"
        assert (q.date_from, q.date_to) == ("2024-12-15", "2025-06-15")

    def test_total_cost_between(self, parser):
        q = parser.parse("total cost of corrective work on chiller 7 between 2019 and 2020")
        assert q.kind == "total" and q.metric == "cost" and q.work_kind == "corrective"
        assert (q.date_from, q.date_to) == ("2019-01-01", "2020-12-31")

    def test_preventive_filter_and_last_year(self, parser):
        q = parser.parse("how many preventive work orders did chiller 7 have last year?")
        assert q.work_kind == "preventive" and q.date_from == "2024-01-01" and q.date_to == "2024-12-31"
        assert q.stems == []

    def test_selected_asset_used_when_question_names_none(self, parser):
        q = parser.parse("how many leaks were there in 2020?", asset="CWC04013")
        assert q.assets == ["CWC04013"] and q.stems == ["leak"]

    def test_unknown_asset_leaves_filter_open(self, parser):
        q = parser.parse("how often did the suction strainer clog?")
        assert q.kind == "count" and q.assets is None and q.stems == ["suct", "strainer", "clog"]

    @pytest.mark.parametrize("question", [
        "What is the torque for the water inlet nuts?",
        "How many bolts hold the pump cover?",
        "How often should the suction strainer be cleaned?",
        "What is the latest firmware version for the controller?",
        "What maintenance is required for the hydraulic pump?",
        "Which asset has the highest vibration?",
        "How do I replace the condenser fan motor?",
        "last step of the bleeding procedure?",
        "latest firmware for the controller",
        "which component costs the most to replace?",
        "which seal cost the most to replace",
    ])
    def test_non_history_questions_are_refused(self, parser, question):
        assert parser.parse(question) is None


    def test_informal_wording(self, parser):
        # a question opening on the latest job needs no verb ("latest wo on ...")
        q = parser.parse("latest wo on chiller 13")
        assert (q.kind, q.assets, q.stems) == ("latest", ["CWC04013"], [])
        # "across" and "single" are no topic; the low end of one job's figure
        assert parser.parse("how many oil analysis wos across all chillers").stems == ["oil", "analysis", "chiller"]
        q = parser.parse("single most expensive work order and what was it for")
        assert (q.kind, q.metric, q.topic, q.lowest) == ("top", "cost", "", False)
        q = parser.parse("cheapest work order on chiller 7")
        assert (q.kind, q.metric, q.assets, q.lowest) == ("top", "cost", ["CWC04007"], True)
        q = parser.parse("first recorded job for chiller 13")
        assert (q.kind, q.assets, q.stems) == ("first", ["CWC04013"], [])
        q = parser.parse("which chiller spent most on condenser work")
        assert (q.kind, q.metric, q.asset_class, q.stems) == ("rank", "cost", "chiller", ["condenser"])
        q = parser.parse("which chiller had the fewest work orders")
        assert (q.kind, q.lowest, q.stems) == ("rank", True, [])
        q = parser.parse("top 5 excavators by cost")
        assert (q.kind, q.top_n, q.metric) == ("rank", 5, "cost")
        assert parser.parse("which chiller had the fewest leaks").lowest
        assert not parser.parse("which chiller had the most leaks").lowest

    def test_abbreviations_and_weak_words(self, parser):
        q = parser.parse("How many high discharge temperature work orders has chiller 7 had?")
        assert q.groups == [("disch",), ("temp",)]  # 'disch temp 101C' counts; 'high' is not required
        q = parser.parse("When was the suction strainer on press 4 last replaced?")
        assert q.kind == "latest" and q.groups[0] == ("suct",) and "repl" in q.groups[2] and "chng" in q.groups[2]

    def test_rank_by_failure_code_keeps_the_asset(self, parser):
        q = parser.parse("Which failure code comes up most often on chiller 7?")
        assert q.kind == "rank" and q.group_by == "failure_code" and q.assets == ["CWC04007"] and q.groups == []

    def test_rank_of_something_inside_one_asset_is_refused(self, parser):
        assert parser.parse("On which barrel zone of chiller 7 have heater bands failed most often?") is None

    def test_who_did_the_last(self, parser):
        q = parser.parse("Who did the last oil cooler cleaning on chiller 13?")
        assert q.kind == "latest" and q.assets == ["CWC04013"] and q.stems == ["oil", "cooler", "clean"]
        assert q.asks_who
        q = parser.parse("which tech did the condenser cleaning on chiller 7 in march 2024")
        assert (q.kind, q.asks_who, q.topic, q.date_from) == ("latest", True, "condenser cleaning", "2024-03-01")
        assert not parser.parse("When did chiller 7 last have a sensor failure?").asks_who
        assert parser.parse("who makes the pump on press 4") is None

    def test_sensor_threshold_questions_are_left_to_sensor_summaries(self, parser):
        assert parser.parse("How many times did press 4 hydraulic pressure fall below the 150 bar limit?") is None


class TestStoreFallback:
    def test_asset_names_from_work_orders_when_registry_knows_none(self):
        class FakeAssetsStore:
            def assets(self):
                return [("CWC04009", "Chiller 9"), ("CWC04091", "Chiller 91")]

            def is_category(self, phrase):
                return False

        parser = HistoryQueryParser(FakeRegistry({}), store=FakeAssetsStore(), today=TODAY)
        q = parser.parse("how many leaks did Chiller 9 have?")
        assert q.assets == ["CWC04009"] and q.asset_names == ["Chiller 9"] and q.stems == ["leak"]
        assert parser.parse("which chiller had the most leaks").asset_class == "chiller"

    def test_a_class_word_no_asset_is_named_by_ranks_them_all(self):
        class LetteredAssetsStore:  # excavators "A" to "E": "excavator" is what the plant calls them, not a name
            def assets(self):
                return [("A", None), ("B", None), ("E", None)]

            def is_category(self, phrase):
                return False

        parser = HistoryQueryParser(FakeRegistry({}), store=LetteredAssetsStore(), today=TODAY)
        q = parser.parse("which excavator spent most on engine work")
        assert (q.kind, q.metric, q.asset_class, q.stems) == ("rank", "cost", None, ["engin"])

        class IdOnlyStore(LetteredAssetsStore):  # the class word in the ids alone ("PUMP-1"): it picks those
            def assets(self):
                return [("PUMP-1", None), ("FAN-2", None)]

        parser = HistoryQueryParser(FakeRegistry({}), store=IdOnlyStore(), today=TODAY)
        assert parser.parse("which pump had the most leaks").asset_class == "pump"


def test_what_happened_on_a_date_lists_that_days_work_orders(parser):
    q = parser.parse("What happened on chiller 7 on 2008-12-08?")
    assert (q.kind, q.assets, q.date_from, q.date_to, q.topic) == ("list", ["CWC04007"], "2008-12-08", "2008-12-08", "")
    assert parser.parse("What happened to the thermostat?") is None  # no date: a manual question


def test_logged_the_most_and_non_preventive(parser):
    assert parser.parse("Which chiller has logged the most refrigerant leak work orders?").kind == "rank"
    q = parser.parse("How many corrective (non-preventive) WOs has Chiller 7 had?")
    assert (q.kind, q.work_kind, q.topic) == ("count", "corrective", "")


def test_a_work_kind_left_out_counts_the_other_kind(parser):
    """"not counting pm" read as "pm" counted only the preventive jobs: the opposite of what was asked."""
    for question, kind in (("how many wos on chiller 7 not counting pm", "corrective"),
                           ("how many work orders has chiller 7 had, except the planned ones", "corrective"),
                           ("how many jobs on chiller 7 excluding breakdowns", "preventive")):
        q = parser.parse(question)
        assert (q.kind, q.work_kind, q.topic) == ("count", kind, ""), question
    # words leaving out a topic are not dropped: "oil analysis" alone would count only what was left out
    assert parser.parse("how many wos on chiller 7 except oil analysis").topic == "except oil analysis"


def test_the_words_naming_a_work_kind_are_no_topic(parser):
    """"how many pms" / "how many breakdowns" ask for a kind of job; read as a topic too, they matched no job's text."""
    for question, kind, topic in (("how many pms on chiller 7", "preventive", ""),
                                  ("how many PMs did chiller 7 get in 2015", "preventive", ""),
                                  ("how many breakdowns on chiller 7", "corrective", ""),
                                  ("how many compressor breakdowns on chiller 7", "corrective", "compressor")):
        q = parser.parse(question)
        assert (q.kind, q.work_kind, q.topic) == ("count", kind, topic), question
