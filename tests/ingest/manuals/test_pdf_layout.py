"""PDF running headers and footers: layout repeated on most pages, kept once."""

from __future__ import annotations

from ingest.manuals.loader import load_manual
from ingest.manuals.pdf import drop_running_lines
from ingest.normalize import join_wrapped, wrap_width
from tests.ingest.manuals.test_manuals import make_pdf


def test_a_running_header_would_name_every_page_section_and_is_kept_only_on_its_first_page(tmp_path):
    checks = ["Check the oil level daily.", "Drain the condensate weekly.", "", "Replace the filter yearly."]
    body = [["HYDRAULIC PRESS HP-40 SERVICE MANUAL", check, f"HP-40 rev. C - page {n}"]
            for n, check in enumerate(checks, start=1)]
    body[2] = ["HYDRAULIC PRESS HP-40 SERVICE MANUAL", "BLEEDING THE CIRCUIT", "Open valve V3 for 30 s.",
               "HP-40 rev. C - page 3"]
    path = tmp_path / "press.pdf"
    path.write_bytes(make_pdf(body))
    docs = load_manual(path).documents
    assert "HYDRAULIC PRESS HP-40 SERVICE MANUAL" in docs[0].text and "HP-40 rev. C - page 1" in docs[0].text
    for doc in docs[1:]:
        assert "SERVICE MANUAL" not in doc.text and "rev. C" not in doc.text
    assert docs[2].section == "BLEEDING THE CIRCUIT"  # the page's own heading, not the running header
    assert "Open valve V3 for 30 s." in docs[2].text


def test_lines_on_fewer_than_half_the_pages_or_three_stay():
    pages = ["Oil\nfill 2 l", "Belt\ntension 4 mm", "Fan\nclean it", "Pump\nbleed it", "Seal\nswap it",
             "Hose\ncheck it"]
    pages[1] = pages[2] = "NOTE\ntext\nNOTE"  # twice in six pages: content, not layout
    assert drop_running_lines(pages) == pages
    two = ["ACME manual\nOne.", "ACME manual\nTwo."]  # two pages: too few to tell layout from content
    assert drop_running_lines(two) == two


def test_a_line_in_the_middle_of_a_page_is_not_a_header():
    pages = ["ACME\nStep A\nx\ny\nz\nw\nACME is our brand\nq\nr\ns\nt", "ACME\nStep B", "ACME\nStep C"]
    out = drop_running_lines(pages)
    assert out[0] == pages[0] and out[1] == "Step B" and out[2] == "Step C"


# A page set in a 60-character measure: prose wrapped by the layout, a spec table, steps.
_WRAPPED_PAGE = [
    "BELT TENSION",
    "The drive belt stretches during its first hours of running, so",
    "check the tension after 24 hours and again after 100 hours. A",
    "belt that squeals at start is too loose; one that hums is too",
    "tight. Part number of the belt: 8PK-1130, torque on the Z-",
    "axis clamp 25 N.",
    "Never open the guard while the spindle turns at any speed now.",
    "Belt: 8PK-1130",
    "Tension: 142 Hz",
    "Motor bolts: M12, 80 N",
    "1. Lock out the machine and remove the guard on the left of the",
    "2. Loosen the four motor bolts and push the motor towards the",
    "spindle until the belt is slack.",
]


def test_a_paragraph_wrapped_at_the_margin_reads_as_one_line_and_table_rows_and_steps_stay(tmp_path):
    path = tmp_path / "belt.pdf"
    path.write_bytes(make_pdf([_WRAPPED_PAGE]))
    lines = load_manual(path).documents[0].text.split("\n")
    assert lines[1] == ("The drive belt stretches during its first hours of running, so check the tension after "
                        "24 hours and again after 100 hours. A belt that squeals at start is too loose; one that "
                        "hums is too tight. Part number of the belt: 8PK-1130, torque on the Z-axis clamp 25 N.")
    # a full line that ends a sentence, then rows the writer ended
    assert lines[2:6] == ["Never open the guard while the spindle turns at any speed now.", "Belt: 8PK-1130",
                          "Tension: 142 Hz", "Motor bolts: M12, 80 N"]
    # a full line before a step does not swallow the step; the step's own wrapped line joins it
    assert lines[6] == "1. Lock out the machine and remove the guard on the left of the"
    assert lines[7] == "2. Loosen the four motor bolts and push the motor towards the spindle until the belt is slack."
    assert lines[0] == "BELT TENSION"


def test_too_few_lines_to_know_the_margin_stay_as_they_are():
    page = "\n".join(_WRAPPED_PAGE[1:4])
    assert wrap_width([page]) is None
    assert join_wrapped(page, wrap_width([page])) == page
    # twelve lines: the 90th-percentile length, a full line of the page's measure
    assert 55 <= wrap_width(["\n".join(_WRAPPED_PAGE)]) <= max(map(len, _WRAPPED_PAGE))


def test_contents_lines_with_leader_dots_stay_apart_though_they_reach_the_margin():
    contents = ["1 Safety and lock-out . . . . . . . . . . . . . . . . . . . . . . 2",
                "2 Specifications and spare parts of the spindle . . . . . . . . . 4"]
    assert join_wrapped("\n".join(contents), 60) == "\n".join(contents)
