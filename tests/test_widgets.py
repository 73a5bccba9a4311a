"""Tests for sectorwb.widgets, without a kernel: build the widgets, set ``.value``,
assert on the store and on widget state."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets as W
import pytest
from openpyxl import load_workbook
from postgres import count_rows

from sectorwb import content, export, fields, store_sqlite, ui, widgets
from sectorwb.errors import StoreError
from sectorwb.schema import DateQ, ItemList, MultiChoice, SingleChoice, Worksheet
from sectorwb.store import MAX_ANSWER_CHARS, Store

DATA = Path(__file__).parent / "data"
SHEET = "preparing_to_launch"
INPUTS = (W.Text, W.Textarea, W.RadioButtons, W.Checkbox, W.DatePicker)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SECTORWB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SECTORWB_DB", str(tmp_path / "data" / "answers.sqlite3"))
    monkeypatch.delenv(content.EXTRA_DIR_ENV, raising=False)
    content._all.cache_clear()
    yield
    content._all.cache_clear()


@pytest.fixture
def form() -> widgets.WorksheetForm:
    return widgets.WorksheetForm(content.get(SHEET))


@pytest.fixture
def all_kinds() -> Worksheet:
    return content.load_file(DATA / "all_kinds.yaml")


def _descendants(widget: W.Widget) -> Iterator[W.Widget]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


def _find(widget: W.Widget, cls: type) -> list[Any]:
    return [w for w in _descendants(widget) if isinstance(w, cls)]


def _cells(widget: W.Widget) -> list[Any]:
    """A table's cells in order, whatever their kind (text, wrapping text, dropdown)."""
    return [w for w in _descendants(widget) if "sectorwb-cell" in w._dom_classes]


def _status(form: widgets.WorksheetForm) -> str:
    return form.status.value


# -- the form and the store -------------------------------------------------------------
def test_change_after_bind_is_saved_at_once_without_event_loop(
    form: widgets.WorksheetForm, store: Store
) -> None:
    form.bind(store, "Alpha")
    form.fields["target_sector"].value = "Advanced manufacturing"
    assert store.answers("Alpha", SHEET) == {"target_sector": "Advanced manufacturing"}
    assert "All changes saved" in _status(form)
    assert form._pending == {}


def test_every_change_is_a_new_history_row(
    form: widgets.WorksheetForm, store: Store
) -> None:
    form.bind(store, "Alpha")
    field = form.fields["target_sector"]
    for value in ["H", "He", "Health"]:
        field.value = value
    history = store.history("Alpha", SHEET, "target_sector")
    assert [v for _, v in history] == ["H", "He", "Health"]


def test_changes_before_bind_are_not_saved(
    form: widgets.WorksheetForm, store: Store, target: Path | str
) -> None:
    form.fields["target_sector"].value = "typed before a team was chosen"
    form.fields["agree_on_sector"].value = {"answer": "Yes", "notes": ""}
    form.bind(store, "Alpha")
    assert store.answers("Alpha", SHEET) == {}
    assert count_rows(target) == 0
    assert "Nothing typed yet" in _status(form)


def test_bind_loads_saved_answers_without_writing(
    store: Store, target: Path | str
) -> None:
    ws = content.get(SHEET)
    table = ws.action_table.as_question().empty()
    table[0]["Timeline"] = "Next week"
    chairs = [
        {"Name": "Ana", "Business": "Acme", "Notes": ""},
        {"Name": "", "Business": "", "Notes": ""},
    ]
    saved = {
        "stakeholders_recognize": {"answer": "No", "notes": "Need a meeting"},
        "target_sector": "Health care",
        "business_chairs": chairs,
        "next_steps": table,
    }
    store.save("Alpha", SHEET, saved)
    store.save("Beta", SHEET, {"target_sector": "Energy"})
    before = count_rows(target)

    form = widgets.WorksheetForm(ws)
    form.bind(store, "Alpha")

    assert count_rows(target) == before
    for qid, value in saved.items():
        assert form.fields[qid].value == value
    yes_no = form.fields["stakeholders_recognize"]
    assert _find(yes_no, W.RadioButtons)[0].value == "No"
    assert _find(yes_no, W.Textarea)[0].value == "Need a meeting"
    assert _find(form.fields["target_sector"], W.Text)[0].get_state()["value"] == (
        "Health care"
    )
    cells = _find(form.fields["business_chairs"], W.Text)
    assert [c.value for c in cells[:3]] == ["Ana", "Acme", ""]
    assert len(cells) == 2 * 3
    assert "answers loaded" in _status(form)
    # Questions the team never answered keep their empty value.
    assert form.fields["agree_on_sector"].value == {"answer": None, "notes": ""}


