

def test_a_row_is_cited_by_the_tables_own_key_found_from_its_values(tmp_path):
    """The key column is recognised by its values (present, distinct, short, not numbers or dates),
    whatever its name or language; without one, rows keep ``<stem>-L<line>``."""
    from ingest.tables.records import RecordLoader, key_column
    from ingest.tables.table import read_table

    keyed = tmp_path / "réparations.csv"
    keyed.write_text("n°,date,référence,panne\n1,2024-01-02,restart_41,Surchauffe\n2,2024-01-03,restart_228,Surchauffe\n",
                     encoding="utf-8")
    docs = RecordLoader().load(read_table(keyed)).documents
    assert [d.record_id for d in docs] == ["restart_41", "restart_228"]
    plain = tmp_path / "readings.csv"
    plain.write_text("step,when,value\n1,2024-01-02,3.5\n2,2024-01-03,3.5\n", encoding="utf-8")
    assert [d.record_id for d in RecordLoader().load(read_table(plain)).documents] == ["readings-L2", "readings-L3"]
    assert key_column(["a", "b"], [{"a": "x", "b": "k1"}, {"a": "x", "b": "k1"}]) is None  # repeated: no key


def test_a_row_keeps_its_cells_for_the_answer_side_to_count(tmp_path):
    """``metadata["cells"]``: the filled cells as read (empty ones left out), what ``assistant.records`` counts."""
    from ingest.tables.records import RecordLoader
    from ingest.tables.table import read_table

    path = tmp_path / "log.csv"
    path.write_text("id,brand,status,note\nr1,Dyson,Fixed,\nr2,Vax,End of life,cable cut\n", encoding="utf-8")
    docs = RecordLoader().load(read_table(path)).documents
    assert [d.metadata["cells"] for d in docs] == [{"id": "r1", "brand": "Dyson", "status": "Fixed"},
                                                   {"id": "r2", "brand": "Vax", "status": "End of life",
                                                    "note": "cable cut"}]
    assert [d.metadata["line"] for d in docs] == [2, 3]
