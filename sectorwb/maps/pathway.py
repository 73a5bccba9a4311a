"""The career pathway: stages in order, where people enter, leave for a job, come back."""

from __future__ import annotations

import altair as alt

from ._common import (
    BLUE,
    GREEN,
    HEAD,
    HEAD_FONT,
    LINE,
    MUTED,
    PURPLE,
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
    empty,
    framed,
    line_style,
    listed,
    pick,
    read,
    rects,
    text,
    tips,
    wrap,
)

ENTRY, EXIT, BACK = "Entry point", "Exit to a job", "Back for more credentials"
# Stages share the width: up to 4 fit the panel, more widen it.
_STAGE_MIN, _STAGE_MAX, _STAGE_GAP = 110, 150, 50
_BAND_H, _STAGE_TOP, _STAGE_H = 34, 84, 96
_JOB_TOP = _STAGE_TOP + _STAGE_H + 56


def draw(rows: Rows, known: dict[str, list[str]], title: str) -> Drawing:
    names = Names()
    stages: dict[str, Row] = {}
    for row in read(rows, "Stage"):
        stages.setdefault(names.add(row["Stage"]), row)
    if not stages:
        hint = (
            "No stages yet. Add the stages of the pathway in order, with their "
            "credentials, entry points and exits to a job, and the pathway appears here."
        )
        return empty(hint, title)
    n = len(stages)
    room = (WIDTH - 20 - (n - 1) * _STAGE_GAP) // n
    stage_w = max(_STAGE_MIN, min(_STAGE_MAX, room))
    boxes, moves, steps, loops = [], [], [], []
    bottom, middle = _STAGE_TOP + _STAGE_H, _STAGE_TOP + _STAGE_H / 2
    for i, (k, row) in enumerate(stages.items()):
        left = 10 + i * (stage_w + _STAGE_GAP)
        mid, last = left + stage_w / 2, i + 1 == n
        stage = names[k]
        here = box(left, _STAGE_TOP, stage_w, _STAGE_H, stage=stage)
        here |= _inside(row, stage, stage_w - 12, middle)
        here |= {"entry": pick(row["Entry point"], ("Yes", "No"))}
        here |= {"exit": pick(row["Exit to a job"], ("Yes", "No"))}
        boxes.append(here)
        if here["entry"] == "Yes":
            moves.append(arrow(mid, _BAND_H, mid, _STAGE_TOP, kind=ENTRY, stage=stage))
        if here["exit"] == "Yes":
            moves.append(arrow(mid, bottom, mid, _JOB_TOP, kind=EXIT, stage=stage))
        if here["exit"] == "Yes" and not last:  # the manual: back for an upward move
            later = left + stage_w + _STAGE_GAP + 24
            moves.append(
                arrow(mid + 30, _JOB_TOP, later, bottom, kind=BACK, stage=stage)
            )
            loops.append({"x": mid + 36, "y": _JOB_TOP + _BAND_H / 2, "text": BACK})
        if not last:
            right = left + stage_w
            steps.append(arrow(right, middle, right + _STAGE_GAP, middle))
    width = 20 + n * stage_w + (n - 1) * _STAGE_GAP
    bands = [
        box(0, 0, width, _BAND_H, text="Jobseekers and students", tx=8),
        box(0, _JOB_TOP, width, _BAND_H, text="Job", tx=8),
    ]
    tooltips = tips(
        stage="Stage", credential="Credential", about="Duration, institution"
    )
    colour, dash = line_style(
        "kind",
        "Arrows",
        (ENTRY, EXIT, BACK),
        (BLUE, GREEN, PURPLE),
        ([1, 0], [1, 0], [5, 3]),
    )
    inside = {"align": "center", "limit": stage_w - 12}
    layers = [
        rects(bands, color="#f1f1f1"),
        text(bands, at=("tx", "cy"), align="left", **HEAD, color=MUTED),
        *arrows(steps, alt.value("#777777"), width=1.5),
        *arrows(moves, colour, dash, tips(kind="Arrow", stage="Stage")),
        text(loops, align="left", color=PURPLE, fontStyle="italic"),
        *framed(boxes, tooltips, "name", ("cx", "ty1"), stage_w - 12),
        text(boxes, tooltips, ("cx", "ty2"), "credential", **inside),
        text(boxes, tooltips, ("cx", "ty3"), "lines", **inside, color=MUTED),
    ]
    chart = canvas(layers, width, _JOB_TOP + _BAND_H, title)
    return Drawing(chart, _findings(boxes), False)


def _inside(row: Row, stage: str, px: float, middle: float) -> Record:
    """The texts in a stage box, wrapped, and where their first lines go (centred)."""
    name = wrap(stage, px, size=HEAD_FONT)
    about = " \u00b7 ".join(t for t in (row["Duration"], row["Institution"]) if t)
    lines = wrap(about, px)
    counts = [name.count("\n") + 1, 1 if row["Credential"] else 0]
    counts.append(lines.count("\n") + 1 if lines else 0)
    first = middle - (sum(counts) * LINE + 6) / 2 + LINE / 2
    ty2 = first + counts[0] * LINE + 6  # a little room under the stage's name
    texts = {"name": name, "credential": row["Credential"], "about": about}
    return texts | {
        "lines": lines,
        "ty1": first,
        "ty2": ty2,
        "ty3": ty2 + counts[1] * LINE,
    }


def _findings(boxes: list[Record]) -> list[str]:
    entries = [b["stage"] for b in boxes if b["entry"] == "Yes"]
    exits = [b["stage"] for b in boxes if b["exit"] == "Yes"]
    found = [
        f"Entry points: {listed(entries)}."
        if entries
        else (
            "No entry point: mark a stage \u201cEntry point: Yes\u201d so jobseekers and "
            "students know where to start."
        )
    ]
    found.append(
        f"Exits to a job: {listed(exits)}."
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
            f"After a job, a person can come back for more credentials at: {listed(back)}."
        )
    bare = [b["stage"] for b in boxes if not b["credential"]]
    if bare:
        found.append(f"No credential named yet for: {listed(bare)}.")
    return found
