"""The team packet opens in Word/Excel readers and holds what the team typed."""

from __future__ import annotations

import io

import docx
import openpyxl

from sectorwb import content, packet
from sectorwb.packet import PACKET_DOWNLOADS

TEAM = "Metro <b>Health</b>"
ANSWERS = {
    "preparing_to_launch": {
        "target_sector": "Advanced manufacturing",
        "next_steps": [
            {"Action": "=HYPERLINK(1)", "Timeline": "June", "Who's Committed?": "Ana"}
        ],
    }
}


def _sheets():
    return content.worksheets()


def test_docx_has_every_worksheet_and_the_typed_answer() -> None:
    doc = docx.Document(io.BytesIO(packet.packet_docx(_sheets(), TEAM, ANSWERS)))
    text = "\n".join(p.text for p in doc.paragraphs)
    for ws in _sheets():
        assert ws.title in text
    assert "Advanced manufacturing" in text
    assert f"Team packet: {TEAM}" in text  # plain text in Word, never markup
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "June" in cells and "Ana" in cells


def test_xlsx_has_a_sheet_per_action_table_and_neutralised_formulas() -> None:
    book = openpyxl.load_workbook(
        io.BytesIO(packet.packet_xlsx(_sheets(), TEAM, ANSWERS))
    )
    assert len(book.sheetnames) == len(_sheets()) + 1
    assert book.sheetnames[-1] == "All answers"
    rows = [r for ws in book.worksheets[:-1] for r in ws.iter_rows(values_only=True)]
    assert ("=HYPERLINK(1)", "June", "Ana") in rows  # text cells, as typed
    cells = [c for ws in book.worksheets for r in ws.iter_rows() for c in r]
    assert all(c.data_type == "s" for c in cells if c.value is not None)
    every = list(book["All answers"].iter_rows(values_only=True))
    assert any(r[-1] == "Advanced manufacturing" for r in every)


def test_empty_team_gives_a_valid_packet_with_every_section() -> None:
    md = packet.packet_markdown(_sheets(), "Empty", {})
    assert md.count("_(no answer)_") >= sum(
        len(s.questions) for ws in _sheets() for s in ws.sections
    )
    doc = docx.Document(io.BytesIO(packet.packet_docx(_sheets(), "Empty", {})))
    assert len(doc.tables) == len(_sheets())
    book = openpyxl.load_workbook(io.BytesIO(packet.packet_xlsx(_sheets(), "E", {})))
    assert all(ws.max_row >= 1 for ws in book.worksheets)


def test_markdown_escapes_team_html() -> None:
    md = packet.packet_markdown(_sheets(), TEAM, ANSWERS)
    assert "\\<b>Health" in md and "<b>" not in md.replace("\\<b>", "")


def test_packet_file_names_are_safe() -> None:
    for spec in PACKET_DOWNLOADS:
        name = spec.filename("../../etc/passwd")
        assert "/" not in name and name.startswith("team-packet-")


# What a slide deck or a Word page pastes (see test_export).
PASTED = "Slide one\x0bSlide two\x00 done\x0cnext page 🚀"
AS_XML = "Slide one\nSlide two done\nnext page 🚀"
PASTED_ANSWERS = {
    "preparing_to_launch": {
        "target_sector": PASTED,
        "next_steps": [
            {"Action": PASTED, "Timeline": "June\x0b", "Who's Committed?": ""}
        ],
    },
}


def test_docx_holds_pasted_control_characters() -> None:
    doc = docx.Document(
        io.BytesIO(packet.packet_docx(_sheets(), f"Team {PASTED[:9]}", PASTED_ANSWERS))
    )
    paragraphs = [p.text for p in doc.paragraphs]
    assert AS_XML in paragraphs
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert AS_XML in cells and "June\n" in cells


def test_xlsx_packet_holds_pasted_control_characters() -> None:
    book = openpyxl.load_workbook(
        io.BytesIO(packet.packet_xlsx(_sheets(), "Alpha", PASTED_ANSWERS))
    )
    cells = [
        c for s in book.worksheets for r in s.iter_rows(values_only=True) for c in r
    ]
    assert cells.count(AS_XML) == 2  # the table's cell and the answer


def test_markdown_packet_keeps_pasted_text_and_shows_links_as_text() -> None:
    answers = {"preparing_to_launch": {"target_sector": PASTED + " ![x](http://h/b)"}}
    md = packet.PACKET_DOWNLOADS[1].build(_sheets(), "Alpha", answers).decode("utf-8")
    assert "Slide one\x0bSlide two\x00 done\x0cnext page 🚀 !\\[x\\](http://h/b)" in md
    assert "![x](" not in md
