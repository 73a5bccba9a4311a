"""Parquet cache of parsed QCEW files, keyed by the CSV's path, size and mtime."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from .. import config

CACHE_DIR_ENV = "SECTORWB_CACHE_DIR"
# Bump when the cached table changes meaning (columns, masking) so old caches are ignored.
_VERSION = "1"
_META_KEY = b"sectorwb.qcew"
# Small row groups let a cached read skip every group without the wanted areas: BLS
# files are sorted by area, so a county's rows sit in one or two groups.
_ROW_GROUP = 64 * 1024


def cache_dir(explicit: str | Path | None = None) -> Path:
    """``explicit``, else ``$SECTORWB_CACHE_DIR``, else ``<data dir>/cache``."""
    if explicit is not None:
        return Path(explicit).expanduser()
    env = os.environ.get(CACHE_DIR_ENV)
    return Path(env).expanduser() if env else config.data_dir() / "cache"


def path_for(source: Path, folder: str | Path | None = None) -> Path:
    """Where the cache of ``source`` lives; a changed file gets a new name."""
    stat = source.stat()
    ident = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:16]
    state = f"{stat.st_size}:{stat.st_mtime_ns}:{_VERSION}"
    version = hashlib.sha256(state.encode()).hexdigest()[:12]
    return cache_dir(folder) / f"qcew-{ident}-{version}.parquet"


def read(
    source: Path, areas: list[str] | None, folder: str | Path | None
) -> tuple[pa.Table, dict[str, Any]] | None:
    """The cached table (only ``areas`` when given), or None when there is none."""
    try:
        target = path_for(source, folder)
    except OSError:
        return None
    if not target.exists():
        return None
    try:
        meta = json.loads(pq.read_schema(target).metadata[_META_KEY])
        filters = [("area_fips", "in", areas)] if areas is not None else None
        table = pq.read_table(target, filters=filters)
    except Exception:  # a damaged cache is rebuilt, never fatal
        target.unlink(missing_ok=True)
        return None
    return table.replace_schema_metadata(None), meta


def write(
    source: Path, table: pa.Table, meta: dict[str, Any], folder: str | Path | None
) -> Path | None:
    """Write the cache atomically and drop older caches of the same file.

    A cache that cannot be written (read-only disk, full disk) only costs speed.
    """
    try:
        target = path_for(source, folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        stamped = table.replace_schema_metadata({_META_KEY: json.dumps(meta)})
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".parquet.part")
        os.close(fd)
        try:
            pq.write_table(stamped, tmp, row_group_size=_ROW_GROUP)
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError:
        return None
    prefix = target.name.rsplit("-", 1)[0] + "-"
    for old in target.parent.glob(prefix + "*.parquet"):
        if old != target:
            old.unlink(missing_ok=True)
    return target
