"""Information flow: the hops a message takes, and where it does not get through."""

from __future__ import annotations

from ._common import (
    GREEN,
    GREY,
    HEAD_FONT,
    LINE,
    NOT_ANSWERED,
    ORANGE,
    RED,
    WIDTH,
    Drawing,
    Names,
    Record,
    Row,
    Rows,
    arrow,
    arrows,
    box,
    canvas,
    centred,
    clean,
    count,
    data,
    empty,
    framed,
    key,
    line_style,
    pick,
    pos,
    quoted,
    read,
    text,
    tips,
    wrap,
)

THROUGH = ("Yes", "Partly", "No", NOT_ANSWERED)
ARROWS = ("\u203a", "\u2192", "->", ">")  # the first one a hop has splits it
# Groups share the width: up to 5 fit the panel, more widen it.
_NODE_MIN, _NODE_MAX, _NODE_H = 120, 170, 40
_HOP_H = 4 * LINE + 14  # two lines above the arrow (what passes), two below (where)


def draw(rows: Rows, known: dict[str, list[str]], title: str) -> Drawing:
    nodes = Names()
    hops: list[tuple[str, str, Row]] = []
    found = []
    for row in read(rows, "Hop"):
        sign = next((a for a in ARROWS if a in row["Hop"]), ARROWS[0])
        ends = [clean(part) for part in row["Hop"].split(sign) if clean(part)]
        if len(ends) == 2 and key(ends[0]) != key(ends[1]):
            hops.append((nodes.add(ends[0]), nodes.add(ends[1]), row))
        else:
            found.append(
                f"{quoted(row['Hop'])} is not a hop from one group to another: write it as "
                "\u201cfrom \u203a to\u201d, e.g. \u201cindustry-led partnership \u203a decision makers\u201d."
            )
    if not hops:
        hint = (
            "No hops yet. Add a hop such as \u201cindustry-led partnership \u203a decision "
            "makers\u201d and whether the message gets through, and the flow appears here."
        )
        return empty(hint, title, found)
    node_w = max(_NODE_MIN, min(_NODE_MAX, WIDTH // len(nodes.keys())))
    column = {n: (i + 0.5) * node_w for i, n in enumerate(nodes.keys())}
    top = _NODE_H + 12 + 2 * LINE
    bottom = top + (len(hops) - 0.5) * _HOP_H
    hop_lines = []
    for i, (a, b, row) in enumerate(hops):  # one row per hop, as in a sequence diagram
        inset = 8 if column[b] > column[a] else -8
        y = top + i * _HOP_H
        status = pick(row["Does it get through?"], THROUGH[:3]) or NOT_ANSWERED
        span = abs(column[b] - column[a]) - 12  # the words of a hop stay over its arrow
        above = wrap(row["What passes"], span)
        hop_lines.append(
            arrow(column[a] + inset, y, column[b] - inset, y)
            | {"hop": f"{nodes[a]} \u203a {nodes[b]}", "status": status}
            | {"passes": row["What passes"], "where": row["Where it breaks"]}
            # Lines go down from the first: what passes ends just above the arrow.
            | {"above": above, "ay": y - 6 - above.count("\n") * LINE}
            | {"below": wrap(row["Where it breaks"], span), "by": y + 8}
        )
    groups = []
    for n, x in column.items():
        name = wrap(nodes[n], node_w - 24, size=HEAD_FONT)
        groups.append(
            box(x - node_w / 2 + 6, 4, node_w - 12, _NODE_H, end=bottom, text=nodes[n])
            | {"name": name, "ty": centred(name, 4 + _NODE_H / 2)}
        )
    chart = canvas(
        _layers(groups, hop_lines, node_w), len(column) * node_w, bottom + 24, title
    )
    return Drawing(chart, found + _findings(hop_lines), False)


def _layers(groups: list[Record], hop_lines: list[Record], node_w: float) -> list:
    tooltips = tips(hop="Hop", passes="What passes", status="Gets through?")
    tooltips += tips(where="Where it breaks")
    colour, dash = line_style(
        "status",
        "Does it get through?",
        THROUGH,
        (GREEN, ORANGE, RED, GREY),
        ([1, 0], [1, 0], [6, 4], [1, 0]),
    )
    label = {"align": "center", "limit": len(groups) * node_w - 12}
    broken = [h for h in hop_lines if h["status"] != "Yes" and h["where"]]
    cross = {"shape": "cross", "angle": 45, "size": 120, "filled": True, "opacity": 1}
    return [
        data(groups)
        .mark_rule(color="#bbbbbb", strokeDash=[2, 3])
        .encode(**pos("cx", "y2", y2="end")),
        *framed(groups, tips(text="Group"), "name", ("cx", "ty"), node_w - 20),
        *arrows(hop_lines, colour, dash, tooltips, width=2.5),
        text(hop_lines, tooltips, ("mx", "ay"), "above", baseline="bottom", **label),
        text(
            broken,
            tooltips,
            ("mx", "by"),
            "below",
            baseline="top",
            fontStyle="italic",
            color=RED,
            **label,
        ),
        data([h for h in hop_lines if h["status"] == "No"])  # the break mark
        .mark_point(color=RED, **cross)
        .encode(**pos("mx", "my"), tooltip=tooltips),
    ]


def _findings(hop_lines: list[Record]) -> list[str]:
    found = []
    for h in hop_lines:
        where = f": {h['where']}" if h["where"] else ""
        if h["status"] == "No":
            found.append(f"It breaks at {h['hop']}{where}.")
        elif h["status"] == "Partly":
            found.append(f"It only partly gets through at {h['hop']}{where}.")
    unanswered = sum(h["status"] == NOT_ANSWERED for h in hop_lines)
    if unanswered:
        found.append(
            f"{count(unanswered, 'hop has', 'hops have')} no answer to \u201cDoes it get through?\u201d yet."
        )
    if all(h["status"] == "Yes" for h in hop_lines):
        found.append("Every hop gets through.")
    return found
