"""Record tables (assistant/records): rebuilt from real record chunks, questions read against the table's own
values, figures computed over every row, and the route that tries the tables retrieval ranks first."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer.routes import RecordsRoute
from assistant.evaluation.metrics import numbers_absent
from assistant.records.answer import RecordAnswerer
from assistant.records.query import RecordQueryParser
from assistant.records.table import RecordTables, build_table, profile
from index.types import ScoredChunk
from ingest.tables.records import RecordLoader
from ingest.tables.table import read_table
from ingest.types import Chunk

# id, provider, brand, status, fault, event_date, problem
ROWS = [("r01", "Cafe North", "Dyson", "Fixed", "Motor", "2019-03-02", "brushes worn"),
        ("r02", "Cafe North", "Dyson", "End of life", "Motor", "2019-05-10", "burnt out"),
        ("r03", "Cafe South", "Dyson", "Fixed", "Blockage", "2019-06-11", "hose blocked"),
        ("r04", "Cafe South", "Vax", "Fixed", "Blockage", "2020-01-11", "bin full"),
        ("r05", "Cafe South", "VAX", "End of life", "Cable/cord", "2020-02-01", "cable cut"),
        ("r06", "Cafe North", "Henry", "Fixed", "Cable/cord", "2021-07-07", "new plug fitted"),
        ("r07", "Cafe North", "Henry", "End of life", "Motor", "2021-08-01", "seized"),
        ("r08", "Cafe North", "Hoover", "Unknown", "Motor", "2021-09-26", "no power"),
        ("r09", "Cafe South", "Dyson", "Fixed", "Blockage", "2021-09-26", "cyclone blocked"),
        ("r10", "Cafe North", "Unknown", "End of life", "Motor", "2018-12-01", "smoke"),
        ("r11", "Cafe North", "Unknown", "End of life", "Blockage", "2020-06-01", "stuck"),
        ("r12", "Cafe South", "Unknown", "End of life", "Cable/cord", "2020-07-01", "frayed")]
MANUAL = Chunk("m1", "Overhaul the gearbox every 500 hours.", "/docs/manual.md", "manual")


def record_chunks(path: Path) -> list[Chunk]:
    path.write_text("id,provider,brand,status,fault,event_date,problem\n" +
                    "".join(",".join(r) + "\n" for r in ROWS), encoding="utf-8")
    docs = RecordLoader().load(read_table(path)).documents
    return [Chunk(f"c{i}", d.text, d.source, d.doc_type, record_id=d.record_id, metadata=d.metadata)
            for i, d in enumerate(docs)]


@pytest.fixture
def chunks(tmp_path) -> list[Chunk]:
    return record_chunks(tmp_path / "log.csv") + [MANUAL]


@pytest.fixture
def table(chunks):
    return RecordTables(lambda: chunks).all()[chunks[0].source]


def ask(table, question: str, max_cited: int = 3):
    query = RecordQueryParser().parse(question, table)
    return query, (RecordAnswerer(max_cited).answer(query) if query else None)


def test_columns_are_profiled_from_their_values():
    assert profile("brand", ["Dyson", "dyson", "Vax", "Dyson"]).values == {"dyson": "Dyson", "vax": "Vax"}
    kinds = [profile("c", v).kind for v in (["2019-01-02", "2020-05-06"], ["1.5", "2", "2"], ["a b", "c d"], [])]
    assert kinds == ["date", "number", "text", "text"]
    assert profile("note", ["x" * 61, "x" * 61, "y", "y"]).kind == "text"  # prose is no label


def test_tables_come_from_record_chunks_and_a_split_row_counts_once(chunks, table):
    assert table.name == "log.csv" and [r.record_id for r in table.rows][:2] == ["r01", "r02"]
    assert {n: c.kind for n, c in table.columns.items()} == {
        "id": "text", "provider": "category", "brand": "category", "status": "category", "fault": "category",
        "event_date": "date", "problem": "text"}
    assert table.columns["brand"].values["vax"] in ("Vax", "VAX")
    split = chunks[:2] + [Chunk("c1b", "rest of row 2", chunks[1].source, "record", metadata=chunks[1].metadata)]
    assert len(build_table(chunks[0].source, split).rows) == 2


def test_tables_are_rebuilt_only_when_the_index_changes(chunks):
    current = {"chunks": chunks}
    tables = RecordTables(lambda: list(current["chunks"]))  # a copy per call, as IndexStore.chunks returns
    first = tables.all()
    assert tables.all() is first and list(first) == [chunks[0].source]  # the manual is no table
    current["chunks"] = [MANUAL]
    assert tables.all() == {}


def test_a_count_narrows_filter_by_filter_in_the_questions_order(table):
    query, result = ask(table, "how many dysons got fixed in 2019")
    assert query.intent == "count" and query.year == "2019"
    assert [(f.columns, set(f.values)) for f in query.filters] == [(("brand",), {"dyson"}), (("status",), {"fixed"})]
    assert result.text.startswith("3 rows of log.csv have brand Dyson and event_date in 2019; "
                                  "2 of them have status Fixed [3] (all counted: [1] [2]).")
    assert result.figure == 2 and [r.record_id for r in result.rows] == ["r03", "r01"]  # the last in the file first


def test_the_value_spelled_out_wins_over_a_plurals_stem(table):
    query, result = ask(table, "henry hoovers - how many were end of life")
    assert [(f.columns, set(f.values)) for f in query.filters] == [(("brand",), {"henry"}),
                                                                    (("status",), {"end of life"})]
    assert result.figure == 1 and result.citations[0].record_id == "r07"
    _, vax = ask(table, "total vax repairs?", max_cited=1)  # "VAX" and "Vax" are one value
    assert vax.figure == 2 and "(1 of the 2: [1])" in vax.text


def test_a_ranking_counts_by_the_column_named_and_its_values_filter_nothing_else(table):
    query, result = ask(table, "which brand ended up end of life most often (dyson or unknown?)")
    assert query.intent == "most" and query.group_by == "brand"
    assert [(f.columns, set(f.values)) for f in query.filters] == [(("status",), {"end of life"})]
    assert "by brand: Unknown 3, Dyson 1, Henry 1 (4 values, 6 rows)" in result.text
    assert {r.record_id for r in result.rows} == {"r10", "r11", "r12"}
    _, least = ask(table, "which fault is least common")
    assert least.figure == "Cable/cord" and "by fault: Cable/cord 3, Blockage 4, Motor 5" in least.text


def test_a_value_the_question_leaves_out_is_not_counted(table):
    query, result = ask(table, "which brand ended up end of life most often (not counting unknown)")
    assert [(f.columns, set(f.values), f.exclude) for f in query.filters] == [
        (("status",), {"end of life"}, False), (("brand",), {"unknown"}, True)]
    assert "with status End of life and brand other than Unknown by brand: Dyson 1, Henry 1, Vax 1 (3 values, 3 rows)" \
        in result.text and result.figure == "Dyson"
    assert "With brand other than Unknown: 3 rows." in result.citations[-1].excerpt  # the computation says so
    _, count = ask(table, "how many repairs at cafe north except for dysons")
    assert count.figure == 5 and count.text.startswith("7 rows of log.csv have provider Cafe North; "
                                                       "5 of them have brand other than Dyson [4]")
    assert not {"r01", "r02"} & {r.record_id for r in count.rows}


def test_values_listed_after_a_left_out_one_are_left_out_too(table):
    query, result = ask(table, "which brand ended up end of life most often, not counting unknown or dyson")
    assert [(f.columns, set(f.values), f.exclude) for f in query.filters] == [
        (("status",), {"end of life"}, False), (("brand",), {"unknown", "dyson"}, True)]
    assert "by brand: Henry 1, Vax 1 (2 values, 2 rows)" in result.text
    # a value named before the words that leave one out is not listed with it
    kept, _ = ask(table, "how many dyson repairs at cafe north not counting vax")
    assert [(set(f.values), f.exclude) for f in kept.filters if f.columns == ("brand",)] == [({"dyson"}, False),
                                                                                             ({"vax"}, True)]
    # a value of another column right after the left-out one is still asked for
    other, fixed = ask(table, "how many repairs except dysons fixed in 2020")
    assert [(f.columns, set(f.values), f.exclude) for f in other.filters] == [
        (("brand",), {"dyson"}, True), (("status",), {"fixed"}, False)]
    assert fixed.figure == 1 and fixed.rows[0].record_id == "r04"


def test_latest_and_oldest_read_the_date_column(table):
    _, latest = ask(table, "what was the last repair in 2021")
    assert latest.figure == "2021-09-26" and latest.rows[0].record_id == "r09" and "(1 more that day)" in latest.text
    _, oldest = ask(table, "oldest motor job?")
    assert oldest.figure == "2018-12-01" and oldest.citations[0].record_id == "r10"
    assert "brand: Unknown" in oldest.text and "[1]" in oldest.text


def test_a_date_column_written_day_first_is_read_day_first(tmp_path):
    # 28/03 and 13/04 show day / month: 03/04/2025 is 3 April, the latest; read month first it would be 4 March
    path = tmp_path / "log.csv"
    path.write_text("id,brand,status,date\nr1,Dyson,Fixed,28/03/2025\nr2,Dyson,Fixed,03/04/2025\n"
                    "r3,Vax,Fixed,13/03/2025\n", encoding="utf-8")
    docs = RecordLoader().load(read_table(path)).documents
    assert [d.date for d in docs] == ["2025-03-28", "2025-04-03", "2025-03-13"]
    chunks = [Chunk(f"c{i}", d.text, d.source, d.doc_type, record_id=d.record_id, metadata=d.metadata)
              for i, d in enumerate(docs)]
    table = RecordTables(lambda: chunks).all()[chunks[0].source]
    assert table.columns["date"].kind == "date" and table.columns["date"].day_first
    _, latest = ask(table, "last fixed dyson")
    assert latest.figure == "2025-04-03" and latest.rows[0].record_id == "r2"
    assert "date 2025-04-03 (written 03/04/2025)" in latest.text  # which way it was read, checkable in the row


@pytest.mark.parametrize("question", [
    "how many minutes did the henry repairs take on average",  # a mean, not a count
    "how many amps does the dyson draw",                        # a measure
    "how many flight hrs on a dyson",                           # a measure one word later
    "what is wrong with r05",                                   # nothing to compute
    "when was the last overhaul of a dyson",                    # "overhaul" is the manual's, not the table's
    "how many ever written",                                    # nothing of the table named
])
def test_questions_the_table_cannot_count_are_left_to_retrieval(table, question):
    assert RecordQueryParser().parse(question, table) is None


def test_a_word_only_other_documents_use_is_what_blocks(tmp_path):
    alone = RecordTables(lambda: record_chunks(tmp_path / "log.csv"))
    table = next(iter(alone.all().values()))
    query, _ = ask(table, "when was the last overhaul of a dyson")
    assert query is not None and query.intent == "latest"


def test_no_matching_row_is_no_count_of_zero(table):
    assert ask(table, "how many henry blockages")[1] is None


class FakeSearch:
    """Returns chunks of the given sources, best first; counts its calls."""

    def __init__(self, sources):
        self.sources, self.calls = sources, 0

    def retrieve(self, query, k, filters=None):
        self.calls += 1
        return [ScoredChunk(Chunk(f"s{i}", "text", s, "record"), 1.0) for i, s in enumerate(self.sources[:k])]


def test_the_route_answers_from_a_table_retrieval_found(chunks):
    def route(search):
        return RecordsRoute(RecordTables(lambda: chunks), RecordQueryParser(), RecordAnswerer(3), search, probe_k=4)

    found = route(FakeSearch([MANUAL.source, chunks[0].source])).answer("how many dysons got fixed", [])
    assert found is not None and found.text.startswith("4 rows of log.csv have brand Dyson; 3 of them")
    assert [c.record_id for c in found.citations] == ["r09", "r03", "r01", None]
    assert all(c.cited for c in found.citations)
    assert found.citations[-1].doc_type == "computed" and "With status Fixed: 3 rows." in found.citations[-1].excerpt
    assert route(FakeSearch([MANUAL.source])).answer("how many dysons got fixed", []) is None
    idle = FakeSearch([chunks[0].source])
    assert route(idle).answer("what does the dyson manual say", []) is None and idle.calls == 0


@pytest.fixture
def fmea(tmp_path):
    path = tmp_path / "fmea.csv"
    path.write_text("part,mode,severity,RPN\nPump,Leak,4,8\nPump,Wear,6,36\nFan,Wear,6,36\nFan,Crack,2,4\n"
                    "Valve,Leak,5,20\nValve,Wear,,10\n", encoding="utf-8")
    docs = RecordLoader().load(read_table(path)).documents
    chunks = [Chunk(f"f{i}", d.text, d.source, d.doc_type, record_id=d.record_id, metadata=d.metadata)
              for i, d in enumerate(docs)]
    return build_table(chunks[0].source, chunks)


def test_a_number_column_named_is_ranked_averaged_or_summed(fmea):
    query, top = ask(fmea, "which failure has the highest rpn")
    assert (query.intent, query.measure) == ("max", "RPN") and top.figure == "36"
    assert top.text.startswith("Highest RPN among the 6 rows of fmea.csv that record RPN [4]: 36: part: Pump; mode: "
                               "Wear")
    assert "2 rows share 36 [4]." in top.text and [c.n for c in top.citations] == [1, 2, 3, 4]
    assert ask(fmea, "avg severity of the pumps")[1].figure == 5.0
    assert ask(fmea, "total rpn for the fan")[1].figure == 40.0
    low = ask(fmea, "lowest rpn on a valve")[1]
    assert low.figure == "10" and "rows share" not in low.text
    assert ask(fmea, "avg severity over the valves")[1].text.startswith("Mean severity over the 1 row of fmea.csv")


def test_numbers_and_codes_no_filter_reads_leave_the_question_to_retrieval(table, fmea):
    assert ask(fmea, "how many pumps have severity 6")[0] is None
    assert ask(table, "how many dysons with error E42")[0] is None
    assert ask(table, "how many dysons got fixed in 2019")[0] is not None  # the year is read


def test_spaces_inside_a_value_do_not_split_it(tmp_path):
    path = tmp_path / "modes.csv"
    path.write_text("mode\nMechanical  failure\nMechanical failure\nLeak\nLeak\n", encoding="utf-8")
    docs = RecordLoader().load(read_table(path)).documents
    table = build_table(docs[0].source, [Chunk(f"x{i}", d.text, d.source, d.doc_type, metadata=d.metadata)
                                         for i, d in enumerate(docs)])
    assert ask(table, "how many mechanical failures")[1].figure == 2


def test_a_code_matches_only_as_written(tmp_path):
    path = tmp_path / "alerts.csv"
    path.write_text("unit,rule\n" + "".join(f"Chiller {u},RUL00{r}\n" for u in (1, 2) for r in (12, 18, 18)),
                    encoding="utf-8")
    docs = RecordLoader().load(read_table(path)).documents
    table = build_table(docs[0].source, [Chunk(f"a{i}", d.text, d.source, d.doc_type, metadata=d.metadata)
                                         for i, d in enumerate(docs)])
    assert ask(table, "how many RUL0099 alerts on chiller 2")[0] is None  # not every rule sharing "rul00"
    assert ask(table, "how many RUL0018 alerts on chiller 2")[1].figure == 2
    assert ask(table, "how many RUL0012 alerts on chiller 1")[1].text.startswith(
        "2 rows of alerts.csv have rule RUL0012; 1 of them has unit Chiller 1")
    query, ranked = ask(table, "which chiller had the most alerts")  # the values open with "chiller"
    assert query.group_by == "unit" and "Chiller 1 3, Chiller 2 3" in ranked.text


def test_a_category_the_question_names_is_ranked_not_a_number_column_sharing_its_words(tmp_path):
    path = tmp_path / "faults.csv"
    path.write_text("fault_type_id,fault_type\n" + "".join(f"{i},{t}\n" for i, t in
                                                          [(1, "Motor")] * 3 + [(2, "Filter")] * 2 + [(3, "Hose")]),
                    encoding="utf-8")
    docs = RecordLoader().load(read_table(path)).documents
    table = build_table(docs[0].source, [Chunk(f"t{i}", d.text, d.source, d.doc_type, metadata=d.metadata)
                                         for i, d in enumerate(docs)])
    query, result = ask(table, "most common fault type")
    assert (query.intent, query.group_by, query.measure) == ("most", "fault_type", None)
    assert result.figure == "Motor"


def test_short_brands_either_half_of_a_slashed_value_and_a_year_column_read_too(tmp_path):
    path = tmp_path / "printers.csv"
    rows = [("HP", "Paper feed", "Printer/scanner", "????", "2019-05-01"), ("HP", "Ink", "Printer/scanner", "2015",
            "2015-02-01"), ("Canon", "Ink", "Printer/scanner", "2012", "2015-03-01"), ("Canon", "Paper feed",
            "Printer/scanner", "2015", "2016-01-01"), ("HP", "Ink", "Printer/scanner", "2014", "2016-06-01"),
            ("Canon", "Ink", "Printer/scanner", "2010", "2011-06-01")]
    path.write_text("brand,fault,category,year_made,event_date\n" + "".join(",".join(r) + "\n" for r in rows),
                    encoding="utf-8")
    docs = RecordLoader().load(read_table(path)).documents
    table = build_table(docs[0].source, [Chunk(f"p{i}", d.text, d.source, d.doc_type, metadata=d.metadata)
                                         for i, d in enumerate(docs)])
    assert ask(table, "how many hp ones had ink trouble")[1].figure == 2  # "hp": two letters, still the brand
    assert ask(table, "oldest printer record, date?")[1].figure == "2011-06-01"  # "printer" of "Printer/scanner"
    query, made = ask(table, "how many printers were made in 2015")
    assert query.year_also == ("year_made",) and made.figure == 2  # "????" is no year, and no reason to doubt
    assert made.text.endswith("Read as year_made 2015 instead: 2 rows [3].")
    assert "Read as" not in ask(table, "how many canon ink jobs in 2015")[1].text  # none made in 2015


def phones_table(tmp_path):
    """A phone log: 'iPhone' alone is the rarest iPhone model; 'Phone' is a model of 2 rows while 8 problem texts
    say 'phone'; 'Camera' is a fault."""
    rows = ([("Apple", "iPhone 6", "Screen", "phone screen cracked")] * 4
            + [("Apple", "iPhone 5", "Camera", "camera")] * 2
            + [("Apple", "iPhone", "Camera", "blurry")] + [("Acme", "Phone", "Screen", "old phone")] * 2
            + [("Sony", "Xperia", "Battery", f"phone dies {i}") for i in range(6)])
    path = tmp_path / "phones.csv"
    path.write_text("brand,model,fault,problem\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    docs = RecordLoader().load(read_table(path)).documents
    return build_table(docs[0].source, [Chunk(f"h{i}", d.text, d.source, d.doc_type, metadata=d.metadata)
                                        for i, d in enumerate(docs)])


def test_a_family_name_a_word_the_texts_use_otherwise_and_a_word_cut_short(tmp_path):
    table = phones_table(tmp_path)
    query, iphones = ask(table, "camera faults on iphones, how many")
    assert query.filters[1].values == {"iphone", "iphone 5", "iphone 6"} and iphones.figure == 3
    assert ask(table, "how many iphone 6 jobs")[1].figure == 4  # two words: that model only
    assert [f.columns for f in ask(table, "how many sony phones")[0].filters] == [("brand",)]  # not the model Phone
    assert ask(table, "how many phones came in with a cracked screen")[0].filters[0].columns == ("fault",)  # not Camera


def test_a_filter_every_row_passes_answers_nothing_when_other_words_stay_unread(tmp_path):
    path = tmp_path / "mobiles.csv"
    path.write_text("category,brand\n" + "Mobile,Apple\n" * 3 + "Mobile,Sony\n" * 3, encoding="utf-8")
    docs = RecordLoader().load(read_table(path)).documents
    table = build_table(docs[0].source, [Chunk(f"o{i}", d.text, d.source, d.doc_type, metadata=d.metadata)
                                         for i, d in enumerate(docs)])
    assert ask(table, "how many mobiles came from norway")[0] is None
    assert ask(table, "how many mobiles in the log")[1].figure == 6
    # the known limit: with a narrowing filter, a word no document uses ("norway") is not read as a condition
    assert ask(table, "how many sony mobiles came from norway")[1].figure == 3


def test_the_route_reads_its_tables_when_warmed(chunks):
    calls = []

    def counted():
        calls.append(1)
        return chunks

    route = RecordsRoute(RecordTables(counted), RecordQueryParser(), RecordAnswerer(3), FakeSearch([]), probe_k=4)
    route.warm()
    assert calls == [1]


def test_values_without_words_are_no_filter_and_no_family(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("brand,status\n" + "????,Fixed\n" * 3 + "Acme,Fixed\n" * 2 + "Acme,Broken\n" * 2, encoding="utf-8")
    docs = RecordLoader().load(read_table(path)).documents
    table = build_table(docs[0].source, [Chunk(f"q{i}", d.text, d.source, d.doc_type, metadata=d.metadata)
                                         for i, d in enumerate(docs)])
    assert ask(table, "how many acme units got fixed")[1].figure == 2


@pytest.mark.parametrize("question, text", [
    ("when was the last henry repair", "The latest row of log.csv with brand Henry is r07, event_date 2021-08-01: id: "
     "r07; provider: Cafe North; brand: Henry; status: End of life; fault: Motor; problem: seized [1]. 2 matching rows "
     "in all [2]."),
    ("oldest motor job?", "The oldest row of log.csv with fault Motor is r10, event_date 2018-12-01: id: r10; "
     "provider: Cafe North; brand: Unknown; status: End of life; fault: Motor; problem: smoke [1]. 5 matching rows in "
     "all [2]."),
    ("which provider logged the most", "Most rows of log.csv by provider: Cafe North 7, Cafe South 5 (2 values, 12 "
     "rows) [4]. Cafe North: [1] [2] [3]."),
    ("which fault is least common", "Fewest rows of log.csv by fault: Cable/cord 3, Blockage 4, Motor 5 (3 values, 12 "
     "rows) [4]. Cable/cord: [1] [2] [3]."),
    ("how many fixed in 2020", "1 row of log.csv has status Fixed and event_date in 2020 [2] (all counted: [1])."),
    ("how many in 2019", "3 rows of log.csv have event_date in 2019 [4] (all counted: [1] [2] [3])."),
])
def test_each_answer_in_full(table, question, text):
    """The whole sentence a technician reads, for each kind of answer (each figure checked by hand on ROWS)."""
    assert ask(table, question)[1].text == text


@pytest.mark.parametrize("question, text", [
    ("avg severity of the pumps", "Mean severity over the 2 rows of fmea.csv with part Pump that record severity: 5 "
     "[3] ([1] [2])."),
    ("total rpn for the fan", "Total RPN over the 2 rows of fmea.csv with part Fan that record RPN: 40 [3] ([1] "
     "[2])."),
    ("lowest rpn on a valve", "Lowest RPN among the 2 rows of fmea.csv with part Valve that record RPN [3]: 10: part: "
     "Valve; mode: Wear [1]; 20: part: Valve; mode: Leak; severity: 5 [2]."),
])
def test_each_measure_in_full(fmea, question, text):
    assert ask(fmea, question)[1].text == text


def test_a_missing_cell_neither_matches_nor_breaks(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("brand,status,note\nAcme,Fixed,a\nAcme,,b\nBolt,Fixed,c\nBolt,Fixed,d\nAcme,Fixed,e\n",
                    encoding="utf-8")
    docs = RecordLoader().load(read_table(path)).documents
    table = build_table(docs[0].source, [Chunk(f"g{i}", d.text, d.source, d.doc_type, metadata=d.metadata)
                                         for i, d in enumerate(docs)])
    assert ask(table, "how many acme got fixed")[1].figure == 2
    with pytest.raises(ValueError, match="max_cited must be at least 1"):
        RecordAnswerer(0)


def test_citations_point_at_the_rows_counted(table, fmea):
    _, result = ask(table, "which provider logged the most", max_cited=2)
    row = next(r for r in table.rows if r.record_id == "r11")  # Cafe North's last row in the file
    first = result.citations[0]
    assert (first.n, first.chunk_id, first.source, first.doc_type, first.record_id, first.cited) == (
        1, row.chunk.chunk_id, row.chunk.source, "record", "r11", True)
    assert first.label == row.chunk.citation_label() and first.excerpt == row.chunk.text
    assert [r.record_id for r in result.rows] == ["r11", "r10"] and len(result.citations) == 3  # and the computation
    _, top = ask(fmea, "which failure has the highest rpn", max_cited=2)  # ranked rows keep their rank
    assert [c.record_id for c in top.citations[:-1]] == [r.record_id for r in top.rows]
    assert [r.cells["part"] for r in top.rows] == ["Pump", "Fan"] and "[4]" not in top.text


@pytest.mark.parametrize("question", ["how many dysons got fixed in 2019", "when was the last henry repair",
                                      "which brand ended up end of life most often (not counting unknown)",
                                      "which fault is least common", "how many in 2019"])
def test_every_figure_stated_is_in_a_cited_source(table, fmea, question):
    """A count or a ranking is written in no row: the computation is cited, its trace holding each figure as stated."""
    for t, q in ((table, question), (fmea, "avg severity of the pumps"), (fmea, "which failure has the highest rpn")):
        result = ask(t, q)[1]
        computed = result.citations[-1]
        assert (computed.doc_type, computed.label, computed.cited) == ("computed", f"{t.name} · computed", True)
        assert f"[{computed.n}]" in result.text and computed.excerpt.startswith(f"{t.name}: {len(t.rows)} rows read.")
        assert numbers_absent(result.text, "\n".join(c.excerpt for c in result.citations)) == []


def test_a_blank_s_stand_in_is_named_beside_a_ranking_not_as_its_winner(tmp_path):
    """ "Unknown" written as a fault, a brand and a status fills blanks: the most common fault is the most common
    one known. Found from the table alone; a yes / no flag written in several columns stays a value."""
    rows = [("u1", "Unknown", "Unknown", "Unknown", "yes", "yes", "yes"),
            ("u2", "Unknown", "HP", "Fixed", "no", "no", "no"),
            ("u3", "Unknown", "Canon", "Fixed", "yes", "no", "yes"),
            ("u4", "Paper feed", "HP", "Fixed", "yes", "yes", "no"),
            ("u5", "Paper feed", "Canon", "Unknown", "no", "yes", "yes"),
            ("u6", "Ink", "Unknown", "Fixed", "yes", "no", "no")]
    path = tmp_path / "printers.csv"
    path.write_text("id,fault,brand,status,warranty,repeat,onsite\n" + "".join(",".join(r) + "\n" for r in rows),
                    encoding="utf-8")
    docs = RecordLoader().load(read_table(path)).documents
    table = build_table(docs[0].source, [Chunk(f"c{i}", d.text, d.source, d.doc_type, record_id=d.record_id,
                                               metadata=d.metadata) for i, d in enumerate(docs)])
    assert table.placeholders == {"unknown"}
    _, top = ask(table, "most common fault on the printers")
    assert top.figure == "Paper feed" and {r.record_id for r in top.rows} == {"u4", "u5"}
    assert "by fault: Paper feed 2, Ink 1 (3 values, 6 rows; Unknown 3 not ranked, a blank's stand-in)" in top.text
    assert "Unknown 3 not ranked" in top.citations[-1].excerpt  # the computation says so
    _, named = ask(table, "which fault is most common, unknown included")
    assert named.figure == "Unknown"  # the question names it: ranked as asked
    _, flag = ask(table, "which warranty value is most common")
    assert flag.figure == "yes"
