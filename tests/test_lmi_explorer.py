"""Tests for sectorwb.lmi.explorer and its settings, without a kernel: the Step 2
form bound to a real SQLite store, the demo region and the real BLS sample."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sectorwb import content, regions, widgets
from sectorwb.store import Store

ROOT = Path(__file__).resolve().parents[1]
DE = (
    ROOT.parent
    / "shared"
    / "data"
    / "qcew"
    / "qcew_2017_annual_singlefile_DE_10xxx_all_rows.csv"
)
SHEET = "step2_scope"
KEY = "lmi.explorer"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SECTORWB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SECTORWB_CACHE_DIR", str(tmp_path / "cache"))
    shelf = tmp_path / "regions"
    shutil.copytree(ROOT / "data" / "regions" / "demo", shelf / "demo")
    regions.create_region(
        "delaware",
        qcew=[DE],
        name="Delaware",
        state="10000",
        counties=["10001", "10003", "10005"],
        base=shelf,
    )
    monkeypatch.setenv(regions.REGIONS_DIR_ENV, str(shelf))
    content._all.cache_clear()
    yield
    content._all.cache_clear()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    made = Store(tmp_path / "answers.sqlite3")
    yield made
    made.close()


def _open(store: Store, region: str | None = "demo") -> tuple[Any, Any]:
    form = widgets.WorksheetForm(content.get(SHEET))
    form.bind(store, "Alpha")
    explorer = form.explorers[0]
    explorer.use_region(region)
    return form, explorer


def _said(explorer: Any) -> str:
    return " ".join(w.value for w in explorer.feedback.children)


def _page_text(explorer: Any) -> str:
    return " ".join(getattr(w, "value", "") for w in explorer.results.children)


def test_levels_without_rows_are_not_offered_and_said_so(store: Store) -> None:
    _form, explorer = _open(store)
    assert [v for _label, v in explorer.level.options] == ["sector", "3"]
    assert "Not offered for this region: Industry groups (NAICS 4-digit)" in (
        _page_text(explorer)
    )
    assert "of 19 sectors meet at least one criterion" in _page_text(explorer)
    explorer.region.value = "delaware"  # real BLS rows at every level
    assert [v for _label, v in explorer.level.options] == ["sector", "3", "4"]
    assert "Not offered" not in _page_text(explorer)
    assert "About the figures: LQ U.S. left empty" in _page_text(explorer)


def test_a_saved_level_the_region_lacks_falls_back_with_a_note(store: Store) -> None:
    store.save("Alpha", SHEET, {KEY: {"region": "demo", "level": "4"}})
    _form, explorer = _open(store, None)
    assert explorer.level.value == "sector"
    assert "Showing Sectors (NAICS 2-digit) instead." in _page_text(explorer)


def test_settings_are_saved_with_the_answers_and_shown_again(store: Store) -> None:
    form, explorer = _open(store)
    assert KEY not in store.answers("Alpha", SHEET)  # nothing chosen, nothing saved
    explorer.level.value = "3"
    explorer.ownership.value = "all"
    explorer.min_lq.value = 1.2
    form.flush()
    assert store.answers("Alpha", SHEET)[KEY] == {
        "region": "demo",
        "level": "3",
        "ownership": "all",
        "min_share": 2.0,
        "min_pay": 1.0,
        "min_lq": 1.2,
    }
    _again, shown = _open(store, None)
    assert shown.current() == explorer.current()
    assert "Subsectors (NAICS 3-digit)" in _page_text(shown)
    # The page's ?region= wins over the saved one; the rest is kept.
    _other, linked = _open(store, "delaware")
    assert (linked.region.value, linked.level.value) == ("delaware", "3")


def test_damaged_settings_are_ignored_not_fatal(store: Store) -> None:
    store.save(
        "Alpha",
        SHEET,
        {KEY: {"region": "gone", "level": 7, "ownership": "x", "min_share": "big"}},
    )
    _form, explorer = _open(store, None)
    assert explorer.current() == {
        "region": "delaware",  # the first region
        "level": "sector",
        "ownership": "private",
        "min_share": 2.0,
        "min_pay": 1.0,
        "min_lq": 1.0,
    }


def test_settings_are_not_an_answer_of_any_export(store: Store) -> None:
    form, explorer = _open(store)
    explorer.level.value = "3"
    form.flush()
    ws = content.get(SHEET)
    done, total = ws.progress(store.answers("Alpha", SHEET))
    assert done == 0 and total == len(ws.questions())


def test_every_shortlist_click_says_what_it_did(store: Store) -> None:
    form, explorer = _open(store)
    explorer.add_to_shortlist()
    assert "Pick an industry in the Industry list first." in _said(explorer)
    explorer.pick.index = 0
    first = explorer.pick.value
    explorer.why.value = "many jobs"
    explorer.add_to_shortlist()
    assert f"Added {first} to the shortlist, row 1" in _said(explorer)
    explorer.add_to_shortlist()
    assert f"{first} is already on the shortlist (row 1): nothing added." in (
        _said(explorer)
    )
    form.fields["target_sectors"].value = [
        {"Target sector": f"  {first.upper()} ", "Rationale": ""}
    ]
    explorer.add_to_shortlist()  # case and spaces do not make it another sector
    assert "already on the shortlist (row 1)" in _said(explorer)
    explorer.pick.options = []
    explorer.add_to_shortlist()
    assert "Nothing to add yet: the Industry list fills once" in _said(explorer)
    form.flush()
    rows = store.answers("Alpha", SHEET)["target_sectors"]
    assert [r["Target sector"] for r in rows if r["Target sector"]] == [
        f"  {first.upper()} "
    ]


def test_a_teammates_view_is_taken_in_without_a_notice(store: Store) -> None:
    store.save("Alpha", SHEET, {KEY: {"region": "demo", "level": "sector"}})
    mine, here = _open(store)
    theirs, there = _open(store)
    here.level.value = "3"
    mine.flush()
    there.ownership.value = "all"
    theirs.flush()
    mine.sync()
    assert mine.conflicts.children == ()
    assert here.level.value == "3"  # this laptop's charts do not jump
    assert store.answers("Alpha", SHEET)[KEY]["ownership"] == "all"


def test_bls_titles_beside_the_files_name_the_finer_industries(store: Store) -> None:
    _form, explorer = _open(store, "delaware")
    explorer.level.value = "4"
    names = [value for _label, value in explorer.pick.options]
    # industry_titles.csv lies beside the sample: read from there, code prefix cut
    assert "Employment services" in names
    assert not any(n.startswith("NAICS ") for n in names)
    _form, demo = _open(store, "demo")  # no titles file: the built-in titles
    assert "Utilities" in [value for _label, value in demo.pick.options]
