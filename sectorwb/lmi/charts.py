"""LMI charts as pure functions (metrics table -> Altair chart), plus offline SVG."""

from __future__ import annotations

import altair as alt
import pandas as pd

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
) -> alt.LayerChart:
    """The classic sector bubble chart: x LQ, y job growth, size jobs, colour pay.

    ``lq`` is "lq_us", "lq_state" or "auto" (U.S. when the table has it).
    """
    if lq == "auto":
        lq = "lq_us" if metrics["lq_us"].notna().any() else "lq_state"
    shown = metrics.dropna(subset=[lq, "jobs_change_pct", "jobs"])
    title = _title(
        f"Industries in {_region(metrics)}: concentration, growth and size",
        metrics,
        source,
        hidden=len(metrics) - len(shown),
    )
    base = alt.Chart(_plain(shown), title=title)
    bubbles = base.mark_circle(opacity=0.75, stroke="#333", strokeWidth=0.5).encode(
        x=alt.X(f"{lq}:Q", title=_LQ_TITLES[lq], scale=alt.Scale(zero=False)),
        y=alt.Y("jobs_change_pct:Q", title=_growth_title(metrics)),
        size=alt.Size(
            "jobs:Q", title="Jobs", scale=alt.Scale(range=[30, 2000]), legend=None
        ),
        color=alt.Color(
            "pay_ratio:Q",
            title="Pay vs average",
            scale=alt.Scale(scheme="redblue", domainMid=1),
        ),
        tooltip=_TOOLTIP,
    )
    labels = base.mark_text(align="left", dx=8, fontSize=10, limit=160).encode(
        x=f"{lq}:Q", y="jobs_change_pct:Q", text="industry_title:N"
    )
    guide = {"color": "#666", "strokeDash": [4, 4]}
    lq_one = alt.Chart().mark_rule(**guide).encode(x=alt.datum(1))
    no_growth = alt.Chart().mark_rule(**guide).encode(y=alt.datum(0))
    return alt.layer(bubbles, labels, lq_one, no_growth).properties(
        width=width, height=height
    )


def top_sectors_chart(
    metrics: pd.DataFrame, *, n: int = 10, source: str | None = None
) -> alt.Chart:
    """The ``n`` industries with the most jobs, largest first."""
    known = metrics.dropna(subset=["jobs"]).nlargest(n, "jobs")
    title = _title(
        f"Top {len(known)} industries by jobs in {_region(metrics)}",
        metrics,
        source,
        hidden=int(metrics["jobs"].isna().sum()),
    )
    return (
        alt.Chart(_plain(known), title=title)
        .mark_bar()
        .encode(
            x=alt.X(
                "jobs:Q", title="Jobs (annual average)", axis=alt.Axis(format=",.0f")
            ),
            y=alt.Y("industry_title:N", title=None, sort="-x"),
            tooltip=_TOOLTIP,
        )
    )


def pay_chart(
    metrics: pd.DataFrame, *, n: int | None = None, source: str | None = None
) -> alt.LayerChart:
    """Average annual pay per industry against the region's all-industry average."""
    known = metrics.dropna(subset=["avg_annual_pay"])
    if n is not None:
        known = known.nlargest(n, "jobs")
    known = known.assign(
        compared=(known["pay_ratio"] > 1).map({True: _ABOVE, False: _BELOW})
    )
    title = _title(
        f"Average annual pay by industry in {_region(metrics)}",
        metrics,
        source,
        hidden=len(metrics) - len(known) if n is None else None,
    )
    bars = (
        alt.Chart(_plain(known), title=title)
        .mark_bar()
        .encode(
            x=alt.X(
                "avg_annual_pay:Q",
                title="Average annual pay",
                axis=alt.Axis(format="$,.0f"),
            ),
            y=alt.Y("industry_title:N", title=None, sort="-x"),
            color=alt.Color(
                "compared:N",
                title="Average pay",
                scale=alt.Scale(domain=[_ABOVE, _BELOW], range=["#2b6cb0", "#c05621"]),
            ),
            tooltip=_TOOLTIP,
        )
    )
    average = metrics.attrs.get("avg_annual_pay")
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
    title = _title(
        f"Jobs by county in {breakdown.attrs.get('region', 'the region')}",
        breakdown,
        source,
        hidden=len(rows) - len(shown),
        unit=("county cell", "county cells"),
    )
    return (
        alt.Chart(_plain(shown), title=title)
        .mark_bar()
        .encode(
            x=alt.X("sum(jobs):Q", title="Jobs", axis=alt.Axis(format=",.0f")),
            y=alt.Y("industry_title:N", title=None, sort="-x"),
            color=alt.Color("area_title:N", title="County"),
            tooltip=[
                alt.Tooltip("area_title:N", title="County"),
                alt.Tooltip("industry_title:N", title="Industry"),
                alt.Tooltip("jobs:Q", title="Jobs", format=",.0f"),
            ],
        )
    )


def _title(
    text: str,
    table: pd.DataFrame,
    source: str | None,
    hidden: int | None,
    unit: tuple[str, str] = ("industry", "industries"),
) -> alt.TitleParams:
    attrs = table.attrs
    source = source or attrs.get("source") or "source not given"
    lines = [f"Source: BLS QCEW, {source}"]
    details = [f"{attrs['year']} data"] if attrs.get("year") else []
    if attrs.get("level"):
        details.append(f"{attrs['level']} level")
    if attrs.get("ownership"):
        details.append(f"{attrs['ownership']} ownership")
    if details:
        lines[0] += " | " + ", ".join(details)
    if hidden:
        what = unit[1] if hidden > 1 else unit[0]
        lines.append(f"{hidden} {what} suppressed by BLS or without data, not shown")
    return alt.TitleParams(text=text, subtitle=lines, anchor="start")


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
