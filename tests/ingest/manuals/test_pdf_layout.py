"""PDF running headers and footers: layout repeated on most pages, kept once."""

from __future__ import annotations

from ingest.manuals.loader import load_manual
from ingest.manuals.pdf import drop_running_lines
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
