"""Tests for sectorwb.export: files a spreadsheet opens safely and Markdown that
cannot inject HTML."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from sectorwb import content, export
from sectorwb.schema import Worksheet

DATA = Path(__file__).parent / "data"
FORMULA = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture(autouse=True)
def _fresh_content(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(content.EXTRA_DIR_ENV, raising=False)
    content._all.cache_clear()
    yield
    content._all.cache_clear()


@pytest.fixture
def launch() -> Worksheet:
    return content.get("preparing_to_launch")


@pytest.fixture
def all_kinds() -> Worksheet:
    return content.load_file(DATA / "all_kinds.yaml")


def _read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# -- spreadsheet safety -----------------------------------------------------------------
@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_safe_cell_prefixes_formula_starts(start: str) -> None:
    text = start + "SUM(A1:A2)"
    assert export.safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["", "Plain text", "a=b", "Call +1 555", "email@example.org", " =x", "'"]
)
def test_safe_cell_leaves_ordinary_text(text: str) -> None:
    assert export.safe_cell(text) == text


def test_csv_has_bom_and_parses_back() -> None:
    columns = ["Action", "Who's committed"]
    rows = [
        ["Call Ana, then Bob", 'She said "yes"'],
        [FORMULA, "line one\nline two"],
        ["Équipe 🚀", "-5"],
    ]
    data = export.to_csv(columns, rows)
    assert data[:3] == b"\xef\xbb\xbf"
    parsed = _read_csv(data)
    assert parsed[0] == columns
    assert parsed[1] == rows[0]
    assert parsed[2] == ["'" + FORMULA, "line one\nline two"]
    assert parsed[3] == ["Équipe 🚀", "'-5"]
    assert len(parsed) == 4


def test_csv_header_is_made_safe_too() -> None:
    parsed = _read_csv(export.to_csv(["=cmd", "ok"], []))
    assert parsed == [["'=cmd", "ok"]]


def test_xlsx_stores_formula_text_as_a_string() -> None:
    data = export.to_xlsx(
        {"Next steps": (["Action", "Timeline"], [[FORMULA, "+1 week"], ["Call", ""]])}
    )
    book = load_workbook(io.BytesIO(data))
    sheet = book["Next steps"]
    assert [c.value for c in sheet[1]] == ["Action", "Timeline"]
    # Text cells hold exactly what was typed: no "'" shows, nothing runs; the
    # quote-prefix flag keeps them text when someone edits them.
    formula_cell = sheet["A2"]
    assert formula_cell.data_type == "s"
    assert formula_cell.value == FORMULA
    assert formula_cell.quotePrefix
    assert sheet["B2"].data_type == "s"
    assert sheet["B2"].value == "+1 week"
    assert sheet["B2"].quotePrefix
    assert sheet["A3"].value == "Call"
    assert not sheet["A3"].quotePrefix
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_xlsx_sheet_names_are_sanitised_and_unique() -> None:
    long_name = "A very long sheet name that Excel would refuse"
    sheets = {
        "Next steps": (["A"], [["1"]]),
        "next steps": (["A"], [["2"]]),
        "What? [draft]: a/b\\c*": (["A"], [["3"]]),
        long_name: (["A"], [["4"]]),
        long_name + " again": (["A"], [["5"]]),
        "///": (["A"], [["6"]]),
        "Step 1: Build your Regional Support Team": (["A"], [["7"]]),
        "Supercalifragilisticexpialidocious-and-more": (["A"], [["8"]]),
    }
    book = load_workbook(io.BytesIO(export.to_xlsx(sheets)))
    names = book.sheetnames
    assert len(names) == len(sheets)
    assert len({n.lower() for n in names}) == len(names)
    for name in names:
        assert 0 < len(name) <= 31
        assert not set(name) & set("[]:*?/\\")
        assert "  " not in name and name == name.strip()
    assert names[0] == "Next steps"
    assert names[1] == "next steps (2)"
    # Cut between words, where ":" was a space is one space.
    assert names[2] == "What draft a b c"
    assert names[3:5] == [
        "A very long sheet name that",
        "A very long sheet name that (2)",
    ]
    assert names[6] == "Step 1 Build your Regional"
    assert names[7] == "Supercalifragilisticexpialidocious-and-more"[:31]  # one word
    # Each sheet kept its own content, in order.
    assert [book[n]["A2"].value for n in names] == [str(i) for i in range(1, 9)]


# -- Markdown ---------------------------------------------------------------------------
def test_markdown_escapes_html_and_table_pipes(launch: Worksheet) -> None:
    table = launch.action_table.as_question()
    rows = table.empty()
    rows[0]["Timeline"] = "May | June"
    rows[1]["Action"] = "<script>alert(1)</script>"
    answers: dict[str, Any] = {
        table.id: rows,
        "target_sector": "<script>alert('x')</script>",
    }
    md = export.to_markdown(launch, "<b>Team</b>", answers)
    # Every "<" of a tag is escaped, so no renderer sees HTML.
    assert "<" not in md.replace("\\<", "").replace("<br>", "")
    assert "\\<script>alert('x')\\</script>" in md
    assert "Team: \\<b>Team\\</b>" in md
    rendered = _rendered(md)
    assert "<script>" not in rendered and "&lt;script&gt;alert(1)" in rendered
    assert "May \\| June" in md
    table_lines = [line for line in md.splitlines() if line.startswith("| ")]
    # Header plus every kept row, each with exactly one cell per column.
    columns, kept = export.action_rows(launch, answers)
    assert len(table_lines) == 1 + len(kept)
    for line in table_lines:
        unescaped_pipes = line.replace("\\|", "").count("|")
        assert unescaped_pipes == len(columns) + 1


def test_markdown_lists_every_question_and_marks_unanswered(launch: Worksheet) -> None:
    md = export.to_markdown(launch, "Alpha", {"target_sector": "Health care"})
    assert md.startswith(f"# {launch.title}\n")
    for section in launch.sections:
        assert f"## {section.title}" in md
    assert "Health care" in md
    unanswered = len([q for s in launch.sections for q in s.questions]) - 1
    assert md.count("_(no answer)_") == unanswered
    assert launch.source.section in md


def test_md_cell_keeps_multiline_in_one_cell() -> None:
    assert export.md_cell("a\nb|c") == "a<br>b\\|c"


# -- rows and answer text ---------------------------------------------------------------
def test_action_rows_keep_presets_and_drop_empty_rows(launch: Worksheet) -> None:
    columns, rows = export.action_rows(launch, {})
    assert columns == launch.action_table.columns
    assert [r[0] for r in rows] == launch.action_table.preset
    assert all(r[1:] == ["", ""] for r in rows)

    value = launch.action_table.as_question().empty()
    value[0]["Timeline"] = "This week"
    value[-1]["Action"] = "4. Book a room"
    value.append({"Action": " ", "Timeline": "", "Who's Committed?": ""})
    columns, rows = export.action_rows(launch, {"next_steps": value})
    assert rows[0] == [launch.action_table.preset[0], "This week", ""]
    assert rows[-1] == ["4. Book a room", "", ""]
    assert len(rows) == len(launch.action_table.preset) + 1


def test_action_rows_when_team_cleared_a_preset(launch: Worksheet) -> None:
    value = launch.action_table.as_question().empty()
    value[0]["Action"] = ""
    _, rows = export.action_rows(launch, {"next_steps": value})
    assert [r[0] for r in rows] == launch.action_table.preset[1:]


@pytest.mark.parametrize(
    ("qid", "value", "text"),
    [
        ("name", "Alpha", "Alpha"),
        ("name", "", ""),
        ("name", None, ""),
        ("story", "Line 1\nLine 2", "Line 1\nLine 2"),
        ("ready", {"answer": "Yes", "notes": "All agreed"}, "Yes — All agreed"),
        ("ready", {"answer": "No", "notes": ""}, "No"),
        ("ready", {"answer": None, "notes": "Ask Ana"}, "Ask Ana"),
        ("ready", {"answer": None, "notes": ""}, ""),
        ("pick", "Green", "Green"),
        ("pick", None, ""),
        ("many", ["Health", "Energy"], "Health\nEnergy"),
        ("many", [], ""),
        ("when", "2024-06-01", "2024-06-01"),
        ("items", ["College", "Chamber"], "College\nChamber"),
        (
            "grid",
            [
                {"Role": "Chair", "Person": "Ana"},
                {"Role": "", "Person": ""},
                {"Role": "", "Person": "Bob"},
            ],
            "Role: Chair; Person: Ana\nPerson: Bob",
        ),
        ("grid", [{"Role": "Chair", "Person": ""}], "Role: Chair"),
    ],
)
def test_answer_text_per_kind(
    all_kinds: Worksheet, qid: str, value: Any, text: str
) -> None:
    question = next(q for q in all_kinds.questions() if q.id == qid)
    assert export.answer_text(question, value) == text


def test_answer_rows_cover_every_question_in_order(all_kinds: Worksheet) -> None:
    rows = export.answer_rows(all_kinds, {"pick": "Blue"})
    questions = [q for s in all_kinds.sections for q in s.questions]
    actions = all_kinds.action_table.title
    assert [r[1] for r in rows] == [q.text for q in questions] + [actions]
    assert rows[0][0] == all_kinds.sections[0].title
    assert rows[-1][0] == actions
    assert all(len(r) == len(export.ANSWER_COLUMNS) for r in rows)
    assert [r[-1] for r in rows if r[-1]] == ["Blue"]


def test_a_table_answer_is_a_line_per_typed_cell(all_kinds: Worksheet) -> None:
    grid = [
        {"Role": "Chair", "Person": "Ana; Bo: both"},  # the preset row, typed in
        {"Role": "", "Person": ""},
        {"Role": "Host", "Person": "=1+1"},
    ]
    rows = export.answer_rows(all_kinds, {"grid": grid})
    lines = [r[2:] for r in rows if r[1] == "Who does what?"]
    # Row numbers are the page's (the blank second row is skipped), and a "; " or
    # ": " in a value stays inside its own cell.
    assert lines == [
        [1, "Role", "Chair"],
        [1, "Person", "Ana; Bo: both"],
        [3, "Role", "Host"],
        [3, "Person", "=1+1"],
    ]
    # A table holding only the manual's preset rows has one empty line, as any
    # unanswered question.
    untouched = export.answer_rows(all_kinds, {"grid": [{"Role": "Chair"}]})
    assert [r[2:] for r in untouched if r[1] == "Who does what?"] == [["", "", ""]]
    csv_rows = _read_csv(export.to_csv(export.ANSWER_COLUMNS, rows))
    assert csv_rows[0] == ["Section", "Question", "Row", "Column", "Answer"]
    assert ["3", "Person", "'=1+1"] in [r[2:] for r in csv_rows]


def test_xlsx_has_a_sheet_per_table_with_its_own_columns(all_kinds: Worksheet) -> None:
    grid = [{"Role": "Chair", "Person": "Ana"}, {"Role": "Host", "Person": "=1+1"}]
    data = export.DOWNLOADS[2].build(all_kinds, "Alpha", {"grid": grid})
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Grid", "Next steps", "Answers"]
    rows = list(book["Grid"].iter_rows(values_only=True))
    assert rows == [("Role", "Person"), ("Chair", "Ana"), ("Host", "=1+1")]
    assert book["Grid"]["B3"].data_type == "s"  # text as typed, never a formula
    every = list(book["Answers"].iter_rows(values_only=True))
    assert every[0] == tuple(export.ANSWER_COLUMNS)
    assert ("Who does what?", 2, "Person", "=1+1") in [r[1:] for r in every]
    # The row number is a number (sorting puts row 10 after row 9), the rest text.
    cells = [c for r in book["Answers"].iter_rows(min_row=2) for c in r if c.value]
    assert {c.column_letter for c in cells if c.data_type == "n"} == {"C"}


# -- downloads --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "spec", export.DOWNLOADS, ids=[d.suffix for d in export.DOWNLOADS]
)
@pytest.mark.parametrize("team", ["Alpha", "a/b", "日本", "../etc"])
def test_every_download_builds_bytes_and_a_safe_filename(
    launch: Worksheet, spec: export.Download, team: str
) -> None:
    answers = {"target_sector": FORMULA, "sectors_agreed": {"answer": "Yes"}}
    data = spec.build(launch, team, answers)
    assert isinstance(data, bytes) and len(data) > 0
    name = spec.filename(launch, team)
    assert "/" not in name and "\\" not in name
    assert name.isascii()
    assert name.startswith(launch.id + "-")
    assert name.endswith(spec.suffix)
    assert not name.startswith(".")
    if spec.suffix.endswith(".xlsx"):
        book = load_workbook(io.BytesIO(data))
        assert book.sheetnames == [
            "Business chairs",
            "Invitees",
            "Next steps",
            "Answers",
        ]
        answers_sheet = book["Answers"]
        values = [c.value for row in answers_sheet.iter_rows() for c in row]
        assert FORMULA in values
    elif spec.suffix.endswith(".csv"):
        assert _read_csv(data)
    else:
        assert data.decode("utf-8").startswith("# ")


def test_download_filename_uses_the_team_slug(launch: Worksheet) -> None:
    spec = export.DOWNLOADS[0]
    assert spec.filename(launch, "a/b") == f"{launch.id}-a-b-{spec.suffix}"
    assert spec.filename(launch, "日本") == f"{launch.id}-team-{spec.suffix}"


def test_next_steps_csv_matches_action_rows(launch: Worksheet) -> None:
    spec = next(d for d in export.DOWNLOADS if d.suffix == "next-steps.csv")
    parsed = _read_csv(spec.build(launch, "Alpha", {}))
    assert parsed[0] == launch.action_table.columns
    assert [r[0] for r in parsed[1:]] == launch.action_table.preset


# -- pasted control characters --------------------------------------------------------
# What a slide deck or a Word page pastes: PowerPoint's line break (vertical tab), a
# NUL, Word's page break (form feed), and an emoji that must survive all of it.
PASTED = "Slide one\x0bSlide two\x00 done\x0cnext page 🚀"
AS_XML = "Slide one\nSlide two done\nnext page 🚀"


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        (PASTED, AS_XML),
        ("tab\tLF\nCR\r kept", "tab\tLF\nCR\r kept"),
        ("".join(map(chr, range(0x20))), "\t\n\n\n\r"),
        ("half \ud83d of an emoji", "half \ufffd of an emoji"),
        ("not \ufffe a \uffff character", "not  a  character"),
        ("Équipe 🚀 日本", "Équipe 🚀 日本"),
    ],
    ids=["pasted", "kept", "every-c0", "lone-surrogate", "non-characters", "unicode"],
)
def test_xml_text_keeps_only_what_xml_can_hold(text: str, cleaned: str) -> None:
    assert export.xml_text(text) == cleaned


def test_xlsx_holds_pasted_control_characters() -> None:
    data = export.to_xlsx(
        {"Sheet\x0b one": (["Action\x00"], [[PASTED], ["\x00=1+2"], ["\ud800"]])}
    )
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Sheet one"]
    sheet = book.active
    assert [c.value for c in sheet["A"]] == ["Action", AS_XML, "=1+2", "\ufffd"]


def test_csv_keeps_pasted_text_as_typed() -> None:
    parsed = _read_csv(export.to_csv(["Action"], [[PASTED], ["\ud800 lost"]]))
    assert parsed == [["Action"], [PASTED], ["? lost"]]


def _pasted_answers(ws: Worksheet) -> dict[str, Any]:
    table = ws.action_table.as_question()
    rows = table.empty()
    rows[0][table.columns[1]] = PASTED
    return {"target_sector": PASTED, table.id: rows}


@pytest.mark.parametrize(
    "spec", export.DOWNLOADS, ids=[d.suffix for d in export.DOWNLOADS]
)
def test_every_download_holds_pasted_control_characters(
    launch: Worksheet, spec: export.Download
) -> None:
    data = spec.build(launch, "Alpha", _pasted_answers(launch))
    if spec.suffix.endswith(".xlsx"):
        book = load_workbook(io.BytesIO(data))
        cells = [
            c for s in book.worksheets for r in s.iter_rows(values_only=True) for c in r
        ]
        # The answer, and the table's cell in its sheet and in the long form.
        assert cells.count(AS_XML) == 3
    elif spec.suffix.endswith(".csv"):
        assert PASTED in [c for row in _read_csv(data) for c in row]
    else:
        assert data.decode("utf-8").count(export.md_text(PASTED)) == 2


# -- Markdown links and images ----------------------------------------------------------
ATTACKS = [
    "[click me](javascript:alert(1))",
    "![pixel](http://host.example/beacon.png)",
    "<http://host.example/autolink>",
    "<javascript:alert(1)>",
    "[ref]\n\n[ref]: http://host.example/reference",
    "[also][r]\n\n[r]: javascript:alert(1)",
    "\\[escaped by the team](http://host.example/x)",
    "[x](<http://host.example/y>) & ![a](b 'title')",
]


def _rendered(markdown: str) -> str:
    mistune = pytest.importorskip("mistune")  # nbconvert's renderer, in every venv
    return mistune.create_markdown(escape=False, plugins=["table"])(markdown)


@pytest.mark.parametrize("typed", ATTACKS)
def test_markdown_shows_team_links_and_images_as_text(
    launch: Worksheet, typed: str
) -> None:
    import html

    table = launch.action_table.as_question()
    rows = table.empty()
    rows[0]["Timeline"] = typed
    md = export.to_markdown(launch, "Alpha", {"target_sector": typed, table.id: rows})
    rendered = _rendered(md)
    assert "<a " not in rendered and "<a>" not in rendered
    assert "<img" not in rendered
    # It reads as typed, in the answer and in the table's cell.
    first_line = html.escape(typed.split("\n")[0], quote=False)
    assert f"<p>{first_line}" in rendered
    assert f"<td>{first_line}" in rendered


def test_markdown_escapes_keep_plain_text_plain(launch: Worksheet) -> None:
    typed = "Call Ana (board) & Bob: 50% by 2025-06-01, LPN->RN, a < b, café owners"
    md = export.to_markdown(launch, "Alpha", {"target_sector": typed})
    assert typed in md  # nothing to escape: the file reads as typed
    entity = export.md_text("AT&amp;T &#169; <br>")
    assert entity == "AT\\&amp;T \\&#169; \\<br>"
    assert "<p>AT&amp;amp;T &amp;#169; &lt;br&gt;</p>" in _rendered(entity)
