"""The region's organisations in a real browser: typing in an organisation cell of a
served page lists them with their kind, and a picked one saves as its plain name."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from sectorwb import content, offers, regions
from sectorwb.rows import cell_name

pytestmark = [pytest.mark.browser, pytest.mark.served]

SHEET = "step1_support_team"
COLLEGE = "Birch Community College (fictional)"
LOAD_MS = 60_000


def _options(page: Any, cell: Any) -> list[str]:
    """The values of the list the browser shows under a cell as one types."""
    listed = cell.get_attribute("list")
    assert listed, "the cell offers no list"
    return page.locator(f"datalist[id='{listed}'] option").evaluate_all(
        "options => options.map(o => o.value)"
    )


def _offered(page: Any, cell: Any, option: str) -> None:
    """Wait until the cell's list holds ``option`` (the kernel sends it after the
    page has drawn)."""
    deadline = time.monotonic() + 10
    while option not in _options(page, cell):
        assert time.monotonic() < deadline, _options(page, cell)
        time.sleep(0.2)


def test_typing_in_an_organisation_cell_offers_the_regions_organisations(
    page: Any, voila_server: Any, team: str, wait_saved: Any
) -> None:
    kind = {o.name: o.kind for o in regions.load_region("demo").config.organisations}
    option = f"{COLLEGE}{offers.KIND_MARK}{kind[COLLEGE]}"
    page.goto(voila_server.url(f"{SHEET}.ipynb", team, "region=demo"))
    roster = page.locator(".sectorwb-field").filter(
        has_text="Who is on our regional support team?"
    )
    question = next(q for q in content.get(SHEET).questions() if q.id == "roster")
    cell = roster.get_by_label(cell_name(question, "Organization", 0), exact=True)
    expect(cell).to_be_editable(timeout=LOAD_MS)
    cell.press_sequentially("Birch")
    _offered(page, cell, option)

    cell.fill(option)  # what picking the option does: the input takes its value
    expect(cell).to_have_value(COLLEGE)  # the kind helped to choose; the name stays
    wait_saved(page)
    saved = voila_server.saved_answers(team, SHEET)["roster"]
    assert saved[0]["Organization"] == COLLEGE
    # The lead convener offers the roster's names and the region's: the college once.
    lead = page.get_by_label("Who is the lead “convener”, or co-conveners?", exact=True)
    _offered(page, lead, option)
    assert _options(page, lead).count(option) == 1
    assert COLLEGE not in _options(page, lead)