def test_edit_after_loading_saves_only_the_changed_answer(
    store: Store, target: Path | str
) -> None:
    store.save("Alpha", SHEET, {"target_sector": "Health", "agree_on_sector": None})
    form = widgets.WorksheetForm(content.get(SHEET))
    form.bind(store, "Alpha")
    before = count_rows(target)
    form.fields["target_sector"].value = "Health and energy"
    assert count_rows(target) == before + 1
    assert store.answers("Alpha", SHEET)["target_sector"] == "Health and energy"


def test_form_answers_reflect_every_field(form: widgets.WorksheetForm) -> None:
    answers = form.answers()
    assert set(answers) == {q.id for q in form.worksheet.questions()}
    assert answers["next_steps"] == form.worksheet.action_table.as_question().empty()


# -- save failures ------------------------------------------------------------------------
def test_failed_save_shows_not_saved_and_keeps_the_change(
    form: widgets.WorksheetForm, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    form.bind(store, "Alpha")

    def locked(*_args: Any, **_kwargs: Any) -> str:
        raise StoreError("The answer database is locked by another program.")

    monkeypatch.setattr(store, "save", locked)
    form.fields["target_sector"].value = "Energy"
    assert "Not saved" in _status(form)
    assert "locked by another program" in _status(form)
    assert form._pending == {"target_sector": "Energy"}

    form.fields["target_sector"].value = "Energy and utilities"  # newer edit wins
    form.fields["agree_on_sector"].value = {"answer": "Yes", "notes": ""}
    assert form._pending == {
        "target_sector": "Energy and utilities",
        "agree_on_sector": {"answer": "Yes", "notes": ""},
    }

    monkeypatch.undo()
    assert store.answers("Alpha", SHEET) == {}
    form.flush()
    assert store.answers("Alpha", SHEET) == {
        "target_sector": "Energy and utilities",
        "agree_on_sector": {"answer": "Yes", "notes": ""},
    }
    assert form._pending == {}
    assert "All changes saved" in _status(form)


def test_too_large_answer_shows_its_message_and_does_not_block_others(
    form: widgets.WorksheetForm, store: Store
) -> None:
    form.bind(store, "Alpha")
    form.fields["target_sector"].value = "Health"
    form.fields["target_sector"].value = "x" * (MAX_ANSWER_CHARS + 10)
    status = _status(form)
    assert "Not saved" in status
    assert f"{MAX_ANSWER_CHARS:,}" in status
    assert "Target Sector:" in status
    assert store.answers("Alpha", SHEET) == {"target_sector": "Health"}

    form.fields["agree_on_sector"].value = {"answer": "No", "notes": ""}
    assert store.answers("Alpha", SHEET)["agree_on_sector"] == {
        "answer": "No",
        "notes": "",
    }
    assert store.answers("Alpha", SHEET)["target_sector"] == "Health"
    assert "Not saved" in _status(form)

    form.fields["target_sector"].value = "Health, shortened"
    assert store.answers("Alpha", SHEET)["target_sector"] == "Health, shortened"
    assert "All changes saved" in _status(form)


def test_table_cell_too_long_waits_while_the_rest_of_the_table_saves_later(
    form: widgets.WorksheetForm, store: Store
) -> None:
    form.bind(store, "Alpha")
    table = form.fields["next_steps"]
    first = _cells(table)[1]  # Timeline, row 1
    first.value = "x" * (MAX_ANSWER_CHARS + 1)
    status = _status(form)
    assert "Not saved" in status
    assert f"“{table.question.text}” has {MAX_ANSWER_CHARS + 1:,} characters" in status
    assert f"in one cell; a cell holds up to {MAX_ANSWER_CHARS:,}" in status
    assert "next_steps" not in store.answers("Alpha", SHEET)
    first.value = "June"
    assert store.answers("Alpha", SHEET)["next_steps"][0]["Timeline"] == "June"
    assert "All changes saved" in _status(form)


def test_read_only_store_says_so_and_never_claims_saving(
    form: widgets.WorksheetForm, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(db)
    store.save("Alpha", SHEET, {"target_sector": "Health"})
    store.close()

    def refuse(path: Path) -> sqlite3.Connection:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(store_sqlite, "open_read_write", refuse)
    ro = Store(db)
    form.bind(ro, "Alpha")
    assert form.fields["target_sector"].value == "Health"
    assert "sectorwb-readonly" in form.status.value
    assert "Nothing on this page can be saved" in _status(form)
    assert ro.read_only_reason in _status(form)
    shown = form.status.value
    form.fields["target_sector"].value = "Energy"
    assert form.status.value == shown  # no "Saving…", no "saved"
    assert form._pending == {}
    ro.close()
    assert count_rows(db) == 1


# -- one field per kind -------------------------------------------------------------------
def test_yes_no_parts_follow_value_and_value_follows_parts(
    all_kinds: Worksheet,
) -> None:
    question = next(q for q in all_kinds.questions() if q.id == "ready")
    field = fields.field_for(question)
    assert isinstance(field, fields.YesNoField)
    radio = _find(field, W.RadioButtons)[0]
    notes = _find(field, W.Textarea)[0]
    assert radio.value is None and notes.value == ""
    assert notes.description == "Why"

    field.value = {"answer": "Yes", "notes": "Signed off"}
    assert radio.value == "Yes"
    assert radio.get_state()["index"] == 0
    assert notes.value == "Signed off"

    radio.value = "No"
    assert field.value == {"answer": "No", "notes": "Signed off"}
    notes.value = "Changed our mind"
    assert field.value == {"answer": "No", "notes": "Changed our mind"}

    field.value = {"answer": "Maybe", "notes": None}  # not a known answer
    assert radio.value is None
    assert notes.value == ""


def test_single_choice_round_trip() -> None:
    question = SingleChoice(
        kind="single_choice", id="c", text="Pick one", options=["Red", "Green"]
    )
    field = fields.field_for(question)
    radio = _find(field, W.RadioButtons)[0]
    assert field.value is None and radio.value is None
    field.value = "Green"
    assert radio.value == "Green"
    radio.value = "Red"
    assert field.value == "Red"
    field.value = None
    assert radio.value is None


def test_single_choice_unknown_option_becomes_none() -> None:
    question = SingleChoice(
        kind="single_choice", id="c", text="Pick one", options=["Red", "Green"]
    )
    field = fields.field_for(question)
    field.value = "Purple"
    assert field.value is None
    assert _find(field, W.RadioButtons)[0].value is None


def test_bind_survives_a_removed_option(all_kinds: Worksheet, store: Store) -> None:
    store.save("Alpha", all_kinds.id, {"pick": "Purple", "name": "Alpha"})
    form = widgets.WorksheetForm(all_kinds)
    form.bind(store, "Alpha")
    assert form.fields["name"].value == "Alpha"
    assert form.fields["pick"].value is None


def test_multi_choice_round_trip() -> None:
    question = MultiChoice(
        kind="multi_choice", id="m", text="Pick any", options=["A", "B", "C"]
    )
    field = fields.field_for(question)
    boxes = _find(field, W.Checkbox)
    assert [b.description for b in boxes] == ["A", "B", "C"]
    assert field.value == []

    field.value = ["C", "A"]
    assert [b.value for b in boxes] == [True, False, True]

    boxes[1].value = True
    assert field.value == ["A", "B", "C"]
    boxes[0].value = False
    assert field.value == ["B", "C"]

    field.value = None
    assert [b.value for b in boxes] == [False, False, False]


def test_list_round_trip() -> None:
    field = fields.field_for(ItemList(kind="list", id="l", text="Partners"))
    box = _find(field, W.Textarea)[0]
    assert box.placeholder == "One per line"
    field.value = ["College", "Chamber"]
    assert box.value == "College\nChamber"
    box.value = "  Workforce board \n\n Chamber\n"
    assert field.value == ["Workforce board", "Chamber"]
    field.value = []
    assert box.value == ""


def test_date_round_trip() -> None:
    field = fields.field_for(DateQ(kind="date", id="d", text="Launch date"))
    picker = _find(field, W.DatePicker)[0]
    field.value = "2024-03-05"
    assert picker.value == dt.date(2024, 3, 5)
    picker.value = dt.date(2025, 1, 2)
    assert field.value == "2025-01-02"
    picker.value = None
    assert field.value is None
    field.value = "not a date"
    assert picker.value is None


def test_table_add_row_button_and_cells(all_kinds: Worksheet) -> None:
    question = next(q for q in all_kinds.questions() if q.id == "grid")
    field = fields.field_for(question)
    start = len(field.value)
    assert start == len(question.preset) + question.blank_rows
    assert field.value[0]["Role"] == "Chair"

    add = next(b for b in _find(field, W.Button) if b.description == "Add a row")
    add.click()
    assert len(field.value) == start + 1
    assert field.value[-1] == {"Role": "", "Person": ""}
    cells = _cells(field)
    assert len(cells) == (start + 1) * len(question.columns)
    assert cells[-1].description == f"Person, row {start + 1}: {question.text}"

    cells[-1].value = "Dana"
    assert field.value[-1] == {"Role": "", "Person": "Dana"}
    # Rows typed earlier survive another added row.
    add.click()
    assert field.value[start] == {"Role": "", "Person": "Dana"}


def test_table_added_row_is_saved(form: widgets.WorksheetForm, store: Store) -> None:
    form.bind(store, "Alpha")
    field = form.fields["next_steps"]
    rows_before = len(field.value)
    next(b for b in _find(field, W.Button) if b.description == "Add a row").click()
    saved = store.answers("Alpha", SHEET)["next_steps"]
    assert len(saved) == rows_before + 1


def test_table_placeholder_only_on_blank_rows(form: widgets.WorksheetForm) -> None:
    ws = form.worksheet
    cells = _cells(form.fields["next_steps"])
    ncols = len(ws.action_table.columns)
    first_column = cells[::ncols]
    presets = len(ws.action_table.preset)
    assert [c.placeholder for c in first_column[:presets]] == [""] * presets
    assert {c.placeholder for c in first_column[presets:]} == {"Other?"}


def test_preset_column_wraps_and_others_stay_one_line(
    form: widgets.WorksheetForm,
) -> None:
    # The manual's preset actions are sentences: a one-line box would cut them off.
    cells = _cells(form.fields["next_steps"])
    ncols = len(form.worksheet.action_table.columns)
    assert {type(c) for c in cells[::ncols]} == {W.Textarea}
    assert {type(c) for i, c in enumerate(cells) if i % ncols} == {W.Text}


def test_dropdown_column_is_as_wide_as_its_longest_option() -> None:
    question = next(
        q for q in content.get("module5_metrics").questions() if q.id == "metrics_plan"
    )
    field = fields.field_for(question)
    header = field.children[1].children
    cells = _cells(field)[: len(question.columns)]
    for col, head, cell in zip(question.columns, header, cells, strict=True):
        assert head.layout is cell.layout, col  # the columns stay lined up
    category = cells[question.columns.index("Category")].layout.flex
    kind = cells[question.columns.index("Type")].layout.flex
    metric = cells[question.columns.index("Metric")].layout.flex
    assert category.startswith("0 0 calc(") and kind.startswith("0 0 calc(")
    assert _em(category) > _em(kind) > 0
    assert metric is None  # typed columns share what is left


def _em(flex: str) -> float:
    return float(flex.split("calc(")[1].split("em")[0])


@pytest.mark.parametrize("source", ["all_kinds", SHEET])
def test_every_input_has_a_label(source: str, all_kinds: Worksheet) -> None:
    ws = all_kinds if source == "all_kinds" else content.get(SHEET)
    form = widgets.WorksheetForm(ws)
    for qid, field in form.fields.items():
        inputs = _find(field, INPUTS)
        assert inputs, f"{qid} has no input widget"
        for w in inputs:
            assert w.get_state()["description"].strip(), f"{qid}: unlabelled {w}"


def test_form_shows_manual_source_and_section_titles(
    form: widgets.WorksheetForm,
) -> None:
    html_text = " ".join(w.value for w in _find(form, W.HTML))
    assert "page 21" in html_text
    for section in form.worksheet.sections:
        assert f">{section.title}</h2>" in html_text


def test_text_block_escapes_markup() -> None:
    block = ui.text_block("<img src=x onerror=alert(1)>\nnext")
    assert "<img" not in block.value
    assert "&lt;img" in block.value
    assert "<br>next" in block.value


# -- downloads ----------------------------------------------------------------------------
def _click(form: widgets.WorksheetForm, spec: export.Download) -> None:
    (button,) = [
        b for b in _find(form.downloads, W.Button) if b.description == spec.label
    ]
    button.click()


def _link(form: widgets.WorksheetForm) -> str:
    return form.downloads.children[-1].value


def _href_data(link: str) -> tuple[str, bytes]:
    href = link.split('href="', 1)[1].split('"', 1)[0]
    head, payload = href.split(",", 1)
    return head, base64.b64decode(payload)


def test_downloads_need_a_team(form: widgets.WorksheetForm) -> None:
    _click(form, export.DOWNLOADS[0])
    assert "Choose your team first" in _link(form)
    assert "<a " not in _link(form)


@pytest.mark.parametrize(
    "spec", export.DOWNLOADS, ids=[d.suffix for d in export.DOWNLOADS]
)
def test_downloads_prepare_a_data_link(
    form: widgets.WorksheetForm, store: Store, spec: export.Download
) -> None:
    form.bind(store, "Alpha Team")
    form.fields["target_sector"].value = "Health care"
    _click(form, spec)
    link = _link(form)
    assert "<a " in link and "is ready" in link  # announced: see test_browser_pages
    _click(form, spec)  # the same file again is a new link: the page saves it again
    assert _link(form) != link
    assert f'download="{spec.filename(form.worksheet, "Alpha Team")}"' in link
    head, data = _href_data(link)
    assert head == f"data:{spec.mime};base64"
    assert data
    if spec.suffix.endswith(".xlsx"):
        # A sheet per table of the worksheet (its own columns), then every answer.
        names = load_workbook(io.BytesIO(data)).sheetnames
        assert "Next steps" in names and names[-1] == "Answers"
    elif spec.suffix == "answers.csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert ["Next Steps", "Target Sector:", "", "", "Health care"] in rows
    elif spec.suffix.endswith(".md"):
        assert "Health care" in data.decode("utf-8")


def test_download_includes_unsaved_pending_change(
    form: widgets.WorksheetForm, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    form.bind(store, "Alpha")

    def locked(*_args: Any, **_kwargs: Any) -> str:
        raise StoreError("locked")

    monkeypatch.setattr(store, "save", locked)
    form.fields["target_sector"].value = "Typed while locked"
    md = next(d for d in export.DOWNLOADS if d.suffix.endswith(".md"))
    _click(form, md)
    _, data = _href_data(_link(form))
    assert "Typed while locked" in data.decode("utf-8")


def test_download_escapes_the_team_name(
    form: widgets.WorksheetForm, store: Store
) -> None:
    team = 'Team <b>Bold</b> "q"'
    form.bind(store, team)  # bind does not validate: the link must be safe anyway
    md = next(d for d in export.DOWNLOADS if d.suffix.endswith(".md"))
    _click(form, md)
    link = _link(form)
    assert "<b>" not in link
    assert link.count("<a ") == 1
    assert '"q"' not in link  # the team's quotes cannot end an attribute
    _, data = _href_data(link)
    text = data.decode("utf-8")
    assert "Team \\<b>Bold\\</b>" in text  # escaped as Markdown: never a tag
    assert "<b>" not in text.replace("\\<b>", "")


def test_download_buttons_cover_every_format(form: widgets.WorksheetForm) -> None:
    labels = [b.description for b in _find(form.downloads, W.Button)]
    assert labels == [d.label for d in export.DOWNLOADS]


def test_download_button_click_prepares_its_file(
    form: widgets.WorksheetForm, store: Store
) -> None:
    form.bind(store, "Alpha")
    buttons = _find(form.downloads, W.Button)
    buttons[-1].click()
    head, _ = _href_data(_link(form))
    assert head == f"data:{export.DOWNLOADS[-1].mime};base64"


# -- form features: conditional questions, audiences, checks, offers, figures --------
FEATURES = Path(__file__).parent / "data" / "features.yaml"


@pytest.fixture
def feature_form() -> widgets.WorksheetForm:
    return widgets.WorksheetForm(content.load_file(FEATURES))


def _titles(form: widgets.WorksheetForm) -> list[str]:
    return [t.split(">")[1].split("<")[0] for t in _html(form) if "<h2" in t]


def _html(form: W.Widget) -> list[str]:
    return [w.value for w in _find(form, W.HTML)]


def test_follow_up_shows_on_no_and_keeps_text_when_hidden(feature_form) -> None:
    need = feature_form.fields["need"]
    assert need.layout.display == "none"
    feature_form.fields["q2"].value = {"answer": "No", "notes": ""}
    assert need.layout.display is None
    need.value = ["A"]
    feature_form.fields["q2"].value = {"answer": "Yes", "notes": ""}
    assert need.layout.display == "none"
    assert need.value == ["A"]  # hidden, not cleared
    feature_form.fields["q1"].value = {"answer": "No", "notes": ""}
    assert need.layout.display is None and need.value == ["A"]


def test_chosen_audience_comes_first(feature_form) -> None:
    before = _titles(feature_form)
    assert before.index("For Conveners") < before.index("For Employers")
    feature_form.fields["role"].value = "Employers"
    after = _titles(feature_form)
    assert after.index("For Employers") < after.index("For Conveners")
    assert after[0] == "One"  # sections without an audience keep their place


def test_option_help_shows_for_the_picked_option(feature_form) -> None:
    role = feature_form.fields["role"]
    role.value = "Conveners"
    assert "You convene." in role._about.value
    role.value = "Employers"
    assert role._about.value == ""


def test_date_warning_appears_and_clears(feature_form) -> None:
    feature_form.fields["invite"].value = "2099-01-01"
    feature_form.fields["launch"].value = "2099-01-10"
    assert any("3 weeks" in t for t in _html(feature_form))
    feature_form.fields["launch"].value = "2099-02-10"
    assert not any("3 weeks" in t for t in _html(feature_form))


def test_majority_warning_and_pick_list_cells(feature_form) -> None:
    table = feature_form.fields["team"]
    dropdowns = _find(table, W.Dropdown)
    assert dropdowns and "Industry" in dropdowns[0].options
    dropdowns[0].value = "Support partner"
    assert any("majority" in t for t in _html(feature_form))
    dropdowns[0].value = "Industry"
    assert not any("majority" in t for t in _html(feature_form))


def test_offers_suggest_named_answers(feature_form) -> None:
    feature_form.suggest({"target_sectors": ["Health care", "Logistics"]})
    (combo,) = _find(feature_form.fields["sector"], W.Combobox)
    assert combo.options == ("Health care", "Logistics")
    combo.value = "Something else"  # free typing still allowed
    assert feature_form.fields["sector"].value == "Something else"


def test_figure_renders_offline_as_svg(feature_form) -> None:
    assert any("<svg" in t and 'role="img"' in t for t in _html(feature_form))


def test_named_answers_collects_provided_items(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SECTORWB_WORKSHEETS_DIR", str(FEATURES.parent))
    content._all.cache_clear()
    try:
        named = content.named_answers(
            {"features": {"sectors": ["Health", "Energy", "Health"]}}
        )
    finally:
        monkeypatch.delenv("SECTORWB_WORKSHEETS_DIR")
        content._all.cache_clear()
    assert named["target_sectors"] == ["Health", "Energy"]


# -- two laptops on one team: a save merges with what the other saved ----------------
def test_flush_merges_with_a_save_from_another_form(tmp_path) -> None:
    store = Store(tmp_path / "a.sqlite3")
    ws = content.get("preparing_to_launch")
    one, two = widgets.WorksheetForm(ws), widgets.WorksheetForm(ws)
    one.bind(store, "T")
    two.bind(store, "T")
    rows = [dict(r) for r in one.fields["next_steps"].value]
    rows[0]["Timeline"] = "June"
    one.fields["next_steps"].value = rows
    rows = [dict(r) for r in two.fields["next_steps"].value]
    rows[1]["Timeline"] = "July"
    two.fields["next_steps"].value = rows
    saved = store.answers("T", "preparing_to_launch")["next_steps"]
    assert [r["Timeline"] for r in saved[:2]] == ["June", "July"]
    assert two.fields["next_steps"].value == saved  # the page shows both laptops' work


def test_other_detail_follows_its_choice_and_its_parents_visibility() -> None:
    form = widgets.WorksheetForm(content.get("building_momentum"))
    other, needed = form.fields["needed_other"], form.fields["needed_for_action"]
    part1 = needed.question.show_if.any_of[0]
    form.fields[part1].value = {"answer": "No", "notes": ""}
    assert needed.layout.display is None and other.layout.display == "none"
    needed.value = ["Other?"]
    assert other.layout.display is None
    form.fields[part1].value = {"answer": "Yes", "notes": ""}
    assert needed.layout.display == "none" and other.layout.display == "none"


def test_download_that_fails_says_so_next_to_the_buttons(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken() -> widgets.FileData:
        raise ValueError("All strings must be XML compatible")

    downloads = widgets.Downloads([("Team packet (Word)", broken)])
    (button,) = _find(downloads, W.Button)
    button.click()
    shown = downloads.children[-1].value
    assert "sectorwb-msg sectorwb-error" in shown and 'role="alert"' in shown
    assert "The Team packet (Word) file could not be made" in shown
    assert "Your answers are safe" in shown
    assert "download another format and tell the trainer" in shown
    assert "ValueError: All strings must be XML compatible" in shown
    assert "<a " not in shown
    logged = capsys.readouterr().err
    assert "Team packet (Word)" in logged and "XML compatible" in logged


def test_download_after_a_failure_shows_the_new_link(
    form: widgets.WorksheetForm, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    form.bind(store, "Alpha")
    spec = export.DOWNLOADS[0]
    monkeypatch.setattr(form, "_file", lambda _spec: 1 / 0)
    _click(form, spec)
    assert "ZeroDivisionError" in _link(form)
    monkeypatch.undo()
    _click(form, spec)
    assert '<a class="sectorwb-file"' in _link(form)


def test_worksheet_excel_download_with_a_vertical_tab(
    form: widgets.WorksheetForm, store: Store
) -> None:
    form.bind(store, "Alpha")
    form.fields["target_sector"].value = "Health\x0bcare\x00 🚀"
    spec = next(d for d in export.DOWNLOADS if d.suffix.endswith(".xlsx"))
    _click(form, spec)
    _, data = _href_data(_link(form))
    answers = load_workbook(io.BytesIO(data))["Answers"]
    assert ["Next Steps", "Target Sector:", None, None, "Health\ncare 🚀"] in [
        list(r) for r in answers.iter_rows(values_only=True)
    ]
    assert store.answers("Alpha", form.worksheet.id)["target_sector"] == (
        "Health\x0bcare\x00 🚀"
    )  # kept as typed in the store


@pytest.mark.parametrize(
    ("worksheet", "typed_in", "value", "offered_in", "column"),
    [
        # Step 4: the champions' Priority is one of the priorities typed above it.
        (
            "step4_launch",
            "priority_opportunities",
            ["Hire 40 CNC machinists"],
            "champions",
            "Priority",
        ),
        # Step 5: a member's task team is one of the task teams typed above it.
        (
            "step5_action",
            "task_teams",
            [{"Priority": "Apprenticeships"}],
            "task_team_members",
            "Task team",
        ),
    ],
)
def test_a_table_offers_what_is_typed_above_it_on_the_page(
    worksheet: str, typed_in: str, value: Any, offered_in: str, column: str
) -> None:
    form = widgets.WorksheetForm(content.get(worksheet))
    form.suggest({})
    form.fields[typed_in].value = value
    boxes = [
        w
        for w in _descendants(form.fields[offered_in])
        if isinstance(w, W.Combobox) and w.description.startswith(f"{column},")
    ]
    assert boxes
    expected = value[0] if isinstance(value[0], str) else value[0]["Priority"]
    assert all(expected in box.options for box in boxes)


def test_the_manuals_sub_items_are_indented_under_their_question() -> None:
    ws = content.get("step6_sustain")
    form = widgets.WorksheetForm(ws)
    subs = [q.id for q in ws.questions() if q.sub_item]
    assert subs == ["aar_companies", "aar_educators", "aar_workforce", "aar_economic"]
    for q in ws.questions():
        classes = form.fields[q.id]._dom_classes
        assert ("sectorwb-sub" in classes) == (q.id in subs)
        if q.id in subs:
            assert q.text.split(".")[0] in "abcd"  # the manual's own lettering
