"""Turn a team's answers into files: CSV, XLSX and Markdown (pure functions, bytes out)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .schema import Table, Worksheet, YesNo
from .teams import file_slug

Rows = list[list[str]]
ANSWER_COLUMNS = ["Section", "Question", "Answer"]
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


def answer_text(question: Any, value: Any) -> str:
    """A saved answer as plain text, the way a person would write it down."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(question, YesNo):
        value = value if isinstance(value, dict) else {}
        parts = [value.get("answer") or "", value.get("notes") or ""]
        return " — ".join(p for p in parts if p)
    if isinstance(question, Table):
        return "\n".join(
            "; ".join(f"{c}: {row.get(c, '')}" for c in question.columns if row.get(c))
            for row in value
            if isinstance(row, dict) and any(row.values())
        )
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def answer_rows(ws: Worksheet, answers: dict[str, Any]) -> Rows:
    """Every question of the worksheet with the team's answer (empty if none)."""
    return [
        [section.title, q.text, answer_text(q, answers.get(q.id))]
        for section in ws.sections
        for q in section.questions
    ]


def action_rows(ws: Worksheet, answers: dict[str, Any]) -> tuple[list[str], Rows]:
    """The next-steps table: its columns and its non-empty rows."""
    table = ws.action_table.as_question()
    value = answers.get(table.id) or table.empty()
    rows = [
        [str(row.get(c, "") or "") for c in table.columns]
        for row in value
        if isinstance(row, dict)
    ]
    return table.columns, [r for r in rows if any(cell.strip() for cell in r)]


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


def to_xlsx(sheets: dict[str, tuple[Sequence[str], Rows]]) -> bytes:
    """One workbook, a sheet per entry; every cell is written as text."""
    from openpyxl import Workbook  # only pages that export pay for openpyxl
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for name, (columns, rows) in sheets.items():
        sheet = book.create_sheet(_sheet_title(name, used))
        for r, row in enumerate([list(columns), *rows], start=1):
            for c, text in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c)
                cell.value = safe_cell(xml_text(str(text)))
                cell.data_type = "s"  # never a formula, whatever the text
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if r == 1:
                    cell.font = Font(bold=True)
        for c, _ in enumerate(columns, start=1):
            sheet.column_dimensions[sheet.cell(1, c).column_letter].width = 40
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _sheet_title(name: str, used: set[str]) -> str:
    # Excel forbids []:*?/\ and a leading or trailing apostrophe in sheet names; a
    # sheet tab is one line.
    base = (
        re.sub(r"[\[\]:*?/\\]", " ", " ".join(xml_text(name).split()))
        .strip(" '")[:31]
        .strip(" '")
        or "Sheet"
    )
    title, n = base, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


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
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
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
            answer = answer_text(q, answers.get(q.id))
            out += [
                f"**{md_text(q.text)}**",
                "",
                md_text(answer) or "_(no answer)_",
                "",
            ]
    out += _picture_notes(ws, answers, h2)
    columns, rows = action_rows(ws, answers)
    out += [f"{h2} {md_text(ws.action_table.title)}", "", md_table(columns, rows), ""]
    return "\n".join(out)


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


def _xlsx(ws: Worksheet, team: str, answers: dict[str, Any]) -> bytes:
    return to_xlsx(
        {
            "Next steps": action_rows(ws, answers),
            "Answers": (ANSWER_COLUMNS, answer_rows(ws, answers)),
        }
    )


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
