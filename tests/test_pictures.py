"""Pictures on worksheet pages: declared in YAML, drawn from the team's table as it types,
placed beside the discussion questions, and exported (PNG download, Word packet,
Markdown findings)."""

from __future__ import annotations

import base64
import copy
import io
from pathlib import Path
from typing import Any

import docx
import ipywidgets as W
import pytest
from PIL import Image
from pydantic import ValidationError

from sectorwb import content, export, figures, packet, pictures, widgets
from sectorwb.figures import png_size
from sectorwb.rows import cell_name
from sectorwb.schema import PICTURE_COLUMNS, Table, Worksheet
from sectorwb.store import Store

SHEET = "many_tables_knocks"
STEP = {"Program": "", "Stage": "", "Step": "", "Strong or weak": "", "Notes": ""}
KNOCK = dict.fromkeys(PICTURE_COLUMNS["knocks"], "")


def _journey(*steps: tuple[str, str, str, str]) -> list[dict[str, str]]:
    cols = ("Program", "Stage", "Step", "Strong or weak")
    return [STEP | dict(zip(cols, s, strict=True)) for s in steps]


def _knocks(*rows: tuple[str, str]) -> list[dict[str, str]]:
    return [
        KNOCK | {"Organization": o, "Businesses or sector targeted": b} for o, b in rows
    ]


FATIGUE = _knocks(("Workforce board", "Acme"), ("College", "Acme"), ("Chamber", "Acme"))


@pytest.fixture(autouse=True)
def _package_content(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(content.EXTRA_DIR_ENV, raising=False)
    content._all.cache_clear()


@pytest.fixture
def form() -> widgets.WorksheetForm:
    return widgets.WorksheetForm(content.get(SHEET))


def _view(form: widgets.WorksheetForm, source: str) -> pictures.PictureView:
    (view,) = [v for v in form.pictures if v.picture.source == source]
    return view


# -- the YAML --------------------------------------------------------------------------
def _ws_dict() -> dict[str, Any]:
    return {
        "id": "pics",
        "title": "Pictures",
        "source": {"section": "Appendix"},
        "sections": [
            {
                "id": "one",
                "title": "One",
                "questions": [
                    {
                        "id": "path",
                        "kind": "table",
                        "text": "Paths",
                        "columns": list(PICTURE_COLUMNS["journey_map"]),
                        "column_suggestions": {"Stage": ["Referrals"]},
                    },
                    {"id": "talk", "kind": "long_text", "text": "Discuss"},
                ],
                "pictures": [
                    {
                        "kind": "journey_map",
                        "title": "Map",
                        "source": "path",
                        "beside": ["talk"],
                    }
                ],
            }
        ],
        "action_table": {},
    }


def test_a_valid_picture_and_its_table() -> None:
    ws = Worksheet.model_validate(_ws_dict())
    ((picture, table),) = ws.pictures()
    assert (picture.kind, table.id) == ("journey_map", "path")
    assert table.known() == {"Stage": ["Referrals"]}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["pictures"][0].update(source="talk"),
            "must name a table question",
        ),
        (
            lambda d: d["pictures"][0].update(source="nope"),
            "must name a table question",
        ),
        (lambda d: d["questions"][0]["columns"].remove("Stage"), "['Stage']"),
        (lambda d: d["pictures"][0].update(beside=["nope"]), "beside names ['nope']"),
        (lambda d: d["pictures"][0].update(beside=["path"]), "beside names ['path']"),
        (lambda d: d["pictures"][0].update(kind="pie"), "journey_map"),
        (
            lambda d: d["pictures"].append(d["pictures"][0] | {"title": "Again"}),
            "beside one picture",
        ),
    ],
)
def test_a_broken_picture_is_rejected_with_its_reason(
    change: Any, expected: str
) -> None:
    data = copy.deepcopy(_ws_dict())
    change(data["sections"][0])
    with pytest.raises(ValidationError) as exc:
        Worksheet.model_validate(data)
    assert expected in str(exc.value)


def test_column_suggestions_must_name_columns_and_not_also_be_options() -> None:
    base = {"id": "t", "kind": "table", "text": "T", "columns": ["A", "B"]}
    with pytest.raises(ValidationError, match="column_suggestions names unknown"):
        Table.model_validate(base | {"column_suggestions": {"C": ["x"]}})
    with pytest.raises(ValidationError, match="choose one"):
        Table.model_validate(
            base | {"column_suggestions": {"A": ["x"]}, "column_options": {"A": ["y"]}}
        )


