"""Pictures of a team's table answers: journey map, many tables, many knocks, ...

Each kind is a pure function from the rows of a table answer to a :class:`Drawing`: an
Altair chart that renders offline (every mark placed at pixel positions computed here,
so nothing is random) and plain sentences saying what it shows. Each fits the picture
panel of the worksheet page (about 680 px wide) for typical answers and grows downward
with more rows; labels cut short keep their full text in tooltips and findings.
The definitions:

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

from collections.abc import Callable

from . import connections, flow, journey, knocks, pathway, tables
from ._common import Drawing, Rows
from .knocks import FATIGUE_AT, PER_YEAR, TOP_TARGETS

__all__ = ["FATIGUE_AT", "KINDS", "PER_YEAR", "TOP_TARGETS", "Drawing", "Rows", "draw"]

KINDS: dict[str, Callable[[Rows, dict[str, list[str]], str], Drawing]] = {
    "journey_map": journey.draw,
    "tables": tables.draw,
    "knocks": knocks.draw,
    "connections": connections.draw,
    "information_flow": flow.draw,
    "career_pathway": pathway.draw,
}


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
