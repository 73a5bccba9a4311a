"""The answer store on PostgreSQL's bad days: a wrong URL, password or database, a
server that is down or restarts mid-session, a held lock, another app's tables; and
Academies in schemas of their own. (Everything else runs on both engines through the
``store`` fixture.)"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from postgres import PASSWORD, USER, Cluster, count_rows
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from sectorwb import academy, cli, config, content, store_pg, widgets
from sectorwb.errors import StoreError
from sectorwb.store import SCHEMA_VERSION, Store

SHEET = "preparing_to_launch"
FIELD = "target_sector"


def _sql(url: str, *statements: str) -> list:
    """Run statements on ``url`` as another program would; the last one's rows."""
    engine = create_engine(
        make_url(url).set(drivername="postgresql+psycopg"), poolclass=NullPool
    )
    try:
        with engine.begin() as conn:
            result = None
            for statement in statements:
                result = conn.execute(text(statement))
            return list(result) if result is not None and result.returns_rows else []
    finally:
        engine.dispose()


@pytest.fixture
def served_url(postgres: Cluster, data: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh database as ``$SECTORWB_DB_URL`` (with a data folder of the test's)."""
    url = postgres.new_database()
    monkeypatch.setenv(config.DB_URL_ENV, url)
    return url


def _academy_schemas(url: str) -> list:
    return _sql(
        url,
        "SELECT schema_name FROM information_schema.schemata"
        " WHERE schema_name LIKE 'ac_%' ORDER BY 1",
    )


def _refused(target: str) -> str:
    store = Store(target)
    try:
        with pytest.raises(StoreError) as info:
            store.save("Alpha", SHEET, {FIELD: "typed"})
    finally:
        store.close()
    message = str(info.value)
    assert PASSWORD not in message
    assert "Traceback" not in message
    return message


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- a URL that cannot work ----------------------------------------------------------
def test_a_wrong_password_names_the_url_without_the_password(postgres: Cluster) -> None:
    url = postgres.new_database()
    message = _refused(url.replace(PASSWORD, "not-the-password"))
    assert "refused the user name or password" in message
    assert f"{USER}:***@127.0.0.1:{postgres.port}" in message
    assert "not-the-password" not in message
    assert "SECTORWB_DB_URL" in message


@pytest.mark.parametrize(
    ("typo", "said"),
    [
        ("postgressql://{user}:{pw}@127.0.0.1:5432/x", "is not one sectorwb can use"),
        ("postgresql://{user}:{pw}@127.0.0.1:54x2/x", "cannot be read"),
        ("postgresql://{user}:{pw}@127.0.0.1:5432", "is not one sectorwb can use"),
    ],
    ids=["scheme", "port", "no database"],
)
def test_a_mistyped_url_says_how_to_write_one(typo: str, said: str) -> None:
    message = _refused(typo.format(user=USER, pw=PASSWORD))
    assert said in message
    assert "postgresql://USER:PASSWORD@HOST:PORT/DATABASE" in message
    assert f"{USER}:***@" in message


def test_a_database_that_does_not_exist(postgres: Cluster) -> None:
    message = _refused(postgres.url("no_such_database"))
    assert "There is no database of that name" in message
    assert "createdb" in message


def test_a_server_that_is_not_running(postgres: Cluster) -> None:
    url = postgres.url("x").replace(str(postgres.port), str(_closed_port()))
    message = _refused(url)
    assert "cannot be reached" in message
    assert "Start PostgreSQL" in message


def test_a_host_name_that_is_not_known() -> None:
    # .invalid is never a real host (RFC 6761): the resolver says so at once.
    message = _refused(f"postgresql://{USER}:{PASSWORD}@no-such-host.invalid/x")
    assert "The host name of the answer database" in message
    assert "is not known" in message
    assert f"{USER}:***@no-such-host.invalid/x" in message


def test_serve_refuses_a_bad_url_before_serving(
    postgres: Cluster,
    capsys: pytest.CaptureFixture[str],
    data: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = postgres.new_database().replace(PASSWORD, "Bad-Pass-123")
    # serve puts --db-url into its environment, for its kernels: set here, so that
    # monkeypatch takes it out again and no later test inherits it.
    monkeypatch.setenv(config.DB_URL_ENV, bad)
    code = cli.main(["serve", "--db-url", bad, "--port", str(_closed_port())])
    assert code == 2
    err = capsys.readouterr().err
    assert "refused the user name or password" in err
    assert "Bad-Pass-123" not in err
    assert f"{USER}:***@127.0.0.1:{postgres.port}" in err


# -- another application's database ---------------------------------------------------
def test_a_database_with_another_apps_tables_is_left_alone(postgres: Cluster) -> None:
    url = postgres.new_database()
    _sql(url, "CREATE TABLE teams (id int)", "CREATE TABLE invoices (id int)")
    message = _refused(url)
    assert "holds another application's tables" in message
    assert "invoices, teams" in message
    tables = _sql(
        url,
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = 'public' ORDER BY 1",
    )
    assert [t for (t,) in tables] == ["invoices", "teams"]


def test_the_schema_is_made_on_first_use_with_its_version(postgres: Cluster) -> None:
    url = postgres.new_database()
    store = Store(url)
    store.save("Alpha", SHEET, {FIELD: "first"})
    store.close()
    assert _sql(url, "SELECT version FROM sectorwb_schema") == [(SCHEMA_VERSION,)]
    # A newer sectorwb's tables are not written by this one.
    _sql(url, f"UPDATE sectorwb_schema SET version = {SCHEMA_VERSION + 1}")  # noqa: S608
    message = _refused(url)
    assert "made by a newer sectorwb" in message
    assert count_rows(url) == 1


# -- the server goes away and comes back ------------------------------------------------
def test_a_restart_mid_session_keeps_the_typing_and_saves_it_after(
    postgres: Cluster,
) -> None:
    url = postgres.new_database()
    store = Store(url)
    form = widgets.WorksheetForm(content.get(SHEET))
    form.bind(store, "Alpha")
    form.fields[FIELD].value = "saved before the restart"
    form.flush()
    postgres.stop()
    try:
        form.fields[FIELD].value = "typed while PostgreSQL is down"
        form.flush()
        status = form.status.value
        assert "Not saved yet" in status
        assert "cannot be reached" in status
        assert PASSWORD not in status
        assert form.fields[FIELD].value == "typed while PostgreSQL is down"
    finally:
        postgres.start()
    form.flush()  # the page's retry
    assert "All changes saved" in form.status.value
    assert store.answers("Alpha", SHEET) == {FIELD: "typed while PostgreSQL is down"}
    assert [v for _, v in store.history("Alpha", SHEET, FIELD)] == [
        "saved before the restart",
        "typed while PostgreSQL is down",
    ]
    store.close()


def test_a_held_lock_is_busy_then_the_save_goes_through(
    postgres: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_pg, "LOCK_TIMEOUT_MS", 200)
    url = postgres.new_database()
    store = Store(url)
    store.save("Alpha", SHEET, {FIELD: "before the lock"})
    engine = create_engine(
        make_url(url).set(drivername="postgresql+psycopg"), poolclass=NullPool
    )
    with engine.connect() as other:
        other.execute(text("LOCK TABLE answers IN ACCESS EXCLUSIVE MODE"))
        with pytest.raises(StoreError, match="is busy"):
            store.save("Alpha", SHEET, {FIELD: "during the lock"})
        other.rollback()
    engine.dispose()
    store.save("Alpha", SHEET, {FIELD: "after the lock"})
    assert [v for _, v in store.history("Alpha", SHEET, FIELD)] == [
        "before the lock",
        "after the lock",
    ]
    store.close()


# -- Academies: a schema each ----------------------------------------------------------
def test_academies_on_one_database_keep_to_their_own_schema(
    served_url: str, data: Path
) -> None:
    url = served_url
    north, _ = academy.create("North 2027", "demo", ["Metro Health", "Builders"])
    south, _ = academy.create("South 2027", "demo", ["Metro Health"])
    north.store.save("Metro Health", SHEET, {FIELD: "north's answer"})
    assert south.store.answers("Metro Health", SHEET) == {}
    again = academy.load("north-2027")
    assert again.name == "North 2027"
    assert [t.name for t in again.teams()] == ["Metro Health", "Builders"]
    assert again.store.answers("Metro Health", SHEET) == {FIELD: "north's answer"}
    assert not (data / config.ACADEMIES_DIR).exists()  # nothing in the data folder
    assert _academy_schemas(url) == [("ac_north_2027",), ("ac_south_2027",)]
    with pytest.raises(Exception, match="exists already"):
        academy.create("North 2027", "demo", ["Other"])
    for made in (north, south, again):
        made.store.close()


def test_academies_are_listed_and_an_unknown_one_is_named_and_not_made(
    served_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = served_url
    assert cli.main(["academy", "list"]) == 0
    assert "No Academies yet" in capsys.readouterr().out
    for name in ("North 2027", "South 2027"):
        made, _ = academy.create(name, "demo", ["Metro Health", "Builders"])
        made.store.close()
    assert cli.main(["academy", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == ["north-2027", "south-2027"]
    assert "North 2027  region demo  2 teams" in listed[0]
    assert PASSWORD not in "".join(listed)

    assert cli.main(["academy", "teams", "west-2027"]) == 2
    err = capsys.readouterr().err
    assert "There is no Academy 'west-2027'" in err
    assert "Known: north-2027, south-2027" in err
    assert PASSWORD not in err
    assert _academy_schemas(url) == [
        ("ac_north_2027",),
        ("ac_south_2027",),
    ]  # no ac_west_2027


def test_check_reads_the_team_names_on_the_server_and_makes_nothing(
    postgres: Cluster, served_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = served_url
    assert cli.main(["check"]) == 0
    assert "ok  teams" not in capsys.readouterr().out
    assert _sql(
        url,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
    ) == [(0,)]  # nothing made

    old = Store(url)
    old.save("Metro Health", SHEET, {FIELD: "Health"})
    old.save("METRO HEALTH", SHEET, {FIELD: "Care"})
    old.close()
    assert cli.main(["check"]) == 1
    out = capsys.readouterr().out
    assert "“Metro Health” (1 saved answer) and “METRO HEALTH” (1 saved answer)" in out
    assert f"{USER}:***@127.0.0.1:{postgres.port}" in out
    assert PASSWORD not in out
    assert count_rows(url) == 2


def test_backup_of_a_server_store_says_how_to_copy_it(
    served_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["backup", str(tmp_path / "copy.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert "is a database server" in err
    assert (
        f"sectorwb db copy --from URL --to sqlite:///{tmp_path / 'copy.sqlite3'}" in err
    )
    assert not (tmp_path / "copy.sqlite3").exists()
