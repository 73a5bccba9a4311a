"""Read BLS QCEW annual CSV files: detect the layout, check the file, mask suppressed cells."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import DataFileError
from . import _cache
from .layout import (
    ALIASES,
    CODE_COLUMNS,
    KEPT_COLUMNS,
    VALUE_COLUMNS,
    check_end,
    check_start,
    explain_arrow,
)

# Area kind -> first digit of agglvl_code; level -> last digit.
AREA_PREFIX = {"national": "1", "msa": "4", "state": "5", "county": "7"}
LEVEL_DIGIT = {
    "total": "0",
    "ownership": "1",
    "supersector": "3",
    "sector": "4",
    "3": "5",
    "4": "6",
    "5": "7",
    "6": "8",
}


Progress = Callable[[float], None]


@dataclass(frozen=True)
class QcewFile:
    """One checked input file."""

    path: Path
    layout: str
    year: int
    rows: int
    areas: tuple[str, ...]  # every area in the file, also when only some were loaded


@dataclass(frozen=True)
class QcewData:
    """The rows of one or more QCEW files, suppressed cells already missing."""

    table: pa.Table
    files: tuple[QcewFile, ...]

    @property
    def years(self) -> list[int]:
        return sorted({f.year for f in self.files})

    @property
    def source(self) -> str:
        """Short provenance for chart titles: file names and years."""
        return "; ".join(f"{f.path.name} ({f.year})" for f in self.files)

    @functools.cached_property
    def _areas(self) -> list[str]:
        return sorted(pc.unique(self.table["area_fips"]).to_pylist())

    def area_codes(self) -> list[str]:
        """Areas in the loaded table."""
        return list(self._areas)

    def file_areas(self) -> list[str]:
        """Areas in the files, including those not loaded (``areas=``)."""
        return sorted({a for f in self.files for a in f.areas})

    def counties(self) -> list[str]:
        """Real counties only: statewide pseudo-areas such as SS999 are left out."""
        return [a for a in self.area_codes() if area_kind(a) == "county"]

    def subset(self, areas: Iterable[str]) -> QcewData:
        """Only these areas' rows: later look-ups then scan a small table."""
        wanted = pa.array(sorted({str(a) for a in areas}), pa.string())
        table = self.table.filter(pc.is_in(self.table["area_fips"], value_set=wanted))
        return QcewData(table, self.files)

    def rows(
        self,
        agglvl: str,
        *,
        areas: Iterable[str] | None = None,
        own: Iterable[str] | None = None,
        year: int | None = None,
        industries: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Rows of exactly one ``agglvl_code`` (levels must never be mixed in sums)."""
        t = self.table
        mask = pc.equal(t["agglvl_code"], str(agglvl))
        for column, wanted in (
            ("area_fips", areas),
            ("own_code", own),
            ("industry_code", industries),
        ):
            if wanted is not None:
                values = pa.array(sorted({str(v) for v in wanted}), pa.string())
                mask = pc.and_(mask, pc.is_in(t[column], value_set=values))
        if year is not None:
            mask = pc.and_(mask, pc.equal(t["year"], int(year)))
        return t.filter(mask).to_pandas()


def area_kind(fips: str) -> str:
    """national, state, msa, county, unknown_county (SS996-SS999) or other."""
    if fips.startswith("US"):
        return "national" if fips == "US000" else "other"
    if fips.startswith("CS"):
        return "other"
    if fips.startswith("C"):
        return "msa"
    if len(fips) == 5 and fips.isdigit():
        if fips.endswith("000"):
            return "state"
        # 996-999: overseas, multicounty, out-of-state, unknown. They count in the
        # state total but are no place a team can point at.
        return "unknown_county" if int(fips[2:]) >= 996 else "county"
    return "other"


def agglvl_code(kind: str, level: str) -> str:
    """The BLS aggregation level for an area kind and an industry level."""
    return AREA_PREFIX[kind] + LEVEL_DIGIT[str(level)]


def load_qcew(
    paths: str | Path | Sequence[str | Path],
    *,
    areas: Iterable[str] | None = None,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    on_progress: Progress | None = None,
) -> QcewData:
    """Load QCEW annual CSV files (one year each) into one table.

    ``areas`` keeps only those FIPS codes (a cached file then reads only the parts
    that hold them). ``on_progress(fraction)`` is called while large files are read.
    Two files of the same year that both hold an area: the first file wins.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise DataFileError("No QCEW file given. Pass at least one CSV file.")
    wanted = sorted({str(a) for a in areas}) if areas is not None else None
    sizes = [_size(p) for p in paths]
    total = sum(sizes) or 1
    done = 0
    tables, files = [], []
    seen: dict[int, set[str]] = {}
    for path, size in zip(paths, sizes, strict=True):
        step = _scaled(on_progress, done / total, size / total)
        table, info = _load_one(path, wanted, cache_dir, use_cache, step)
        done += size
        present = set(pc.unique(table["area_fips"]).to_pylist())
        overlap = present & seen.setdefault(info.year, set())
        if overlap:
            keep = pc.invert(pc.is_in(table["area_fips"], pa.array(sorted(overlap))))
            table = table.filter(keep)
        seen[info.year] |= present
        tables.append(table)
        files.append(info)
    if on_progress:
        on_progress(1.0)
    return QcewData(pa.concat_tables(tables), tuple(files))


def _scaled(callback: Progress | None, start: float, width: float) -> Progress | None:
    if callback is None:
        return None
    return lambda fraction: callback(start + width * min(max(fraction, 0.0), 1.0))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        raise DataFileError(
            f"{path}: file not found. Check the path, or download it with "
            "`sectorwb qcew download --area FIPS --year YYYY`."
        ) from None
    except OSError as exc:
        raise DataFileError(f"{path}: cannot be read ({exc.strerror}).") from None


def _load_one(
    path: Path,
    areas: list[str] | None,
    cache_dir: str | Path | None,
    use_cache: bool,
    on_progress: Progress | None,
) -> tuple[pa.Table, QcewFile]:
    cached = _cache.read(path, areas, cache_dir) if use_cache else None
    if cached is not None:
        table, meta = cached
        if on_progress:
            on_progress(1.0)
        info = QcewFile(
            path, meta["layout"], int(meta["year"]), meta["rows"], tuple(meta["areas"])
        )
        return table, info
    table, info = parse_file(path, on_progress)
    if use_cache:
        meta = {
            "layout": info.layout,
            "year": info.year,
            "rows": info.rows,
            "areas": list(info.areas),
        }
        _cache.write_soon(path, table, meta, cache_dir)
    if areas is not None:
        table = table.filter(pc.is_in(table["area_fips"], pa.array(areas, pa.string())))
    return table, info


def parse_file(
    path: str | Path, on_progress: Progress | None = None
) -> tuple[pa.Table, QcewFile]:
    """Check and parse one CSV file (no cache): the cleaned table and its description."""
    path = Path(path)
    size = _size(path)
    try:
        header, layout = check_start(path, size)
        check_end(path, size, len(header))
    except OSError as exc:
        raise DataFileError(
            f"{path}: cannot be read ({exc.strerror or exc})."
        ) from None
    names = dict(zip((ALIASES.get(h, h) for h in header), header, strict=True))
    types = {names[c]: pa.string() for c in CODE_COLUMNS}
    types |= {names[c]: pa.float64() for c in VALUE_COLUMNS}
    types[names["year"]] = pa.int32()
    convert = pacsv.ConvertOptions(
        column_types=types,
        include_columns=[names[c] for c in KEPT_COLUMNS],
        strings_can_be_null=False,
    )
    read = pacsv.ReadOptions(block_size=8 << 20)
    try:
        if on_progress is None:
            table = pacsv.read_csv(path, read_options=read, convert_options=convert)
        else:
            with path.open("rb", buffering=0) as raw:
                source = _ProgressReader(raw, size, on_progress)
                table = pacsv.read_csv(
                    source, read_options=read, convert_options=convert
                )
    except pa.ArrowInvalid as exc:
        raise DataFileError(explain_arrow(path, str(exc))) from None
    except OSError as exc:
        raise DataFileError(
            f"{path}: cannot be read ({exc.strerror or exc})."
        ) from None
    table = table.rename_columns([ALIASES.get(n, n) for n in table.column_names])
    if table.num_rows == 0:
        raise DataFileError(
            f"{path}: has the QCEW header but no data rows. Download the file again."
        )
    years = sorted(pc.unique(table["year"]).to_pylist(), key=lambda y: (y is None, y))
    if len(years) != 1 or years[0] is None:
        shown = ", ".join("(blank)" if y is None else str(y) for y in years)
        raise DataFileError(
            f"{path}: mixes years {shown}. Use one file per year (BLS publishes them "
            "that way) and pass each file separately."
        )
    areas = tuple(sorted(pc.unique(table["area_fips"]).to_pylist()))
    info = QcewFile(path, layout, int(years[0]), table.num_rows, areas)
    return _mask_suppressed(table), info


def _mask_suppressed(table: pa.Table) -> pa.Table:
    """BLS writes suppressed cells ("N") as 0: make them missing, never zero.

    Establishment counts stay: BLS publishes them even for suppressed cells.
    """
    suppressed = pc.equal(table["disclosure_code"], "N")
    lq_hidden = pc.or_(suppressed, pc.equal(table["lq_disclosure_code"], "N"))
    oty_hidden = pc.or_(suppressed, pc.equal(table["oty_disclosure_code"], "N"))
    hidden = {
        "annual_avg_emplvl": suppressed,
        "total_annual_wages": suppressed,
        "avg_annual_pay": suppressed,
        "lq_annual_avg_emplvl": lq_hidden,
        "oty_annual_avg_emplvl_chg": oty_hidden,
        "oty_annual_avg_emplvl_pct_chg": oty_hidden,
    }
    missing = pa.scalar(None, pa.float64())
    for name, mask in hidden.items():
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, pc.if_else(mask, missing, table[name]))
    return table


class _ProgressReader(io.RawIOBase):
    """Counts the bytes Arrow reads so a UI can draw a progress bar."""

    def __init__(self, raw: io.RawIOBase, size: int, callback: Progress):
        self._raw, self._size, self._callback = raw, max(size, 1), callback
        self._done = 0
        self._reported = -1.0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = self._raw.readinto(buffer) or 0
        self._done += n
        fraction = min(self._done / self._size, 1.0)
        if fraction - self._reported >= 0.01:
            self._reported = fraction
            self._callback(fraction)
        return n
