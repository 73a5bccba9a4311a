"""LMI charts as pure functions (metrics table -> Altair chart), plus offline SVG."""

from __future__ import annotations

import math
import textwrap

import altair as alt
import pandas as pd

from .labels import FONT_PX, LINE_PX, Bubble, place, short_lines
from .titles import OWNERSHIPS, level_noun, level_title

_TOOLTIP = [
    alt.Tooltip("industry_title:N", title="Industry"),
    alt.Tooltip("industry_code:N", title="NAICS"),
    alt.Tooltip("jobs:Q", title="Jobs", format=",.0f"),
    alt.Tooltip("avg_annual_pay:Q", title="Average annual pay", format="$,.0f"),
    alt.Tooltip("pay_ratio:Q", title="Pay vs region average", format=".2f"),
    alt.Tooltip("lq_state:Q", title="LQ vs state", format=".2f"),
    alt.Tooltip("lq_us:Q", title="LQ vs U.S.", format=".2f"),
    alt.Tooltip("jobs_change_pct:Q", title="Job change %", format="+.1f"),
]
LABELS = 8  # bubbles named on the chart: more do not fit legibly
_AREA_PX = (30, 2000)  # bubble areas (px²) from no jobs to the most jobs
_NAMED = 3  # industries a "Not drawn" line names before "and N more"
_SUBTITLE_CHARS = 95  # about the plot's width at Vega's 11 px subtitle font
_NOTHING_WIDTH = 560
# Industry titles beside bars: long ones (NAICS has 70-character titles) fit whole.
_BAR_LABELS = alt.Axis(labelLimit=440)
_ABOVE, _BELOW = "above the region's average", "at or below the region's average"
_LQ_TITLES = {
    "lq_us": "Location quotient vs U.S.",
    "lq_state": "Location quotient vs state",
}


def bubble_chart(
    metrics: pd.DataFrame,
    *,
    lq: str = "auto",
    source: str | None = None,
    width: int = 560,
    height: int = 380,
    labels: int = LABELS,
) -> alt.LayerChart | alt.Chart:
    """The classic sector bubble chart: x LQ, y job growth, size jobs, colour pay.

    ``lq`` is "lq_us", "lq_state" or "auto" (U.S. when the table has it). The
    ``labels`` industries with the most jobs get a name where there is room for it.
    """
    if lq == "auto":
        lq = "lq_us" if metrics["lq_us"].notna().any() else "lq_state"
    needed = {
        lq: _LQ_TITLES[lq].replace("L", "l", 1),
        "jobs_change_pct": "job change figure",
    }
    shown = metrics.dropna(subset=["jobs", *needed])
    text = f"{_noun(metrics).capitalize()} in {_region(metrics)}: concentration, growth and size"
    lines = _left_out(metrics, shown, needed)
    if shown.empty:
        return _nothing(text, metrics, source, lines)
    x = _domain(shown[lq], 1.0, width)
    y = _domain(shown["jobs_change_pct"], 0.0, height)
    most = float(shown["jobs"].max())
    bubbles = [
        Bubble(
            (v - x[0]) / (x[1] - x[0]) * width,
            (y[1] - g) / (y[1] - y[0]) * height,
            _radius(jobs, most),
        )
        for v, g, jobs in zip(
            shown[lq], shown["jobs_change_pct"], shown["jobs"], strict=True
        )
    ]
    order = list(shown["jobs"].reset_index(drop=True).nlargest(labels).index)
    texts = [short_lines(str(shown["industry_title"].iloc[i])) for i in order]
    boxes = place([bubbles[i] for i in order], texts, width, height, bubbles)
    named = [
        {
            "x": x[0] + box.left / width * (x[1] - x[0]),
            "y": y[1] - box.top / height * (y[1] - y[0]),
            "label": "\n".join(lines_),
        }
        for box, lines_ in zip(boxes, texts, strict=True)
        if box is not None
    ]
    if len(named) < len(shown):
        lines.append(
            f"Named on the chart: {len(named)} of the largest; every industry is in "
            "the table"
        )
    title = _title(text, metrics, source, lines)
    scale_x = alt.Scale(domain=list(x), nice=False, zero=False)
    scale_y = alt.Scale(domain=list(y), nice=False, zero=False)
    circles = (
        alt.Chart(_plain(shown), title=title)
        .mark_circle(opacity=0.75, stroke="#333", strokeWidth=0.5)
        .encode(
            x=alt.X(f"{lq}:Q", title=_LQ_TITLES[lq], scale=scale_x),
            y=alt.Y("jobs_change_pct:Q", title=_growth_title(metrics), scale=scale_y),
            size=alt.Size(
                "jobs:Q",
                title="Jobs",
                scale=alt.Scale(domain=[0, most], range=list(_AREA_PX)),
                legend=None,
            ),
            color=alt.Color(
                "pay_ratio:Q",
                title="Pay vs region average (1 = average)",
                scale=alt.Scale(scheme="redblue", domainMid=1),
                # Below the plot: a label can never run into it.
                legend=alt.Legend(
                    orient="bottom", direction="horizontal", titleLimit=400
                ),
            ),
            tooltip=_TOOLTIP,
        )
    )
    text_style = {
        "align": "left",
        "baseline": "top",
        "lineBreak": "\n",
        "fontSize": FONT_PX,
        "lineHeight": LINE_PX,
    }
    labelled = alt.Chart(pd.DataFrame(named, columns=["x", "y", "label"])).encode(
        x=alt.X("x:Q", scale=scale_x), y=alt.Y("y:Q", scale=scale_y), text="label:N"
    )
    # A white outline under each name keeps it readable over the bubbles.
    halo = labelled.mark_text(
        **text_style, stroke="white", strokeWidth=3, strokeJoin="round"
    )
    names = labelled.mark_text(**text_style)
    guide = {"color": "#666", "strokeDash": [4, 4]}
    lq_one = alt.Chart().mark_rule(**guide).encode(x=alt.datum(1))
    no_growth = alt.Chart().mark_rule(**guide).encode(y=alt.datum(0))
    return alt.layer(circles, lq_one, no_growth, halo, names).properties(
        width=width, height=height
    )


