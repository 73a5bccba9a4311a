"""The universe of connections: organizations and the businesses or tables they reach."""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt

from ._common import (
    HEAD,
    HEAD_FONT,
    INK,
    LINE,
    RED,
    WIDTH,
    Drawing,
    Names,
    Rows,
    by,
    canvas,
    capped,
    centred,
    count,
    data,
    empty,
    listed,
    merge,
    pick,
    points,
    pos,
    quoted,
    read,
    text,
    tips,
    wrap,
)

KINDS_OF = ("Business", "Table", "Other")
SHARED, SINGLE = "Shared by 2+ organizations", "One organization"
_ORG_W, _SPAN, _ROW = 160, 290, 24  # organization labels, lines, rows
_LINK_W = WIDTH - _ORG_W - _SPAN  # connection labels
# Names wrap onto as many lines as they take, never cut: a support team must read every
# organisation. Wrapped to 80% of the room, as DejaVu's letters (bold ones most) are
# wider than ``text_px``'s estimate.
_FIT = 0.8


def draw(rows: Rows, known: dict[str, list[str]], title: str) -> Drawing:
    orgs, links = Names(), Names()
    kind_of: dict[str, str] = {}
    edges: dict[str, tuple[str, ...]] = {}  # connection -> its organizations
    for row in read(rows, "Organization", "Connected to"):
        org = orgs.add(row["Organization"])
        for name in row.names("Connected to"):
            link = links.add(name)
            kind_of.setdefault(link, pick(row["Kind"], KINDS_OF) or "Other")
            edges[link] = merge(edges.get(link, ()), [org])
    if not edges:
        hint = (
            "No connections yet. Add an organization and the businesses or tables it "
            "is connected to (separated by ;) and the network appears here."
        )
        return empty(hint, title)
    rank = {o: i for i, o in enumerate(orgs.keys())}
    # Each connection sits level with the middle of its organizations: fewer crossings.
    link_keys = sorted(
        links.keys(), key=lambda c: sum(rank[o] for o in edges[c]) / len(edges[c])
    )
    org_text = {o: wrap(orgs[o], (_ORG_W - 16) * _FIT, None, HEAD_FONT) for o in rank}
    link_text = {c: wrap(links[c], (_LINK_W - 14) * _FIT, None) for c in link_keys}
    org_room, link_room = _rooms(org_text.values()), _rooms(link_text.values())
    height = max(sum(org_room), sum(link_room))
    org_y = dict(zip(rank, _centres(org_room, height), strict=True))
    link_y = _centres(link_room, height)
    degree = {o: sum(o in who for who in edges.values()) for o in rank}
    right = _ORG_W + _SPAN
    nodes, lines = [], []
    for i, c in enumerate(link_keys):
        who = edges[c]
        node = {"x": right, "y": link_y[i], "tx": right + 10}
        node |= {"ty": centred(link_text[c], link_y[i]), "label": link_text[c]}
        node |= {"text": links[c], "kind": kind_of[c], "count": len(who)}
        node |= {"shared": SHARED if len(who) > 1 else SINGLE}
        node |= {"organizations": "; ".join(orgs.shown(who))}
        nodes.append(node)
        lines += [
            node | {"x": _ORG_W, "y": org_y[o], "x2": right, "y2": node["y"]}
            for o in who
        ]
    lines.sort(key=lambda line: line["count"])  # shared lines drawn last, on top
    left = [
        {"x": _ORG_W, "y": org_y[o], "tx": _ORG_W - 10, "text": orgs[o]}
        | {"ty": centred(org_text[o], org_y[o]), "label": org_text[o]}
        | {"connections": degree[o]}
        for o in rank
    ]
    tooltips = tips(text="Connected to", kind="Kind", organizations="Organizations")
    shared = by(alt.Color, "shared", "Connection", (SHARED, SINGLE), (RED, "#b0b0b0"))
    kinds = by(alt.Shape, "kind", "Kind", KINDS_OF, ("circle", "square", "triangle-up"))
    about = tips(text="Organization") + [
        alt.Tooltip("connections:Q", title="Connections")
    ]
    label = {"align": "left"}
    layers = [
        data(lines)
        .mark_rule()
        .encode(
            **pos(x2="x2", y2="y2"),
            color=shared,
            strokeWidth=alt.condition(alt.datum.count > 1, alt.value(2), alt.value(1)),
            tooltip=tooltips,
        ),
        points(nodes, tooltips, color=shared, shape=kinds),
        text(
            [n for n in nodes if n["count"] == 1],
            tooltips,
            ("tx", "ty"),
            "label",
            **label,
        ),
        text(
            [n for n in nodes if n["count"] > 1],
            tooltips,
            ("tx", "ty"),
            "label",
            **label,
            fontWeight="bold",
            color=RED,
        ),
        points(left, about, color=alt.value(INK)),
        text(left, about, ("tx", "ty"), "label", align="right", **HEAD),
    ]
    found = _findings(orgs, links, edges, degree)
    return Drawing(canvas(layers, WIDTH, height, title), found, False)


def _rooms(labels: Iterable[str]) -> list[float]:
    """The height each label takes: a row, or its lines with a gap."""
    return [max(_ROW, (t.count("\n") + 1) * LINE + 10) for t in labels]


def _centres(rooms: list[float], height: float) -> list[float]:
    """The middle of each label's room, the rooms spread evenly over ``height``."""
    extra = (height - sum(rooms)) / len(rooms)
    centres, top = [], 0.0
    for room in rooms:
        centres.append(top + (room + extra) / 2)
        top += room + extra
    return centres


def _findings(
    orgs: Names,
    links: Names,
    edges: dict[str, tuple[str, ...]],
    degree: dict[str, int],
) -> list[str]:
    most = max(degree.values())
    top = orgs.shown([o for o in degree if degree[o] == most])
    each = " each" if len(top) > 1 else ""
    found = [
        f"Most connected: {listed(top)}, with {count(most, 'connection', 'connections')}{each}."
    ]
    shared = sorted(
        (c for c in links.keys() if len(edges[c]) > 1), key=lambda c: -len(edges[c])
    )
    found += capped(
        [
            f"{quoted(links[c])} is connected to {len(edges[c])} organizations: {listed(orgs.shown(edges[c]))}."
            for c in shared
        ],
        10,
        "{n} more connections are shared by several organizations.",
    )
    if not shared:
        found.append("No business or table is connected to more than one organization.")
    return found
