"""Turn a team's answers into files: CSV, XLSX and Markdown (pure functions, bytes out)."""

from __future__ import annotations

import csv
import io
import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .answerrows import (
    ANSWER_COLUMNS,
    Rows,
    action_rows,
    answer_rows,
    answer_text,
    table_grid,
    tables,
)
from .schema import Table, Worksheet
from .teams import file_slug

# Spreadsheet programs run a cell starting with these as a formula (OWASP's list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# XML 1.0 cannot hold C0 controls other than tab, LF and CR, lone surrogates, or
# U+FFFE/U+FFFF; openpyxl and python-docx refuse to write them (issue 10).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_char(match: re.Match[str]) -> str:
    # A vertical tab is PowerPoint's line break and a form feed Word's page break:
    # both arrive in pasted text and mean "new line". A lone surrogate stands for a
    # character that was lost on the way. Anything else is noise.
    char = match.group()
    if char in "\x0b\x0c":
        return "\n"
    return "\ufffd" if "\ud800" <= char <= "\udfff" else ""


def xml_text(text: str) -> str:
    """Team text that an XLSX or DOCX file can hold (the store keeps it as typed)."""
    return _NOT_XML.sub(_xml_char, text)


def safe_cell(text: str) -> str:
    """Team text as a spreadsheet shows it, never as a formula it would run."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """CSV that Excel opens with the right characters (UTF-8 with BOM)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in columns])
    writer.writerows([safe_cell(str(c)) for c in row] for row in rows)
    return utf8("\ufeff" + buf.getvalue())


def utf8(text: str) -> bytes:
    """A text file's bytes; a lone surrogate (half of a character lost on the way)
    becomes "?" instead of failing the whole download."""
    return text.encode("utf-8", "replace")


# Column widths are in characters of the default font (Calibri 11, which LibreOffice
# shows as the metric-compatible Carlito); a row is 15 pt per line of that font.
_MIN_WIDTH, _MAX_WIDTH = 10, 60
# What a landscape A4 or Letter page holds across at full size: wider sheets are
# narrowed (their longest columns first) instead of printed in tiny type.
_PAGE_WIDTH = 140
_LINE_PT = 15.0
# Excel's tallest row; text past it stays in the cell but needs the row opened up.
_MAX_ROW_PT = 409.0
_MAX_LINES = int(_MAX_ROW_PT // _LINE_PT) + 1  # enough to fill the tallest row


def to_xlsx(sheets: dict[str, tuple[Sequence[str], Rows]]) -> bytes:
    """One workbook, a sheet per entry, every cell text as typed (never a formula),
    laid out to be read on screen and printed: columns as wide as their text, rows
    as tall as their wrapped text, the header bold, frozen and on every page."""
    from openpyxl import Workbook  # only pages that export pay for openpyxl

    book = Workbook()
    book.remove(book.active)
    for name, (columns, rows) in zip(sheet_names(sheets), sheets.values(), strict=True):
        sheet = book.create_sheet(name)
        given = [list(columns), *rows]
        table = [[xml_text(str(t)) for t in row] for row in given]
        widths = _column_widths(table)
        _write_cells(sheet, given, table)
        for c, width in enumerate(widths, start=1):
            sheet.column_dimensions[sheet.cell(1, c).column_letter].width = width
        for r, row in enumerate(table, start=1):
            # A row may be shorter than the widest row of its sheet.
            fits = zip(row, widths, strict=False)
            lines = max((_line_count(t, w) for t, w in fits), default=1)
            sheet.row_dimensions[r].height = min(lines * _LINE_PT, _MAX_ROW_PT)
        _print_setup(sheet)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _write_cells(sheet: Any, given: Rows, table: list[list[str]]) -> None:
    """Write the sheet's cells: ``table`` is ``given`` as XML-safe text."""
    from openpyxl.styles import Alignment, Font

    wrap, bold = Alignment(wrap_text=True, vertical="top"), Font(bold=True)
    for r, (values, row) in enumerate(zip(given, table, strict=True), start=1):
        for c, (value, text) in enumerate(zip(values, row, strict=True), start=1):
            cell = sheet.cell(row=r, column=c)
            cell.alignment = wrap
            if isinstance(value, int):
                cell.value = value  # a number, never text that could run
                continue
            cell.value = text
            # openpyxl makes "=..." a formula; an XLSX string cell shows the text
            # as typed and never runs. The quote-prefix flag (shown nowhere in the
            # cell) keeps it text when someone edits it in Excel or Calc; a CSV
            # cannot say "text", so to_csv adds a visible "'" instead.
            cell.data_type = "s"
            if text.startswith(_FORMULA_START):
                cell.quotePrefix = True
            if r == 1:
                cell.font = bold


def _column_widths(table: list[list[str]]) -> list[float]:
    """Each column as wide as its longest line, within bounds (a long answer wraps)."""
    width = [0] * max((len(row) for row in table), default=0)
    for row in table:
        for c, text in enumerate(row):
            longest = max((_text_width(line) for line in text.split("\n")), default=0)
            width[c] = max(width[c], longest)
    # Bold header text and the cell's padding take about two characters more.
    width = [min(max(w + 2, _MIN_WIDTH), _MAX_WIDTH) for w in width]
    cap = max(width, default=0)
    while sum(min(w, cap) for w in width) > _PAGE_WIDTH and cap > _MIN_WIDTH:
        cap -= 1
    return [float(min(w, cap)) for w in width]


# Characters two columns wide (CJK, Hangul, full-width forms, emoji).
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60"
    "\uffe0-\uffe6\U0001f300-\U0001faff\U00020000-\U0003fffd]"
)


