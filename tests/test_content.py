"""Tests for sectorwb.content: every shipped worksheet loads, and broken YAML is
reported with its file, line and field."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sectorwb import config, content
from sectorwb.errors import ContentError

PROJECT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
WORKSHEET_FILES = sorted(content.PACKAGE_DIR.glob("*.yaml"))

MINIMAL = """\
id: {id}
title: {title}
order: {order}
source:
  section: Trainer's own
sections:
  - id: one
    title: One
    questions:
      - id: q1
        kind: short_text
        text: What is first?
action_table:
  blank_rows: 1
"""


@pytest.fixture(autouse=True)
def _fresh_content(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No trainer folder from the environment, and no worksheets cached across tests."""
    monkeypatch.delenv(content.EXTRA_DIR_ENV, raising=False)
    content._all.cache_clear()
    yield
    content._all.cache_clear()


def _error_of(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        content.load_file(path)
    return str(info.value)


def _meaning(column: str) -> str:
    """A column name reduced to its words: "Who's Committed?" -> "who's committed"."""
    text = column.replace("\u2019", "'").lower()
    return re.sub(r"[^\w' ]", "", text).strip()


# -- the shipped worksheets -----------------------------------------------------------
def test_there_are_worksheets_to_check() -> None:
    assert WORKSHEET_FILES, f"no worksheet YAML in {content.PACKAGE_DIR}"


@pytest.mark.parametrize("path", WORKSHEET_FILES, ids=[p.stem for p in WORKSHEET_FILES])
def test_shipped_worksheet(path: Path) -> None:
    ws = content.load_file(path)
    assert ws.id == path.stem

    for question in ws.questions():
        assert question.text.strip(), f"{ws.id}: question {question.id} has no text"
        for option in getattr(question, "options", []):
            assert option.strip(), (
                f"{ws.id}: question {question.id} has an empty option"
            )
    for section in ws.sections:
        assert section.title.strip(), f"{ws.id}: section {section.id} has no title"

    first_three = [_meaning(c) for c in ws.action_table.columns[:3]]
    assert first_three == ["action", "timeline", "who's committed"]

    assert ws.source.section.strip()
    assert ws.source.document.strip()
    assert ws.title.strip()

    notebook = PROJECT / "workbooks" / f"{ws.id}.ipynb"
    assert notebook.is_file(), f"missing notebook {notebook}; run `sectorwb notebooks`"


def test_fixture_worksheet_loads() -> None:
    ws = content.load_file(DATA / "all_kinds.yaml")
    assert ws.id == "all_kinds"
    assert ws.source.page == 7


# -- malformed YAML -------------------------------------------------------------------
def test_bad_indentation_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad_indent.yaml"
    text = "id: demo\ntitle: Demo\nsource:\n  section: S\n   page: 3\nsections: []\n"
    message = _error_of(path, text)
    assert str(path) in message
    assert "line 5" in message
    assert "not valid YAML" in message


def test_unclosed_quote_names_file(tmp_path: Path) -> None:
    path = tmp_path / "bad_quote.yaml"
    text = 'id: demo\ntitle: "Demo\nsource:\n  section: S\nsections: []\n'
    message = _error_of(path, text)
    assert str(path) in message
    assert re.search(r"line \d+", message)
    assert "quotes" in message  # the hint says what to look for


def test_unclosed_quote_names_the_line_of_the_quote(tmp_path: Path) -> None:
    path = tmp_path / "bad_quote.yaml"
    text = 'id: demo\ntitle: "Demo\nsource:\n  section: S\nsections: []\n'
    message = _error_of(path, text)
    assert "line 2" in message


def test_unknown_kind_names_field_path_and_line(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    text = MINIMAL.format(id="demo", title="Demo", order=1).replace(
        "kind: short_text", "kind: essay"
    )
    lines = text.splitlines()
    question_line = lines.index("      - id: q1") + 1
    message = _error_of(path, text)
    assert str(path) in message
    assert "sections.0.questions.0" in message
    assert "essay" in message
    assert f"line {question_line}," in message


def test_missing_title_names_title(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    text = MINIMAL.format(id="demo", title="Demo", order=1).replace("title: Demo\n", "")
    message = _error_of(path, text)
    assert str(path) in message
    assert "field title:" in message
    assert re.search(r"line \d+, field title", message)


def test_missing_question_text_names_nested_field_and_line(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    text = MINIMAL.format(id="demo", title="Demo", order=1).replace(
        "        text: What is first?\n", ""
    )
    question_line = text.splitlines().index("      - id: q1") + 1
    message = _error_of(path, text)
    # The discriminator tag ("short_text") is not part of the path a trainer sees.
    assert f"line {question_line}, field sections.0.questions.0.text:" in message


def test_invalid_value_deep_in_file_points_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    text = MINIMAL.format(id="demo", title="Demo", order=1).replace(
        "  blank_rows: 1", "  blank_rows: many"
    )
    line = text.splitlines().index("  blank_rows: many") + 1
    message = _error_of(path, text)
    assert f"line {line}, field action_table.blank_rows:" in message


def test_top_level_list_gives_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    message = _error_of(path, "- id: demo\n- title: Demo\n")
    assert str(path) in message
    assert "expected a mapping" in message
    assert "found list" in message


def test_empty_file_gives_a_clear_message(tmp_path: Path) -> None:
    message = _error_of(tmp_path / "demo.yaml", "")
    assert "expected a mapping" in message


def test_file_that_is_not_utf8_names_file(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_bytes(b"id: demo\ntitle: \xff\xfe\n")
    with pytest.raises(ContentError, match="UTF-8") as info:
        content.load_file(path)
    assert str(path) in str(info.value)


# -- the worksheet list and a trainer's folder ----------------------------------------
def test_get_unknown_id_lists_known_ids() -> None:
    with pytest.raises(ContentError) as info:
        content.get("nope")
    message = str(info.value)
    assert "'nope'" in message
    for path in WORKSHEET_FILES:
        assert path.stem in message


def test_worksheets_are_the_package_files_without_extra_dir() -> None:
    assert sorted(ws.id for ws in content.worksheets()) == [
        p.stem for p in WORKSHEET_FILES
    ]
    assert content.problems() == []


def test_extra_dir_adds_a_trainers_worksheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "trainer_sheet.yaml").write_text(
        MINIMAL.format(id="trainer_sheet", title="Trainer Sheet", order=1),
        encoding="utf-8",
    )
    monkeypatch.setenv(content.EXTRA_DIR_ENV, str(tmp_path))
    content._all.cache_clear()

    ids = [ws.id for ws in content.worksheets()]
    assert ids[0] == "trainer_sheet"  # order 1 comes before every shipped worksheet
    assert set(ids) == {"trainer_sheet", *(p.stem for p in WORKSHEET_FILES)}
    assert content.get("trainer_sheet").title == "Trainer Sheet"


def test_extra_dir_file_with_same_id_replaces_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = content.get("preparing_to_launch")
    (tmp_path / "preparing_to_launch.yaml").write_text(
        MINIMAL.format(id="preparing_to_launch", title="Trainer Version", order=2),
        encoding="utf-8",
    )
    monkeypatch.setenv(content.EXTRA_DIR_ENV, str(tmp_path))
    content._all.cache_clear()

    replaced = content.get("preparing_to_launch")
    assert replaced.title == "Trainer Version"
    assert replaced.title != ours.title
    assert [ws.id for ws in content.worksheets()].count("preparing_to_launch") == 1


def test_broken_extra_file_is_reported_and_others_still_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken.yaml").write_text("id: broken\ntitle: [\n", encoding="utf-8")
    monkeypatch.setenv(content.EXTRA_DIR_ENV, str(tmp_path))
    content._all.cache_clear()

    problems = content.problems()
    assert len(problems) == 1
    assert str(tmp_path / "broken.yaml") in str(problems[0])
    assert "broken" not in [ws.id for ws in content.worksheets()]
    assert content.get("preparing_to_launch").id == "preparing_to_launch"
    with pytest.raises(ContentError, match="not valid YAML"):
        content.get("broken")


def test_id_different_from_file_name_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "renamed.yaml").write_text(
        MINIMAL.format(id="original", title="T", order=1), encoding="utf-8"
    )
    monkeypatch.setenv(content.EXTRA_DIR_ENV, str(tmp_path))
    content._all.cache_clear()

    with pytest.raises(ContentError, match="renamed.yaml") as info:
        content.get("renamed")
    assert "'original'" in str(info.value)
    assert "original" not in [ws.id for ws in content.worksheets()]


# -- the parse cache ------------------------------------------------------------------
@pytest.fixture
def trainer_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A trainer's folder with one worksheet, and a data directory of this test's own."""
    folder = tmp_path / "trainer"
    folder.mkdir()
    (folder / "trainer_sheet.yaml").write_text(
        MINIMAL.format(id="trainer_sheet", title="First Title", order=1),
        encoding="utf-8",
    )
    monkeypatch.setenv(content.EXTRA_DIR_ENV, str(folder))
    monkeypatch.setenv(config.DATA_DIR_ENV, str(tmp_path / "data"))
    content._all.cache_clear()
    return folder


def _reload() -> None:
    content._all.cache_clear()
    content.worksheets()


def test_a_page_after_the_first_needs_no_yaml_parser(
    trainer_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _reload()
    assert (config.data_dir() / content.CACHE_FILE).is_file()

    def no_parsing(path: Path, _text: str) -> None:
        raise AssertionError(f"{path} parsed again")

    monkeypatch.setattr(content, "_parse", no_parsing)
    _reload()
    assert content.get("trainer_sheet").title == "First Title"
    assert content.problems() == []


def test_warm_cache_keeps_pyyaml_out_of_the_process(trainer_dir: Path) -> None:
    _reload()
    code = "import sys, sectorwb.content as c; c.worksheets(); print('yaml' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_an_edited_file_is_parsed_again(trainer_dir: Path) -> None:
    _reload()
    (trainer_dir / "trainer_sheet.yaml").write_text(
        MINIMAL.format(id="trainer_sheet", title="Edited Title", order=1),
        encoding="utf-8",
    )
    _reload()
    assert content.get("trainer_sheet").title == "Edited Title"


def test_cached_content_is_validated_like_a_file(trainer_dir: Path) -> None:
    _reload()
    cache = config.data_dir() / content.CACHE_FILE
    saved = json.loads(cache.read_text(encoding="utf-8"))
    for entry in saved["parsed"].values():
        if entry["id"] == "trainer_sheet":
            del entry["title"]
    cache.write_text(json.dumps(saved), encoding="utf-8")

    _reload()
    with pytest.raises(ContentError, match="field title"):
        content.get("trainer_sheet")


@pytest.mark.parametrize("damage", ["not json", '{"format": 0, "parsed": {}}', "[]"])
def test_a_damaged_cache_is_ignored_and_rewritten(
    trainer_dir: Path, damage: str
) -> None:
    _reload()
    cache = config.data_dir() / content.CACHE_FILE
    cache.write_text(damage, encoding="utf-8")
    _reload()
    assert content.get("trainer_sheet").title == "First Title"
    assert json.loads(cache.read_text(encoding="utf-8"))["parsed"]


def test_an_unwritable_data_dir_only_costs_time(
    trainer_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(config.DATA_DIR_ENV, str(blocker))
    _reload()
    assert content.get("trainer_sheet").title == "First Title"
    assert list(tmp_path.glob("**/*.tmp")) == []


def test_yaml_that_json_cannot_keep_is_not_cached(trainer_dir: Path) -> None:
    # An unquoted date is a date to YAML and text to JSON: such a file is parsed anew.
    text = MINIMAL.format(id="trainer_sheet", title="2026-11-26", order=1)
    (trainer_dir / "trainer_sheet.yaml").write_text(text, encoding="utf-8")
    _reload()
    saved = json.loads((config.data_dir() / content.CACHE_FILE).read_text("utf-8"))
    assert "trainer_sheet" not in {e["id"] for e in saved["parsed"].values()}
    assert content.problems()  # title must be text: the date is reported, as before
