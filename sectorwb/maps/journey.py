"""The journey map: each program's steps stage by stage, with redundancy and gaps."""

from __future__ import annotations

import altair as alt

from ._common import (
    HEAD,
    HEAD_FONT,
    INK,
    LINE,
    ORANGE,
    PALE,
    SKY,
    WIDTH,
    Drawing,
    Names,
    Record,
    Rows,
    box,
    by,
    canvas,
    capped,
    centred,
    count,
    empty,
    listed,
    pick,
    quoted,
    read,
    rects,
    text,
    tips,
    wrap,
)

RATINGS = ("Strong", "Weak")
NOT_RATED = "Not rated"
GAP = "No step at this stage (gap)"
_LANE_W = 150  # program names
# Stage columns share the rest of the width: 4 or 5 stages fit the panel, more widen it.
_COL_MIN, _COL_MAX = 100, 130
_HEAD_H = 2 * LINE + 12  # stage names, in up to two lines
_CHIP_H, _CHIP_GAP, _PAD = 22, 4, 6
_BADGE_W = 24  # room for the "×3" of a repeated step

Step = tuple[str, str, str]  # keys of program, stage, step


def draw(rows: Rows, known: dict[str, list[str]], title: str) -> Drawing:
    programs, stages, labels = Names(), Names(known.get("Stage", ())), Names()
    steps: dict[Step, Record] = {}
    stageless = 0
    for row in read(rows, "Program"):
        program = programs.add(row["Program"])  # a program alone is a lane of gaps
        if row["Step"] and not row["Stage"]:
            stageless += 1
        elif row["Step"]:
            k = (program, stages.add(row["Stage"]), labels.add(row["Step"]))
            rating = pick(row["Strong or weak"], RATINGS) or NOT_RATED
            steps.setdefault(k, {"rating": rating, "notes": row["Notes"]})
    if not steps:
        hint = (
            "No steps yet. Add a program, a stage and a step in the table above and "
            "the map appears here."
        )
        return empty(hint, title)
    doers: dict[tuple[str, str], list[str]] = {}
    for program, stage, step in steps:
        doers.setdefault((stage, step), []).append(program)
    col = max(_COL_MIN, min(_COL_MAX, (WIDTH - _LANE_W) // len(stages.keys())))

    chips, cells, lanes, top = [], [], [], _HEAD_H
    for program in programs.keys():
        in_cell = {
            s: [k[2] for k in steps if k[:2] == (program, s)] for s in stages.keys()
        }
        most = max(1, *map(len, in_cell.values()))
        height = most * (_CHIP_H + _CHIP_GAP) - _CHIP_GAP + 2 * _PAD
        lanes.append(
            {"x": _LANE_W - 10, "y": top + height / 2, "text": programs[program]}
        )
        for i, (stage, keys) in enumerate(in_cell.items()):
            left = _LANE_W + i * col
            where = {"program": programs[program], "stage": stages[stage]}
            gap = {"gap": "" if keys else GAP, "word": "gap"}
            cells.append(box(left + 2, top + 2, col - 4, height - 4, **where, **gap))
            for j, step in enumerate(keys):
                doing = doers[(stage, step)]
                n = len(doing)
                chip = box(
                    left + 5, top + _PAD + j * (_CHIP_H + _CHIP_GAP), col - 10, _CHIP_H
                )
                chips.append(
                    chip
                    | where
                    | steps[(program, stage, step)]
                    | {"tx": left + 10, "bx": left + col - 10, "step": labels[step]}
                    | {"repeated": n if n > 1 else 0, "badge": f"\u00d7{n}"}
                    | {"repeated_label": f"Repeated by {n} programs"}
                    | {"repeated_by": ", ".join(programs.shown(doing))}
                )
        top += height
    heads = []
    for i, s in enumerate(stages.keys()):
        head = wrap(stages[s], col - 8, size=HEAD_FONT)
        x, y = _LANE_W + (i + 0.5) * col, centred(head, _HEAD_H / 2)
        heads.append({"x": x, "y": y, "head": head, "stage": stages[s]})
    layers = _layers(chips, cells, lanes, heads, col)
    chart = canvas(layers, _LANE_W + len(heads) * col, top, title)
    found = _findings(programs, stages, labels, steps, doers, stageless)
    return Drawing(chart, found, False)


def _layers(
    chips: list[Record],
    cells: list[Record],
    lanes: list[Record],
    heads: list[Record],
    col: float,
) -> list[alt.Chart]:
    tooltips = tips(program="Program", stage="Stage", step="Step")
    tooltips += tips(rating="Strong or weak", notes="Notes")
    tooltips += tips(repeated_by="Programs with this step here")
    repeated = [c for c in chips if c["repeated"]]
    by_most = sorted(repeated, key=lambda c: -c["repeated"])
    kinds = list(dict.fromkeys(c["repeated_label"] for c in by_most))
    gaps = [c for c in cells if c["gap"]]
    rating = by(alt.Fill, "rating", "Step", (*RATINGS, NOT_RATED), (SKY, ORANGE, PALE))

    def steps(chips: list[Record], limit: float) -> alt.Chart:
        return text(chips, tooltips, ("tx", "cy"), "step", align="left", limit=limit)

    layers = [
        rects([c for c in cells if not c["gap"]], color="#f4f4f4"),
        rects(chips, tooltips, cornerRadius=4, stroke="#ffffff").encode(fill=rating),
        steps([c for c in chips if not c["repeated"]], col - 20),
    ]
    if repeated:  # outlined, with the number of programs in a badge
        outline = by(
            alt.Color,
            "repeated_label",
            "Redundancy (\u00d7 programs)",
            kinds,
            [INK] * len(kinds),
            symbolType="square",
        )
        layers += [
            rects(
                repeated, tooltips, cornerRadius=4, filled=False, strokeWidth=2.5
            ).encode(color=outline),
            steps(repeated, col - 20 - _BADGE_W),
            text(
                repeated,
                tooltips,
                ("bx", "cy"),
                "badge",
                align="right",
                fontWeight="bold",
            ),
        ]
    if gaps:
        dashed = by(
            alt.Stroke,
            "gap",
            "Gap",
            [GAP],
            ["#777777"],
            symbolType="square",
            symbolDash=[5, 3],
        )
        layers += [
            rects(
                gaps,
                tips(program="Program", stage="Stage", gap="Gap"),
                fill="#ffffff",
                strokeWidth=1.2,
                strokeDash=[5, 3],
            ).encode(stroke=dashed),
            text(
                gaps,
                at=("cx", "cy"),
                field="word",
                fontStyle="italic",
                color="#666666",
                align="center",
            ),
        ]
    return layers + [
        text(lanes, align="right", limit=_LANE_W - 16, fontSize=HEAD_FONT),
        text(
            heads,
            tips(stage="Stage"),
            field="head",
            align="center",
            limit=col - 6,
            **HEAD,
        ),
    ]


def _findings(
    programs: Names,
    stages: Names,
    labels: Names,
    steps: dict[Step, Record],
    doers: dict[tuple[str, str], list[str]],
    stageless: int,
) -> list[str]:
    order = stages.keys()
    repeats = sorted(
        ((stage, step, who) for (stage, step), who in doers.items() if len(who) > 1),
        key=lambda r: (-len(r[2]), order.index(r[0])),
    )
    found = capped(
        [
            f"{quoted(labels[step])} at {stages[stage]} is repeated by {len(who)} programs: {listed(programs.shown(who))}."
            for stage, step, who in repeats
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
                f"Gaps: {len(missing)} programs have no step at {stages[stage]}: {listed(programs.shown(missing))}."
            )
    weak = [
        f"{quoted(labels[step])} ({programs[program]}, {stages[stage]})"
        for (program, stage, step), v in steps.items()
        if v["rating"] == "Weak"
    ]
    if weak:
        found.append(f"Weak points: {listed(weak)}.")
    if stageless:
        it = "it is" if stageless == 1 else "they are"
        found.append(
            f"{count(stageless, 'step has', 'steps have')} no stage, so {it} not on the map: add the stage."
        )
    return found
