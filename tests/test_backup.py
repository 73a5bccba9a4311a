"""`sectorwb backup` and `sectorwb restore`: a consistent copy while teams keep saving,
brought back row for row; wrong, damaged and missing files get a clear message."""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sectorwb import cli, config
from sectorwb.store import Store

PROJECT = Path(__file__).resolve().parent.parent
TEAMS = ["Metro Health", "Team C", "Équipe Nord"]
SHEETS = ["step1_support_team", "preparing_to_launch", "step5_action"]
LIVE_SHEET = "live_typing"
LIVE_ANSWERS = ("a", "b", "c")  # one save of the writer = three rows, one transaction
MAX_LIVE_SAVES = 50_000  # the writer's bound, far more than the test needs


def _fill(db: Path) -> None:
    """Several teams, worksheets and edits: every answer has a history of three."""
    store = Store(db)
    for edit in range(3):
        for team in TEAMS:
            for sheet in SHEETS:
                store.save(
                    team,
                    sheet,
                    {
                        "notes": f"{team} on {sheet}, edit {edit}",
                        "agree": {"answer": "Yes" if edit else "No", "notes": "n"},
                        "next_steps": [{"Action": f"Call {edit}", "Timeline": "May"}],
                    },
                )
    store.close()


def _keep_saving(db: str, started: Any, stop: Any) -> None:
    """Another page typing: saves until told to stop (bounded)."""
    store = Store(db)
    for i in range(MAX_LIVE_SAVES):
        store.save(TEAMS[i % len(TEAMS)], LIVE_SHEET, dict.fromkeys(LIVE_ANSWERS, i))
        if i == 50:
            started.set()
        if stop.is_set():
            break
    store.close()


def _tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (and the schema itself), in rowid order."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        tables = {
            # Names come from sqlite_master, not from input.
            n: conn.execute(f'SELECT * FROM "{n}" ORDER BY rowid').fetchall()  # noqa: S608
            for n in names
        }
        tables["sqlite_master"] = conn.execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY name"
        ).fetchall()
        return tables
    finally:
        conn.close()


def _as_at(tables: dict[str, list[tuple[Any, ...]]], last_id: int) -> dict[str, Any]:
    """The source's tables as they were when its newest answer row was ``last_id``."""
    out = dict(tables)
    out["answers"] = [r for r in tables["answers"] if r[0] <= last_id]
    out["sqlite_sequence"] = [("answers", last_id)]
    return out


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sectorwb.cli", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_backup_while_another_process_saves_restores_every_row(tmp_path: Path) -> None:
    source_dir, restored_dir = tmp_path / "venue", tmp_path / "spare laptop"
    source = source_dir / config.DB_FILENAME
    _fill(source)
    backup = tmp_path / "backup.sqlite3"

    ctx = multiprocessing.get_context("fork")
    started, stop = ctx.Event(), ctx.Event()
    writer = ctx.Process(target=_keep_saving, args=(str(source), started, stop))
    writer.start()
    try:
        assert started.wait(60), "the writer process did not start saving"
        done = _run("backup", str(backup), "--data-dir", str(source_dir))
        still_saving = writer.is_alive()
    finally:
        stop.set()
        writer.join(60)
    assert done.returncode == 0, done.stderr
    assert still_saving, "the writer finished before the backup; nothing was concurrent"
    assert writer.exitcode == 0

    copied = _tables(backup)
    last_id = copied["answers"][-1][0]
    after = _tables(source)
    assert len(after["answers"]) > last_id, "no save happened after the backup"
    assert copied == _as_at(after, last_id)
    # Every save of the writer is wholly in the backup or wholly not.
    live = [r for r in copied["answers"] if r[2] == LIVE_SHEET]
    per_save: dict[str, int] = {}
    for row in live:
        per_save[row[4]] = per_save.get(row[4], 0) + 1
    assert live and set(per_save.values()) == {len(LIVE_ANSWERS)}
    assert f"backed up {len(copied['answers'])} answer rows" in done.stdout

    assert cli.main(["restore", str(backup), "--data-dir", str(restored_dir)]) == 0
    restored = restored_dir / config.DB_FILENAME
    assert _tables(restored) == copied
    back, original = Store(restored), Store(source)
    for team in TEAMS:
        assert back.teams() == original.teams()
        for sheet in SHEETS:
            assert back.answers(team, sheet) == original.answers(team, sheet)
            for question in ("notes", "agree", "next_steps"):
                history = back.history(team, sheet, question)
                assert len(history) == 3
                assert history == original.history(team, sheet, question)
    # The restored store takes new saves after its last row.
    back.save("Metro Health", "step1_support_team", {"notes": "after restore"})
    assert back.last_id("Metro Health", "step1_support_team") == last_id + 1
    back.close()
    original.close()


