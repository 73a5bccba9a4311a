"""The team packet: the worksheets a team has started, their answers and tables, in
one download (Word, Markdown or Excel)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .answerrows import Rows, answer_text, question_places, table_grid, tables
from .export import (
    md_text,
    sheet_names,
    table_sheet_name,
    to_markdown,
    to_xlsx,
    utf8,
    xml_text,
)
from .schema import Table, Worksheet
from .teams import file_slug
from .wordfile import (
    DOCX_MIME,
    add_header_table,
    add_worksheet_heading,
    fit_columns,
    new_document,
    text_area,
    to_bytes,
)

Answers = dict[str, dict[str, Any]]  # worksheet id -> question id -> value
# Tables wider than this many columns get smaller type, so words stay whole.
_WIDE_TABLE = 4


def started(
    sheets: Sequence[Worksheet], answers: Answers
) -> tuple[list[Worksheet], list[Worksheet]]:
    """The worksheets with any answer, and those not started: an untouched worksheet
    in a packet is pages of "(no answer)" that hide what the team did."""
    begun, idle = [], []
    for ws in sheets:
        given = answers.get(ws.id, {})
        touched = any(q.is_answered(given.get(q.id)) for q in ws.questions())
        (begun if touched else idle).append(ws)
    return begun, idle


def not_started_line(idle: Sequence[Worksheet]) -> str:
    return "Not started yet: " + "; ".join(ws.title for ws in idle) + "."


def packet_markdown(sheets: list[Worksheet], team: str, answers: Answers) -> str:
    """One Markdown document: a title, then each started worksheet as a chapter."""
    today = dt.date.today().isoformat()
    out = [f"# Team packet: {md_text(team)}", "", f"Downloaded {today}.", ""]
    begun, idle = started(sheets, answers)
    if idle:
        out += [md_text(not_started_line(idle)), ""]
    for ws in begun:
        out.append(to_markdown(ws, team, answers.get(ws.id, {}), level=2))
    return "\n".join(out)


CONTENTS_COLUMNS = ["Sheet", "Worksheet", "Table"]


PACKET_ANSWER_COLUMNS = ["Worksheet", "Section", "Question", "Answer"]


def packet_xlsx(sheets: list[Worksheet], team: str, answers: Answers) -> bytes:
    """A contents sheet, a sheet per table the team filled in (with the table's own
    columns), then "All answers": every question the started worksheets ask and
    its answer, a table's answer naming its sheet (its cells once, not twice)."""
    begun, idle = started(sheets, answers)
    filled = [
        (ws, t)
        for ws in begun
        for t in tables(ws)
        if t.is_answered(answers[ws.id].get(t.id))
    ]
    names = sheet_names(["Contents", *(table_sheet_name(ws, t) for ws, t in filled)])
    named = list(zip(names[1:], filled, strict=True))
    sheet_of = {(ws.id, t.id): name for name, (ws, t) in named}
    every: Rows = []
    for ws in begun:
        given = answers[ws.id]
        shown = {q.id for q in ws.shown(given)}
        for section, q in question_places(ws):
            if not _in_packet(q, shown, given):
                continue
            if isinstance(q, Table):
                answer = f"On the sheet “{sheet_of[ws.id, q.id]}”."
            else:
                answer = answer_text(q, given.get(q.id))
            every.append([ws.title, section, q.text, answer])
    contents: Rows = [[name, ws.title, t.text] for name, (ws, t) in named]
    contents.append(["All answers", "Every worksheet started", "Every question"])
    if idle:
        contents.append(["", not_started_line(idle), ""])
    grids = {name: table_grid(t, answers[ws.id]) for name, (ws, t) in named}
    return to_xlsx(
        {names[0]: (CONTENTS_COLUMNS, contents)}
        | grids
        | {"All answers": (PACKET_ANSWER_COLUMNS, every)}
    )


def packet_docx(sheets: list[Worksheet], team: str, answers: Answers) -> bytes:
    """A Word document: each started worksheet on a new page, its questions and
    answers, its tables as tables, its pictures, its next steps. Every text goes
    through ``xml_text``: Word's XML cannot hold a pasted control character, and one
    would otherwise fail the whole packet."""
    doc = new_document()  # only the start page's packet download pays for python-docx
    doc.add_heading(xml_text(f"Team packet: {team}"), level=0)
    doc.add_paragraph(f"Downloaded {dt.date.today().isoformat()}.")
    begun, idle = started(sheets, answers)
    if idle:
        doc.add_paragraph(xml_text(not_started_line(idle)))
    for i, ws in enumerate(begun):
        given = answers[ws.id]
        add_worksheet_heading(doc, ws, new_page=i > 0)
        shown = {q.id for q in ws.shown(given)}
        for section in ws.sections:
            asked = [q for q in section.questions if _in_packet(q, shown, given)]
            if asked:
                doc.add_heading(xml_text(section.title), level=2)
            for q in asked:
                doc.add_paragraph().add_run(xml_text(q.text)).bold = True
                _add_answer(doc, q, given)
        _add_pictures(doc, ws, given)
        actions = ws.action_table.as_question()
        if _in_packet(actions, shown, given):
            doc.add_heading(xml_text(actions.text), level=2)
            _add_answer(doc, actions, given)
    return to_bytes(doc)


def _in_packet(q: Any, shown: set[str], answers: dict[str, Any]) -> bool:
    """A question the page asks, unless it is a table with nothing typed in it."""
    if q.id not in shown:
        return False
    return not isinstance(q, Table) or q.is_answered(answers.get(q.id))


def _add_answer(doc: Any, q: Any, answers: dict[str, Any]) -> None:
    if not isinstance(q, Table):
        doc.add_paragraph(xml_text(answer_text(q, answers.get(q.id))) or "(no answer)")
        return
    columns, rows = table_grid(q, answers)
    table = add_header_table(doc, columns, rows)
    size = 9 if len(columns) > _WIDE_TABLE else 11
    fit_columns(table, text_area(doc)[0], size)
    if size != 11:
        from docx.shared import Pt

        for row in table.rows:
            for cell in row.cells:
                for run in cell.paragraphs[0].runs:
                    run.font.size = Pt(size)
    doc.add_paragraph()  # a table followed by a heading would touch it


def _add_pictures(doc: Any, ws: Worksheet, answers: dict[str, Any]) -> None:
    """Each picture with something to show, as a PNG within the page's margins with
    its findings as alt text, and the findings in words under it."""
    if not ws.pictures():
        return
    from docx.shared import Emu

    from .figures import png_size, to_png
    from .pictures import drawings

    across, down = text_area(doc)
    down -= 914400  # an inch for the picture's heading above it
    for picture, shown in drawings(ws, answers):
        doc.add_heading(xml_text(picture.title), level=2)
        png = to_png(shown.chart)
        width, height = png_size(png)
        scale = min(across / width, down / height)  # a tall map fits the height
        doc.add_picture(io.BytesIO(png), width=Emu(int(width * scale)))
        described = [picture.title, *shown.findings]
        shape = doc.inline_shapes[-1]
        shape._inline.docPr.set("descr", xml_text(". ".join(described)))
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
        "Tables and answers (Excel)",
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        packet_xlsx,
    ),
)
