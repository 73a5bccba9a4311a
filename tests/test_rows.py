"""Tests for big tables (sectorwb.rows and fields.TableField), without a kernel: click
the buttons, set ``.value``, count the widgets that exist and check the old ones are
closed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ipywidgets as W
import pytest
from ipywidgets.widgets.widget import _instances

from sectorwb import content, fields, widgets
from sectorwb.rows import PAGE_ROWS
from sectorwb.schema import Table
from sectorwb.store import Store

COLUMNS = ["Action", "Stage", "Status", "Who"]


def _table(text: str = "Next steps", **extra: Any) -> Table:
    return Table(
        kind="table",
        id="steps",
        text=text,
        columns=COLUMNS,
        preset=["1. Call the chair", "2. Book the room"],
        blank_rows=2,
        blank_placeholder="Other?",
        column_options={"Status": ["Planned", "Done"]},
        column_suggestions={"Stage": ["Recruit", "Launch"]},
        **extra,
    )


@pytest.fixture
def field() -> fields.TableField:
    return fields.field_for(_table())


def _rows(n: int, start: int = 0) -> list[dict[str, str]]:
    return [
        {"Action": f"a{i}", "Stage": f"s{i}", "Status": "Done", "Who": f"w{i}"}
        for i in range(start, start + n)
    ]


def _descendants(widget: W.Widget) -> Iterator[W.Widget]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


def _buttons(field: fields.TableField) -> dict[str, W.Button]:
    found = [w for w in _descendants(field) if isinstance(w, W.Button)]
    return {b.description: b for b in found}


def _cells(field: fields.TableField) -> list[W.Widget]:
    return [w for w in _descendants(field) if "sectorwb-cell" in w._dom_classes]


def _row_boxes(field: fields.TableField) -> list[W.Widget]:
    return [c for c in field._rows.children if "sectorwb-row" in c._dom_classes]


def _pager_text(field: fields.TableField) -> str:
    return field._pager._where.value if field._pager else ""


# -- adding rows --------------------------------------------------------------------------
def test_add_a_row_builds_one_rows_widgets_and_keeps_the_others(field) -> None:
    before_cells = _cells(field)
    before = len(_instances)
    _buttons(field)["Add a row"].click()
    # The row's cells, its Remove button and its box; nothing else is built.
    assert len(_instances) == before + len(COLUMNS) + 2
    after = _cells(field)
    assert after[: len(before_cells)] == before_cells  # the same widgets, not rebuilt
    assert all(c.comm is not None for c in after)
    assert [c.description for c in after[-len(COLUMNS) :]] == [
        f"{c}, row 5: Next steps" for c in COLUMNS
    ]
    assert field.value[-1] == dict.fromkeys(COLUMNS, "")


def test_two_hundred_added_rows_keep_the_widget_count_flat(field) -> None:
    add = _buttons(field)["Add a row"]
    first_page = _cells(field)
    start = len(_instances)
    for _ in range(200):
        add.click()
    assert len(field.value) == 204
    # The page with the new row is shown: rows 201-204, the rest closed.
    assert _pager_text(field).endswith("Rows 201–204 of 204</span>")
    assert len(_row_boxes(field)) == 4
    assert _cells(field)[-1].description == "Who, row 204: Next steps"
    assert all(c.comm is None for c in first_page if c not in _cells(field))
    # What is left is one page at most, plus the pager (built once).
    assert len(_instances) <= start + PAGE_ROWS * (len(COLUMNS) + 2) + 4


def test_typing_in_an_added_row_reaches_value_and_each_change_is_observed(
    field,
) -> None:
    seen: list[Any] = []
    field.observe(lambda ch: seen.append(ch["new"]), names="value")
    _buttons(field)["Add a row"].click()
    who = _cells(field)[-1]
    who.value = "Dana"
    assert field.value[-1]["Who"] == "Dana"
    assert len(seen) == 2 and seen[-1] == field.value
    _buttons(field)["Add a row"].click()
    assert field.value[4]["Who"] == "Dana"  # rows typed earlier survive


# -- value set from outside (saved answers, another laptop's merge) ----------------------
def test_loading_rows_updates_cells_in_place_and_closes_only_the_difference(
    field,
) -> None:
    cells = _cells(field)
    field.value = _rows(3)
    now = _cells(field)
    assert now == cells[: 3 * len(COLUMNS)]  # the same widgets, new values
    assert [c.value for c in now[: len(COLUMNS)]] == ["a0", "s0", "Done", "w0"]
    assert all(c.comm is None for c in cells[3 * len(COLUMNS) :])
    field.value = _rows(6)
    assert _cells(field)[: 3 * len(COLUMNS)] == now
    assert len(_row_boxes(field)) == 6
    assert field._pager is None  # a short table has no pager


def test_a_thousand_rows_show_one_page_and_value_keeps_them_all(field) -> None:
    before = len(_instances)
    field.value = _rows(1000)
    assert len(field.value) == 1000
    assert len(_row_boxes(field)) == PAGE_ROWS
    assert len(_instances) <= before + PAGE_ROWS * (len(COLUMNS) + 2) + 4
    assert _pager_text(field).endswith("Rows 1–50 of 1,000</span>")
    assert _cells(field)[0].description == "Action, row 1: Next steps"


def test_not_a_list_of_rows_reads_as_an_empty_table(field) -> None:
    field.value = None
    assert _row_boxes(field) == []
    _buttons(field)["Add a row"].click()
    assert field.value == [dict.fromkeys(COLUMNS, "")]
    field.value = [{"Action": "kept"}, "junk", 3]
    assert field.value == [{"Action": "kept"}]
    assert [c.value for c in _cells(field)] == ["kept", "", "", ""]


# -- paging ----------------------------------------------------------------------------
def test_next_and_previous_rows_page_through_and_edit_the_right_row(field) -> None:
    field.value = _rows(120)
    buttons = _buttons(field)
    prev, nxt = buttons["Previous rows"], buttons["Next rows"]
    assert prev.disabled and not nxt.disabled
    widgets_before = _cells(field)
    nxt.click()
    assert _pager_text(field).endswith("Rows 51–100 of 120</span>")
    cells = _cells(field)
    assert cells == widgets_before  # the page's widgets are reused for other rows
    assert (
        cells[0].description == "Action, row 51: Next steps" and cells[0].value == "a50"
    )
    nxt.click()
    assert _pager_text(field).endswith("Rows 101–120 of 120</span>")
    assert nxt.disabled and not prev.disabled
    assert len(_row_boxes(field)) == 20
    last = _cells(field)[-1]
    assert last.description == "Who, row 120: Next steps"
    last.value = "edited on the last page"
    assert field.value[119]["Who"] == "edited on the last page"
    assert field.value[118]["Who"] == "w118"
    prev.click()
    assert _cells(field)[0].value == "a50"


def test_pick_list_and_suggestion_cells_follow_their_row_across_pages(field) -> None:
    rows = _rows(60)
    rows[55]["Status"] = "Retired option"  # a value the YAML no longer lists
    field.value = rows
    field.suggest({})
    _buttons(field)["Next rows"].click()
    status = [
        c for c in _cells(field) if c.description == "Status, row 56: Next steps"
    ][0]
    assert isinstance(status, W.Dropdown)
    assert status.value == "Retired option"
    assert {"Planned", "Done", "Retired option"} <= set(status.options)
    stage = [c for c in _cells(field) if c.description == "Stage, row 51: Next steps"][
        0
    ]
    assert isinstance(stage, W.Combobox) and stage.options == ("Recruit", "Launch")
    _buttons(field)["Previous rows"].click()
    status = [c for c in _cells(field) if c.description == "Status, row 6: Next steps"][
        0
    ]
    assert status.value == "Done" and "Retired option" not in status.options


def test_offered_answers_reach_cells_built_later() -> None:
    field = fields.field_for(_table(column_offers={"Who": "support_partners"}))
    field.suggest({"support_partners": ["Chamber", "College"]})
    _buttons(field)["Add a row"].click()
    who = _cells(field)[-1]
    assert isinstance(who, W.Combobox) and who.options == ("Chamber", "College")


def test_placeholder_only_on_the_first_cell_of_rows_after_the_presets(field) -> None:
    field.value = [*field.value, *_rows(1)]
    first_column = _cells(field)[:: len(COLUMNS)]
    assert [c.placeholder for c in first_column] == [
        "",
        "",
        "Other?",
        "Other?",
        "Other?",
    ]


# -- removing rows ---------------------------------------------------------------------
def test_remove_row_removes_that_row_and_closes_the_last_rows_widgets(field) -> None:
    field.value = [*field.value, *_rows(2)]  # 2 preset, 2 blank, a0, a1
    boxes = _row_boxes(field)
    _buttons(field)["Remove row 5: Next steps"].click()
    assert [r["Action"] for r in field.value[4:]] == ["a1"]
    assert len(field.value) == 5
    assert _row_boxes(field) == boxes[:5]
    assert boxes[5].comm is None  # the widgets that showed the last row are closed
    assert _cells(field)[4 * len(COLUMNS)].value == "a1"
    assert "Remove row 6: Next steps" not in _buttons(field)


def test_preset_rows_cannot_be_removed(field) -> None:
    buttons = _buttons(field)
    for n in (1, 2):
        assert buttons[f"Remove row {n}: Next steps"].disabled
        assert buttons[f"Remove row {n}: Next steps"].layout.visibility == "hidden"
    assert not buttons["Remove row 3: Next steps"].disabled
    buttons[
        "Remove row 1: Next steps"
    ].click()  # a click that reaches it anyway changes nothing
    assert field.value[0]["Action"] == "1. Call the chair"


def test_removing_on_a_later_page_removes_the_real_row_and_stays_there(field) -> None:
    field.value = _rows(101)
    buttons = _buttons(field)
    buttons["Next rows"].click()
    buttons["Next rows"].click()
    assert _pager_text(field).endswith("Rows 101–101 of 101</span>")
    _buttons(field)["Remove row 101: Next steps"].click()
    # The last page emptied: the page before it is shown.
    assert len(field.value) == 100 and field.value[-1]["Action"] == "a99"
    assert _pager_text(field).endswith("Rows 51–100 of 100</span>")
    _buttons(field)["Remove row 51: Next steps"].click()
    assert field.value[50]["Action"] == "a51"
    assert _row_boxes(field) and len(field.value) == 99
    assert _cells(field)[0].description == "Action, row 51: Next steps"


def test_another_laptops_rows_merge_into_the_same_cell_widgets(tmp_path: Any) -> None:
    store = Store(tmp_path / "a.sqlite3")
    ws = content.get("preparing_to_launch")
    one, two = widgets.WorksheetForm(ws), widgets.WorksheetForm(ws)
    one.bind(store, "T")
    two.bind(store, "T")
    table = two.fields["next_steps"]
    cells = _cells(table)
    _buttons(one.fields["next_steps"])["Add a row"].click()  # saved by laptop one
    _cells(table)[1].value = "June"  # laptop two types: its save merges both
    assert len(table.value) == len(one.fields["next_steps"].value)
    assert table.value[0]["Timeline"] == "June"
    assert _cells(table)[: len(cells)] == cells  # the same widgets, one row more
    assert all(c.comm is not None for c in _cells(table))
    store.close()


# -- names -----------------------------------------------------------------------------
def test_cells_of_two_tables_with_the_same_column_have_different_names() -> None:
    sheet = content.get("step1_support_team")
    tables = [q for q in sheet.questions() if isinstance(q, Table)]
    with_organisation = [t for t in tables if "Organization" in t.columns]
    assert len(with_organisation) >= 2  # the page the names were repeated on
    names = [
        c.description
        for t in with_organisation
        for c in _cells(fields.field_for(t))
        if c.description.startswith("Organization, row 1:")
    ]
    assert len(names) == len(with_organisation) == len(set(names))


def test_a_long_question_is_shortened_at_a_word_in_its_cells_names() -> None:
    long = "2. As individual program leaders, take 5-10 minutes to write down the path"
    field = fields.field_for(_table(text=long))
    name = _cells(field)[0].description
    assert name.startswith("Action, row 1: 2. As individual program leaders,")
    assert name.endswith("…") and len(name) <= len("Action, row 1: ") + 60
    assert "the path" not in name
    assert f"Remove row 3: {name.split(': ', 1)[1]}" in _buttons(field)
