"""`sectorwb backup` and `restore` of an SQLite answer file, with SQLite's backup API."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import StoreError
from .store import Store
from .store_sqlite import BUSY_TIMEOUT_MS

# What a file must hold to be a sectorwb answer database (other tables may exist too).
_REQUIRED_COLUMNS = {
    "answers": {"id", "team", "worksheet", "question", "value", "saved_at"},
    "teams": {"name", "created_at"},
}


def backup(store: Store, path: Path | str) -> int:
    """Copy the whole database (every table, history included) into a new file
    with SQLite's online backup API; returns the number of answer rows copied.

    One backup step copies every page inside one read transaction, so saves that
    other pages make meanwhile are either wholly in the copy or wholly not.
    """
    target = Path(path)
    if store.path is None:
        raise StoreError(
            f"{store.shown} is a database server: copy it into a file with "
            f"`sectorwb db copy --from URL --to sqlite:///{target}`."
        )
    if not store.path.is_file():
        raise StoreError(
            f"There is no answer database at {store.path}: nothing to back up. "
            "Pass the data directory the server uses (--data-dir DIR)."
        )
    if target.exists():
        raise StoreError(
            f"{target} already exists. Choose a new file name for the backup, so "
            "an older backup is never overwritten."
        )
    with store._cursor() as conn:
        _copy_database(conn.connection.driver_connection, target)
    # Read back as a restore would, so a bad copy is known now, not on the day.
    return check_answer_database(target)


def _copy_database(source: sqlite3.Connection, target: Path) -> None:
    """Write ``source`` into a new file at ``target``, complete or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        dest = sqlite3.connect(partial, isolation_level=None)
        try:
            source.backup(dest)
            # One self-contained file: no -wal beside it to lose when it is moved.
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
        partial.replace(target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(
            f"The backup {target} could not be written: {exc}. Choose a folder with "
            "free space that you may write to."
        ) from None


def check_answer_database(path: Path | str) -> int:
    """Check that ``path`` is an undamaged sectorwb answer database (a backup or a
    data directory's file); returns its number of answer rows."""
    path = Path(path)
    fix = "Pass a file that `sectorwb backup` wrote."
    if not path.is_file():
        raise StoreError(f"The backup file {path} does not exist. {fix}")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(
            f"The backup file {path} cannot be opened ({exc}). {fix}"
        ) from None
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise StoreError(
                f"The backup file {path} is damaged ({verdict}). Use an older backup."
            )
        for table, wanted in _REQUIRED_COLUMNS.items():
            have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
            if not wanted <= have:
                raise StoreError(
                    f"The file {path} is an SQLite database but not a sectorwb answer "
                    f"database (no {table} table with columns {sorted(wanted)}). {fix}"
                )
        return conn.execute("SELECT count(*) FROM answers").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        text = str(exc).lower()
        what = (
            "is not a sectorwb answer database"
            if "not a database" in text
            else "is damaged"
        )
        raise StoreError(f"The backup file {path} {what} ({exc}). {fix}") from None
    finally:
        conn.close()


@dataclass(frozen=True)
class Restored:
    """What ``restore`` did: where the answers went and where the old ones are kept."""

    path: Path
    rows: int
    kept: Path | None


def restore(backup: Path | str, target: Path | str, replace: bool = False) -> Restored:
    """Bring a backup back as the answer database ``target``.

    An existing database is replaced only with ``replace``, and then first copied
    (with the backup API, so its -wal is included) to a timestamped file beside it.
    The restore writes through SQLite, so pages of a running server see either the
    old answers or the restored ones, never a mix.
    """
    backup, target = Path(backup), Path(target)
    rows = check_answer_database(backup)
    kept = None
    if target.exists():
        if not replace:
            raise StoreError(
                f"There is already an answer database at {target}. Restoring would "
                "replace every answer in it. Run again with --replace to keep it as a "
                "timestamped copy beside it and restore, or pass another --data-dir."
            )
        kept = _keep_old(target)
    source = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        dest = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            source.backup(dest)
        finally:
            dest.close()
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(
            f"The answers could not be restored into {target}: {exc}. Stop the server "
            "that uses it and check the folder may be written, then run again."
        ) from None
    finally:
        source.close()
    return Restored(target, rows, kept)


def _keep_old(target: Path) -> Path:
    """Keep the database a restore replaces beside it, under a timestamped name."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    kept = target.with_name(f"{target.stem}-before-restore-{stamp}{target.suffix}")
    old = Store(target)
    try:
        with old._cursor() as conn:
            _copy_database(conn.connection.driver_connection, kept)
    except StoreError:
        # A damaged database (often why one restores) cannot be copied through
        # SQLite: keep its files as they are, and restore into a fresh one.
        for suffix in ("", "-wal", "-shm"):
            part = target.with_name(target.name + suffix)
            if part.exists():
                part.replace(kept.with_name(kept.name + suffix))
    finally:
        old.close()
    return kept
