"""The region's own organisations: the CSV a trainer gives (``--organisations FILE``),
an Academy's list in its database, and the offers that reach the worksheets."""

from __future__ import annotations

import copy
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets as W
import pytest
import yaml
from pydantic import ValidationError

from sectorwb import (
    academy,
    app,
    backup,
    config,
    content,
    offers,
    organisations,
    regions,
    store,
    store_sqlite,
    widgets,
)
from sectorwb.cli import main
from sectorwb.errors import DataFileError
from sectorwb.schema import ShortText, Table

REPO = Path(__file__).resolve().parents[1]
DEMO_QCEW = REPO / "data" / "regions" / "demo" / "illustrative_demo_qcew_2023.csv"
DEMO = [(o.name, o.kind) for o in regions.load_region("demo").config.organisations]
COLLEGE = "Birch Community College (fictional)"
COLLEGE_OPTION = f"{COLLEGE}{offers.KIND_MARK}college"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(config.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(config.DB_ENV, raising=False)
    monkeypatch.delenv(config.ACADEMY_ENV, raising=False)
    monkeypatch.delenv(content.EXTRA_DIR_ENV, raising=False)
    content._all.cache_clear()
    yield
    content._all.cache_clear()


def _csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "organisations.csv"
    path.write_text(text, encoding=encoding)
    return path


# -- the CSV file -------------------------------------------------------------------
def test_csv_reads_names_and_kinds_in_any_header_case_with_a_bom(
    tmp_path: Path,
) -> None:
    text = (
        " Name ,KIND\n"
        "Front Range Community College,College\n"
        "\n"
        '"Metro  Chamber, Inc.", chamber\n'
        "Acme Widgets,\n"
    )
    found = organisations.read_organisations(_csv(tmp_path, text, "utf-8-sig"))
    assert [(o.name, o.kind) for o in found] == [
        ("Front Range Community College", "college"),
        ("Metro Chamber, Inc.", "chamber"),
        ("Acme Widgets", None),
    ]


def test_csv_kind_column_is_optional(tmp_path: Path) -> None:
    found = organisations.read_organisations(_csv(tmp_path, "name\nKent WDB\n"))
    assert [(o.name, o.kind) for o in found] == [("Kent WDB", None)]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("organisation,kind\nKent WDB,college\n", "has a column 'name'"),
        ("name,kind,phone\nKent WDB,,555\n", "its columns are: name, kind, phone"),
        ("name,kind\nKent WDB,\n,college\n", "line 3: no name (only the kind"),
        (
            "name,kind\nKent WDB,\nCollege,\n kent   wdb ,\n",
            "line 4: 'kent wdb' is the same organisation as line 2",
        ),
        (
            "name,kind\nKent WDB,board\n",
            "line 2: kind: kind 'board' is not one of the kinds sectorwb knows: "
            "college, university",
        ),
        ("name\n" + "".join(f"Org {i}\n" for i in range(501)), "501 organisations"),
        ("name,kind\n\n\n", "no organisations in it"),
        ("name\n" + "x" * 151 + "\n", "line 2: name: String should have at most 150"),
    ],
    ids=["no-name-column", "extra-column", "blank-name", "duplicate", "kind", "501",
         "empty", "long"],
)  # fmt: skip
def test_csv_problems_name_the_line_and_the_fix(
    tmp_path: Path, text: str, said: str
) -> None:
    with pytest.raises(DataFileError) as caught:
        organisations.read_organisations(_csv(tmp_path, text))
    assert said in str(caught.value)


def test_csv_reports_every_problem_at_once(tmp_path: Path) -> None:
    text = "name,kind\nA,college\nB,nonsense\na,\n,chamber\n"
    with pytest.raises(DataFileError) as caught:
        organisations.read_organisations(_csv(tmp_path, text))
    message = str(caught.value)
    assert "nothing was created" in message
    assert "line 3: kind" in message and "line 4: 'a'" in message
    assert "line 5: no name" in message


def test_csv_that_is_not_text_or_missing(tmp_path: Path) -> None:
    path = tmp_path / "orgs.csv"
    path.write_bytes(b"name\n\xff\xfe\x00broken\n")
    with pytest.raises(DataFileError, match="cannot be read as UTF-8"):
        organisations.read_organisations(path)
    with pytest.raises(DataFileError, match="no such organisations file"):
        organisations.read_organisations(tmp_path / "missing.csv")


