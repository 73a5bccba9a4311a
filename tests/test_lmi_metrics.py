"""Tests for sectorwb.lmi.metrics, sectorwb.lmi.scoring and ``sectorwb lmi metrics``."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from sectorwb import cli
from sectorwb.errors import DataFileError
from sectorwb.lmi.layout import COLUMNS_38
from sectorwb.lmi.metrics import COLUMNS, Region, county_breakdown, region_metrics
from sectorwb.lmi.qcew import load_qcew
from sectorwb.lmi.scoring import Thresholds, score_sectors

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "qcew"
DE = SHARED / "qcew_2017_annual_singlefile_DE_10xxx_all_rows.csv"

# Hand-built rows: (area, own, industry, agglvl, jobs or "N", wages, bls_lq, oty_chg)
# Two made-up counties 99001 and 99003 in made-up state 99000, plus U.S. rows.
HAND_2023 = [
    ("US000", "0", "10", "10", 1_000_000, 60_000_000_000, 1.0, 20_000),
    ("US000", "5", "23", "14", 50_000, 3_000_000_000, 1.0, 2_000),
    ("US000", "5", "31-33", "14", 80_000, 5_600_000_000, 1.0, 0),
    ("US000", "5", "62", "14", 150_000, 9_000_000_000, 1.0, 5_000),
    ("US000", "3", "61", "14", 70_000, 4_200_000_000, 1.0, 0),
    ("US000", "5", "61", "14", 20_000, 900_000_000, 1.0, 0),
    ("99000", "0", "10", "50", 20_000, 1_100_000_000, 1.0, 300),
    ("99000", "5", "23", "54", 1_200, 66_000_000, 1.2, 30),
    ("99000", "5", "31-33", "54", 3_000, 180_000_000, 1.88, 0),
    ("99000", "5", "62", "54", 2_500, 150_000_000, 0.83, 40),
    ("99000", "3", "61", "54", 1_500, 80_000_000, 1.07, 0),
    ("99000", "5", "61", "54", 400, 20_000_000, 1.0, 0),
    ("99001", "0", "10", "70", 8_000, 400_000_000, 1.0, 100),
    ("99003", "0", "10", "70", 6_000, 360_000_000, 1.0, 50),
    ("99001", "5", "23", "74", 400, 22_000_000, 1.11, 20),
    ("99003", "5", "23", "74", 300, 19_500_000, 1.0, -10),
    ("99001", "5", "31-33", "74", 1_500, 90_000_000, 2.34, 15),
    ("99003", "5", "31-33", "74", "N", 0, 0.0, 0),
    ("99001", "5", "62", "74", 900, 50_000_000, 0.75, 30),
    ("99003", "5", "62", "74", 1_100, 66_000_000, 1.22, 20),
    ("99001", "3", "61", "74", 500, 26_000_000, 0.89, 0),
    ("99003", "3", "61", "74", "N", 0, 0.0, 0),
    ("99001", "5", "61", "74", 100, 4_000_000, 0.62, 0),
    ("99003", "5", "61", "74", 60, 2_000_000, 0.5, 0),
]
# The year before: only the rows growth and shift-share need.
HAND_2022 = [
    ("US000", "0", "10", "10", 980_000, 57_000_000_000, 1.0, 0),
    ("US000", "5", "23", "14", 48_000, 2_800_000_000, 1.0, 0),
    ("US000", "5", "62", "14", 145_000, 8_500_000_000, 1.0, 0),
    ("US000", "5", "31-33", "14", 80_000, 5_500_000_000, 1.0, 0),
    ("99000", "0", "10", "50", 19_700, 1_050_000_000, 1.0, 0),
    ("99001", "0", "10", "70", 7_900, 390_000_000, 1.0, 0),
    ("99003", "0", "10", "70", 5_950, 350_000_000, 1.0, 0),
    ("99001", "5", "23", "74", 380, 20_000_000, 1.1, 0),
    ("99003", "5", "23", "74", 310, 19_000_000, 1.0, 0),
    ("99001", "5", "62", "74", 870, 47_000_000, 0.75, 0),
    ("99003", "5", "62", "74", 1_080, 63_000_000, 1.2, 0),
    ("99001", "5", "31-33", "74", 1_485, 88_000_000, 2.3, 0),
    ("99003", "5", "31-33", "74", 700, 40_000_000, 1.1, 0),
]


def write_qcew(path: Path, year: int, rows: list[tuple]) -> Path:
    """The rows in BLS's 38-column layout; suppressed cells written as BLS does (0)."""
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS_38, quoting=csv.QUOTE_ALL)
        writer.writeheader()
        for area, own, industry, agglvl, jobs, wages, lq, chg in rows:
            hidden = jobs == "N"
            record = dict.fromkeys(COLUMNS_38, "0")
            record.update(
                area_fips=area,
                own_code=own,
                industry_code=industry,
                agglvl_code=agglvl,
                year=str(year),
                qtr="A",
                disclosure_code="N" if hidden else "",
                lq_disclosure_code="N" if hidden else "",
                oty_disclosure_code="N" if hidden else "",
                annual_avg_estabs="7",
                annual_avg_emplvl="0" if hidden else str(jobs),
                total_annual_wages=str(wages),
                lq_annual_avg_emplvl=f"{lq:.2f}",
                oty_annual_avg_emplvl_chg=str(chg),
                oty_annual_avg_emplvl_pct_chg="0.0"
                if hidden
                else f"{100 * chg / (jobs - chg):.1f}",
            )
            writer.writerow(record)
    return path


