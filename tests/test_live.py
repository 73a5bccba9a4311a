"""Tests for sectorwb.live: the merge rules, and two forms (two laptops) on one store
following each other's saves without a kernel (``sync`` is what the poller calls)."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as W
import pytest

from sectorwb import content, live, widgets
from sectorwb.store import Store

SHEET = "preparing_to_launch"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECTORWB_DATA_DIR", str(tmp_path / "data"))
    content._all.cache_clear()


@pytest.fixture
def laptops(store: Store) -> tuple[widgets.WorksheetForm, widgets.WorksheetForm]:
    ws = content.get(SHEET)
    one, two = widgets.WorksheetForm(ws), widgets.WorksheetForm(ws)
    one.bind(store, "T")
    two.bind(store, "T")
    return one, two


def _notices(form: widgets.WorksheetForm) -> list[live.ConflictNotice]:
    return list(form.conflicts.children)


def _button(notice: live.ConflictNotice, label: str) -> W.Button:
    buttons = [b for b in notice.children[1].children if b.description == label]
    assert buttons, f"no button {label!r} in the notice"
    return buttons[0]


# -- merge and follow ---------------------------------------------------------------------
def test_merge_keeps_the_other_laptops_cells() -> None:
    base = [{"A": "", "B": ""}, {"A": "", "B": ""}]
    mine = [{"A": "mine", "B": ""}, {"A": "", "B": ""}]
    theirs = [{"A": "", "B": ""}, {"A": "theirs", "B": ""}]
    assert live.merge(base, mine, theirs) == (
        [{"A": "mine", "B": ""}, {"A": "theirs", "B": ""}],
        False,
    )
    assert live.merge("a", "a", "c") == ("c", False)  # untouched here: theirs
    assert live.merge("a", "b", "a") == ("b", False)  # only here: mine
    assert live.merge("a", "b", "b") == ("b", False)  # both typed the same
    assert live.merge("a", "b", "c") == ("b", True)  # both typed: a conflict
    yes = live.merge(
        {"answer": None, "notes": ""},
        {"answer": "Yes", "notes": ""},
        {"answer": None, "notes": "theirs"},
    )
    assert yes == ({"answer": "Yes", "notes": "theirs"}, False)


def test_merge_reports_a_conflict_in_one_cell_and_keeps_the_rest() -> None:
    base = [{"A": "", "B": ""}]
    mine = [{"A": "mine", "B": "b"}]
    theirs = [{"A": "theirs", "B": ""}, {"A": "new row", "B": ""}]
    merged, conflict = live.merge(base, mine, theirs)
    assert conflict
    assert merged == [{"A": "mine", "B": "b"}, {"A": "new row", "B": ""}]


@pytest.mark.parametrize(
    ("base", "mine", "theirs", "pending", "origin", "action"),
    [
        ("a", "a", "a", False, None, "same"),
        ("a", "b", "b", True, "a", "same"),
        ("a", "a", "c", False, None, "apply"),
        ("a", "a", "c", False, "", "replaced"),  # typed "a" here, then saved over
        ("a", "b", "c", True, "a", "conflict"),
        ({"x": 1, "y": 1}, {"x": 2, "y": 1}, {"x": 1, "y": 3}, True, None, "merge"),
        # Saved over, but what this page typed (x) is still there: no news.
        (
            {"x": 2, "y": 1},
            {"x": 2, "y": 1},
            {"x": 2, "y": 3},
            False,
            {"x": 1, "y": 1},
            "apply",
        ),
    ],
)
def test_follow_decides_by_what_this_page_did(
    base, mine, theirs, pending, origin, action
) -> None:
    assert live.follow(base, mine, theirs, pending, origin).action == action


# -- two forms on one store ---------------------------------------------------------------
def test_a_save_on_one_laptop_shows_on_the_other_without_a_notice(laptops) -> None:
    one, two = laptops
    one.fields["target_sector"].value = "Health care"
    assert two.fields["target_sector"].value == ""
    two.sync()
    assert two.fields["target_sector"].value == "Health care"
    assert _notices(two) == []
    assert two._pending == {}  # shown as saved, not saved again


def test_different_fields_on_two_laptops_both_arrive(laptops, store: Store) -> None:
    one, two = laptops
    one.fields["target_sector"].value = "Energy"
    two.fields["agree_on_sector"].value = {"answer": "Yes", "notes": ""}
    one.sync()
    saved = store.answers("T", SHEET)
    assert saved["target_sector"] == "Energy"
    assert saved["agree_on_sector"] == {"answer": "Yes", "notes": ""}
    assert one.answers()["agree_on_sector"] == two.answers()["agree_on_sector"]
    assert two.answers()["target_sector"] == "Energy"
    assert _notices(one) == _notices(two) == []


def test_same_field_on_two_laptops_is_never_replaced_silently(
    laptops, store: Store
) -> None:
    one, two = laptops
    one.fields["target_sector"].value = "Energy"  # saved at once (no event loop)
    two.fields["target_sector"].value = "Health"  # its save sees Energy first
    # The second laptop keeps its text, saves it, and is told about the first.
    assert store.answers("T", SHEET)["target_sector"] == "Health"
    [notice] = _notices(two)
    assert "changed on another laptop" in notice.children[0].value
    assert "Energy" in notice.children[0].value
    # The first laptop now shows the saved answer and can bring its own back.
    one.sync()
    assert one.fields["target_sector"].value == "Health"
    [back] = _notices(one)
    assert "Yours: Energy" in back.children[0].value
    _button(back, "Show mine").click()
    assert one.fields["target_sector"].value == "Energy"
    assert store.answers("T", SHEET)["target_sector"] == "Energy"
    assert _notices(one) == []
    # Both versions are in the history.
    values = [v for _t, v in store.history("T", SHEET, "target_sector")]
    assert values == ["Energy", "Health", "Energy"]


def test_keep_mine_closes_the_notice_and_keeps_the_text(laptops, store: Store) -> None:
    one, two = laptops
    one.fields["target_sector"].value = "Energy"
    two.fields["target_sector"].value = "Health"
    [notice] = _notices(two)
    _button(notice, "Keep mine").click()
    assert _notices(two) == []
    parts = [notice.children[0], *notice.children[1].children]
    assert notice.comm is None  # closed, not left behind, with its parts
    assert all(part.comm is None for part in parts)
    assert two.fields["target_sector"].value == "Health"
    assert store.answers("T", SHEET)["target_sector"] == "Health"


def test_a_second_change_of_one_answer_replaces_its_notice(laptops) -> None:
    one, two = laptops
    one.fields["target_sector"].value = "Energy"
    two.fields["target_sector"].value = "Health"
    one.sync()
    two.fields["target_sector"].value = "Health care"
    one.sync()
    assert len(_notices(one)) == 1


def test_a_table_merges_cell_by_cell_across_laptops(laptops, store: Store) -> None:
    one, two = laptops
    rows = [dict(r) for r in one.fields["next_steps"].value]
    rows[0]["Timeline"] = "June"
    one.fields["next_steps"].value = rows
    two.sync()
    rows = [dict(r) for r in two.fields["next_steps"].value]
    rows[1]["Timeline"] = "July"
    two.fields["next_steps"].value = rows
    one.sync()
    saved = store.answers("T", SHEET)["next_steps"]
    assert [r["Timeline"] for r in saved[:2]] == ["June", "July"]
    assert one.fields["next_steps"].value == saved
    assert _notices(one) == _notices(two) == []


def test_a_save_overtaken_between_look_and_write_is_taken_in_and_retried(
    laptops, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, _two = laptops
    real_save = store.save
    overtaken = []

    def another_laptop_first(*args, **kwargs):
        if not overtaken:  # just after this page looked at the feed
            overtaken.append(True)
            real_save("T", SHEET, {"target_sector": "Saved by the other laptop"})
        return real_save(*args, **kwargs)

    monkeypatch.setattr(store, "save", another_laptop_first)
    one.fields["target_sector"].value = "Typed here"
    assert store.answers("T", SHEET)["target_sector"] == "Typed here"
    [notice] = _notices(one)
    assert "Saved by the other laptop" in notice.children[0].value
    assert "All changes saved" in one.status.value
