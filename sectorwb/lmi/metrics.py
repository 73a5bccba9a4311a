"""Per-industry metrics for a region: jobs, pay, location quotients, growth, shift-share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataFileError
from .qcew import LEVEL_DIGIT, QcewData, agglvl_code, area_kind
from .titles import OWNERSHIP, area_title, industry_title

# "all" sums federal, state, local, international government and private: below the
# area total BLS publishes industries per ownership only (own 0 and 8 would double count).
OWNERSHIPS: dict[str, tuple[str, ...]] = {
    "private": ("5",),
    "all": ("1", "2", "3", "4", "5"),
}
LEVELS = tuple(k for k in LEVEL_DIGIT if k not in ("total", "ownership"))

COLUMNS = [
    "industry_code",
    "industry_title",
    "establishments",
    "jobs",
    "jobs_share_pct",
    "avg_annual_pay",
    "pay_ratio",
    "lq_state",
    "lq_us",
    "jobs_change_pct",
    "base_jobs",
    "national_growth",
    "industry_mix",
    "regional_shift",
    "suppressed",
    "flag",
]


@dataclass(frozen=True)
class Region:
    """Areas summed into one region: counties, or one state, or one MSA."""

    areas: tuple[str, ...]
    state: str | None = None  # reference state for lq_state; default: the counties'
    name: str | None = None

    @classmethod
    def parse(cls, areas: str | Sequence[str], **kwargs) -> Region:
        """From "10001,10003" or a list of FIPS codes."""
        if isinstance(areas, str):
            areas = areas.split(",")
        codes = tuple(dict.fromkeys(a.strip() for a in areas if a.strip()))
        if not codes:
            raise DataFileError("No area given. Pass FIPS codes such as 10001,10003.")
        return cls(codes, **kwargs)

    @property
    def label(self) -> str:
        return self.name or ", ".join(self.areas)

    @property
    def reference_state(self) -> str | None:
        if self.state:
            return self.state
        states = {a[:2] for a in self.areas if area_kind(a) in ("county", "state")}
        return f"{states.pop()}000" if len(states) == 1 else None


def region_metrics(
    data: QcewData,
    region: Region,
    *,
    level: str = "sector",
    ownership: str = "private",
    year: int | None = None,
    titles: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per industry (see ``COLUMNS``); ``attrs`` carry the provenance.

    Counts and wages of the region's areas are summed first and rates recomputed;
    a suppressed part makes the sum missing and is named in ``flag``.
    """
    kind = _check_region(data, region)
    level, owns = _check_options(level, ownership)
    data = data.subset({*region.areas, region.reference_state or "", "US000"})
    year = _check_year(data, region, year)
    level_code = agglvl_code(kind, level)
    now = _sum(data, level_code, region.areas, owns, year)
    total = _total(data, kind, region.areas, year)
    out = pd.DataFrame(index=now.index)
    out["industry_title"] = [industry_title(c, titles) for c in now.index]
    out["establishments"] = now["estabs"]
    out["jobs"] = now["jobs"]
    out["jobs_share_pct"] = 100 * now["jobs"] / total["jobs"]
    out["avg_annual_pay"] = _ratio(now["wages"], now["jobs"])
    region_pay = _ratio(total["wages"], total["jobs"])
    out["pay_ratio"] = out["avg_annual_pay"] / region_pay
    notes: list[str] = []
    flags = [now["flag"]]
    state = region.reference_state
    out["lq_state"] = _lq_against(
        data, now, total, state, "state", level, owns, year, notes
    )
    if state in data.area_codes():
        flags.append(
            _unknown_because(out["lq_state"], now, f"lq_state: {state} suppressed")
        )
    if len(region.areas) == 1 and owns == OWNERSHIPS["private"]:
        out["lq_us"] = now["bls_lq"]  # BLS's own, rounded to 0.01
    else:
        out["lq_us"] = _lq_against(
            data, now, total, "US000", "national", level, owns, year, notes
        )
        if "US000" in data.area_codes():
            flags.append(_unknown_because(out["lq_us"], now, "lq_us: US000 suppressed"))
    base_year = _base_year(data, region, year)
    growth_from = None
    if base_year is not None:
        base = _sum(data, level_code, region.areas, owns, base_year)
        # No row in the base year means no jobs then; a suppressed row stays missing.
        out["base_jobs"] = base["jobs"].reindex(now.index)
        out.loc[now.index.difference(base.index), "base_jobs"] = 0.0
        out["jobs_change_pct"] = 100 * _ratio(
            now["jobs"] - out["base_jobs"], out["base_jobs"]
        )
        growth_from = f"{base_year}-{year} files"
        _shift_share(data, out, level, owns, year, base_year, notes)
    else:
        out["base_jobs"] = now["jobs"] - now["oty_chg"]
        if len(region.areas) == 1 and len(owns) == 1:
            out["jobs_change_pct"] = now["bls_oty_pct"]
        else:
            out["jobs_change_pct"] = 100 * _ratio(now["oty_chg"], out["base_jobs"])
        growth_from = "BLS over-the-year change"
        for column in ("national_growth", "industry_mix", "regional_shift"):
            out[column] = np.nan
        notes.append("shift-share needs files for two years and U.S. rows")
    out["suppressed"] = now["suppressed"].astype(bool)
    out["flag"] = [
        "; ".join(part for part in parts if part) for parts in zip(*flags, strict=True)
    ]
    out = out.reset_index(names="industry_code")
    out = out.sort_values(["jobs", "industry_code"], ascending=[False, True])
    out = out[COLUMNS].reset_index(drop=True)
    out.attrs.update(
        source=data.source,
        region=region.label,
        areas=list(region.areas),
        year=year,
        base_year=base_year,
        level=level,
        ownership=ownership,
        total_jobs=total["jobs"],
        avg_annual_pay=region_pay,
        growth_from=growth_from,
        notes=notes,
    )
    return out


