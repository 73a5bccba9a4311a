"""XLSX files a person can read and print: fitted columns and rows, a frozen header
on every page, landscape one page wide, text cells as typed (the packet's, rendered
by LibreOffice, in test_packet_render)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook

from sectorwb import content, export

PROSE = (
    "the partnership asks employers what they need first and then the educators "
    "and the workforce board answer together with a plan"
).split()


def _prose(words: int, last: str) -> str:
    return " ".join(PROSE[i % len(PROSE)] for i in range(words)) + " " + last


def _sheet(columns: list[str], rows: list[list[str]]) -> Any:
    return load_workbook(io.BytesIO(export.to_xlsx({"S": (columns, rows)})))["S"]


def test_columns_are_as_wide_as_their_text_within_bounds() -> None:
    sheet = _sheet(
        ["Action", "When", "Who"],
        [[_prose(60, "end"), "June", "Ana from the college"], ["Call", "", "Bo"]],
    )
    widths = [sheet.column_dimensions[c].width for c in "ABC"]
    assert widths[0] == 60  # a paragraph wraps at the widest bound
    assert widths[1] == 10  # "When" and "June" get the narrowest
    assert widths[2] == len("Ana from the college") + 2


def test_a_wide_sheet_is_narrowed_to_print_at_full_size() -> None:
    columns = [f"Column {i}" for i in range(6)]
    sheet = _sheet(columns, [[_prose(30, str(i)) for i in range(6)]])
    widths = [sheet.column_dimensions[c].width for c in "ABCDEF"]
    assert sum(widths) <= 140 and min(widths) >= 10
    assert len(set(widths)) == 1  # the long columns share the page


def test_rows_are_as_tall_as_their_wrapped_text() -> None:
    long = _prose(120, "end")
    sheet = _sheet(
        ["Answer", "Note"],
        [["Short", "Short"], [long, "x"], ["one\ntwo\nthree", ""], ["日本" * 60, ""]],
    )
    heights = [sheet.row_dimensions[r].height for r in range(1, 6)]
    assert heights[:2] == [15, 15]  # one line: the default height
    # 120 words in a 60-wide column: at least 10 lines, each 15 pt.
    assert heights[2] >= 15 * len(long) / (60 * 1.3)
    assert heights[3] == 45  # three lines typed, three lines shown
    # 120 characters two units wide need more room than 120 Latin letters.
    assert heights[4] > 15 * 240 / (60 * 1.3)


def test_a_huge_answer_gets_the_tallest_row_quickly() -> None:
    sheet = _sheet(["Answer"], [["word " * 20_000]])
    assert sheet.row_dimensions[2].height == 409  # Excel's limit


def test_header_is_bold_frozen_and_printed_on_every_page_landscape() -> None:
    sheet = _sheet(["Action", "Timeline"], [["Call", "June"]])
    assert sheet["A1"].font.b and sheet["B1"].font.b and not sheet["A2"].font.b
    assert sheet["A2"].alignment.wrap_text
    assert sheet.freeze_panes == "A2"
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0  # as many pages down as needed


@pytest.mark.parametrize("typed", ["=SUM(A1:A2)", "+1 week", "-5", "@home", "\tTab"])
def test_formula_like_text_is_a_text_cell_shown_as_typed(typed: str) -> None:
    data = export.to_xlsx({"S": (["Action"], [[typed]])})
    cell = load_workbook(io.BytesIO(data))["S"]["A2"]
    assert (cell.value, cell.data_type) == (typed, "s")
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml and b"'" + typed.encode() not in xml


def test_tables_get_short_sheet_names_without_doubled_spaces() -> None:
    found = [
        (ws, t, export.table_sheet_name(ws, t))
        for ws in content.worksheets()
        for t in export.tables(ws)
    ]
    names = [name for _, _, name in found]
    assert export.sheet_names(names) == names  # valid and unique as they are
    for ws, table, name in found:
        assert "  " not in name and 0 < len(name) <= 31
        # The worksheet's short title (cut between words), then the table.
        assert name.endswith(" " + export.table_label(table))
        assert ws.short.startswith(name.split()[0])
    assert {"Step 1 Roster", "Module 5 Metrics plan", "Step 3 Next steps"} <= set(names)
    assert "Many Tables Employer journey" in names  # "Many Tables, Many" cut at ","
    assert "Preparing Business chairs" in names  # "Preparing to" drops its "to"
