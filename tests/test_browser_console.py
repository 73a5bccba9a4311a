"""The trainer console of an Academy served as ``sectorwb serve --academy`` does, in
Chromium, beside a team's laptop: the key guards it; the grid, the pages open and the
room wall follow the team's typing without a reload; a grid cell opens the report-out
view; the collected files download and open."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import docx
import openpyxl
import pytest
from conftest import Contexts, VoilaServer, academy_server, contexts_on
from playwright.sync_api import expect
from test_browser import SHEET, SHEET_ID, TOTAL, open_page
from test_browser_exports import _download

from sectorwb import console, content, wall
from sectorwb.teams import TRAINER_NOTEBOOK

pytestmark = [pytest.mark.served, pytest.mark.browser, pytest.mark.slow]

TEAMS = ["Aurora Health", "Team C"]
SECTOR = "Advanced manufacturing, typed live"
OTHER = "Team C's health care"
# Long enough for a refresh of the console and the first save of a page.
LIVE_MS = int(console.REFRESH_S * 1000 * 4)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any, str]]:
    folder = tmp_path_factory.mktemp("console") / "data"
    with academy_server(folder, "Room Test 2027", TEAMS) as (server, made, key):
        made.store.save(
            "Team C",
            SHEET_ID,
            {
                "target_sector": OTHER,
                "next_steps": [{"Action": "Call =HYPERLINK(1)", "Timeline": "May"}],
            },
        )
        yield server, made, key


@pytest.fixture
def contexts(browser: Any, served: tuple[VoilaServer, Any, str]) -> Iterator[Contexts]:
    yield from contexts_on(browser, served[0])


def _console(server: VoilaServer, query: str = "") -> str:
    return f"{server.base_url}/voila/render/{TRAINER_NOTEBOOK}{query}"


def _open_console(contexts: Contexts, served: tuple) -> Any:
    server, _made, key = served
    page = contexts.new().new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    open_page(page, _console(server, f"?key={key}"))
    expect(page.locator("table.sectorwb-grid")).to_be_visible()
    return page


def _grid_cell(page: Any, team: str, worksheet: str) -> Any:
    return page.locator(
        f'.sectorwb-gridcell[data-team="{team}"][data-worksheet="{worksheet}"]'
    )


def _wall_label(question: str) -> str:
    """The room wall's choice of one question of the worksheet, as the page lists it."""
    return next(
        label
        for label, choice in wall.wall_choices(content.get(SHEET_ID))
        if choice == wall.WallChoice(SHEET_ID, question)
    )


def test_a_wrong_or_missing_key_shows_nothing_of_any_team(
    contexts: Contexts, served: tuple
) -> None:
    server, made, key = served
    page = contexts.new().new_page()
    open_page(page, _console(server, "?key=WRONGKEY"))
    expect(page.locator(".sectorwb-msg")).to_contain_text(
        "That is not the trainer key of Room Test 2027"
    )
    open_page(page, _console(server))
    box = page.get_by_label("Trainer key")
    expect(box).to_be_visible()
    box.fill(made.token("Aurora Health"))  # a team's code is not the key
    page.get_by_role("button", name="Open").click()
    expect(page.locator(".sectorwb-msg")).to_contain_text("not the trainer key")
    for secret in [*TEAMS, OTHER, made.token("Team C")]:
        assert secret not in page.content()
    assert page.locator("table.sectorwb-grid").count() == 0

    box.fill(key.lower())  # as typed from paper: the key, not a copy of it
    page.get_by_role("button", name="Open").click()
    expect(page.locator("table.sectorwb-grid")).to_be_visible()


def test_the_trainer_key_in_a_team_link_is_refused_with_a_reason(
    contexts: Contexts, served: tuple
) -> None:
    server, _made, key = served
    page = contexts.new().new_page()
    open_page(page, f"{server.base_url}/voila/render/{SHEET}?team=Team%20C&t={key}")
    expect(page.locator(".sectorwb-msg")).to_contain_text("This is the trainer key")
    assert OTHER not in page.content()


