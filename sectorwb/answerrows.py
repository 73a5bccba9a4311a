"""A team's answers as rows: table rows and grids, and the long form every file shares."""

from __future__ import annotations

from typing import Any

from .schema import Table, Worksheet, YesNo

# A cell is text, or a whole number (a table's row number) that a spreadsheet keeps
# as a number, so sorting by it puts row 10 after row 9.
Rows = list[list[str | int]]
# The long form: one line per answer, and one per filled cell of a table answer (its
# row on the page and its column), so a spreadsheet filter finds any cell.
ANSWER_COLUMNS = ["Section", "Question", "Row", "Column", "Answer"]


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


def table_rows(table: Table, value: Any) -> list[tuple[int, dict[str, str]]]:
    """The rows of a table answer holding any text: each with its number on the
    page (the first row is 1) and its text by column, in the table's order."""
    out = []
    for n, row in enumerate(value if isinstance(value, list) else [], start=1):
        if isinstance(row, dict):
            cells = {c: str(row.get(c, "") or "") for c in table.columns}
            if any(text.strip() for text in cells.values()):
                out.append((n, cells))
    return out


def table_grid(table: Table, answers: dict[str, Any]) -> tuple[list[str], Rows]:
    """A table answer as a grid: its columns and its non-empty rows (the manual's
    preset rows when the team has saved nothing, as the page shows them)."""
    value = answers.get(table.id) or table.empty()
    return table.columns, [
        list(cells.values()) for _, cells in table_rows(table, value)
    ]


def action_rows(ws: Worksheet, answers: dict[str, Any]) -> tuple[list[str], Rows]:
    """The next-steps table: its columns and its non-empty rows."""
    return table_grid(ws.action_table.as_question(), answers)


def tables(ws: Worksheet) -> list[Table]:
    """Every table question of the worksheet in page order, the next steps last."""
    return [q for q in ws.questions() if isinstance(q, Table)]


def question_places(ws: Worksheet) -> list[tuple[str, Any]]:
    """Every question with the title of its section, the next steps last (their own
    title as the section)."""
    actions = ws.action_table.as_question()
    places = [(s.title, q) for s in ws.sections for q in s.questions]
    return [*places, (actions.text, actions)]


def answer_lines(q: Any, value: Any) -> Rows:
    """One answer as [row, column, answer] lines: a line per filled cell of a table
    (a row holding only the manual's preset is the form, not the team's work), one
    line for any other answer, and one empty line for a table with nothing typed."""
    if not isinstance(q, Table):
        return [["", "", answer_text(q, value)]]
    lines = [
        [n, column, text]
        for n, cells in table_rows(q, value)
        if q.is_answered([cells])
        for column, text in cells.items()
        if text.strip()
    ]
    return lines or [["", "", ""]]


def answer_rows(ws: Worksheet, answers: dict[str, Any]) -> Rows:
    """Every question of the worksheet and its next steps with the team's answer in
    long form (``ANSWER_COLUMNS``; an unanswered question has an empty line)."""
    return [
        [section, q.text, *line]
        for section, q in question_places(ws)
        for line in answer_lines(q, answers.get(q.id))
    ]
