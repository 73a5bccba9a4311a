"""A long table in a real browser: 1,000 saved rows open one page at a time, page
through, and a cell on the last page is edited, saved, removed and added to."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from sectorwb import content
from sectorwb.rows import cell_name
from sectorwb.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.served, pytest.mark.slow]

SHEET = "preparing_to_launch"
TABLE = content.get(SHEET).action_table.as_question()
LOAD_MS = 60_000


def _saved_rows(n: int) -> list[dict[str, str]]:
    first, *others = TABLE.columns
    return [
        {first: f"Step {i + 1}"} | {c: f"{c} {i + 1}" for c in others} for i in range(n)
    ]


def _saved_when(
    server: Any, team: str, check: Callable[[list[dict[str, str]]], bool]
) -> list[dict[str, str]]:
    """The saved table, once it passes ``check`` (the page's "saved" line may still
    show the save before: it says nothing about the change just made)."""
    deadline = time.monotonic() + LOAD_MS / 1000
    while True:
        rows = server.saved_answers(team, SHEET).get(TABLE.id, [])
        if check(rows):
            return rows
        if time.monotonic() > deadline:
            pytest.fail(f"the table saved for {team!r} never passed {check}")
        time.sleep(0.2)


def test_thousand_row_table_pages_and_saves_a_cell_on_the_last_page(
    page: Any, voila_server: Any, team: str
) -> None:
    rows = _saved_rows(1000)
    store = Store(voila_server.db_path)
    store.save(team, SHEET, {TABLE.id: rows})
    store.close()
    first, second = TABLE.columns[:2]

    page.goto(voila_server.url(f"{SHEET}.ipynb", team))
    where = page.get_by_role("status").filter(has_text=re.compile(r"^Rows "))
    expect(where).to_have_text("Rows 1–50 of 1,000", timeout=LOAD_MS)
    table = page.locator(".sectorwb-field").filter(has=where)
    expect(
        table.locator(".sectorwb-row").filter(has=page.locator("input"))
    ).to_have_count(50)
    expect(page.get_by_label(cell_name(TABLE, first, 0), exact=True)).to_have_value(
        "Step 1"
    )
    expect(page.get_by_label(cell_name(TABLE, first, 50), exact=True)).to_have_count(0)

    previous = table.get_by_role("button", name="Previous rows")
    following = table.get_by_role("button", name="Next rows")
    expect(previous).to_be_disabled()
    following.click()
    expect(where).to_have_text("Rows 51–100 of 1,000")
    expect(page.get_by_label(cell_name(TABLE, first, 50), exact=True)).to_have_value(
        "Step 51"
    )
    for start in range(101, 1000, 50):
        following.click()
        expect(where).to_have_text(f"Rows {start:,}–{start + 49:,} of 1,000")
    expect(following).to_be_disabled()

    last = page.get_by_label(cell_name(TABLE, second, 999), exact=True)
    expect(last).to_have_value(f"{second} 1000")
    last.fill("Edited on the last page")
    saved = _saved_when(voila_server, team, lambda r: r != rows)
    assert len(saved) == 1000
    assert saved[999][second] == "Edited on the last page"
    assert saved[:999] == rows[:999]

    table.get_by_role("button", name="Remove row 999").click()
    expect(page.get_by_label(cell_name(TABLE, first, 998), exact=True)).to_have_value(
        "Step 1000"
    )
    expect(where).to_have_text("Rows 951–999 of 999")
    saved = _saved_when(voila_server, team, lambda r: len(r) == 999)
    assert [r[first] for r in saved[997:]] == ["Step 998", "Step 1000"]

    previous.click()
    expect(where).to_have_text("Rows 901–950 of 999")
    table.get_by_role("button", name="Add a row").click()
    # The new row's page is shown, ready to type in.
    expect(where).to_have_text("Rows 951–1,000 of 1,000")
    added = page.get_by_label(cell_name(TABLE, first, 999), exact=True)
    expect(added).to_have_value("")
    added.fill("A new step")
    saved = _saved_when(voila_server, team, lambda r: r[-1][first] == "A new step")
    assert len(saved) == 1000
    expect(page.locator(".sectorwb-status")).to_contain_text("All changes saved at")
