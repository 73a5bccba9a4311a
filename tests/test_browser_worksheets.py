"""Issue-3 behaviour in a real browser: a follow-up question appears on "No", the
chosen role's questions come first, and the team packet downloads and opens."""

from __future__ import annotations

import io
from typing import Any

import docx
import pytest
from playwright.sync_api import expect

from sectorwb import content

pytestmark = [pytest.mark.browser, pytest.mark.served, pytest.mark.slow]

LOAD_MS = 60_000


def _role_headings(page: Any) -> list[str]:
    return [h for h in page.locator("h2").all_inner_texts() if h.startswith("For ")]


def test_follow_up_and_role_order(page: Any, voila_server: Any, team: str) -> None:
    page.goto(voila_server.url("building_momentum.ipynb", team))
    expect(page.locator(".sectorwb-form")).to_be_visible(timeout=LOAD_MS)
    follow_up = page.get_by_text("what is needed to help your partnership")
    expect(follow_up).to_be_hidden()
    page.locator(".sectorwb-field").first.get_by_role("radio", name="No").check()
    expect(follow_up).to_be_visible()

    assert _role_headings(page)[0] == "For Conveners"  # the manual's order
    page.get_by_role("radio", name="For Employers").check()
    expect(page.locator("h2", has_text="For ").first).to_have_text("For Employers")


def test_team_packet_downloads_the_started_worksheet_and_names_the_rest(
    page: Any, voila_server: Any, team: str, wait_saved: Any
) -> None:
    page.goto(voila_server.url("preparing_to_launch.ipynb", team))
    box = page.get_by_label("Target Sector:")
    expect(box).to_be_visible(timeout=LOAD_MS)
    box.fill("Precision machining")
    wait_saved(page)

    page.goto(voila_server.url("00_start_here.ipynb", team))
    expect(page.locator(".sectorwb-worksheets")).to_be_visible(timeout=LOAD_MS)
    page.get_by_role("button", name="Team packet (Word)").click()
    link = page.locator("a.sectorwb-file")
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    with open(download.value.path(), "rb") as fh:
        doc = docx.Document(io.BytesIO(fh.read()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Precision machining" in text
    # Only the started worksheet is in it; one line names every other one.
    others = [ws.title for ws in content.worksheets() if ws.id != "preparing_to_launch"]
    (idle,) = [p.text for p in doc.paragraphs if p.text.startswith("Not started yet:")]
    assert idle == "Not started yet: " + "; ".join(others) + "."