def test_grid_and_wall_follow_a_team_typing_without_a_reload(
    contexts: Contexts, served: tuple, wait_saved: Any
) -> None:
    server, made, _key = served
    trainer = _open_console(contexts, served)
    cell = _grid_cell(trainer, "Aurora Health", SHEET_ID)
    expect(cell).to_have_text(f"0 / {TOTAL}")
    row = trainer.locator("table.sectorwb-grid tr", has_text="Aurora Health")
    expect(row.locator("td").first).to_have_text("—")  # no page open yet

    wall_tab = trainer.get_by_role("tab", name="Room wall")
    wall_tab.click()
    projector = trainer.locator(".sectorwb-projector").filter(
        has=trainer.locator(".sectorwb-wall")
    )
    projector.get_by_label("Worksheet").select_option(label=content.get(SHEET_ID).title)
    trainer.get_by_label("Question").select_option(_wall_label("target_sector"))
    wall = trainer.locator(".sectorwb-wall")
    expect(wall).to_contain_text(OTHER)
    assert SECTOR not in wall.inner_text()

    laptop = contexts.new().new_page()
    token = made.token("Aurora Health")
    open_page(
        laptop, f"{server.base_url}/voila/render/{SHEET}?team=Aurora%20Health&t={token}"
    )
    laptop.get_by_label("Target Sector:").fill(SECTOR)
    wait_saved(laptop)

    expect(wall).to_contain_text(SECTOR, timeout=LIVE_MS)
    trainer.get_by_role("tab", name="Progress").click()
    expect(cell).to_have_text(f"1 / {TOTAL}", timeout=LIVE_MS)
    expect(row.locator("td").first).to_contain_text("1", timeout=LIVE_MS)

    # The team closes its tab (as a browser does: Voila's unload handler runs and
    # shuts the kernel down): the console stops counting it.
    laptop.close(run_before_unload=True)
    expect(row.locator("td").first).to_have_text("—", timeout=LIVE_MS)


def test_a_grid_cell_opens_the_report_out_view_without_inputs(
    contexts: Contexts, served: tuple
) -> None:
    trainer = _open_console(contexts, served)
    _grid_cell(trainer, "Team C", SHEET_ID).click()
    report = trainer.locator(".sectorwb-report")
    expect(report).to_be_visible()
    expect(report).to_contain_text(OTHER)
    expect(report).to_contain_text("Team C")
    for tag in ("input", "textarea", "select", "button", "[contenteditable]"):
        assert report.locator(tag).count() == 0, tag
    size = report.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 22


def test_collected_files_download_and_open(
    contexts: Contexts, served: tuple, tmp_path: Any
) -> None:
    _server, made, _key = served
    made.store.save("Aurora Health", SHEET_ID, {"next_steps": [{"Action": "Meet"}]})
    trainer = _open_console(contexts, served)
    trainer.get_by_role("tab", name="Collect").click()

    book = openpyxl.load_workbook(
        io.BytesIO(_download(trainer, "Next steps and every answer", ".xlsx"))
    )
    sheet = book["Preparing to Launch Next steps"]  # a sheet per table
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][0] == "Team"
    teams_with_rows = {r[0] for r in rows[1:] if any(r[1:])}
    assert {"Aurora Health", "Team C"} <= teams_with_rows
    assert all(not str(v).startswith("=") for r in rows for v in r if v)

    archive = zipfile.ZipFile(
        io.BytesIO(_download(trainer, "Every team's packet", ".zip"))
    )
    words = [n for n in archive.namelist() if n.endswith(".docx")]
    assert len(words) == len(TEAMS)
    texts = [
        "\n".join(p.text for p in docx.Document(io.BytesIO(archive.read(n))).paragraphs)
        for n in words
    ]
    assert any("Team C" in t for t in texts)
