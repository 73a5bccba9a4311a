"""Region configs: a region's name, FIPS codes, QCEW files and local organisations."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .config import data_dir
from .errors import DataFileError
from .listfile import repeats
from .organisations import MAX_ORGANISATIONS, Organisation

REGIONS_DIR_ENV = "SECTORWB_REGIONS_DIR"
CONFIG_NAME = "region.yaml"
# Where a wheel puts data/regions (pyproject's data-files), under its data prefix.
SHIPPED_DATA = "share/sectorwb/regions/"
# A slug becomes a folder name: lowercase words joined by dashes, nothing else.
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SLUG_MAX = 60


class RegionConfig(BaseModel):
    """The contents of ``region.yaml``."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    name: str = Field(min_length=1)
    state: str  # reference state for location quotients, e.g. "08000"
    counties: list[str] = Field(default_factory=list)  # empty: the whole state
    msa: str | None = None  # a region that is one MSA, e.g. "C1974"
    qcew: list[str] = Field(min_length=1)  # CSV paths, relative to the region folder
    area_names: dict[str, str] = Field(default_factory=dict)  # FIPS -> name for charts
    organisations: list[Organisation] = Field(
        default_factory=list, max_length=MAX_ORGANISATIONS
    )
    illustrative: bool = False
    notes: str | None = None

    @field_validator("organisations")
    @classmethod
    def _each_once(cls, found: list[Organisation]) -> list[Organisation]:
        twice = repeats(
            [(f"organisations.{i}", o.name) for i, o in enumerate(found)],
            "organisation",
        )
        if twice:
            raise ValueError("; ".join(twice))
        return found

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, value: Any) -> str:
        text = str(value).strip()
        if re.fullmatch(r"\d{2}", text):
            text += "000"
        if not re.fullmatch(r"\d{2}000", text):
            raise ValueError(
                f"{value!r} is not a state FIPS code; write it as 5 digits ending in "
                "000 in quotes, e.g. '08000'"
            )
        return text

    @field_validator("counties", mode="before")
    @classmethod
    def _counties(cls, value: Any) -> list[str]:
        codes = [str(v).strip() for v in (value or [])]
        for code in codes:
            if not re.fullmatch(r"\d{5}", code) or code.endswith("000"):
                raise ValueError(
                    f"{code!r} is not a county FIPS code; write 5 digits in quotes, "
                    "e.g. '08031' (a leading zero is part of the code)"
                )
            if int(code[2:]) >= 996:
                raise ValueError(
                    f"{code!r} is BLS's statewide 'unknown or multicounty' code, not a "
                    "county; leave it out"
                )
        return codes

    @field_validator("msa")
    @classmethod
    def _msa(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"C\d{4}", value):
            raise ValueError(f"{value!r} is not a BLS MSA code such as 'C1974'")
        return value


@dataclass(frozen=True)
class RegionFolder:
    """A validated region: its slug, folder and config."""

    slug: str
    folder: Path
    config: RegionConfig

    @property
    def path(self) -> Path:
        return self.folder / CONFIG_NAME

    @property
    def areas(self) -> tuple[str, ...]:
        """The FIPS codes summed into the region."""
        if self.config.msa:
            return (self.config.msa,)
        return tuple(self.config.counties) or (self.config.state,)

    def qcew_paths(self, check: bool = True) -> list[Path]:
        """QCEW files, relative paths taken from the region folder."""
        paths = []
        for i, entry in enumerate(self.config.qcew):
            path = Path(entry).expanduser()
            path = path if path.is_absolute() else self.folder / path
            if check and not path.is_file():
                raise DataFileError(
                    f"{self.path}: field qcew.{i}: file {path} does not exist. Fix the "
                    "path (relative paths start at the region folder) or download it "
                    "with `sectorwb qcew download`."
                )
            paths.append(path)
        return paths


