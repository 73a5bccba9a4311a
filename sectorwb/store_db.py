"""Where the answers live (an SQLite file or a database URL) and connecting to it."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool, StaticPool

from . import store_pg

_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


@dataclass(frozen=True)
class Location:
    """One answer store: an SQLite file (``path``) or a PostgreSQL ``url`` with the
    ``schema`` of an Academy (None: the database's default schema); a URL that names
    neither has the ``problem`` in words, reported when the store is first used."""

    path: Path | None
    url: URL | None = None
    schema: str | None = None
    raw: str = ""
    problem: str = ""

    @property
    def shown(self) -> str:
        """How messages name it: the path, or the URL without its password."""
        if self.path is not None:
            return str(self.path)
        if self.url is None:
            return hide_password(self.raw)
        where = self.url.render_as_string(hide_password=True)
        return f"{where} (schema {self.schema})" if self.schema else where


def hide_password(url: str) -> str:
    """A URL as text without its password, even one too broken to parse."""
    return _PASSWORD.sub(r"\1***@", url)


def locate(target: Path | str, schema: str | None = None) -> Location:
    """A path or ``sqlite:///path`` is an SQLite file; ``postgresql://`` a server."""
    text = str(target)
    if "://" not in text:
        return Location(Path(target).expanduser())
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        return Location(None, raw=text, problem=_bad_url(text, "cannot be read"))
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database:
        return Location(Path(url.database).expanduser())
    if backend in ("postgresql", "postgres") and url.database:
        # psycopg 3 is the driver sectorwb installs (SQLAlchemy's default for a bare
        # postgresql:// is psycopg2).
        return Location(None, url.set(drivername="postgresql+psycopg"), schema)
    return Location(
        None, raw=text, problem=_bad_url(text, "is not one sectorwb can use")
    )


def _bad_url(text: str, what: str) -> str:
    return (
        f"The database URL {hide_password(text)} {what}. Write it as "
        "postgresql://USER:PASSWORD@HOST:PORT/DATABASE (or sqlite:///PATH for a file) "
        "in SECTORWB_DB_URL or `sectorwb serve --db-url`."
    )


def sqlite_engine(opened: sqlite3.Connection) -> Engine:
    """SQLAlchemy over one already opened SQLite connection. A write transaction
    begins with BEGIN IMMEDIATE, so kernels take turns at the start of a save
    instead of failing in its middle; reads need no transaction."""
    engine = create_engine("sqlite://", creator=lambda: opened, poolclass=StaticPool)

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        if conn.info.get("write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def postgresql_engine(location: Location) -> Engine:
    assert location.url is not None
    # No pool: a store holds its one connection, and after PostgreSQL restarts the
    # next use makes a new one.
    return create_engine(
        location.url,
        poolclass=NullPool,
        connect_args=store_pg.connect_options(location.schema),
    )
