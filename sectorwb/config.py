"""Settings: where answers live, read from the environment so Voila kernels inherit them."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "SECTORWB_DATA_DIR"
DB_ENV = "SECTORWB_DB"
DB_FILENAME = "answers.sqlite3"
# A database server instead of the file: postgresql://USER:PASSWORD@HOST:PORT/DATABASE.
DB_URL_ENV = "SECTORWB_DB_URL"
# The Academy a server serves (`sectorwb serve --academy SLUG`); its pages read it.
ACADEMY_ENV = "SECTORWB_ACADEMY"
ACADEMIES_DIR = "academies"


def data_dir() -> Path:
    """The data directory: ``$SECTORWB_DATA_DIR``, else ``$XDG_DATA_HOME/sectorwb``."""
    explicit = os.environ.get(DATA_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(xdg) / "sectorwb"


def academy() -> str | None:
    """The slug of the Academy being served, or None (every team-name link works)."""
    return os.environ.get(ACADEMY_ENV) or None


def academy_db_path(slug: str, base: str | Path | None = None) -> Path:
    """One database per Academy, so one Academy's answers never show in another's.
    ``slug`` is checked by ``academy.validate_slug`` before it gets here."""
    return Path(base or data_dir()) / ACADEMIES_DIR / slug / DB_FILENAME


def db_path() -> Path:
    """The answer database: ``$SECTORWB_DB``, else the served Academy's, else
    ``answers.sqlite3`` in the data dir."""
    explicit = os.environ.get(DB_ENV)
    if explicit:
        return Path(explicit).expanduser()
    slug = academy()
    if slug:
        return academy_db_path(slug)
    return data_dir() / DB_FILENAME


def db_url() -> str | None:
    """The answer database server's URL (``$SECTORWB_DB_URL``), or None: a file."""
    return os.environ.get(DB_URL_ENV) or None
