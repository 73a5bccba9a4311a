"""The Step 2 sector explorer in a real browser, on the demo region and on a real BLS
sample: charts show offline, levels without data are not offered, every sector is
drawn or named, names on the bubble chart never overlap, the view survives a reload,
and a sector added to the shortlist is offered in Preparing to Launch."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Contexts, VoilaServer, start_voila, stop_voila
from playwright.sync_api import expect

from sectorwb import regions

pytestmark = [pytest.mark.browser, pytest.mark.served, pytest.mark.slow]

# The first load parses the region's files and draws four charts, on 2 shared cores.
LOAD_MS = 180_000
SHARED = ROOT.parent / "shared" / "data" / "qcew"
DE = SHARED / "qcew_2017_annual_singlefile_DE_10xxx_all_rows.csv"
BUBBLES = ".sectorwb-chart:has-text('concentration, growth and size')"
PAY = ".sectorwb-chart:has-text('Average annual pay by industry')"

# Every pair of names on the bubble chart, and each name against the legend: the
# boxes the browser draws (its fonts, not our estimate), 0.5 px of anti-aliasing aside.
_OVERLAPS = """svg => {
  const texts = [...svg.querySelectorAll('g.mark-text.role-mark')].pop();
  const boxes = [...texts.querySelectorAll('text')].map(t => t.getBoundingClientRect());
  const legend = svg.querySelector('g.role-legend').getBoundingClientRect();
  const hit = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
    a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const found = [];
  boxes.forEach((a, i) => {
    if (hit(a, legend)) found.push(`name ${i} on the legend`);
    boxes.slice(i + 1).forEach((b, j) => { if (hit(a, b)) found.push(`${i}/${i + j + 1}`); });
  });
  return {names: boxes.length, found};
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoilaServer]:
    """A server whose regions are the demo and Delaware's three counties, from the
    real BLS sample read where it lies."""
    base = tmp_path_factory.mktemp("lmi")
    shelf = base / "regions"
    shutil.copytree(ROOT / "data" / "regions" / "demo", shelf / "demo")
    regions.create_region(
        "delaware",
        qcew=[DE],
        name="Delaware (BLS 2017)",
        state="10000",
        counties=["10001", "10003", "10005"],
        base=shelf,
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv(regions.REGIONS_DIR_ENV, str(shelf))
        server = start_voila(base / "data", base / "voila.log")
    try:
        yield server
    finally:
        stop_voila(server)


@pytest.fixture
def contexts(browser: Any, served: VoilaServer) -> Iterator[Contexts]:
    factory = Contexts(browser, served)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture
def page(contexts: Contexts) -> Any:
    return contexts.new().new_page()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where the screenshots go, to be looked at: $SECTORWB_SCREENSHOTS or tmp."""
    folder = Path(os.environ.get("SECTORWB_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(page: Any, server: VoilaServer, team: str, region: str) -> None:
    # Voila streams the page as the kernel runs: wait for the charts, not "load".
    page.goto(
        server.url("step2_scope.ipynb", team, f"region={region}"), wait_until="commit"
    )
    expect(page.locator(BUBBLES)).to_be_visible(timeout=LOAD_MS)


def _levels(page: Any) -> list[str]:
    return page.get_by_label("Industry level").evaluate(
        "s => [...s.options].map(o => o.text.replace(/\\u00a0/g, ' '))"
    )


def _whole_page(page: Any, path: Path) -> None:
    """The page scrolls inside Voila's frame: a tall window shows all of it."""
    page.set_viewport_size({"width": 1366, "height": 6000})
    page.screenshot(path=str(path))


def _no_overlaps(page: Any) -> int:
    result = page.locator(f"{BUBBLES} svg").evaluate(_OVERLAPS)
    assert result["found"] == [], result
    return result["names"]


def test_shortlisted_sector_is_offered_in_preparing_to_launch(
    page: Any, served: VoilaServer, team: str, wait_saved: Any
) -> None:
    outside: list[str] = []
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if not r.url.startswith(("data:", served.base_url))
            else None
        ),
    )
    _open(page, served, team, "demo")
    body = page.inner_text("body")
    assert "Illustrative data" in body  # the demo region never passes for real data
    assert page.locator(".sectorwb-chart svg").count() >= 3

    pick = page.get_by_label("Industry", exact=True)
    pick.select_option(index=1)
    # ipywidgets shows option spaces as no-break spaces
    label = pick.evaluate("s => s.options[s.selectedIndex].text").replace("\u00a0", " ")
    sector = label.rsplit(" (", 1)[0]
    page.get_by_label("Why (short rationale)").fill("many jobs, good pay")
    add = page.get_by_role("button", name="Add to shortlist")
    add.click()
    expect(page.get_by_label("Target sector, row 1")).to_have_value(sector)
    expect(page.get_by_text(f"Added {sector} to the shortlist, row 1")).to_be_visible()
    # The same sector again: nothing is added, and the page says why.
    add.click()
    expect(
        page.get_by_text(f"{sector} is already on the shortlist (row 1)")
    ).to_be_visible()
    expect(page.get_by_label("Target sector, row 2")).to_have_value("")
    wait_saved(page)
    saved = served.saved_answers(team, "step2_scope")["target_sectors"]
    assert saved[0] == {"Target sector": sector, "Rationale": "many jobs, good pay"}

    page.goto(
        served.url("preparing_to_launch.ipynb", team, "region=demo"),
        wait_until="commit",
    )
    box = page.get_by_label("Target Sector:")
    expect(box).to_be_visible(timeout=LOAD_MS)
    offered = page.locator("datalist option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert sector in offered
    assert outside == []


def test_demo_offers_only_its_levels_and_draws_every_sector(
    page: Any, served: VoilaServer, team: str, shots: Path
) -> None:
    _open(page, served, team, "demo")
    # The demo files have sectors and 3-digit subsectors, no 4-digit rows.
    assert _levels(page) == ["Sectors (NAICS 2-digit)", "Subsectors (NAICS 3-digit)"]
    expect(
        page.get_by_text(
            "Not offered for this region: Industry groups (NAICS 4-digit). Its QCEW "
            "files have no rows at that level."
        )
    ).to_be_visible()
    body = page.inner_text("body")
    assert "NaN" not in body and "0 of 0" not in body
    assert "of 19 sectors meet at least one criterion" in body
    # The pay chart has the two best-paid sectors, the smallest ones too.
    pay = page.locator(PAY)
    for sector in ("Management of companies and enterprises", "Utilities"):
        expect(pay).to_contain_text(sector)
    expect(pay).to_contain_text(
        "Not drawn (suppressed by BLS): Mining, quarrying, and oil and gas extraction"
    )
    bubbles = page.locator(BUBBLES)
    expect(bubbles).to_contain_text("2023 annual averages · Sectors (NAICS 2-digit)")
    expect(bubbles).not_to_contain_text(" level")
    assert 4 <= _no_overlaps(page) <= 8
    page.locator(BUBBLES).screenshot(path=str(shots / "demo-bubbles.png"))
    _whole_page(page, shots / "demo-page.png")


def test_the_view_is_kept_with_the_teams_answers(
    page: Any, served: VoilaServer, team: str, wait_saved: Any, contexts: Contexts
) -> None:
    _open(page, served, team, "demo")
    page.get_by_label("Industry level").select_option(
        label="Subsectors (NAICS 3-digit)"
    )
    expect(page.locator(BUBBLES)).to_contain_text("Subsectors (NAICS 3-digit)")
    share = page.get_by_label("Many jobs: share ≥ %")
    share.fill("5")
    share.press("Enter")
    page.get_by_label("Ownership").select_option(
        label="All employers (private and government)"
    )
    expect(page.locator(BUBBLES)).to_contain_text(
        "All employers (private and government)"
    )
    wait_saved(page)
    saved = served.saved_answers(team, "step2_scope")["lmi.explorer"]
    assert saved == {
        "region": "demo",
        "level": "3",
        "ownership": "all",
        "min_share": 5.0,
        "min_pay": 1.0,
        "min_lq": 1.0,
    }
    # Tomorrow, on another laptop: the same view.
    again = contexts.new().new_page()
    _open(again, served, team, "demo")
    expect(again.locator(BUBBLES)).to_contain_text("Subsectors (NAICS 3-digit)")
    expect(again.get_by_label("Many jobs: share ≥ %")).to_have_value("5")
    for name, shown in (("Industry level", "Subsectors"), ("Ownership", "All")):
        box = again.get_by_label(name)
        assert shown in box.evaluate("s => s.options[s.selectedIndex].text")


def test_real_bls_sample_every_level_named_and_legible(
    page: Any, served: VoilaServer, team: str, shots: Path
) -> None:
    _open(page, served, team, "delaware")
    body = page.inner_text("body")
    assert "Illustrative data" not in body
    assert _levels(page) == [
        "Sectors (NAICS 2-digit)",
        "Subsectors (NAICS 3-digit)",
        "Industry groups (NAICS 4-digit)",
    ]
    bubbles = page.locator(BUBBLES)
    # The sample has no U.S. rows: LQ against the state, and the page says why.
    expect(bubbles).to_contain_text("Location quotient vs state")
    expect(page.get_by_text("About the figures: LQ U.S. left empty")).to_be_visible()
    expect(bubbles).to_contain_text("Not drawn (suppressed by BLS)")
    pay = page.locator(PAY)
    expect(pay).to_contain_text("Utilities")  # the best paid, with the fewest jobs
    _no_overlaps(page)
    page.locator(BUBBLES).screenshot(path=str(shots / "de-sector.png"))

    page.get_by_label("Industry level").select_option(
        label="Industry groups (NAICS 4-digit)"
    )
    expect(bubbles).to_contain_text("Industry groups (NAICS 4-digit)")
    expect(page.get_by_text("The 25 best ranked are listed")).to_be_visible()
    expect(pay).to_contain_text("Drawn: the 20 with the most jobs")
    assert "NaN" not in page.inner_text("body")
    assert 3 <= _no_overlaps(page) <= 8
    page.locator(BUBBLES).screenshot(path=str(shots / "de-4digit.png"))
    _whole_page(page, shots / "de-page.png")
