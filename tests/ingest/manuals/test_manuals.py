"""Manual loaders: Markdown (mkdocs flavour), HTML, text, PDF, and every bad-input case."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ingest.manuals.loader import ManualLoader, load_manual
from ingest.types import IngestError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "manuals"


def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal valid PDF with one Helvetica text line per string; an empty list is a blank page."""
    objects: list[bytes] = []
    n_pages = len(pages)
    font_id = 3 + 2 * n_pages
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, lines in enumerate(pages):
        ops = ["BT /F1 12 Tf 72 720 Td 14 TL"] + [f"({line}) Tj T*" for line in lines] + ["ET"] if lines else []
        stream = "\n".join(ops).encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    info = f"<< /Title ({title}) >>".encode() if title else None
    if info:
        objects.append(info)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R" + (f" /Info {len(objects)} 0 R" if info else "") + " >>"
    out.write(f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


class TestMarkdown:
    def test_headings_become_section_lines_and_title(self):
        doc = load_manual(FIXTURES / "press_manual.md").documents[0]
        assert doc.title == "Hydraulic press HP-200"
        assert doc.doc_type == "manual"
        assert doc.source == (FIXTURES / "press_manual.md").resolve().as_posix()
        assert "### Lock-out" in doc.text and "## Troubleshooting" in doc.text

    def test_mkdocs_noise_is_removed_and_link_text_kept(self):
        text = load_manual(FIXTURES / "press_manual.md").documents[0].text
        for noise in ("{ #p-", "[](", "<figure", "![](", "](", "width=", "!!!", "**"):
            assert noise not in text, noise
        assert "See the safety chapter first." in text
        assert "Warning: Always lock out the main isolator" in text
        assert "Hint: Use the puller tool T-33." in text
        assert "Torque: 45 N·m (33 ft-lb)" in text

    def test_table_rows_repeat_headers_and_carry_problem_down(self):
        text = load_manual(FIXTURES / "press_manual.md").documents[0].text
        lines = text.split("\n")
        assert (
            "Problem: Low pressure | Possible cause: Relief valve stuck open | Remedy: Clean relief valve | Page: Relief valve"
            in lines
        )
        # continuation row: problem carried down; the link-only page cell has no text, so it is dropped
        assert "Problem: Low pressure | Possible cause: Pump worn | Remedy: Replace pump P/N 4471-22" in lines
        assert "Problem: Ram drifts | Possible cause: Check valve leaking | Remedy: Replace check valve" in lines

    def test_nested_steps_are_indented_under_their_step(self):
        text = load_manual(FIXTURES / "press_manual.md").documents[0].text
        assert "3. Remove the seal.\n\n    a. Remove the four bolts.\n    b. Pull the seal out." in text


    def test_front_matter_title_and_stem_fallback(self, tmp_path):
        with_front = tmp_path / "pump.md"
        with_front.write_text('---\ntitle: "Pump guide"\n---\nPrime the pump first.\n')
        doc = load_manual(with_front).documents[0]
        assert (doc.title, doc.text) == ("Pump guide", "Prime the pump first.")
        plain = tmp_path / "valve-notes.md"
        plain.write_text("## Only a subsection\n\nText.\n")
        assert load_manual(plain).documents[0].title == "valve-notes"


    def test_front_matter_title_names_a_page_of_several_h1_sections(self, tmp_path):
        # a doc-site page: its front matter names it, its H1s are its steps; the slug repeats the title
        page = tmp_path / "cable-fix.md"
        page.write_text('---\ntitle: "Solenoid Valve Cable Fix"\nslug: "solenoid-valve-cable-fix"\n---\n'
                        "# Step 1: Cut off the terminals\n\nUse scissors.\n\n# Step 2: Strip the wire\n\nStrip 5mm.\n")
        doc = load_manual(page).documents[0]
        assert doc.title == "Solenoid Valve Cable Fix"
        assert "slug" not in doc.text
        assert "# Step 1: Cut off the terminals" in doc.text and "# Step 2: Strip the wire" in doc.text

    def test_template_tags_keep_their_text_outside_code(self, tmp_path):
        page = tmp_path / "z-axis.md"
        page.write_text('Clean the leadscrew.\n\n{% include callout.html type="danger" title="Don\'t use oil" '
                        'content="Oil attracts dust. Only graphite lubricants are acceptable." %}\n\n'
                        "```\n{% if site.v2 %}G28{% endif %}\n```\n")
        text = load_manual(page).documents[0].text
        assert "Don't use oil: Oil attracts dust. Only graphite lubricants are acceptable." in text
        assert "callout.html" not in text and 'type="danger"' not in text
        assert "{% if site.v2 %}G28{% endif %}" in text  # a code sample is left as written

    def test_doc_site_notes_become_labels(self, tmp_path):
        # Docusaurus admonitions, GitHub alerts and Hugo shortcodes: the label and text stay, the syntax goes
        page = tmp_path / "boiler.md"
        page.write_text(":::warning Hot surface\nLet the boiler cool for 30 min.\n:::\n\n"
                        "> [!NOTE]\n> Descale monthly.\n\n"
                        '{{< figure src="valve.png" caption="The relief valve, left of the pump" >}}\n')
        text = load_manual(page).documents[0].text
        assert "Hot surface: Let the boiler cool for 30 min." in text
        assert "Note: Descale monthly." in text
        assert "The relief valve, left of the pump" in text
        assert ":::" not in text and "[!NOTE]" not in text and "{{<" not in text

    def test_front_matter_fields_are_text(self, tmp_path):
        # a parts page of a doc site: everything is in the front matter, nothing below it
        page = tmp_path / "column.md"
        page.write_text('---\ntitle: "Gantry Column"\ndescription: "Made from aluminum extrusions."\n'
                        'specs:\n  length: 500mm\n  profile: 20mm x 60mm V-Slot\n---\n')
        doc = load_manual(page).documents[0]
        assert doc.title == "Gantry Column"
        assert "specs > length: 500mm" in doc.text and "Made from aluminum extrusions." in doc.text
        broken = tmp_path / "broken.md"
        broken.write_text("---\nnot: [valid\n---\nBody text here.\n")
        assert "not: [valid" in load_manual(broken).documents[0].text  # unparsable: kept as lines


class TestHtml:
    def test_structure_tables_and_stripping(self):
        doc = load_manual(FIXTURES / "conveyor.html").documents[0]
        assert doc.title == "Conveyor CV-3"
        text = doc.text
        assert "do not index me" not in text and "color: red" not in text and "Home" not in text
        assert "## Belt tension\n\n### Adjust belt tension" in text
        assert "2. Loosen the take-up bolts.\n    a. Left side first.\n    b. Then the right side." in text
        assert "Fault: Belt slips | Cause: Drive roller worn | Action: Replace roller" in text  # rowspan expanded
        assert "Read the safety notes." in text


class TestText:
    def test_headings_detected(self):
        doc = load_manual(FIXTURES / "compressor.txt").documents[0]
        assert doc.title == "Air compressor AC-10 service notes"
        assert "## DAILY CHECKS" in doc.text
        assert "## Changing the air filter" in doc.text
        assert "1. Stop the compressor and isolate." in doc.text

    def test_restructuredtext_adornments_are_headings(self, tmp_path):
        # Sphinx docs saved as text: an overlined title, "-" sections, "~" subsections of any length
        path = tmp_path / "troubleshooting.txt"
        path.write_text("=" * 40 + "\nTroubleshooting\n" + "=" * 40 + "\n\nOther issues\n" + "-" * 40 + "\n\n"
                        "Motor feels like it has less torque than it should and gets hot sitting still under no load\n"
                        + "~" * 80 + "\n\nThe encoder has likely slipped.\n")
        doc = load_manual(path).documents[0]
        assert doc.title == "Troubleshooting"
        assert doc.text.startswith("# Troubleshooting\n")
        assert "## Other issues" in doc.text and "=" * 40 not in doc.text
        assert "### Motor feels like it has less torque than it should and gets hot sitting still under no load" \
            in doc.text

    def test_cp1252_file_is_decoded_with_a_warning(self, tmp_path):
        path = tmp_path / "old.txt"
        path.write_bytes("Set temperature to 80 °C – check “valve”.".encode("cp1252"))
        result = load_manual(path)
        assert "80 °C – check “valve”" in result.documents[0].text
        assert len(result.warnings) == 1 and "old.txt" in result.warnings[0] and "cp1252" in result.warnings[0]

    def test_utf8_bom_is_clean(self, tmp_path):
        path = tmp_path / "bom.txt"
        path.write_bytes("\ufeffPump manual text.".encode("utf-8"))
        result = load_manual(path)
        assert result.documents[0].text == "Pump manual text." and result.warnings == []


class TestPdf:
    def test_one_document_per_page_with_page_numbers_and_sections(self, tmp_path):
        path = tmp_path / "mill.pdf"
        path.write_bytes(
            make_pdf(
                [
                    ["SPINDLE MAINTENANCE", "Grease the spindle every 500 hours."],
                    ["Use grease type G-2 only.", "Torque the nut to 60 N m."],
                ],
                title="CNC mill M-5 manual",
            )
        )
        result = load_manual(path)
        assert [d.page for d in result.documents] == [1, 2]
        first, second = result.documents
        assert first.title == "CNC mill M-5 manual"
        assert "Grease the spindle every 500 hours." in first.text
        assert first.section == "SPINDLE MAINTENANCE"
        assert second.section == "SPINDLE MAINTENANCE"  # carried over the page break
        assert all(d.source == path.resolve().as_posix() and d.doc_type == "manual" for d in result.documents)

    def test_numbered_heading_inside_a_page_starts_its_own_section(self, tmp_path):
        from ingest.chunking import Chunker

        path = tmp_path / "mill.pdf"
        path.write_bytes(make_pdf([["1.5 Restoring the machine", "Close the doors."],
                                   ["Remove the lock.", "2 Specifications", "Belt tension: 142 Hz"]]))
        page2 = load_manual(path).documents[1]
        assert page2.section == "1.5 Restoring the machine"
        chunks = Chunker(240, 0).split(page2)
        spec = next(c for c in chunks if "142 Hz" in c.text)
        assert spec.section == "2 Specifications" and "Remove the lock" not in spec.text

    def test_blank_page_gives_warning(self, tmp_path):
        path = tmp_path / "scan.pdf"
        path.write_bytes(make_pdf([["Some text."], []]))
        result = load_manual(path)
        assert [d.page for d in result.documents] == [1]
        assert result.warnings == ["scan.pdf: page 2 has no text (scanned? OCR not enabled)"]

    def test_encrypted_pdf_is_refused(self, tmp_path):
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([["Secret text."]]))))
        writer.encrypt(user_password="secret", owner_password="owner")
        path = tmp_path / "locked.pdf"
        with path.open("wb") as fh:
            writer.write(fh)
        with pytest.raises(IngestError, match=r"locked\.pdf: PDF is encrypted"):
            load_manual(path)

    def test_corrupt_pdf_names_the_file(self, tmp_path):
        path = tmp_path / "broken.pdf"
        path.write_bytes(make_pdf([["Some text."]])[:60])
        with pytest.raises(IngestError, match=r"broken\.pdf"):
            load_manual(path)


