"""The BLS QCEW annual CSV layouts, and the checks that catch a bad file before parsing."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

from ..errors import DataFileError

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
ALIASES = {
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

_SNIFF_BYTES = 64 * 1024


def check_start(path: Path, size: int) -> tuple[list[str], str]:
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
    names = [ALIASES.get(h, h) for h in header]
    missing = [c for c in KEPT_COLUMNS if c not in names]
    if missing:
        hint = ""
        if any(h.startswith("month1_emplvl") for h in names):
            hint = " This is a quarterly file; sectorwb uses annual averages files."
        elif names and names[0].lstrip().startswith("<"):
            hint = " It is a web page (HTML), not CSV: the download went wrong."
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


def check_end(path: Path, size: int, width: int) -> None:
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


def explain_arrow(path: Path, message: str) -> str:
    """Arrow's parse error, said in words a trainer can act on."""
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
