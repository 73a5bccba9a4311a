"""Charts on a page without internet: altair specs rendered to SVG in the kernel.

Altair's default renderer loads vega from a CDN, which shows nothing at a venue without
internet; vl-convert renders the same spec to SVG locally, and the browser needs no
JavaScript for it. Every chart of sectorwb goes through ``chart_widget``.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import ipywidgets as W
import pandas as pd

from .schema import Figure


def to_svg(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """Render offline with vl-convert (no CDN, no browser): an ``<svg>`` string
    (``chart`` may be the chart's spec already, as ``chart.to_dict()`` gives it)."""
    import vl_convert

    spec = chart if isinstance(chart, dict) else chart.to_dict()
    return vl_convert.vegalite_to_svg(spec, vl_version=_vl_version())


def _vl_version() -> str:
    """The Vega-Lite version altair writes, if vl-convert has it (else its newest)."""
    import vl_convert

    wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    known = vl_convert.get_vegalite_versions()
    return wanted if wanted in known else known[-1]


def to_png(chart: alt.TopLevelMixin, scale: float = 2) -> bytes:
    """The same rendering as a PNG image (for Word documents and picture downloads)."""
    import vl_convert

    return vl_convert.vegalite_to_png(
        chart.to_dict(), vl_version=_vl_version(), scale=scale
    )


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, read from the PNG header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def figure_html(chart: alt.TopLevelMixin, label: str, classes: str = "") -> str:
    """The chart as an accessible picture: inline SVG in a figure with role img,
    whose text alternative is ``label`` and what the chart's title and subtitle say.

    Vega gives its marks ARIA roles of their own ("graphics-symbol") without names;
    the figure speaks for the whole chart, so the drawing is hidden from screen
    readers instead of read mark by mark."""
    import html

    spec = chart.to_dict()
    text = html.escape(". ".join(dict.fromkeys([label, *_titles(spec)])))
    svg = to_svg(spec).replace("<svg", '<svg aria-hidden="true"', 1)
    return (
        f'<figure class="sectorwb-chart {classes}" role="img" aria-label="{text}">'
        f"{svg}</figure>"
    )


def _titles(spec: dict[str, Any]) -> list[str]:
    """The title and subtitle lines of a chart (of its first titled layer)."""
    layers = [spec, *spec.get("layer", [])]
    title = next((s["title"] for s in layers if s.get("title")), None)
    if isinstance(title, dict):
        parts = [title.get("text") or "", title.get("subtitle") or ""]
    else:
        parts = [title or ""]
    lines = [p for part in parts for p in ([part] if isinstance(part, str) else part)]
    return [" ".join(str(line).split()) for line in lines if str(line).strip()]


def chart_widget(chart: alt.TopLevelMixin, label: str) -> W.HTML:
    """The chart in an HTML widget (see ``figure_html``)."""
    return W.HTML(figure_html(chart, label))


def manual_figure(figure: Figure) -> alt.Chart:
    """Horizontal bars of the figures the manual prints, grouped as it groups them."""
    data = pd.DataFrame([b.model_dump() for b in figure.bars])
    title = alt.TitleParams(figure.title, subtitle=[figure.note] if figure.note else [])
    base = alt.Chart(data, title=title).encode(
        y=alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=420)),
        x=alt.X(
            "value:Q",
            title=figure.unit,
            scale=alt.Scale(domain=[0, 100]) if figure.unit == "%" else alt.Undefined,
        ),
        tooltip=["group:N", "label:N", "value:Q"],
    )
    bars = base.mark_bar().encode(
        color=alt.Color("group:N", title=None, legend=alt.Legend(orient="bottom"))
    )
    labels = base.mark_text(align="left", dx=3).encode(text="value:Q")
    return (bars + labels).properties(width=380)


def figure_widget(figure: Figure) -> W.HTML:
    return chart_widget(manual_figure(figure), figure.title)
