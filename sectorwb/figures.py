"""Charts on a page without internet: altair specs rendered to SVG in the kernel.

Altair's default renderer loads vega from a CDN, which shows nothing at a venue without
internet; vl-convert renders the same spec to SVG locally, and the browser needs no
JavaScript for it. Every chart of sectorwb goes through ``chart_widget``.
"""

from __future__ import annotations

import altair as alt
import ipywidgets as W
import pandas as pd

from .schema import Figure


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render offline with vl-convert (no CDN, no browser): an ``<svg>`` string."""
    import vl_convert

    return vl_convert.vegalite_to_svg(chart.to_dict(), vl_version=_vl_version())


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
    labelled for screen readers."""
    import html

    return (
        f'<figure class="sectorwb-chart {classes}" role="img" '
        f'aria-label="{html.escape(label)}">{to_svg(chart)}</figure>'
    )


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
