"""The team packet opens in Word/Excel readers and holds what the team typed."""

from __future__ import annotations

import io

import docx
import openpyxl
from docx.oxml.ns import qn

from sectorwb import content, export, packet
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


def test_docx_has_the_started_worksheets_and_names_the_others() -> None:
    doc = docx.Document(io.BytesIO(packet.packet_docx(_sheets(), TEAM, ANSWERS)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Advanced manufacturing" in text
    assert f"Team packet: {TEAM}" in text  # plain text in Word, never markup
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "June" in cells and "Ana" in cells
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [content.get("preparing_to_launch").title]
    [line] = [p.text for p in doc.paragraphs if p.text.startswith("Not started yet")]
    others = [ws.title for ws in _sheets() if ws.id != "preparing_to_launch"]
    assert line == "Not started yet: " + "; ".join(others) + "."


def test_xlsx_has_contents_a_sheet_per_filled_table_and_neutralised_formulas() -> None:
    book = openpyxl.load_workbook(
        io.BytesIO(packet.packet_xlsx(_sheets(), TEAM, ANSWERS))
    )
    # Preparing to Launch's next steps is its only table with anything typed.
    assert book.sheetnames == [
        "Contents",
        "Preparing to Launch Next steps",
        "All answers",
    ]
    steps = list(book["Preparing to Launch Next steps"].iter_rows(values_only=True))
    assert steps[0] == ("Action", "Timeline", "Who's Committed?")
    assert ("=HYPERLINK(1)", "June", "Ana") in steps  # text cells, as typed
    cells = [c for ws in book.worksheets for r in ws.iter_rows() for c in r]
    assert all(c.data_type == "s" for c in cells if c.value is not None)
    every = list(book["All answers"].iter_rows(values_only=True))
    assert every[0] == ("Worksheet", "Section", "Question", "Answer")
    assert any(r[-1] == "Advanced manufacturing" for r in every)
    # A table's cells are on its sheet; "All answers" says which sheet.
    assert every[-1][2:] == (
        "Next Steps",
        "On the sheet “Preparing to Launch Next steps”.",
    )
    launch = content.get("preparing_to_launch")
    asked = [q for q in launch.shown(ANSWERS[launch.id]) if q.kind != "table"]
    assert len(every) == 1 + len(asked) + 1  # the header, the questions, the table
    contents = list(book["Contents"].iter_rows(values_only=True))
    assert contents[1][:2] == (
        "Preparing to Launch Next steps",
        content.get("preparing_to_launch").title,
    )
    assert contents[-1][1].startswith("Not started yet: ")


def test_empty_team_gives_a_short_valid_packet_naming_every_worksheet() -> None:
    titles = "; ".join(ws.title for ws in _sheets())
    md = packet.packet_markdown(_sheets(), "Empty", {})
    assert "_(no answer)_" not in md
    assert export.md_text(f"Not started yet: {titles}.") in md
    doc = docx.Document(io.BytesIO(packet.packet_docx(_sheets(), "Empty", {})))
    assert doc.tables == [] and "(no answer)" not in [p.text for p in doc.paragraphs]
    assert f"Not started yet: {titles}." in [p.text for p in doc.paragraphs]
    book = openpyxl.load_workbook(io.BytesIO(packet.packet_xlsx(_sheets(), "E", {})))
    assert book.sheetnames == ["Contents", "All answers"]


ROSTER = [
    {"Organization": "Front Range College", "Representative": "Ana; Bo", "Role": ""},
    {"Organization": "", "Representative": "", "Role": ""},
    {"Organization": "Chamber", "Role": "Host: events"},
]
STARTED = {
    "step1_support_team": {
        "roster": ROSTER,
        "connections": [
            {"Organization": "Front Range College", "Connected to": "Acme"},
            {"Organization": "Chamber", "Connected to": "Acme", "Kind": "Business"},
        ],
    },
    "module5_metrics": {"metrics_plan": [{"Metric": "Hires", "Target": "20"}]},
}


def test_docx_tables_are_tables_with_bold_repeating_headers() -> None:
    doc = docx.Document(io.BytesIO(packet.packet_docx(_sheets(), "Metro", STARTED)))
    grids = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    roster = content.get("step1_support_team").questions()[0]
    assert grids[0] == [
        roster.columns,
        ["Front Range College", "", "Ana; Bo", ""],
        ["Chamber", "", "", "Host: events"],
    ]  # one cell per value: a "; " or ": " stays in its cell
    for table in doc.tables:
        header = table.rows[0]
        assert header._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(r.bold for c in header.cells for r in c.paragraphs[0].runs)
    # Step 1's next steps and every untouched table are left out.
    assert len(doc.tables) == 3
    titles = [p for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert [p.paragraph_format.page_break_before for p in titles] == [None, True]


def test_docx_pictures_fit_the_margins_and_carry_their_findings() -> None:
    doc = docx.Document(io.BytesIO(packet.packet_docx(_sheets(), "Metro", STARTED)))
    section = doc.sections[0]
    room = section.page_width - section.left_margin - section.right_margin
    [shape] = doc.inline_shapes
    assert 0.9 * room < shape.width <= room
    alt = shape._inline.docPr.get("descr")
    assert alt.startswith("Our universe of connections. Most connected: ")
    assert "Acme" in alt  # the findings name what the team typed


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
