"""SensorAnswerer: figures read from real sensor summary chunks, honest None when not a sensor question."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from assistant.answer.routes import SensorRoute
from assistant.answer.grounding.evidence import EvidenceGate
from assistant.llm.fake import FakeGenerator
from assistant.sensors import SensorAnswerer, match_signal, parse, terms
from ingest.assets import AssetRegistry
from ingest.tables.sensors import SensorLimit, SensorSummarizer, detect_layout
from ingest.tables.table import read_table
from ingest.types import Chunk
from tests.assistant.answer.parts import build_chain

TODAY = date(2026, 11, 1)
# (time, spindle_temp, coolant_temp): weeks of 2026-09-07, 2026-09-14 and 2026-09-28 (readings in October)
ROWS = [("2026-09-08T10:00", 40.0, 22.0), ("2026-09-08T11:00", 69.5, 23.0), ("2026-09-08T12:00", 41.0, 24.0),
        ("2026-09-15T09:00", 70.2, 21.3), ("2026-09-15T10:00", 38.5, 26.8),
        ("2026-10-01T08:00", 45.0, 25.0), ("2026-10-01T09:00", 50.5, 24.0)]


def summary_chunks(path: Path, limits=()) -> list[Chunk]:
    """Chunks exactly as ingest makes them for short summaries: title line + summary text."""
    table = read_table(path)
    docs = SensorSummarizer("week", list(limits)).load(table, detect_layout(table)).documents
    return [Chunk(f"c{i}", f"{d.title}\n{d.text}", d.source, "sensor", title=d.title, record_id=d.record_id,
                  asset=d.asset, date=d.date, metadata=d.metadata) for i, d in enumerate(docs)]


@pytest.fixture
def chunks(tmp_path) -> list[Chunk]:
    path = tmp_path / "cnc02.csv"
    path.write_text("timestamp,asset,spindle_temp,coolant_temp\n" +
                    "".join(f"{t},CNC-02,{s},{c}\n" for t, s, c in ROWS), encoding="utf-8")
    return summary_chunks(path, [SensorLimit("CNC-02", "spindle_temp", None, 68.0, "°C"),
                                 SensorLimit("CNC-02", "coolant_temp", None, 35.0, "°C")])


@pytest.fixture
def answerer(chunks) -> SensorAnswerer:
    return SensorAnswerer(lambda: chunks, today=TODAY)


def numbers_in(text: str) -> list[str]:
    return [n for n in re.findall(r"\d+(?:\.\d+)?", re.sub(r"\[\d+\]", "", text))]


def assert_numbers_cited(result):
    """Every number stated (values, dates, times) appears in a cited summary."""
    cited = " ".join(c.excerpt for c in result.citations)
    missing = [n for n in numbers_in(result.text) if n not in cited]
    assert not missing, (missing, result.text)


class TestFigures:
    def test_highest_over_whole_period_with_time(self, answerer):
        result = answerer.answer("What was the highest spindle temperature logged on CNC-02?", ["CNC-02"])
        assert result.figure == 70.2
        assert result.text == ("The highest spindle_temp recorded for CNC-02 was 70.2 °C on 2026-09-15 09:00 "
                               "(whole sensor period 2026-09-08 to 2026-10-01) [1].")
        (cite,) = result.citations
        assert cite.record_id == "sensor:CNC-02:spindle_temp:all" and cite.doc_type == "sensor" and cite.cited
        assert "highest 70.2 °C at 2026-09-15 09:00" in cite.excerpt
        assert_numbers_cited(result)

    def test_lowest(self, answerer):
        result = answerer.answer("What was the lowest coolant temp measured on CNC-02?", ["CNC-02"])
        assert result.figure == 21.3 and "21.3 °C on 2026-09-15 09:00" in result.text
        assert_numbers_cited(result)

    def test_mean_whole_period(self, answerer):
        result = answerer.answer("What was the average spindle temperature of CNC-02?", ["CNC-02"])
        assert result.figure == pytest.approx(354.7 / 7)
        assert "50.67 °C" in result.text and "7 readings" in result.text
        assert_numbers_cited(result)

    def test_period_picks_the_window_summaries(self, answerer):
        result = answerer.answer("What was the highest spindle temperature on CNC-02 in October 2026?", ["CNC-02"])
        assert result.figure == 50.5 and "50.5 °C on 2026-10-01 09:00" in result.text
        assert "in October 2026" in result.text
        assert [c.record_id for c in result.citations] == ["sensor:CNC-02:spindle_temp:2026-09-28"]
        assert_numbers_cited(result)

    def test_period_mean_is_weighted_by_readings(self, answerer):
        result = answerer.answer("What was the mean coolant temperature of CNC-02 in September 2026?", ["CNC-02"])
        # weeks of 09-07 (22, 23, 24) and 09-14 (21.3, 26.8): (69 + 48.1) / 5, not the mean of the two means
        assert result.figure == pytest.approx(23.42)
        assert "23.42 °C" in result.text and "5 readings" in result.text
        assert [c.record_id for c in result.citations[:-1]] == ["sensor:CNC-02:coolant_temp:2026-09-07",
                                                              "sensor:CNC-02:coolant_temp:2026-09-14"]
        # the mean and the readings of two summaries are in neither: the computation is cited last, holding them
        computed = result.citations[-1]
        assert "[1] [2] [3]" in result.text and computed.doc_type == "computed"
        assert "Readings: 3 + 2 = 5" in computed.excerpt and "23.42 °C" in computed.excerpt
        assert_numbers_cited(result)

    def test_period_without_readings_says_so(self, answerer):
        result = answerer.answer("What was the highest spindle temperature on CNC-02 in 2025?", ["CNC-02"])
        assert result.text.startswith("No spindle_temp readings for CNC-02 fall in 2025")
        assert "2026-09-08 to 2026-10-01 [1]" in result.text

    def test_limit_crossings(self, answerer):
        q = "How many times did the spindle temperature on CNC-02 go above the 68 °C limit?"
        result = answerer.answer(q, ["CNC-02"])
        assert result.figure == 2
        assert "went above the high limit 68 °C 2 times" in result.text
        assert_numbers_cited(result)
        # a summary writes the count in words ("twice"): the computation holds it as stated, and is cited
        assert result.citations[-1].doc_type == "computed" and result.citations[-1].excerpt.endswith(" = 2.")
        assert f"[{result.citations[-1].n}]" in result.text

    def test_crossings_of_another_limit_are_not_answered(self, answerer):
        assert answerer.answer("How many times did the spindle temperature on CNC-02 exceed 60 °C?", ["CNC-02"]) is None

    def test_plain_question_gets_range_and_mean(self, answerer):
        result = answerer.answer("What was the coolant temperature of CNC-02?", ["CNC-02"])
        assert "lowest 21.3 °C on 2026-09-15 09:00, highest 26.8 °C on 2026-09-15 10:00; mean 23.73 °C" in result.text
        assert_numbers_cited(result)


class TestNotForThisRoute:
    @pytest.mark.parametrize("question", [
        "What was the highest vibration on CNC-02?",  # no such signal
        "What was the highest spindle and coolant temperature on CNC-02?",  # two signals tie
        "What was the highest temperature on CNC-02?",  # names no signal
        "What is the maximum allowed spindle temperature?",  # a specification
        "How do I replace the spindle bearing?",
    ])
    def test_none(self, answerer, question):
        assert answerer.answer(question, ["CNC-02"]) is None

    def test_asset_without_sensor_data(self, answerer):
        assert answerer.answer("What was the highest spindle temperature on press 4?", ["PRESS-04"]) is None
        assert answerer.answer("What was the highest spindle temperature?", []) is None


class TestSignalWords:
    def test_asset_number_is_not_a_signal_word(self, tmp_path):
        path = tmp_path / "imm.csv"
        path.write_text("timestamp,asset,zone2_temp,zone3_temp\n2026-09-07T00:00,IMM-02,225.0,235.3\n"
                        "2026-09-07T00:15,IMM-02,221.5,161.4\n", encoding="utf-8")
        registry = AssetRegistry()
        registry.add("IMM-02", name="imm 2")
        answerer = SensorAnswerer(lambda: summary_chunks(path), registry=registry, today=TODAY)
        result = answerer.answer("What was the lowest barrel zone 3 temperature on imm 2?", ["IMM-02"])
        assert result.signal == "zone3_temp" and result.figure == 161.4

    def test_terms_and_ties(self):
        assert terms("hydraulicPress_PV") == ["hydraulic", "pressur", "pv"]
        assert match_signal(set(terms("hydraulic pressure")), {"hydraulicPress_PV", "oil_temp"}) == "hydraulicPress_PV"
        assert match_signal(set(terms("oil temperature")), {"oil_temp", "oil_temperature"}) is None

    def test_parse_directions(self):
        assert parse("How many times did pressure fall below the 150 bar limit?").direction == "low"
        q = parse("How many times did the motor current go above the 9.5 A limit?")
        assert (q.stat, q.direction, q.bound) == ("crossings", "high", 9.5)


def test_chain_routes_sensor_questions_without_retrieval(answerer):
    class NoRetrieval:
        def retrieve(self, *args, **kwargs):
            raise AssertionError("the sensor route must not retrieve")

    chain = build_chain(NoRetrieval(), FakeGenerator("unused"), gate=EvidenceGate(0.3, 0.5),
                        routes=[SensorRoute(answerer)])
    seen, tokens = [], []
    answer = chain.answer("What was the highest spindle temperature logged on CNC-02?", asset="CNC-02",
                          on_sources=seen.extend, on_token=tokens.append)
    assert answer.route == "sensor" and not answer.abstained
    assert "70.2 °C" in answer.text and answer.cited_numbers == [1]
    assert seen == answer.citations and tokens == [answer.text]
