"""The answer store: the only module that reads and writes answers (SQLite or PostgreSQL).

Every save appends a row, so history is kept and the current answer is the latest row.
Several Voila kernels (one process per open page), and with PostgreSQL several
servers, write to the same store at once; each write transaction holds the store's
write lock (SQLite's BEGIN IMMEDIATE, PostgreSQL's table lock), so they take turns
instead of failing, and row ids follow the order saves were made in.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from . import config, store_db, store_pg, store_sqlite
from .errors import AnswerTooLargeError, ConcurrentSaveError, StoreError
from .store_academy import AcademyRecord, AcademyTables, TeamRecord
from .store_sqlite import SCHEMA_VERSION

__all__ = [
    "MAX_ANSWER_CHARS",
    "MAX_TABLE_CHARS",
    "SCHEMA_VERSION",
    "AcademyRecord",
    "Change",
    "Row",
    "Store",
    "TeamRecord",
    "academy_slugs",
    "academy_store",
    "open_store",
]


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


# One answer, or one cell of a table: large enough for any real answer, small enough
# that an accidental paste of a whole document cannot bloat the file on every
# keystroke-debounced save.
MAX_ANSWER_CHARS = 100_000
# A whole table (every save writes all of it): ~5,000 rows of four 100-character cells,
# far past a real roster or action table (tens of rows), while 10,000 short rows still
# fit, so a long table stays editable.
MAX_TABLE_CHARS = 2_000_000

# SQLAlchemy wraps the drivers' errors (psycopg is imported only for a server URL);
# SQLite's own come from opening the file, before SQLAlchemy has it.
_FAILURES = (SQLAlchemyError, sqlite3.Error, OSError)


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


def open_store() -> Store:
    """The store this process serves: ``$SECTORWB_DB_URL`` (the served Academy in its
    own schema) when set, else the SQLite file of ``config.db_path``."""
    url, slug = config.db_url(), config.academy()
    if url:
        return Store(url, store_pg.schema_of_academy(slug) if slug else None)
    return Store(config.db_path())


def academy_store(slug: str, data_dir: str | Path | None = None) -> Store:
    """The store of the Academy ``slug``: its schema of ``$SECTORWB_DB_URL``, else
    its own SQLite file in the data directory."""
    url = config.db_url()
    if url:
        return Store(url, store_pg.schema_of_academy(slug))
    return Store(config.academy_db_path(slug, data_dir))


def academy_slugs(data_dir: str | Path | None = None) -> list[str]:
    """The Academies there are, sorted: the schemas of ``$SECTORWB_DB_URL`` that hold
    one, else the Academy folders of the data directory. Creates nothing."""
    url = config.db_url()
    if url is None:
        folder = Path(data_dir or config.data_dir()) / config.ACADEMIES_DIR
        return sorted(p.parent.name for p in folder.glob(f"*/{config.DB_FILENAME}"))
    with _looking(store_db.locate(url)) as conn:
        return store_pg.academy_slugs(conn)


@contextmanager
def _looking(location: store_db.Location) -> Iterator[Connection]:
    """A connection to a database server that creates nothing, only to look."""
    if location.problem:
        raise StoreError(location.problem)
    try:
        with store_db.postgresql_engine(location).connect() as conn:
            yield conn
    except _FAILURES as exc:
        raise StoreError(_explain_server(exc, location)) from None


def _explain_server(exc: Exception, location: store_db.Location) -> str:
    message = store_pg.explain(exc, location.shown)
    password = location.url.password if location.url else None
    return message.replace(str(password), "***") if password else message


class Store(AcademyTables):
    """Answers of every team in one SQLite file or one PostgreSQL (schema)."""

    def __init__(self, target: Path | str, schema: str | None = None):
        self.location = store_db.locate(target, schema)
        self.path = self.location.path  # None for a database server
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        self._read_only = False
        self.read_only_reason = ""  # why nothing can be saved, for the status line
        self._version = SCHEMA_VERSION

    @property
    def shown(self) -> str:
        """The store as messages name it (a URL never with its password)."""
        return self.location.shown

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    # -- connection -------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        """True when nothing can be saved; opens the database to find out (a page may
        ask before its first read)."""
        with self._lock:
            self._connect()
        return self._read_only

    def exists(self) -> bool:
        """Whether the store has been made (its file, or its tables on the server);
        creates nothing, unlike every other use."""
        if self.is_sqlite:
            assert self.path is not None
            return self.path.is_file()
        with _looking(self.location) as conn:
            return "sectorwb_schema" in store_pg.tables(conn, self.location.schema)

    def _connect(self) -> Connection:
        if self._conn is None:
            if self.location.problem:
                raise StoreError(self.location.problem)
            try:
                self._conn = self._open()
            except _FAILURES as exc:
                raise StoreError(self._explain(exc)) from None
        return self._conn

    def _open(self) -> Connection:
        if not self.is_sqlite:
            conn = store_db.postgresql_engine(self.location).connect()
            try:
                store_pg.ensure_schema(conn, self.location.schema, self.shown)
            except BaseException:
                conn.close()
                raise
            return conn
        assert self.path is not None
        try:
            raw = store_sqlite.open_read_write(self.path)
            self._read_only = False
        except (sqlite3.Error, OSError) as exc:
            if not store_sqlite.is_read_only(exc):
                raise
            # Keep showing what was saved even when the file cannot be written.
            self.read_only_reason = store_sqlite.why_read_only(self.path)
            try:
                raw = store_sqlite.open_read_only(self.path)
            except sqlite3.Error:
                raise exc from None
            self._read_only = True
        self._version = store_sqlite.version(raw)
        return store_db.sqlite_engine(raw).connect()

    @contextmanager
    def _cursor(self, write: bool = False) -> Iterator[Connection]:
        with self._lock:
            conn = self._connect()
            if write and self._read_only:
                raise StoreError(
                    store_sqlite.explain(
                        sqlite3.OperationalError("readonly"), self.path
                    )
                )
            conn.info["write"] = write
            try:
                with conn.begin():
                    if write and not self.is_sqlite:
                        store_pg.lock_for_writing(conn)
                    yield conn
            except _FAILURES as exc:
                if not self.is_sqlite:
                    self._drop()  # the server may be gone: the next use reconnects
                raise StoreError(self._explain(exc)) from None

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
                # Closes SQLite's file too (its last close folds the WAL back in).
                self._conn.engine.dispose()
            except _FAILURES:
                pass  # a dead connection cannot be closed cleanly; it is let go
            self._conn = None

    def _explain(self, exc: Exception) -> str:
        if self.is_sqlite:
            assert self.path is not None
            return store_sqlite.explain(getattr(exc, "orig", None) or exc, self.path)
        return _explain_server(exc, self.location)

    def close(self) -> None:
        with self._lock:
            self._drop()

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
                rows.append({"question": question, "value": encoded})
        at = _now()
        where = {"team": team, "worksheet": worksheet}
        if rows:
            with self._cursor(write=True) as conn:
                if (
                    after is not None
                    and conn.execute(
                        text(
                            "SELECT 1 FROM answers WHERE team = :team"
                            " AND worksheet = :worksheet AND id > :after LIMIT 1"
                        ),
                        {**where, "after": after},
                    ).first()
                ):
                    raise ConcurrentSaveError(
                        "Another laptop of this team saved this worksheet just now."
                    )
                self._add_team(conn, team, at)
                conn.execute(
                    text(
                        "INSERT INTO answers (team, worksheet, question, value, saved_at)"
                        " VALUES (:team, :worksheet, :question, :value, :at)"
                    ),
                    [{**where, **r, "at": at} for r in rows],
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

    @staticmethod
    def _add_team(conn: Connection, team: str, at: str) -> None:
        conn.execute(
            text(
                "INSERT INTO teams (name, created_at) VALUES (:team, :at)"
                " ON CONFLICT (name) DO NOTHING"
            ),
            {"team": team, "at": at},
        )

    def add_team(self, team: str) -> None:
        with self._cursor(write=True) as conn:
            self._add_team(conn, team, _now())

    # -- reads ------------------------------------------------------------------
    def _rows(self, sql: str, **params: Any) -> list[Any]:
        with self._cursor() as conn:
            return list(conn.execute(text(sql), params))

    def answers(self, team: str, worksheet: str) -> dict[str, Any]:
        """Current answer of every question of one worksheet (the latest row of each)."""
        rows = self._rows(
            "SELECT question, value FROM answers WHERE id IN ("
            " SELECT MAX(id) FROM answers WHERE team = :team AND worksheet = :ws"
            " GROUP BY question)",
            team=team,
            ws=worksheet,
        )
        return {q: json.loads(v) for q, v in rows}

    def all_answers(self, team: str) -> dict[str, dict[str, Any]]:
        """Current answers of one team, by worksheet then question."""
        rows = self._rows(
            "SELECT worksheet, question, value FROM answers WHERE id IN ("
            " SELECT MAX(id) FROM answers WHERE team = :team"
            " GROUP BY worksheet, question)",
            team=team,
        )
        out: dict[str, dict[str, Any]] = {}
        for ws, q, v in rows:
            out.setdefault(ws, {})[q] = json.loads(v)
        return out

    def history(
        self, team: str, worksheet: str, question: str
    ) -> list[tuple[str, Any]]:
        """Every saved value of one answer, oldest first, with its time."""
        rows = self._rows(
            "SELECT saved_at, value FROM answers WHERE team = :team"
            " AND worksheet = :ws AND question = :q ORDER BY id",
            team=team,
            ws=worksheet,
            q=question,
        )
        return [(t, json.loads(v)) for t, v in rows]

    def teams(self) -> list[str]:
        """Every team name, in alphabetical order whatever the case."""
        names = [r[0] for r in self._rows("SELECT name FROM teams")]
        return sorted(names, key=lambda n: (n.casefold(), n))

    def last_id(self, team: str, worksheet: str) -> int:
        """The id of the newest row of one worksheet (0 when none): where a page's
        change feed starts. Read it before the answers, so no save falls between."""
        rows = self._rows(
            "SELECT MAX(id) FROM answers WHERE team = :team AND worksheet = :ws",
            team=team,
            ws=worksheet,
        )
        return rows[0][0] or 0

    def changes(self, team: str, worksheet: str, after: int) -> list[Change]:
        """The latest row of each answer saved after row ``after``, oldest first.

        One indexed range query: cheap enough for every open page to ask every few
        seconds.
        """
        rows = self._rows(
            "SELECT id, question, value, saved_at FROM answers WHERE id IN ("
            " SELECT MAX(id) FROM answers WHERE team = :team AND worksheet = :ws"
            " AND id > :after GROUP BY question) ORDER BY id",
            team=team,
            ws=worksheet,
            after=after,
        )
        return [Change(i, q, json.loads(v), t) for i, q, v, t in rows]

    def latest_since(self, after: int = 0) -> list[Row]:
        """The latest row of every answer of every team saved after row ``after``,
        oldest first: all current answers from 0, then only what changed (rows are
        only ever appended, so a refresh reads just the new ones)."""
        rows = self._rows(
            "SELECT id, team, worksheet, question, value, saved_at FROM answers"
            " WHERE id IN (SELECT MAX(id) FROM answers WHERE id > :after"
            " GROUP BY team, worksheet, question) ORDER BY id",
            after=after,
        )
        return [Row(i, t, w, q, json.loads(v), at) for i, t, w, q, v, at in rows]
