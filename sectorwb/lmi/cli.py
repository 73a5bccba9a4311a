"""The ``sectorwb lmi``, ``sectorwb region`` and ``sectorwb qcew`` subcommands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import DataFileError

# Kept here as text so `sectorwb --help` does not import pandas and pyarrow.
_LEVELS = ("supersector", "sector", "3", "4", "5", "6")
_OUTPUT_DECIMALS = {
    "jobs_share_pct": 2,
    "pay_ratio": 2,
    "lq_state": 2,
    "lq_us": 2,
    "jobs_change_pct": 1,
}
_WHOLE_NUMBERS = (
    "establishments",
    "jobs",
    "avg_annual_pay",
    "base_jobs",
    "national_growth",
    "industry_mix",
    "regional_shift",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the LMI, region and QCEW commands to the ``sectorwb`` parser."""
    lmi = subparsers.add_parser("lmi", help="labor market metrics from BLS QCEW files")
    lmi_sub = lmi.add_subparsers(dest="lmi_command", required=True)
    metrics = lmi_sub.add_parser(
        "metrics", help="one row per industry for a region, written as CSV"
    )
    metrics.add_argument("--qcew", nargs="+", metavar="FILE", help="QCEW annual CSVs")
    metrics.add_argument("--area", help="FIPS[,FIPS...]: summed into one region")
    metrics.add_argument("--region", help="a region slug (instead of --qcew/--area)")
    metrics.add_argument("--level", choices=_LEVELS, default="sector")
    metrics.add_argument("--ownership", choices=("private", "all"), default="private")
    metrics.add_argument("--year", type=int, help="default: the latest year given")
    metrics.add_argument("--state", help="reference state for lq_state, e.g. 10000")
    metrics.add_argument("--titles", help="BLS industry_titles.csv (optional)")
    metrics.add_argument("--cache-dir", help="parsed-file cache (default: data dir)")
    metrics.add_argument("--no-cache", action="store_true", help="always parse CSV")
    metrics.add_argument("--out", required=True, help="CSV file to write")
    metrics.set_defaults(func=cmd_metrics)

    region = subparsers.add_parser("region", help="create and list region configs")
    region_sub = region.add_subparsers(dest="region_command", required=True)
    new = region_sub.add_parser("new", help="create data/regions/<slug>/region.yaml")
    new.add_argument("slug", help="folder name: lowercase letters, digits, dashes")
    new.add_argument("--qcew", nargs="+", required=True, metavar="FILE")
    new.add_argument("--counties", help="FIPS,FIPS,... (default: from the files)")
    new.add_argument("--name", help="display name (default: from the slug)")
    new.add_argument("--state", help="reference state FIPS (default: the counties')")
    new.add_argument(
        "--organisation", action="append", default=[], metavar="NAME",
        help="a local organisation (repeat for more)",
    )  # fmt: skip
    new.add_argument(
        "--organisations", metavar="FILE",
        help="a CSV of local organisations: columns name and kind (kind optional)",
    )  # fmt: skip
    new.set_defaults(func=cmd_region_new)
    listing = region_sub.add_parser("list", help="list the region configs")
    listing.set_defaults(func=cmd_region_list)

    qcew = subparsers.add_parser("qcew", help="get BLS QCEW files")
    qcew_sub = qcew.add_subparsers(dest="qcew_command", required=True)
    download = qcew_sub.add_parser(
        "download", help="fetch a BLS open-data annual area slice"
    )
    download.add_argument("--area", required=True, help="e.g. 10001, 10000, US000")
    download.add_argument("--year", required=True)
    download.add_argument("--out", default=".", help="folder (default: here)")
    download.add_argument("--base-url", default=None, help="another server (tests)")
    download.set_defaults(func=cmd_download)