def _backup_of_filled(tmp_path: Path) -> Path:
    db = tmp_path / "source" / config.DB_FILENAME
    _fill(db)
    backup = tmp_path / "good-backup.sqlite3"
    assert cli.main(["backup", str(backup), "--data-dir", str(db.parent)]) == 0
    return backup


def test_restore_refuses_an_existing_database_and_replace_keeps_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = _backup_of_filled(tmp_path)
    target_dir = tmp_path / "in use"
    target = target_dir / config.DB_FILENAME
    other = Store(target)
    other.save("Other Team", "step2_scope", {"notes": "do not lose me"})
    other.close()
    before = _tables(target)
    capsys.readouterr()

    assert cli.main(["restore", str(backup), "--data-dir", str(target_dir)]) == 2
    err = capsys.readouterr().err
    assert f"already an answer database at {target}" in err and "--replace" in err
    assert _tables(target) == before
    assert list(target_dir.glob("*before-restore*")) == []

    args = ["restore", str(backup), "--data-dir", str(target_dir), "--replace"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    kept = list(target_dir.glob("answers-before-restore-*.sqlite3"))
    assert len(kept) == 1 and str(kept[0]) in out
    assert _tables(kept[0]) == before
    assert _tables(target) == _tables(backup)


def test_restore_replaces_a_damaged_database_and_keeps_its_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = _backup_of_filled(tmp_path)
    target_dir = tmp_path / "broken laptop"
    target_dir.mkdir()
    damaged = b"this was answers.sqlite3 before the disk filled up" * 100
    (target_dir / config.DB_FILENAME).write_bytes(damaged)
    args = ["restore", str(backup), "--data-dir", str(target_dir), "--replace"]
    assert cli.main(args) == 0
    (kept,) = target_dir.glob("answers-before-restore-*.sqlite3")
    assert kept.read_bytes() == damaged
    assert str(kept) in capsys.readouterr().out
    assert _tables(target_dir / config.DB_FILENAME) == _tables(backup)


def _not_sectorwb(tmp_path: Path) -> Path:
    path = tmp_path / "photos.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    return path


def _damaged(tmp_path: Path) -> Path:
    good = _backup_of_filled(tmp_path)
    data = bytearray(good.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[page : 3 * page] = b"\xa5" * (2 * page)  # the answers' pages, overwritten
    path = tmp_path / "damaged.sqlite3"
    path.write_bytes(bytes(data))
    return path


def _text_file(tmp_path: Path) -> Path:
    path = tmp_path / "answers.csv"
    path.write_text("team,answer\nMetro Health,hello\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda tmp: tmp / "no-such-backup.sqlite3", "does not exist"),
        (_text_file, "is not a sectorwb answer database"),
        (_not_sectorwb, "not a sectorwb answer database (no answers table"),
        (_damaged, "is damaged"),
    ],
    ids=["missing", "text-file", "other-sqlite", "damaged"],
)
def test_restore_names_a_bad_file_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Any, said: str
) -> None:
    bad = make(tmp_path)
    target_dir = tmp_path / "target"
    capsys.readouterr()
    assert cli.main(["restore", str(bad), "--data-dir", str(target_dir)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and said in err, err
    assert "sectorwb backup" in err or "older backup" in err
    assert "Traceback" not in err
    assert not (target_dir / config.DB_FILENAME).exists()


def test_backup_refuses_a_missing_store_and_an_existing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    assert (
        cli.main(["backup", str(tmp_path / "b.sqlite3"), "--data-dir", str(empty)]) == 2
    )
    err = capsys.readouterr().err
    assert f"no answer database at {empty / config.DB_FILENAME}" in err
    assert not (empty / config.DB_FILENAME).exists()

    backup = _backup_of_filled(tmp_path)
    first = backup.read_bytes()
    source = str(tmp_path / "source")
    assert cli.main(["backup", str(backup), "--data-dir", source]) == 2
    assert f"{backup} already exists" in capsys.readouterr().err
    assert backup.read_bytes() == first


def test_restore_as_a_command_exits_2_with_the_message(tmp_path: Path) -> None:
    bad = _text_file(tmp_path)
    done = _run("restore", str(bad), "--data-dir", str(tmp_path / "t"))
    assert done.returncode == 2
    assert f"sectorwb: The backup file {bad} is not a sectorwb answer database" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr
