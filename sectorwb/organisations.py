"""A region's local organisations: the kinds sectorwb knows, the CSV file a trainer
gives (``--organisations FILE``) and the list a page offers, cached for speed."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import config, listfile
from .errors import DataFileError

# The organisations of each region file a page read, in the data directory.
CACHE_FILE = Path("cache") / "region-organisations.json"
# The kinds of organisation a region lists; the pages show the kind beside the name,
# and the employers are offered where a worksheet asks for a company.
KINDS = (
    "college",
    "university",
    "school district",
    "adult education",
    "workforce board",
    "job center",
    "economic development",
    "chamber",
    "industry association",
    "employer",
    "community organization",
    "government",
    "other",
)
MAX_ORGANISATIONS = 500
_MAX_ORGANISATION_NAME = 150
_SHOWN_PROBLEMS = 30


class Organisation(BaseModel):
    """A local organisation a team may involve (employer, college, board, ...)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    name: str = Field(min_length=1, max_length=_MAX_ORGANISATION_NAME)
    kind: str | None = None
    contact: str | None = None
    website: str | None = None
    notes: str | None = None

    @field_validator("name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        text = " ".join(value.split())  # a line break in a name would break a cell
        if not text:
            raise ValueError("the name is blank")
        return text

    @field_validator("kind", mode="before")
    @classmethod
    def _known_kind(cls, value: Any) -> str | None:
        if value is None or not str(value).strip():
            return None
        kind = " ".join(str(value).lower().split())
        if kind not in KINDS:
            raise ValueError(
                f"kind {str(value).strip()!r} is not one of the kinds sectorwb knows: "
                f"{', '.join(KINDS)} (or leave it empty)"
            )
        return kind


def read_organisations(path: str | Path) -> list[Organisation]:
    """Organisations from a CSV file with a ``name`` column and an optional ``kind``
    (headers in any case; the BOM Excel writes is fine). Every problem is reported
    at once with its line (DataFileError), so that one fix of the file is enough."""
    path = Path(path)
    text = listfile.read_text(path, "organisations", DataFileError)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = {(c or "").strip().lower(): c for c in reader.fieldnames or [] if c}
    unknown = [c for c in header if c not in ("name", "kind")]
    if "name" not in header or unknown:
        raise DataFileError(
            f"{path}: an organisations file has a column 'name' and, if you like, "
            f"'kind'; its columns are: {', '.join(reader.fieldnames or []) or 'none'}."
            " Rename or delete columns so that only these two are left."
        )
    found: list[tuple[str, Organisation]] = []
    problems: list[str] = []
    for row in reader:
        where = f"line {reader.line_num}"
        name = (row.get(header["name"]) or "").strip()
        kind = (row.get(header.get("kind", "")) or "").strip()
        if not name:
            if kind:
                problems.append(f"{where}: no name (only the kind {kind!r}).")
            continue  # a blank line
        try:
            found.append((where, Organisation(name=name, kind=kind or None)))
        except ValidationError as exc:
            first = exc.errors()[0]
            why = first["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {first['loc'][0]}: {why}.")
    problems += listfile.repeats([(w, o.name) for w, o in found], "organisation")
    if len(found) > MAX_ORGANISATIONS:
        problems.append(
            f"{len(found)} organisations; a region lists at most {MAX_ORGANISATIONS}. "
            "Keep the ones teams are likely to name."
        )
    if not found and not problems:
        problems.append("no organisations in it: write one name per line under 'name'.")
    listfile.refuse(path, "organisations", problems, DataFileError, _SHOWN_PROBLEMS)
    return [o for _, o in found]


def of_region(slug: str) -> list[tuple[str, str | None]]:
    """The (name, kind) organisations of a region, for a page to offer.

    Kept as JSON in the data directory by the SHA-256 of the ``region.yaml`` text, so
    that opening a page needs neither PyYAML nor validating the region (~80 ms of a
    page's kernel). An edit changes the text, so the file is read and validated again;
    a cache that cannot be read or written is only slower."""
    from . import regions  # its models are built on first use (defer_build)

    path = regions.region_path(slug)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        digest = ""  # load_file says what is wrong
    cache = config.data_dir() / CACHE_FILE
    try:
        saved = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = {}
    saved = saved if isinstance(saved, dict) else {}
    try:
        entry = saved[str(path)]
        if entry["sha256"] == digest != "":
            return [(str(n), None if k is None else str(k)) for n, k in entry["list"]]
    except (KeyError, TypeError, ValueError):
        pass  # not read yet, or not in the shape written below: read the file
    found = [(o.name, o.kind) for o in regions.load_file(path).config.organisations]
    saved[str(path)] = {"sha256": digest, "list": found}
    tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(saved), encoding="utf-8")
        os.replace(tmp, cache)  # pages opening at once each read a whole file
    except OSError:
        tmp.unlink(missing_ok=True)
    return found