def _radius(jobs: float, most: float) -> float:
    """The drawn radius (px) of a bubble: its area is linear in jobs (see _AREA_PX)."""
    low, high = _AREA_PX
    return math.sqrt((low + (high - low) * jobs / most) / math.pi)


def _domain(values: pd.Series, guide: float, pixels: int) -> tuple[float, float]:
    """An axis range holding the values and the guide line, with room for the
    largest bubble at either end."""
    low = min(float(values.min()), guide)
    high = max(float(values.max()), guide)
    span = (high - low) or 1.0
    room = _radius(1, 1) + 4
    pad = span * room / (pixels - 2 * room)
    return low - pad, high + pad


def top_sectors_chart(
    metrics: pd.DataFrame, *, n: int = 10, source: str | None = None
) -> alt.Chart:
    """The ``n`` industries with the most jobs, largest first."""
    known = metrics.dropna(subset=["jobs"])
    text = f"Top {min(n, len(known))} {_noun(metrics)} by jobs in {_region(metrics)}"
    lines = _left_out(metrics, known, {})
    if known.empty:
        return _nothing(text, metrics, source, lines)
    return (
        alt.Chart(
            _plain(known.nlargest(n, "jobs")),
            title=_title(text, metrics, source, lines),
        )
        .mark_bar()
        .encode(
            x=alt.X(
                "jobs:Q", title="Jobs (annual average)", axis=alt.Axis(format=",.0f")
            ),
            y=alt.Y("industry_title:N", title=None, sort="-x", axis=_BAR_LABELS),
            tooltip=_TOOLTIP,
        )
    )


def pay_chart(
    metrics: pd.DataFrame, *, n: int | None = None, source: str | None = None
) -> alt.LayerChart | alt.Chart:
    """Average annual pay per industry against the region's all-industry average:
    every industry with a pay figure, or the ``n`` with the most jobs (the title
    then says how many more the table has)."""
    known = metrics.dropna(subset=["jobs", "avg_annual_pay"])
    text = f"Average annual pay by industry in {_region(metrics)}"
    lines = _left_out(metrics, known, {"avg_annual_pay": "pay figure"})
    average = metrics.attrs.get("avg_annual_pay")
    if average is not None and not pd.isna(average):
        lines.append(
            f"Dashed line: the region's average over all industries, ${average:,.0f}"
        )
    if known.empty:
        return _nothing(text, metrics, source, lines)
    if n is not None and len(known) > n:
        lines.append(
            f"Drawn: the {n} with the most jobs; {len(known) - n} smaller ones are "
            "in the table"
        )
        known = known.nlargest(n, "jobs")
    known = known.assign(
        compared=(known["pay_ratio"] > 1).map({True: _ABOVE, False: _BELOW})
    )
    bars = (
        alt.Chart(_plain(known), title=_title(text, metrics, source, lines))
        .mark_bar()
        .encode(
            x=alt.X(
                "avg_annual_pay:Q",
                title="Average annual pay",
                axis=alt.Axis(format="$,.0f"),
            ),
            y=alt.Y("industry_title:N", title=None, sort="-x", axis=_BAR_LABELS),
            color=alt.Color(
                "compared:N",
                title="Average pay",
                scale=alt.Scale(domain=[_ABOVE, _BELOW], range=["#2b6cb0", "#c05621"]),
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),
            tooltip=_TOOLTIP,
        )
    )
    if average is None or pd.isna(average):
        return alt.layer(bars)
    rule = (
        alt.Chart()
        .mark_rule(color="#333", strokeDash=[4, 4])
        .encode(x=alt.datum(float(average)))
    )
    return alt.layer(bars, rule)


