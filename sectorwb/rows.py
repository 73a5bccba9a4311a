"""A table's shown rows: the widgets of one row, reused as the rows or the page change,
and the pager that moves between pages of a long table."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from .schema import Table
from .ui import lean, shared_layout

# Rows shown at once: 50 rows of 4 cells are ~300 widget models, about what two whole
# worksheet pages open (bench_table_rows.py); 10,000 rows at once never rendered.
PAGE_ROWS = 50
# A preset row keeps its place for the Remove button, so its cells line up with the
# rows below; hidden, the button is also out of the keyboard and screen-reader order.
_NO_REMOVE = shared_layout(visibility="hidden")
# A cell's name ends with its table's question, cut to this many characters: enough
# to tell two tables of a page apart, short enough to hear in every cell.
_QUESTION_CHARS = 60


def table_name(table: Table) -> str:
    """The question of a table, shortened at a word, as its cells' names end."""
    return textwrap.shorten(table.text, _QUESTION_CHARS, placeholder="…")


def cell_name(table: Table, column: str, index: int) -> str:
    """The accessible name of a cell (row ``index``, 0-based): the column, the row
    and the table, so "Organization, row 1" of two tables on a page differ."""
    return f"{column}, row {index + 1}: {table_name(table)}"


def cell_text(value: Any) -> str:
    """What a cell shows of a saved value (a missing or null cell is empty)."""
    return "" if value is None else str(value)


class RowWidgets:
    """The cells and the Remove button of one row on the page; ``show`` points them
    at another row of the table (another page, a row removed above) in place."""

    def __init__(
        self,
        table: Table,
        offered: dict[str, tuple[str, ...]],
        index: int,
        row: dict[str, Any],
        on_cell: Callable[[RowWidgets, str, str], None],
        on_remove: Callable[[RowWidgets], None],
    ):
        self.table = table
        self.index = index  # the row of the table (0-based) these widgets show now
        self.cells: dict[str, W.Widget] = {}
        for col in table.columns:
            # Each widget opens with its state: one comm message, not one per setting.
            kind, extra = self._kind(col, offered, cell_text(row.get(col)))
            cell = lean(kind, _dom_classes=("sectorwb-cell",), **extra)
            cell.observe(lambda ch, col=col: on_cell(self, col, ch["new"]), "value")
            self.cells[col] = cell
        self.remove = lean(
            W.Button,
            icon="trash",
            _dom_classes=("sectorwb-remove",),
            **self._remove_state(),
        )
        self.remove.on_click(lambda _b: on_remove(self))
        self.box = lean(
            W.HBox,
            layout=shared_layout(width="100%"),
            children=[*self.cells.values(), self.remove],
            _dom_classes=("sectorwb-row",),
        )

    def _kind(
        self, col: str, offered: dict[str, tuple[str, ...]], text: str
    ) -> tuple[type, dict[str, Any]]:
        """The cell's widget class and its whole state for the current row."""
        q = self.table
        state: dict[str, Any] = {"description": cell_name(q, col, self.index)}
        if col in q.column_options:
            # Keep a saved value even if the YAML no longer lists it.
            options = ("", *dict.fromkeys([*q.column_options[col], text]))
            return W.Dropdown, state | {"options": options, "value": text}
        if col in offered:
            extra = {"options": offered[col], "ensure_option": False}
            return W.Combobox, state | extra | {"value": text}
        blank = col == q.columns[0] and self.index >= len(q.preset)
        placeholder = q.blank_placeholder if blank else ""
        return W.Text, state | {"placeholder": placeholder, "value": text}

    @property
    def removable(self) -> bool:
        """Rows the team added can go; the manual's preset rows stay (docs/design.md)."""
        return self.index >= len(self.table.preset)

    def _remove_state(self) -> dict[str, Any]:
        # The icon is what shows; the words are the button's accessible name, hidden
        # by CSS (Chromium names an icon-only button "", ignoring its tooltip).
        fixed = not self.removable
        return {
            "description": f"Remove row {self.index + 1}: {table_name(self.table)}",
            "disabled": fixed,
            "layout": _NO_REMOVE if fixed else shared_layout(),
        }

    def show(
        self, index: int, row: dict[str, Any], offered: dict[str, tuple[str, ...]]
    ) -> None:
        """Show another row (or the same row's new values); only what differs is sent."""
        self.index = index
        for col, cell in self.cells.items():
            _, state = self._kind(col, offered, cell_text(row.get(col)))
            _update(cell, state)
        _update(self.remove, self._remove_state())

    def offer(self, offered: dict[str, tuple[str, ...]]) -> None:
        for col, cell in self.cells.items():
            if col in offered and cell.options != offered[col]:
                cell.options = offered[col]

    def close(self) -> None:
        """Close this row's widgets (the shared layouts and styles stay open)."""
        for widget in (*self.cells.values(), self.remove, self.box):
            widget.close()


class Pager(W.HBox):
    """The "Previous rows" and "Next rows" buttons and "Rows 51–100 of 1,000" text
    under a long table."""

    def __init__(self, turn: Callable[[int], None]):
        self._prev = lean(W.Button, description="Previous rows", icon="chevron-left")
        self._next = lean(W.Button, description="Next rows", icon="chevron-right")
        self._prev.on_click(lambda _b: turn(-1))
        self._next.on_click(lambda _b: turn(1))
        self._where = lean(W.HTML)
        # The text last: its width changes from page to page, and the buttons must
        # stay where they are for a second click.
        super().__init__(
            [self._prev, self._next, self._where],
            layout=shared_layout(),
            _dom_classes=("sectorwb-pager",),
        )

    def show(self, start: int, count: int, total: int) -> None:
        """Rows ``start`` to ``start + count`` (0-based) of ``total`` are on the page."""
        text = f"Rows {start + 1:,}–{start + count:,} of {total:,}"
        # Announced when the page turns (a screen reader hears where it is).
        _update(
            self._where,
            {"value": f'<span role="status" aria-live="polite">{text}</span>'},
        )
        _update(self._prev, {"disabled": start == 0})
        _update(self._next, {"disabled": start + count >= total})


def _update(widget: W.Widget, state: dict[str, Any]) -> None:
    changed = {k: v for k, v in state.items() if getattr(widget, k) != v}
    if changed:
        with widget.hold_sync():  # one message for the whole change
            # Options first: a Dropdown only takes a value its options hold.
            for key in sorted(changed, key=lambda k: k != "options"):
                setattr(widget, key, changed[key])
