"""The ``sectorwb db`` commands: move an answer store between SQLite and PostgreSQL."""

from __future__ import annotations

import argparse

from . import academy, store_pg
from .dbcopy import copy
from .store import Store


def _store(where: str, slug: str | None) -> Store:
    """A path or URL; with an Academy, its schema on a PostgreSQL server."""
    server = "://" in where and not where.startswith("sqlite:")
    return Store(where, store_pg.schema_of_academy(slug) if slug and server else None)


def cmd_copy(args: argparse.Namespace) -> int:
    slug = academy.validate_slug(args.academy) if args.academy else None
    source, target = _store(args.source, slug), _store(args.target, slug)
    try:
        done = copy(source, target)
    finally:
        source.close()
        target.close()
    counts = ", ".join(f"{n} {table}" for table, n in done.rows.items())
    print(f"sectorwb: copied {counts} from {source.shown} to {target.shown}")
    print(f"sectorwb: both stores hold the same rows (SHA-256 {done.digest})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="copy an answer store between SQLite and PostgreSQL")
    commands = db.add_subparsers(dest="db_command", required=True)
    copy_cmd = commands.add_parser(
        "copy", help="copy every row, history included, into an empty store"
    )
    copy_cmd.add_argument(
        "--from",
        dest="source",
        required=True,
        help="a file path, sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB",
    )
    copy_cmd.add_argument(
        "--to",
        dest="target",
        required=True,
        help="an empty store, written the same way",
    )
    copy_cmd.add_argument(
        "--academy",
        help="an Academy's slug: on PostgreSQL its own schema (its SQLite file is the "
        "path: DATA_DIR/academies/SLUG/answers.sqlite3)",
    )
    copy_cmd.set_defaults(func=cmd_copy)
