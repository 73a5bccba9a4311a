"""Tests for sectorwb.schema: what a worksheet YAML may say and how answers count."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from sectorwb import content, schema

DATA = Path(__file__).parent / "data"
QUESTION = TypeAdapter(schema.Question)

# One minimal valid dict per kind, with the class it must become.
KIND_EXAMPLES: list[tuple[dict[str, Any], type]] = [
    ({"id": "a", "kind": "short_text", "text": "Name?"}, schema.ShortText),
    ({"id": "b", "kind": "long_text", "text": "Story?"}, schema.LongText),
    ({"id": "c", "kind": "yes_no", "text": "Ready?"}, schema.YesNo),
    (
        {"id": "d", "kind": "single_choice", "text": "One?", "options": ["x", "y"]},
        schema.SingleChoice,
    ),
    (
        {"id": "e", "kind": "multi_choice", "text": "Any?", "options": ["x"]},
        schema.MultiChoice,
    ),
    ({"id": "f", "kind": "date", "text": "When?"}, schema.DateQ),
    ({"id": "g", "kind": "list", "text": "Which?"}, schema.ItemList),
    ({"id": "h", "kind": "table", "text": "Who?", "columns": ["A", "B"]}, schema.Table),
]


def _worksheet_dict() -> dict[str, Any]:
    return {
        "id": "demo",
        "title": "Demo",
        "source": {"section": "Appendix"},
        "sections": [
            {
                "id": "one",
                "title": "One",
                "questions": [
                    {"id": "q1", "kind": "short_text", "text": "Name?"},
                    {"id": "q2", "kind": "yes_no", "text": "Ready?"},
                ],
            }
        ],
        "action_table": {"preset": ["Call"]},
    }


@pytest.fixture
def all_kinds() -> schema.Worksheet:
    return content.load_file(DATA / "all_kinds.yaml")


@pytest.mark.parametrize(
    ("data", "cls"), KIND_EXAMPLES, ids=[d["kind"] for d, _ in KIND_EXAMPLES]
)
def test_each_kind_validates_from_a_dict(data: dict[str, Any], cls: type) -> None:
    q = QUESTION.validate_python(data)
    assert type(q) is cls
    assert q.id == data["id"]
    assert q.text == data["text"]
    assert q.help == ""


@pytest.mark.parametrize(
    ("data", "cls"), KIND_EXAMPLES, ids=[d["kind"] for d, _ in KIND_EXAMPLES]
)
def test_unknown_key_is_rejected(data: dict[str, Any], cls: type) -> None:
    with pytest.raises(ValidationError) as info:
        QUESTION.validate_python({**data, "colour": "blue"})
    assert any(err["type"] == "extra_forbidden" for err in info.value.errors())
    assert "colour" in str(info.value)


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValidationError, match="bogus"):
        QUESTION.validate_python({"id": "a", "kind": "bogus", "text": "x"})


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "Bad-Id", "kind": "short_text", "text": "x"},
        {"id": "a", "kind": "short_text", "text": ""},
        {"id": "a", "kind": "single_choice", "text": "x", "options": ["only"]},
        {"id": "a", "kind": "table", "text": "x", "columns": []},
        {"id": "a", "kind": "table", "text": "x", "columns": ["A", "A"]},
        {"id": "a", "kind": "table", "text": "x", "columns": ["A"], "blank_rows": 51},
    ],
    ids=[
        "id-pattern",
        "empty-text",
        "one-option",
        "no-columns",
        "same-columns",
        "rows",
    ],
)
def test_invalid_question_fields_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        QUESTION.validate_python(bad)


def test_unknown_key_in_worksheet_and_source_is_rejected() -> None:
    data = _worksheet_dict()
    data["subtitle"] = "typo"
    with pytest.raises(ValidationError, match="subtitle"):
        schema.Worksheet.model_validate(data)
    data = _worksheet_dict()
    data["source"]["pages"] = 3
    with pytest.raises(ValidationError, match="pages"):
        schema.Worksheet.model_validate(data)


def test_duplicate_question_ids_are_rejected() -> None:
    data = _worksheet_dict()
    data["sections"].append(
        {
            "id": "two",
            "title": "Two",
            "questions": [{"id": "q1", "kind": "long_text", "text": "Again?"}],
        }
    )
    with pytest.raises(ValidationError, match="'q1' is used twice"):
        schema.Worksheet.model_validate(data)


def test_question_id_clashing_with_action_table_is_rejected() -> None:
    data = _worksheet_dict()
    data["sections"][0]["questions"][0]["id"] = "next_steps"
    with pytest.raises(ValidationError, match="next_steps"):
        schema.Worksheet.model_validate(data)


def test_table_empty_puts_presets_in_first_column_plus_blank_rows() -> None:
    table = schema.Table(
        kind="table",
        id="t",
        text="Who?",
        columns=["Role", "Person", "Email"],
        preset=["Chair", "Staff"],
        blank_rows=3,
    )
    rows = table.empty()
    assert len(rows) == 5
    assert [r["Role"] for r in rows] == ["Chair", "Staff", "", "", ""]
    for row in rows:
        assert list(row) == ["Role", "Person", "Email"]
        assert row["Person"] == "" and row["Email"] == ""


def test_table_empty_rows_are_independent_objects() -> None:
    table = schema.Table(kind="table", id="t", text="x", columns=["A"], blank_rows=2)
    rows = table.empty()
    rows[0]["A"] = "typed"
    assert rows[1]["A"] == ""
    assert table.empty()[0]["A"] == ""


@pytest.mark.parametrize(
    ("kind", "empty"),
    [
        ("short_text", ""),
        ("long_text", ""),
        ("yes_no", {"answer": None, "notes": ""}),
        ("single_choice", None),
        ("multi_choice", []),
        ("date", None),
        ("list", []),
    ],
)
def test_empty_value_per_kind_is_not_answered(kind: str, empty: Any) -> None:
    data = next(d for d, _ in KIND_EXAMPLES if d["kind"] == kind)
    q = QUESTION.validate_python(data)
    assert q.empty() == empty
    assert q.is_answered(q.empty()) is False


@pytest.mark.parametrize(
    ("kind", "value", "answered"),
    [
        ("short_text", "Health care", True),
        ("short_text", "   \n ", False),
        ("long_text", "A story", True),
        ("yes_no", {"answer": "Yes", "notes": ""}, True),
        ("yes_no", {"answer": "No", "notes": ""}, True),
        ("yes_no", {"answer": None, "notes": "Still discussing"}, True),
        ("yes_no", {"answer": None, "notes": ""}, False),
        ("yes_no", "Yes", False),
        ("single_choice", "x", True),
        ("single_choice", None, False),
        ("multi_choice", ["x"], True),
        ("date", "2024-05-01", True),
        ("list", ["One partner"], True),
    ],
)
def test_is_answered_per_kind(kind: str, value: Any, answered: bool) -> None:
    data = next(d for d, _ in KIND_EXAMPLES if d["kind"] == kind)
    q = QUESTION.validate_python(data)
    assert q.is_answered(value) is answered


def test_table_with_only_presets_is_not_answered_but_one_typed_cell_is() -> None:
    table = schema.Table(
        kind="table", id="t", text="x", columns=["Action", "When"], preset=["Call"]
    )
    rows = table.empty()
    assert table.is_answered(rows) is False

    typed = copy.deepcopy(rows)
    typed[0]["When"] = "May"
    assert table.is_answered(typed) is True

    in_blank_row = copy.deepcopy(rows)
    in_blank_row[1]["Action"] = "Write the letter"
    assert table.is_answered(in_blank_row) is True


def test_table_is_answered_rejects_non_lists() -> None:
    table = schema.Table(kind="table", id="t", text="x", columns=["A"])
    assert table.is_answered("A") is False
    assert table.is_answered(None) is False
    assert table.is_answered([{"A": ""}, "junk"]) is False


def test_progress_counts_answered_questions_and_action_table(
    all_kinds: schema.Worksheet,
) -> None:
    total = len(all_kinds.questions())
    assert total == 9  # eight questions plus the action table
    assert all_kinds.progress({}) == (0, total)

    answers = {
        "name": "Alpha",
        "ready": {"answer": None, "notes": "maybe"},
        "story": "   ",  # blank text does not count
        "unknown_question": "ignored",
        "next_steps": all_kinds.action_table.as_question().empty(),  # presets only
    }
    assert all_kinds.progress(answers) == (2, total)

    rows = all_kinds.action_table.as_question().empty()
    rows[0]["Timeline"] = "June"
    assert all_kinds.progress({**answers, "next_steps": rows}) == (3, total)


def test_questions_lists_page_order_with_action_table_last(
    all_kinds: schema.Worksheet,
) -> None:
    ids = [q.id for q in all_kinds.questions()]
    assert ids == [
        "name",
        "story",
        "ready",
        "pick",
        "many",
        "when",
        "items",
        "grid",
        "next_steps",
    ]
    last = all_kinds.questions()[-1]
    assert isinstance(last, schema.Table)
    assert last.columns == ["Action", "Timeline", "Who's committed", "Budget"]
    assert last.preset == ["1. Call the chair"]
    assert last.blank_placeholder == "Other?"


def test_action_table_defaults() -> None:
    table = schema.ActionTable()
    assert table.id == "next_steps"
    assert table.columns[:3] == ["Action", "Timeline", "Who's committed"]
    assert len(table.as_question().empty()) == 3


@pytest.mark.parametrize(
    "columns",
    [["Action", "Timeline"], ["Action", "Action", "Timeline"], ["A", "B", "A", "C"]],
    ids=["two", "duplicate-of-three", "duplicate-of-four"],
)
def test_action_table_needs_three_distinct_columns(columns: list[str]) -> None:
    with pytest.raises(ValidationError, match="at least three different columns"):
        schema.ActionTable(columns=columns)


def test_action_table_accepts_extra_columns() -> None:
    table = schema.ActionTable(columns=["Action", "Timeline", "Who", "Budget"])
    assert table.as_question().columns == ["Action", "Timeline", "Who", "Budget"]


def test_models_are_frozen() -> None:
    q = QUESTION.validate_python(KIND_EXAMPLES[0][0])
    with pytest.raises(ValidationError):
        q.text = "changed"


def test_progress_counts_only_the_questions_shown() -> None:
    from sectorwb import content

    ws = content.get("building_momentum")
    hidden = [q for q in ws.questions() if q.show_if is not None]
    assert hidden, "building_momentum has follow-up questions"
    done, total = ws.progress({})
    assert (done, total) == (0, len(ws.questions()) - len(hidden))
    trigger = hidden[0].show_if
    first = trigger.any_of[0]
    answers = {first: {"answer": trigger.answer, "notes": ""}}
    shown = ws.shown(answers)
    assert hidden[0] in shown
    assert ws.progress(answers) == (1, len(shown))
