"""Render ``vmc850_mill_manual.pdftext`` into the text PDF ``manuals/vmc850_mill_manual.pdf``.

Run from anywhere: ``python data/sample/src/make_pdf.py``. Needs fpdf2 (dev extra).
The source text uses a tiny markup: ``# `` heading, ``## `` subheading, a line ``\\f``
starts a new page (so page numbers cited in qa.jsonl stay fixed), ``A | B | C`` lines are a
table row. Output is deterministic: fixed creation date, core font, no compression of random ids.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "vmc850_mill_manual.pdftext"
TARGET = HERE.parent / "manuals" / "vmc850_mill_manual.pdf"
FIXED_DATE = dt.datetime(2026, 1, 15, tzinfo=dt.timezone.utc)


class ManualPDF(FPDF):
    def footer(self) -> None:  # page numbers as printed, matching the PDF page index
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, f"RC-MAN-VMC850 rev. E - page {self.page_no()}", align="C")


def render(source: Path = SOURCE, target: Path = TARGET) -> Path:
    pdf = ManualPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title("VMC-850 Vertical Machining Centre - Maintenance Manual")
    pdf.set_author("Riverside Components maintenance (synthetic sample)")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip() == "\\f":
            pdf.add_page()
        elif line.startswith("## "):
            pdf.set_font("Helvetica", "B", 12)
            pdf.ln(2)
            pdf.multi_cell(width, 7, line[3:], new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("# "):
            pdf.set_font("Helvetica", "B", 16)
            pdf.multi_cell(width, 9, line[2:], new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif " | " in line:
            cells = [c.strip() for c in line.split(" | ")]
            pdf.set_font("Helvetica", size=9)
            col = width / len(cells)
            with pdf.table(col_widths=(col,) * len(cells), first_row_as_headings=False) as table:
                table.row(cells)
        elif not line.strip():
            pdf.ln(3)
        else:
            pdf.set_font("Helvetica", size=10)
            pdf.multi_cell(width, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    target.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(target))
    return target


if __name__ == "__main__":
    out = render()
    print(f"wrote {out} ({out.stat().st_size} bytes)")
