"""Blank worksheets for paper: every question with room to write, as Word (or PDF)."""

from __future__ import annotations

from typing import Any

from .schema import (
    DateQ,
    MultiChoice,
    Section,
    SingleChoice,
    Table,
    Worksheet,
    YesNo,
)
from .wordfile import (
    DOCX_MIME,
    add_header_table,
    add_table,
    add_worksheet_heading,
    new_document,
    row_flag,
    to_bytes,
)

ALL_NAME = "blank-all-worksheets"
BOX = "☐"
LINE_STYLE = "Writing line"
# Lines of room to write, by kind; a list or a long text needs more than a name.
_LINES = {"short_text": 1, "long_text": 6, "list": 5, "yes_no": 3}
# On screen a team adds rows; on paper the rows printed are all there is.
MIN_BLANK_ROWS = 4


def filename(ws: Worksheet | None, suffix: str = "docx") -> str:
    """``blank-<id>.docx`` for one worksheet, ``blank-all-worksheets.docx`` for all."""
    return f"blank-{ws.id}.{suffix}" if ws else f"{ALL_NAME}.{suffix}"


def blank_docx(sheets: list[Worksheet]) -> bytes:
    """The worksheets as a Word file to print, each starting on a new page with its
    own footer (title and manual section)."""
    doc = new_document()
    _add_line_style(doc)
    for i, ws in enumerate(sheets):
        if i:
            from docx.enum.section import WD_SECTION

            doc.add_section(WD_SECTION.NEW_PAGE)
        _add_footer(doc.sections[-1], ws)
        _add_worksheet(doc, ws)
    return to_bytes(doc)


def blank_file(sheets: list[Worksheet]) -> tuple[str, str, bytes]:
    """The start page's download: every worksheet in one Word file."""
    return filename(None), DOCX_MIME, blank_docx(sheets)


def _add_worksheet(doc: Any, ws: Worksheet) -> None:
    add_worksheet_heading(doc, ws)
    doc.add_paragraph("Team: ______________________________    Date: ______________")
    if ws.intro:
        doc.add_paragraph(ws.intro)
    by_id = {q.id: q for q in ws.questions()}
    for section in ws.sections:
        _add_section(doc, section, by_id)
    actions = ws.action_table
    doc.add_heading(actions.title, level=2)
    if actions.intro:
        doc.add_paragraph(actions.intro)
    _add_blank_table(doc, actions.as_question())


def _add_section(doc: Any, section: Section, by_id: dict[str, Any]) -> None:
    doc.add_heading(section.title, level=2)
    if section.audience:
        doc.add_paragraph(f"For: {section.audience}").runs[0].italic = True
    if section.intro:
        doc.add_paragraph(section.intro)
    drawn = {p.source: p for p in section.pictures}
    for q in section.questions:
        _add_question(doc, q, by_id)
        if q.id in drawn:
            _add_sketch_box(doc, drawn[q.id].title)


def _add_question(doc: Any, q: Any, by_id: dict[str, Any]) -> None:
    doc.add_paragraph().add_run(q.text).bold = True
    if q.show_if:
        asked = " or ".join(f"“{_short(by_id[r].text)}”" for r in q.show_if.any_of)
        note = f"Answer this if the answer to {asked} is “{q.show_if.answer}”."
        doc.add_paragraph(note).runs[0].italic = True
    if q.help:
        doc.add_paragraph(q.help).runs[0].italic = True
    if isinstance(q, YesNo):
        doc.add_paragraph(f"{BOX} Yes    {BOX} No")
        doc.add_paragraph(f"{q.notes_label}:")
    elif isinstance(q, SingleChoice | MultiChoice):
        doc.add_paragraph("Tick one:" if isinstance(q, SingleChoice) else "Tick any:")
        for option in q.options:
            line = doc.add_paragraph(f"{BOX} {option}")
            about = getattr(q, "option_help", {}).get(option)
            if about:
                line.add_run(f" — {about}").italic = True
        return
    elif isinstance(q, DateQ):
        doc.add_paragraph("Date: ____________________")
        return
    elif isinstance(q, Table):
        _add_blank_table(doc, q)
        return
    _add_lines(doc, _LINES.get(q.kind, 2))


def _short(text: str, words: int = 10) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def _add_blank_table(doc: Any, q: Table) -> None:
    """The table's columns, the manual's preset rows, and empty rows to write in."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.shared import Inches, Pt

    width = len(q.columns)
    blank = [q.blank_placeholder] * q.blank_rows
    blank += [""] * max(0, MIN_BLANK_ROWS - q.blank_rows)
    rows = [[first] + [""] * (width - 1) for first in [*q.preset, *blank]]
    table = add_header_table(doc, q.columns, rows)
    # Many columns on a page's width: a smaller header keeps words whole.
    size = Pt(11 if width <= 4 else 8)
    for cell in table.rows[0].cells:
        for run in cell.paragraphs[0].runs:
            run.font.size = size
    for row in table.rows[1:]:
        row.height = Inches(0.45)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    for column, options in q.known().items():
        how = "one of" if column in q.column_options else "for example"
        doc.add_paragraph(f"{column}: {how} {'; '.join(options)}.").runs[
            0
        ].italic = True


def _add_sketch_box(doc: Any, title: str) -> None:
    """Room to draw what the screen draws from the table above (a journey map, ...)."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.shared import Inches

    row = add_table(doc, [f"Sketch: {title}"], []).rows[0]
    row_flag(row, "cantSplit")  # the box and its title stay on one page
    row.height = Inches(3.0)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def _add_lines(doc: Any, count: int) -> None:
    for _ in range(count):
        doc.add_paragraph(style=LINE_STYLE)


def _add_line_style(doc: Any) -> None:
    """Empty paragraphs ruled at the bottom: the lines of a paper form."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style = doc.styles.add_style(LINE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    borders = OxmlElement("w:pBdr")
    # "between" as well: Word and LibreOffice merge neighbouring paragraphs with the
    # same border into one box and would draw only the last line.
    for edge in ("bottom", "between"):
        line = OxmlElement(f"w:{edge}")
        for key, value in (("val", "single"), ("sz", "4"), ("space", "1")):
            line.set(qn(f"w:{key}"), value)
        line.set(qn("w:color"), "808080")
        borders.append(line)
    # Before any spacing is set, so the border comes first as the schema orders it.
    style.element.get_or_add_pPr().append(borders)
    style.paragraph_format.space_before = Pt(16)
    style.paragraph_format.space_after = Pt(0)


def _add_footer(section: Any, ws: Worksheet) -> None:
    from docx.shared import Pt

    section.footer.is_linked_to_previous = False
    para = section.footer.paragraphs[0]
    para.text = f"{ws.title} — {ws.source.section}"
    for run in para.runs:
        run.font.size = Pt(8)