@pytest.fixture
def hand(tmp_path):
    return (
        write_qcew(tmp_path / "hand_2022.csv", 2022, HAND_2022),
        write_qcew(tmp_path / "hand_2023.csv", 2023, HAND_2023),
    )


def by_code(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("industry_code")


def test_two_counties_are_summed_then_rates_recomputed(hand, tmp_path):
    data = load_qcew(hand[1], cache_dir=tmp_path)
    table = region_metrics(data, Region(("99001", "99003")))
    assert list(table.columns) == COLUMNS
    row = by_code(table).loc["23"]
    assert row["jobs"] == 400 + 300
    assert row["establishments"] == 7 + 7
    assert row["avg_annual_pay"] == pytest.approx((22_000_000 + 19_500_000) / 700)
    region_pay = (400_000_000 + 360_000_000) / (8_000 + 6_000)
    assert row["pay_ratio"] == pytest.approx(row["avg_annual_pay"] / region_pay)
    assert row["jobs_share_pct"] == pytest.approx(100 * 700 / 14_000)
    assert row["lq_state"] == pytest.approx((700 / 14_000) / (1_200 / 20_000))
    assert row["lq_us"] == pytest.approx((700 / 14_000) / (50_000 / 1_000_000))
    # One year only: growth from BLS's over-the-year changes of both counties.
    assert row["jobs_change_pct"] == pytest.approx(100 * (20 - 10) / (700 - (20 - 10)))
    assert math.isnan(row["regional_shift"])
    assert table.attrs["avg_annual_pay"] == pytest.approx(region_pay)


def test_a_suppressed_county_makes_the_region_value_missing(hand, tmp_path):
    data = load_qcew(hand[1], cache_dir=tmp_path)
    row = by_code(region_metrics(data, Region(("99001", "99003")))).loc["31-33"]
    for column in ("jobs", "avg_annual_pay", "pay_ratio", "lq_state", "lq_us"):
        assert math.isnan(row[column]), column
    assert row["suppressed"]
    assert "99003" in row["flag"]
    assert row["establishments"] == 14  # counts are published even when suppressed


def test_all_ownerships_sum_and_name_the_suppressed_part(hand, tmp_path):
    data = load_qcew(hand[1], cache_dir=tmp_path)
    table = by_code(region_metrics(data, Region(("99001", "99003")), ownership="all"))
    assert math.isnan(table.loc["61", "jobs"])
    assert "99003 local government" in table.loc["61", "flag"]
    assert table.loc["62", "jobs"] == 900 + 1_100
    only_99001 = by_code(region_metrics(data, Region(("99001",)), ownership="all"))
    assert only_99001.loc["61", "jobs"] == 500 + 100
    assert only_99001.loc["61", "lq_state"] == pytest.approx(
        (600 / 8_000) / ((1_500 + 400) / 20_000)
    )


def test_single_area_uses_bls_lq_and_growth(hand, tmp_path):
    data = load_qcew(hand[1], cache_dir=tmp_path)
    row = by_code(region_metrics(data, Region(("99001",)))).loc["23"]
    assert row["lq_us"] == 1.11
    assert row["jobs_change_pct"] == round(100 * 20 / 380, 1)


def test_two_years_give_growth_and_shift_share(hand, tmp_path):
    data = load_qcew(list(hand), cache_dir=tmp_path)
    table = region_metrics(data, Region(("99001", "99003")), year=2023)
    assert table.attrs["base_year"] == 2022
    row = by_code(table).loc["23"]
    e0, e1 = 380 + 310, 400 + 300
    assert row["base_jobs"] == e0
    assert row["jobs_change_pct"] == pytest.approx(100 * (e1 - e0) / e0)
    us_growth = (1_000_000 - 980_000) / 980_000
    industry_growth = (50_000 - 48_000) / 48_000
    assert row["national_growth"] == pytest.approx(e0 * us_growth)
    assert row["industry_mix"] == pytest.approx(e0 * (industry_growth - us_growth))
    assert row["regional_shift"] == pytest.approx((e1 - e0) - e0 * industry_growth)
    parts = row[["national_growth", "industry_mix", "regional_shift"]].sum()
    assert parts == pytest.approx(e1 - e0)
    # Suppressed now: no growth; an industry new in the region: no percentage.
    assert math.isnan(by_code(table).loc["31-33", "jobs_change_pct"])


def test_industry_missing_in_the_base_year_counts_as_zero(hand, tmp_path):
    data = load_qcew(list(hand), cache_dir=tmp_path)
    row = by_code(region_metrics(data, Region(("99001",)))).loc["61"]
    assert row["base_jobs"] == 0
    assert math.isnan(row["jobs_change_pct"])  # from zero: undefined, never inf
    assert row["regional_shift"] == pytest.approx(100)


def test_an_msa_region_uses_msa_levels_and_a_given_state(hand, tmp_path):
    msa = [
        ("C9990", "0", "10", "40", 10_000, 500_000_000, 1.0, 0),
        ("C9990", "5", "23", "44", 500, 26_000_000, 1.0, 0),
    ]
    msa_file = write_qcew(tmp_path / "msa_2023.csv", 2023, msa)
    data = load_qcew([hand[1], msa_file], cache_dir=tmp_path)
    with_state = region_metrics(data, Region(("C9990",), state="99000"))
    row = by_code(with_state).loc["23"]
    assert row["jobs"] == 500
    assert row["lq_state"] == pytest.approx((500 / 10_000) / (1_200 / 20_000))
    alone = region_metrics(data, Region(("C9990",)))
    assert alone["lq_state"].isna().all()
    assert any("no reference state" in note for note in alone.attrs["notes"])


def test_region_errors_name_the_file_and_the_fix(hand, tmp_path):
    data = load_qcew(hand[1], cache_dir=tmp_path)
    with pytest.raises(DataFileError, match=r"99005 is not in hand_2023.csv.*99001"):
        region_metrics(data, Region(("99001", "99005")))
    with pytest.raises(DataFileError, match=r"hand_2023.csv: no rows for .*2019"):
        region_metrics(data, Region(("99001",)), year=2019)
    with pytest.raises(DataFileError, match="not a county"):
        region_metrics(data, Region(("99001", "99999")))
    with pytest.raises(DataFileError, match="not a mix"):
        region_metrics(data, Region(("99001", "99000")))
    with pytest.raises(DataFileError, match="Unknown level"):
        region_metrics(data, Region(("99001",)), level="7")


# --- the real Delaware file ----------------------------------------------------------


def raw_de() -> list[dict[str, str]]:
    with DE.open(newline="") as f:
        return list(csv.DictReader(f))


def test_lq_state_matches_a_hand_computation_from_raw_rows(tmp_path):
    raws = raw_de()

    def jobs(area, agglvl, own, industry):
        (row,) = [
            r
            for r in raws
            if (r["area_fips"], r["agglvl_code"], r["own_code"], r["industry_code"])
            == (area, agglvl, own, industry)
        ]
        return (
            None if row["disclosure_code"] == "N" else float(row["annual_avg_emplvl"])
        )

    county_total = jobs("10001", "70", "0", "10")
    state_total = jobs("10000", "50", "0", "10")
    table = by_code(
        region_metrics(load_qcew(DE, cache_dir=tmp_path), Region(("10001",)))
    )
    checked = 0
    for code, row in table.iterrows():
        county, state = jobs("10001", "74", "5", code), jobs("10000", "54", "5", code)
        if county is None or state is None:
            assert math.isnan(row["lq_state"])
            continue
        expected = (county / county_total) / (state / state_total)
        assert row["lq_state"] == pytest.approx(expected)
        checked += 1
    assert checked >= 10


def test_multi_county_growth_from_bls_changes(tmp_path):
    raws = [
        r
        for r in raw_de()
        if r["agglvl_code"] == "74"
        and r["own_code"] == "5"
        and r["industry_code"] == "62"
    ]
    parts = [r for r in raws if r["area_fips"] in ("10001", "10003")]
    jobs = sum(float(r["annual_avg_emplvl"]) for r in parts)
    change = sum(float(r["oty_annual_avg_emplvl_chg"]) for r in parts)
    table = by_code(
        region_metrics(load_qcew(DE, cache_dir=tmp_path), Region(("10001", "10003")))
    )
    assert table.loc["62", "jobs"] == jobs
    assert table.loc["62", "jobs_change_pct"] == pytest.approx(
        100 * change / (jobs - change)
    )


def test_county_breakdown_lists_each_county(tmp_path):
    data = load_qcew(DE, cache_dir=tmp_path)
    table = county_breakdown(data, Region(("10001", "10003")))
    assert set(table["area_fips"]) == {"10001", "10003"}
    kent = table[(table["area_fips"] == "10001") & (table["industry_code"] == "31-33")]
    assert kent["suppressed"].item() and math.isnan(kent["jobs"].item())


def test_cli_metrics_writes_the_required_columns(tmp_path, capsys):
    out = tmp_path / "metrics.csv"
    argv = ["lmi", "metrics", "--qcew", str(DE), "--area", "10001,10003"]
    argv += ["--out", str(out), "--cache-dir", str(tmp_path / "cache")]
    assert cli.main(argv) == 0
    assert "wrote" in capsys.readouterr().out
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    required = (
        "industry_code industry_title establishments jobs avg_annual_pay pay_ratio "
        "lq_state lq_us jobs_change_pct"
    ).split()
    assert set(required) <= set(rows[0])
    by = {r["industry_code"]: r for r in rows}
    raw = {
        (r["area_fips"], r["industry_code"]): r
        for r in raw_de()
        if r["agglvl_code"] == "74" and r["own_code"] == "5"
    }
    health = sum(int(raw[(a, "62")]["annual_avg_emplvl"]) for a in ("10001", "10003"))
    assert by["62"]["jobs"] == str(health)
    assert by["62"]["industry_title"] == "Health care and social assistance"
    assert by["31-33"]["jobs"] == "" and by["31-33"]["avg_annual_pay"] == ""
    assert by["31-33"]["suppressed"] == "yes"
    assert all(r["lq_us"] == "" for r in rows)  # no U.S. rows in the file


def test_cli_metrics_errors_are_clean(tmp_path, capsys):
    argv = ["lmi", "metrics", "--qcew", str(DE), "--area", "10007"]
    assert cli.main([*argv, "--out", str(tmp_path / "x.csv"), "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert "10007" in err and DE.name in err and "Traceback" not in err


# --- scoring -------------------------------------------------------------------------


def scored_input() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "industry_code": ["A", "B", "C", "D"],
            "industry_title": ["a", "b", "c", "d"],
            "jobs": [5_000, 300, 1_200, float("nan")],
            "jobs_share_pct": [25.0, 1.5, 6.0, float("nan")],
            "avg_annual_pay": [40_000, 90_000, 70_000, float("nan")],
            "pay_ratio": [0.8, 1.8, 1.4, float("nan")],
            "lq_state": [0.9, 1.6, 1.2, float("nan")],
            "lq_us": [float("nan"), 0.7, 1.1, float("nan")],
            "jobs_change_pct": [1.0, -2.0, 4.0, float("nan")],
        }
    )


def test_scoring_ranks_by_criteria_met():
    table = score_sectors(scored_input())
    assert table["industry_code"].tolist() == ["C", "B", "A", "D"]
    c = table.iloc[0]
    assert (c["many_jobs"], c["high_pay"], c["concentrated"], c["criteria_met"]) == (
        True,
        True,
        True,
        3,
    )
    b = table.iloc[1]
    assert not b["many_jobs"] and b["high_pay"] and b["concentrated"]
    a = table.iloc[2]
    assert a["many_jobs"] and not a["high_pay"] and pd.isna(a["concentrated"])
    d = table.iloc[3]
    assert pd.isna(d["many_jobs"]) and d["criteria_met"] == 0 and not d["candidate"]
    assert table["rank"].tolist() == [1, 2, 3, 4]


def test_scoring_thresholds_can_be_changed():
    strict = Thresholds(min_jobs_share_pct=10, min_pay_ratio=1.5, min_lq=1.5)
    table = score_sectors(scored_input(), strict).set_index("industry_code")
    assert table.loc["C", "criteria_met"] == 0
    assert (
        table.loc["B", "criteria"]
        == "higher-than-average wages; more concentrated than state or nation"
    )
    growth = score_sectors(scored_input(), Thresholds(min_growth_pct=2.0))
    assert growth.set_index("industry_code").loc["C", "growing"]
    assert growth.set_index("industry_code").loc["C", "criteria_met"] == 4
