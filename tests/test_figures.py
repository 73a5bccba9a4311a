"""Charts drawn offline for a page: the figure is the chart's text alternative (its
label, title and subtitle), and the drawing inside is hidden from screen readers."""

from __future__ import annotations

import html
import re

import altair as alt
import pandas as pd

from sectorwb import figures


def _label(figure: str) -> str:
    return html.unescape(re.search(r'<figure [^>]*aria-label="([^"]*)"', figure)[1])


def test_a_layered_chart_is_described_by_its_label_title_and_subtitle() -> None:
    data = pd.DataFrame({"sector": ["Health <care> & aid", "Retail"], "jobs": [5, 3]})
    title = alt.TitleParams("Top sectors", subtitle=["Source: demo", "1 not shown"])
    bars = alt.Chart(data, title=title).mark_bar().encode(x="jobs:Q", y="sector:N")
    rule = alt.Chart().mark_rule().encode(x=alt.datum(4))  # as Step 2 layers its marks
    figure = figures.figure_html(alt.layer(bars, rule), 'Jobs "by" sector')
    assert _label(figure) == 'Jobs "by" sector. Top sectors. Source: demo. 1 not shown'
    assert 'role="img"' in figure
    svg = figure[figure.index("<svg") :]
    assert svg.startswith(
        '<svg aria-hidden="true"'
    )  # the marks are not read one by one
    assert "Health &lt;care&gt; &amp; aid" in svg  # the drawing is still there


def test_a_label_that_is_the_title_is_said_once() -> None:
    chart = alt.Chart(pd.DataFrame({"x": [1]}), title="Jobs").mark_bar().encode(x="x:Q")
    assert _label(figures.figure_html(chart, "Jobs")) == "Jobs"
