"""Read BLS QCEW annual CSV files: detect the layout, check the file, mask suppressed cells."""

from __future__ import annotations

import codecs
import csv
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

# The 38-column layout of the singlefile and the open-data area/industry slices.
COLUMNS_38 = (
    "area_fips own_code industry_code agglvl_code size_code year qtr disclosure_code "
    "annual_avg_estabs annual_avg_emplvl total_annual_wages taxable_annual_wages "
    "annual_contributions annual_avg_wkly_wage avg_annual_pay lq_disclosure_code "
    "lq_annual_avg_estabs lq_annual_avg_emplvl lq_total_annual_wages "
    "lq_taxable_annual_wages lq_annual_contributions lq_annual_avg_wkly_wage "
    "lq_avg_annual_pay oty_disclosure_code oty_annual_avg_estabs_chg "
    "oty_annual_avg_estabs_pct_chg oty_annual_avg_emplvl_chg "
    "oty_annual_avg_emplvl_pct_chg oty_total_annual_wages_chg "
    "oty_total_annual_wages_pct_chg oty_taxable_annual_wages_chg "
    "oty_taxable_annual_wages_pct_chg oty_annual_contributions_chg "
    "oty_annual_contributions_pct_chg oty_annual_avg_wkly_wage_chg "
    "oty_annual_avg_wkly_wage_pct_chg oty_avg_annual_pay_chg oty_avg_annual_pay_pct_chg"
).split()
# By-area and by-industry downloads add these after disclosure_code (43 columns).
TITLE_COLUMNS = (
    "area_title",
    "own_title",
    "industry_title",
    "agglvl_title",
    "size_title",
)
# By-area/by-industry files spell the establishment columns with "_count".
_ALIASES = {
    "annual_avg_estabs_count": "annual_avg_estabs",
    "lq_annual_avg_estabs_count": "lq_annual_avg_estabs",
    "oty_annual_avg_estabs_count_chg": "oty_annual_avg_estabs_chg",
    "oty_annual_avg_estabs_count_pct_chg": "oty_annual_avg_estabs_pct_chg",
}
CODE_COLUMNS = (
    "area_fips",
    "own_code",
    "industry_code",
    "agglvl_code",
    "size_code",
    "qtr",
    "disclosure_code",
    "lq_disclosure_code",
    "oty_disclosure_code",
)
VALUE_COLUMNS = (
    "annual_avg_estabs",
    "annual_avg_emplvl",
    "total_annual_wages",
    "avg_annual_pay",
    "lq_annual_avg_emplvl",
    "oty_annual_avg_emplvl_chg",
    "oty_annual_avg_emplvl_pct_chg",
)
# Only what the metrics use is kept: fewer columns parse faster and cache smaller.
KEPT_COLUMNS = (*CODE_COLUMNS, "year", *VALUE_COLUMNS)

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

_SNIFF_BYTES = 64 * 1024

Progress = Callable[[float], None]


@dataclass(frozen=True)
class QcewFile:
    """One checked input file."""

    path: Path
    layout: str
    year: int
    rows: int


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

    def area_codes(self) -> list[str]:
        return sorted(pc.unique(self.table["area_fips"]).to_pylist())

    def counties(self) -> list[str]:
        """Real counties only: statewide pseudo-areas such as SS999 are left out."""
        return [a for a in self.area_codes() if area_kind(a) == "county"]

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
        return table, QcewFile(path, meta["layout"], int(meta["year"]), meta["rows"])
    table, info = parse_file(path, on_progress)
    if use_cache:
        meta = {"layout": info.layout, "year": info.year, "rows": info.rows}
        _cache.write(path, table, meta, cache_dir)
    if areas is not None:
        table = table.filter(pc.is_in(table["area_fips"], pa.array(areas, pa.string())))
    return table, info


