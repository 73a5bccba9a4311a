"""Step 2's views of a region (its levels; metrics table and drawn charts per level and
ownership), computed once into a JSON file, so a page reads them instead of loading
QCEW files, altair and vl-convert into its kernel."""

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
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import DataFileError, SectorwbError
from ..regions import RegionFolder, load_file, shipped_dir
from ._cache import cache_dir
from .titles import OWNERSHIPS

if TYPE_CHECKING:  # loaded only where views are built, never on a page
    from .metrics import Region
    from .qcew import QcewData

VIEWS_NAME = "explorer-views.json"
LEVELS = ("sector", "3", "4")  # offered where the region's files have rows for them
TITLES_FILE = "industry_titles.csv"  # BLS's name for it
# Bump when the file changes meaning; code and data changes are in the fingerprint.
# 2: the region's levels, BLS industry titles, main's charts (subtitles, placed names).
_FORMAT = 2
# What the views are made from: a change to any of these makes them stale.
_SOURCES = ("charts", "labels", "layout", "metrics", "qcew", "titles", "views")
_LIBRARIES = ("altair", "vl-convert-python", "pandas", "pyarrow")


@dataclass(frozen=True)
class View:
    """One level and ownership of a region: ``region_metrics``' table (attrs kept) and
    the charts as (label, accessible figure HTML)."""

    table: pd.DataFrame
    charts: list[tuple[str, str]]


