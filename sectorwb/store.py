"""The answer store: the only module that touches the SQLite database.

Every save appends a row, so history is kept and the current answer is the latest row.
Several Voila kernels (one process per open page) write to the same file at once; WAL
mode and a busy timeout let them take turns instead of failing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import AnswerTooLargeError, ConcurrentSaveError, StoreError


@dataclass(frozen=True)
class Change:
    """The latest saved value of one answer, as the change feed reports it."""

    id: int
    question: str
    value: Any
    saved_at: str


@dataclass(frozen=True)
class Row:
    """The latest saved value of one answer of any team (what the console reads)."""

    id: int
    team: str
    worksheet: str
    question: str
    value: Any
    saved_at: str


@dataclass(frozen=True)
class AcademyRecord:
    """An Academy's own row: who it is and its trainer key, hashed (never the key)."""

    slug: str
    name: str
    region: str
    public_url: str
    created_at: str
    key_salt: str
    key_hash: str


@dataclass(frozen=True)
class TeamRecord:
    """A stored team with its link token (None once removed) and answered questions."""

    name: str
    token: str | None
    removed_at: str | None
    answered: int


# One answer, or one cell of a table: large enough for any real answer, small enough
# that an accidental paste of a whole document cannot bloat the file on every
# keystroke-debounced save.
MAX_ANSWER_CHARS = 100_000
# A whole table (every save writes all of it): ~5,000 rows of four 100-character cells,
# far past a real roster or action table (tens of rows), while 10,000 short rows still
# fit, so a long table stays editable.
MAX_TABLE_CHARS = 2_000_000
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


def _is_read_only(exc: Exception) -> bool:
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
        if _is_read_only(exc):
            raise
        # Locked or busy: another kernel is writing, so the file is writable.


