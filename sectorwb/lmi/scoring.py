"""Sector scoring by the manual's Step 2 criteria, with thresholds a trainer can change."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# The manual, Step 2: "a significant number of total jobs, higher-than-average wages,
# or a rate of concentration in your region that is higher than state or national
# averages".
CRITERIA = {
    "many_jobs": "significant number of jobs",
    "high_pay": "higher-than-average wages",
    "concentrated": "more concentrated than state or nation",
    "growing": "growing",
}


@dataclass(frozen=True)
class Thresholds:
    """What counts as meeting each criterion; change them per region."""

    min_jobs_share_pct: float = 2.0  # share of all the region's jobs
    min_pay_ratio: float = 1.0  # average pay / region's all-industry average (strict >)
    min_lq: float = 1.0  # location quotient vs state or vs U.S. (strict >)
    min_growth_pct: float | None = None  # None: growth is shown, not scored
    min_criteria: int = 1  # how many criteria make an industry a candidate


def score_sectors(
    metrics: pd.DataFrame, thresholds: Thresholds | None = None
) -> pd.DataFrame:
    """A ranked table: which criteria each industry meets (NA where data are missing).

    Ranked by the number of criteria met, then by jobs. Suppressed industries stay in
    the table with unknown criteria so a team can see them and ask locally.
    """
    t = thresholds or Thresholds()
    out = metrics[
        [
            "industry_code",
            "industry_title",
            "jobs",
            "jobs_share_pct",
            "avg_annual_pay",
            "pay_ratio",
            "lq_state",
            "lq_us",
            "jobs_change_pct",
        ]
    ].copy()
    out["many_jobs"] = _at_least(out["jobs_share_pct"], t.min_jobs_share_pct, True)
    out["high_pay"] = _at_least(out["pay_ratio"], t.min_pay_ratio, False)
    out["concentrated"] = _either(
        _at_least(out["lq_state"], t.min_lq, False),
        _at_least(out["lq_us"], t.min_lq, False),
    )
    used = ["many_jobs", "high_pay", "concentrated"]
    if t.min_growth_pct is not None:
        out["growing"] = _at_least(out["jobs_change_pct"], t.min_growth_pct, True)
        used.append("growing")
    met = out[used].fillna(False).astype(bool)
    out["criteria_met"] = met.sum(axis=1).astype(int)
    out["criteria"] = met.apply(
        lambda row: "; ".join(CRITERIA[c] for c in used if row[c]), axis=1
    )
    out["candidate"] = out["criteria_met"] >= t.min_criteria
    out = out.sort_values(
        ["criteria_met", "jobs", "industry_code"],
        ascending=[False, False, True],
        na_position="last",
    ).reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    out.attrs = {**metrics.attrs, "thresholds": t}
    return out


def _at_least(values: pd.Series, threshold: float, inclusive: bool) -> pd.Series:
    """True/False where the value is known, NA where it is missing."""
    hit = values >= threshold if inclusive else values > threshold
    return hit.astype("boolean").mask(values.isna())


def _either(a: pd.Series, b: pd.Series) -> pd.Series:
    """Kleene OR: True if either is True, NA only if nothing is known to be True."""
    return a | b
