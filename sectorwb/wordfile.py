"""Pieces the Word files share (team packet, blank handouts): headings, tables, bytes.

Text goes through ``export.xml_text``: Word's XML cannot hold a pasted control
character, and one would otherwise fail the whole file."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from .export import xml_text
from .schema import Worksheet

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def new_document() -> Any:
    # python-docx only where a Word file is built (a page's download, the CLI).
    from docx import Document

    return Document()


def add_worksheet_heading(doc: Any, ws: Worksheet) -> None:
    """The worksheet's title and where in the manual it comes from."""
    doc.add_heading(xml_text(ws.title), level=1)
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


def to_bytes(doc: Any) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