def test_region_yaml_kinds_and_repeats_are_checked_too() -> None:
    base = {"name": "R", "state": "08000", "qcew": ["a.csv"]}
    with pytest.raises(ValidationError, match="not one of the kinds"):
        regions.RegionConfig.model_validate(
            base | {"organisations": [{"name": "A", "kind": "club"}]}
        )
    with pytest.raises(ValidationError, match="organisations.1: 'a' is the same"):
        regions.RegionConfig.model_validate(
            base | {"organisations": [{"name": "A"}, {"name": "a"}]}
        )


def test_the_demo_region_lists_every_kind_and_says_it_is_made_up() -> None:
    shown = set(organisations.KINDS) - {"government", "other"}
    assert {kind for _, kind in DEMO} == shown
    assert all(name.endswith("(fictional)") for name, _ in DEMO)
    assert sum(kind == offers.EMPLOYER for _, kind in DEMO) >= 2


# -- sectorwb region new / academy new ----------------------------------------------
@pytest.fixture
def regions_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "regions"
    monkeypatch.setenv(regions.REGIONS_DIR_ENV, str(folder))
    return folder


def _region_new(path: Path, *extra: str) -> int:
    argv = ["region", "new", "north", "--qcew", str(DEMO_QCEW), "--counties", "99001"]
    return main([*argv, "--organisations", str(path), *extra])


def test_region_new_with_an_organisations_file(
    regions_dir: Path, tmp_path: Path
) -> None:
    path = _csv(tmp_path, "name,kind\nNorth College,college\nAcme,employer\n")
    assert _region_new(path, "--organisation", "North WDB") == 0
    saved = yaml.safe_load((regions_dir / "north" / "region.yaml").read_text())
    assert saved["organisations"] == [
        {"name": "North WDB"},
        {"name": "North College", "kind": "college"},
        {"name": "Acme", "kind": "employer"},
    ]


