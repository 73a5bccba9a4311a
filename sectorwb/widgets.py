"""A worksheet as one form bound to the store: autosave, status, checks, downloads."""

from __future__ import annotations

import atexit
import datetime as dt
import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as W

from . import export, live, offers
from .downloads import Downloads, FileData
from .errors import (
    AnswerTooLargeError,
    ConcurrentSaveError,
    SectorwbError,
    StoreError,
)
from .fields import field_for
from .schema import Section, Worksheet
from .store import Change, Store
from .ui import Later, lean, message, shared_layout, text_block, text_html

SAVE_DELAY_S = 0.6  # wait for a pause in typing before writing
RETRY_DELAY_S = 5.0  # after a failed save (database locked, ...)
SAVE_TRIES = 5  # each retry means another laptop saved in between: rare


class SaveStatus(W.HTML):
    """The line that tells the team whether everything it typed is saved."""

    def show(self, state: str, detail: str = "") -> None:
        text = {
            "idle": "Nothing typed yet. Answers save automatically as you type.",
            "pending": "Saving…",
            "saved": f"✓ All changes saved {detail}",
            "failed": f"⚠ Not saved yet. {detail}",
            "readonly": f"🔒 Nothing on this page can be saved: {detail}. The saved "
            "answers are shown; what is typed here is not kept. Tell the trainer.",
        }[state]
        self.value = (
            f'<div class="sectorwb-status sectorwb-{state}" role="status" '
            f'aria-live="polite">{html.escape(text)}</div>'
        )


