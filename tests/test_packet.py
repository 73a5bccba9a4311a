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
    assert ("'=HYPERLINK(1)", "June", "Ana") in rows
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
    assert "<b>" not in md and "&lt;b&gt;Health" in md


def test_packet_file_names_are_safe() -> None:
    for spec in PACKET_DOWNLOADS:
        name = spec.filename("../../etc/passwd")
        assert "/" not in name and name.startswith("team-packet-")