def parse_file(
    path: str | Path, on_progress: Progress | None = None
) -> tuple[pa.Table, QcewFile]:
    """Check and parse one CSV file (no cache): the cleaned table and its description."""
    path = Path(path)
    size = _size(path)
    header, layout = _check_start(path, size)
    _check_end(path, size, len(header))
    names = dict(zip((_ALIASES.get(h, h) for h in header), header, strict=True))
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
        raise DataFileError(_explain_arrow(path, str(exc))) from None
    table = table.rename_columns([_ALIASES.get(n, n) for n in table.column_names])
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
    info = QcewFile(path, layout, int(years[0]), table.num_rows)
    return _mask_suppressed(table), info


def _check_start(path: Path, size: int) -> tuple[list[str], str]:
    """Reject empty, binary and non-UTF-8 files; return the header and layout name."""
    if size == 0:
        raise DataFileError(
            f"{path}: is empty (0 bytes). The download or copy did not finish; "
            "get the file again."
        )
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04"):
        raise DataFileError(
            f"{path}: is a ZIP archive (or an Excel workbook), not a CSV file. Unzip it "
            "and pass the .csv inside."
        )
    if head.startswith(b"\x1f\x8b"):
        raise DataFileError(f"{path}: is gzip-compressed. Decompress it first.")
    if b"\x00" in head:
        raise DataFileError(
            f"{path}: is a binary file, not a CSV text file. Pass the QCEW CSV file."
        )
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"{path}: is not UTF-8 text (byte 0x{head[exc.start]:02x} at offset "
            f"{exc.start}). Download the file from BLS again, or save it as "
            "'CSV UTF-8' if a spreadsheet program changed it."
        ) from None
    first = text.splitlines()[0] if text.strip() else ""
    if not first.strip():
        raise DataFileError(
            f"{path}: has no header line. A QCEW CSV file starts with "
            '"area_fips","own_code",...; download it again.'
        )
    header = [h.strip() for h in next(csv.reader([first]))]
    return header, _layout(path, header)


def _layout(path: Path, header: list[str]) -> str:
    names = [_ALIASES.get(h, h) for h in header]
    missing = [c for c in KEPT_COLUMNS if c not in names]
    if missing:
        hint = ""
        if any(h.startswith("month1_emplvl") for h in names):
            hint = " This is a quarterly file; sectorwb uses annual averages files."
        elif names and names[0][:1].isdigit():
            hint = " The first line is data, not a header: the header line is missing."
        raise DataFileError(
            f"{path}: is not a QCEW annual CSV file: missing column(s) "
            f"{', '.join(missing)}.{hint} Use a BLS annual averages CSV (singlefile, "
            "open-data area slice, or by-area/by-industry file)."
        )
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise DataFileError(
            f"{path}: has repeated column(s) {', '.join(duplicated)}. Download it again."
        )
    if all(t in names for t in TITLE_COLUMNS):
        return f"{len(names)}-column by-area/by-industry"
    return f"{len(names)}-column singlefile/open-data"


def _check_end(path: Path, size: int, width: int) -> None:
    """A cut-off download ends in the middle of a row: say so before parsing."""
    with path.open("rb") as f:
        f.seek(max(0, size - _SNIFF_BYTES))
        tail = f.read()
    if tail.endswith(b"\n"):
        return
    last = tail.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")
    fields = next(csv.reader([last]), [])
    if 0 < len(fields) < width or last.count('"') % 2:
        raise DataFileError(
            f"{path}: the last row is cut off ({len(fields)} of {width} columns). The "
            "file looks truncated (an interrupted download or copy); get it again."
        )


def _explain_arrow(path: Path, message: str) -> str:
    detail = message.strip().splitlines()[0][:300]
    if "UTF8" in message or "UTF-8" in message:
        return (
            f"{path}: contains text that is not UTF-8 ({detail}). Download the file "
            "from BLS again, or save it as 'CSV UTF-8'."
        )
    if "Expected" in message and "columns" in message:
        return (
            f"{path}: a row has the wrong number of columns ({detail}). The file is "
            "damaged or was edited; download it again."
        )
    if "conversion error" in message:
        return (
            f"{path}: a value is not a number where QCEW has numbers ({detail}). The "
            "file was edited or is damaged; download it again."
        )
    return f"{path}: cannot be parsed as CSV ({detail}). Download it again."


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
