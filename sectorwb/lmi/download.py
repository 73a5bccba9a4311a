"""Download a BLS QCEW open-data annual area slice (one area, one year, all industries)."""

from __future__ import annotations

import os
import re
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from ..errors import DataFileError

BASE_URL = "https://data.bls.gov/cew/data/api"
# BLS turns away requests without a browser-like or named user agent.
_USER_AGENT = "sectorwb (QCEW open-data download)"
_TIMEOUT = 60


class OfflineError(Exception):
    """The server could not be reached (no network, DNS failure, refused)."""


def slice_url(area: str, year: int, base_url: str = BASE_URL) -> str:
    return f"{base_url.rstrip('/')}/{year}/a/area/{area}.csv"


def file_name(area: str, year: int) -> str:
    return f"qcew_{year}_annual_area_{area}.csv"


def check_request(area: str, year: int | str) -> tuple[str, int]:
    """FIPS-like code (5 letters/digits) and a 4-digit year, nothing that bends a URL."""
    area = str(area).strip().upper()
    if not re.fullmatch(r"[0-9A-Z]{5}", area):
        raise DataFileError(
            f"Area {area!r}: use a 5-character BLS area code such as 10001 (county), "
            "10000 (state), C1974 (MSA) or US000."
        )
    if not re.fullmatch(r"\d{4}", str(year)):
        raise DataFileError(f"Year {year!r}: use a 4-digit year such as 2023.")
    return area, int(year)


def download_slice(
    area: str, year: int, out_dir: str | Path, base_url: str = BASE_URL
) -> Path:
    """Fetch the annual area slice into ``out_dir``; returns the file written.

    Raises OfflineError when the host cannot be reached and DataFileError when the
    server answers with an error or something that is not a QCEW file.
    """
    area, year = check_request(area, year)
    url = slice_url(area, year, base_url)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / file_name(area, year)
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".csv.part")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
                    while chunk := response.read(1 << 20):
                        out.write(chunk)
            except urllib.error.HTTPError as exc:
                hint = (
                    " BLS has no file for that area and year (the year may not be "
                    "published yet)."
                    if exc.code == 404
                    else ""
                )
                raise DataFileError(
                    f"{url}: the server answered HTTP {exc.code} {exc.reason}.{hint}"
                ) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                raise OfflineError(
                    f"cannot reach {url} ({reason}). This computer seems to be offline "
                    "or the site is unreachable. Download the file on a connected "
                    f"computer and copy it to {out_dir}, or try again later."
                ) from None
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target
