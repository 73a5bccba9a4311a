"""Many tables: which tables share businesses, a purpose or types of businesses."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt

from ._common import (
    BLUE,
    GREEN,
    HEAD_FONT,
    INK,
    MUTED,
    NOT_ANSWERED,
    ORANGE,
    PALE,
    PURPLE,
    RED,
    Drawing,
    Names,
    Record,
    Rows,
    box,
    by,
    canvas,
    capped,
    count,
    empty,
    key,
    legend,
    listed,
    merge,
    pick,
    points,
    quoted,
    read,
    rects,
    text,
    text_px,
    tips,
)

SERVES = ("Well", "Partly", "Poorly")
SAME_PURPOSE, SAME_TYPES = "Same purpose", "Same types of businesses"
_NAME_W, _RATE_W, _CELL = 150, 92, 34  # table names, ratings, matrix cells
_TURNED = 150  # longest column heading (turned 45°), in pixels
_SLANT = 0.71  # cos 45°: how far a turned heading reaches up and across


@dataclass
class _Table:
    convened: str = ""
    purpose: str = ""
    serves: str = ""
    businesses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()


def draw(rows: Rows, known: dict[str, list[str]], title: str) -> Drawing:
    names, businesses, types = Names(), Names(), Names()
    tables: dict[str, _Table] = {}
    for row in read(rows, "Table"):
        table = tables.setdefault(names.add(row["Table"]), _Table())
        # A table typed twice is one table: fill in what the first row left blank.
        table.convened = table.convened or row["Convened by"]
        table.purpose = table.purpose or row["Purpose"]
        table.serves = table.serves or pick(
            row["How well it serves its purpose"], SERVES
        )
        table.businesses = merge(
            table.businesses, map(businesses.add, row.names("Businesses at the table"))
        )
        table.types = merge(
            table.types, map(types.add, row.names("Types of businesses"))
        )
    if not tables:
        hint = (
            "No tables yet. Add each table businesses are asked to sit at, with its "
            "purpose and the businesses at it, and the overlaps appear here."
        )
        return empty(hint, title)
    order, left = names.keys(), _NAME_W + _RATE_W
    longest = max(min(text_px(names[k]), _TURNED) for k in order)
    turned = 16 + _SLANT * longest  # room above the matrix for the turned headings
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
            | {"serves": ta.serves or NOT_ANSWERED, "convened": ta.convened}
            | {"purpose": ta.purpose}
            | {"count": count(len(ta.businesses), "business", "businesses")}
            | {"businesses": "; ".join(businesses.shown(ta.businesses))}
        )
        for j, b in enumerate(order):
            tb = tables[b]
            shared = [k for k in ta.businesses if k in tb.businesses]
            alike = [k for k in ta.types if k in tb.types]
            same = ta.purpose if key(ta.purpose) == key(tb.purpose) else ""
            cells.append(
                box(left + j * _CELL + 1, y + 1, _CELL - 2, _CELL - 2)
                | {"a": names[a], "b": names[b], "i": i, "j": j}
                | {"shared": len(shared), "text": str(len(shared)) if shared else ""}
                | {"names": ", ".join(businesses.shown(shared))}
                | {"types": ", ".join(types.shown(alike)), "purpose": same}
                | {"px": left + (j + 1) * _CELL - 7, "py": y + 7}
                | {"same": SAME_PURPOSE, "alike": SAME_TYPES}
            )
    pairs = [c for c in cells if c["i"] != c["j"]]
    layers = _layers(cells, pairs, labels)
    note = ["Only one table so far: add the others to see overlaps."]
    width = left + len(order) * _CELL + turned
    chart = canvas(
        layers,
        width,
        turned + len(order) * _CELL,
        title,
        note if len(order) == 1 else [],
        independent=["color"],
    )
    return Drawing(chart, _findings(names, tables, pairs), False)


def _layers(
    cells: list[Record], pairs: list[Record], labels: list[Record]
) -> list[alt.Chart]:
    tooltips = tips(a="Table", b="Compared with", names="Businesses in common")
    tooltips += tips(purpose="Same purpose", types="Same types of businesses")
    about = tips(text="Table", serves="Serves its purpose", convened="Convened by")
    about += tips(purpose="Purpose", count="Size", businesses="Businesses")
    same_purpose = [c for c in pairs if c["purpose"]]
    same_types = [c for c in pairs if c["types"]]
    diagonal = [c for c in cells if c["i"] == c["j"]]
    layers = [rects(diagonal, tips(a="Table"), color="#d0d0d0")]
    if pairs:
        most = max([c["shared"] for c in pairs] + [1])
        shading = legend(
            "Businesses in common", tickCount=min(most, 5), gradientLength=120
        )
        scale = alt.Scale(domain=[0, most], range=["#f7fbff", BLUE])
        dark = alt.datum.shared > most / 2  # white numbers on the darkest cells
        layers += [
            rects(pairs, tooltips, stroke="#ffffff").encode(
                fill=alt.Fill("shared:Q", scale=scale, legend=shading)
            ),
            text(
                pairs, tooltips, ("cx", "cy"), align="center", fontWeight="bold"
            ).encode(color=alt.condition(dark, alt.value("#ffffff"), alt.value(INK))),
        ]
    if same_purpose:
        outline = by(
            alt.Color, "same", "Overlap", [SAME_PURPOSE], [RED], symbolType="square"
        )
        layers.append(
            rects(same_purpose, tooltips, filled=False, strokeWidth=3).encode(
                color=outline
            )
        )
    if same_types:
        shape = by(alt.Shape, "alike", "", [SAME_TYPES], ["triangle-down"])
        layers.append(
            points(
                same_types,
                tooltips,
                ("px", "py"),
                40,
                shape=shape,
                color=alt.value(PURPLE),
            )
        )
    serves = by(
        alt.Color,
        "serves",
        "Serves its purpose",
        (*SERVES, NOT_ANSWERED),
        (GREEN, ORANGE, RED, PALE),
    )
    return layers + [
        text(labels, about, align="right", limit=_NAME_W - 12, fontSize=HEAD_FONT),
        points(labels, about, ("rx", "y"), 90, color=serves),
        text(labels, about, ("cx", "y"), "count", align="left", color=MUTED),
        text(
            labels,
            about,
            ("hx", "hy"),
            align="left",
            angle=315,
            limit=_TURNED,
        ),
    ]


def _findings(
    names: Names, tables: dict[str, _Table], pairs: list[Record]
) -> list[str]:
    order = names.keys()
    if len(order) == 1:
        return [
            f"Only one table so far ({names[order[0]]}): add the other tables businesses sit at to see where they overlap."
        ]
    found = []
    # Each pair once, those sharing most businesses first.
    for c in sorted((c for c in pairs if c["i"] < c["j"]), key=lambda c: -c["shared"]):
        both = f"{quoted(c['a'])} and {quoted(c['b'])}"
        if c["shared"]:
            found.append(
                f"{both} share {count(c['shared'], 'business', 'businesses')}: {c['names']}."
            )
        if c["purpose"]:
            found.append(f"{both} have the same purpose: {c['purpose']}.")
        if c["types"]:
            found.append(
                f"{both} bring together the same types of businesses: {c['types']}."
            )
    found = capped(found, 12, "\u2026 and {n} more overlaps (see the picture).")
    if not found:
        found.append("No two tables share a business, a purpose or a type of business.")
    poor = [names[k] for k in order if tables[k].serves == "Poorly"]
    if poor:
        found.append(f"Serving their purpose poorly: {listed(poor)}.")
    return found
