"""Many knocks: which businesses many organizations knock on, and how often."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt

from ._common import (
    HEAD_FONT,
    LINE,
    MUTED,
    ORANGE,
    RED,
    SKY,
    WIDTH,
    Drawing,
    Names,
    Rows,
    box,
    by,
    canvas,
    capped,
    count,
    empty,
    key,
    listed,
    merge,
    read,
    rects,
    text,
    tips,
    wrap,
)

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

FATIGUE = f"Risk of employer fatigue ({FATIGUE_AT}+ organizations)"
LEVELS = {2: "Knocked by 2 organizations", 1: "Knocked by 1 organization"}
_TARGET_W, _VALUE_W, _ROW = 150, 250, 24  # names, "3 organizations · ...", bars
_BARS_W = WIDTH - _TARGET_W - _VALUE_W


@dataclass
class _Target:
    organizations: tuple[str, ...] = ()
    per_year: float = 0
    programs: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()


def draw(rows: Rows, known: dict[str, list[str]], title: str) -> Drawing:
    orgs, names = Names(), Names()
    per_year = {key(label): n for label, n in PER_YEAR.items()}
    targets: dict[str, _Target] = {}
    for row in read(rows, "Organization", "Businesses or sector targeted"):
        org = orgs.add(row["Organization"])
        for name in row.names("Businesses or sector targeted"):
            t = targets.setdefault(names.add(name), _Target())
            t.organizations = merge(t.organizations, [org])
            t.per_year += per_year.get(key(row["How often"]), 1)
            t.programs = merge(t.programs, [row["Program"]] if row["Program"] else [])
            t.purposes = merge(t.purposes, [row["Purpose"]] if row["Purpose"] else [])
    if not targets:
        hint = (
            "No knocks yet. Add an organization, the businesses or sector it targets "
            "and how often, and the knocks on each business appear here."
        )
        return empty(hint, title)
    # Most organizations first, then most knocks; ties keep the order typed.
    order = sorted(
        names.keys(),
        key=lambda k: (-len(targets[k].organizations), -targets[k].per_year),
    )
    unit = _BARS_W / max(len(t.organizations) for t in targets.values())
    bars = []
    for i, k in enumerate(order[:TOP_TARGETS]):
        t, n = targets[k], len(targets[k].organizations)
        bars.append(
            box(_TARGET_W, 34 + i * _ROW, n * unit, _ROW - 8)
            | {"target": names[k], "level": _level(n)}
            | {"organizations": "; ".join(orgs.shown(t.organizations))}
            | {"per_year": round(t.per_year, 1)}
            | {"programs": "; ".join(t.programs), "purposes": "; ".join(t.purposes)}
            | {"lx": _TARGET_W - 8, "vx": _TARGET_W + n * unit + 6}
            | {
                "text": f"{count(n, 'organization', 'organizations')} \u00b7 {_per_year(t.per_year)}"
            }
        )
    tooltips = tips(target="Business or sector", organizations="Organizations knocking")
    tooltips += [alt.Tooltip("per_year:Q", title="Knocks a year")]
    tooltips += tips(programs="Programs", purposes="Purposes")
    bottom = 30 + len(bars) * _ROW
    notes = [
        {
            "x": _TARGET_W,
            "y": 12,
            "text": "Organizations knocking (bars), knocks a year",
        }
    ]
    rest = [len(targets[k].organizations) for k in order[TOP_TARGETS:]]
    if rest:
        more = wrap(_more_targets(rest), WIDTH - _TARGET_W, lines=3)
        notes.append({"x": _TARGET_W, "y": bottom + 14, "text": more})
        bottom += 14 + (more.count("\n") + 1) * LINE
    levels = by(
        alt.Color,
        "level",
        "Knocked on by",
        (FATIGUE, *LEVELS.values()),
        (RED, ORANGE, SKY),
    )
    layers = [
        rects(bars, tooltips, cornerRadiusEnd=3).encode(color=levels),
        text(
            bars,
            tooltips,
            ("lx", "cy"),
            "target",
            align="right",
            limit=_TARGET_W - 12,
            fontSize=HEAD_FONT,
        ),
        text(bars, tooltips, ("vx", "cy"), align="left", limit=_VALUE_W - 8),
        text(notes, align="left", color=MUTED, fontStyle="italic"),
    ]
    chart = canvas(layers, WIDTH, bottom + 4, title)
    return Drawing(chart, _findings(order, targets, names, orgs), False)


def _level(organizations: int) -> str:
    return FATIGUE if organizations >= FATIGUE_AT else LEVELS[organizations]


def _per_year(n: float) -> str:
    return f"about {count(round(n), 'knock', 'knocks')} a year"


def _more_targets(counts: list[int]) -> str:
    """The line standing for the businesses beyond the top bars."""
    what = count(len(counts), "more business or sector", "more businesses or sectors")
    if max(counts) == 1:
        return f"{what}, each knocked by one organization"
    return f"{what}: {_breakdown(counts)}"


def _breakdown(counts: list[int]) -> str:
    """How many businesses each level of knocking holds, e.g. "2 at risk of ..."."""
    parts = [
        (sum(c >= FATIGUE_AT for c in counts), "at risk of employer fatigue"),
        (sum(c == 2 for c in counts), "knocked by 2 organizations"),
        (sum(c == 1 for c in counts), "knocked by one organization"),
    ]
    return ", ".join(f"{n} {words}" for n, words in parts if n)


def _findings(
    order: list[str], targets: dict[str, _Target], names: Names, orgs: Names
) -> list[str]:
    many = [k for k in order if len(targets[k].organizations) > 1]
    knockers = count(len(orgs.keys()), "organization knocks", "organizations knock")
    doors = count(len(order), "business or sector", "businesses or sectors")
    counts = [len(targets[k].organizations) for k in order]
    found = [f"{knockers} on {doors}: {_breakdown(counts)}."]
    sentences = []
    for k in many:
        t = targets[k]
        n = len(t.organizations)
        warning = " \u2014 risk of employer fatigue." if n >= FATIGUE_AT else "."
        sentences.append(
            f"{names[k]} is knocked by {n} organizations ({_per_year(t.per_year)}): "
            f"{listed(orgs.shown(t.organizations))}{warning}"
        )
    found += capped(
        sentences,
        10,
        "{n} more businesses or sectors are knocked by 2 or more organizations.",
    )
    if not many:
        found.append(
            "No business or sector is knocked on by more than one organization."
        )
    return found