def test_region_new_with_a_bad_organisations_file_creates_nothing(
    regions_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _region_new(_csv(tmp_path, "name,kind\nAcme,firm\n")) == 2
    assert "line 2: kind: kind 'firm'" in capsys.readouterr().err
    assert not (regions_dir / "north").exists()
    # The same organisation given twice, once in the file and once on the line.
    assert _region_new(_csv(tmp_path, "name\nAcme\n"), "--organisation", "ACME") == 2
    assert "is the same organisation" in capsys.readouterr().err
    assert not (regions_dir / "north").exists()


def _academy_new(tmp_path: Path, organisations: str | None) -> int:
    teams = tmp_path / "teams.txt"
    teams.write_text("Metro Health\nTeam C\n", encoding="utf-8")
    argv = ["academy", "new", "Spring 2027", "--region", "demo", "--teams", str(teams)]
    if organisations is not None:
        argv += ["--organisations", str(_csv(tmp_path, organisations))]
    return main(argv)


def test_academy_new_keeps_its_own_list_in_its_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _academy_new(tmp_path, "Name,Kind\nSpring College,college\nAcme,\n") == 0
    assert "2 local organisations" in capsys.readouterr().out
    made = academy.load("spring-2027")
    assert made.organisations() == [("Spring College", "college"), ("Acme", None)]
    # A backup carries the list (it is in the answer database).
    copy_path = tmp_path / "backup.sqlite3"
    backup.backup(made.store, copy_path)
    assert store.Store(copy_path).organisations() == made.organisations()


def test_academy_new_with_a_bad_organisations_file_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _academy_new(tmp_path, "name\nAcme\n\nacme\n") == 2
    assert "line 4: 'acme' is the same organisation as line 2" in (
        capsys.readouterr().err
    )
    assert not (config.data_dir() / config.ACADEMIES_DIR).exists()


def test_academy_organisations_shows_replaces_and_clears_the_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _academy_new(tmp_path, None) == 0
    capsys.readouterr()
    assert main(["academy", "organisations", "spring-2027"]) == 0
    assert "offer the organisations of the region demo" in capsys.readouterr().out

    new_list = _csv(tmp_path, "name,kind\nSpring College,college\n")
    assert main(["academy", "organisations", "spring-2027", str(new_list)]) == 0
    assert "1 local organisations of its own" in capsys.readouterr().out
    assert academy.load("spring-2027").organisations() == [
        ("Spring College", "college")
    ]
    assert main(["academy", "organisations", "spring-2027"]) == 0
    assert "Spring College  (college)" in capsys.readouterr().out

    # A bad file changes nothing; FILE and --clear together are refused.
    bad = _csv(tmp_path, "name,kind\nAcme,firm\n")
    assert main(["academy", "organisations", "spring-2027", str(bad)]) == 2
    assert "line 2: kind: kind 'firm'" in capsys.readouterr().err
    both = ["academy", "organisations", "spring-2027", str(new_list), "--clear"]
    assert main(both) == 2
    assert "not both" in capsys.readouterr().err
    assert academy.load("spring-2027").organisations() == [
        ("Spring College", "college")
    ]

    assert main(["academy", "organisations", "spring-2027", "--clear"]) == 0
    assert "its region's (demo) organisations" in capsys.readouterr().out
    assert academy.load("spring-2027").organisations() == []


# -- an older database ----------------------------------------------------------------
def _version_1_file(path: Path) -> None:
    """An answer database as the Academy release wrote it (schema version 1)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(store_sqlite._SCHEMA)
    for statement in store_sqlite._MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO academy VALUES ('old', 'Old', 'demo', 'http://x', 't', 's', 'h')"
    )
    conn.execute("INSERT INTO teams VALUES ('Metro Health', 't', 'TOKEN', NULL)")
    conn.execute(
        "INSERT INTO answers (team, worksheet, question, value, saved_at)"
        " VALUES ('Metro Health', 'ws', 'q', '\"kept\"', 't')"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.close()


def test_a_version_1_database_gains_the_list_and_keeps_everything(
    tmp_path: Path,
) -> None:
    db = tmp_path / "answers.sqlite3"
    _version_1_file(db)
    opened = store.Store(db)
    assert opened.organisations() == []
    assert opened.academy().name == "Old"
    assert opened.answers("Metro Health", "ws") == {"q": "kept"}
    opened.set_organisations([("Acme", "employer"), ("Kent WDB", None)])
    opened.set_organisations([("Acme", "employer")])  # replaces, not appends
    opened.close()
    again = store.Store(db)
    assert again.organisations() == [("Acme", "employer")]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION


def test_a_version_1_database_read_only_offers_no_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "answers.sqlite3"
    _version_1_file(db)

    def refuse(path: Path) -> sqlite3.Connection:  # as in a read-only data folder
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(store_sqlite, "open_read_write", refuse)
    opened = store.Store(db)
    assert opened.organisations() == []
    assert opened.academy().name == "Old"


# -- which list a page offers ----------------------------------------------------------
def test_a_pages_read_is_cached_until_the_region_file_changes(
    regions_dir: Path,
) -> None:
    path = _csv(regions_dir.parent, "name,kind\nAcme,employer\n")
    assert _region_new(path) == 0
    assert organisations.of_region("north") == [("Acme", "employer")]
    cache = config.data_dir() / organisations.CACHE_FILE
    assert "Acme" in cache.read_text()
    # A warm cache needs no PyYAML: the check runs in a fresh interpreter.
    script = (
        "import sys; from sectorwb import organisations as o; "
        "assert o.of_region('north') == [('Acme', 'employer')]; "
        "assert 'yaml' not in sys.modules, 'PyYAML was imported'"
    )
    subprocess.run([sys.executable, "-c", script], check=True, env=os.environ.copy())

    config_file = regions_dir / "north" / "region.yaml"
    text = config_file.read_text().replace("Acme", "Acme Foods")
    config_file.write_text(text)
    assert organisations.of_region("north") == [("Acme Foods", "employer")]
    cache.write_text("[not, the shape]")  # a broken cache is only slower
    assert organisations.of_region("north") == [("Acme Foods", "employer")]
    config_file.write_text(text.replace("employer", "firm"))
    with pytest.raises(DataFileError, match="not one of the kinds"):
        organisations.of_region("north")


def test_a_page_offers_the_academys_list_else_its_regions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def visit(region: str | None, served: academy.Academy | None = None) -> app._Visit:
        return app._Visit("A", "team=A", region, served)

    assert app._organisations(visit(None)) == []
    assert app._organisations(visit("demo")) == DEMO
    assert app._organisations(visit("no-such-region")) == []
    assert "organisations of region 'no-such-region'" in capsys.readouterr().err

    own, _key = academy.create("Own List", "demo", ["A"], None, [("Acme", None)])
    bare, _key = academy.create("No List", "demo", ["A"])
    assert app._organisations(visit("demo", own)) == [("Acme", None)]
    assert app._organisations(visit("demo", bare)) == DEMO


# -- the offers -----------------------------------------------------------------------
def test_options_put_the_teams_names_first_and_the_kind_beside_the_regions() -> None:
    named, kinds = offers.region_named([("Birch College", "college"), ("Acme", None)])
    named |= {"support_partners": ["Metro Chamber", "birch  college"]}
    shown, saved = offers.options(
        ("support_partners", offers.REGION_ORGANISATIONS), named, kinds, ["Other"]
    )
    assert shown == (
        "Other",
        "Metro Chamber",
        f"birch  college{offers.KIND_MARK}college",  # the team's spelling, once
        "Acme",
    )
    assert saved == {f"birch  college{offers.KIND_MARK}college": "birch  college"}


def test_employers_are_offered_on_their_own() -> None:
    named, _ = offers.region_named(DEMO)
    employers = named[offers.REGION_EMPLOYERS]
    assert employers and set(employers) == {n for n, k in DEMO if k == "employer"}
    assert len(named[offers.REGION_ORGANISATIONS]) == len(DEMO)


def test_the_regions_list_can_be_offered_but_not_provided() -> None:
    base = {"id": "q", "kind": "short_text", "text": "Q"}
    assert ShortText.model_validate(base | {"offers": "a"}).offers == ("a",)
    with pytest.raises(ValidationError, match="can offer it but not provide it"):
        ShortText.model_validate(base | {"provides": "region_organisations"})
    table = {"id": "t", "kind": "table", "text": "T", "columns": ["A"]}
    with pytest.raises(ValidationError, match="column_offers"):
        Table.model_validate(table | {"column_offers": {"A": ["ok", "Not An Id"]}})


def test_every_organisation_question_of_the_manual_offers_the_regions_list() -> None:
    wanted = {
        "step1_support_team": {"roster", "lead_convener", "connections"},
        "many_tables_knocks": {"tables", "knocks"},
        "step3_prepare": {"convener_candidates", "lead_convener", "partner_roles"},
        "module4_career_pathways": {"pathway_steps"},
    }
    for ws_id, question_ids in wanted.items():
        for q in content.get(ws_id).questions():
            names = {*getattr(q, "offers", ())}
            for listed in getattr(q, "column_offers", {}).values():
                names |= set(listed)
            if q.id in question_ids:
                assert offers.REGION_ORGANISATIONS in names, (ws_id, q.id)
    for ws_id in ("step3_prepare", "step4_launch", "preparing_to_launch"):
        assert offers.REGION_EMPLOYERS in content.get(ws_id).offered(), ws_id


# -- the Step 1 roster, as widgets ------------------------------------------------------
def _descendants(widget: W.Widget) -> Iterator[W.Widget]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


def _column(field: W.Widget, column: str) -> list[Any]:
    return [
        w
        for w in _descendants(field)
        if isinstance(w, W.Combobox) and w.description.startswith(f"{column},")
    ]


def test_roster_offers_the_regions_organisations_beside_the_teams_names(
    tmp_path: Path,
) -> None:
    form = widgets.WorksheetForm(content.get("step1_support_team"))
    answers = store.Store(tmp_path / "answers.sqlite3")
    form.bind(answers, "Metro Health")
    form.suggest({"support_partners": ["Metro Chamber"]}, DEMO)
    roster = form.fields["roster"]
    cells = _column(roster, "Organization")
    assert len(cells) == 8 and COLLEGE_OPTION in cells[0].options

    cells[0].value = COLLEGE_OPTION  # picked from the list
    assert cells[0].value == COLLEGE  # the cell shows the name, not the kind
    rows = copy.deepcopy(roster.value)
    assert rows[0]["Organization"] == COLLEGE
    cells[1].value = "Metro Chamber"  # typed by the team
    form.flush()
    saved = answers.answers("Metro Health", "step1_support_team")["roster"]
    assert [r["Organization"] for r in saved[:2]] == [COLLEGE, "Metro Chamber"]

    # The connections and the lead convener offer the roster's names (as typed on
    # this page) beside the region's; the college once, with its kind.
    connections = _column(form.fields["connections"], "Organization")[0].options
    assert connections[:2] == ("Metro Chamber", COLLEGE_OPTION)
    assert len(connections) == len(DEMO) + 1
    (lead,) = [
        w
        for w in _descendants(form.fields["lead_convener"])
        if isinstance(w, W.Combobox)
    ]
    assert lead.options == connections
    lead.value = COLLEGE_OPTION
    assert form.fields["lead_convener"].value == COLLEGE


def test_a_page_without_a_region_offers_only_the_teams_names() -> None:
    form = widgets.WorksheetForm(content.get("step1_support_team"))
    form.suggest({"support_partners": ["Metro Chamber"]})
    assert _column(form.fields["roster"], "Organization")[0].options == ()
    assert _column(form.fields["connections"], "Organization")[0].options == (
        "Metro Chamber",
    )