def regions_dir() -> Path:
    """Where regions are created and read first: ``$SECTORWB_REGIONS_DIR``, else
    ``regions`` in the data directory (never the install location)."""
    explicit = os.environ.get(REGIONS_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return data_dir() / "regions"


@cache
def shipped_dir() -> Path | None:
    """The regions that come with sectorwb (the demo), read-only: a checkout's
    ``data/regions``, else the copy pip installed as data files."""
    checkout = Path(__file__).resolve().parents[1] / "data" / "regions"
    if checkout.is_dir():
        return checkout  # the live copy, when a developer regenerates the demo
    try:
        files = distribution("sectorwb").files or []
    except PackageNotFoundError:
        return None
    for file in files:
        if file.name == CONFIG_NAME and SHIPPED_DATA in file.as_posix():
            return Path(file.locate()).resolve().parent.parent
    return None


def region_path(slug: str) -> Path:
    """The ``region.yaml`` of ``slug``: the regions folder's, else the shipped one."""
    own = regions_dir() / validate_slug(slug) / CONFIG_NAME
    shipped = shipped_dir()
    if not own.exists() and shipped and (shipped / slug / CONFIG_NAME).exists():
        return shipped / slug / CONFIG_NAME
    return own


def validate_slug(slug: str) -> str:
    """A slug is 1-60 lowercase letters, digits and single dashes: never a path."""
    if not isinstance(slug, str) or len(slug) > _SLUG_MAX or not _SLUG.match(slug):
        raise DataFileError(
            f"Region name {slug!r} cannot be used as a folder: use 1-{_SLUG_MAX} "
            "lowercase letters, digits and dashes, e.g. 'north-metro'."
        )
    return slug


def load_file(path: str | Path) -> RegionFolder:
    """Read and validate one ``region.yaml``; its folder name is the slug."""
    import yaml  # here: a page that only offers organisations reads them cached

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(
            f"{path}: not found. Create the region with `sectorwb region new`."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: cannot be read as UTF-8 text ({exc}).") from None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise DataFileError(
            f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)}). Check "
            "indentation and quote FIPS codes."
        ) from None
    if not isinstance(data, dict):
        raise DataFileError(
            f"{path}: expected a mapping with name, state, counties and qcew at the "
            f"top level, found {type(data).__name__}."
        )
    try:
        config = RegionConfig.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"  - field {'.'.join(map(str, e['loc'])) or '(top level)'}: {e['msg']}"
            for e in exc.errors()[:10]
        ]
        raise DataFileError(
            f"{path}: {exc.error_count()} problem(s) in the region config:\n"
            + "\n".join(problems)
        ) from None
    return RegionFolder(path.parent.name, path.parent, config)


def load_region(slug: str, base: str | Path | None = None) -> RegionFolder:
    """The region called ``slug`` in ``base``, else in the regions folder or shipped."""
    if base is not None:
        return load_file(Path(base) / validate_slug(slug) / CONFIG_NAME)
    return load_file(region_path(slug))


def scan(base: str | Path | None = None) -> dict[str, RegionFolder | DataFileError]:
    """Every region folder by slug (``base``, else the shipped ones and the regions
    folder's, which win); a broken one maps to its error."""
    shipped = shipped_dir()
    folders = [Path(base)] if base is not None else [shipped, regions_dir()]
    configs = {
        config.parent.name: config
        for folder in folders
        if folder is not None
        for config in sorted(folder.glob(f"*/{CONFIG_NAME}"))
    }
    found: dict[str, RegionFolder | DataFileError] = {}
    for slug, config in sorted(configs.items()):
        try:
            found[slug] = load_file(config)
        except DataFileError as exc:
            found[slug] = exc
    return found


def list_regions(base: str | Path | None = None) -> list[RegionFolder]:
    """Every valid region, by slug."""
    return [r for r in scan(base).values() if isinstance(r, RegionFolder)]


def create_region(
    slug: str,
    *,
    qcew: list[str | Path],
    name: str | None = None,
    state: str | None = None,
    counties: list[str] | tuple[str, ...] = (),
    organisations: list[dict[str, Any]] | None = None,
    base: str | Path | None = None,
    header: str | None = None,
    illustrative: bool = False,
) -> RegionFolder:
    """Write ``<regions dir>/<slug>/region.yaml``; an existing region is not replaced."""
    folder = (Path(base) if base is not None else regions_dir()) / validate_slug(slug)
    target = folder / CONFIG_NAME
    shipped = shipped_dir()
    if base is None and shipped and (shipped / slug / CONFIG_NAME).exists():
        # A region of that name in the regions folder would hide this one unnoticed.
        raise DataFileError(
            f"{shipped / slug / CONFIG_NAME}: region {slug!r} comes with sectorwb. "
            "Pick another name."
        )
    if target.exists():
        raise DataFileError(
            f"{target}: region {slug!r} already exists. Edit that file or pick "
            "another name."
        )
    counties = [str(c).strip() for c in counties]
    if state is None:
        states = sorted({c[:2] for c in counties})
        if len(states) != 1:
            raise DataFileError(
                f"Region {slug!r}: cannot tell the reference state from counties "
                f"{counties or 'none'}; pass --state (e.g. 08000)."
            )
        state = states[0] + "000"
    data: dict[str, Any] = {
        "name": name or slug.replace("-", " ").title(),
        "state": state,
        "counties": counties,
        "qcew": [_relative(Path(p), folder) for p in qcew],
    }
    if organisations:
        data["organisations"] = organisations
    if illustrative:
        data["illustrative"] = True
    try:
        config = RegionConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(map(str, first["loc"]))
        raise DataFileError(f"Region {slug!r}: {field}: {first['msg']}.") from None
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    dumped = config.model_dump(exclude_defaults=True)
    dumped.setdefault("counties", [])
    text = yaml.safe_dump(dumped, sort_keys=False, allow_unicode=True)
    target.write_text((header or "") + text, encoding="utf-8")
    return load_file(target)


def _relative(path: Path, folder: Path) -> str:
    """Inside the region folder a path is stored relative, so the folder can move."""
    resolved = path.expanduser().resolve()
    try:
        return resolved.relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(resolved)