def levels(
    folder: RegionFolder,
    level: str,
    ownership: str,
    on_progress: Callable[[float], None] | None = None,
) -> list[str]:
    """The ``LEVELS`` the region's files have rows for. Views missing or stale are
    built first, with the view of ``level`` and ``ownership`` (of the first level
    there is, when the files have no rows at ``level``): what the page shows next."""
    body = _read(folder)
    if body is None:
        body = _rebuild(folder, [_key(level, ownership)], on_progress)
    return body["levels"]


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
    body = _read(folder)
    if body is None or not _has(body, [key]):
        body = _rebuild(folder, [key], on_progress)
    entry = body["views"].get(key) or {
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
    return [_key(level, own) for level in LEVELS for own in OWNERSHIPS]


def build(
    folder: RegionFolder,
    keys: list[str],
    on_progress: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """The region's levels and the views of ``keys`` (pandas, pyarrow, altair and
    vl-convert are loaded here). A key whose level the files lack gives the first
    level they have; a view the data cannot give keeps its message instead."""
    from .metrics import Region
    from .qcew import agglvl_code, area_kind, load_qcew

    region = Region(folder.areas, state=folder.config.state, name=folder.config.name)
    step = on_progress or (lambda _f: None)
    data = load_qcew(folder.qcew_paths(), on_progress=lambda f: step(0.5 * f))
    titles = industry_titles(folder)
    kind = area_kind(region.areas[0])
    # A look at the rows, not a computation per level.
    have = [
        level
        for level in LEVELS
        if not data.rows(agglvl_code(kind, level), areas=region.areas).empty
    ]
    wanted = list(
        dict.fromkeys(
            _key(level if level in have else have[0], own)
            for level, own in (k.split("/") for k in keys)
            if have
        )
    )
    views: dict[str, Any] = {}
    for i, key in enumerate(wanted):
        views[key] = _view(data, region, folder, titles, *key.split("/"))
        step(0.5 + 0.5 * (i + 1) / len(wanted))
    step(1.0)
    return {"levels": have, "views": views}


def _view(
    data: QcewData,
    region: Region,
    folder: RegionFolder,
    titles: dict[str, str] | None,
    level: str,
    ownership: str,
) -> dict[str, Any]:
    """One view as the file keeps it: the table's columns, dtypes and attrs, and the
    charts; or the message of why the data cannot give it."""
    from .metrics import county_breakdown, region_metrics

    try:
        table = region_metrics(
            data, region, level=level, ownership=ownership, titles=titles
        )
        counties = (
            county_breakdown(
                data,
                region,
                level=level,
                ownership=ownership,
                titles=titles,
                area_titles=folder.config.area_names,
            )
            if len(region.areas) > 1
            else None
        )
    except SectorwbError as exc:
        return {"error": str(exc)}
    return {
        "columns": {c: table[c].tolist() for c in table.columns},
        "dtypes": {c: str(t) for c, t in table.dtypes.items()},
        "attrs": table.attrs,
        "charts": _charts(table, counties, level),
    }


def _charts(
    table: pd.DataFrame, counties: pd.DataFrame | None, level: str
) -> list[list[str]]:
    from ..figures import figure_html
    from . import charts

    drawn = [
        ("Sector bubble chart", charts.bubble_chart(table)),
        ("Top sectors by jobs", charts.top_sectors_chart(table)),
        # Every sector fits; finer levels have dozens, the table lists them all.
        (
            "Pay compared with average",
            charts.pay_chart(table, n=None if level == "sector" else 20),
        ),
    ]
    if counties is not None:
        drawn.append(("Jobs by county", charts.county_chart(counties)))
    return [[label, figure_html(chart, label)] for label, chart in drawn]


def industry_titles(folder: RegionFolder) -> dict[str, str] | None:
    """BLS's ``industry_titles.csv`` (see ``_titles_file``), when there is one."""
    from .titles import read_industry_titles

    found = _titles_file(folder)
    return read_industry_titles(found) if found else None


def _titles_file(folder: RegionFolder) -> Path | None:
    """``industry_titles.csv`` in the region's folder or beside its QCEW files: the
    built-in titles stop at 3 digits, and "NAICS 5231" says nothing to a team."""
    places = [folder.folder, *(p.parent for p in folder.qcew_paths())]
    found = [p / TITLES_FILE for p in dict.fromkeys(places)]
    return next((p for p in found if p.is_file()), None)


def write(folder: RegionFolder, built: dict[str, Any]) -> Path:
    """Add ``built`` (``build``'s levels and views) to the views already there for
    the region as it is now, and write them atomically where this process may write
    (see ``_places``)."""
    views = {**(_read(folder) or {"views": {}})["views"], **built["views"]}
    body = {
        "format": _FORMAT,
        "fingerprint": fingerprint(folder),
        "levels": built["levels"],
        "views": views,
    }
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
    titles = _titles_file(folder)
    for path in [*folder.qcew_paths(), *([titles] if titles else [])]:
        stat = path.stat()
        h.update(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return h.hexdigest()


def _places(folder: RegionFolder) -> list[Path]:
    """Beside region.yaml; else, for a folder this user cannot write, the cache. A
    shipped region (the demo) is never written to: only the cache."""
    cached = cache_dir() / f"views-{_ident(folder)}.json"
    shipped = shipped_dir()
    if shipped and folder.folder.resolve().is_relative_to(shipped.resolve()):
        return [cached]
    return [folder.folder / VIEWS_NAME, cached]


def _ident(folder: RegionFolder) -> str:
    path = str(folder.folder.resolve())
    return f"{folder.slug}-{hashlib.sha256(path.encode()).hexdigest()[:12]}"


def _read(folder: RegionFolder) -> dict[str, Any] | None:
    """The file's levels and views, when it has them for the region as it is now."""
    want = fingerprint(folder)
    for place in _places(folder):
        try:
            body = json.loads(place.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # missing or damaged: built again
        if body.get("format") == _FORMAT and body.get("fingerprint") == want:
            return body
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
        body = _read(folder)
        if body is not None and _has(body, keys):
            return body
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
    body = _read(folder)
    if body is None:
        raise DataFileError(f"{folder.path}: the explorer views could not be read.")
    return body


def _has(body: dict[str, Any], keys: list[str]) -> bool:
    """Whether the file has each of ``keys`` that the region's files can give."""
    return all(
        k in body["views"] or k.split("/")[0] not in body["levels"] for k in keys
    )


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
