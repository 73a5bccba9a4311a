"""`sectorwb db copy`: an Academy's store moved from SQLite to PostgreSQL and back,
every row and the history, compared by row counts and a hash of all rows."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from postgres import Cluster, query

from sectorwb import cli
from sectorwb.store import AcademyRecord, Store

SHEET = "preparing_to_launch"
# Read by the test itself, not by the code under test. Teams are compared in their
# stored order without their row numbers (a file's may have gaps, a copy's do not).
QUERIES = {
    "answers": "SELECT id, team, worksheet, question, value, saved_at FROM answers"
    " ORDER BY id",
    "teams": "SELECT name, created_at, token, removed_at FROM teams ORDER BY rowid",
    "academy": "SELECT * FROM academy",
    "organisations": "SELECT position, name, kind FROM organisations ORDER BY 1",
    "presence": "SELECT kernel, team, page, seen_at FROM presence ORDER BY 1",
}


def _rows(target: Path | str) -> dict[str, list[list[object]]]:
    return {t: [list(r) for r in query(target, q, {})] for t, q in QUERIES.items()}


def _counts_and_hash(target: Path | str) -> tuple[dict[str, int], str]:
    rows = _rows(target)
    blob = json.dumps(rows, ensure_ascii=False, sort_keys=True).encode()
    return {t: len(r) for t, r in rows.items()}, hashlib.sha256(blob).hexdigest()


def _filled(path: Path) -> Store:
    """An Academy's file with history, a merged team (a gap in the team order), its
    organisations and an open page."""
    store = Store(path)
    record = AcademyRecord("north", "North", "demo", "http://x", "t", "salt", "hash")
    store.create_academy(record, [("Metro Health", "tok1"), ("Builders", "tok2")])
    store.set_team("Old Name", "tok3")
    for i in range(5):
        store.save("Metro Health", SHEET, {"target_sector": f"draft {i}"})
    store.save("Old Name", SHEET, {"notes": "é 日本 🚀", "target_sector": "x"})
    store.move_answers("Old Name", "Builders", merge=True)
    store.save("Newcomer", "other_sheet", {"table": [{"A": "1", "B": "2"}]})
    store.set_organisations([("Spring College", "college"), ("Acme", None)])
    store.mark_open("kernel-1", "Metro Health", SHEET)
    return store


def test_copy_to_postgresql_and_back_keeps_every_row(
    tmp_path: Path, postgres: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "answers.sqlite3"
    _filled(source).close()
    url = postgres.new_database()
    assert cli.main(["db", "copy", "--from", str(source), "--to", url]) == 0
    out = capsys.readouterr().out
    assert "copied 8 answers, 3 teams, 1 academy, 2 organisations, 1 presence" in out
    assert postgres.url("x").split("@")[1].split("/")[0] in out
    assert "not-a-secret" not in out

    back = tmp_path / "back.sqlite3"
    assert cli.main(["db", "copy", "--from", url, "--to", f"sqlite:///{back}"]) == 0
    counts, digest = _counts_and_hash(source)
    assert counts == {
        "answers": 8,
        "teams": 3,
        "academy": 1,
        "organisations": 2,
        "presence": 1,
    }
    assert _counts_and_hash(url) == (counts, digest)
    assert _counts_and_hash(back) == (counts, digest)

    # The copy is a working store: history, order, and new rows after the copied ones.
    copied = Store(url)
    try:
        assert [
            v for _, v in copied.history("Metro Health", SHEET, "target_sector")
        ] == [f"draft {i}" for i in range(5)]
        assert (
            copied.teams_first_seen()
            == [
                "Metro Health",
                "Builders",
                "Newcomer",
                "Old Name",
            ][: len(copied.teams_first_seen())]
        )
        copied.save("Builders", SHEET, {"notes": "after the move"})
        copied.set_organisations([("Third", None)])
        assert copied.last_id("Builders", SHEET) == 9
        assert copied.academy() is not None
    finally:
        copied.close()


def test_copy_refuses_a_store_that_is_not_empty(
    tmp_path: Path, postgres: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "answers.sqlite3"
    _filled(source).close()
    url = postgres.new_database()
    other = Store(url)
    other.save("Someone", SHEET, {"notes": "already here"})
    other.close()
    assert cli.main(["db", "copy", "--from", str(source), "--to", url]) == 2
    err = capsys.readouterr().err
    assert "is not empty (it has rows in answers, teams)" in err
    assert _counts_and_hash(url)[0]["answers"] == 1