def county_breakdown(
    data: QcewData,
    region: Region,
    *,
    level: str = "sector",
    ownership: str = "private",
    year: int | None = None,
    titles: Mapping[str, str] | None = None,
    area_titles: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Jobs per area and industry (one row each), for the county breakdown chart."""
    kind = _check_region(data, region)
    level, owns = _check_options(level, ownership)
    data = data.subset(region.areas)
    year = _check_year(data, region, year)
    rows = data.rows(agglvl_code(kind, level), areas=region.areas, own=owns, year=year)
    grouped = rows.groupby(["area_fips", "industry_code"], sort=True)
    jobs = grouped["annual_avg_emplvl"].sum(min_count=1)
    hidden = grouped["annual_avg_emplvl"].apply(lambda s: s.isna().any())
    out = pd.DataFrame({"jobs": jobs.where(~hidden), "suppressed": hidden})
    out = out.reset_index()
    out.insert(1, "area_title", [area_title(a, area_titles) for a in out["area_fips"]])
    out["industry_title"] = [industry_title(c, titles) for c in out["industry_code"]]
    out.attrs.update(source=data.source, region=region.label, year=year, level=level)
    return out


def _check_region(data: QcewData, region: Region) -> str:
    present = set(data.area_codes())
    kinds = {area_kind(a) for a in region.areas}
    for fips in region.areas:
        if area_kind(fips) == "unknown_county":
            raise DataFileError(
                f"Area {fips} is BLS's statewide 'unknown, overseas or multicounty' "
                "code: its jobs count in the state total but it is not a county. "
                "Leave it out of the region."
            )
        if fips not in present:
            raise DataFileError(
                f"Area {fips} is not in {_names(data)}. {_nearby(data, fips)} Check "
                "the FIPS code (5 digits, e.g. 10001) or add the file that has it."
            )
    if len(kinds) != 1 or kinds & {"other"}:
        raise DataFileError(
            f"Region {region.label}: use counties, or one state (SS000), or one MSA "
            "(Cnnnn), not a mix."
        )
    return kinds.pop()


def _check_options(level: str, ownership: str) -> tuple[str, tuple[str, ...]]:
    level = str(level)
    if level not in LEVELS:
        raise DataFileError(f"Unknown level {level!r}: use one of {', '.join(LEVELS)}.")
    if ownership not in OWNERSHIPS:
        raise DataFileError(f"Unknown ownership {ownership!r}: use private or all.")
    return level, OWNERSHIPS[ownership]


def _check_year(data: QcewData, region: Region, year: int | None) -> int:
    year = int(year) if year is not None else max(data.years)
    rows = data.rows(agglvl_code(area_kind(region.areas[0]), "total"), year=year)
    have = set(rows["area_fips"])
    missing = [a for a in region.areas if a not in have]
    if missing:
        raise DataFileError(
            f"{_names(data)}: no rows for {', '.join(missing)} in {year}. Years in "
            f"the file(s): {', '.join(map(str, data.years))}. Pick one of those years "
            "or add the file for that year."
        )
    return year


def _base_year(data: QcewData, region: Region, year: int) -> int | None:
    earlier = [y for y in data.years if y < year]
    for candidate in sorted(earlier, reverse=True):
        total = data.rows(
            agglvl_code(area_kind(region.areas[0]), "total"), year=candidate
        )
        if set(region.areas) <= set(total["area_fips"]):
            return candidate
    return None


def _sum(
    data: QcewData, agglvl: str, areas: Sequence[str], owns: Sequence[str], year: int
) -> pd.DataFrame:
    """Per industry: sums over areas and ownerships, missing if any part is missing."""
    rows = data.rows(agglvl, areas=areas, own=owns, year=year)
    rows["hidden"] = rows["annual_avg_emplvl"].isna()
    g = rows.groupby("industry_code", sort=True)
    out = pd.DataFrame(
        {
            "estabs": g["annual_avg_estabs"].sum(min_count=1),
            "jobs": g["annual_avg_emplvl"].sum(min_count=1),
            "wages": g["total_annual_wages"].sum(min_count=1),
            "oty_chg": g["oty_annual_avg_emplvl_chg"].sum(min_count=1),
            "suppressed": g["hidden"].any(),
            "bls_lq": g["lq_annual_avg_emplvl"].first(),
            "bls_oty_pct": g["oty_annual_avg_emplvl_pct_chg"].first(),
        }
    )
    out.loc[out["suppressed"], ["jobs", "wages"]] = np.nan
    oty_hidden = g["oty_annual_avg_emplvl_chg"].apply(lambda s: s.isna().any())
    out.loc[oty_hidden, "oty_chg"] = np.nan
    out["flag"] = ""
    hidden = rows[rows["hidden"]]
    if not hidden.empty:
        many = len(owns) > 1
        parts = hidden.groupby("industry_code").apply(
            lambda r: ", ".join(
                f"{a} {OWNERSHIP.get(o, o).lower()}" if many else a
                for a, o in zip(r["area_fips"], r["own_code"], strict=True)
            ),
            include_groups=False,
        )
        out.loc[parts.index, "flag"] = "suppressed by BLS in " + parts
    return out


def _total(data: QcewData, kind: str, areas: Sequence[str], year: int) -> pd.Series:
    """All industries, all ownerships: the base of shares, LQs and average pay."""
    rows = data.rows(
        agglvl_code(kind, "total"), areas=areas, own=["0"], industries=["10"], year=year
    )
    complete = len(rows) == len(areas) and rows["annual_avg_emplvl"].notna().all()
    if not complete:
        return pd.Series({"jobs": np.nan, "wages": np.nan})
    return pd.Series(
        {
            "jobs": rows["annual_avg_emplvl"].sum(),
            "wages": rows["total_annual_wages"].sum(),
        }
    )


def _lq_against(
    data: QcewData,
    now: pd.DataFrame,
    total: pd.Series,
    reference: str | None,
    kind: str,
    level: str,
    owns: Sequence[str],
    year: int,
    notes: list[str],
) -> pd.Series:
    """(industry share of the region's jobs) / (the same share in the reference area)."""
    column = "lq_us" if kind == "national" else "lq_state"
    if reference is None:
        notes.append(f"{column} left empty: no reference {kind}; pass one")
        return pd.Series(np.nan, index=now.index)
    ref_total = _total(data, kind, [reference], year)
    if np.isnan(ref_total["jobs"]):
        notes.append(
            f"{column} left empty: no {reference} rows for {year} in the file(s); "
            "add that file to get it"
        )
        return pd.Series(np.nan, index=now.index)
    ref = _sum(data, agglvl_code(kind, level), [reference], owns, year)
    ref_share = ref["jobs"].reindex(now.index) / ref_total["jobs"]
    return (now["jobs"] / total["jobs"]) / ref_share.replace(0, np.nan)


def _unknown_because(values: pd.Series, now: pd.DataFrame, why: str) -> pd.Series:
    """The flag text for rows whose value is missing only because of the reference."""
    return pd.Series(np.where(values.isna() & now["jobs"].notna(), why, ""), now.index)


def _shift_share(
    data: QcewData,
    out: pd.DataFrame,
    level: str,
    owns: Sequence[str],
    year: int,
    base_year: int,
    notes: list[str],
) -> None:
    """National growth + industry mix + regional shift = the region's job change."""
    us_now = _total(data, "national", ["US000"], year)
    us_base = _total(data, "national", ["US000"], base_year)
    for column in ("national_growth", "industry_mix", "regional_shift"):
        out[column] = np.nan
    if np.isnan(us_now["jobs"]) or np.isnan(us_base["jobs"]):
        notes.append("shift-share needs U.S. rows (US000) for both years")
        return
    level_code = agglvl_code("national", level)
    n1 = _sum(data, level_code, ["US000"], owns, year)["jobs"]
    n0 = _sum(data, level_code, ["US000"], owns, base_year)["jobs"]
    g_all = (us_now["jobs"] - us_base["jobs"]) / us_base["jobs"]
    g_ind = _ratio(n1.reindex(out.index) - n0.reindex(out.index), n0.reindex(out.index))
    e0, e1 = out["base_jobs"], out["jobs"]
    # An industry new to the region (no base-year jobs) owes nothing to national
    # trends: all of its change is regional shift, whatever the U.S. rows say.
    new = e0 == 0
    out["national_growth"] = (e0 * g_all).where(~new, 0.0)
    out["industry_mix"] = (e0 * (g_ind - g_all)).where(~new, 0.0)
    out["regional_shift"] = ((e1 - e0) - e0 * g_ind).where(~new, e1)


def _ratio(numerator, denominator):
    """Division where 0 or missing below the line gives missing, never inf."""
    if isinstance(denominator, pd.Series):
        return numerator / denominator.where(denominator != 0)
    return numerator / denominator if denominator else np.nan


def _nearby(data: QcewData, fips: str) -> str:
    """The areas a mistyped code was probably meant to be (same state first)."""
    usable = [
        a for a in data.file_areas() if area_kind(a) in ("county", "state", "msa")
    ]
    same_state = [a for a in usable if a[:2] == fips[:2]]
    shown = same_state or usable
    more = f" and {len(shown) - 15} more" if len(shown) > 15 else ""
    return f"Areas there: {', '.join(shown[:15]) or 'none'}{more}."


def _names(data: QcewData) -> str:
    return ", ".join(f.path.name for f in data.files)
