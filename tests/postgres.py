"""A throw-away PostgreSQL cluster on loopback for the tests (Debian's postgresql).

initdb and postgres refuse to run as root, so as root the cluster belongs to the
``postgres`` user (Debian's package makes it) and runs through ``runuser``.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

USER = "sectorwb_test"
PASSWORD = "not-a-secret-7Qx"  # a test cluster on loopback, gone after the session
INSTALL_HINT = (
    "PostgreSQL is not installed, so the store, widget and served tests ran on "
    "SQLite only. Install it to run them on PostgreSQL too: "
    "sudo apt-get install -y postgresql"
)


def find_bin() -> Path | None:
    """Debian's server programs: /usr/lib/postgresql/VERSION/bin, the newest."""
    explicit = os.environ.get("SECTORWB_PG_BIN")
    if explicit:
        return Path(explicit)
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: (
            int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0
        ),
    )
    return (
        found[-1].parent
        if found
        else (
            None if not shutil.which("initdb") else Path(shutil.which("initdb")).parent
        )
    )


@dataclass
class Cluster:
    """A running cluster: ``url(name)`` is a database's URL with the password."""

    folder: Path
    port: int
    bin: Path
    owner: str | None  # the user postgres runs as when we are root
    # A benchmark wants a server as deployed (fsync on) and room for every page's
    # connection; the tests want speed.
    durable: bool = False

    def url(self, database: str, password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def admin(self, *statements: str) -> None:
        """Run statements as the cluster's superuser (outside a transaction)."""
        engine = create_engine(
            make_url(self.url("postgres")).set(drivername="postgresql+psycopg"),
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
        )
        try:
            with engine.connect() as conn:
                for statement in statements:
                    conn.execute(text(statement))
        finally:
            engine.dispose()

    def new_database(self) -> str:
        """A fresh, empty database of one test; returns its URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        # A file copy of the smallest template: the fastest way PostgreSQL 15 has
        # with fsync off (WAL-logging the copy is for durable clusters).
        self.admin(f"CREATE DATABASE {name} TEMPLATE template0 STRATEGY FILE_COPY")
        return self.url(name)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.owner:
            command = ["runuser", "-u", self.owner, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check)

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder}"
        if self.durable:
            options += " -c max_connections=400"
        else:
            # Speed over durability: the cluster lives for one test session.
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.folder / "data"),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server and wait until it is down. A failed fast stop is tried
        again as an immediate one; if the server still runs, this fails with
        pg_ctl's words (a test that "stopped" a running server would prove nothing)."""
        said, data = [], str(self.folder / "data")
        for how in dict.fromkeys((mode, "immediate")):
            done = self._run("pg_ctl", "-D", data, "-m", how, "-w", "stop", check=False)
            if done.returncode == 0:
                return
            said.append(f"{how}: {done.stdout.strip()} {done.stderr.strip()}")
            if self._run("pg_ctl", "-D", data, "status", check=False).returncode == 3:
                return  # not running (pg_ctl status exits 3): down after all
        raise AssertionError(f"PostgreSQL did not stop: {'; '.join(said)}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cluster(folder: Path, durable: bool = False) -> Cluster | str:
    """Make and start a cluster in ``folder``; a reason to skip when there is none.
    ``durable``: fsync on and 400 connections, as a deployed server (benchmarks)."""
    bin_dir = find_bin()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        return INSTALL_HINT
    owner = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "Running as root without a postgres user: PostgreSQL cannot start."
        owner = "postgres"
        shutil.chown(folder, owner)
    cluster = Cluster(folder, _free_port(), bin_dir, owner, durable)
    pwfile = folder / "pw"
    pwfile.write_text(PASSWORD)
    if owner:
        shutil.chown(pwfile, owner)
    made = cluster._run(
        "initdb",
        "-D",
        str(folder / "data"),
        "-U",
        USER,
        f"--pwfile={pwfile}",
        "--auth-host=scram-sha-256",
        "--auth-local=trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
        check=False,
    )
    if made.returncode != 0:
        return f"initdb failed, so PostgreSQL tests are skipped: {made.stderr.strip()}"
    cluster.start()
    return cluster


def query(target: Path | str, sql: str, params: dict[str, Any]) -> list[Any]:
    """Rows of one query, read straight from the file (a path or sqlite:/// URL) or
    the server (not through the store under test); [] when the tables are not made."""
    target = str(target).removeprefix("sqlite:///")
    if "://" not in target:
        if not Path(target).exists():
            return []
        conn = sqlite3.connect(f"{Path(target).as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError:
            return []  # no answer saved yet: the table does not exist
        finally:
            conn.close()
    engine = create_engine(
        make_url(str(target)).set(drivername="postgresql+psycopg"), poolclass=NullPool
    )
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params))
    except ProgrammingError:
        return []
    finally:
        engine.dispose()


def count_rows(target: Path | str) -> int:
    """Answer rows of the store, history included."""
    found = query(target, "SELECT count(*) FROM answers", {})
    return found[0][0] if found else 0


def latest_answers(target: Path | str, team: str, worksheet: str) -> dict[str, Any]:
    """The current (latest) answer of each question of one worksheet."""
    rows = query(
        target,
        "SELECT question, value FROM answers WHERE team = :team"
        " AND worksheet = :worksheet ORDER BY id",
        {"team": team, "worksheet": worksheet},
    )
    return {question: json.loads(value) for question, value in rows}
