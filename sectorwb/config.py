"""Settings: where answers live, read from the environment so Voila kernels inherit them."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "SECTORWB_DATA_DIR"
DB_ENV = "SECTORWB_DB"
DB_FILENAME = "answers.sqlite3"


def data_dir() -> Path:
    """The data directory: ``$SECTORWB_DATA_DIR``, else ``$XDG_DATA_HOME/sectorwb``."""
    explicit = os.environ.get(DATA_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(xdg) / "sectorwb"


def db_path() -> Path:
    """The answer database: ``$SECTORWB_DB``, else ``answers.sqlite3`` in the data dir."""
    explicit = os.environ.get(DB_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return data_dir() / DB_FILENAME
