"""The trainer's collected downloads from a real Academy database: two teams type,
and the XLSX, CSV and ZIP hold both teams' work, safely, in the Academy's order."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import docx
import openpyxl
import pytest

from sectorwb import academy, collect, config, content, export, wordfile
from sectorwb.store import Store

METRO = "Metro Health"
EQUIPE = "Équipe Santé Nord"  # non-ASCII: its slug is "equipe-sante-nord"
GONE = "Team C"  # removed by the trainer: answers kept, left out of the files
FORMULA = '=HYPERLINK("http://evil.example","click")'
PASTED = "Soins\x0bde santé\x00"  # a vertical tab and a NUL, as pasted from slides
LAUNCH, ROSTER_WS = "preparing_to_launch", "step1_support_team"


def _next_steps(first_timeline: str = "", typed: str = "") -> list[dict[str, str]]:
    """The Preparing to Launch table as a page saves it: the manual's three preset
    actions and two blank rows, with what the team typed."""
    rows = content.get(LAUNCH).action_table.as_question().empty()
    rows[0]["Timeline"] = first_timeline
    rows[3]["Action"] = typed
    return rows


def _roster(org: str, who: str) -> list[dict[str, str]]:
    row = {"Organization": org, "Sector of the system": "Education"}
    return [row | {"Representative": who, "Role": "Chair"}]


@pytest.fixture
def made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> academy.Academy:
    monkeypatch.setenv(config.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(config.DB_ENV, raising=False)
    found, _key = academy.create("Denver Metro 2027", "demo", [METRO, GONE, EQUIPE])
    store = found.store
    store.save(METRO, LAUNCH, {"target_sector": "Health care"})  # replaced below
    store.save(METRO, LAUNCH, {"target_sector": FORMULA})
    store.save(METRO, LAUNCH, {"next_steps": _next_steps(first_timeline="June")})
    store.save(METRO, ROSTER_WS, {"roster": _roster("Front Range College", "Ana")})
    store.save(EQUIPE, LAUNCH, {"target_sector": PASTED})
    store.save(EQUIPE, LAUNCH, {"next_steps": _next_steps(typed="Visit employers")})
    store.save(EQUIPE, ROSTER_WS, {"roster": _roster("Collège Nord", "Zoé")})
    store.save(GONE, LAUNCH, {"target_sector": "Removed team's answer"})
    found.remove_team(GONE)
    yield found
    store.close()


def _downloads(made: academy.Academy) -> dict[str, collect.Collect]:
    found = collect.collect_downloads(
        made.store,
        lambda: [t.name for t in made.teams(counts=False)],
        made.slug,
        content.worksheets(),
    )
    return {d.filename.rsplit(".", 1)[1]: d for d in found}


def test_gather_reads_the_newest_row_of_every_team_with_its_time(
    made: academy.Academy,
) -> None:
    latest = collect.gather(made.store, [METRO, EQUIPE, GONE, "Nothing Saved"])
    assert list(latest) == [METRO, EQUIPE, GONE, "Nothing Saved"]  # in that order
    assert latest["Nothing Saved"] == {} and latest[GONE]  # removed: answers kept
    value, saved_at = latest[METRO][LAUNCH]["target_sector"]
    assert value == FORMULA
    newest = made.store.history(METRO, LAUNCH, "target_sector")[-1]
    assert (saved_at, value) == newest
    assert latest[EQUIPE][ROSTER_WS]["roster"][0] == _roster("Collège Nord", "Zoé")


def test_file_names_and_types(made: academy.Academy) -> None:
    today = datetime.now().date().isoformat()
    got = [(d.filename, d.mime) for d in _downloads(made).values()]
    assert got == [
        (f"denver-metro-2027-{today}-next-steps-and-answers.xlsx", collect.XLSX_MIME),
        (f"denver-metro-2027-{today}-answers.csv", "text/csv"),
        (f"denver-metro-2027-{today}-team-packets.zip", "application/zip"),
    ]


def test_xlsx_has_every_teams_typed_table_rows_and_the_long_form(
    made: academy.Academy,
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_downloads(made)["xlsx"].build()))
    sheets = content.worksheets()
    every_table = [t for ws in sheets for t in export.tables(ws)]
    assert len(book.sheetnames) == len(every_table) + 1
    assert book.sheetnames[-1] == "All answers"
    rows = list(book["Preparing to Launch Next steps"].iter_rows(values_only=True))
    preset = content.get(LAUNCH).action_table.preset
    assert rows == [
        ("Team", "Action", "Timeline", "Who's Committed?"),
        (METRO, preset[0], "June", None),  # a preset action the team gave a time
        (EQUIPE, "Visit employers", None, None),
    ]  # untouched preset rows (the form, not the teams' work) are left out
    roster = list(book["Step 1 Roster"].iter_rows(values_only=True))
    assert roster == [
        ("Team", "Organization", "Sector of the system", "Representative", "Role"),
        (METRO, "Front Range College", "Education", "Ana", "Chair"),
        (EQUIPE, "Collège Nord", "Education", "Zoé", "Chair"),
    ]
    every = list(book["All answers"].iter_rows(values_only=True))
    assert every[0] == tuple(collect.LONG_COLUMNS)
    assert collect.LONG_COLUMNS == [
        "Team",
        "Worksheet",
        "Section",
        "Question",
        "Row",
        "Column",
        "Answer",
        "Saved at (UTC)",
    ]
    by_team = {(r[0], r[3], r[4], r[5]): r for r in every[1:]}
    target = by_team[(METRO, "Target Sector:", None, None)]
    assert target[6] == FORMULA  # a text cell: shown as typed, never run
    stored = made.store.history(METRO, LAUNCH, "target_sector")[-1][0]
    assert target[7] == datetime.fromisoformat(stored).astimezone(UTC).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    assert by_team[(EQUIPE, "Target Sector:", None, None)][6] == "Soins\nde santé"
    question = "Who is on our regional support team?"
    cells = [r[4:7] for r in every if r[:1] == (EQUIPE,) and r[3] == question]
    assert cells == [
        (1, "Organization", "Collège Nord"),
        (1, "Sector of the system", "Education"),
        (1, "Representative", "Zoé"),
        (1, "Role", "Chair"),
    ]  # a line per typed cell, with its row and column
    steps = [r for r in every if r[:1] == (EQUIPE,) and r[3] == "Next Steps"]
    assert [s[1] for s in steps] == [content.get(LAUNCH).title]
    assert steps[0][4:7] == (4, "Action", "Visit employers")  # the page's row 4
    assert [r[0] for r in every[1:]] == sorted(
        (r[0] for r in every[1:]), key=[METRO, EQUIPE].index
    )  # teams in the Academy's order, first added first
    assert all(r[0] != GONE for r in every)
    assert all(r[6] for r in every[1:])  # answered questions only


def test_csv_is_the_long_form_with_a_bom_and_neutralised_formulas(
    made: academy.Academy,
) -> None:
    data = _downloads(made)["csv"].build()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == collect.LONG_COLUMNS
    answers = {(r[0], r[3]): r[6] for r in rows[1:]}
    assert answers[(METRO, "Target Sector:")] == "'" + FORMULA
    assert answers[(EQUIPE, "Target Sector:")] == PASTED  # text files keep it as typed
    assert (EQUIPE, "Who is on our regional support team?") in answers
    assert {r[0] for r in rows[1:]} == {METRO, EQUIPE}
    book = openpyxl.load_workbook(io.BytesIO(_downloads(made)["xlsx"].build()))
    long_form = list(book["All answers"].iter_rows(values_only=True))[1:]
    assert len(long_form) == len(rows) - 1  # the CSV is the XLSX's long form


def test_zip_has_a_folder_per_team_with_its_packet(made: academy.Academy) -> None:
    archive = zipfile.ZipFile(io.BytesIO(_downloads(made)["zip"].build()))
    assert archive.testzip() is None
    names = archive.namelist()
    assert sorted(names) == sorted(
        f"{folder}/team-packet-{folder}.{suffix}"
        for folder in ("metro-health", "equipe-sante-nord")
        for suffix in ("docx", "md", "xlsx")
    )
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist())
    metro = docx.Document(
        io.BytesIO(archive.read("metro-health/team-packet-metro-health.docx"))
    )
    text = "\n".join(p.text for p in metro.paragraphs)
    assert f"Team packet: {METRO}" in text and FORMULA in text
    cells = {c.text for t in metro.tables for row in t.rows for c in row.cells}
    assert {"Front Range College", "June"} <= cells  # the roster's and next steps'

    folder = "equipe-sante-nord/team-packet-equipe-sante-nord"
    equipe = docx.Document(io.BytesIO(archive.read(f"{folder}.docx")))
    assert "Soins\nde santé" in "\n".join(p.text for p in equipe.paragraphs)
    assert "Visit employers" in archive.read(f"{folder}.md").decode()
    book = openpyxl.load_workbook(io.BytesIO(archive.read(f"{folder}.xlsx")))
    answers = [r[-1] for r in book["All answers"].iter_rows(values_only=True)]
    assert "On the sheet “Step 1 Roster”." in answers
    assert ("Zoé", "Chair") in {r[-2:] for r in book["Step 1 Roster"].values}


def test_zip_keeps_teams_whose_slugs_collide_apart(tmp_path: Path) -> None:
    store = Store(tmp_path / "answers.sqlite3")
    names = ["東京チーム", "大阪チーム", "Team", "Metro Health", "Metro-Health"]
    for name in names:
        store.save(name, LAUNCH, {"target_sector": f"sector of {name}"})
    sheets = [content.get(LAUNCH)]
    archive = zipfile.ZipFile(
        io.BytesIO(collect.collect_zip(sheets, collect.gather(store, names)))
    )
    folders = [n.split("/")[0] for n in archive.namelist() if n.endswith(".md")]
    assert folders == ["team", "team-2", "team-3", "metro-health", "metro-health-2"]
    for folder, name in zip(folders, names, strict=True):
        [md] = [
            n
            for n in archive.namelist()
            if n.startswith(f"{folder}/") and n.endswith(".md")
        ]
        assert f"sector of {name}" in archive.read(md).decode()
    store.close()


def test_team_text_never_makes_a_path(tmp_path: Path) -> None:
    # Names the store refuses can still sit in an old file: none reaches a path.
    store = Store(tmp_path / "answers.sqlite3")
    names = ["../../etc/passwd", "/abs/olute", "C:\\win", ".."]
    for name in names:
        store.save(name, LAUNCH, {"target_sector": "x"})
    data = collect.collect_zip([content.get(LAUNCH)], collect.gather(store, names))
    for entry in zipfile.ZipFile(io.BytesIO(data)).namelist():
        parts = entry.split("/")
        assert len(parts) == 2 and ".." not in parts and "\\" not in entry
        assert not entry.startswith("/") and ":" not in entry
    store.close()


def test_a_team_with_nothing_saved_still_gets_a_packet_and_no_rows(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "answers.sqlite3")
    collected = collect.gather(store, ["Quiet Team"])
    assert collected == {"Quiet Team": {}}
    sheets = content.worksheets()
    book = openpyxl.load_workbook(io.BytesIO(collect.collect_xlsx(sheets, collected)))
    assert all(ws.max_row == 1 for ws in book.worksheets)  # headers only
    names = zipfile.ZipFile(io.BytesIO(collect.collect_zip(sheets, collected)))
    assert len(names.namelist()) == 3
    store.close()


def test_zip_tells_its_progress_team_by_team(tmp_path: Path) -> None:
    store = Store(tmp_path / "answers.sqlite3")
    names = ["Metro Health", "North County", "South Valley"]
    seen: list[tuple[int, int]] = []
    downloads = collect.collect_downloads(
        store, lambda: names, "Denver", [content.get(LAUNCH)], lambda *p: seen.append(p)
    )
    downloads[2].build()
    assert seen == [(1, 3), (2, 3), (3, 3)]
    store.close()


def test_a_packet_file_that_fails_leaves_a_note_and_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    # No real answer is known to fail a packet; a Word writer that raises stands in
    # for the bug or character nobody has met yet.
    def broken(*_args: object) -> bytes:
        raise ValueError("All strings must be XML compatible")

    word, *others = collect.PACKET_DOWNLOADS
    monkeypatch.setattr(
        collect, "PACKET_DOWNLOADS", (dataclasses.replace(word, build=broken), *others)
    )
    store = Store(tmp_path / "answers.sqlite3")
    store.save(METRO, LAUNCH, {"target_sector": "Health care"})
    data = collect.collect_zip([content.get(LAUNCH)], collect.gather(store, [METRO]))
    archive = zipfile.ZipFile(io.BytesIO(data))
    base = "metro-health/team-packet-metro-health"
    assert sorted(archive.namelist()) == [
        f"{base}.docx.NOT-MADE.txt",
        f"{base}.md",
        f"{base}.xlsx",
    ]
    note = archive.read(f"{base}.docx.NOT-MADE.txt").decode()
    assert "Team packet (Word) of team Metro Health could not be made" in note
    assert "answers are safe" in note and "XML compatible" in note
    assert "Health care" in archive.read(f"{base}.md").decode()
    assert (
        "metro-health/team-packet-metro-health.docx failed" in capsys.readouterr().err
    )
    store.close()


@pytest.mark.slow
def test_collected_xlsx_renders_in_libreoffice_calc(
    made: academy.Academy, tmp_path: Path
) -> None:
    if not (shutil.which("localc") and shutil.which("pdftotext")):
        pytest.skip(
            "LibreOffice Calc or pdftotext is not installed, so the collected XLSX is "
            "not rendered here: sudo apt-get install -y libreoffice-calc "
            "poppler-utils (.ci/run does)"
        )
    xlsx = tmp_path / "collected.xlsx"
    xlsx.write_bytes(_downloads(made)["xlsx"].build())
    [pdf] = wordfile.to_pdf([xlsx], tmp_path)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Visit employers" in text and EQUIPE in text and "Front Range" in text
    # The roster's sheet: a row per team with the table's own columns.
    assert re.search(
        r"Team\s+Organization\s+Sector of the system\s+Representative", text
    )
    assert re.search(r"Équipe Santé Nord\s+Collège Nord\s+Education\s+Zoé", text)
    assert "HYPERLINK" in text  # shown as typed: a formula would show "click"
    assert "click" not in text.replace('"click"', "")
