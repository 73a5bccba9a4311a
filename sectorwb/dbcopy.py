"""`sectorwb db copy`: every row of one answer store, history included, into another
(SQLite to PostgreSQL and back), checked by row counts and a hash of all rows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from .errors import StoreError
from .store import Store

# Every table and the columns copied, in the order that makes the hash; a team's
# place in the order first stored is kept by inserting in that order.
_TABLES = {
    "answers": ("id, team, worksheet, question, value, saved_at", "id"),
    "teams": ("name, created_at, token, removed_at", "rowid"),
    "academy": (
        "slug, name, region, public_url, created_at, key_salt, key_hash",
        "slug",
    ),
    "organisations": ("position, name, kind", "position"),
    "presence": ("kernel, team, page, seen_at", "kernel"),
}
# The statements, made once from the names above (never from input).
_SELECT = {
    t: f"SELECT {cols} FROM {t} ORDER BY {order}"  # noqa: S608
    for t, (cols, order) in _TABLES.items()
}
_ANY = {t: f"SELECT 1 FROM {t} LIMIT 1" for t in _TABLES}  # noqa: S608
_INSERT = {
    t: f"INSERT INTO {t} ({cols}) VALUES (:{cols.replace(', ', ', :')})"  # noqa: S608
    for t, (cols, _order) in _TABLES.items()
}
# PostgreSQL's identity columns go on from the highest copied value.
_GO_ON = [
    f"SELECT setval(pg_get_serial_sequence('{t}', '{c}'),"  # noqa: S608
    f" coalesce(max({c}), 1), max({c}) IS NOT NULL) FROM {t}"
    for t, c in (("answers", "id"), ("teams", "rowid"), ("organisations", "position"))
]


@dataclass(frozen=True)
class Copied:
    """What was copied: rows per table and the hash both stores have now."""

    rows: dict[str, int]
    digest: str


def _read(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {t: [tuple(r) for r in conn.execute(text(q))] for t, q in _SELECT.items()}


def digest(tables: dict[str, list[tuple[Any, ...]]]) -> str:
    """SHA-256 of every row of every table, in order: equal stores, equal hash."""
    h = hashlib.sha256()
    for table, rows in tables.items():
        h.update(json.dumps([table, rows], ensure_ascii=False).encode())
    return h.hexdigest()


def contents(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of ``store``, read in one transaction."""
    with store._cursor(write=not store.read_only) as conn:
        return _read(conn)


def copy(source: Store, target: Store) -> Copied:
    """Copy every row of ``source`` into the empty ``target``, then read both back."""
    # Saves on the source wait for the few seconds of the read (its write lock), so
    # the copy is one moment of the store, never half a save.
    rows = contents(source)
    with target._cursor(write=True) as conn:
        held = [t for t, q in _ANY.items() if conn.execute(text(q)).first()]
        if held:
            raise StoreError(
                f"{target.shown} is not empty (it has rows in {', '.join(held)}). "
                "Copy into a new, empty database or file, so nothing there is mixed "
                "with the copied answers."
            )
        for table, found in rows.items():
            if found:
                names = [c.strip() for c in _TABLES[table][0].split(",")]
                conn.execute(
                    text(_INSERT[table]),
                    [dict(zip(names, r, strict=True)) for r in found],
                )
        if not target.is_sqlite:
            for statement in _GO_ON:
                conn.execute(text(statement))
    copied = contents(target)
    if digest(copied) != digest(rows):
        raise StoreError(
            f"The copy in {target.shown} does not match {source.shown}: "
            f"{ {t: len(r) for t, r in copied.items()} } rows against "
            f"{ {t: len(r) for t, r in rows.items()} }. Do not use the copy."
        )
    return Copied({t: len(r) for t, r in rows.items()}, digest(rows))
