"""Issue 10 items 6 and 9 in a real browser against the served app: text pasted with
control characters downloads as Excel and Word, and a team name typed in another case
opens the team's saved answers."""

from __future__ import annotations

import io
import uuid
from typing import Any

import docx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from sectorwb import content
from sectorwb.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.served, pytest.mark.slow]

LOAD_MS = 60_000
START = "00_start_here.ipynb"
MOMENTUM = content.get("building_momentum")
LONG = next(q for q in MOMENTUM.questions() if q.id == "next_steps_momentum")
# PowerPoint's line break (vertical tab) and Word's page break (form feed), as a paste
# from a slide deck brings them, with an emoji that must survive.
PASTED = "Convene the employers\x0bthen the colleges\x0cby June 🚀"
AS_XML = "Convene the employers\nthen the colleges\nby June 🚀"


def _download(page: Any, button: str, suffix: str) -> bytes:
    """Press a download button: one click saves the file, as a person expects; the
    link it leaves says the file is ready."""
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    path = info.value.path()
    assert path is not None, info.value.failure()
    assert info.value.suggested_filename.endswith(suffix)
    link = page.locator(".sectorwb-ready", has_text=suffix)
    expect(link).to_contain_text("is ready")
    errors = page.locator(".sectorwb-downloads .sectorwb-msg")
    assert errors.count() == 0, errors.all_inner_texts()
    with open(path, "rb") as handle:
        return handle.read()


def _cells(data: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(data))
    return [
        c for s in book.worksheets for r in s.iter_rows(values_only=True) for c in r
    ]


def test_a_pasted_vertical_tab_downloads_as_excel_and_team_packet(
    page: Any, voila_server: Any, team: str, wait_saved: Any
) -> None:
    page.goto(voila_server.url("building_momentum.ipynb", team))
    box = page.get_by_label(LONG.text, exact=True)
    expect(box).to_be_visible(timeout=LOAD_MS)
    box.fill(PASTED)
    wait_saved(page)
    saved = voila_server.saved_answers(team, MOMENTUM.id)
    assert saved[LONG.id] == PASTED  # the store keeps what was typed

    assert AS_XML in _cells(_download(page, "Excel workbook (XLSX)", ".xlsx"))

    page.goto(voila_server.url(START, team))
    expect(page.locator(".sectorwb-worksheets")).to_be_visible(timeout=LOAD_MS)
    doc = docx.Document(io.BytesIO(_download(page, "Team packet (Word)", ".docx")))
    assert AS_XML in [p.text for p in doc.paragraphs]
    every = _cells(_download(page, "Tables and answers (Excel)", ".xlsx"))
    assert AS_XML in every


def test_a_team_link_in_another_case_opens_the_teams_answers(
    page: Any, voila_server: Any
) -> None:
    team = f"Metro Health {uuid.uuid4().hex[:6]}"
    store = Store(voila_server.db_path)
    try:
        store.save(team, "preparing_to_launch", {"target_sector": "Saved by Metro"})
    finally:
        store.close()

    page.goto(voila_server.url("preparing_to_launch.ipynb", team.lower()))
    expect(page.get_by_label("Target Sector:")).to_have_value(
        "Saved by Metro", timeout=LOAD_MS
    )
    expect(page.locator(".sectorwb-page strong").first).to_have_text(team)


def test_a_look_alike_team_name_is_refused_with_a_message(
    page: Any, voila_server: Any
) -> None:
    look_alike = "\u041c\u0435tro Health"  # Cyrillic М and е
    page.goto(voila_server.url(START, look_alike))
    message = page.locator(".sectorwb-msg")
    expect(message).to_contain_text("cannot be used", timeout=LOAD_MS)
    expect(message).to_contain_text("mixes Latin letters with Cyrillic letters")
    expect(page.get_by_label("Team name")).to_be_visible()
