"""Issue-5 behaviour in a real browser: a team adds steps to its journey map in the Voila
app and sees the picture change, then downloads the picture and it opens."""

from __future__ import annotations

from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from sectorwb import content
from sectorwb.rows import cell_name

pytestmark = [pytest.mark.browser, pytest.mark.served, pytest.mark.slow]

LOAD_MS = 60_000
MAP = "Our employer journey map"
JOURNEY = next(
    q
    for q in content.get("many_tables_knocks").questions()
    if q.id == "employer_journey"
)


def _fill_step(table: Any, row: int, program: str, stage: str, step: str) -> None:
    for column, text in (("Program", program), ("Stage", stage), ("Step", step)):
        name = cell_name(JOURNEY, column, row - 1)
        table.get_by_label(name, exact=True).fill(text)


def test_adding_steps_changes_the_map_and_the_picture_downloads(
    page: Any, voila_server: Any, team: str, wait_saved: Any
) -> None:
    page.goto(voila_server.url("many_tables_knocks.ipynb", team))
    panel = page.locator(".sectorwb-picture-panel", has_text=MAP)
    picture = panel.locator("figure svg")
    expect(picture).to_be_visible(timeout=LOAD_MS)
    expect(picture).to_contain_text("No steps yet")
    table = page.locator(".sectorwb-field").filter(
        has_text="the path a business person takes"
    )

    _fill_step(table, 1, "Youth program", "Point of engagement", "Intake interview")
    table.get_by_label(
        cell_name(JOURNEY, "Strong or weak", 0), exact=True
    ).select_option("Weak")
    expect(picture).to_contain_text("Youth program", timeout=LOAD_MS)
    expect(picture).not_to_contain_text("No steps yet")

    # A second program repeats the same step for the same business: redundancy shows.
    _fill_step(table, 2, "Business services", "Point of engagement", "intake interview")
    findings = panel.locator(".sectorwb-findings")
    expect(findings).to_contain_text("repeated by 2 programs", timeout=LOAD_MS)
    wait_saved(page)

    # The picture is still there after a reload (drawn from the saved answers).
    page.reload()
    expect(picture).to_contain_text("Business services", timeout=LOAD_MS)

    page.get_by_role("button", name=f"{MAP} (PNG)").click()
    link = page.locator("a.sectorwb-file")
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(
        "employer_journey-journey_map.png"
    )
    with Image.open(download.value.path()) as image:
        image.load()  # decodes every pixel: a broken file raises here
        assert image.format == "PNG"
        assert image.width > 300 and image.height > 100
