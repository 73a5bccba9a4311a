"""Blank handouts: every worksheet's questions with room to write, in Word and PDF."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.section import WD_SECTION
from docx.oxml.ns import qn
from playwright.sync_api import expect

from sectorwb import cli, content, handouts
from sectorwb.schema import MultiChoice, SingleChoice, Table, YesNo

SHEETS = content.worksheets()
START = "00_start_here.ipynb"
YES_NO_LINE = f"{handouts.BOX} Yes    {handouts.BOX} No"


def _open(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


def _paragraphs(doc: Any) -> list[str]:
    return [p.text for p in doc.paragraphs]


def _header_rows(doc: Any) -> list[list[str]]:
    return [[c.text for c in t.rows[0].cells] for t in doc.tables]


def _first_cells(doc: Any) -> list[str]:
    return [row.cells[0].text for t in doc.tables for row in t.rows[1:]]


@pytest.mark.parametrize("ws", SHEETS, ids=[ws.id for ws in SHEETS])
def test_handout_has_every_question_help_and_column(ws: Any) -> None:
    doc = _open(handouts.blank_docx([ws]))
    paragraphs = _paragraphs(doc)
    headers = _header_rows(doc)
    assert ws.title in paragraphs
    if ws.intro:
        assert ws.intro in paragraphs  # the manual's words, as the YAML has them
    for section in ws.sections:
        assert section.title in paragraphs
        if section.intro:
            assert section.intro in paragraphs
    for q in ws.questions():
        assert q.text in paragraphs
        if q.help:
            assert q.help in paragraphs
        if isinstance(q, Table):
            assert list(q.columns) in headers, f"{q.id}: columns {q.columns}"
            for preset in q.preset:
                assert preset in _first_cells(doc)
        if isinstance(q, SingleChoice | MultiChoice):
            for option in q.options:
                assert any(p.startswith(f"{handouts.BOX} {option}") for p in paragraphs)
    # The next-steps table comes last: Action, Timeline, Who's committed (as worded).
    assert headers[-1] == ws.action_table.columns and headers[-1][0] == "Action"
    footer = doc.sections[0].footer.paragraphs[0].text
    assert ws.title in footer and ws.source.section in footer


def _after(paragraphs: list[Any], text: str) -> list[Any]:
    at = next(i for i, p in enumerate(paragraphs) if p.text == text)
    return paragraphs[at + 1 :]


def test_yes_no_shows_both_boxes_and_lines_for_notes() -> None:
    ws = content.get("step1_support_team")
    question = next(q for q in ws.questions() if isinstance(q, YesNo))
    paragraphs = _open(handouts.blank_docx([ws])).paragraphs
    after = _after(paragraphs, question.text)
    assert [p.text for p in after[:2]] == [YES_NO_LINE, f"{question.notes_label}:"]
    lines = [p for p in after[2:5] if p.style.name == handouts.LINE_STYLE]
    assert len(lines) == 3 and all(p.text == "" for p in lines)


def test_text_questions_get_ruled_lines() -> None:
    ws = content.get("step1_support_team")
    doc = _open(handouts.blank_docx([ws]))
    after = _after(doc.paragraphs, "Who is the lead “convener”, or co-conveners?")
    assert after[0].style.name == handouts.LINE_STYLE
    borders = doc.styles[handouts.LINE_STYLE].element.pPr.find(qn("w:pBdr"))
    assert borders is not None and borders.find(qn("w:between")) is not None


def test_every_worksheet_in_one_file_with_a_page_break_between() -> None:
    doc = _open(handouts.blank_docx(SHEETS))
    body = doc.element.body
    # Each worksheet is a section of its own: a new-page break before all but the first.
    breaks = body.findall(f"{qn('w:p')}/{qn('w:pPr')}/{qn('w:sectPr')}")
    assert len(breaks) == len(SHEETS) - 1
    assert [s.start_type for s in doc.sections[1:]] == [WD_SECTION.NEW_PAGE] * (
        len(SHEETS) - 1
    )
    assert not body.findall(f".//{qn('w:br')}[@{qn('w:type')}='page']")
    footers = [s.footer.paragraphs[0].text for s in doc.sections]
    assert [f.split(" — ")[0] for f in footers] == [ws.title for ws in SHEETS]
    titles = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert titles == [ws.title for ws in SHEETS]


def test_cli_writes_one_file_per_worksheet_and_the_set(tmp_path: Path) -> None:
    assert cli.main(["handouts", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    expected = [f"blank-{ws.id}.docx" for ws in SHEETS] + ["blank-all-worksheets.docx"]
    assert names == sorted(expected)
    one = _open((tmp_path / "blank-step5_action.docx").read_bytes())
    assert len(one.sections) == 1 and content.get("step5_action").title in (
        _paragraphs(one)
    )


def test_cli_one_worksheet_and_an_unknown_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["handouts", "--out", str(tmp_path), "--worksheet", "step2_scope"]
    assert cli.main(args) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["blank-step2_scope.docx"]
    assert cli.main(["handouts", "--out", str(tmp_path), "--worksheet", "step9"]) == 2
    err = capsys.readouterr().err
    assert "no worksheet with id 'step9'" in err and "step2_scope" in err


def test_pdf_without_libreoffice_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    args = ["handouts", "--out", str(tmp_path), "--worksheet", "step2_scope", "--pdf"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "PDF needs LibreOffice" in err and "libreoffice-writer" in err
    assert (tmp_path / "blank-step2_scope.docx").is_file()  # the Word file is kept


def _pdf_pages(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        return int(
            next(line.split()[-1] for line in info.splitlines() if "Pages" in line)
        )
    pypdf = pytest.importorskip(
        "pypdf", reason="neither pdfinfo nor pypdf to count pages"
    )
    return len(pypdf.PdfReader(pdf).pages)


@pytest.mark.slow
def test_handout_renders_to_pdf_with_libreoffice(tmp_path: Path) -> None:
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.skip(
            "LibreOffice is not installed, so the PDF handout is not tested here: "
            "sudo apt-get install -y libreoffice-writer poppler-utils (.ci/run does)"
        )
    args = ["handouts", "--out", str(tmp_path), "--worksheet", "step1_support_team"]
    assert cli.main([*args, "--pdf"]) == 0
    pdf = tmp_path / "blank-step1_support_team.pdf"
    assert _pdf_pages(pdf) >= 2  # the roster, connections and review do not fit one
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Who is on our regional support team?" in text
        assert "Yes" in text and "Who's committed" in text


@pytest.mark.browser
@pytest.mark.served
@pytest.mark.slow
def test_start_page_offers_blank_handouts_before_a_team_is_chosen(
    page: Any, voila_server: Any
) -> None:
    response = page.goto(voila_server.url(START))
    assert response is not None and response.status == 200
    expect(page.get_by_text("Which team are you?")).to_be_visible()
    expect(page.get_by_text("Blank worksheets for paper")).to_be_visible()
    page.get_by_role("button", name="All worksheets (Word)").click()
    link = page.locator("a.sectorwb-file", has_text="blank-all-worksheets.docx")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    file = info.value
    assert file.suggested_filename == "blank-all-worksheets.docx"
    path = file.path()
    assert path is not None, file.failure()
    doc = docx.Document(path)
    titles = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert titles == [ws.title for ws in SHEETS]
    assert len(doc.sections) == len(SHEETS)
