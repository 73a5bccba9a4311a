"""Tests for sectorwb.store: appended history, isolation, concurrency and the ways the
database file can be unusable (locked, read-only, damaged)."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from postgres import count_rows

from sectorwb import store as store_module
from sectorwb import store_sqlite, teams
from sectorwb.errors import (
    AnswerTooLargeError,
    ConcurrentSaveError,
    StoreError,
    TeamNameError,
)
from sectorwb.store import Store


# -- saving and reading ----------------------------------------------------------------
def test_every_save_appends_and_history_is_oldest_first(
    store: Store, target: Path | str
) -> None:
    for value in ["first", "second", "third"]:
        store.save("Alpha", "ws", {"q": value})

    history = store.history("Alpha", "ws", "q")
    assert [v for _, v in history] == ["first", "second", "third"]
    times = [datetime.fromisoformat(t) for t, _ in history]
    assert times == sorted(times)
    assert all(t.tzinfo is not None for t in times)
    assert count_rows(target) == 3


def test_save_returns_the_time_recorded_in_history(store: Store) -> None:
    at = store.save("Alpha", "ws", {"q": 1})
    assert store.history("Alpha", "ws", "q") == [(at, 1)]


def test_latest_save_wins(store: Store) -> None:
    store.save("Alpha", "ws", {"q1": "old", "q2": "kept"})
    store.save("Alpha", "ws", {"q1": "new"})
    assert store.answers("Alpha", "ws") == {"q1": "new", "q2": "kept"}


def test_answers_are_isolated_per_team_and_worksheet(store: Store) -> None:
    store.save("Alpha", "ws1", {"q": "alpha ws1"})
    store.save("Beta", "ws1", {"q": "beta ws1"})
    store.save("Alpha", "ws2", {"q": "alpha ws2"})

    assert store.answers("Alpha", "ws1") == {"q": "alpha ws1"}
    assert store.answers("Beta", "ws1") == {"q": "beta ws1"}
    assert store.answers("Alpha", "ws2") == {"q": "alpha ws2"}
    assert store.answers("Beta", "ws2") == {}
    assert store.answers("Gamma", "ws1") == {}
    assert store.all_answers("Alpha") == {
        "ws1": {"q": "alpha ws1"},
        "ws2": {"q": "alpha ws2"},
    }
    assert store.history("Beta", "ws1", "q") == [
        (store.history("Beta", "ws1", "q")[0][0], "beta ws1")
    ]


def test_team_names_are_exact_not_patterns(store: Store) -> None:
    store.save("A%", "ws", {"q": "percent"})
    store.save("A_", "ws", {"q": "underscore"})
    assert store.answers("A%", "ws") == {"q": "percent"}
    assert store.answers("Ab", "ws") == {}


def test_teams_lists_every_team_once(store: Store) -> None:
    assert store.teams() == []
    store.save("beta", "ws", {"q": 1})
    store.save("Alpha", "ws", {"q": 1})
    store.save("beta", "ws2", {"q": 2})
    store.add_team("Gamma")
    store.add_team("Alpha")
    assert store.teams() == ["Alpha", "beta", "Gamma"]


def test_teams_first_seen_and_their_answer_counts(store: Store) -> None:
    store.save("Metro Health", "ws", {"q1": "a", "q2": "b"})
    store.save("Metro Health", "ws", {"q1": "edited"})  # history, not a new answer
    store.add_team("Alpha")
    store.save("METRO HEALTH", "ws2", {"q1": "c"})
    store.save("Alpha", "ws", {"q1": ""})
    assert store.teams_first_seen() == ["Metro Health", "Alpha", "METRO HEALTH"]
    assert store.team_answer_counts() == [
        ("Metro Health", 2),
        ("Alpha", 1),
        ("METRO HEALTH", 1),
    ]
    store.add_team("Empty")
    assert store.team_answer_counts()[-1] == ("Empty", 0)


def test_a_name_typed_in_another_case_reads_the_stored_teams_answers(
    store: Store,
) -> None:
    store.save("Metro Health", "ws", {"q": "saved by Metro Health"})
    for typed in ("metro health", "METRO HEALTH", "Metro  health"):
        team = teams.resolve(typed, store.teams_first_seen())
        assert store.answers(team, "ws") == {"q": "saved by Metro Health"}
    # A look-alike in another alphabet is refused, not a new empty team.
    with pytest.raises(TeamNameError):
        teams.resolve("\u041c\u0435tro Health", store.teams_first_seen())
    assert store.teams_first_seen() == ["Metro Health"]


@pytest.mark.parametrize(
    "value",
    [
        {"answer": "Yes", "notes": "Both colleges agreed"},
        [{"Action": "Call", "Timeline": "May", "Who's committed": "Ana"}],
        ["Équipe Nord", "日本語", "Ünïcödé"],
        "Launch 🚀 with 👩‍🔧 and \u200b zero width",
        None,
        12.5,
        True,
    ],
    ids=["dict", "list-of-dicts", "unicode", "emoji", "none", "number", "bool"],
)
def test_json_round_trip(store: Store, target: Path | str, value: object) -> None:
    store.save("Équipe Nord", "ws", {"q": value})
    assert store.answers("Équipe Nord", "ws") == {"q": value}
    # A fresh connection reads the same, so nothing only lives in memory.
    other = Store(target)
    try:
        assert other.answers("Équipe Nord", "ws") == {"q": value}
    finally:
        other.close()


def test_file_is_sqlite_in_wal_mode(db: Path) -> None:
    store = Store(db)
    store.save("Alpha", "ws", {"q": "x"})
    store.close()
    assert db.read_bytes()[:16] == b"SQLite format 3\x00"
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_store_creates_missing_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "answers.sqlite3"
    s = Store(path)
    try:
        s.save("Alpha", "ws", {"q": 1})
    finally:
        s.close()
    assert path.is_file()


# -- several writers at once -----------------------------------------------------------
def _writer(target: str, team: str, start: object, count: int) -> None:
    """Runs in a child process: wait for the start signal, then save `count` answers."""
    start.wait(30)  # type: ignore[attr-defined]
    s = Store(target)
    for i in range(count):
        s.save(team, "ws", {f"q{i}": f"{team}-{i}"})
    s.close()


def test_concurrent_writers_in_separate_processes_lose_nothing(
    target: Path | str,
) -> None:
    Store(target).close()  # create the store first, as the server would
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    teams = [f"team{n}" for n in range(4)]
    procs = [
        ctx.Process(target=_writer, args=(str(target), team, start, 50))
        for team in teams
    ]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]

    assert count_rows(target) == 200
    s = Store(target)
    try:
        for team in teams:
            assert s.answers(team, "ws") == {f"q{i}": f"{team}-{i}" for i in range(50)}
        assert s.teams() == teams
    finally:
        s.close()


# -- unusable database files -------------------------------------------------------------
def test_locked_database_raises_store_error_and_keeps_earlier_answers(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_sqlite, "BUSY_TIMEOUT_MS", 50)
    s = Store(db)
    s.save("Alpha", "ws", {"q": "before the lock"})

    locker = sqlite3.connect(db, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked") as info:
            s.save("Alpha", "ws", {"q": "during the lock"})
        assert str(db) in str(info.value)
    finally:
        locker.execute("ROLLBACK")
        locker.close()

    assert s.answers("Alpha", "ws") == {"q": "before the lock"}
    assert [v for _, v in s.history("Alpha", "ws", "q")] == ["before the lock"]
    # The store is usable again once the other program lets go.
    s.save("Alpha", "ws", {"q": "after the lock"})
    assert s.answers("Alpha", "ws") == {"q": "after the lock"}
    s.close()


def test_read_only_database_is_readable_but_not_writable(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store(db)
    s.save("Alpha", "ws", {"q": "saved earlier"})
    s.close()

    def refuse(path: Path) -> sqlite3.Connection:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(store_sqlite, "open_read_write", refuse)
    ro = Store(db)
    try:
        assert ro.answers("Alpha", "ws") == {"q": "saved earlier"}
        assert ro.read_only is True
        assert ro.teams() == ["Alpha"]
        with pytest.raises(StoreError, match="read-only"):
            ro.save("Alpha", "ws", {"q": "new"})
        with pytest.raises(StoreError, match="read-only"):
            ro.add_team("Beta")
    finally:
        ro.close()
    assert count_rows(db) == 1


def test_file_that_is_not_a_database(db: Path) -> None:
    garbage = bytes(range(256)) * 16
    db.write_bytes(garbage)
    s = Store(db)
    with pytest.raises(StoreError, match="not a readable answer database") as info:
        s.answers("Alpha", "ws")
    assert str(db) in str(info.value)
    with pytest.raises(StoreError, match="not a readable answer database"):
        s.save("Alpha", "ws", {"q": 1})
    assert db.read_bytes() == garbage  # kept for recovery


def test_too_large_answer_is_refused_and_earlier_answer_kept(
    store: Store, target: Path | str
) -> None:
    store.save("Alpha", "ws", {"q": "short"})
    huge = "x" * 1_000_000
    with pytest.raises(AnswerTooLargeError) as info:
        store.save("Alpha", "ws", {"q": huge})
    message = str(info.value)
    assert f"{store_module.MAX_ANSWER_CHARS:,}" in message
    assert "'q'" in message
    assert info.value.sizes == {"q": len(huge) + 2}
    assert store.answers("Alpha", "ws") == {"q": "short"}
    assert [v for _, v in store.history("Alpha", "ws", "q")] == ["short"]
    assert count_rows(target) == 1


def test_too_large_answer_does_not_block_the_others(
    store: Store, target: Path | str
) -> None:
    store.save("Alpha", "ws", {"q": "short"})
    with pytest.raises(AnswerTooLargeError) as info:
        store.save("Alpha", "ws", {"other": "fine", "q": "x" * 1_000_000})
    assert set(info.value.sizes) == {"q"}
    assert store.answers("Alpha", "ws") == {"q": "short", "other": "fine"}
    assert count_rows(target) == 2


def test_answer_at_the_limit_is_saved(store: Store) -> None:
    # json.dumps adds two quote characters around a string.
    value = "y" * (store_module.MAX_ANSWER_CHARS - 2)
    store.save("Alpha", "ws", {"q": value})
    assert store.answers("Alpha", "ws") == {"q": value}
    with pytest.raises(AnswerTooLargeError):
        store.save("Alpha", "ws", {"q": value + "y"})


# -- the change feed ------------------------------------------------------------------
def test_changes_give_the_latest_row_of_each_answer_after_a_row(store: Store) -> None:
    assert store.last_id("A", "ws") == 0
    store.save("A", "ws", {"q1": "one", "q2": "two"})
    start = store.last_id("A", "ws")
    store.save("A", "ws", {"q1": "one, edited"})
    store.save("A", "ws", {"q1": "one, edited again"})
    store.save("A", "other", {"q1": "not this worksheet"})
    store.save("B", "ws", {"q1": "not this team"})
    [change] = store.changes("A", "ws", after=start)
    assert (change.question, change.value) == ("q1", "one, edited again")
    assert change.id == store.last_id("A", "ws")
    assert change.saved_at.endswith("+00:00")
    assert store.changes("A", "ws", after=change.id) == []
    assert [c.question for c in store.changes("A", "ws", after=0)] == ["q2", "q1"]


def test_a_save_based_on_an_old_row_writes_nothing(store: Store) -> None:
    store.save("A", "ws", {"q": "first"})
    seen = store.last_id("A", "ws")
    store.save("A", "ws", {"q": "another laptop"})
    with pytest.raises(ConcurrentSaveError):
        store.save("A", "ws", {"q": "based on first"}, after=seen)
    assert store.answers("A", "ws") == {"q": "another laptop"}
    store.save("A", "ws", {"q": "based on the latest"}, after=store.last_id("A", "ws"))
    assert store.answers("A", "ws") == {"q": "based on the latest"}


# -- a table's limit counts per cell and a much larger whole --------------------------
def _table(rows: int, cell: str = "short text") -> list[dict[str, str]]:
    return [
        {"Action": f"{cell} {i}", "Timeline": "June", "Who": "Dana"}
        for i in range(rows)
    ]


def test_long_table_of_short_cells_is_saved(store: Store) -> None:
    table = _table(10_000)
    assert len(json.dumps(table)) > store_module.MAX_ANSWER_CHARS
    store.save("Alpha", "ws", {"steps": table})
    assert store.answers("Alpha", "ws")["steps"] == table


def test_table_cell_over_the_answer_limit_is_refused(store: Store) -> None:
    store.save("Alpha", "ws", {"steps": _table(3)})
    table = _table(3)
    table[1]["Timeline"] = "x" * (store_module.MAX_ANSWER_CHARS + 1)
    with pytest.raises(AnswerTooLargeError) as info:
        store.save("Alpha", "ws", {"steps": table, "other": "fine"})
    assert info.value.sizes == {"steps": store_module.MAX_ANSWER_CHARS + 1}
    assert "in one cell" in info.value.why["steps"]
    assert f"{store_module.MAX_ANSWER_CHARS:,}" in str(info.value)
    assert store.answers("Alpha", "ws") == {"steps": _table(3), "other": "fine"}


def test_table_over_the_table_limit_is_refused(store: Store) -> None:
    table = _table(store_module.MAX_TABLE_CHARS // 50, cell="x" * 40)
    size = len(json.dumps(table, ensure_ascii=False))
    assert size > store_module.MAX_TABLE_CHARS
    with pytest.raises(AnswerTooLargeError) as info:
        store.save("Alpha", "ws", {"steps": table})
    assert info.value.sizes == {"steps": size}
    assert f"{store_module.MAX_TABLE_CHARS:,}" in str(info.value)
    assert store.answers("Alpha", "ws") == {}


def test_list_of_text_keeps_the_answer_limit(store: Store) -> None:
    items = ["y" * 1_000] * 200  # a list question is one answer, not a table
    with pytest.raises(AnswerTooLargeError) as info:
        store.save("Alpha", "ws", {"items": items})
    assert f"the limit is {store_module.MAX_ANSWER_CHARS:,}" in str(info.value)


def test_latest_since_reads_every_team_then_only_what_changed(store: Store) -> None:
    store.save("A", "ws", {"q1": "a1", "q2": "a2"})
    store.save("B", "ws", {"q1": "b1"})
    store.save("A", "ws", {"q1": "a1, again"})
    first = store.latest_since()
    assert {(r.team, r.question): r.value for r in first} == {
        ("A", "q1"): "a1, again",
        ("A", "q2"): "a2",
        ("B", "q1"): "b1",
    }
    assert [r.id for r in first] == sorted(r.id for r in first)
    last = max(r.id for r in first)
    assert store.latest_since(last) == []
    store.save("B", "other", {"q9": ["x"]})
    store.save("B", "other", {"q9": ["x", "y"]})
    [row] = store.latest_since(last)
    assert (row.team, row.worksheet, row.question, row.value) == (
        "B",
        "other",
        "q9",
        ["x", "y"],
    )
    assert row.saved_at == store.history("B", "other", "q9")[-1][0]


def test_open_pages_count_fresh_rows_only_until_closed(store: Store) -> None:
    store.mark_open("k1", "A", "start")
    store.mark_open("k2", "A", "ws")
    store.mark_open("k3", "B", "ws")
    assert store.open_pages("2000-01-01") == {"A": 2, "B": 1}
    assert store.open_pages("9999-01-01") == {}  # every row older than the cutoff
    store.mark_closed("k2")
    store.mark_open("k3", "B", "other")  # a page moved on: still one
    assert store.open_pages("2000-01-01") == {"A": 1, "B": 1}
