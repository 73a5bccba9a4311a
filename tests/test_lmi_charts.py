"""Tests for sectorwb.lmi.charts: chart specs via to_dict(), offline SVG."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sectorwb.figures import to_svg
from sectorwb.lmi import charts, labels
from sectorwb.lmi.metrics import Region, county_breakdown, region_metrics
from sectorwb.lmi.qcew import load_qcew

NAN = math.nan
SOURCE = "qcew_2023_annual_singlefile.csv (2023)"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "qcew"
DE = SHARED / "qcew_2017_annual_singlefile_DE_10xxx_all_rows.csv"
DELAWARE = Region(("10001", "10003", "10005"), state="10000", name="Delaware")


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


@pytest.fixture(scope="module")
def delaware(tmp_path_factory) -> object:
    """The real BLS sample (read where it is; the parquet cache goes to a tmp dir)."""
    return load_qcew(DE, cache_dir=tmp_path_factory.mktemp("cache"))


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def rows_of(spec: dict, layer: dict) -> list[dict]:
    return spec["datasets"][layer["data"]["name"]]


def label_boxes(spec: dict) -> list[labels.Box]:
    """The drawn names as pixel boxes, from the spec's own scales and size."""
    circles, *_rest, names = layers(spec)
    (x0, x1), (y0, y1) = (circles["encoding"][c]["scale"]["domain"] for c in "xy")
    width, height = spec["width"], spec["height"]
    return [
        labels.text_box(
            row["label"].split("\n"),
            (row["x"] - x0) / (x1 - x0) * width,
            (y1 - row["y"]) / (y1 - y0) * height,
        )
        for row in rows_of(spec, names)
    ]


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
    assert enc["color"]["legend"]["orient"] == "bottom"  # never under a name
    rules = [layer for layer in layers(spec) if layer["mark"]["type"] == "rule"]
    assert {"x": {"datum": 1}} in [layer["encoding"] for layer in rules]
    assert {"y": {"datum": 0}} in [layer["encoding"] for layer in rules]
    title = bubbles["title"]
    assert "Three Counties" in title["text"]
    assert SOURCE in " ".join(title["subtitle"])
    # Food services (no growth), and two suppressed industries are left out, by name.
    assert "Not drawn (no job change figure): Food services" in title["subtitle"]
    assert (
        "Not drawn (suppressed by BLS): Professional services; Mining"
        in title["subtitle"]
    )
    shown = rows_of(spec, bubbles)
    assert {row["industry_code"] for row in shown} == {"62", "31-33", "52"}
    names = layers(spec)[-1]
    assert names["mark"]["type"] == "text"
    assert {r["label"] for r in rows_of(spec, names)} == {
        "Health care",
        "Manufacturing",
        "Finance",
    }


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
    shown = rows_of(spec, spec)
    assert [row["industry_code"] for row in shown] == ["62", "31-33", "72"]
    assert (
        "Not drawn (suppressed by BLS): Professional services; Mining"
        in (spec["title"]["subtitle"])
    )
    assert SOURCE in subtitle(spec)


def test_pay_chart_marks_the_region_average(metrics):
    spec = charts.pay_chart(metrics).to_dict()
    bars, rule = spec["layer"]
    assert bars["encoding"]["x"]["field"] == "avg_annual_pay"
    assert bars["encoding"]["color"]["field"] == "compared"
    assert rule["mark"]["type"] == "rule"
    assert rule["encoding"]["x"]["datum"] == 56_000.0
    assert (
        "Dashed line: the region's average over all industries, $56,000"
        in bars["title"]["subtitle"]
    )
    assert (
        "Not drawn (suppressed by BLS): Professional services; Mining"
        in (bars["title"]["subtitle"])
    )


def test_county_chart_from_real_breakdown(tmp_path):
    data = load_qcew(DE, cache_dir=tmp_path)
    breakdown = county_breakdown(
        data,
        Region(("10001", "10003")),
        area_titles={"10001": "Kent", "10003": "New Castle"},
    )
    spec = charts.county_chart(breakdown, n=8).to_dict()
    assert spec["encoding"]["color"]["field"] == "area_title"
    assert spec["encoding"]["x"]["aggregate"] == "sum"
    shown = rows_of(spec, spec)
    assert {row["area_title"] for row in shown} == {"Kent", "New Castle"}
    assert "qcew_2017_annual_singlefile_DE_10xxx_all_rows.csv (2017)" in subtitle(spec)
    # Kent's professional services are hidden, and the title says so
    assert (
        "Not drawn (suppressed by BLS): Professional, scientific, and technical "
        "services in Kent" in subtitle(spec)
    )


