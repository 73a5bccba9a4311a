"""Parquet cache of parsed QCEW files, keyed by the CSV's path, size and mtime."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import config

if TYPE_CHECKING:  # a Step 2 page reads explorer views, not Parquet: no pyarrow there
    import pyarrow as pa

CACHE_DIR_ENV = "SECTORWB_CACHE_DIR"
# Bump when the cached table changes meaning (columns, masking) so old caches are ignored.
_VERSION = "2"
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


# Caches being written in the background, by target path.
_pending: dict[Path, threading.Thread] = {}
_lock = threading.Lock()


def read(
    source: Path, areas: list[str] | None, folder: str | Path | None
) -> tuple[pa.Table, dict[str, Any]] | None:
    """The cached table (only ``areas`` when given), or None when there is none."""
    try:
        target = path_for(source, folder)
    except OSError:
        return None
    wait(target)
    if not target.exists():
        return None
    import pyarrow.parquet as pq

    try:
        meta = json.loads(pq.read_schema(target).metadata[_META_KEY])
        if not {"layout", "year", "rows", "areas"} <= meta.keys():
            raise ValueError("cache from an older sectorwb")
        filters = [("area_fips", "in", areas)] if areas is not None else None
        table = pq.read_table(target, filters=filters)
    except Exception:  # a damaged cache is rebuilt, never fatal
        target.unlink(missing_ok=True)
        return None
    return table.replace_schema_metadata(None), meta


def write_soon(
    source: Path, table: pa.Table, meta: dict[str, Any], folder: str | Path | None
) -> None:
    """Write the cache in a background thread, so the caller has its table at once.

    The thread is not a daemon: a command that exits still finishes the cache. A read
    of the same cache in this process waits for it (``wait``).
    """
    try:
        target = path_for(source, folder)
    except OSError:
        return
    thread = threading.Thread(
        target=_write, args=(target, table, meta), name=f"sectorwb-{target.name}"
    )
    with _lock:
        _pending[target] = thread
        thread.start()


def wait(target: Path | None = None) -> None:
    """Wait for background writes (of ``target``, or all of them) to finish."""
    with _lock:
        threads = [t for p, t in _pending.items() if target is None or p == target]
    for thread in threads:
        thread.join()
    with _lock:
        for path in [p for p, t in _pending.items() if not t.is_alive()]:
            del _pending[path]


def write(
    source: Path, table: pa.Table, meta: dict[str, Any], folder: str | Path | None
) -> Path | None:
    """Write the cache now; see ``_write``."""
    try:
        target = path_for(source, folder)
    except OSError:
        return None
    return _write(target, table, meta)


def _write(target: Path, table: pa.Table, meta: dict[str, Any]) -> Path | None:
    """Write atomically and drop older caches of the same file.

    A cache that cannot be written (read-only or full disk) only costs speed, so no
    error leaves here: in a background thread it would print a traceback.
    """
    import pyarrow.parquet as pq

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        stamped = table.replace_schema_metadata({_META_KEY: json.dumps(meta)})
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".parquet.part")
        os.close(fd)
        try:
            # Statistics only where reads filter (area_fips): writing is faster.
            pq.write_table(
                stamped, tmp, row_group_size=_ROW_GROUP, write_statistics=["area_fips"]
            )
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except Exception:  # see the docstring
        return None
    prefix = target.name.rsplit("-", 1)[0] + "-"
    for old in target.parent.glob(prefix + "*.parquet"):
        if old != target:
            old.unlink(missing_ok=True)
    return target
