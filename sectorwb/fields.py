"""One widget class per question kind; each exposes the answer as one JSON ``value``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as W
import traitlets

from .offers import Kinds, Named, options
from .rows import PAGE_ROWS, Pager, RowWidgets, table_name
from .schema import (
    DateQ,
    ItemList,
    LongText,
    MultiChoice,
    ShortText,
    SingleChoice,
    Table,
    YesNo,
)
from .ui import lean, shared_layout, text_block

FULL = shared_layout(width="100%")


class Field(W.VBox):
    """A question's widget: its ``value`` trait is what the store saves (JSON)."""

    value = traitlets.Any(allow_none=True)
    quiet = False  # True: another laptop's save replaces it without a notice

    def __init__(self, question: Any):
        self.question = question
        self.value = question.empty()
        parts = self._build()
        if question.help:
            parts.append(text_block(question.help))
        # Built before the comm opens: children and class go out in its first message
        # (set afterwards, each would be one more message that Voila relays).
        # Only a question that can hide needs a Layout of its own (display toggles).
        layout = {} if question.show_if else {"layout": shared_layout()}
        classes = ("sectorwb-field", *(("sectorwb-sub",) if question.sub_item else ()))
        super().__init__(parts, _dom_classes=classes, **layout)

    def _build(self) -> list[W.Widget]:
        raise NotImplementedError

    def suggest(self, named: Named, kinds: Kinds | None = None) -> None:
        """Offer the team's named answers (e.g. its target sectors) and the region's
        organisations (with ``kinds``, see ``offers.options``) where the question asks
        for them, keeping free typing; most questions offer none."""

    _syncing = False

    @contextmanager
    def _sync(self) -> Iterator[None]:
        """While the parts are set from ``value``, their events must not write back."""
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    @staticmethod
    def _label_args(*classes: str) -> dict[str, Any]:
        """Constructor arguments of an input whose description is the question."""
        # The description renders as <label for=input>: screen readers announce the
        # question; CSS puts the label above the input and lets it wrap. An empty
        # tooltip, else the browser shows a "null" tooltip on the label.
        return {"_dom_classes": ("sectorwb-q", *classes), "tooltip": ""}


class TextField(Field):
    """One line of text; with ``offers`` it suggests the team's named answers."""

    _picks: dict[str, str] = {}  # an option shown with its kind -> the name it saves

    def _build(self) -> list[W.Widget]:
        q: ShortText = self.question
        if q.offers:
            self._box = lean(
                W.Combobox,
                layout=FULL,
                description=q.text,
                placeholder=q.placeholder,
                ensure_option=False,
                **self._label_args(),
            )
        else:
            self._box = lean(
                W.Text,
                layout=FULL,
                description=q.text,
                placeholder=q.placeholder,
                **self._label_args(),
            )
        W.link((self, "value"), (self._box, "value"))
        if q.offers:  # after the link, which must see the box's value unchanged
            self._box.observe(self._picked, names="value")
        return [self._box]

    def _picked(self, change: Any) -> None:
        if change["new"] in self._picks:
            self._box.value = self._picks[change["new"]]  # the link saves the name

    def suggest(self, named: Named, kinds: Kinds | None = None) -> None:
        q: ShortText = self.question
        if q.offers:
            self._box.options, self._picks = options(q.offers, named, kinds or {})


class LongTextField(Field):
    def _build(self) -> list[W.Widget]:
        box = lean(
            W.Textarea,
            layout=FULL,
            description=self.question.text,
            placeholder=self.question.placeholder,
            rows=4,
            **self._label_args(),
        )
        W.link((self, "value"), (box, "value"))
        return [box]


class YesNoField(Field):
    def _build(self) -> list[W.Widget]:
        self._choice = lean(
            W.RadioButtons,
            layout=FULL,
            options=["Yes", "No"],
            value=None,
            description=self.question.text,
            **self._label_args(),
        )
        self._notes = lean(
            W.Textarea,
            layout=FULL,
            description=self.question.notes_label,
            rows=2,
            **self._label_args("sectorwb-notes"),
        )
        for w in (self._choice, self._notes):
            w.observe(self._from_parts, names="value")
        self.observe(self._to_parts, names="value")
        return [self._choice, self._notes]

    def _from_parts(self, _change: Any) -> None:
        if not self._syncing:
            self.value = {"answer": self._choice.value, "notes": self._notes.value}

    def _to_parts(self, change: Any) -> None:
        value = change["new"] if isinstance(change["new"], dict) else {}
        answer = value.get("answer")
        with self._sync():
            self._choice.value = answer if answer in ("Yes", "No") else None
            self._notes.value = value.get("notes") or ""


