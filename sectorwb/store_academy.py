"""The store's tables besides the answers: an Academy, its teams and organisations,
and the pages open now (a part of ``store.Store``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, text

from .errors import StoreError


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


# Teams in the order first stored: SQLite's rowid, a column of that name in PostgreSQL.
_TEAM_COUNTS = (
    "SELECT t.name, {columns} COUNT(a.question) FROM teams t LEFT JOIN ("
    " SELECT DISTINCT team, worksheet, question FROM answers) a"
    " ON a.team = t.name GROUP BY t.name ORDER BY t.rowid"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class AcademyTables:
    """Academy, teams, organisations and presence; ``Store`` gives the connection."""

    _version: int
    shown: str
    _cursor: Callable[..., AbstractContextManager[Connection]]
    _rows: Callable[..., list[Any]]

    # -- pages open now -----------------------------------------------------------
    def mark_open(self, kernel: str, team: str, page: str) -> None:
        """Say that a page of ``team`` is open in ``kernel`` (refreshed while open)."""
        with self._cursor(write=True) as conn:
            conn.execute(
                text(
                    "INSERT INTO presence VALUES (:kernel, :team, :page, :at)"
                    " ON CONFLICT (kernel) DO UPDATE SET team = excluded.team,"
                    " page = excluded.page, seen_at = excluded.seen_at"
                ),
                {"kernel": kernel, "team": team, "page": page, "at": _now()},
            )

    def mark_closed(self, kernel: str) -> None:
        with self._cursor(write=True) as conn:
            conn.execute(
                text("DELETE FROM presence WHERE kernel = :kernel"), {"kernel": kernel}
            )

    def open_pages(self, seen_after: str) -> dict[str, int]:
        """Pages open per team, counting those refreshed after ``seen_after``."""
        rows = self._rows(
            "SELECT team, COUNT(*) FROM presence WHERE seen_at > :after GROUP BY team",
            after=seen_after,
        )
        # An old file opened read-only has no presence table: no page wrote here.
        return dict(rows) if self._version >= 3 else {}

    def teams_first_seen(self) -> list[str]:
        """Every team name, the first stored first (a team's spelling is the one it
        was first saved under)."""
        return [r[0] for r in self._rows("SELECT name FROM teams ORDER BY rowid")]

    def team_answer_counts(self) -> list[tuple[str, int]]:
        """Every team name, first stored first, with its number of answered questions."""
        return [(n, c) for n, c in self._rows(_TEAM_COUNTS.format(columns=""))]

    # -- an Academy's own data ----------------------------------------------------
    def create_academy(
        self, record: AcademyRecord, team_tokens: Sequence[tuple[str, str]]
    ) -> None:
        """Write the Academy and its teams in one transaction: all or nothing."""
        at = _now()
        with self._cursor(write=True) as conn:
            if conn.execute(text("SELECT 1 FROM academy")).first():
                raise StoreError(f"{self.shown} already holds an Academy.")
            conn.execute(
                text("INSERT INTO academy VALUES (:a, :b, :c, :d, :e, :f, :g)"),
                dict(zip("abcdefg", astuple(record), strict=True)),
            )
            if team_tokens:
                conn.execute(
                    text(
                        "INSERT INTO teams (name, created_at, token)"
                        " VALUES (:name, :at, :token)"
                    ),
                    [{"name": n, "at": at, "token": t} for n, t in team_tokens],
                )

    def academy(self) -> AcademyRecord | None:
        """The Academy this store belongs to; None for a store of no Academy."""
        if self._versioned(1):
            return None  # an old file opened read-only: no Academy in it
        rows = self._rows(
            "SELECT slug, name, region, public_url, created_at, key_salt, key_hash"
            " FROM academy"
        )
        return AcademyRecord(*rows[0]) if rows else None

    def _versioned(self, version: int) -> bool:
        """True when the store is older than ``version`` (it is connected first)."""
        with self._cursor():
            return self._version < version

    def set_trainer_key(self, salt: str, digest: str) -> None:
        with self._cursor(write=True) as conn:
            conn.execute(
                text("UPDATE academy SET key_salt = :salt, key_hash = :digest"),
                {"salt": salt, "digest": digest},
            )

    def organisations(self) -> list[tuple[str, str | None]]:
        """The Academy's own (name, kind) list, in its order; empty if none."""
        if self._versioned(2):
            return []  # an older file opened read-only: no list in it
        query = "SELECT name, kind FROM organisations ORDER BY position"
        return [(name, kind) for name, kind in self._rows(query)]

    def set_organisations(self, found: Sequence[tuple[str, str | None]]) -> None:
        """Replace the Academy's list of (name, kind) in one transaction."""
        with self._cursor(write=True) as conn:
            conn.execute(text("DELETE FROM organisations"))
            if found:
                conn.execute(
                    text("INSERT INTO organisations (name, kind) VALUES (:n, :k)"),
                    [{"n": n, "k": k} for n, k in found],
                )

    def team_records(self, counts: bool = True) -> list[TeamRecord]:
        """Every stored team, first stored first, removed ones included; without
        ``counts`` (answered is 0) it reads no answers: a page open checks a link."""
        query = (
            _TEAM_COUNTS.format(columns="t.token, t.removed_at,")
            if counts
            else "SELECT name, token, removed_at, 0 FROM teams ORDER BY rowid"
        )
        return [TeamRecord(*row) for row in self._rows(query)]

    def set_team(
        self, name: str, token: str | None, removed_at: str | None = None
    ) -> None:
        """Add a team, or change its token or removal; its answers are untouched."""
        with self._cursor(write=True) as conn:
            conn.execute(
                text(
                    "INSERT INTO teams (name, created_at, token, removed_at)"
                    " VALUES (:name, :at, :token, :removed) ON CONFLICT (name)"
                    " DO UPDATE SET token = excluded.token,"
                    " removed_at = excluded.removed_at"
                ),
                {"name": name, "at": _now(), "token": token, "removed": removed_at},
            )

    def move_answers(self, source: str, target: str, merge: bool) -> int:
        """Give every answer row of ``source`` (history included) to ``target``;
        returns the rows moved. Rows keep their ids and times, so where both teams
        answered a question the newer save stays current, as everywhere in the store.
        Renaming (``merge`` False) renames the team; merging drops ``source``."""
        names = {"source": source, "target": target}
        with self._cursor(write=True) as conn:
            exists = conn.execute(
                text("SELECT 1 FROM teams WHERE name = :target"), names
            ).first()
            if exists is not None and not merge:
                raise StoreError(f"There is a team called {target!r} already.")
            moved = conn.execute(
                text("UPDATE answers SET team = :target WHERE team = :source"), names
            ).rowcount
            if merge:
                conn.execute(text("DELETE FROM teams WHERE name = :source"), names)
            else:
                conn.execute(
                    text("UPDATE teams SET name = :target WHERE name = :source"), names
                )
        return moved
