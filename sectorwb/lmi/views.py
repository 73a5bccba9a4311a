"""Step 2's views of a region (metrics table and drawn charts per level and ownership),
computed once into a JSON file beside its region.yaml, so a page reads them instead of
loading QCEW files, altair and vl-convert into its kernel."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataFileError, SectorwbError
from ..regions import RegionFolder, load_file
from ._cache import cache_dir

VIEWS_NAME = "explorer-views.json"
# Bump when the file changes meaning; code and data changes are in the fingerprint.
_FORMAT = 1
# What the views are made from: a change to any of these makes them stale.
_SOURCES = ("charts", "layout", "metrics", "qcew", "titles", "views")
_LIBRARIES = ("altair", "vl-convert-python", "pandas", "pyarrow")


@dataclass(frozen=True)
class View:
    """One level and ownership of a region: ``region_metrics``' table (attrs kept) and
    the charts as (label, accessible figure HTML)."""

    table: pd.DataFrame
    charts: list[tuple[str, str]]


def region_view(
    folder: RegionFolder,
    level: str,
    ownership: str,
    on_progress: Callable[[float], None] | None = None,
) -> View:
    """The view of ``level`` and ``ownership`` (``region_metrics``' codes). A missing
    or stale view is built first, in a child process that exits when done, so this
    kernel never holds the QCEW tables or a chart renderer."""
    key = _key(level, ownership)
    views = _read(folder)
    if views is None or key not in views:
        views = _rebuild(folder, [key], on_progress)
    entry = views.get(key) or {
        "error": f"{folder.path}: no explorer view for level {level!r} and ownership "
        f"{ownership!r}: the explorer does not offer them."
    }
    if "error" in entry:
        raise DataFileError(entry["error"])
    table = pd.DataFrame(entry["columns"]).astype(entry["dtypes"])
    table.attrs = entry["attrs"]
    return View(table, [tuple(c) for c in entry["charts"]])


def all_keys() -> list[str]:
    """Every level and ownership the explorer offers."""
    from .explorer import LEVELS, OWNERSHIPS

    return [_key(lv, own) for lv in LEVELS.values() for own in OWNERSHIPS.values()]


def build(
    folder: RegionFolder,
    keys: list[str],
    on_progress: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """The views of ``keys`` (pandas, pyarrow, altair and vl-convert are loaded
    here). A view the data cannot give keeps its message instead."""
    from .metrics import Region, county_breakdown, region_metrics
    from .qcew import load_qcew

    region = Region(folder.areas, state=folder.config.state, name=folder.config.name)
    step = on_progress or (lambda _f: None)
    data = load_qcew(folder.qcew_paths(), on_progress=lambda f: step(0.5 * f))
    views: dict[str, Any] = {}
    for i, key in enumerate(keys):
        level, ownership = key.split("/")
        try:
            table = region_metrics(data, region, level=level, ownership=ownership)
            counties = (
                county_breakdown(
                    data,
                    region,
                    level=level,
                    ownership=ownership,
                    area_titles=folder.config.area_names,
                )
                if len(region.areas) > 1
                else None
            )
            views[key] = {
                "columns": {c: table[c].tolist() for c in table.columns},
                "dtypes": {c: str(t) for c, t in table.dtypes.items()},
                "attrs": table.attrs,
                "charts": _charts(table, counties),
            }
        except SectorwbError as exc:
            views[key] = {"error": str(exc)}
        step(0.5 + 0.5 * (i + 1) / len(keys))
    return views


def _charts(table: pd.DataFrame, counties: pd.DataFrame | None) -> list[list[str]]:
    from ..figures import figure_html
    from . import charts

    drawn = [
        ("Sector bubble chart", charts.bubble_chart(table)),
        ("Top sectors by jobs", charts.top_sectors_chart(table)),
        ("Pay compared with average", charts.pay_chart(table, n=15)),
    ]
    if counties is not None:
        drawn.append(("Jobs by county", charts.county_chart(counties)))
    return [[label, figure_html(chart, label)] for label, chart in drawn]


def write(folder: RegionFolder, views: dict[str, Any]) -> Path:
    """Add ``views`` to those already there for the region as it is now, and write
    them atomically where this process may write (see ``_places``)."""
    views = {**(_read(folder) or {}), **views}
    body = {"format": _FORMAT, "fingerprint": fingerprint(folder), "views": views}
    text = json.dumps(body, default=_plain, separators=(",", ":"))
    for target in _places(folder):
        with contextlib.suppress(OSError):
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(text)
                os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide it from other users
                os.replace(tmp, target)
            finally:
                Path(tmp).unlink(missing_ok=True)
            return target
    raise DataFileError(
        f"Cannot write the explorer views of {folder.path}: neither its folder nor "
        f"{cache_dir()} can be written. Make one of them writable."
    )


def fingerprint(folder: RegionFolder) -> str:
    """The region file, its QCEW files (size and time), and the code and library
    versions that make the views: a view from any other state is stale."""
    h = hashlib.sha256(f"{_FORMAT}".encode())
    here = Path(__file__).parent
    for name in _SOURCES:
        h.update((here / f"{name}.py").read_bytes())
    h.update((here.parent / "figures.py").read_bytes())
    for lib in _LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            h.update(f"{lib}={metadata.version(lib)}".encode())
    h.update(folder.path.read_bytes())
    for path in folder.qcew_paths():
        stat = path.stat()
        h.update(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return h.hexdigest()


def _places(folder: RegionFolder) -> list[Path]:
    """Beside region.yaml; else, for a folder this user cannot write, the cache."""
    return [folder.folder / VIEWS_NAME, cache_dir() / f"views-{_ident(folder)}.json"]


def _ident(folder: RegionFolder) -> str:
    path = str(folder.folder.resolve())
    return f"{folder.slug}-{hashlib.sha256(path.encode()).hexdigest()[:12]}"


def _read(folder: RegionFolder) -> dict[str, Any] | None:
    """The views, when a file has them for the region as it is now."""
    want = fingerprint(folder)
    for place in _places(folder):
        try:
            body = json.loads(place.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # missing or damaged: built again
        if body.get("format") == _FORMAT and body.get("fingerprint") == want:
            return body["views"]
    return None


def _rebuild(
    folder: RegionFolder,
    keys: list[str],
    on_progress: Callable[[float], None] | None,
) -> dict[str, Any]:
    """Build ``keys`` in a child process; one page builds while the others of the
    room wait for it (a lock file) and then read what it wrote."""
    # In the cache, not the region folder: that holds only what describes the region.
    with _locked(cache_dir() / f"views-{_ident(folder)}.lock"):
        views = _read(folder)
        if views is not None and all(k in views for k in keys):
            return views
        cmd = [sys.executable, "-m", __name__, str(folder.path), *keys]
        child = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for line in child.stdout:  # one fraction a line, for the progress bar
            with contextlib.suppress(ValueError):
                if on_progress:
                    on_progress(float(line))
        problem = child.stderr.read().strip().splitlines() or ["no message"]
        code = child.wait()
        if code == 2:  # a DataFileError: its message says what to fix
            raise DataFileError(problem[-1])
        if code != 0:
            raise DataFileError(
                f"{folder.path}: the explorer views could not be built "
                f"({problem[-1]}). Check the region's QCEW files with "
                f"`sectorwb lmi metrics --region {folder.slug}`."
            )
    views = _read(folder)
    if views is None:
        raise DataFileError(f"{folder.path}: the explorer views could not be read.")
    return views


@contextlib.contextmanager
def _locked(path: Path):
    """Held while one process builds; without a cache folder, each builds alone."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        f = path.open("a")
    except OSError:
        f = None
    if f is None:
        yield
        return
    with f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _key(level: str, ownership: str) -> str:
    return f"{level}/{ownership}"


def _plain(value: Any) -> Any:
    """numpy scalars (in a table's attrs) as Python numbers."""
    return value.item() if hasattr(value, "item") else str(value)


def main(argv: list[str] | None = None) -> int:
    """``python -m sectorwb.lmi.views REGION.YAML [LEVEL/OWNERSHIP...]``: build and
    add those views (default: all), printing progress fractions; a problem ends as
    one line on stderr."""
    args = sys.argv[1:] if argv is None else argv
    try:
        folder = load_file(args[0])
        keys = args[1:] or all_keys()
        write(folder, build(folder, keys, lambda f: print(f"{f:.3f}", flush=True)))
    except SectorwbError as exc:
        print(str(exc).replace("\n", " "), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
