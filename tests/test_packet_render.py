"""The team packet as LibreOffice prints it: a team that answered every question and
table at length gets every word on the page, tables with their header on each page,
pictures inside the margins, a page per worksheet, and a bounded page count."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import docx
import pytest

from sectorwb import content, export, packet, wordfile
from sectorwb.schema import LongText, ShortText, Table

pytestmark = pytest.mark.slow

WORDS = (
    "employers told the partnership which skills they hire for and the college "
    "agreed to shape its courses around them within a year"
).split()
ROSTER_ROWS = 30  # enough rows that the roster runs onto a second page


def _words(count: int, last: str) -> str:
    return " ".join(WORDS[i % len(WORDS)] for i in range(count)) + " " + last


class _Answers:
    """Every text question of every worksheet answered at length and every table
    filled, each long text ending in its own marker word. ``markers`` are those of
    the questions the page shows (a follow-up to an unanswered question is not)."""

    def __init__(self) -> None:
        self.markers: list[str] = []
        self.by_sheet: dict[str, dict[str, Any]] = {}
        for ws in content.worksheets():
            given: dict[str, Any] = {}
            marked: dict[str, list[str]] = {}
            for q in ws.questions():
                self._made: list[str] = []
                if isinstance(q, LongText | ShortText):
                    given[q.id] = _words(70, self._marker())
                elif isinstance(q, Table):
                    count = ROSTER_ROWS if q.id == "roster" else 3
                    given[q.id] = [self._row(q, n) for n in range(count)]
                marked[q.id] = self._made
            self.by_sheet[ws.id] = given
            self.markers += [m for q in ws.shown(given) for m in marked[q.id]]

    def _marker(self) -> str:
        self._count = getattr(self, "_count", 0) + 1
        self._made.append(f"marker{self._count:04d}")
        return self._made[-1]

    def _row(self, table: Table, n: int) -> dict[str, str]:
        """A row a picture can draw: listed values where the column has a list,
        a few words elsewhere, the first and last columns ending in a marker."""
        row = {}
        for i, column in enumerate(table.columns):
            listed = table.known().get(column)
            if listed:
                row[column] = listed[n % len(listed)]
            elif i in (0, len(table.columns) - 1):
                row[column] = _words(6 if i else 2, self._marker())
            else:
                row[column] = f"{column.split()[0]} {n}"
        return row


def _need(*programs: str) -> None:
    if not (wordfile.libreoffice() and all(shutil.which(p) for p in programs)):
        pytest.skip(
            "LibreOffice or poppler-utils is not installed, so the packet is not "
            "rendered here: sudo apt-get install -y libreoffice-writer "
            "libreoffice-calc poppler-utils (.ci/run does)"
        )


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [p for p in text.split("\f") if p.strip()]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_packet_docx_prints_every_answer_tables_and_pictures(tmp_path: Path) -> None:
    _need("pdftotext", "pdfimages")
    answers, sheets = _Answers(), content.worksheets()
    docx_file = tmp_path / "packet.docx"
    docx_file.write_bytes(packet.packet_docx(sheets, "Long Answers", answers.by_sheet))
    [pdf] = wordfile.to_pdf([docx_file], tmp_path)
    pages = _pages(pdf)
    every = _flat(" ".join(pages))
    # Every long answer and every table cell's last word is printed, so none is cut.
    assert [m for m in answers.markers if m not in every] == []
    # A page per worksheet: each title opens a page (the first follows the packet's).
    tops = [_flat(p).strip() for p in pages]
    assert tops[0].startswith("Team packet: Long Answers")
    for ws in sheets[1:]:
        assert any(top.startswith(_flat(ws.title)[:30]) for top in tops), ws.title
    # The 30-row roster runs onto a second page, its header row repeated there.
    headed = [p for p in pages if "Representative" in p]
    assert len(headed) >= 2, "the roster's header row should repeat on its next page"
    # Pictures: each one the packet holds (7 of the 8: these hops have no "from ›
    # to" to draw), printed within the 6.0 x 9.0 in text area of a Letter page with
    # 1.25 in and 1 in margins (they were 6.3 in wide).
    shapes = docx.Document(docx_file).inline_shapes
    images = _images(pdf)
    assert len(images) == len(shapes) == 7
    assert all(w <= 6.0 + 0.02 and h <= 9.0 + 0.02 for w, h in images), images
    assert all(s._inline.docPr.get("descr") for s in shapes)  # each has alt text
    # Measured: 42 pages for 13 worksheets with every question and table answered
    # at length (a team that had typed almost nothing got 50 before).
    assert len(pages) <= 50


def _images(pdf: Path) -> list[tuple[float, float]]:
    """Each image's printed (width, height) in inches, from pdfimages' pixels and
    pixels per inch (its soft masks are the same image again)."""
    listing = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    sizes = []
    for line in listing:
        cols = line.split()
        if cols[2] == "image":
            width, height, x_ppi, y_ppi = map(float, (cols[3], cols[4], *cols[12:14]))
            sizes.append((width / x_ppi, height / y_ppi))
    return sizes


def test_packet_xlsx_prints_every_answer_and_table_on_few_pages(
    tmp_path: Path,
) -> None:
    _need("pdftotext")
    answers, sheets = _Answers(), content.worksheets()
    xlsx = tmp_path / "packet.xlsx"
    xlsx.write_bytes(packet.packet_xlsx(sheets, "Long Answers", answers.by_sheet))
    [pdf] = wordfile.to_pdf([xlsx], tmp_path)
    pages = _pages(pdf)
    every = _flat(" ".join(pages))
    # A row too short for its text is cut off in the PDF: its last words go missing
    # (all 86 did with 15-pt rows).
    assert [m for m in answers.markers if m not in every] == []
    # Every page carries its sheet's header row: the contents, a table's first
    # column, or the long form's.
    firsts = {"Sheet", "Question"} | {
        t.columns[0].split()[0] for ws in sheets for t in export.tables(ws)
    }
    assert all(any(f in p for f in firsts) for p in pages)
    # Measured: 62 pages, 37 of them one per table sheet (all filled), 2 for the
    # contents and 23 for every question (86 answers of 40-70 words). Before, with
    # 13 next-steps sheets and each table's cells in one answer cell: 36.
    tables = sum(len(export.tables(ws)) for ws in sheets)
    assert len(pages) <= tables + 28