def county_chart(
    breakdown: pd.DataFrame,
    *,
    industries: list[str] | None = None,
    n: int = 8,
    source: str | None = None,
) -> alt.Chart:
    """Jobs per county for the largest (or the given) industries, stacked."""
    totals = breakdown.groupby("industry_code")["jobs"].sum(min_count=1)
    picked = industries or list(totals.dropna().nlargest(n).index)
    rows = breakdown[breakdown["industry_code"].isin(picked)]
    shown = rows.dropna(subset=["jobs"])
    hidden = rows[rows["jobs"].isna()]
    cells = [
        f"{i} in {a}"
        for i, a in zip(hidden["industry_title"], hidden["area_title"], strict=True)
    ]
    lines = _named_lines("suppressed by BLS", cells)
    text = f"Jobs by county in {breakdown.attrs.get('region', 'the region')}"
    if shown.empty:
        return _nothing(text, breakdown, source, lines)
    return (
        alt.Chart(_plain(shown), title=_title(text, breakdown, source, lines))
        .mark_bar()
        .encode(
            x=alt.X("sum(jobs):Q", title="Jobs", axis=alt.Axis(format=",.0f")),
            y=alt.Y("industry_title:N", title=None, sort="-x", axis=_BAR_LABELS),
            color=alt.Color(
                "area_title:N",
                title="County",
                legend=alt.Legend(orient="bottom", columns=3),
            ),
            tooltip=[
                alt.Tooltip("area_title:N", title="County"),
                alt.Tooltip("industry_title:N", title="Industry"),
                alt.Tooltip("jobs:Q", title="Jobs", format=",.0f"),
            ],
        )
    )


def _left_out(
    table: pd.DataFrame, shown: pd.DataFrame, needed: dict[str, str]
) -> list[str]:
    """Subtitle lines naming the industries a chart does not draw, and why: BLS
    suppressed them, or a figure it plots (``needed``: column -> its name) is
    missing."""
    why: dict[str, list[str]] = {}
    for _i, row in table.drop(index=shown.index).iterrows():
        if pd.isna(row["jobs"]):
            reason = "suppressed by BLS" if row.get("suppressed", True) else "no data"
        else:
            missing = next(c for c in needed if pd.isna(row[c]))
            reason = f"no {needed[missing]}"
        why.setdefault(reason, []).append(str(row["industry_title"]))
    return [
        line for reason, names in why.items() for line in _named_lines(reason, names)
    ]


def _named_lines(reason: str, names: list[str]) -> list[str]:
    """ "Not drawn (reason): a; b; c and 4 more (see the table)", wrapped."""
    if not names:
        return []
    listed = "; ".join(names[:_NAMED])
    if len(names) > _NAMED:
        listed += f" and {len(names) - _NAMED} more (see the table)"
    return _wrap(f"Not drawn ({reason}): {listed}")


def _nothing(
    text: str, table: pd.DataFrame, source: str | None, lines: list[str]
) -> alt.Chart:
    """A chart with nothing to draw says so in words, never as empty axes."""
    said = [*lines, "Nothing to draw: no industry has the figures this chart needs."]
    return (
        alt.Chart(
            pd.DataFrame({"line": [said[-1]]}),
            title=_title(text, table, source, said[:-1]),
        )
        .mark_text(align="left", baseline="top", fontSize=13)
        .encode(x=alt.value(0), y=alt.value(0), text="line:N")
        .properties(width=_NOTHING_WIDTH, height=24)
    )


def _title(
    text: str,
    table: pd.DataFrame,
    source: str | None,
    lines: list[str],
) -> alt.TitleParams:
    attrs = table.attrs
    source = source or attrs.get("source") or "source not given"
    details = [f"{attrs['year']} annual averages"] if attrs.get("year") else []
    if attrs.get("level"):
        details.append(level_title(attrs["level"]))
    if attrs.get("ownership"):
        details.append(OWNERSHIPS.get(attrs["ownership"], attrs["ownership"]))
    head = [*_wrap(" · ".join(details)), *_wrap(f"Source: BLS QCEW, {source}")]
    return alt.TitleParams(text=text, subtitle=[*head, *lines], anchor="start")


def _wrap(line: str) -> list[str]:
    """Vega does not wrap subtitles: a long one would widen the chart past the page."""
    return textwrap.wrap(line, _SUBTITLE_CHARS) if line else []


def _noun(table: pd.DataFrame) -> str:
    """ "sectors", "subsectors"...: what the table's rows are."""
    return (
        level_noun(table.attrs["level"]) if table.attrs.get("level") else "industries"
    )


def _region(table: pd.DataFrame) -> str:
    return str(table.attrs.get("region") or "the region")


def _growth_title(table: pd.DataFrame) -> str:
    base = table.attrs.get("base_year")
    if base:
        return f"Job change {base}-{table.attrs.get('year')} (%)"
    return "Job change over the year (%)"


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Altair embeds the data; attrs (provenance) are not part of it."""
    frame = frame.copy()
    frame.attrs = {}
    return frame
