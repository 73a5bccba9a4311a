"""Opening an SQLite answer file: WAL, busy timeout, schema and migrations, read-only."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

BUSY_TIMEOUT_MS = 5_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    team      TEXT NOT NULL,
    worksheet TEXT NOT NULL,
    question  TEXT NOT NULL,
    value     TEXT NOT NULL,
    saved_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_by_sheet ON answers (team, worksheet, question, id);
-- The change feed: "what did other pages save on this worksheet since row N".
CREATE INDEX IF NOT EXISTS answers_feed ON answers (team, worksheet, id);
CREATE TABLE IF NOT EXISTS teams (
    name       TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
"""

# Schema versions after the first (``PRAGMA user_version`` 0): each step runs once, in
# order, when a file of an older version is opened for writing. A file opened
# read-only is not changed, so an old database stays readable as it is.
_MIGRATIONS = (
    # 1: Academies. A team's token opens its pages; removed_at hides a team without
    # touching its answers. The academy table holds one row in an Academy's file.
    (
        "ALTER TABLE teams ADD COLUMN token TEXT",
        "ALTER TABLE teams ADD COLUMN removed_at TEXT",
        "CREATE UNIQUE INDEX teams_by_token ON teams (token)",
        "CREATE TABLE academy ("
        " slug TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT NOT NULL,"
        " public_url TEXT NOT NULL, created_at TEXT NOT NULL,"
        " key_salt TEXT NOT NULL, key_hash TEXT NOT NULL)",
    ),
    # 2: an Academy's own list of local organisations, offered on its pages instead
    # of its region's; in the file, so that a backup and restore carry it.
    (
        "CREATE TABLE organisations ("
        " position INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT)",
    ),
    # 3: Pages open now, for the trainer's console: each page's kernel keeps its row
    # fresh while it lives and deletes it when it stops.
    (
        "CREATE TABLE presence ("
        " kernel TEXT PRIMARY KEY, team TEXT NOT NULL, page TEXT NOT NULL,"
        " seen_at TEXT NOT NULL)",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)


def is_read_only(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(
        w in text for w in ("readonly", "read-only", "permission", "unable to open")
    )


def _check_writable(conn: sqlite3.Connection) -> None:
    """Raise when SQLite opened the file read-only: it does that silently for a file
    it may not write, and only a write statement (this one changes nothing) says so."""
    try:
        conn.execute("DELETE FROM teams WHERE 0")
    except sqlite3.OperationalError as exc:
        if is_read_only(exc):
            raise
        # Locked or busy: another kernel is writing, so the file is writable.


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a file to SCHEMA_VERSION; the version is read again inside the write
    transaction, so two kernels opening one old file migrate it once."""
    if version(conn) >= SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = version(conn)
        for step in _MIGRATIONS[found:]:
            for statement in step:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {max(found, SCHEMA_VERSION)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def open_read_write(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        path,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,  # transactions begin where the store says (BEGIN IMMEDIATE)
        check_same_thread=False,  # guarded by the store's lock
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.executescript(_SCHEMA)
        _check_writable(conn)
        _migrate(conn)
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def open_read_only(path: Path) -> sqlite3.Connection:
    """The saved answers without writing a byte: SQLite's read-only mode, else
    ``immutable`` (a read-only folder where SQLite cannot create the WAL index),
    else, with no database file at all, an empty one in memory."""
    if not path.exists():
        conn = sqlite3.connect(
            ":memory:", isolation_level=None, check_same_thread=False
        )
        conn.executescript(_SCHEMA)
        _migrate(conn)
        return conn
    try:
        return _open_uri(path, "mode=ro")
    except sqlite3.Error:
        return _open_uri(path, "immutable=1")


def _open_uri(path: Path, mode: str) -> sqlite3.Connection:
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?{mode}",
        uri=True,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
    )
    try:
        conn.execute("SELECT count(*) FROM answers").fetchone()
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def why_read_only(path: Path) -> str:
    if path.exists() and not os.access(path, os.W_OK):
        return f"the answer file {path} is read-only"
    if not path.parent.exists():
        return f"the data folder {path.parent} does not exist and cannot be made"
    if not os.access(path.parent, os.W_OK):
        return f"the data folder {path.parent} is read-only"
    return f"the answer file {path} cannot be written (no permission)"


def explain(exc: Exception, path: Path) -> str:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return (
            f"The answer database {path} is locked by another program. "
            "Your text is still on the page; saving retries automatically. If this "
            "lasts, close other programs that have the file open."
        )
    if is_read_only(exc):
        return (
            f"The answer database {path} cannot be written (read-only or no "
            "permission). Your text is still on the page. Ask the trainer to make the "
            "data directory writable or set SECTORWB_DATA_DIR to a writable folder."
        )
    if "not a database" in text or "malformed" in text:
        return (
            f"The file {path} is not a readable answer database (it may be "
            "damaged). Point SECTORWB_DB or SECTORWB_DATA_DIR at another file; keep "
            "this one for recovery."
        )
    return f"The answer database {path} cannot be used: {exc}."
