"""What every picture shares: reading the team's text, words, text limits, drawing."""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

Rows = list[dict[str, str]]
Record = dict[str, Any]  # one mark: pixel positions and the texts it shows

# The picture panel beside the discussion questions is about 680 px wide and scales
# wider SVGs down, text and all; Vega adds 5 px of padding on each side.
WIDTH = 670
FONT, HEAD_FONT = 11, 12  # labels, headings: legible at the panel's width
LINE = 14  # pixels from one line of wrapped text to the next

# Okabe-Ito colours: told apart with every common colour-vision deficiency.
BLUE, SKY, GREEN = "#0072B2", "#56B4E9", "#009E73"
ORANGE, RED, PURPLE = "#E69F00", "#D55E00", "#CC79A7"
GREY, PALE, INK, MUTED = "#999999", "#e4e4e4", "#222222", "#555555"
HEAD = {"fontSize": HEAD_FONT, "fontWeight": "bold"}
NOT_ANSWERED = "Not answered"


@dataclass(frozen=True)
class Drawing:
    """A picture of a table answer and what it shows, in words."""

    chart: alt.TopLevelMixin
    findings: list[str]
    empty: bool


# --- Reading the team's text ---------------------------------------------------------


def clean(text: Any) -> str:
    return " ".join(str(text).split()) if text is not None else ""


def key(text: Any) -> str:
    return clean(text).casefold()


def split(text: Any) -> list[str]:
    """The names in a cell: split on ";" and new lines, bullets dropped, no repeats."""
    names = Names()
    for part in re.split(r"[;\r\n]+", "" if text is None else str(text)):
        names.add(re.sub(r"^\s*[-*\u2022\u00b7\u2013]\s+", "", part))
    return names.shown()


def pick(text: Any, options: Sequence[str]) -> str:
    """The option a cell starts with as a word ("strong point" is Strong), or ""."""
    typed = key(text)
    return next(
        (o for o in options if re.match(rf"{re.escape(o.casefold())}\b", typed)), ""
    )


def merge(old: tuple[str, ...], new: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*old, *new)))


class Names:
    """Labels by matching key, in order of first appearance, shown as first spelled."""

    def __init__(self, first: Iterable[str] = ()):
        self._shown: dict[str, str] = {}
        for text in first:
            self.add(text)

    def add(self, text: Any) -> str:
        k = key(text)
        if k:
            self._shown.setdefault(k, clean(text))
        return k

    def __getitem__(self, k: str) -> str:
        return self._shown[k]

    def keys(self) -> list[str]:
        return list(self._shown)

    def shown(self, keys: Iterable[str] | None = None) -> list[str]:
        return [self._shown[k] for k in (self._shown if keys is None else keys)]


class Row:
    """One table row: cells trimmed on reading; ``names`` splits a list cell."""

    def __init__(self, raw: dict[str, Any]):
        self._raw = raw

    def __getitem__(self, column: str) -> str:
        return clean(self._raw.get(column))

    def names(self, column: str) -> list[str]:
        return split(self._raw.get(column))


def read(rows: Rows, *needed: str) -> Iterator[Row]:
    """The rows whose ``needed`` cells are filled in; blank and partial rows skipped."""
    for raw in rows:
        if isinstance(raw, dict):
            row = Row(raw)
            if all(row[c] for c in needed):
                yield row


# --- Words ---------------------------------------------------------------------------


def quoted(text: str) -> str:
    return f"\u201c{text}\u201d"


def count(n: float, one: str, many: str) -> str:
    return f"{n:g} {one if n == 1 else many}"


def listed(names: Sequence[str], limit: int = 6) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def capped(sentences: list[str], limit: int, rest: str) -> list[str]:
    """At most ``limit`` sentences; ``rest`` (with {n}) says how many were left out."""
    if len(sentences) <= limit:
        return sentences
    return sentences[:limit] + [rest.format(n=len(sentences) - limit)]


# --- Text limits ---------------------------------------------------------------------
# Labels are cut to the room they have: one line by the mark's ``limit`` (Vega measures
# the text and ends it with "…"), several lines by ``wrap``. The full text is always in
# the tooltip and the findings.


def text_px(text: str, size: int = FONT) -> float:
    """About how wide ``text`` is: an average letter is half the font size."""
    return 0.5 * size * len(text)