def _text_width(text: str) -> int:
    return len(text) + len(_WIDE.findall(text))


def _line_count(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide, as a
    spreadsheet breaks it at spaces. LibreOffice and Excel do not fit row heights
    to wrapped text when they open a file, so the file has to say them."""
    # A width unit is one digit "0"; running text averages narrower (measured: 1.3
    # letters a unit in LibreOffice with DejaVu Sans, which is wider than Calibri),
    # so 1.2 leaves room for capitals and bold without hiding a line.
    chars = max(int(width * 1.2) - 2, 1)
    lines = 0
    for paragraph in text.split("\n"):
        # Past the tallest row the count no longer matters: a 100,000-character
        # answer is only wrapped as far as a row can show.
        paragraph = paragraph[: chars * (_MAX_LINES + 1)]
        if _WIDE.search(paragraph):  # no spaces to break at, two units a character
            lines += max(-(-_text_width(paragraph) // chars), 1)
        else:
            lines += len(textwrap.wrap(paragraph, chars, break_on_hyphens=False)) or 1
        if lines >= _MAX_LINES:
            return _MAX_LINES
    return max(lines, 1)


def _print_setup(sheet: Any) -> None:
    """Landscape, every column on one page across, as many pages down as the rows
    need, the header row on each, gridlines printed so a cell's text stays its own."""
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_options.gridLines = True


_SHEET_NAME_MAX = 31


def sheet_names(names: Iterable[str]) -> list[str]:
    """The sheet tabs ``to_xlsx`` makes of these names: short, valid and unique (a
    name that already is one stays as it is)."""
    used: set[str] = set()
    return [_sheet_title(name, used) for name in names]


def _sheet_title(name: str, used: set[str]) -> str:
    # Excel forbids []:*?/\ and a leading or trailing apostrophe in sheet names and
    # cuts them at 31 characters; a sheet tab is one line. A cut falls between words.
    words = re.sub(r"[\[\]:*?/\\]", " ", xml_text(name)).split()
    base = _cut_at_word(" ".join(words), _SHEET_NAME_MAX) or "Sheet"
    title, n = base, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = _cut_at_word(base, _SHEET_NAME_MAX - len(suffix)) + suffix, n + 1
    used.add(title.lower())
    return title


def _cut_at_word(text: str, limit: int) -> str:
    text = text.strip(" '")
    if len(text) > limit:
        head = text[: limit + 1]
        cut = head.rsplit(" ", 1)[0] if " " in head else ""
        # One long word (or a first word past half the room) is cut where it must be.
        text = cut if len(cut) > limit // 2 else text[:limit]
    return text.strip(" '")


# Backslash-escaped so that no bracket in team text can open a link, an image or a
# reference ("[x](javascript:...)", "![x](http://host/beacon)", "[x]: url"), no "<"
# an autolink or HTML ("<http://...>", "<script>") and no "&" an entity. Only those:
# "café owners & chefs" and "LPN->RN" read as typed in the file itself.
_MD_SYNTAX = re.compile(r"[\\\[\]]|<(?=[A-Za-z/!?])|&(?=#?\w+;)")


def _md_escape(text: str) -> str:
    return _MD_SYNTAX.sub(lambda m: "\\" + m.group(0), text)


def md_text(text: str) -> str:
    """Team text safe inside Markdown, also when a viewer renders it as HTML: shown
    as typed, never as markup, a link or an image."""
    return _md_escape(text).replace("\n", "  \n")


def md_cell(text: str) -> str:
    return _md_escape(text).replace("|", "\\|").replace("\n", "<br>")


def md_table(columns: Sequence[str], rows: Rows) -> str:
    lines = [
        "| " + " | ".join(md_cell(c) for c in columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    lines += ["| " + " | ".join(md_cell(str(c)) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def to_markdown(
    ws: Worksheet, team: str, answers: dict[str, Any], level: int = 1
) -> str:
    """The worksheet as the team filled it in: questions, answers, next steps.
    ``level`` is the heading depth of the title (2 inside a team packet)."""
    h1, h2 = "#" * level, "#" * (level + 1)
    out = [f"{h1} {md_text(ws.title)}", "", f"Team: {md_text(team)}", ""]
    out += [f"Source: {md_text(ws.source.document)}, {md_text(ws.source.section)}", ""]
    for section in ws.sections:
        if not section.questions:
            continue
        out += [f"{h2} {md_text(section.title)}", ""]
        for q in section.questions:
            out += [f"**{md_text(q.text)}**", "", _md_answer(q, answers), ""]
    out += _picture_notes(ws, answers, h2)
    columns, rows = action_rows(ws, answers)
    out += [f"{h2} {md_text(ws.action_table.title)}", "", md_table(columns, rows), ""]
    return "\n".join(out)


def _md_answer(q: Any, answers: dict[str, Any]) -> str:
    value = answers.get(q.id)
    if isinstance(q, Table):
        return md_table(*table_grid(q, answers)) if q.is_answered(value) else _NONE_MD
    return md_text(answer_text(q, value)) or _NONE_MD


_NONE_MD = "_(no answer)_"


def _picture_notes(ws: Worksheet, answers: dict[str, Any], h2: str) -> list[str]:
    """What each picture shows, in words (the images are PNG downloads and in the Word
    packet; a Markdown file stays one self-contained text)."""
    if not ws.pictures():
        return []
    from .pictures import drawings  # altair only where pictures are

    out = []
    for picture, shown in drawings(ws, answers):
        out += [f"{h2} {md_text(picture.title)}", ""]
        out += [f"- {md_text(f)}" for f in shown.findings] or ["_(nothing stands out)_"]
        out.append("")
    return out


def table_label(table: Table) -> str:
    """A table's short name for a sheet tab, from its id ("Next steps", "Roster")."""
    return table.id.replace("_", " ").capitalize()


def table_sheet_name(ws: Worksheet, table: Table) -> str:
    """The sheet tab of a table in a file of many worksheets: the worksheet's short
    title, cut between words to leave room, then the table ("Step 1 Roster")."""
    label = table_label(table)
    head = _cut_at_word(ws.short, _SHEET_NAME_MAX - len(label) - 1)
    if head != ws.short:  # cut: end at a comma or a word that ends a phrase
        head = head.rsplit(",", 1)[0] if "," in head else head
        words = head.split()
        while len(words) > 1 and words[-1].lower() in _JOINING_WORDS:
            words.pop()
        head = " ".join(words)
    return f"{head} {label}".strip()


_JOINING_WORDS = frozenset({"a", "an", "and", "&", "of", "the", "to", "for", "in"})


def _xlsx(ws: Worksheet, team: str, answers: dict[str, Any]) -> bytes:
    """A sheet per table with the table's own columns, then every answer."""
    grids = {table_label(t): table_grid(t, answers) for t in tables(ws)}
    return to_xlsx(grids | {"Answers": (ANSWER_COLUMNS, answer_rows(ws, answers))})


@dataclass(frozen=True)
class Download:
    """One file a worksheet page offers: what the button says and how to build it."""

    label: str
    suffix: str
    mime: str
    build: Callable[[Worksheet, str, dict[str, Any]], bytes]

    def filename(self, ws: Worksheet, team: str) -> str:
        return f"{ws.id}-{file_slug(team)}-{self.suffix}"


DOWNLOADS = (
    Download(
        "Next steps (CSV)",
        "next-steps.csv",
        "text/csv",
        lambda ws, team, a: to_csv(*action_rows(ws, a)),
    ),
    Download(
        "All answers (CSV)",
        "answers.csv",
        "text/csv",
        lambda ws, team, a: to_csv(ANSWER_COLUMNS, answer_rows(ws, a)),
    ),
    Download(
        "Excel workbook (XLSX)",
        "worksheet.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _xlsx,
    ),
    Download(
        "Markdown",
        "worksheet.md",
        "text/markdown",
        lambda ws, team, a: utf8(to_markdown(ws, team, a)),
    ),
)
