"""The answer store: the only module that touches the SQLite database.

Every save appends a row, so history is kept and the current answer is the latest row.
Several Voila kernels (one process per open page) write to the same file at once; WAL
mode and a busy timeout let them take turns instead of failing.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import AnswerTooLargeError, StoreError

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
CREATE TABLE IF NOT EXISTS teams (
    name       TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
"""


def _is_read_only(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(
        w in text for w in ("readonly", "read-only", "permission", "unable to open")
    )


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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Store:
    """Answers of every team in one SQLite file."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self.read_only = False

    # -- connection -------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self._conn = self._open_read_write()
            except (sqlite3.Error, OSError) as exc:
                if not (_is_read_only(exc) and self.path.exists()):
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
        except sqlite3.Error:
            conn.close()
            raise
        self.read_only = False
        return conn

    def _open_read_only(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            f"{self.path.resolve().as_uri()}?mode=ro",
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
        )
        conn.execute("SELECT count(*) FROM answers").fetchone()
        self.read_only = True
        return conn

    @contextmanager
    def _cursor(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connect()
            if write and self.read_only:
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
    def save(self, team: str, worksheet: str, answers: dict[str, Any]) -> str:
        """Append one row per answer in a single transaction; returns the save time.

        Answers over the size limit are left out and reported together afterwards
        (AnswerTooLargeError), so one pasted document cannot block the others.
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