def _over_limit(value: Any, encoded: str) -> tuple[int, str] | None:
    """How many characters are too many in one answer and the limit, in words (to
    follow "N characters"); None if it fits."""
    if len(encoded) <= MAX_ANSWER_CHARS:
        return None
    rows = value if isinstance(value, list) else []
    if not rows or not all(isinstance(r, dict) for r in rows):
        return len(encoded), f"; the limit is {MAX_ANSWER_CHARS:,}"
    # A table: its cells are the team's answers, each held to the one-answer limit.
    cell = max(
        len(c if isinstance(c, str) else str(c)) for r in rows for c in r.values()
    )
    if cell > MAX_ANSWER_CHARS:
        return cell, f" in one cell; a cell holds up to {MAX_ANSWER_CHARS:,}"
    if len(encoded) > MAX_TABLE_CHARS:
        return len(encoded), f" in all; a table holds up to {MAX_TABLE_CHARS:,}"
    return None


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a file to SCHEMA_VERSION; the version is read again inside the write
    transaction, so two kernels opening one old file migrate it once."""
    if conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for step in _MIGRATIONS[version:]:
            for statement in step:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {max(version, SCHEMA_VERSION)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Store:
    """Answers of every team in one SQLite file."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._read_only = False
        self.read_only_reason = ""  # why nothing can be saved, for the status line

    # -- connection -------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        """True when nothing can be saved; opens the database to find out (a page may
        ask before its first read)."""
        with self._lock:
            self._connect()
        return self._read_only

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self._conn = self._open_read_write()
            except (sqlite3.Error, OSError) as exc:
                if not _is_read_only(exc):
                    raise StoreError(self._explain(exc)) from None
                # Keep showing what was saved even when the file cannot be written.
                try:
                    self._conn = self._open_read_only()
                except sqlite3.Error:
                    raise StoreError(self._explain(exc)) from None
        return self._conn

    def _open_read_write(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # explicit BEGIN/COMMIT in _cursor
            check_same_thread=False,  # guarded by self._lock
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
        self._read_only = False
        return conn

    def _open_read_only(self) -> sqlite3.Connection:
        """The saved answers without writing a byte: SQLite's read-only mode, else
        ``immutable`` (a read-only folder where SQLite cannot create the WAL index),
        else, with no database file at all, an empty one in memory."""
        self.read_only_reason = self._why_read_only()
        self._read_only = True
        if not self.path.exists():
            conn = sqlite3.connect(
                ":memory:", isolation_level=None, check_same_thread=False
            )
            conn.executescript(_SCHEMA)
            _migrate(conn)
            return conn
        try:
            return self._open_uri("mode=ro")
        except sqlite3.Error:
            return self._open_uri("immutable=1")

    def _open_uri(self, mode: str) -> sqlite3.Connection:
        conn = sqlite3.connect(
            f"{self.path.resolve().as_uri()}?{mode}",
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
        )
        try:
            conn.execute("SELECT count(*) FROM answers").fetchone()
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def _why_read_only(self) -> str:
        if self.path.exists() and not os.access(self.path, os.W_OK):
            return f"the answer file {self.path} is read-only"
        if not self.path.parent.exists():
            return (
                f"the data folder {self.path.parent} does not exist and cannot be made"
            )
        if not os.access(self.path.parent, os.W_OK):
            return f"the data folder {self.path.parent} is read-only"
        return f"the answer file {self.path} cannot be written (no permission)"

    @contextmanager
    def _cursor(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connect()
            if write and self._read_only:
                raise StoreError(self._explain(sqlite3.OperationalError("readonly")))
            try:
                if write:
                    conn.execute("BEGIN IMMEDIATE")
                yield conn
                if write:
                    conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(self._explain(exc)) from None
                raise

    def _explain(self, exc: Exception) -> str:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            return (
                f"The answer database {self.path} is locked by another program. "
                "Your text is still on the page; saving retries automatically. If this "
                "lasts, close other programs that have the file open."
            )
        if _is_read_only(exc):
            return (
                f"The answer database {self.path} cannot be written (read-only or no "
                "permission). Your text is still on the page. Ask the trainer to make the "
                "data directory writable or set SECTORWB_DATA_DIR to a writable folder."
            )
        if "not a database" in text or "malformed" in text:
            return (
                f"The file {self.path} is not a readable answer database (it may be "
                "damaged). Point SECTORWB_DB or SECTORWB_DATA_DIR at another file; keep "
                "this one for recovery."
            )
        return f"The answer database {self.path} cannot be used: {exc}."

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- writes -----------------------------------------------------------------
    def save(
        self,
        team: str,
        worksheet: str,
        answers: dict[str, Any],
        after: int | None = None,
    ) -> str:
        """Append one row per answer in a single transaction; returns the save time.

        Answers over the size limit are left out and reported together afterwards
        (AnswerTooLargeError), so one pasted document cannot block the others. With
        ``after``, nothing is written when the worksheet has a row newer than that
        (ConcurrentSaveError): the page's merge was based on an older state.
        """
        rows, too_large, why = [], {}, {}
        for question, value in answers.items():
            encoded = json.dumps(value, ensure_ascii=False)
            over = _over_limit(value, encoded)
            if over:
                too_large[question], why[question] = over
            else:
                rows.append((team, worksheet, question, encoded))
        at = _now()
        if rows:
            with self._cursor(write=True) as conn:
                if (
                    after is not None
                    and conn.execute(
                        "SELECT 1 FROM answers WHERE team = ? AND worksheet = ? AND id > ?"
                        " LIMIT 1",
                        (team, worksheet, after),
                    ).fetchone()
                ):
                    raise ConcurrentSaveError(
                        "Another laptop of this team saved this worksheet just now."
                    )
                conn.execute(
                    "INSERT OR IGNORE INTO teams (name, created_at) VALUES (?, ?)",
                    (team, at),
                )
                conn.executemany(
                    "INSERT INTO answers (team, worksheet, question, value, saved_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(*r, at) for r in rows],
                )
        if too_large:
            sizes = ", ".join(
                f"{q!r} ({n:,} characters{why[q]})" for q, n in too_large.items()
            )
            raise AnswerTooLargeError(
                f"Too long to save: {sizes}. Shorten it to save it. The earlier saved "
                "answer is kept.",
                sizes=too_large,
                why=why,
            )
        return at

    def add_team(self, team: str) -> None:
        with self._cursor(write=True) as conn:
            conn.execute(
                "INSERT OR IGNORE INTO teams (name, created_at) VALUES (?, ?)",
                (team, _now()),
            )

    # -- reads ------------------------------------------------------------------
    def answers(self, team: str, worksheet: str) -> dict[str, Any]:
        """Current answer of every question of one worksheet (the latest row of each)."""
        with self._cursor() as conn:
            rows = conn.execute(
                "SELECT question, value FROM answers WHERE id IN ("
                " SELECT MAX(id) FROM answers WHERE team = ? AND worksheet = ?"
                " GROUP BY question)",
                (team, worksheet),
            ).fetchall()
        return {q: json.loads(v) for q, v in rows}

    def all_answers(self, team: str) -> dict[str, dict[str, Any]]:
        """Current answers of one team, by worksheet then question."""
        with self._cursor() as conn:
            rows = conn.execute(
                "SELECT worksheet, question, value FROM answers WHERE id IN ("
                " SELECT MAX(id) FROM answers WHERE team = ? GROUP BY worksheet, question)",
                (team,),
            ).fetchall()
        out: dict[str, dict[str, Any]] = {}
        for ws, q, v in rows:
            out.setdefault(ws, {})[q] = json.loads(v)
        return out

    def history(
        self, team: str, worksheet: str, question: str
    ) -> list[tuple[str, Any]]:
        """Every saved value of one answer, oldest first, with its time."""
        with self._cursor() as conn:
            rows = conn.execute(
                "SELECT saved_at, value FROM answers WHERE team = ? AND worksheet = ? "
                "AND question = ? ORDER BY id",
                (team, worksheet, question),
            ).fetchall()
        return [(t, json.loads(v)) for t, v in rows]

    def teams(self) -> list[str]:
        with self._cursor() as conn:
            rows = conn.execute("SELECT name FROM teams ORDER BY name COLLATE NOCASE")
            return [r[0] for r in rows]

    def last_id(self, team: str, worksheet: str) -> int:
        """The id of the newest row of one worksheet (0 when none): where a page's
        change feed starts. Read it before the answers, so no save falls between."""
        with self._cursor() as conn:
            row = conn.execute(
                "SELECT MAX(id) FROM answers WHERE team = ? AND worksheet = ?",
                (team, worksheet),
            ).fetchone()
        return row[0] or 0

    def changes(self, team: str, worksheet: str, after: int) -> list[Change]:
        """The latest row of each answer saved after row ``after``, oldest first.

        One indexed range query: cheap enough for every open page to ask every few
        seconds.
        """
        with self._cursor() as conn:
            rows = conn.execute(
                "SELECT id, question, value, saved_at FROM answers WHERE id IN ("
                " SELECT MAX(id) FROM answers WHERE team = ? AND worksheet = ?"
                " AND id > ? GROUP BY question) ORDER BY id",
                (team, worksheet, after),
            ).fetchall()
        return [Change(i, q, json.loads(v), t) for i, q, v, t in rows]

    def latest_since(self, after: int = 0) -> list[Row]:
        """The latest row of every answer of every team saved after row ``after``,
        oldest first: all current answers from 0, then only what changed (rows are
        only ever appended, so a refresh reads just the new ones)."""
        with self._cursor() as conn:
            rows = conn.execute(
                "SELECT id, team, worksheet, question, value, saved_at FROM answers"
                " WHERE id IN (SELECT MAX(id) FROM answers WHERE id > ?"
                " GROUP BY team, worksheet, question) ORDER BY id",
                (after,),
            ).fetchall()
        return [Row(i, t, w, q, json.loads(v), at) for i, t, w, q, v, at in rows]

    # -- pages open now -----------------------------------------------------------
    def mark_open(self, kernel: str, team: str, page: str) -> None:
        """Say that a page of ``team`` is open in ``kernel`` (refreshed while open)."""
        with self._cursor(write=True) as conn:
            conn.execute(
                "INSERT INTO presence VALUES (?, ?, ?, ?) ON CONFLICT (kernel)"
                " DO UPDATE SET team = excluded.team, page = excluded.page,"
                " seen_at = excluded.seen_at",
                (kernel, team, page, _now()),
            )

    def mark_closed(self, kernel: str) -> None:
        with self._cursor(write=True) as conn:
            conn.execute("DELETE FROM presence WHERE kernel = ?", (kernel,))

    def open_pages(self, seen_after: str) -> dict[str, int]:
        """Pages open per team, counting those refreshed after ``seen_after``."""
        with self._cursor() as conn:
            if conn.execute("PRAGMA user_version").fetchone()[0] < 3:
                return {}  # an old file opened read-only: no page wrote here
            rows = conn.execute(
                "SELECT team, COUNT(*) FROM presence WHERE seen_at > ? GROUP BY team",
                (seen_after,),
            ).fetchall()
        return dict(rows)

    def teams_first_seen(self) -> list[str]:
        """Every team name, the first stored first (a team's spelling is the one it
        was first saved under)."""
        with self._cursor() as conn:
            return [r[0] for r in conn.execute("SELECT name FROM teams ORDER BY rowid")]

    def team_answer_counts(self) -> list[tuple[str, int]]:
        """Every team name, first stored first, with its number of answered questions."""
        with self._cursor() as conn:
            return list(conn.execute(_TEAM_COUNTS.format(columns="")))

    # -- an Academy's own data ----------------------------------------------------
    def create_academy(
        self, record: AcademyRecord, team_tokens: Sequence[tuple[str, str]]
    ) -> None:
        """Write the Academy and its teams in one transaction: all or nothing."""
        at = _now()
        with self._cursor(write=True) as conn:
            if conn.execute("SELECT 1 FROM academy").fetchone():
                raise StoreError(f"{self.path} already holds an Academy.")
            conn.execute(
                "INSERT INTO academy VALUES (?, ?, ?, ?, ?, ?, ?)", astuple(record)
            )
            conn.executemany(
                "INSERT INTO teams (name, created_at, token) VALUES (?, ?, ?)",
                [(name, at, token) for name, token in team_tokens],
            )

    def academy(self) -> AcademyRecord | None:
        """The Academy this file belongs to; None for a file of no Academy."""
        with self._cursor() as conn:
            if conn.execute("PRAGMA user_version").fetchone()[0] < 1:
                return None  # an old file opened read-only: no Academy in it
            row = conn.execute(
                "SELECT slug, name, region, public_url, created_at, key_salt, key_hash"
                " FROM academy"
            ).fetchone()
        return AcademyRecord(*row) if row else None

    def set_trainer_key(self, salt: str, digest: str) -> None:
        with self._cursor(write=True) as conn:
            conn.execute(
                "UPDATE academy SET key_salt = ?, key_hash = ?", (salt, digest)
            )

    def organisations(self) -> list[tuple[str, str | None]]:
        """The Academy's own (name, kind) list, in its order; empty if none."""
        with self._cursor() as conn:
            if conn.execute("PRAGMA user_version").fetchone()[0] < 2:
                return []  # an older file opened read-only: no list in it
            query = "SELECT name, kind FROM organisations ORDER BY position"
            return [(name, kind) for name, kind in conn.execute(query)]

    def set_organisations(self, found: Sequence[tuple[str, str | None]]) -> None:
        """Replace the Academy's list of (name, kind) in one transaction."""
        with self._cursor(write=True) as conn:
            conn.execute("DELETE FROM organisations")
            conn.executemany(
                "INSERT INTO organisations (name, kind) VALUES (?, ?)", found
            )

    def team_records(self, counts: bool = True) -> list[TeamRecord]:
        """Every stored team, first stored first, removed ones included; without
        ``counts`` (answered is 0) it reads no answers: a page open checks a link."""
        query = (
            _TEAM_COUNTS.format(columns="t.token, t.removed_at,")
            if counts
            else "SELECT name, token, removed_at, 0 FROM teams ORDER BY rowid"
        )
        with self._cursor() as conn:
            rows = conn.execute(query).fetchall()
        return [TeamRecord(*row) for row in rows]

    def set_team(
        self, name: str, token: str | None, removed_at: str | None = None
    ) -> None:
        """Add a team, or change its token or removal; its answers are untouched."""
        with self._cursor(write=True) as conn:
            conn.execute(
                "INSERT INTO teams (name, created_at, token, removed_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET"
                " token = excluded.token, removed_at = excluded.removed_at",
                (name, _now(), token, removed_at),
            )

    def move_answers(self, source: str, target: str, merge: bool) -> int:
        """Give every answer row of ``source`` (history included) to ``target``;
        returns the rows moved. Rows keep their ids and times, so where both teams
        answered a question the newer save stays current, as everywhere in the store.
        Renaming (``merge`` False) renames the team; merging drops ``source``."""
        with self._cursor(write=True) as conn:
            exists = conn.execute("SELECT 1 FROM teams WHERE name = ?", (target,))
            if exists.fetchone() is not None and not merge:
                raise StoreError(f"There is a team called {target!r} already.")
            moved = conn.execute(
                "UPDATE answers SET team = ? WHERE team = ?", (target, source)
            ).rowcount
            if merge:
                conn.execute("DELETE FROM teams WHERE name = ?", (source,))
            else:
                conn.execute(
                    "UPDATE teams SET name = ? WHERE name = ?", (target, source)
                )
        return moved

    # -- backup -----------------------------------------------------------------
    def backup(self, path: Path | str) -> int:
        """Copy the whole database (every table, history included) into a new file
        with SQLite's online backup API; returns the number of answer rows copied.

        One backup step copies every page inside one read transaction, so saves that
        other pages make meanwhile are either wholly in the copy or wholly not.
        """
        target = Path(path)
        if not self.path.is_file():
            raise StoreError(
                f"There is no answer database at {self.path}: nothing to back up. "
                "Pass the data directory the server uses (--data-dir DIR)."
            )
        if target.exists():
            raise StoreError(
                f"{target} already exists. Choose a new file name for the backup, so "
                "an older backup is never overwritten."
            )
        with self._cursor() as conn:
            _copy_database(conn, target)
        # Read back as a restore would, so a bad copy is known now, not on the day.
        return check_answer_database(target)


# What a file must hold to be a sectorwb answer database (other tables may exist too).
_REQUIRED_COLUMNS = {
    "answers": {"id", "team", "worksheet", "question", "value", "saved_at"},
    "teams": {"name", "created_at"},
}


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
            _copy_database(conn, kept)
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


_TEAM_COUNTS = (
    "SELECT t.name, {columns} COUNT(a.question) FROM teams t LEFT JOIN ("
    " SELECT DISTINCT team, worksheet, question FROM answers) a"
    " ON a.team = t.name GROUP BY t.rowid ORDER BY t.rowid"
)