def wrap(text: str, px: float, lines: int | None = 2, size: int = FONT) -> str:
    """``text`` in at most ``lines`` lines about ``px`` wide, "…" where it is cut
    (``lines=None``: as many lines as it takes, never cut)."""
    chars = max(4, int(px / text_px("x", size)))
    parts = textwrap.wrap(
        text, chars, max_lines=lines, placeholder=" \u2026", break_long_words=False
    )
    return "\n".join(parts)


def centred(text: str, y: float) -> float:
    """Where the first line goes so the lines of ``text`` are centred on ``y``."""
    return y - text.count("\n") * LINE / 2


# --- Drawing in pixels ---------------------------------------------------------------


def pos(
    x: str = "x", y: str = "y", x2: str | None = None, y2: str | None = None
) -> dict[str, Any]:
    """Encodings placing marks at pixel positions computed here (no scale, no axis)."""
    enc: dict[str, Any] = {
        "x": alt.X(f"{x}:Q", scale=None, axis=None),
        "y": alt.Y(f"{y}:Q", scale=None, axis=None),
    }
    if x2:
        enc["x2"] = alt.X2(f"{x2}:Q")
    if y2:
        enc["y2"] = alt.Y2(f"{y2}:Q")
    return enc


def box(x: float, y: float, width: float, height: float, **fields: Any) -> Record:
    """A rectangle record, with its centre (cx, cy) for the text inside."""
    corners = {"x": x, "y": y, "x2": x + width, "y2": y + height}
    return corners | {"cx": x + width / 2, "cy": y + height / 2} | fields


def data(records: list[Record]) -> alt.Chart:
    return alt.Chart(pd.DataFrame(records))


def tips(**columns: str) -> list[alt.Tooltip]:
    """Tooltips with the full text of labels cut short on the picture."""
    return [alt.Tooltip(f"{name}:N", title=title) for name, title in columns.items()]


def rects(
    records: list[Record], tooltips: Sequence[alt.Tooltip] = (), **mark: Any
) -> alt.Chart:
    enc = pos(x2="x2", y2="y2") | {"tooltip": list(tooltips)}
    return data(records).mark_rect(**mark).encode(**enc)


def text(
    records: list[Record],
    tooltips: Sequence[alt.Tooltip] = (),
    at: tuple[str, str] = ("x", "y"),
    field: str = "text",
    **mark: Any,
) -> alt.Chart:
    """Labels: ``field`` at the fields ``at``; ``limit`` (px) cuts a long line."""
    style = {"fontSize": FONT, "color": INK, "baseline": "middle", "lineBreak": "\n"}
    style = style | {"lineHeight": LINE} | mark
    enc = pos(*at) | {"text": alt.Text(f"{field}:N"), "tooltip": list(tooltips)}
    return data(records).mark_text(**style).encode(**enc)


def points(
    records: list[Record],
    tooltips: Sequence[alt.Tooltip] = (),
    at: tuple[str, str] = ("x", "y"),
    size: float = 80,
    **channels: Any,
) -> alt.Chart:
    """Filled symbols at ``at``; ``channels`` encode their colour or shape."""
    mark = data(records).mark_point(filled=True, size=size, opacity=1)
    return mark.encode(**pos(*at), tooltip=list(tooltips), **channels)


def framed(
    records: list[Record],
    tooltips: Sequence[alt.Tooltip],
    field: str,
    at: tuple[str, str],
    limit: float,
) -> list[alt.Chart]:
    """Rounded boxes (``box`` records) with the heading ``field`` centred at ``at``."""
    style = {"cornerRadius": 6, "fill": "#eef3f8", "stroke": BLUE}
    return [
        rects(records, tooltips, **style),
        text(records, tooltips, at, field, align="center", limit=limit, **HEAD),
    ]


def by(
    channel: type,
    name: str,
    title: str | None,
    domain: Sequence[Any],
    values: Sequence[Any],
    **more: Any,
) -> Any:
    """A channel mapping the categories ``domain`` to ``values``, with its legend."""
    scale = alt.Scale(domain=list(domain), range=list(values))
    shown = None if title is None else legend(title, domain, **more)
    return channel(f"{name}:N", scale=scale, legend=shown)


