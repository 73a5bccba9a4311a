"""The team packet: every worksheet's answers and action table in one download."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .export import (
    ANSWER_COLUMNS,
    action_rows,
    answer_rows,
    md_text,
    to_markdown,
    to_xlsx,
    utf8,
    xml_text,
)
from .schema import Worksheet
from .teams import file_slug
from .wordfile import (
    DOCX_MIME,
    add_table,
    add_worksheet_heading,
    new_document,
    to_bytes,
)

Answers = dict[str, dict[str, Any]]  # worksheet id -> question id -> value


def packet_markdown(sheets: list[Worksheet], team: str, answers: Answers) -> str:
    """One Markdown document: a title, then each worksheet as a chapter."""
    today = dt.date.today().isoformat()
    out = [f"# Team packet: {md_text(team)}", "", f"Downloaded {today}.", ""]
    for ws in sheets:
        out.append(to_markdown(ws, team, answers.get(ws.id, {}), level=2))
    return "\n".join(out)


def packet_xlsx(sheets: list[Worksheet], team: str, answers: Answers) -> bytes:
    """A sheet per worksheet's action table, then one sheet with every answer."""
    tables = {ws.title: action_rows(ws, answers.get(ws.id, {})) for ws in sheets}
    every = [
        [ws.title, *row]
        for ws in sheets
        for row in answer_rows(ws, answers.get(ws.id, {}))
    ]
    return to_xlsx(tables | {"All answers": (["Worksheet", *ANSWER_COLUMNS], every)})


def packet_docx(sheets: list[Worksheet], team: str, answers: Answers) -> bytes:
    """A Word document: each worksheet's questions and answers, then its table.
    Every text goes through ``xml_text``: Word's XML cannot hold a pasted control
    character, and one would otherwise fail the whole packet."""
    doc = new_document()  # only the start page's packet download pays for python-docx
    doc.add_heading(xml_text(f"Team packet: {team}"), level=0)
    doc.add_paragraph(f"Downloaded {dt.date.today().isoformat()}.")
    for ws in sheets:
        ws_answers = answers.get(ws.id, {})
        add_worksheet_heading(doc, ws)
        section_title = None
        for section, question, answer in answer_rows(ws, ws_answers):
            if section != section_title:
                doc.add_heading(xml_text(section), level=2)
                section_title = section
            doc.add_paragraph().add_run(xml_text(question)).bold = True
            doc.add_paragraph(xml_text(answer) or "(no answer)")
        _add_pictures(doc, ws, ws_answers)
        doc.add_heading(xml_text(ws.action_table.title), level=2)
        add_table(doc, *action_rows(ws, ws_answers))
    return to_bytes(doc)


def _add_pictures(doc: Any, ws: Worksheet, answers: dict[str, Any]) -> None:
    """Each picture with something to show, as a PNG that fits the page, and its
    findings in words."""
    if not ws.pictures():
        return
    from docx.shared import Inches

    from .figures import png_size, to_png
    from .pictures import drawings

    for picture, shown in drawings(ws, answers):
        doc.add_heading(xml_text(picture.title), level=2)
        png = to_png(shown.chart)
        width, height = png_size(png)
        # A tall map (50 programs) fits the page height instead of the width.
        size = (
            {"height": Inches(8.0)}
            if height * 6.3 > width * 8.0
            else {"width": Inches(6.3)}
        )
        doc.add_picture(io.BytesIO(png), **size)
        for finding in shown.findings:
            doc.add_paragraph(xml_text(finding), style="List Bullet")


@dataclass(frozen=True)
class PacketDownload:
    label: str
    suffix: str
    mime: str
    build: Callable[[list[Worksheet], str, Answers], bytes]

    def filename(self, team: str) -> str:
        return f"team-packet-{file_slug(team)}.{self.suffix}"


PACKET_DOWNLOADS = (
    PacketDownload(
        "Team packet (Word)",
        "docx",
        DOCX_MIME,
        packet_docx,
    ),
    PacketDownload(
        "Team packet (Markdown)",
        "md",
        "text/markdown",
        lambda s, t, a: utf8(packet_markdown(s, t, a)),
    ),
    PacketDownload(
        "Action tables (Excel)",
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        packet_xlsx,
    ),
)