def test_every_package_picture_reads_a_table_with_its_columns() -> None:
    found = {
        (ws.id, p.kind) for ws in content.worksheets() for p, _table in ws.pictures()
    }
    assert {
        ("many_tables_knocks", "journey_map"),
        ("many_tables_knocks", "tables"),
        ("many_tables_knocks", "knocks"),
        ("module2_business_services", "journey_map"),
        ("module3_frontline", "journey_map"),
        ("module3_frontline", "information_flow"),
        ("module4_career_pathways", "career_pathway"),
        ("step1_support_team", "connections"),
    } <= found


# -- on the page -----------------------------------------------------------------------
def test_stage_cells_suggest_the_manuals_stages_and_accept_others(
    form: widgets.WorksheetForm,
) -> None:
    field = form.fields["employer_journey"]
    combos = [w for w in _descendants(field) if isinstance(w, W.Combobox)]
    assert len(combos) == 8  # one Stage cell per blank row
    assert combos[0].options[:2] == ("Point of engagement", "Referrals")
    assert combos[0].ensure_option is False
    combos[0].value = "Our own stage"
    assert field.value[0]["Stage"] == "Our own stage"


def test_discussion_question_sits_beside_the_picture_not_twice(
    form: widgets.WorksheetForm,
) -> None:
    view = _view(form, "employer_journey")
    beside = form.fields["employers_say_more"]
    assert beside in list(_descendants(view))
    everywhere = [w for w in _descendants(form) if w is beside]
    assert len(everywhere) == 1


def test_picture_draws_saved_rows_at_bind_and_follows_typing(
    form: widgets.WorksheetForm, store: Store
) -> None:
    saved = _journey(
        ("Youth program", "Point of engagement", "Intake", "Weak"),
        ("Adult program", "Point of engagement", "intake ", "Strong"),
    )
    store.save("Alpha", SHEET, {"employer_journey": saved})
    form.bind(store, "Alpha")
    view = _view(form, "employer_journey")
    first = view.image.value
    assert "<svg" in first and "Youth program" in first
    assert "repeated by 2 programs" in first.lower()

    # Without an event loop the redraw happens at once (in Voila: after a pause).
    rows = copy.deepcopy(saved)
    rows.append(STEP | {"Program": "Veterans", "Stage": "Referrals", "Step": "Call"})
    form.fields["employer_journey"].value = rows
    assert "Veterans" in view.image.value
    assert view.image.value != first
    assert store.answers("Alpha", SHEET)["employer_journey"] == rows


def test_empty_picture_says_what_to_fill_in(
    form: widgets.WorksheetForm, store: Store
) -> None:
    form.bind(store, "Alpha")
    html_ = _view(form, "knocks").image.value
    assert "<svg" in html_
    assert "<li>" not in html_  # no findings on an empty map


def test_team_text_in_a_picture_is_text(
    form: widgets.WorksheetForm, store: Store
) -> None:
    form.bind(store, "Alpha")
    form.fields["knocks"].value = _knocks(
        ('<script>alert("x")</script>', "Acme 😀"),
        ("Chamber", "Acme 😀"),
        ("College", "Acme 😀"),
    )
    html_ = _view(form, "knocks").image.value
    assert "<script>" not in html_
    assert "&lt;script&gt;" in html_
    assert "😀" in html_


def test_a_picture_that_fails_to_draw_says_so_and_the_form_keeps_saving(
    form: widgets.WorksheetForm, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any) -> None:
        raise RuntimeError("renderer missing")

    monkeypatch.setattr(figures, "to_svg", broken)
    form.bind(store, "Alpha")
    form.fields["knocks"].value = FATIGUE
    shown = _view(form, "knocks").image.value
    assert "cannot be drawn right now (renderer missing)" in shown
    assert store.answers("Alpha", SHEET)["knocks"] == FATIGUE


# -- exports ---------------------------------------------------------------------------


