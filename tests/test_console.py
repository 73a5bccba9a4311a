"""The trainer console without a browser: pages say they are open, and the console
follows saves, team changes and the pages open, reading only what changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sectorwb import academy, config, content, presence
from sectorwb.console import Console
from sectorwb.store import Store

TEAMS = ["Aurora Health", "Team C"]


@pytest.fixture
def made(data: Path, monkeypatch: pytest.MonkeyPatch) -> academy.Academy:
    found, _key = academy.create("Room Test 2027", "demo", TEAMS)
    monkeypatch.setenv(config.ACADEMY_ENV, found.slug)
    yield found
    found.store.close()


def test_a_page_of_an_academy_says_it_is_open(made: academy.Academy) -> None:
    presence.announce(made.store, "Team C", "start")
    assert made.store.open_pages(presence.cutoff()) == {"Team C": 1}


def test_a_page_of_no_academy_writes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "answers.sqlite3")
    presence.announce(store, "Team C", "start")
    assert store.open_pages("2000-01-01") == {}
    store.close()


# -- the console's widgets, without a kernel ----------------------------------------
SHEET = "preparing_to_launch"


def _cell(console: Console, team: str, worksheet: str = SHEET) -> str:
    """The text of one grid cell ("1 / 9")."""
    grid = console.grid.value
    start = grid.index(f'data-team="{team}" data-worksheet="{worksheet}"')
    return grid[grid.index(">", start) + 1 : grid.index("</button>", start)]


def test_the_grid_follows_saves_reading_only_new_rows(
    made: academy.Academy, monkeypatch: pytest.MonkeyPatch
) -> None:
    made.store.save("Team C", SHEET, {"target_sector": "Health"})
    console = Console(made, made.store)
    total = content.get(SHEET).progress({})[1]
    assert _cell(console, "Team C") == f"1 / {total}"
    assert _cell(console, "Aurora Health") == f"0 / {total}"
    asked: list[int] = []
    real = made.store.latest_since
    monkeypatch.setattr(
        made.store, "latest_since", lambda after=0: asked.append(after) or real(after)
    )
    made.store.save("Aurora Health", SHEET, {"target_sector": "Energy"})
    console.refresh()
    assert _cell(console, "Aurora Health") == f"1 / {total}"
    assert asked[-1] > 0  # only rows after the last one seen
    console.refresh()
    assert asked[-1] == real()[-1].id  # nothing new since: an empty range is read
    console.report_team.value, console.report_sheet.value = "Aurora Health", SHEET
    made.store.save("Aurora Health", SHEET, {"target_sector": "Energy and water"})
    console.refresh()
    assert "Energy and water" in console.report.value  # the shown team, redrawn


def test_a_team_renamed_elsewhere_is_read_again(made: academy.Academy) -> None:
    made.store.save("Team C", SHEET, {"target_sector": "Health"})
    console = Console(made, made.store)
    made.rename_team("Team C", "Metro Health")  # as `sectorwb academy rename` does
    console.refresh()
    assert 'data-team="Team C"' not in console.grid.value
    assert _cell(console, "Metro Health").startswith("1 / ")
    assert "Metro Health" in console.report_team.options


def test_pages_open_and_removed_teams_show_in_the_grid(made: academy.Academy) -> None:
    made.store.save("Team C", SHEET, {"target_sector": "Health"})
    made.store.mark_open("k1", "Aurora Health", SHEET)
    made.store.mark_open("k2", "Aurora Health", "start")
    console = Console(made, made.store)
    assert '<span class="sectorwb-open">● 2</span>' in console.grid.value
    made.remove_team("Team C")
    console.refresh()
    assert 'data-team="Team C"' not in console.grid.value
    assert "Removed teams whose answers are kept: Team C" in console.grid.value


def test_a_clicked_cell_opens_the_report_out_view(made: academy.Academy) -> None:
    made.store.save("Team C", SHEET, {"target_sector": "Health <care>"})
    console = Console(made, made.store)
    console.opener.value = json.dumps({"team": "Team C", "worksheet": SHEET, "at": 1})
    assert (console.report_team.value, console.report_sheet.value) == ("Team C", SHEET)
    assert console.tabs.selected_index == 1
    assert "Health &lt;care&gt;" in console.report.value
    # Anything else written into the box changes nothing.
    for junk in ("not json", json.dumps({"team": "Nobody", "worksheet": SHEET})):
        console.opener.value = junk
        assert console.report_team.value == "Team C"


def test_the_wall_picks_a_worksheet_then_one_of_its_questions(
    made: academy.Academy,
) -> None:
    answer = {"answer": "yes", "notes": "Forty CEOs came"}
    made.store.save("Team C", "step4_launch", {"aar_critical_mass": answer})
    console = Console(made, made.store)
    first = content.worksheets()[0]
    assert console.wall_sheet.value == first.id
    assert {c.worksheet for _, c in console.wall_choice.options} == {first.id}

    console.wall_sheet.value = "step4_launch"
    choices = console.wall_choice.options
    assert {c.worksheet for _, c in choices} == {"step4_launch"}
    assert console.wall_choice.value == choices[0][1]  # its first, on the wall
    picked = next(c for _, c in choices if c.question == "aar_critical_mass")
    console.wall_choice.value = picked
    assert "1. Did we engage a critical mass of business leaders" in console.wall.value
    assert "Forty CEOs came" in console.wall.value


def test_team_changes_in_the_console_keep_every_answer(made: academy.Academy) -> None:
    made.store.save("Team C", SHEET, {"target_sector": "Health"})
    console = Console(made, made.store)
    changes = console.changes
    changes.new_name.value = "North Metro"
    changes._run(None, changes._add)
    assert "Added North Metro" in changes.result.value
    assert 'data-team="North Metro"' in console.grid.value
    changes.merge_from.value, changes.merge_into.value = "Team C", "North Metro"
    changes._run(None, changes._merge)
    assert "Click again to confirm" in changes.result.value
    assert made.store.answers("Team C", SHEET)  # nothing moved yet
    changes._run(None, changes._merge)
    assert made.store.answers("North Metro", SHEET) == {"target_sector": "Health"}
    assert _cell(console, "North Metro").startswith("1 / ")
    changes.new_name.value = "Bad/Name"
    changes._run(None, changes._add)
    assert "sectorwb-error" in changes.result.value
