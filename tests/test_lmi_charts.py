"""Tests for sectorwb.lmi.charts: chart specs via to_dict(), offline SVG."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sectorwb.figures import to_svg
from sectorwb.lmi import charts
from sectorwb.lmi.metrics import Region, county_breakdown

NAN = math.nan
SOURCE = "qcew_2023_annual_singlefile.csv (2023)"


@pytest.fixture
def metrics() -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "industry_code": ["62", "31-33", "52", "72", "54", "21"],
            "industry_title": [
                "Health care",
                "Manufacturing",
                "Finance",
                "Food services",
                "Professional services",
                "Mining",
            ],
            "jobs": [5_000.0, 3_000.0, 1_200.0, 2_500.0, NAN, NAN],
            "avg_annual_pay": [55_000.0, 61_000.0, 90_000.0, 21_000.0, NAN, NAN],
            "pay_ratio": [1.0, 1.1, 1.6, 0.4, NAN, NAN],
            "lq_state": [1.1, 1.7, 0.8, 1.0, NAN, NAN],
            "lq_us": [1.2, 1.9, 0.7, 0.9, NAN, NAN],
            "jobs_change_pct": [2.0, -1.5, 4.2, NAN, NAN, NAN],
        }
    )
    table.attrs.update(
        source=SOURCE,
        region="Three Counties",
        year=2023,
        level="sector",
        ownership="private",
        avg_annual_pay=56_000.0,
    )
    return table


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def subtitle(spec: dict) -> str:
    return " ".join(spec["title"]["subtitle"])


def test_bubble_chart_encodings_reference_lines_and_source(metrics):
    spec = charts.bubble_chart(metrics).to_dict()
    bubbles = layers(spec)[0]
    assert bubbles["mark"]["type"] == "circle"
    enc = bubbles["encoding"]
    assert enc["x"]["field"] == "lq_us"
    assert enc["y"]["field"] == "jobs_change_pct"
    assert enc["size"]["field"] == "jobs"
    assert enc["color"]["field"] == "pay_ratio"
    assert enc["color"]["scale"]["domainMid"] == 1
    assert {t["field"] for t in enc["tooltip"]} >= {
        "industry_title",
        "jobs",
        "pay_ratio",
    }
    rules = [layer for layer in layers(spec) if layer["mark"]["type"] == "rule"]
    assert {"x": {"datum": 1}} in [layer["encoding"] for layer in rules]
    assert {"y": {"datum": 0}} in [layer["encoding"] for layer in rules]
    title = bubbles["title"]
    assert "Three Counties" in title["text"]
    assert SOURCE in " ".join(title["subtitle"])
    # Food services (no growth), and two suppressed industries are left out.
    assert (
        "3 industries suppressed by BLS or without data, not shown" in title["subtitle"]
    )
    shown = next(iter(spec["datasets"].values()))
    assert {row["industry_code"] for row in shown} == {"62", "31-33", "52"}


def test_bubble_chart_falls_back_to_state_lq(metrics):
    metrics["lq_us"] = NAN
    spec = charts.bubble_chart(metrics).to_dict()
    assert layers(spec)[0]["encoding"]["x"]["field"] == "lq_state"
    spec = charts.bubble_chart(metrics, lq="lq_state", source="my.csv").to_dict()
    assert "my.csv" in subtitle(layers(spec)[0])


def test_top_sectors_chart(metrics):
    spec = charts.top_sectors_chart(metrics, n=3).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["field"] == "jobs"
    assert spec["encoding"]["y"]["sort"] == "-x"
    shown = next(iter(spec["datasets"].values()))
    assert [row["industry_code"] for row in shown] == ["62", "31-33", "72"]
    assert "2 industries suppressed" in subtitle(spec)
    assert SOURCE in subtitle(spec)


def test_pay_chart_marks_the_region_average(metrics):
    spec = charts.pay_chart(metrics).to_dict()
    bars, rule = spec["layer"]
    assert bars["encoding"]["x"]["field"] == "avg_annual_pay"
    assert bars["encoding"]["color"]["field"] == "compared"
    assert rule["mark"]["type"] == "rule"
    assert rule["encoding"]["x"]["datum"] == 56_000.0
    assert "2 industries suppressed" in subtitle(bars)


def test_county_chart_from_real_breakdown(tmp_path):
    from sectorwb.lmi.qcew import load_qcew

    shared = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "qcew"
    data = load_qcew(
        shared / "qcew_2017_annual_singlefile_DE_10xxx_all_rows.csv",
        cache_dir=tmp_path,
    )
    breakdown = county_breakdown(
        data,
        Region(("10001", "10003")),
        area_titles={"10001": "Kent", "10003": "New Castle"},
    )
    spec = charts.county_chart(breakdown, n=8).to_dict()
    assert spec["encoding"]["color"]["field"] == "area_title"
    assert spec["encoding"]["x"]["aggregate"] == "sum"
    shown = next(iter(spec["datasets"].values()))
    assert {row["area_title"] for row in shown} == {"Kent", "New Castle"}
    assert "qcew_2017_annual_singlefile_DE_10xxx_all_rows.csv (2017)" in subtitle(spec)
    assert "suppressed" in subtitle(spec)  # Kent's professional services are hidden


def test_charts_render_to_svg_offline(metrics):
    svg = to_svg(charts.bubble_chart(metrics))
    assert svg.lstrip().startswith("<svg")
    assert "Three Counties" in svg
