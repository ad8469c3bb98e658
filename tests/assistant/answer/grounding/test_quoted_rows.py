"""What is quoted under a reply about one code, and above a quoted step (no model, no index)."""

from assistant.answer.compose import QUOTES_HEADING, AnswerComposer
from assistant.answer.grounding.citations import CitationChecker
from assistant.answer.grounding.evidence import EvidenceReport
from assistant.answer.grounding.following import with_following
from assistant.answer.grounding.rows import others_row

ALARMS = {1: "Alarm and fault codes\n"
             "Code: A-31 | Meaning: Return filter clogged (above 3.5 bar) | First action: Replace the element\n"
             "Code: A-32 | Meaning: Suction vacuum switch tripped | First action: Clean the strainer\n"
             "Code: A-40 | Meaning: Accumulator precharge low (below 80 bar) | First action: Recharge nitrogen"}


def _quotes(question: str, sources: dict[int, str]) -> str:
    """The composed answer of a reply with nothing in it: only the quoted lines."""
    composer = AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=3, quote_following=0,
                              support_quotes=0, second_source_margin=1.0, document_passages=True,
                              reply_source_margin=0.0)
    text, _, _ = composer.compose(question, "", sources, EvidenceReport(True, question=question), None, question)
    return text


def _quoted(question: str) -> list[str]:
    return _quotes(question, ALARMS).split(QUOTES_HEADING)[1].strip().splitlines()


def test_a_question_naming_a_code_is_not_quoted_its_neighbours_rows():
    """The sample plant's "what does alarm A-40 mean?" was answered with the rows of A-32 and A-31 quoted under it."""
    quoted = _quoted("what does alarm code A-40 mean")
    assert len(quoted) == 1 and "A-40" in quoted[0] and "Recharge nitrogen" in quoted[0]
    # a question naming no code still reads the table's rows
    assert len(_quoted("which alarm code means the filter or strainer is clogged")) >= 2
    # nor does a code of another form (a part number) take a row away
    assert len(_quoted("alarm code for a clogged filter, P/N 4471-22")) >= 2


def test_a_follow_up_naming_a_code_is_quoted_its_row_not_the_earlier_questions():
    """ "and A-40?" after "what does alarm A-31 mean": the condensed query names both codes, the question one."""
    composer = AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=3, quote_following=0,
                              support_quotes=0, second_source_margin=1.0, document_passages=True,
                              reply_source_margin=0.0)
    query, question = "what does alarm A-31 mean and A-40?", "and A-40?"
    text, _, _ = composer.compose(query, "", ALARMS, EvidenceReport(True, question=query), None, question)
    quoted = text.split(QUOTES_HEADING)[1].strip().splitlines()
    assert len(quoted) == 1 and "Recharge nitrogen" in quoted[0]


def test_rows_of_codes_of_another_form_or_in_another_passage_of_the_table_are_not_quoted():
    """ "and A-40?" after E-207's meaning: the alarm table keys E-207 and A-40 alike, and was cut into two passages
    of the manual; E-207's row (and E-310's from the other passage) were quoted under A-40's."""
    composer = AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=4, quote_following=0,
                              support_quotes=0, second_source_margin=1.0, document_passages=True,
                              reply_source_margin=0.0)
    sources = {1: ALARMS[1] + "\nCode: E-207 | Meaning: Pressure build-up timeout | First action: Check relief valve",
               2: "Alarm and fault codes\nCode: E-310 | Meaning: Light curtain interrupted | First action: Clear zone"}
    documents = {1: ("manual.md", None), 2: ("manual.md", None)}
    question = "what does alarm A-40 mean"
    rows = {line.split(" | ")[0][6:]: (line, n) for n, text in sources.items() for line in text.splitlines()[1:]}
    by_meaning = [rows[code] for code in ("A-40", "E-310", "E-207", "A-31", "A-32")]  # the embedder's ranking
    text, _, _ = composer.compose(question, "", sources, EvidenceReport(True, question=question), None, question,
                                  documents=documents, by_meaning=by_meaning)
    quoted = text.split(QUOTES_HEADING)[1].strip().splitlines()
    assert len(quoted) == 1 and "Recharge nitrogen" in quoted[0]


def test_a_row_of_another_table_keyed_by_an_identifier_stays():
    """Rows are one table when their cells carry the same column labels: an oil table keyed "HLP46" in the manual
    holding the alarm table is no alarm's row."""
    manual = ALARMS[1] + "\nOils\nGrade: HLP46 | Use: Hydraulic circuit | Volume: 120 l"
    assert not others_row("Grade: HLP46 | Use: Hydraulic circuit | Volume: 120 l", ["A-40"], manual)
    assert others_row("Code: A-31 | Meaning: Return filter clogged (above 3.5 bar) | First action: Replace the element",
                      ["A-40"], manual)


def test_a_table_keyed_otherwise_keeps_its_rows_for_a_version_the_question_names():
    """clevercoffee-de's "standard pid werte silvia v5": the first version dropped the rows holding the answer,
    whose cells name "V3-V6" (a range, not another row's key)."""
    pid = {1: "PID\n"
              "Parameter: PID Kp | Silvia V1-2: 62 | Silvia V3-V6: 50 | Gaggia 9480: 130\n"
              "Parameter: PID Tn | Silvia V1-2: 52 | Silvia V3-V6: 200 | Gaggia 9480: 130\n"
              "Rancilio Silvia E(co) V5 & V6"}
    text = _quotes("standard pid werte silvia v5, kp und tn", pid)
    assert "V3-V6: 50" in text and "V3-V6: 200" in text


PROCEDURE = {1: "Recharge accumulator\n"
                "1. Lock out the press and discharge the accumulator until PG-3 reads 0 bar.\n"
                "2. Remove the gas valve cap and fit the charging kit.\n"
                "3. Read the precharge; recharge when below 80 bar.\n"
                "4. Charge slowly to 90 bar and wait 5 minutes.\n"
                "5. Check the valve for leaks and refit the cap.\n"
                "6. Close V7, restore and check that A-40 clears."}


def test_a_quoted_step_comes_with_every_step_above_it_from_the_first():
    """Four items above a quoted step left out step 1, the lock-out, in the same answer."""
    got = with_following([("Close V7, restore and check that A-40 clears.", 1)], PROCEDURE, 2)
    assert "Lock out the press" in got[0][0] and len(got) == 6
    # a bulleted list is no procedure: still at most four items above
    bulleted = {1: PROCEDURE[1].replace("\n1. ", "\n- ").replace("\n2. ", "\n- ").replace("\n3. ", "\n- ")
                .replace("\n4. ", "\n- ").replace("\n5. ", "\n- ").replace("\n6. ", "\n- ")}
    got = with_following([("Close V7, restore and check that A-40 clears.", 1)], bulleted, 2)
    assert len(got) == 5 and "Remove the gas valve cap" in got[0][0]