class TestBadInput:
    def test_empty_file(self, tmp_path):
        path = tmp_path / "empty.md"
        path.write_text("")
        with pytest.raises(IngestError, match=r"empty\.md: file is empty"):
            load_manual(path)

    def test_whitespace_only_file(self, tmp_path):
        path = tmp_path / "blank.txt"
        path.write_text("  \n\n ")
        with pytest.raises(IngestError, match=r"blank\.txt: file is empty"):
            load_manual(path)

    def test_file_over_limit_names_size_and_limit(self, tmp_path):
        path = tmp_path / "huge.txt"
        path.write_text("x" * 300_000)
        with pytest.raises(IngestError, match=r"huge\.txt: file is 0\.3 MB, over the 0\.1 MB limit"):
            ManualLoader(max_file_mb=0.1).load(path)

    def test_unknown_extension(self, tmp_path):
        path = tmp_path / "manual.docx"
        path.write_bytes(b"PK\x03\x04")
        with pytest.raises(IngestError, match=r"manual\.docx: unknown manual extension '\.docx'"):
            load_manual(path)

    def test_binary_content_with_text_extension(self, tmp_path):
        path = tmp_path / "image.txt"
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
        with pytest.raises(IngestError, match=r"image\.txt: looks like a binary file"):
            load_manual(path)

    def test_missing_file(self, tmp_path):
        with pytest.raises(IngestError, match=r"nope\.md: cannot read file"):
            load_manual(tmp_path / "nope.md")


@pytest.mark.external
class TestRealManual:
    def test_every_file_loads_without_markup_noise(self, mr2):
        files = sorted((mr2 / "docs").rglob("*.md"))
        assert files
        for path in files:
            doc = load_manual(path).documents[0]
            for noise in ("<figure", "![](", "{ #p-", "!!! ", "<br", "<center"):
                assert noise not in doc.text, (path.name, noise)

    def test_lubrication_troubleshooting_carries_problem_down(self, mr2):
        text = load_manual(mr2 / "docs" / "lubrication-system" / "troubleshooting.md").documents[0].text
        assert "Problem: Low oil pressure | Possible cause: Relief valve faulty | Remedy: Repair relief valve" in text
        rows = [line for line in text.split("\n") if "Possible cause: Oil pump faulty" in line]
        assert rows and rows[0].startswith("Problem: Low oil pressure")