class WorksheetForm(W.VBox):
    """A whole worksheet: header, sections, action table, save status, downloads."""

    def __init__(self, worksheet: Worksheet):
        super().__init__(layout=shared_layout(), _dom_classes=("sectorwb-form",))
        self.worksheet = worksheet
        self.fields = {q.id: field_for(q) for q in worksheet.questions()}
        self.status = lean(SaveStatus)
        self.status.show("idle")
        files = list(export.DOWNLOADS)
        if worksheet.pictures():
            from .pictures import picture_downloads  # altair only where pictures are

            files += picture_downloads(worksheet)
        self.downloads = Downloads(
            [(d.label, lambda d=d: self._file(d)) for d in files]
        )
        self.store: Store | None = None
        self.team: str | None = None
        self._pending: dict[str, Any] = {}
        self._base: dict[str, Any] = {}  # answers as the store last had them
        # What each answer this page typed into was before it did (see live.follow).
        self._origin: dict[str, Any] = {}
        self._last_id = 0  # the change feed's position (see live)
        self._loading = False
        self._later = Later()
        # Another laptop changed an answer this page worked on: always in view.
        self.conflicts = lean(W.VBox, _dom_classes=("sectorwb-conflicts",))
        # A check's warning shows under the last question it reads.
        self._warnings = {c.refs()[-1]: lean(W.VBox) for c in worksheet.checks}
        self.explorers: list[W.Widget] = []
        self.pictures: list[Any] = []  # PictureView, one per picture
        self._sections = {s.id: self._section_box(s) for s in worksheet.sections}
        self._order: list[str] = []
        self._named: dict[str, list[str]] = {}
        self._kinds: dict[str, str] = {}
        for field in self.fields.values():
            field.observe(self._changed, names="value")
            field.observe(self._react, names="value")
            if field.question.provides:
                field.observe(self._offer, names="value")
        self._react()

    def _header(self) -> list[W.Widget]:
        ws = self.worksheet
        src = ws.source
        where = f"From the {src.document}: {src.section}" + (
            f", page {src.page}" if src.page else ""
        )
        parts: list[W.Widget] = [text_block(where, "sectorwb-source")]
        if ws.intro:
            parts.append(text_block(ws.intro, "sectorwb-intro"))
        return parts

    def _section_box(self, section: Section) -> W.VBox:
        # Heading and intro in one widget: fewer models for the page to send.
        head = text_html(section.title, "sectorwb-h2", "h2")
        if section.intro:
            head += text_html(section.intro, "sectorwb-intro")
        parts: list[W.Widget] = [lean(W.HTML, value=head)]
        if section.explorer is not None:
            from .lmi.explorer import Explorer  # pandas only where LMI is shown

            explorer = Explorer(self.fields[section.explorer.shortlist], section.id)
            # Its settings are saved, loaded and followed like an answer.
            self.fields[explorer.settings.question.id] = explorer.settings
            self.explorers.append(explorer)
            parts.append(explorer)
        if section.figure is not None:
            from .figures import figure_widget  # altair only where a figure is shown

            parts.append(figure_widget(section.figure))
        beside = {b for p in section.pictures for b in p.beside}
        for q in section.questions:
            if q.id not in beside:
                parts += self._question_parts(q.id)
            for pic in section.pictures:
                if pic.source == q.id:
                    parts.append(self._picture(pic, q))
        return lean(W.VBox, children=parts)

    def _question_parts(self, qid: str) -> list[W.Widget]:
        """A question's field, and the box for the warnings of checks ending there."""
        return [
            self.fields[qid],
            *([self._warnings[qid]] if qid in self._warnings else []),
        ]

    def _picture(self, picture: Any, table: Any) -> W.Widget:
        from .pictures import PictureView  # altair only where pictures are

        side = [w for qid in picture.beside for w in self._question_parts(qid)]
        view = PictureView(picture, table, side)
        self.fields[table.id].observe(lambda ch: view.follow(ch["new"]), names="value")
        self.pictures.append(view)
        return view

    def _footer(self) -> list[W.Widget]:
        ws = self.worksheet
        parts: list[W.Widget] = []
        if ws.action_table.title != ws.sections[-1].title:
            parts.append(text_block(ws.action_table.title, "sectorwb-h2", "h2"))
        parts += self._question_parts(ws.action_table.id)
        return [*parts, self.status, self.downloads]

    def _section_order(self, answers: dict[str, Any]) -> list[str]:
        """Sections in page order, those of the chosen audience moved first."""
        ws = self.worksheet
        chosen = answers.get(ws.audience_question) if ws.audience_question else None
        ids = [s.id for s in ws.sections]
        if not chosen:
            return ids
        mine = [s.id for s in ws.sections if s.audience == chosen]
        others = [s.id for s in ws.sections if s.audience and s.audience != chosen]
        first_audience = min(
            (i for i, s in enumerate(ws.sections) if s.audience), default=len(ids)
        )
        before = ids[:first_audience]
        after = [i for i in ids if i not in before and i not in mine + others]
        return [*before, *mine, *others, *after]

    def _react(self, _change: Any = None) -> None:
        """Follow the answers: conditional questions, section order, warnings."""
        answers = self.answers()
        shown = {q.id for q in self.worksheet.shown(answers)}
        for q in self.worksheet.questions():
            if q.show_if is not None:
                # Hidden, not cleared: the typed text is back when the question is.
                self.fields[q.id].layout.display = None if q.id in shown else "none"
        order = self._section_order(answers)
        if order != self._order:
            self._order = order
            sections = [self._sections[i] for i in order]
            self.children = [
                *self._header(),
                self.conflicts,
                *sections,
                *self._footer(),
            ]
        today = dt.date.today()
        notes: dict[str, list[W.Widget]] = {k: [] for k in self._warnings}
        for check in self.worksheet.checks:
            text = check.warning(answers, today)
            if text:
                notes[check.refs()[-1]].append(message(text, "warning"))
        for qid, box in self._warnings.items():
            box.children = notes[qid]

    def _file(self, spec: export.Download) -> FileData:
        if self.team is None:
            raise SectorwbError("Choose your team first.")
        self.flush()
        data = spec.build(self.worksheet, self.team, self.answers())
        return spec.filename(self.worksheet, self.team), spec.mime, data

    def suggest(
        self,
        named: dict[str, list[str]],
        organisations: Sequence[tuple[str, str | None]] = (),
    ) -> None:
        """Offer named team answers (e.g. target sectors) and the region's
        ``organisations`` (name, kind) in the questions that ask; what this page
        provides (e.g. the roster's partners) is offered as it is typed."""
        region, self._kinds = offers.region_named(organisations)
        self._named = named | region
        self._offer()

    def _offer(self, _change: Any = None) -> None:
        named = dict(self._named)
        for q in self.worksheet.questions():
            if q.provides:
                items = [*named.get(q.provides, []), *q.items(self.fields[q.id].value)]
                named[q.provides] = list(dict.fromkeys(items))
        for field in self.fields.values():
            field.suggest(named, self._kinds)

    def answers(self) -> dict[str, Any]:
        """What the form holds now (saved or not)."""
        return {qid: f.value for qid, f in self.fields.items()}

    def bind(self, store: Store, team: str) -> None:
        """Show the team's saved answers; from now on every change is saved, and
        other laptops' saves show up here within a few seconds."""
        self._last_id = store.last_id(team, self.worksheet.id)
        saved = store.answers(team, self.worksheet.id)
        self._set_saved({q: v for q, v in saved.items() if q in self.fields})
        self.store, self.team = store, team
        self._base = self.answers()
        for view in self.pictures:
            view.draw_now(self._base[view.table.id])
        if store.read_only:
            self.status.show("readonly", store.read_only_reason)
            return
        self.status.show(
            "saved" if saved else "idle", "(answers loaded)" if saved else ""
        )
        if live.Poller(self.sync).start():
            # In a kernel: what is still waiting for a pause in typing is written
            # when the kernel shuts down (the page closed or reloaded).
            atexit.register(self.flush)

    def _changed(self, change: Any) -> None:
        if self._loading or self.store is None or self.store.read_only:
            return  # read-only: the status line already says nothing is saved
        qid = change["owner"].question.id
        self._pending[qid] = change["new"]
        self._origin.setdefault(qid, self._base.get(qid))
        self.status.show("pending")
        self._later(SAVE_DELAY_S, self.flush)

    def sync(self) -> None:
        """Take in what other laptops of the team saved since the last look."""
        if self.store is None or self.team is None:
            return
        for change in self.store.changes(self.team, self.worksheet.id, self._last_id):
            self._last_id = max(self._last_id, change.id)
            if change.question in self.fields:  # else the YAML no longer asks it
                self._receive(change)

    def _receive(self, change: Change) -> None:
        qid, field = change.question, self.fields[change.question]
        mine = field.value
        outcome = live.follow(
            self._base.get(qid),
            mine,
            change.value,
            pending=qid in self._pending,
            origin=self._origin.get(qid),
        )
        self._base[qid] = change.value
        if outcome.action in ("apply", "replaced"):
            self._pending.pop(qid, None)
            if outcome.action == "replaced":
                self._origin.pop(qid)  # offered in the notice; typing starts anew
            self._set_saved({qid: outcome.value})
        elif outcome.action == "merge":
            field.value = outcome.value  # saved like typing
        # A quiet field (the explorer's settings) is a view, not the team's work:
        # the latest save is kept without a notice.
        if outcome.action in ("conflict", "replaced") and not field.quiet:
            other = change.value if outcome.action == "conflict" else mine
            self._notify(qid, outcome, other, change.saved_at)

    def _notify(self, qid: str, outcome: live.Outcome, other: Any, at: str) -> None:
        field = self.fields[qid]

        def choose(value: Any) -> None:
            field.value = value  # saved like typing

        def done(notice: W.Widget) -> None:
            self.conflicts.children = [
                n for n in self.conflicts.children if n is not notice
            ]
            notice.close()

        notice = live.ConflictNotice(
            field.question.text, outcome, other, at, choose, done
        )
        earlier = [
            n for n in self.conflicts.children if n.question == field.question.text
        ]
        for old in earlier:
            old.close()
        self.conflicts.children = [
            *(n for n in self.conflicts.children if n not in earlier),
            notice,
        ]

    def flush(self) -> None:
        """Write every pending change now; on failure keep them and retry later."""
        if not self._pending or self.store is None or self.team is None:
            return
        try:
            at = self._save_pending()
        except AnswerTooLargeError as exc:
            # The rest was saved; the oversized answer waits for the team to shorten
            # it (retrying would fail the same way).
            self.status.show("failed", self._too_large(exc))
            return
        except SectorwbError as exc:
            self.status.show("failed", str(exc))
            self._later(RETRY_DELAY_S, self.flush, now_without_loop=False)
            return
        local = dt.datetime.fromisoformat(at).astimezone().strftime("%H:%M:%S")
        self.status.show("saved", f"at {local}")

    def _save_pending(self) -> str:
        """Take in what other laptops saved, then write this page's changes on top
        (a table merges cell by cell; a clash is shown). A save that another
        laptop's overtook in between is taken in and tried again."""
        for _attempt in range(SAVE_TRIES):
            self.sync()
            pending = dict(self._pending)
            try:
                at = self.store.save(
                    self.team, self.worksheet.id, pending, after=self._last_id
                )
            except ConcurrentSaveError:
                continue
            except AnswerTooLargeError as exc:
                self._saved({q: v for q, v in pending.items() if q not in exc.sizes})
                raise
            self._saved(pending)
            return at
        raise StoreError(
            "Other laptops of this team are saving this worksheet at the same moment. "
            "Your text is still on the page; saving retries automatically."
        )

    def _saved(self, values: dict[str, Any]) -> None:
        self._base |= values
        for qid in values:
            self._pending.pop(qid, None)

    def _set_saved(self, saved: dict[str, Any]) -> None:
        """Show answers as the store has them (not a change to save again)."""
        self._loading = True
        try:
            for qid, value in saved.items():
                self.fields[qid].value = value
        finally:
            self._loading = False

    def _too_large(self, exc: AnswerTooLargeError) -> str:
        names = "; ".join(
            f"“{self.fields[q].question.text}” has {n:,} characters{exc.why.get(q, '')}"
            for q, n in exc.sizes.items()
        )
        return (
            f"Too long to save: {names}. Shorten it and it saves. Your other answers "
            "and the earlier saved version are kept."
        )
