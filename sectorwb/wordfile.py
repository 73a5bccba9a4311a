"""Pieces the Word files share (team packet, blank handouts, team cards): headings,
tables, bytes, and PDF through headless LibreOffice.

Text goes through ``export.xml_text``: Word's XML cannot hold a pasted control
character, and one would otherwise fail the whole file."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import ConversionError
from .export import xml_text
from .schema import Worksheet

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"
PDF_TIMEOUT_S = 300
NO_LIBREOFFICE = (
    "PDF needs LibreOffice, which is not installed. Install it (Debian: sudo apt-get "
    "install -y libreoffice-writer) or print the .docx file instead."
)


def new_document() -> Any:
    # python-docx only where a Word file is built (a page's download, the CLI).
    from docx import Document

    return Document()


def add_worksheet_heading(doc: Any, ws: Worksheet, new_page: bool = False) -> None:
    """The worksheet's title (on a new page if asked) and where in the manual it
    comes from."""
    heading = doc.add_heading(xml_text(ws.title), level=1)
    if new_page:
        heading.paragraph_format.page_break_before = True
    doc.add_paragraph(xml_text(f"Source: {ws.source.document}, {ws.source.section}"))


def add_table(doc: Any, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Any:
    """A ruled table: a header row with the columns, then the rows."""
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, columns, strict=True):
        cell.text = xml_text(text)
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = xml_text(text)
    return table


def add_header_table(
    doc: Any, columns: Sequence[str], rows: Sequence[Sequence[str]]
) -> Any:
    """A ruled table whose header row is bold and repeats at the top of every page
    the table runs onto."""
    table = add_table(doc, columns, rows)
    row_flag(table.rows[0], "tblHeader")
    for cell in table.rows[0].cells:
        for run in cell.paragraphs[0].runs:
            run.bold = True
    return table


# A column's share of the page: first room for its longest word (so no word breaks
# where the page allows), then the rest by its longest text, counted up to this many
# characters (a long answer wraps anyway).
_FIT_CHARS = 30
# An average character of the body font, bold header words included, in ems; and
# the cell's padding, in characters.
_CHAR_EM, _PAD_CHARS = 0.6, 2


def fit_columns(table: Any, across: int, font_pt: float = 11) -> None:
    """Share ``across`` (EMU) between the table's columns by what they hold, so a
    column of names or dates is narrow and one of sentences wide (LibreOffice
    otherwise makes every column the same width and breaks words)."""
    char = font_pt * _CHAR_EM * 12700  # EMU
    need, want = [], []
    for column in table.columns:
        texts = [cell.text for cell in column.cells]
        words = [w for text in texts for w in text.split()] or [""]
        longest = max(len(line) for text in texts for line in text.split("\n"))
        need.append((max(map(len, words)) + _PAD_CHARS) * char)
        want.append(max((min(longest, _FIT_CHARS) + _PAD_CHARS) * char, need[-1]))
    spare = across - sum(need)
    if spare <= 0:  # words longer than the page allows: in proportion
        widths = [across * n / sum(need) for n in need]
    else:
        extra = [w - n for w, n in zip(want, need, strict=True)]
        total = sum(extra)
        widths = [
            n + spare * (e / total if total else 1 / len(need))
            for n, e in zip(need, extra, strict=True)
        ]
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = int(width)
        for cell in column.cells:
            cell.width = int(width)  # Word reads the cells, LibreOffice the grid


def text_area(doc: Any) -> tuple[int, int]:
    """The width and height (EMU) inside the margins of the document's last section:
    what a picture may fill."""
    section = doc.sections[-1]
    across = section.page_width - section.left_margin - section.right_margin
    return across, section.page_height - section.top_margin - section.bottom_margin


def row_flag(row: Any, flag: str) -> None:
    """Set a table row property such as ``cantSplit`` or ``tblHeader`` (python-docx
    has no API for them); before the row's height, as the schema orders them."""
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement(f"w:{flag}"))


def to_bytes(doc: Any) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def libreoffice() -> str | None:
    """The LibreOffice program that makes PDFs, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx_files: list[Path], out_dir: Path) -> list[Path]:
    """PDFs of Word files through LibreOffice headless (one start for all of them)."""
    soffice = libreoffice()
    if soffice is None:
        raise ConversionError(NO_LIBREOFFICE)
    pdfs = [out_dir / f"{f.stem}.pdf" for f in docx_files]
    for pdf in pdfs:
        pdf.unlink(missing_ok=True)  # an old PDF must not pass for a new one
    with tempfile.TemporaryDirectory() as profile:
        # Its own profile: a LibreOffice the trainer has open would take the job over.
        command = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            *map(str, docx_files),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=PDF_TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            done = None
    missing = [p.name for p in pdfs if not p.is_file()]
    if missing:
        said = done.stderr.strip() if done else f"no answer in {PDF_TIMEOUT_S} s"
        raise ConversionError(
            f"LibreOffice did not write {', '.join(missing)} ({said}). Close any "
            "LibreOffice window and try again, or print the .docx file instead."
        )
    return pdfs


def pdf_bytes(docx: bytes, stem: str = "document") -> bytes:
    """A Word file's bytes as a PDF's bytes (for a download; nothing is kept)."""
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / f"{stem}.docx"
        source.write_bytes(docx)
        return to_pdf([source], Path(work))[0].read_bytes()