def cmd_metrics(args: argparse.Namespace) -> int:
    from .metrics import Region, region_metrics
    from .qcew import load_qcew
    from .titles import read_industry_titles

    if args.region:
        from ..regions import load_region

        folder = load_region(args.region)
        paths = args.qcew or folder.qcew_paths()
        areas = args.area.split(",") if args.area else list(folder.areas)
        region = Region.parse(
            areas, state=args.state or folder.config.state, name=folder.config.name
        )
    elif args.qcew and args.area:
        paths = args.qcew
        region = Region.parse(args.area, state=args.state)
    else:
        raise DataFileError("Pass --qcew FILE... and --area FIPS, or --region SLUG.")
    wanted = {*region.areas, "US000"}
    if region.reference_state:
        wanted.add(region.reference_state)
    data = load_qcew(
        paths, areas=wanted, cache_dir=args.cache_dir, use_cache=not args.no_cache
    )
    titles = read_industry_titles(args.titles) if args.titles else None
    table = region_metrics(
        data,
        region,
        level=args.level,
        ownership=args.ownership,
        year=args.year,
        titles=titles,
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    _for_csv(table).to_csv(out, index=False)
    hidden = int(table["suppressed"].sum())
    print(
        f"sectorwb: wrote {out}: {len(table)} industries in {region.label}, "
        f"{table.attrs['year']}, {hidden} suppressed by BLS (empty cells)."
    )
    for note in table.attrs["notes"]:
        print(f"sectorwb: note: {note}")
    return 0


def _for_csv(table):
    """Round for reading; missing values stay empty cells, never 0."""
    out = table.copy()
    for column in _WHOLE_NUMBERS:
        out[column] = out[column].round().astype("Int64")
    for column, decimals in _OUTPUT_DECIMALS.items():
        out[column] = out[column].round(decimals)
    out["suppressed"] = out["suppressed"].map({True: "yes", False: ""})
    return out


def cmd_region_new(args: argparse.Namespace) -> int:
    from ..organisations import read_organisations
    from ..regions import create_region, validate_slug

    validate_slug(args.slug)  # before reading what may be a 500 MB file
    organisations = [{"name": n} for n in args.organisation]
    if args.organisations:
        listed = read_organisations(args.organisations)
        organisations += [o.model_dump(exclude_none=True) for o in listed]
    counties = [c.strip() for c in (args.counties or "").split(",") if c.strip()]
    state = _state_code(args.state) if args.state else None
    data = None
    if args.qcew:
        from .qcew import load_qcew

        data = load_qcew(args.qcew)
    if data is not None:
        if counties:
            missing = [c for c in counties if c not in data.area_codes()]
            if missing:
                raise DataFileError(
                    f"County {', '.join(missing)} is not in "
                    f"{', '.join(f.path.name for f in data.files)}. Counties there: "
                    f"{', '.join(data.counties()) or 'none'}."
                )
        elif state is None:
            counties, state = _guess_areas(data)
    created = create_region(
        args.slug,
        qcew=args.qcew,
        name=args.name,
        state=state,
        counties=counties,
        organisations=organisations,
    )
    print(f"sectorwb: created {created.path}")
    from . import views  # Step 2 pages read these instead of the QCEW files

    written = views.write(created, views.build(created, views.all_keys()))
    print(f"sectorwb: wrote {written} (Step 2's tables and charts)")
    return 0


def _state_code(text: str) -> str:
    text = text.strip()
    return text + "000" if len(text) == 2 else text


def _guess_areas(data) -> tuple[list[str], str | None]:
    from .qcew import area_kind

    counties = data.counties()
    if len(counties) == 1:
        return counties, None
    states = [a for a in data.area_codes() if area_kind(a) == "state"]
    if not counties and len(states) == 1:
        return [], states[0]
    raise DataFileError(
        "The files hold several areas; say which make up the region with "
        f"--counties (counties there: {', '.join(counties) or 'none'}) or --state."
    )


def cmd_region_list(_args: argparse.Namespace) -> int:
    from ..regions import RegionFolder, regions_dir, scan

    found = scan()
    if not found:
        print(f"sectorwb: no regions in {regions_dir()}; create one with `region new`.")
        return 0
    bad = 0
    for slug, entry in found.items():
        if isinstance(entry, RegionFolder):
            c = entry.config
            tag = " (illustrative)" if c.illustrative else ""
            print(
                f"ok  {slug}: {c.name}{tag}; areas {', '.join(entry.areas)}; "
                f"{len(c.qcew)} QCEW file(s)"
            )
        else:
            bad += 1
            print(f"BAD {slug}: {entry}")
    return 1 if bad else 0


def cmd_download(args: argparse.Namespace) -> int:
    from .download import BASE_URL, OfflineError, download_slice
    from .qcew import parse_file

    try:
        path = download_slice(args.area, args.year, args.out, args.base_url or BASE_URL)
    except OfflineError as exc:
        print(f"sectorwb: offline: {exc}", file=sys.stderr)
        return 3
    try:
        _, info = parse_file(path)
    except DataFileError as exc:
        path.unlink(missing_ok=True)
        raise DataFileError(
            f"The downloaded file is not a usable QCEW CSV and was removed: {exc}"
        ) from None
    print(f"sectorwb: saved {path} ({info.rows} rows, {info.year}, {info.layout}).")
    return 0