def legend(title: str, labels: Sequence[str] = (), **more: Any) -> alt.Legend:
    """A legend on a line above the picture, its entries wrapped to fit the width."""
    entries = [text_px(str(label)) + 36 for label in labels]  # with symbol and gap
    room = WIDTH - text_px(title, HEAD_FONT) - 16
    columns = len(entries)
    # Entries line up in columns, each as wide as its widest entry.
    while columns > 1 and sum(max(entries[c::columns]) for c in range(columns)) > room:
        columns -= 1
    if columns < len(entries):
        more["columns"] = columns
    return alt.Legend(title=title, orient="top", direction="horizontal", **more)


def line_style(
    name: str, title: str, domain: Sequence[str], colours: Sequence[str], dashes: list
) -> tuple[Any, Any]:
    """Colour and dashes of lines by category, in one legend (for ``arrows``)."""
    return (
        by(alt.Color, name, title, domain, colours),
        by(alt.StrokeDash, name, title, domain, dashes),
    )


def arrow(x: float, y: float, x2: float, y2: float, **fields: Any) -> Record:
    """A line ending under an arrowhead at (x2, y2) that points along the line."""
    length = math.hypot(x2 - x, y2 - y) or 1.0
    ux, uy = (x2 - x) / length, (y2 - y) / length
    angle = round(math.degrees(math.atan2(ux, -uy)), 3)  # clockwise from pointing up
    ends = {"x": x, "y": y, "x2": x2, "y2": y2, "mx": (x + x2) / 2, "my": (y + y2) / 2}
    return ends | {"hx": x2 - 5 * ux, "hy": y2 - 5 * uy, "angle": angle} | fields


def arrows(
    records: list[Record],
    colour: Any,
    dash: Any = alt.Undefined,
    tooltips: Sequence[alt.Tooltip] = (),
    width: float = 2,
) -> list[alt.Chart]:
    """The lines and arrowheads of ``arrow`` records."""
    if not records:
        return []
    line = data(records).mark_rule(strokeWidth=width)
    head = data(records).mark_point(
        shape="triangle-up", filled=True, size=70, opacity=1
    )
    return [
        line.encode(
            **pos(x2="x2", y2="y2"),
            color=colour,
            strokeDash=dash,
            tooltip=list(tooltips),
        ),
        head.encode(
            **pos("hx", "hy"),
            angle=alt.Angle("angle:Q", scale=None),
            color=colour,
            tooltip=list(tooltips),
        ),
    ]


def canvas(
    layers: list[alt.Chart],
    width: float,
    height: float,
    title: str,
    subtitle: Sequence[str] = (),
    independent: Sequence[str] = (),
) -> alt.TopLevelMixin:
    """The layers on one canvas; ``independent`` channels get a legend per layer."""
    chart = alt.layer(*layers).properties(
        width=math.ceil(width), height=math.ceil(height)
    )
    if independent:
        chart = chart.resolve_scale(**dict.fromkeys(independent, "independent"))
    if title or subtitle:
        chart = chart.properties(
            title=alt.TitleParams(title, subtitle=list(subtitle), anchor="start")
        )
    # The page labels the picture with its findings; per-mark ARIA labels would read
    # out pixel positions and triple the size of the SVG.
    return (
        chart.configure_view(stroke=None)
        .configure_mark(aria=False)
        .configure_legend(
            # One legend under the other, each on one line with its title first: side
            # by side they would run wider than the panel. Vega-Lite's schema only
            # takes this Vega layout as an expression.
            layout=alt.ExprRef(
                expr="{top: {direction: 'vertical', margin: 6, offset: 16}}"
            ),
            titleOrient="left",
            labelLimit=WIDTH // 2,
            labelFontSize=FONT,
            titleFontSize=HEAD_FONT,
        )
    )


def empty(hint: str, title: str, findings: list[str] | None = None) -> Drawing:
    """A picture of words only (no axes): what to fill in to see the picture."""
    lines = wrap(hint, 500, lines=6, size=13)
    words = text(
        [{"x": 270, "y": 22, "text": lines}],
        fontSize=13,
        lineHeight=20,
        color=MUTED,
        align="center",
    )
    height = 24 + 20 * (lines.count("\n") + 1)
    return Drawing(canvas([words], 540, height, title), findings or [], True)