def test_each_picture_downloads_as_a_png_that_opens(
    form: widgets.WorksheetForm, store: Store
) -> None:
    form.bind(store, "Alpha")
    form.fields["knocks"].value = FATIGUE
    specs = pictures.picture_downloads(form.worksheet)
    assert [s.label for s in specs] == [
        f"{p.title} (PNG)" for p, _ in form.worksheet.pictures()
    ]
    knocks = next(s for s in specs if "knocks" in s.suffix)
    (button,) = [
        b
        for b in _descendants(form.downloads)
        if getattr(b, "description", "") == knocks.label
    ]
    button.click()
    link = form.downloads.children[-1].value
    assert f'download="{knocks.filename(form.worksheet, "Alpha")}"' in link
    head, payload = link.split('href="', 1)[1].split('"', 1)[0].split(",", 1)
    assert head == "data:image/png;base64"
    with Image.open(io.BytesIO(base64.b64decode(payload))) as image:
        image.load()  # decodes every pixel: a broken file raises here
        assert image.format == "PNG"
        assert image.width > 200 and image.height > 100


def test_markdown_export_says_what_the_pictures_show() -> None:
    ws = content.get(SHEET)
    md = export.to_markdown(ws, "Alpha", {"knocks": FATIGUE})
    assert "## Who knocks on which doors" in md
    assert "Acme" in md.split("## Who knocks on which doors", 1)[1]
    assert "## Our employer journey map" not in md  # nothing drawn, nothing said


def test_word_packet_holds_the_picture_as_an_image() -> None:
    sheets = content.worksheets()
    answers = {SHEET: {"knocks": FATIGUE}}
    doc = docx.Document(io.BytesIO(packet.packet_docx(sheets, "Alpha", answers)))
    assert len(doc.inline_shapes) == 1
    (blob,) = [
        part.blob for part in doc.part.package.parts if part.content_type == "image/png"
    ]
    with Image.open(io.BytesIO(blob)) as image:
        image.load()
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Who knocks on which doors" in text
    empty = docx.Document(io.BytesIO(packet.packet_docx(sheets, "Alpha", {})))
    assert len(empty.inline_shapes) == 0


def _descendants(widget: W.Widget) -> list[W.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += _descendants(child)
    return found


def test_png_size_rejects_other_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(b"GIF89a" + bytes(30))


# -- table columns that offer the team's named answers ---------------------------------
def test_column_offers_must_name_columns_and_not_be_a_pick_list() -> None:
    base = {"id": "t", "kind": "table", "text": "T", "columns": ["A", "B"]}
    with pytest.raises(ValidationError, match="column_offers names unknown"):
        Table.model_validate(base | {"column_offers": {"C": "support_partners"}})
    with pytest.raises(ValidationError, match="choose one"):
        Table.model_validate(
            base | {"column_offers": {"A": "partners"}, "column_options": {"A": ["y"]}}
        )
    with pytest.raises(ValidationError, match="column_offers"):
        Table.model_validate(base | {"column_offers": {"A": "Not An Id"}})


def test_roster_partners_are_offered_in_the_connections_table_as_typed() -> None:
    form = widgets.WorksheetForm(content.get("step1_support_team"))
    form.suggest({"support_partners": ["Chamber"], "target_sectors": ["Health"]})
    connections = form.fields["connections"]
    org_cells = [
        w
        for w in _descendants(connections)
        if isinstance(w, W.Combobox) and w.description.startswith("Organization,")
    ]
    assert len(org_cells) == 8
    assert org_cells[0].options == ("Chamber",)

    roster = copy.deepcopy(form.fields["roster"].value)
    roster[0]["Organization"] = "Workforce center"
    form.fields["roster"].value = roster  # typed on this page, not yet reloaded
    assert org_cells[0].options == ("Chamber", "Workforce center")
    connections.value = [
        *connections.value,
        dict.fromkeys(PICTURE_COLUMNS["connections"], ""),
    ]
    added = [w for w in _descendants(connections) if isinstance(w, W.Combobox)][-1]
    assert added.description == cell_name(connections.question, "Organization", 8)
    assert added.options == ("Chamber", "Workforce center")
    added.value = "Someone new"  # typing freely still works
    assert connections.value[-1]["Organization"] == "Someone new"
    lead = [
        w
        for w in _descendants(form.fields["lead_convener"])
        if isinstance(w, W.Combobox)
    ]
    assert lead[0].options == ("Chamber", "Workforce center")
