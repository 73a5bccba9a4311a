"""Pictures on a worksheet page: a table the team fills in, drawn as it types.

The drawing itself is ``sectorwb.maps`` (pure: rows in, altair chart out); this module
puts it on the page next to the discussion questions, redraws it after a pause in
typing, and offers it as a PNG file. Only worksheets with pictures import it (altair).
"""

from __future__ import annotations

import html
import sys
from typing import Any

import ipywidgets as W

from . import maps
from .export import Download
from .figures import figure_html, to_png
from .schema import Picture, Table, Worksheet
from .ui import Later, lean, message

REDRAW_DELAY_S = 0.4  # wait for a pause in typing before drawing again


def drawing(picture: Picture, table: Table, value: Any) -> maps.Drawing:
    """The picture of a saved table answer (anything not a list of rows draws empty)."""
    rows = [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []
    return maps.draw(picture.kind, rows, table.known(), picture.title)


def picture_html(picture: Picture, shown: maps.Drawing) -> str:
    """The picture as inline SVG with what it shows in words, for eyes and ears."""
    label = picture.title + (": " + " ".join(shown.findings) if shown.findings else "")
    findings = "".join(f"<li>{html.escape(f)}</li>" for f in shown.findings)
    return figure_html(shown.chart, label, "sectorwb-picture") + (
        f'<ul class="sectorwb-findings">{findings}</ul>' if findings else ""
    )


class PictureView(W.HBox):
    """A picture of one table question, with its discussion questions beside it."""

    def __init__(self, picture: Picture, table: Table, beside: list[W.Widget]):
        self.picture, self.table = picture, table
        self.image = lean(W.HTML)
        self._later = Later()
        self._value: Any = None
        parts: list[W.Widget] = [
            lean(
                W.VBox, children=[self.image], _dom_classes=("sectorwb-picture-panel",)
            )
        ]
        if beside:
            parts.append(
                lean(W.VBox, children=beside, _dom_classes=("sectorwb-beside",))
            )
        super().__init__(parts, _dom_classes=("sectorwb-picture-row",))

    def follow(self, value: Any) -> None:
        """Draw this answer once typing pauses."""
        self._value = value
        self._later(REDRAW_DELAY_S, self._draw)

    def draw_now(self, value: Any) -> None:
        self._later.cancel()
        self._value = value
        self._draw()

    def _draw(self) -> None:
        try:
            shown = drawing(self.picture, self.table, self._value)
            self.image.value = picture_html(self.picture, shown)
        except Exception as exc:  # noqa: BLE001 - a picture must never break the form
            print(f"sectorwb: picture {self.picture.title!r}: {exc!r}", file=sys.stderr)
            self.image.value = message(
                f"“{self.picture.title}” cannot be drawn right now ({exc}). Your "
                "answers are saved; tell the trainer if this stays.",
                "warning",
            ).value


def drawings(
    ws: Worksheet, answers: dict[str, Any]
) -> list[tuple[Picture, maps.Drawing]]:
    """The worksheet's pictures that have something to show, for the exports."""
    shown = [(p, drawing(p, t, answers.get(t.id))) for p, t in ws.pictures()]
    return [(p, d) for p, d in shown if not d.empty]


def picture_png(ws: Worksheet, picture: Picture, answers: dict[str, Any]) -> bytes:
    table = next(t for p, t in ws.pictures() if p == picture)
    return to_png(drawing(picture, table, answers.get(picture.source)).chart)


def picture_downloads(ws: Worksheet) -> list[Download]:
    """One PNG download per picture of the worksheet."""
    return [
        Download(
            f"{p.title} (PNG)",
            f"{p.source}-{p.kind}.png",
            "image/png",
            lambda ws, _team, a, p=p: picture_png(ws, p, a),
        )
        for p, _table in ws.pictures()
    ]
