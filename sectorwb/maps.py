"""Pictures of a team's table answers: journey map, many tables, many knocks, ...

Each kind is a pure function from the rows of a table answer to a :class:`Drawing`: an
Altair chart that renders offline (every mark placed at pixel positions computed here,
so nothing is random) and plain sentences saying what it shows. The definitions:

* **Same label**: equal after trimming, collapsing whitespace and ignoring case; the
  picture shows the first spelling seen. A cell naming several businesses is split on
  ";" and new lines, never on commas ("Acme, Inc." is one business).
* **Redundancy** (journey map): the same step at the same stage in 2+ programs.
* **Gap** (journey map): a stage of the map (the worksheet's stages in their order,
  then any other stage typed) at which a program has no step.
* **Overlap** (many tables): two tables that share a business, have the same purpose,
  or bring together the same type of business.
* **Employer fatigue** (many knocks): a business or sector knocked on by
  ``FATIGUE_AT`` (3) or more distinct organizations; 2 are flagged too. Knocks a year
  come from "How often" through ``PER_YEAR``; blank or unknown counts once a year.
* **Shared connection**: a business or table connected to 2+ organizations.
* **Break** (information flow): a hop whose message does not get through ("No"). A
  hop is written "from › to" (or "->", ">").
* **Loop** (career pathway): after a stage with an exit to a job, a person may come
  back for more credentials at the next stage.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

__all__ = ["FATIGUE_AT", "KINDS", "PER_YEAR", "TOP_TARGETS", "Drawing", "Rows", "draw"]

Rows = list[dict[str, str]]
Record = dict[str, Any]  # one mark: pixel positions and the texts it shows

PER_YEAR: dict[str, float] = {
    "Weekly": 52,
    "Monthly": 12,
    "Quarterly": 4,
    "Twice a year": 2,
    "Yearly": 1,
    "Once": 1,
}
FATIGUE_AT = 3  # distinct organizations knocking on one business
TOP_TARGETS = 40  # bars in the knocks picture; one line sums up the rest

# Okabe-Ito colours: told apart with every common colour-vision deficiency.
_BLUE, _SKY, _GREEN = "#0072B2", "#56B4E9", "#009E73"
_ORANGE, _RED, _PURPLE = "#E69F00", "#D55E00", "#CC79A7"
_GREY, _PALE, _INK, _MUTED = "#999999", "#e4e4e4", "#222222", "#555555"
_BOX = {"cornerRadius": 6, "fill": "#eef3f8", "stroke": _BLUE}
_FONT, _HEAD_FONT = 10, 11  # as the LMI charts: 10 for labels, 11 for headings
_HEAD = {"fontSize": _HEAD_FONT, "fontWeight": "bold"}
_NOT_ANSWERED = "Not answered"


@dataclass(frozen=True)
class Drawing:
    """A picture of a table answer and what it shows, in words."""

    chart: alt.TopLevelMixin
    findings: list[str]
    empty: bool


def draw(
    kind: str, rows: Rows, known: dict[str, list[str]] | None = None, title: str = ""
) -> Drawing:
    """Draw ``rows`` (one dict per table row) as the picture ``kind``.

    ``known`` maps a column to the values the worksheet lists for it, in order.
    """
    if kind not in KINDS:
        raise ValueError(
            f"Unknown picture kind {kind!r}: use one of {', '.join(KINDS)}."
        )
    return KINDS[kind](list(rows or []), dict(known or {}), title)


# --- Reading the team's text ---------------------------------------------------------


def _clean(text: Any) -> str:
    return " ".join(str(text).split()) if text is not None else ""


def _key(text: Any) -> str:
    return _clean(text).casefold()


def _split(text: Any) -> list[str]:
    """The names in a cell: split on ";" and new lines, bullets dropped, no repeats."""
    names = _Names()
    for part in re.split(r"[;\r\n]+", "" if text is None else str(text)):
        names.add(re.sub(r"^\s*[-*\u2022\u00b7\u2013]\s+", "", part))
    return names.shown()


def _pick(text: Any, options: Sequence[str]) -> str:
    """The option a cell starts with as a word ("strong point" is Strong), or ""."""
    key = _key(text)
    return next(
        (o for o in options if re.match(rf"{re.escape(o.casefold())}\b", key)), ""
    )


def _merge(old: tuple[str, ...], new: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*old, *new)))


class _Names:
    """Labels by matching key, in order of first appearance, shown as first spelled."""

    def __init__(self, first: Iterable[str] = ()):
        self._shown: dict[str, str] = {}
        for text in first:
            self.add(text)

    def add(self, text: Any) -> str:
        key = _key(text)
        if key:
            self._shown.setdefault(key, _clean(text))
        return key

    def __getitem__(self, key: str) -> str:
        return self._shown[key]

    def keys(self) -> list[str]:
        return list(self._shown)

    def shown(self, keys: Iterable[str] | None = None) -> list[str]:
        return [self._shown[k] for k in (self._shown if keys is None else keys)]


class _Row:
    """One table row: cells trimmed on reading; ``names`` splits a list cell."""

    def __init__(self, raw: dict[str, Any]):
        self._raw = raw

    def __getitem__(self, column: str) -> str:
        return _clean(self._raw.get(column))

    def names(self, column: str) -> list[str]:
        return _split(self._raw.get(column))


def _rows(rows: Rows, *needed: str) -> Iterator[_Row]:
    """The rows whose ``needed`` cells are filled in; blank and partial rows skipped."""
    for raw in rows:
        if isinstance(raw, dict):
            row = _Row(raw)
            if all(row[c] for c in needed):
                yield row


# --- Words ---------------------------------------------------------------------------


def _q(text: str) -> str:
    return f"\u201c{text}\u201d"


def _count(n: float, one: str, many: str) -> str:
    return f"{n:g} {one if n == 1 else many}"


def _list(names: Sequence[str], limit: int = 6) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def _capped(sentences: list[str], limit: int, rest: str) -> list[str]:
    """At most ``limit`` sentences; ``rest`` (with {n}) says how many were left out."""
    if len(sentences) <= limit:
        return sentences
    return sentences[:limit] + [rest.format(n=len(sentences) - limit)]


# --- Drawing in pixels ---------------------------------------------------------------


def _pos(
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


def _box(x: float, y: float, width: float, height: float, **fields: Any) -> Record:
    """A rectangle record, with its centre (cx, cy) for the text inside."""
    corners = {"x": x, "y": y, "x2": x + width, "y2": y + height}
    return corners | {"cx": x + width / 2, "cy": y + height / 2} | fields


def _data(records: list[Record]) -> alt.Chart:
    return alt.Chart(pd.DataFrame(records))


def _tips(**columns: str) -> list[alt.Tooltip]:
    """Tooltips with the full text of labels cut short on the picture."""
    return [alt.Tooltip(f"{name}:N", title=title) for name, title in columns.items()]


def _rects(
    records: list[Record], tips: Sequence[alt.Tooltip] = (), **mark: Any
) -> alt.Chart:
    enc = _pos(x2="x2", y2="y2") | {"tooltip": list(tips)}
    return _data(records).mark_rect(**mark).encode(**enc)


def _text(
    records: list[Record],
    tips: Sequence[alt.Tooltip] = (),
    at: tuple[str, str] = ("x", "y"),
    text: str = "text",
    **mark: Any,
) -> alt.Chart:
    """Labels: the field ``text`` at the fields ``at``; ``limit`` cuts long ones."""
    style = {"fontSize": _FONT, "color": _INK, "baseline": "middle"} | mark
    enc = _pos(*at) | {"text": alt.Text(f"{text}:N"), "tooltip": list(tips)}
    return _data(records).mark_text(**style).encode(**enc)


def _by(
    channel: type,
    name: str,
    title: str | None,
    domain: Sequence[Any],
    values: Sequence[Any],
    **legend: Any,
) -> Any:
    """A channel mapping the categories ``domain`` to ``values``, with its legend."""
    scale = alt.Scale(domain=list(domain), range=list(values))
    shown = None if title is None else _legend(title, **legend)
    return channel(f"{name}:N", scale=scale, legend=shown)


def _legend(title: str, **more: Any) -> alt.Legend:
    return alt.Legend(title=title, orient="top", direction="horizontal", **more)


def _arrow(x: float, y: float, x2: float, y2: float, **fields: Any) -> Record:
    """A line ending under an arrowhead at (x2, y2) that points along the line."""
    length = math.hypot(x2 - x, y2 - y) or 1.0
    ux, uy = (x2 - x) / length, (y2 - y) / length
    angle = round(math.degrees(math.atan2(ux, -uy)), 3)  # clockwise from pointing up
    ends = {"x": x, "y": y, "x2": x2, "y2": y2, "mx": (x + x2) / 2, "my": (y + y2) / 2}
    return ends | {"hx": x2 - 5 * ux, "hy": y2 - 5 * uy, "angle": angle} | fields


def _arrows(
    records: list[Record],
    colour: Any,
    dash: Any = alt.Undefined,
    tips: Sequence[alt.Tooltip] = (),
    width: float = 2,
) -> list[alt.Chart]:
    """The lines and arrowheads of ``_arrow`` records."""
    if not records:
        return []
    line = _data(records).mark_rule(strokeWidth=width)
    head = _data(records).mark_point(
        shape="triangle-up", filled=True, size=70, opacity=1
    )
    return [
        line.encode(
            **_pos(x2="x2", y2="y2"), color=colour, strokeDash=dash, tooltip=list(tips)
        ),
        head.encode(
            **_pos("hx", "hy"),
            angle=alt.Angle("angle:Q", scale=None),
            color=colour,
            tooltip=list(tips),
        ),
    ]


def _canvas(
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
            labelLimit=280, labelFontSize=_HEAD_FONT, titleFontSize=_HEAD_FONT
        )
    )


def _empty(hint: str, title: str, findings: list[str] | None = None) -> Drawing:
    """A picture of words only (no axes): what to fill in to see the picture."""
    lines = textwrap.wrap(hint, 64)
    records = [
        {"x": 270, "y": 22 + 20 * i, "text": line} for i, line in enumerate(lines)
    ]
    words = _text(records, fontSize=13, color=_MUTED, align="center")
    return Drawing(
        _canvas([words], 540, 24 + 20 * len(lines), title), findings or [], True
    )


# --- 1. Journey map ------------------------------------------------------------------

_RATINGS = ("Strong", "Weak")
_NOT_RATED = "Not rated"
_GAP = "No step at this stage (gap)"
_LANE_W, _COL_W, _HEAD_H = 180, 180, 34  # program labels, stage columns, stage names
_CHIP_H, _CHIP_GAP, _PAD = 22, 4, 6

Step = tuple[str, str, str]  # keys of program, stage, step


def _journey_map(rows: Rows, known: dict[str, list[str]], title: str) -> Drawing:
    programs, stages, labels = _Names(), _Names(known.get("Stage", ())), _Names()
    steps: dict[Step, Record] = {}
    stageless = 0
    for row in _rows(rows, "Program"):
        program = programs.add(row["Program"])  # a program alone is a lane of gaps
        if row["Step"] and not row["Stage"]:
            stageless += 1
        elif row["Step"]:
            key = (program, stages.add(row["Stage"]), labels.add(row["Step"]))
            rating = _pick(row["Strong or weak"], _RATINGS) or _NOT_RATED
            steps.setdefault(key, {"rating": rating, "notes": row["Notes"]})
    if not steps:
        hint = (
            "No steps yet. Add a program, a stage and a step in the table above and "
            "the map appears here."
        )
        return _empty(hint, title)
    doers: dict[tuple[str, str], list[str]] = {}
    for program, stage, step in steps:
        doers.setdefault((stage, step), []).append(program)

    chips, cells, lanes, top = [], [], [], _HEAD_H
    for program in programs.keys():
        in_cell = {
            s: [k[2] for k in steps if k[:2] == (program, s)] for s in stages.keys()
        }
        height = (
            max(1, *map(len, in_cell.values())) * (_CHIP_H + _CHIP_GAP)
            - _CHIP_GAP
            + 2 * _PAD
        )
        lanes.append(
            {"x": _LANE_W - 10, "y": top + height / 2, "text": programs[program]}
        )
        for col, (stage, keys) in enumerate(in_cell.items()):
            left = _LANE_W + col * _COL_W
            where = {"program": programs[program], "stage": stages[stage]}
            cells.append(
                _box(
                    left + 3,
                    top + 2,
                    _COL_W - 6,
                    height - 4,
                    gap=_GAP if not keys else "",
                    word="gap",
                    **where,
                )
            )
            for i, step in enumerate(keys):
                by = doers[(stage, step)]
                chips.append(
                    _box(
                        left + 8,
                        top + _PAD + i * (_CHIP_H + _CHIP_GAP),
                        _COL_W - 16,
                        _CHIP_H,
                        **where,
                    )
                    | steps[(program, stage, step)]
                    | {"tx": left + 14, "bx": left + _COL_W - 14, "step": labels[step]}
                    | {
                        "repeated": len(by) if len(by) > 1 else 0,
                        "badge": f"\u00d7{len(by)}",
                    }
                    | {"repeated_label": f"Repeated by {len(by)} programs"}
                    | {"repeated_by": ", ".join(programs.shown(by))}
                )
        top += height
    heads = [
        {"x": _LANE_W + (i + 0.5) * _COL_W, "y": _HEAD_H / 2, "text": stages[s]}
        for i, s in enumerate(stages.keys())
    ]
    tips = _tips(program="Program", stage="Stage", step="Step", rating="Strong or weak")
    tips += _tips(notes="Notes", repeated_by="Programs with this step here")
    repeated = [c for c in chips if c["repeated"]]
    by_most = sorted(repeated, key=lambda c: -c["repeated"])
    kinds = list(dict.fromkeys(c["repeated_label"] for c in by_most))
    gaps = [c for c in cells if c["gap"]]
    layers = [
        _rects([c for c in cells if not c["gap"]], color="#f4f4f4"),
        _rects(chips, tips, cornerRadius=4, stroke="#ffffff").encode(
            fill=_by(
                alt.Fill,
                "rating",
                "Step",
                (*_RATINGS, _NOT_RATED),
                (_SKY, _ORANGE, _PALE),
            )
        ),
        _text(chips, tips, ("tx", "cy"), "step", align="left", limit=_COL_W - 48),
    ]
    if repeated:  # outlined, with the number of programs in a badge
        layers += [
            _rects(
                repeated, tips, cornerRadius=4, filled=False, strokeWidth=2.5
            ).encode(
                color=_by(
                    alt.Color,
                    "repeated_label",
                    "Redundancy (\u00d7 programs)",
                    kinds,
                    [_INK] * len(kinds),
                    symbolType="square",
                    columns=4,  # many different counts wrap, not run off
                )
            ),
            _text(
                repeated, tips, ("bx", "cy"), "badge", align="right", fontWeight="bold"
            ),
        ]
    if gaps:
        layers += [
            _rects(
                gaps,
                _tips(program="Program", stage="Stage", gap="Gap"),
                fill="#ffffff",
                strokeWidth=1.2,
                strokeDash=[5, 3],
            ).encode(
                stroke=_by(
                    alt.Stroke,
                    "gap",
                    "Gap",
                    [_GAP],
                    ["#777777"],
                    symbolType="square",
                    symbolDash=[5, 3],
                )
            ),
            _text(
                gaps,
                at=("cx", "cy"),
                text="word",
                fontStyle="italic",
                color="#666666",
                align="center",
            ),
        ]
    layers += [
        _text(lanes, align="right", limit=_LANE_W - 16, fontSize=_HEAD_FONT),
        _text(heads, align="center", limit=_COL_W - 8, **_HEAD),
    ]
    chart = _canvas(layers, _LANE_W + len(heads) * _COL_W, top, title)
    return Drawing(
        chart,
        _journey_findings(programs, stages, labels, steps, doers, stageless),
        False,
    )


def _journey_findings(
    programs: _Names,
    stages: _Names,
    labels: _Names,
    steps: dict[Step, Record],
    doers: dict[tuple[str, str], list[str]],
    stageless: int,
) -> list[str]:
    order = stages.keys()
    repeats = sorted(
        ((stage, step, by) for (stage, step), by in doers.items() if len(by) > 1),
        key=lambda r: (-len(r[2]), order.index(r[0])),
    )
    found = _capped(
        [
            f"{_q(labels[step])} at {stages[stage]} is repeated by {len(by)} programs: {_list(programs.shown(by))}."
            for stage, step, by in repeats
        ],
        8,
        "{n} more steps are repeated by several programs (outlined on the map).",
    )
    for stage in order:
        done = {k[0] for k in steps if k[1] == stage}
        missing = [p for p in programs.keys() if p not in done]
        if len(missing) == 1:
            found.append(
                f"Gaps: {programs[missing[0]]} has no step at {stages[stage]}."
            )
        elif missing:
            found.append(
                f"Gaps: {len(missing)} programs have no step at {stages[stage]}: {_list(programs.shown(missing))}."
            )
    weak = [
        f"{_q(labels[step])} ({programs[program]}, {stages[stage]})"
        for (program, stage, step), v in steps.items()
        if v["rating"] == "Weak"
    ]
    if weak:
        found.append(f"Weak points: {_list(weak)}.")
    if stageless:
        it = "it is" if stageless == 1 else "they are"
        found.append(
            f"{_count(stageless, 'step has', 'steps have')} no stage, so {it} not on the map: add the stage."
        )
    return found


# --- 2. Many tables ------------------------------------------------------------------

_SERVES = ("Well", "Partly", "Poorly")
_SAME_PURPOSE, _SAME_TYPES = "Same purpose", "Same types of businesses"
_NAME_W, _RATE_W, _CELL = 220, 96, 34  # table names, ratings, matrix cells
_TURNED = 170  # longest column heading (turned 45°), in pixels


@dataclass
class _Table:
    convened: str = ""
    purpose: str = ""
    serves: str = ""
    businesses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()


def _tables(rows: Rows, known: dict[str, list[str]], title: str) -> Drawing:
    names, businesses, types = _Names(), _Names(), _Names()
    tables: dict[str, _Table] = {}
    for row in _rows(rows, "Table"):
        table = tables.setdefault(names.add(row["Table"]), _Table())
        # A table typed twice is one table: fill in what the first row left blank.
        table.convened = table.convened or row["Convened by"]
        table.purpose = table.purpose or row["Purpose"]
        table.serves = table.serves or _pick(
            row["How well it serves its purpose"], _SERVES
        )
        table.businesses = _merge(
            table.businesses, map(businesses.add, row.names("Businesses at the table"))
        )
        table.types = _merge(
            table.types, map(types.add, row.names("Types of businesses"))
        )
    if not tables:
        hint = (
            "No tables yet. Add each table businesses are asked to sit at, with its "
            "purpose and the businesses at it, and the overlaps appear here."
        )
        return _empty(hint, title)
    order, left = names.keys(), _NAME_W + _RATE_W
    # Column headings turned 45° up: room for the longest (about 4.5 px a letter).
    turned = min(_TURNED * 0.71, 16 + 4.5 * max(len(names[k]) for k in order))
    labels, cells = [], []
    for i, a in enumerate(order):
        ta, y = tables[a], turned + i * _CELL
        labels.append(
            {
                "x": _NAME_W - 8,
                "y": y + _CELL / 2,
                "rx": _NAME_W + 8,
                "cx": _NAME_W + 18,
            }
            | {"hx": left + (i + 0.5) * _CELL, "hy": turned - 6, "text": names[a]}
            | {
                "serves": ta.serves or _NOT_ANSWERED,
                "convened": ta.convened,
                "purpose": ta.purpose,
            }
            | {"count": _count(len(ta.businesses), "business", "businesses")}
            | {"businesses": "; ".join(businesses.shown(ta.businesses))}
        )
        for j, b in enumerate(order):
            tb = tables[b]
            shared = [k for k in ta.businesses if k in tb.businesses]
            alike = [k for k in ta.types if k in tb.types]
            cells.append(
                _box(
                    left + j * _CELL + 1,
                    y + 1,
                    _CELL - 2,
                    _CELL - 2,
                    a=names[a],
                    b=names[b],
                )
                | {
                    "i": i,
                    "j": j,
                    "shared": len(shared),
                    "text": str(len(shared)) if shared else "",
                }
                | {
                    "names": ", ".join(businesses.shown(shared)),
                    "types": ", ".join(types.shown(alike)),
                }
                | {
                    "purpose": ta.purpose
                    if _key(ta.purpose) == _key(tb.purpose)
                    else ""
                }
                | {"px": left + (j + 1) * _CELL - 7, "py": y + 7}
                | {"same": _SAME_PURPOSE, "alike": _SAME_TYPES}
            )
    tips = _tips(a="Table", b="Compared with", names="Businesses in common")
    tips += _tips(purpose="Same purpose", types="Same types of businesses")
    pairs = [c for c in cells if c["i"] != c["j"]]
    most = max([c["shared"] for c in pairs] + [1])
    same_purpose = [c for c in pairs if c["purpose"]]
    same_types = [c for c in pairs if c["types"]]
    about = _tips(text="Table", serves="Serves its purpose", convened="Convened by")
    about += _tips(purpose="Purpose", count="Size", businesses="Businesses")
    layers = [
        _rects(
            [c for c in cells if c["i"] == c["j"]], _tips(a="Table"), color="#d0d0d0"
        )
    ]
    if pairs:
        legend = _legend(
            "Businesses in common", tickCount=min(most, 5), gradientLength=120
        )
        scale = alt.Scale(domain=[0, most], range=["#f7fbff", _BLUE])
        dark = alt.datum.shared > most / 2  # white numbers on the darkest cells
        layers += [
            _rects(pairs, tips, stroke="#ffffff").encode(
                fill=alt.Fill("shared:Q", scale=scale, legend=legend)
            ),
            _text(pairs, tips, ("cx", "cy"), align="center", fontWeight="bold").encode(
                color=alt.condition(dark, alt.value("#ffffff"), alt.value(_INK))
            ),
        ]
    if same_purpose:
        outline = _by(
            alt.Color, "same", "Overlap", [_SAME_PURPOSE], [_RED], symbolType="square"
        )
        layers.append(
            _rects(same_purpose, tips, filled=False, strokeWidth=3).encode(
                color=outline
            )
        )
    if same_types:
        mark = _data(same_types).mark_point(
            filled=True, size=40, opacity=1, color=_PURPLE
        )
        shape = _by(alt.Shape, "alike", "", [_SAME_TYPES], ["triangle-down"])
        layers.append(mark.encode(**_pos("px", "py"), shape=shape, tooltip=tips))
    serves = _by(
        alt.Color,
        "serves",
        "Serves its purpose",
        (*_SERVES, _NOT_ANSWERED),
        (_GREEN, _ORANGE, _RED, _PALE),
    )
    layers += [
        _text(labels, about, align="right", limit=_NAME_W - 12, fontSize=_HEAD_FONT),
        _data(labels)
        .mark_point(filled=True, size=90, opacity=1)
        .encode(**_pos("rx"), color=serves, tooltip=about),
        _text(labels, about, ("cx", "y"), "count", align="left", color=_MUTED),
        _text(labels, about, ("hx", "hy"), align="left", angle=315, limit=_TURNED),
    ]
    found = _table_findings(names, tables, pairs)
    note = (
        ["Only one table so far: add the others to see overlaps."]
        if len(order) == 1
        else []
    )
    width, height = left + len(order) * _CELL + turned, turned + len(order) * _CELL
    return Drawing(
        _canvas(layers, width, height, title, note, independent=["color"]), found, False
    )


def _table_findings(
    names: _Names, tables: dict[str, _Table], pairs: list[Record]
) -> list[str]:
    order = names.keys()
    if len(order) == 1:
        return [
            f"Only one table so far ({names[order[0]]}): add the other tables businesses sit at to see where they overlap."
        ]
    found = []
    # Each pair once, those sharing most businesses first.
    for c in sorted((c for c in pairs if c["i"] < c["j"]), key=lambda c: -c["shared"]):
        both = f"{_q(c['a'])} and {_q(c['b'])}"
        if c["shared"]:
            found.append(
                f"{both} share {_count(c['shared'], 'business', 'businesses')}: {c['names']}."
            )
        if c["purpose"]:
            found.append(f"{both} have the same purpose: {c['purpose']}.")
        if c["types"]:
            found.append(
                f"{both} bring together the same types of businesses: {c['types']}."
            )
    found = _capped(found, 12, "\u2026 and {n} more overlaps (see the picture).")
    if not found:
        found.append("No two tables share a business, a purpose or a type of business.")
    poor = [names[k] for k in order if tables[k].serves == "Poorly"]
    if poor:
        found.append(f"Serving their purpose poorly: {_list(poor)}.")
    return found


# --- 3. Many knocks ------------------------------------------------------------------

_FATIGUE = f"Risk of employer fatigue ({FATIGUE_AT}+ organizations)"
_LEVELS = {2: "Knocked by 2 organizations", 1: "Knocked by 1 organization"}
_TARGET_W, _BARS_W, _ROW = 240, 300, 24


@dataclass
class _Target:
    organizations: tuple[str, ...] = ()
    per_year: float = 0
    programs: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()


def _knocks(rows: Rows, known: dict[str, list[str]], title: str) -> Drawing:
    orgs, names = _Names(), _Names()
    per_year = {_key(label): n for label, n in PER_YEAR.items()}
    targets: dict[str, _Target] = {}
    for row in _rows(rows, "Organization", "Businesses or sector targeted"):
        org = orgs.add(row["Organization"])
        for name in row.names("Businesses or sector targeted"):
            t = targets.setdefault(names.add(name), _Target())
            t.organizations = _merge(t.organizations, [org])
            t.per_year += per_year.get(_key(row["How often"]), 1)
            t.programs = _merge(t.programs, [row["Program"]] if row["Program"] else [])
            t.purposes = _merge(t.purposes, [row["Purpose"]] if row["Purpose"] else [])
    if not targets:
        hint = (
            "No knocks yet. Add an organization, the businesses or sector it targets "
            "and how often, and the knocks on each business appear here."
        )
        return _empty(hint, title)
    # Most organizations first, then most knocks; ties keep the order typed.
    order = sorted(
        names.keys(),
        key=lambda k: (-len(targets[k].organizations), -targets[k].per_year),
    )
    unit = _BARS_W / max(len(t.organizations) for t in targets.values())
    bars = []
    for i, key in enumerate(order[:TOP_TARGETS]):
        t, n = targets[key], len(targets[key].organizations)
        bars.append(
            _box(
                _TARGET_W,
                34 + i * _ROW,
                n * unit,
                _ROW - 8,
                target=names[key],
                level=_level(n),
            )
            | {
                "organizations": "; ".join(orgs.shown(t.organizations)),
                "per_year": round(t.per_year, 1),
            }
            | {"programs": "; ".join(t.programs), "purposes": "; ".join(t.purposes)}
            | {"lx": _TARGET_W - 8, "vx": _TARGET_W + n * unit + 6}
            | {
                "text": f"{_count(n, 'organization', 'organizations')} \u00b7 {_per_year(t.per_year)}"
            }
        )
    tips = _tips(target="Business or sector", organizations="Organizations knocking")
    tips += [alt.Tooltip("per_year:Q", title="Knocks a year")]
    tips += _tips(programs="Programs", purposes="Purposes")
    rest = [len(targets[k].organizations) for k in order[TOP_TARGETS:]]
    bottom = 30 + len(bars) * _ROW
    notes = [
        {
            "x": _TARGET_W,
            "y": 12,
            "text": "Organizations knocking (bars), knocks a year",
        }
    ]
    if rest:
        notes.append({"x": _TARGET_W, "y": bottom + 14, "text": _more_targets(rest)})
    levels = _by(
        alt.Color,
        "level",
        "Knocked on by",
        (_FATIGUE, *_LEVELS.values()),
        (_RED, _ORANGE, _SKY),
    )
    layers = [
        _rects(bars, tips, cornerRadiusEnd=3).encode(color=levels),
        _text(
            bars,
            tips,
            ("lx", "cy"),
            "target",
            align="right",
            limit=_TARGET_W - 12,
            fontSize=_HEAD_FONT,
        ),
        _text(bars, tips, ("vx", "cy"), align="left"),
        _text(notes, align="left", color=_MUTED, fontStyle="italic"),
    ]
    chart = _canvas(
        layers, _TARGET_W + _BARS_W + 200, bottom + (28 if rest else 4), title
    )
    return Drawing(chart, _knock_findings(order, targets, names, orgs), False)


def _level(organizations: int) -> str:
    return _FATIGUE if organizations >= FATIGUE_AT else _LEVELS[organizations]


def _per_year(n: float) -> str:
    return f"about {_count(round(n), 'knock', 'knocks')} a year"


def _more_targets(counts: list[int]) -> str:
    """The line standing for the businesses beyond the top bars."""
    what = _count(len(counts), "more business or sector", "more businesses or sectors")
    if max(counts) == 1:
        return f"{what}, each knocked by one organization"
    parts = [
        (sum(c >= FATIGUE_AT for c in counts), "at risk of employer fatigue"),
        (sum(c == 2 for c in counts), "knocked by 2 organizations"),
        (sum(c == 1 for c in counts), "knocked by one organization"),
    ]
    return f"{what}: " + ", ".join(f"{n} {words}" for n, words in parts if n)


def _knock_findings(
    order: list[str], targets: dict[str, _Target], names: _Names, orgs: _Names
) -> list[str]:
    many = [k for k in order if len(targets[k].organizations) > 1]
    tired = sum(len(targets[k].organizations) >= FATIGUE_AT for k in many)
    found = [
        f"{_count(len(order), 'business or sector is', 'businesses or sectors are')} knocked on by "
        f"{_count(len(orgs.keys()), 'organization', 'organizations')}: {tired} at risk of employer "
        f"fatigue, {len(many) - tired} knocked by 2 organizations."
    ]
    sentences = []
    for key in many:
        t = targets[key]
        n = len(t.organizations)
        warning = " \u2014 risk of employer fatigue." if n >= FATIGUE_AT else "."
        sentences.append(
            f"{names[key]} is knocked by {n} organizations ({_per_year(t.per_year)}): "
            f"{_list(orgs.shown(t.organizations))}{warning}"
        )
    found += _capped(
        sentences,
        10,
        "{n} more businesses or sectors are knocked by 2 or more organizations.",
    )
    if not many:
        found.append(
            "No business or sector is knocked on by more than one organization."
        )
    return found


# --- 4. Universe of connections ------------------------------------------------------

_KINDS_OF = ("Business", "Table", "Other")
_SHARED, _SINGLE = "Shared by 2+ organizations", "One organization"
_ORG_W, _SPAN, _LINK_W = 220, 260, 240  # organization labels, lines, connection labels


def _connections(rows: Rows, known: dict[str, list[str]], title: str) -> Drawing:
    orgs, links = _Names(), _Names()
    kind_of: dict[str, str] = {}
    edges: dict[str, tuple[str, ...]] = {}  # connection -> its organizations
    for row in _rows(rows, "Organization", "Connected to"):
        org = orgs.add(row["Organization"])
        for name in row.names("Connected to"):
            link = links.add(name)
            kind_of.setdefault(link, _pick(row["Kind"], _KINDS_OF) or "Other")
            edges[link] = _merge(edges.get(link, ()), [org])
    if not edges:
        hint = (
            "No connections yet. Add an organization and the businesses or tables it "
            "is connected to (separated by ;) and the network appears here."
        )
        return _empty(hint, title)
    rank = {o: i for i, o in enumerate(orgs.keys())}
    # Each connection sits level with the middle of its organizations: fewer crossings.
    link_keys = sorted(
        links.keys(), key=lambda c: sum(rank[o] for o in edges[c]) / len(edges[c])
    )
    height = max(len(rank), len(link_keys)) * _ROW
    org_y = {o: (i + 0.5) * height / len(rank) for o, i in rank.items()}
    degree = {o: sum(o in by for by in edges.values()) for o in rank}
    right = _ORG_W + _SPAN
    nodes, lines = [], []
    for i, c in enumerate(link_keys):
        by = edges[c]
        node = {"x": right, "y": (i + 0.5) * height / len(link_keys), "tx": right + 10}
        node |= {"text": links[c], "kind": kind_of[c], "count": len(by)}
        node |= {
            "shared": _SHARED if len(by) > 1 else _SINGLE,
            "organizations": "; ".join(orgs.shown(by)),
        }
        nodes.append(node)
        lines += [
            node | {"x": _ORG_W, "y": org_y[o], "x2": right, "y2": node["y"]}
            for o in by
        ]
    lines.sort(key=lambda line: line["count"])  # shared lines drawn last, on top
    left = [
        {
            "x": _ORG_W,
            "y": org_y[o],
            "tx": _ORG_W - 10,
            "text": orgs[o],
            "connections": degree[o],
        }
        for o in rank
    ]
    tips = _tips(text="Connected to", kind="Kind", organizations="Organizations")
    shared = _by(
        alt.Color, "shared", "Connection", (_SHARED, _SINGLE), (_RED, "#b0b0b0")
    )
    kinds = _by(
        alt.Shape, "kind", "Kind", _KINDS_OF, ("circle", "square", "triangle-up")
    )
    org_tips = _tips(text="Organization") + [
        alt.Tooltip("connections:Q", title="Connections")
    ]
    label = {"align": "left", "limit": _LINK_W - 10}
    layers = [
        _data(lines)
        .mark_rule()
        .encode(
            **_pos(x2="x2", y2="y2"),
            color=shared,
            strokeWidth=alt.condition(alt.datum.count > 1, alt.value(2), alt.value(1)),
            tooltip=tips,
        ),
        _data(nodes)
        .mark_point(filled=True, size=80, opacity=1)
        .encode(**_pos(), color=shared, shape=kinds, tooltip=tips),
        _text([n for n in nodes if n["count"] == 1], tips, ("tx", "y"), **label),
        _text(
            [n for n in nodes if n["count"] > 1],
            tips,
            ("tx", "y"),
            **label,
            fontWeight="bold",
            color=_RED,
        ),
        _data(left)
        .mark_point(filled=True, size=80, opacity=1, color=_INK)
        .encode(**_pos(), tooltip=org_tips),
        _text(left, org_tips, ("tx", "y"), align="right", limit=_ORG_W - 16, **_HEAD),
    ]
    found = _connection_findings(orgs, links, edges, degree)
    return Drawing(_canvas(layers, right + _LINK_W, height, title), found, False)


def _connection_findings(
    orgs: _Names,
    links: _Names,
    edges: dict[str, tuple[str, ...]],
    degree: dict[str, int],
) -> list[str]:
    most = max(degree.values())
    top = orgs.shown([o for o in degree if degree[o] == most])
    each = " each" if len(top) > 1 else ""
    found = [
        f"Most connected: {_list(top)}, with {_count(most, 'connection', 'connections')}{each}."
    ]
    shared = sorted(
        (c for c in links.keys() if len(edges[c]) > 1), key=lambda c: -len(edges[c])
    )
    found += _capped(
        [
            f"{_q(links[c])} is connected to {len(edges[c])} organizations: {_list(orgs.shown(edges[c]))}."
            for c in shared
        ],
        10,
        "{n} more connections are shared by several organizations.",
    )
    if not shared:
        found.append("No business or table is connected to more than one organization.")
    return found


# --- 5. Information flow -------------------------------------------------------------

_THROUGH = ("Yes", "Partly", "No", _NOT_ANSWERED)
_ARROWS = ("\u203a", "\u2192", "->", ">")  # the first one a hop has splits it
_NODE_W, _NODE_H, _HOP_H = 170, 40, 54


def _information_flow(rows: Rows, known: dict[str, list[str]], title: str) -> Drawing:
    nodes = _Names()
    hops: list[tuple[str, str, _Row]] = []
    found = []
    for row in _rows(rows, "Hop"):
        arrow = next((a for a in _ARROWS if a in row["Hop"]), _ARROWS[0])
        ends = [_clean(part) for part in row["Hop"].split(arrow) if _clean(part)]
        if len(ends) == 2 and _key(ends[0]) != _key(ends[1]):
            hops.append((nodes.add(ends[0]), nodes.add(ends[1]), row))
        else:
            found.append(
                f"{_q(row['Hop'])} is not a hop from one group to another: write it as "
                "\u201cfrom \u203a to\u201d, e.g. \u201cindustry-led partnership \u203a decision makers\u201d."
            )
    if not hops:
        hint = (
            "No hops yet. Add a hop such as \u201cindustry-led partnership \u203a decision "
            "makers\u201d and whether the message gets through, and the flow appears here."
        )
        return _empty(hint, title, found)
    column = {n: (i + 0.5) * _NODE_W for i, n in enumerate(nodes.keys())}
    top, bottom = _NODE_H + 34, _NODE_H + 34 + (len(hops) - 0.5) * _HOP_H
    arrows = []
    for i, (a, b, row) in enumerate(hops):  # one row per hop, as in a sequence diagram
        inset = 8 if column[b] > column[a] else -8
        y = top + i * _HOP_H
        arrows.append(
            _arrow(
                column[a] + inset,
                y,
                column[b] - inset,
                y,
                hop=f"{nodes[a]} \u203a {nodes[b]}",
            )
            | {
                "status": _pick(row["Does it get through?"], _THROUGH[:3])
                or _NOT_ANSWERED
            }
            | {"passes": row["What passes"], "where": row["Where it breaks"]}
            | {"above": y - 14, "below": y + 14}
        )
    groups = [
        _box(x - _NODE_W / 2 + 6, 4, _NODE_W - 12, _NODE_H, text=nodes[n], end=bottom)
        for n, x in column.items()
    ]
    tips = _tips(
        hop="Hop", passes="What passes", status="Gets through?", where="Where it breaks"
    )
    colour = _by(
        alt.Color,
        "status",
        "Does it get through?",
        _THROUGH,
        (_GREEN, _ORANGE, _RED, _GREY),
    )
    dash = _by(
        alt.StrokeDash,
        "status",
        "Does it get through?",
        _THROUGH,
        ([1, 0], [1, 0], [6, 4], [1, 0]),
    )
    label = {"align": "center", "limit": _NODE_W - 12}
    broken = [a for a in arrows if a["status"] != "Yes" and a["where"]]
    layers = [
        _data(groups)
        .mark_rule(color="#bbbbbb", strokeDash=[2, 3])
        .encode(**_pos("cx", "y2", y2="end")),
        _rects(groups, _tips(text="Group"), **_BOX),
        _text(
            groups,
            _tips(text="Group"),
            ("cx", "cy"),
            align="center",
            limit=_NODE_W - 20,
            **_HEAD,
        ),
        *_arrows(arrows, colour, dash, tips, width=2.5),
        _text(arrows, tips, ("mx", "above"), "passes", **label),
        _text(
            broken,
            tips,
            ("mx", "below"),
            "where",
            **label,
            fontStyle="italic",
            color=_RED,
        ),
        _data([a for a in arrows if a["status"] == "No"])  # the break mark
        .mark_point(
            shape="cross", angle=45, size=120, filled=True, color=_RED, opacity=1
        )
        .encode(**_pos("mx", "my"), tooltip=tips),
    ]
    chart = _canvas(layers, len(column) * _NODE_W, bottom + 24, title)
    return Drawing(chart, found + _flow_findings(arrows), False)


def _flow_findings(arrows: list[Record]) -> list[str]:
    found = []
    for a in arrows:
        where = f": {a['where']}" if a["where"] else ""
        if a["status"] == "No":
            found.append(f"It breaks at {a['hop']}{where}.")
        elif a["status"] == "Partly":
            found.append(f"It only partly gets through at {a['hop']}{where}.")
    unanswered = sum(a["status"] == _NOT_ANSWERED for a in arrows)
    if unanswered:
        found.append(
            f"{_count(unanswered, 'hop has', 'hops have')} no answer to \u201cDoes it get through?\u201d yet."
        )
    if all(a["status"] == "Yes" for a in arrows):
        found.append("Every hop gets through.")
    return found


# --- 6. Career pathway ---------------------------------------------------------------

_ENTRY, _EXIT, _BACK = "Entry point", "Exit to a job", "Back for more credentials"
_STAGE_W, _STAGE_GAP, _BAND_H = 170, 90, 34
_STAGE_TOP, _STAGE_H, _JOB_TOP = 96, 84, 236


def _career_pathway(rows: Rows, known: dict[str, list[str]], title: str) -> Drawing:
    names = _Names()
    stages: dict[str, _Row] = {}
    for row in _rows(rows, "Stage"):
        stages.setdefault(names.add(row["Stage"]), row)
    if not stages:
        hint = (
            "No stages yet. Add the stages of the pathway in order, with their "
            "credentials, entry points and exits to a job, and the pathway appears here."
        )
        return _empty(hint, title)
    boxes, arrows, steps, loops = [], [], [], []
    bottom, middle = _STAGE_TOP + _STAGE_H, _STAGE_TOP + _STAGE_H / 2
    for i, (key, row) in enumerate(stages.items()):
        left = 20 + i * (_STAGE_W + _STAGE_GAP)
        mid, last = left + _STAGE_W / 2, i + 1 == len(stages)
        about = " \u00b7 ".join(t for t in (row["Duration"], row["Institution"]) if t)
        box = _box(
            left,
            _STAGE_TOP,
            _STAGE_W,
            _STAGE_H,
            stage=names[key],
            credential=row["Credential"],
        )
        box |= {"about": about, "entry": _pick(row["Entry point"], ("Yes", "No"))}
        box |= {"exit": _pick(row["Exit to a job"], ("Yes", "No"))}
        box |= {"ty1": _STAGE_TOP + 20, "ty2": _STAGE_TOP + 42, "ty3": _STAGE_TOP + 62}
        boxes.append(box)
        if box["entry"] == "Yes":
            arrows.append(
                _arrow(mid, _BAND_H, mid, _STAGE_TOP, kind=_ENTRY, stage=names[key])
            )
        if box["exit"] == "Yes":
            arrows.append(
                _arrow(mid, bottom, mid, _JOB_TOP, kind=_EXIT, stage=names[key])
            )
        if box["exit"] == "Yes" and not last:  # the manual: back for an upward move
            later = left + _STAGE_W + _STAGE_GAP + 24
            arrows.append(
                _arrow(mid + 30, _JOB_TOP, later, bottom, kind=_BACK, stage=names[key])
            )
            loops.append({"x": mid + 36, "y": _JOB_TOP + 14, "text": _BACK})
        if not last:
            steps.append(
                _arrow(left + _STAGE_W, middle, left + _STAGE_W + _STAGE_GAP, middle)
            )
    width = 40 + len(stages) * _STAGE_W + (len(stages) - 1) * _STAGE_GAP
    bands = [
        _box(0, 0, width, _BAND_H, text="Jobseekers and students", tx=8),
        _box(0, _JOB_TOP, width, _BAND_H, text="Job", tx=8),
    ]
    tips = _tips(stage="Stage", credential="Credential", about="Duration, institution")
    colour = _by(
        alt.Color, "kind", "Arrows", (_ENTRY, _EXIT, _BACK), (_BLUE, _GREEN, _PURPLE)
    )
    dash = _by(
        alt.StrokeDash,
        "kind",
        "Arrows",
        (_ENTRY, _EXIT, _BACK),
        ([1, 0], [1, 0], [5, 3]),
    )
    inside = {"align": "center", "limit": _STAGE_W - 12}
    layers = [
        _rects(bands, color="#f1f1f1"),
        _text(bands, at=("tx", "cy"), align="left", **_HEAD, color=_MUTED),
        *_arrows(steps, alt.value("#777777"), width=1.5),
        *_arrows(arrows, colour, dash, _tips(kind="Arrow", stage="Stage")),
        _text(loops, align="left", fontSize=9, color=_PURPLE, fontStyle="italic"),
        _rects(boxes, tips, **_BOX),
        _text(boxes, tips, ("cx", "ty1"), "stage", **inside, **_HEAD),
        _text(boxes, tips, ("cx", "ty2"), "credential", **inside),
        _text(boxes, tips, ("cx", "ty3"), "about", **inside, color=_MUTED),
    ]
    chart = _canvas(layers, width, _JOB_TOP + _BAND_H, title)
    return Drawing(chart, _pathway_findings(boxes), False)


def _pathway_findings(boxes: list[Record]) -> list[str]:
    entries = [b["stage"] for b in boxes if b["entry"] == "Yes"]
    exits = [b["stage"] for b in boxes if b["exit"] == "Yes"]
    found = [
        f"Entry points: {_list(entries)}."
        if entries
        else (
            "No entry point: mark a stage \u201cEntry point: Yes\u201d so jobseekers and "
            "students know where to start."
        )
    ]
    found.append(
        f"Exits to a job: {_list(exits)}."
        if exits
        else (
            "No exit to a job: mark the stages after which a person can go to work "
            "(\u201cExit to a job: Yes\u201d)."
        )
    )
    back = [
        boxes[i + 1]["stage"] for i, b in enumerate(boxes[:-1]) if b["exit"] == "Yes"
    ]
    if back:
        found.append(
            f"After a job, a person can come back for more credentials at: {_list(back)}."
        )
    bare = [b["stage"] for b in boxes if not b["credential"]]
    if bare:
        found.append(f"No credential named yet for: {_list(bare)}.")
    return found


KINDS: dict[str, Callable[[Rows, dict[str, list[str]], str], Drawing]] = {
    "journey_map": _journey_map,
    "tables": _tables,
    "knocks": _knocks,
    "connections": _connections,
    "information_flow": _information_flow,
    "career_pathway": _career_pathway,
}
