"""Documentation formats beyond plain Markdown and HTML: AsciiDoc, reStructuredText, MDX, wiki links."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunking import Chunker
from ingest.manuals.asciidoc import asciidoc_to_text
from ingest.manuals.loader import load_manual
from ingest.manuals.rst import rst_to_text
from ingest.router import Router

ADOC = """= Spindle control
:toc:
:lang: fr

// a comment line
////
a comment block with == a false title
////

== Réglage du VFD

Le VFD doit être réglé sur 400 Hz (voir <<sec:vfd,le manuel du VFD>>, link:https://x.org/vfd[page web]).

[source,ini]
----
[SPINDLE_0]
MAX_FORWARD_VELOCITY = 24000
----

image::vfd.png[]

Dépannage
---------

Si la broche ne tourne pas, vérifier le signal spindle-on.
"""


def test_asciidoc_titles_become_headings_and_block_syntax_goes():
    title, text = asciidoc_to_text(ADOC)
    assert title == "Spindle control"
    lines = text.splitlines()
    assert lines[0] == "# Spindle control"
    assert "## Réglage du VFD" in lines
    assert "## Dépannage" in lines  # a two-line title, underline within two characters of the title
    # the listing's text is kept, its delimiters, attributes, macros and comments are not
    assert "MAX_FORWARD_VELOCITY = 24000" in lines
    assert "Le VFD doit être réglé sur 400 Hz (voir le manuel du VFD, page web)." in lines
    for gone in ("----", "[source,ini]", ":toc:", "image::vfd.png[]", "// a comment line", "== a false title"):
        assert not any(gone in line for line in lines), gone


def test_a_delimiter_after_a_line_of_another_length_is_not_an_underline():
    _, text = asciidoc_to_text("Example:\n----\nG0 X0\n----\n")
    assert text.splitlines() == ["Example:", "G0 X0"]


def test_an_asciidoc_paragraph_or_list_item_the_writer_wrapped_is_one_line():
    source = ("== Belt\n\nStop the spindle before\nthe guard is opened. Check the\nbelt weekly.\n\n"
              "* Loosen the four motor\n  bolts first\n* Push the motor\n\nTension: 142 Hz +\nNew belt: 150 Hz\n\n"
              "  literal line one\n  literal line two\n\n.Belt data\n|===\n| Belt | 8PK\n| Length | 1130\n|===\n")
    assert asciidoc_to_text(source)[1].splitlines() == [
        "## Belt", "", "Stop the spindle before the guard is opened. Check the belt weekly.", "",
        "* Loosen the four motor bolts first", "* Push the motor", "",
        "Tension: 142 Hz", "New belt: 150 Hz", "",  # " +" is a hard break
        "  literal line one", "  literal line two", "",  # a literal block keeps its lines
        ".Belt data", "|===", "| Belt | 8PK", "| Length | 1130", "|==="]


def test_asciidoc_file_loads_with_sections_for_the_chunker(tmp_path):
    path = tmp_path / "spindle.adoc"
    path.write_text(ADOC, encoding="utf-8")
    doc = load_manual(path).documents[0]
    assert doc.title == "Spindle control" and doc.metadata["format"] == "adoc"
    chunks = Chunker(320, 40).split(doc)
    assert chunks[0].section == "Spindle control"
    assert "Dépannage\nSi la broche ne tourne pas" in "\n".join(c.text for c in chunks)


SPHINX = """.. _motor-guide:

Motor guide
===========

.. contents::
   :local:

.. toctree::
   :maxdepth: 2

Tuning
------

Set :code:`vel_gain` to 0.02 as in :ref:`the control guide <control-doc>`,
then press :kbd:`Enter` and call :py:func:`~odrive.utils.dump_errors`.

.. warning::
   Disconnect the 48 V supply before wiring.

.. tabs::

   .. tab:: Linux

      Run ``sudo odrivetool``.

.. list-table:: Limits
   :header-rows: 1

   * - Parameter
     - Value
   * - current_lim
     - 10 A

Motor beeps
   Check the phase wires.

.. admonition:: Before you start

   Lock out the drive.
"""


def test_restructuredtext_reads_sphinx_roles_and_directives_as_their_text():
    title, text = rst_to_text(SPHINX)
    assert title == "Motor guide" and text.startswith("# Motor guide\n\n## Tuning")
    assert "Set vel_gain to 0.02 as in the control guide, then press Enter and call odrive.utils.dump_errors." in text
    assert "Warning: Disconnect the 48 V supply before wiring." in text
    assert "Linux\n\nRun sudo odrivetool." in text  # an unknown directive: its argument, then its content
    assert "Limits\nParameter: current_lim | Value: 10 A" in text
    assert "Motor beeps: Check the phase wires." in text and "Before you start: Lock out the drive." in text
    for markup in (":ref:", "<control-doc>", "maxdepth", "toctree", "Unknown", "motor-guide", ".. "):
        assert markup not in text


def test_restructuredtext_never_reads_another_file_or_passes_raw_html(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root password hunter2", encoding="utf-8")
    _, text = rst_to_text(f"Pump\n====\n\n.. include:: {secret}\n\n.. raw:: html\n\n   <script>x()</script>\n\nOil.\n")
    assert "hunter2" not in text and "script" not in text and text.endswith("Oil.")


def test_restructuredtext_file_loads_with_sections_for_the_chunker(tmp_path):
    path = tmp_path / "encoders.rst"
    path.write_text("Encoders\n========\n\nIndex search\n------------\n\nSet ``use_index`` to True.\n",
                    encoding="utf-8")
    doc = load_manual(path).documents[0]
    assert doc.title == "Encoders" and doc.metadata["format"] == "rst"
    assert doc.text == "# Encoders\n\n## Index search\n\nSet use_index to True."
    assert Chunker(320, 40).split(doc)[0].section == "Encoders > Index search"


def test_restructuredtext_the_parser_cannot_take_is_read_as_plain_text(tmp_path, monkeypatch):
    import ingest.manuals.rst

    def broken(text):
        raise RecursionError("too deep")

    monkeypatch.setattr(ingest.manuals.rst, "rst_to_text", broken)
    path = tmp_path / "deep.rst"
    path.write_text("Pump\n====\n\nTop up the oil.\n", encoding="utf-8")
    result = load_manual(path)
    assert "Top up the oil." in result.documents[0].text
    assert result.warnings == [f"{path}: read as plain text, reStructuredText parser failed (RecursionError)"]


def test_mdx_module_lines_are_left_out(tmp_path):
    path = tmp_path / "brew.mdx"
    path.write_text("import Tabs from '@theme/Tabs';\nexport const meta = {a: 1};\n\n# Brühtemperatur\n\n"
                    "Die Brühtemperatur ist 93 °C.\n", encoding="utf-8")
    doc = load_manual(path).documents[0]
    assert doc.title == "Brühtemperatur"
    assert "93 °C" in doc.text and "import" not in doc.text and "export" not in doc.text


@pytest.mark.parametrize("name", ["a.adoc", "a.asciidoc", "a.rst", "a.mdx", "a.MD"])
def test_the_router_takes_every_manual_format(name):
    assert Router.supports(Path(name))


def test_the_router_still_refuses_unknown_formats():
    assert not Router.supports(Path("a.docx"))


def test_markdown_wiki_links_read_as_their_text_outside_code(tmp_path):
    page = tmp_path / "z-axis.md"
    page.write_text("The aluminum [[shaft coupler]] connects the [[z-axis motor|motor]].\n\n```\nx = a[[1]]\n```\n")
    text = load_manual(page).documents[0].text
    assert "The aluminum shaft coupler connects the motor." in text
    assert "x = a[[1]]" in text


def test_restructuredtext_grid_table_rows_repeat_their_header():
    grid = "Specs\n=====\n\n+---------+-------+\n| Item    | Value |\n+=========+=======+\n" \
           "| Voltage | 24 V  |\n+---------+-------+\n| Current | 10 A  |\n+---------+-------+\n"
    assert rst_to_text(grid)[1] == "# Specs\n\nItem: Voltage | Value: 24 V\nItem: Current | Value: 10 A"


# a plain-text manual hard-wrapped at 60 characters, with a list, a column table and an indented listing
WRAPPED_TXT = """BELT CONVEYOR BC-1200

The conveyor carries parts from the assembly cells to the
packing area. Most accidents happen when someone clears a jam
on a running belt. Never put hands near the head pulley.

Parts:
- Return roller P/N 5512-03, one per metre of the frame and
  the snub idler
- Belt lacing kit P/N 5520-11
Part                              Number      Interval
Return roller, frame and idler    5512-03     every 2 years
Belt lacing kit                   5520-11     as needed
    tension = 4 mm deflection over 1 m of the free span,
    measured with the belt stopped
Check the tracking weekly."""


def test_a_hard_wrapped_plain_text_paragraph_is_one_line_and_tables_and_listings_keep_theirs(tmp_path):
    path = tmp_path / "conveyor.txt"
    path.write_text(WRAPPED_TXT, encoding="utf-8")
    lines = load_manual(path).documents[0].text.split("\n")
    assert ("The conveyor carries parts from the assembly cells to the packing area. Most accidents happen when "
            "someone clears a jam on a running belt. Never put hands near the head pulley.") in lines
    for kept in ("Part                              Number      Interval",
                 "Return roller, frame and idler    5512-03     every 2 years",
                 "    tension = 4 mm deflection over 1 m of the free span,", "    measured with the belt stopped",
                 "- Belt lacing kit P/N 5520-11", "Check the tracking weekly."):
        assert kept in lines, kept
