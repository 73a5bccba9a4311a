"""Question kind -> widget, and a worksheet -> one form that autosaves to the store."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import html
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

import ipywidgets as W
import traitlets

from . import export
from .errors import AnswerTooLargeError, SectorwbError
from .schema import (
    DateQ,
    ItemList,
    LongText,
    MultiChoice,
    ShortText,
    SingleChoice,
    Table,
    Worksheet,
    YesNo,
)
from .store import MAX_ANSWER_CHARS, Store

SAVE_DELAY_S = 0.6  # wait for a pause in typing before writing
RETRY_DELAY_S = 5.0  # after a failed save (database locked, ...)


def style() -> W.HTML:
    """The house CSS, injected once per page as a style element."""
    css = resources.files("sectorwb").joinpath("sectorwb.css").read_text()
    return W.HTML(f"<style>{css}</style>", layout=W.Layout(display="none"))


def text_block(text: str, cls: str = "sectorwb-help", tag: str = "p") -> W.HTML:
    """Manual or team text shown as text (escaped, newlines kept)."""
    body = html.escape(text).replace("\n", "<br>")
    return W.HTML(f'<{tag} class="{cls}">{body}</{tag}>')


def message(text: str, level: str = "error") -> W.HTML:
    """A readable notice (never a traceback); level is error, warning or info."""
    role = "alert" if level == "error" else "status"
    return W.HTML(
        f'<div class="sectorwb-msg sectorwb-{level}" role="{role}">'
        f"{html.escape(text).replace(chr(10), '<br>')}</div>"
    )


# -- one widget class per question kind ----------------------------------------------
class Field(W.VBox):
    """A question's widget: its ``value`` trait is what the store saves (JSON)."""

    value = traitlets.Any(allow_none=True)

    def __init__(self, question: Any):
        super().__init__()
        self.question = question
        self.add_class("sectorwb-field")
        self.value = question.empty()
        parts = self._build()
        if question.help:
            parts.append(text_block(question.help))
        self.children = parts

    def _build(self) -> list[W.Widget]:
        raise NotImplementedError

    _syncing = False

    @contextmanager
    def _sync(self) -> Iterator[None]:
        """While the parts are set from ``value``, their events must not write back."""
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    def _labelled(self, widget: W.Widget) -> W.Widget:
        # The description renders as <label for=input>: screen readers announce the
        # question; CSS puts the label above the input and lets it wrap.
        widget.add_class("sectorwb-q")
        widget.layout.width = "100%"
        widget.tooltip = ""  # else the browser shows a "null" tooltip on the label
        return widget


class TextField(Field):
    def _build(self) -> list[W.Widget]:
        box = W.Text(
            description=self.question.text, placeholder=self.question.placeholder
        )
        W.link((self, "value"), (box, "value"))
        return [self._labelled(box)]


class LongTextField(Field):
    def _build(self) -> list[W.Widget]:
        box = W.Textarea(
            description=self.question.text,
            placeholder=self.question.placeholder,
            rows=4,
        )
        W.link((self, "value"), (box, "value"))
        return [self._labelled(box)]


class YesNoField(Field):
    def _build(self) -> list[W.Widget]:
        self._choice = W.RadioButtons(
            options=["Yes", "No"], value=None, description=self.question.text
        )
        self._notes = W.Textarea(description=self.question.notes_label, rows=2)
        self._notes.add_class("sectorwb-notes")
        for w in (self._choice, self._notes):
            w.observe(self._from_parts, names="value")
        self.observe(self._to_parts, names="value")
        return [self._labelled(self._choice), self._labelled(self._notes)]

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
        box = W.RadioButtons(
            options=self.question.options, value=None, description=self.question.text
        )
        W.link((self, "value"), (box, "value"))
        return [self._labelled(box)]

    @traitlets.validate("value")
    def _known(self, proposal: Any) -> Any:
        # A saved option the YAML no longer lists reads as unanswered, not a crash.
        value = proposal["value"]
        return value if value in self.question.options else None


