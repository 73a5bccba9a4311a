"""The Step 2 sector explorer in a real browser: the demo region's charts show offline,
and a sector added to the shortlist is offered in Preparing to Launch."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.served, pytest.mark.slow]

LOAD_MS = 90_000  # first load parses the demo files and draws four charts on 2 cores


def test_shortlisted_sector_is_offered_in_preparing_to_launch(
    page: Any, voila_server: Any, team: str, wait_saved: Any
) -> None:
    outside: list[str] = []
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if not r.url.startswith(("data:", voila_server.base_url))
            else None
        ),
    )
    page.goto(voila_server.url("step2_scope.ipynb", team, "region=demo"))
    expect(page.locator(".sectorwb-chart").first).to_be_visible(timeout=LOAD_MS)
    body = page.inner_text("body")
    assert "Illustrative data" in body  # the demo region never passes for real data
    assert page.locator(".sectorwb-chart svg").count() >= 3

    pick = page.get_by_label("Industry", exact=True)
    pick.select_option(index=1)
    # ipywidgets shows option spaces as no-break spaces
    label = pick.evaluate("s => s.options[s.selectedIndex].text").replace("\u00a0", " ")
    sector = label.rsplit(" (", 1)[0]
    page.get_by_label("Why (short rationale)").fill("many jobs, good pay")
    page.get_by_role("button", name="Add to shortlist").click()
    expect(page.get_by_label("Target sector, row 1")).to_have_value(sector)
    wait_saved(page)
    saved = voila_server.saved_answers(team, "step2_scope")["target_sectors"]
    assert saved[0] == {"Target sector": sector, "Rationale": "many jobs, good pay"}

    page.goto(voila_server.url("preparing_to_launch.ipynb", team, "region=demo"))
    box = page.get_by_label("Target Sector:")
    expect(box).to_be_visible(timeout=LOAD_MS)
    offered = page.locator("datalist option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert sector in offered
    assert outside == []