def test_charts_render_to_svg_offline(metrics):
    svg = to_svg(charts.bubble_chart(metrics))
    assert svg.lstrip().startswith("<svg")
    assert "Three Counties" in svg


def test_subtitles_name_the_level_and_ownership_in_words(metrics):
    for level, words in [
        ("sector", "Sectors (NAICS 2-digit)"),
        ("3", "Subsectors (NAICS 3-digit)"),
        ("4", "Industry groups (NAICS 4-digit)"),
    ]:
        metrics.attrs["level"] = level
        title = charts.top_sectors_chart(metrics).to_dict()["title"]
        assert (
            title["subtitle"][0]
            == f"2023 annual averages · {words} · Private employers"
        )
        assert title["text"].startswith(f"Top 4 {words.split(' (')[0].lower()} by jobs")
    metrics.attrs["ownership"] = "all"
    spec = charts.top_sectors_chart(metrics).to_dict()
    assert "All employers (private and government)" in subtitle(spec)
    assert " level" not in subtitle(spec)


def test_pay_chart_draws_every_sector_even_the_best_paid_small_ones(delaware):
    table = region_metrics(delaware, DELAWARE, level="sector")
    spec = charts.pay_chart(table).to_dict()
    bars = spec["layer"][0]
    drawn = {r["industry_title"] for r in rows_of(spec, bars)}
    with_pay = set(table.dropna(subset=["avg_annual_pay"])["industry_title"])
    assert drawn == with_pay and len(drawn) == 14
    assert "Utilities" in drawn  # the best paid, with the fewest jobs
    # The five BLS suppressed are named (three, then how many more).
    assert (
        "Not drawn (suppressed by BLS): Agriculture, forestry, fishing and hunting;"
        in subtitle(bars)
    )
    assert "and 2 more (see the table)" in subtitle(bars)


def test_pay_chart_of_many_industries_says_how_many_are_left_to_the_table(delaware):
    table = region_metrics(delaware, DELAWARE, level="3")
    with_pay = table.dropna(subset=["avg_annual_pay"])
    spec = charts.pay_chart(table, n=20).to_dict()
    bars = spec["layer"][0]
    assert len(rows_of(spec, bars)) == 20
    assert (
        f"Drawn: the 20 with the most jobs; {len(with_pay) - 20} smaller ones are "
        "in the table" in subtitle(bars)
    )


@pytest.mark.parametrize("level", ["sector", "3", "4"])
def test_bubble_names_are_few_inside_the_plot_and_never_overlap(delaware, level):
    table = region_metrics(delaware, DELAWARE, level=level)
    spec = charts.bubble_chart(table).to_dict()
    boxes = label_boxes(spec)
    assert 3 <= len(boxes) <= charts.LABELS
    for i, box in enumerate(boxes):
        assert box.inside(spec["width"], spec["height"]), box
        assert not any(box.overlaps(other) for other in boxes[i + 1 :]), box
    circles = layers(spec)[0]
    assert circles["encoding"]["x"]["field"] == "lq_state"  # the sample has no U.S.
    drawn = len(rows_of(spec, circles))
    if drawn > len(boxes):
        assert f"Named on the chart: {len(boxes)} of the largest" in subtitle(circles)


def test_label_placement_gives_way_instead_of_overlapping():
    # Two bubbles at one spot: the second name goes to another side, and a third
    # with no free side is left out.
    bubbles = [labels.Bubble(100, 100, 10)] * 3
    texts = [["A long industry name"], ["Another long name"], ["Third name here"]]
    boxes = labels.place(bubbles, texts, 400, 300, bubbles)
    placed = [b for b in boxes if b is not None]
    assert len(placed) >= 2
    for i, box in enumerate(placed):
        assert not any(box.overlaps(o) for o in placed[i + 1 :])
    crowded = labels.place(bubbles * 4, texts * 4, 400, 300)
    assert None in crowded


def test_long_titles_become_two_short_lines():
    lines = labels.short_lines(
        "Administrative and support and waste management and remediation services"
    )
    assert len(lines) == 2 and all(len(line) <= labels.LINE_CHARS for line in lines)
    assert lines[-1].endswith("…")
    assert labels.short_lines("Utilities") == ["Utilities"]


def test_a_level_without_rows_draws_words_not_empty_axes(metrics):
    empty = metrics.iloc[0:0]
    for chart in (
        charts.bubble_chart(empty),
        charts.top_sectors_chart(empty),
        charts.pay_chart(empty),
    ):
        spec = chart.to_dict()
        assert spec["mark"]["type"] == "text"
        svg = to_svg(chart)
        assert "Nothing to draw" in svg
        assert "NaN" not in svg