class MultiChoiceField(Field):
    def _build(self) -> list[W.Widget]:
        self._boxes = [
            W.Checkbox(description=o, indent=False) for o in self.question.options
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
        self._picker = W.DatePicker(description=self.question.text)
        self._picker.observe(self._from_picker, names="value")
        self.observe(self._to_picker, names="value")
        return [self._labelled(self._picker)]

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
        self._box = W.Textarea(
            description=self.question.text,
            placeholder=self.question.placeholder,
            rows=4,
        )
        self._box.observe(self._from_box, names="value")
        self.observe(self._to_box, names="value")
        return [self._labelled(self._box)]

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
    """Rows of text cells under named columns, with a button to add a row."""

    def _build(self) -> list[W.Widget]:
        q: Table = self.question
        header = W.HBox(
            [text_block(c, "sectorwb-th", "div") for c in q.columns],
            layout=W.Layout(width="100%"),
        )
        header.add_class("sectorwb-row")
        self._rows = W.VBox()
        add = W.Button(description="Add a row", icon="plus")
        add.on_click(lambda _b: self._add_row())
        self._cells: list[list[W.Text]] = []
        self.observe(self._to_cells, names="value")
        self._to_cells({"new": self.value})
        return [text_block(q.text, "sectorwb-qtext"), header, self._rows, add]

    def _new_row(self, values: dict[str, str]) -> list[W.Text]:
        q: Table = self.question
        n = len(self._cells) + 1
        cells = []
        for i, col in enumerate(q.columns):
            cell = W.Text(
                value=str(values.get(col) or ""),
                description=f"{col}, row {n}",
                placeholder=q.blank_placeholder if i == 0 and n > len(q.preset) else "",
            )
            cell.add_class("sectorwb-cell")
            cell.observe(self._from_cells, names="value")
            cells.append(cell)
        return cells

    def _add_row(self) -> None:
        self.value = [*self._current(), {c: "" for c in self.question.columns}]

    def _current(self) -> list[dict[str, str]]:
        cols = self.question.columns
        return [
            {c: cell.value for c, cell in zip(cols, row, strict=True)}
            for row in self._cells
        ]

    def _from_cells(self, _change: Any) -> None:
        current = self._current()
        if current != self.value:
            self.value = current

    def _to_cells(self, change: Any) -> None:
        rows = [r for r in (change["new"] or []) if isinstance(r, dict)]
        if rows == self._current():
            return
        self._cells = []
        for row in rows:
            self._cells.append(self._new_row(row))
        self._rows.children = [self._row_box(cells) for cells in self._cells]

    @staticmethod
    def _row_box(cells: list[W.Text]) -> W.HBox:
        box = W.HBox(cells, layout=W.Layout(width="100%"))
        box.add_class("sectorwb-row")
        return box


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


# -- saving -------------------------------------------------------------------------
class _Later:
    """Run a callback after a delay on the kernel's event loop; at once without one
    (plain Python, tests), so a save is never silently dropped."""

    def __init__(self) -> None:
        self._handle: asyncio.TimerHandle | None = None

    def __call__(
        self, delay: float, callback: Any, now_without_loop: bool = True
    ) -> None:
        self.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            if now_without_loop:
                callback()
            return
        self._handle = loop.call_later(delay, callback)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class SaveStatus(W.HTML):
    """The line that tells the team whether everything it typed is saved."""

    def show(self, state: str, detail: str = "") -> None:
        text = {
            "idle": "Nothing typed yet. Answers save automatically as you type.",
            "pending": "Saving…",
            "saved": f"✓ All changes saved {detail}",
            "failed": f"⚠ Not saved yet. {detail}",
        }[state]
        self.value = (
            f'<div class="sectorwb-status sectorwb-{state}" role="status" '
            f'aria-live="polite">{html.escape(text)}</div>'
        )


class WorksheetForm(W.VBox):
    """A whole worksheet: header, sections, action table, save status, downloads."""

    def __init__(self, worksheet: Worksheet):
        super().__init__()
        self.worksheet = worksheet
        self.fields = {q.id: field_for(q) for q in worksheet.questions()}
        self.status = SaveStatus()
        self.status.show("idle")
        self.downloads = Downloads(self)
        self.store: Store | None = None
        self.team: str | None = None
        self._pending: dict[str, Any] = {}
        self._loading = False
        self._later = _Later()
        for field in self.fields.values():
            field.observe(self._changed, names="value")
        self.add_class("sectorwb-form")
        self.children = self._layout()

    def _layout(self) -> list[W.Widget]:
        ws = self.worksheet
        src = ws.source
        where = f"From the {src.document}: {src.section}" + (
            f", page {src.page}" if src.page else ""
        )
        parts: list[W.Widget] = [text_block(where, "sectorwb-source")]
        if ws.intro:
            parts.append(text_block(ws.intro, "sectorwb-intro"))
        for section in ws.sections:
            parts.append(text_block(section.title, "sectorwb-h2", "h2"))
            if section.intro:
                parts.append(text_block(section.intro, "sectorwb-intro"))
            parts += [self.fields[q.id] for q in section.questions]
        if ws.action_table.title != ws.sections[-1].title:
            parts.append(text_block(ws.action_table.title, "sectorwb-h2", "h2"))
        parts.append(self.fields[ws.action_table.id])
        parts += [self.status, self.downloads]
        return parts

    def answers(self) -> dict[str, Any]:
        """What the form holds now (saved or not)."""
        return {qid: f.value for qid, f in self.fields.items()}

    def bind(self, store: Store, team: str) -> None:
        """Show the team's saved answers; from now on every change is saved."""
        saved = store.answers(team, self.worksheet.id)
        self._loading = True
        try:
            for qid, field in self.fields.items():
                if qid in saved:
                    field.value = saved[qid]
        finally:
            self._loading = False
        self.store, self.team = store, team
        self.status.show(
            "saved" if saved else "idle", "(answers loaded)" if saved else ""
        )

    def _changed(self, change: Any) -> None:
        if self._loading or self.store is None:
            return
        self._pending[change["owner"].question.id] = change["new"]
        self.status.show("pending")
        self._later(SAVE_DELAY_S, self.flush)

    def flush(self) -> None:
        """Write every pending change now; on failure keep them and retry later."""
        if not self._pending or self.store is None or self.team is None:
            return
        pending, self._pending = self._pending, {}
        try:
            at = self.store.save(self.team, self.worksheet.id, pending)
        except AnswerTooLargeError as exc:
            # The rest was saved; the oversized answer waits for the team to shorten
            # it (retrying would fail the same way).
            kept = {q: pending[q] for q in exc.sizes if q in pending} or pending
            self._pending = kept | self._pending
            self.status.show("failed", self._too_large(exc.sizes))
            return
        except SectorwbError as exc:
            self._pending = pending | self._pending
            self.status.show("failed", str(exc))
            self._later(RETRY_DELAY_S, self.flush, now_without_loop=False)
            return
        local = dt.datetime.fromisoformat(at).astimezone().strftime("%H:%M:%S")
        self.status.show("saved", f"at {local}")

    def _too_large(self, sizes: dict[str, int]) -> str:
        names = "; ".join(
            f"“{self.fields[q].question.text}” has {n:,} characters"
            for q, n in sizes.items()
        )
        return (
            f"Too long to save: {names}. The limit is {MAX_ANSWER_CHARS:,} characters; "
            "shorten it and it saves. Your other answers and the earlier saved version "
            "are kept."
        )


class Downloads(W.VBox):
    """Buttons that build an export; the file then downloads in the browser from a
    data: link (Voila serves no files, and the file must reach the team's laptop)."""

    def __init__(self, form: WorksheetForm):
        super().__init__()
        self._form = form
        self._link = W.HTML()
        buttons = []
        for spec in export.DOWNLOADS:
            button = W.Button(description=spec.label, icon="download")
            button.on_click(lambda _b, spec=spec: self.prepare(spec))
            buttons.append(button)
        self.add_class("sectorwb-downloads")
        self.children = [
            text_block("Download", "sectorwb-h2", "h2"),
            text_block(
                "Choose a format, then click the link that appears to save the file."
            ),
            W.HBox(buttons, layout=W.Layout(flex_flow="row wrap")),
            self._link,
        ]

    def prepare(self, spec: export.Download) -> None:
        form = self._form
        if form.team is None:
            self._link.value = message("Choose your team first.", "warning").value
            return
        form.flush()
        data = spec.build(form.worksheet, form.team, form.answers())
        name = spec.filename(form.worksheet, form.team)
        href = f"data:{spec.mime};base64,{base64.b64encode(data).decode()}"
        self._link.value = (
            f'<a class="sectorwb-file" download="{html.escape(name)}" '
            f'href="{href}">Save {html.escape(name)}</a>'
        )
