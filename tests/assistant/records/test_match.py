"""records.match: which values a question's words spell, judged from the table (pinned cases; mutation-tested)."""

from __future__ import annotations

from assistant.records.match import _own_use, find, related, value_hits
from assistant.records.query import RecordQueryParser
from assistant.records.table import build_table, words
from ingest.tables.records import RecordLoader
from ingest.tables.table import read_table
from ingest.types import Chunk
from tests.assistant.records.test_records import phones_table

STOP = frozenset({"no", "yes", "the"})


def table_of(tmp_path, header: str, rows: list[str]):
    path = tmp_path / "t.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    docs = RecordLoader().load(read_table(path)).documents
    return build_table(docs[0].source, [Chunk(f"t{i}", d.text, d.source, d.doc_type, metadata=d.metadata)
                                        for i, d in enumerate(docs)])


def test_related_words_a_plurals_ending_or_a_shared_stem():
    assert related("faults", "fault") and related("box", "boxes") and related("fans", "fan")
    assert not related("to", "tool") and not related("motorsss", "motor")
    assert related("anomaly", "anomalies") and related("abcdex", "abcdeyz") and related("abcdex", "abcdeyzw")
    assert not related("abcdex", "abcdeyzwv") and not related("abcdx", "abcyz")
    assert not related("abcdeaxyz", "abcdez")  # the longer word's tail counts, whichever sorts first
    assert related("rul0018", "rul0018") and not related("rul0018", "rul0012")


def test_find_lets_the_questions_word_carry_an_ending_never_lose_one():
    assert find(["how", "many", "dysons"], ["dyson"]) == (2, False)
    assert find(["spare", "parts", "not", "available"], ["parts", "not", "available"]) == (1, True)
    assert find(["heated"], ["heater"]) is None and find(["came"], ["camera"]) is None


def test_own_use_is_the_share_of_the_rows_using_a_values_words_that_hold_it(tmp_path):
    table = phones_table(tmp_path)  # model "Phone": 2 rows; "phone" in 12 problem texts, 2 of them those rows'
    assert _own_use(table, "model", "phone") == 2 / 12
    assert _own_use(table, "model", "iphone 6") == 1.0 and _own_use(table, "model", "nokia") == 0.0
    assert _own_use(table, "fault", "screen") == 6 / 6  # "phone screen cracked" rows hold Screen


def test_a_value_at_exactly_the_least_own_use_is_a_filter(tmp_path):
    table = table_of(tmp_path, "kind,note", ["Pump,x1", "Fan,pump noise", "Fan,pump hot", "Fan,pump loose",
                                             "Pump,x2", "Fan,x3"])
    assert _own_use(table, "kind", "pump") == 2 / 5
    quarter = table_of(tmp_path, "kind,note", ["Pump,x1", "Fan,pump noise", "Fan,pump hot", "Fan,pump loose",
                                               "Fan,x3", "Fan,x4"])
    assert _own_use(quarter, "kind", "pump") == 0.25
    assert [h[4] for h in value_hits(words("how many pump jobs"), quarter, STOP)] == ["pump"]


def test_stop_words_and_numbers_are_no_one_word_value_but_open_longer_ones(tmp_path):
    table = table_of(tmp_path, "flag,cause", ["no,No power", "no,No power", "yes,Jam", "yes,Jam", "no,Jam",
                                              "yes,No power"])
    hits = value_hits(words("how many no power jobs had no flag"), table, STOP)
    assert [(h[3], h[4]) for h in hits] == [("cause", "no power")]


def test_a_family_reads_its_members_only_when_they_hold_more_rows_than_the_name_alone(tmp_path):
    rows = ["iPhone,a", "iPhone,b", "iPhone 5,c", "iPhone 6,d", "Nokia,e", "Nokia,f"] * 2
    even = table_of(tmp_path, "model,note", rows)  # "iPhone" 4 rows, its members 4: no family
    assert {h[4] for h in value_hits(words("how many iphones"), even, STOP)} == {"iphone"}
    more = table_of(tmp_path, "model,note", rows + ["iPhone 5,g"])
    assert {h[4] for h in value_hits(words("how many iphones"), more, STOP)} == {"iphone", "iphone 5", "iphone 6"}
    # a two-word value is that model only, however many rows its first word opens (the parser drops the shorter
    # "iphone" and its family, whose words the longer value holds)
    assert [set(f.values) for f in RecordQueryParser().parse("how many iphone 6", more).filters] == [{"iphone 6"}]


def test_own_use_of_a_two_word_value_and_of_rows_missing_the_cell(tmp_path):
    table = table_of(tmp_path, "cause,note", ["No power,x", "No power,y", ",no power at all", "Jam,no power either",
                                              "Jam,z", "Jam,w"])
    assert _own_use(table, "cause", "no power") == 2 / 4