class SingleChoiceField(Field):
    def _build(self) -> list[W.Widget]:
        box = lean(
            W.RadioButtons,
            layout=FULL,
            options=self.question.options,
            value=None,
            description=self.question.text,
            **self._label_args(),
        )
        W.link((self, "value"), (box, "value"))
        parts: list[W.Widget] = [box]
        if self.question.option_help:
            self._about = lean(W.HTML)
            self.observe(self._show_about, names="value")
            parts.append(self._about)
        return parts

    def _show_about(self, change: Any) -> None:
        about = self.question.option_help.get(change["new"] or "", "")
        self._about.value = text_block(about, "sectorwb-about").value if about else ""

    @traitlets.validate("value")
    def _known(self, proposal: Any) -> Any:
        # A saved option the YAML no longer lists reads as unanswered, not a crash.
        value = proposal["value"]
        return value if value in self.question.options else None


class MultiChoiceField(Field):
    def _build(self) -> list[W.Widget]:
        self._boxes = [
            lean(W.Checkbox, description=o, indent=False) for o in self.question.options
        ]
        for box in self._boxes:
            box.observe(self._from_boxes, names="value")
        self.observe(self._to_boxes, names="value")
        return [text_block(self.question.text, "sectorwb-qtext"), *self._boxes]

    def _from_boxes(self, _change: Any) -> None:
        if not self._syncing:
            self.value = [b.description for b in self._boxes if b.value]

    def _to_boxes(self, change: Any) -> None:
        chosen = set(change["new"] or [])
        with self._sync():
            for box in self._boxes:
                box.value = box.description in chosen


class DateField(Field):
    def _build(self) -> list[W.Widget]:
        self._picker = lean(
            W.DatePicker,
            layout=FULL,
            description=self.question.text,
            **self._label_args(),
        )
        self._picker.observe(self._from_picker, names="value")
        self.observe(self._to_picker, names="value")
        return [self._picker]

    def _from_picker(self, change: Any) -> None:
        self.value = change["new"].isoformat() if change["new"] else None

    def _to_picker(self, change: Any) -> None:
        try:
            self._picker.value = (
                dt.date.fromisoformat(change["new"]) if change["new"] else None
            )
        except (TypeError, ValueError):
            self._picker.value = None


class ListField(Field):
    """A list of items, typed one per line (plain, keyboard-friendly, pasteable)."""

    def _build(self) -> list[W.Widget]:
        self._box = lean(
            W.Textarea,
            layout=FULL,
            description=self.question.text,
            placeholder=self.question.placeholder,
            rows=4,
            **self._label_args(),
        )
        self._box.observe(self._from_box, names="value")
        self.observe(self._to_box, names="value")
        return [self._box]

    def _from_box(self, change: Any) -> None:
        items = [line.strip() for line in change["new"].splitlines() if line.strip()]
        if items != self.value:
            self.value = items

    def _to_box(self, change: Any) -> None:
        items = change["new"] or []
        current = [
            line.strip() for line in self._box.value.splitlines() if line.strip()
        ]
        if current != items:
            self._box.value = "\n".join(items)


class TableField(Field):
    """Rows of text cells under named columns: add and remove rows, and a long table
    shown ``PAGE_ROWS`` rows at a time. ``value`` holds every row; only the rows on
    the page have widgets, reused as the rows or the page change (never rebuilt)."""

    def _build(self) -> list[W.Widget]:
        q: Table = self.question
        header = lean(
            W.HBox,
            layout=FULL,
            children=[text_block(c, "sectorwb-th", "div") for c in q.columns],
            _dom_classes=("sectorwb-row", "sectorwb-thead"),
        )
        self._rows = lean(W.VBox)
        # What the free-typed columns offer: the YAML's values, then the team's.
        self._offered = {
            c: tuple(q.column_suggestions.get(c, ()))
            for c in q.typed_with_suggestions()
        }
        self._picks: dict[str, dict[str, str]] = {}  # see TextField._picks
        self._shown: list[RowWidgets] = []
        self._start = 0  # index of the first row on the page
        self._pager: Pager | None = None  # built once a table is longer than a page
        # The page script names it after the question too (its words are what shows).
        add = lean(
            W.Button,
            description="Add a row",
            icon="plus",
            _dom_classes=("sectorwb-add-row",),
        )
        add.on_click(lambda _b: self._add_row())
        self.observe(self._show, names="value")
        self._show()
        # The short name the page script gives the table's buttons (as its cells').
        title = text_block(q.text, "sectorwb-qtext", sectorwb_name=table_name(q))
        return [title, header, self._rows, add]

    @traitlets.validate("value")
    def _rows_only(self, proposal: Any) -> list[dict[str, Any]]:
        # (traitlets lets None through without asking: see ``_all``.)
        value = proposal["value"]
        rows = value if isinstance(value, list) else []
        if all(isinstance(r, dict) for r in rows):
            return rows
        return [r for r in rows if isinstance(r, dict)]

    def _all(self) -> list[dict[str, Any]]:
        return self.value or []

    def _show(self, _change: Any = None) -> None:
        """Point the page's row widgets at the rows of the current page; only the
        difference in row count is built or closed."""
        rows = self._all()
        self._start = min(self._start, _page_start(len(rows) - 1))
        page = rows[self._start : self._start + PAGE_ROWS]
        kept, gone = self._shown[: len(page)], self._shown[len(page) :]
        with self._sync():
            for i, (widgets, row) in enumerate(zip(kept, page, strict=False)):
                widgets.show(self._start + i, row, self._offered)
            kept += [
                RowWidgets(
                    self.question,
                    self._offered,
                    self._start + i,
                    page[i],
                    self._from_cell,
                    self._remove_row,
                )
                for i in range(len(kept), len(page))
            ]
        self._shown = kept
        boxes = [w.box for w in kept]
        if len(rows) > PAGE_ROWS:
            if self._pager is None:
                self._pager = Pager(self._turn)
            self._pager.show(self._start, len(page), len(rows))
            boxes.append(self._pager)
        if boxes != list(self._rows.children):
            self._rows.children = boxes
        for widgets in gone:  # after they left the page, so no view shows a closed one
            widgets.close()

    def _turn(self, step: int) -> None:
        self._start = max(0, self._start + step * PAGE_ROWS)
        self._show()

    def suggest(self, named: Named, kinds: Kinds | None = None) -> None:
        """Offer the team's named answers and the region's organisations in the
        columns that ask for them."""
        q: Table = self.question
        for col, names in q.column_offers.items():
            first = q.column_suggestions.get(col, ())
            self._offered[col], self._picks[col] = options(
                names, named, kinds or {}, first
            )
        for widgets in self._shown:
            widgets.offer(self._offered)

    def _add_row(self) -> None:
        rows = self._all()
        self._start = _page_start(len(rows))  # the page with the new row
        self.value = [*rows, {c: "" for c in self.question.columns}]

    def _remove_row(self, widgets: RowWidgets) -> None:
        rows = list(self._all())
        if widgets.removable and widgets.index < len(rows):
            del rows[widgets.index]
            self.value = rows

    def _from_cell(self, widgets: RowWidgets, col: str, text: str) -> None:
        if self._syncing or widgets.index >= len(self._all()):
            return
        picked = self._picks.get(col, {}).get(text)
        if picked is not None:  # an organisation picked with its kind: keep the name
            with self._sync():
                widgets.cells[col].value = text = picked
        rows = list(self._all())
        rows[widgets.index] = {**rows[widgets.index], col: text}
        self.value = rows


def _page_start(index: int) -> int:
    """The first row of the page that shows row ``index`` (0-based)."""
    return max(0, index) // PAGE_ROWS * PAGE_ROWS


FIELDS: dict[type, type[Field]] = {
    ShortText: TextField,
    LongText: LongTextField,
    YesNo: YesNoField,
    SingleChoice: SingleChoiceField,
    MultiChoice: MultiChoiceField,
    DateQ: DateField,
    ItemList: ListField,
    Table: TableField,
}


def field_for(question: Any) -> Field:
    return FIELDS[type(question)](question)
