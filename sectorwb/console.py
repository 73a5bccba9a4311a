"""The trainer's console: every team's progress live, a team's worksheet for the
projector, the room wall of one question, the collected files and the team links."""

from __future__ import annotations

import html
import json
from typing import Any

import ipywidgets as W
from IPython.display import display

from . import academy, cards, collect, config, content, live, presence, teams, wall
from .app import Page, guard, query_string
from .console_teams import TeamChanges
from .downloads import Downloads
from .errors import SectorwbError
from .schema import Worksheet
from .store import Row, Store, TeamRecord, open_store
from .ui import lean, message, shared_layout, text_block
from .wordfile import DOCX_MIME

REFRESH_S = live.POLL_S  # as soon as a second laptop of the team would see a save
WALL_DRAW_S = 1.0


def show_console() -> None:
    """The trainer console of the Academy this server serves; the trainer key comes
    from the link (``?key=``) or is asked for. A wrong key shows nothing of any team."""
    page = Page(wall.STYLESHEET)
    page.add_class("sectorwb-console-page")
    display(page)
    guard(page, lambda: _show_console(page))


def _show_console(page: Page) -> None:
    if config.academy() is None:
        page.notice(
            "The trainer console shows the teams of an Academy. Create one with "
            "`sectorwb academy new NAME --region REGION --teams FILE`, then serve it "
            "with `sectorwb serve --academy SLUG` and open the console link it prints.",
            "warning",
        )
        return
    store = open_store()
    served = academy.from_store(store)

    def open_with(key: object) -> bool:
        if not served.check_trainer_key(key):
            page.notice(
                f"That is not the trainer key of {served.name}. Use the key that "
                "`sectorwb academy new` printed (20 letters and digits; case and "
                "spaces do not matter); "
                f"`sectorwb academy key {served.slug}` makes a new one if it is lost."
            )
            return False
        page.clear_notice()
        console = Console(served, store)
        tab = html.escape(teams.tab_title(teams.TRAINER_TITLE, served.name))
        page.team_line.value = (
            f'<p class="sectorwb-source" data-sectorwb-title="{tab}">Trainer console: '
            "<strong>"
            f"{html.escape(served.name)}</strong> · region "
            f"{html.escape(served.region)}</p>"
        )
        page.body.children = [console]
        console.start()
        return True

    linked = teams.query_param(query_string(), "key")
    if linked is not None and open_with(linked):
        return
    key = lean(
        W.Password,
        description="Trainer key",
        placeholder="the key printed when the Academy was created",
        _dom_classes=("sectorwb-q",),
    )
    go = lean(W.Button, description="Open", button_style="primary")

    def submit(_w: object) -> None:
        open_with(key.value)

    go.on_click(submit)
    key.on_submit(submit)
    intro = text_block(
        f"Trainer console of {served.name}. Type the trainer key and press Open."
    )
    page.body.children = [W.VBox([intro, key, go])]


class Console(W.VBox):
    """The console's tabs, refreshed from the store every ``REFRESH_S`` seconds."""

    def __init__(self, served: academy.Academy, store: Store):
        self.served, self.store = served, store
        self.sheets = content.worksheets()
        self._by_id = {ws.id: ws for ws in self.sheets}
        # Every team's current answers (their rows: value and save time), kept up to
        # date from the rows saved since; each team's grid cells, drawn when it saves.
        self._latest: dict[str, dict[str, dict[str, Row]]] = {}
        self._cells: dict[str, str] = {}
        self._saved: dict[str, str] = {}
        self._last_id = 0
        self._teams: list[TeamRecord] = []
        self._team_key: list[tuple[str, str | None]] | None = None  # None: not read
        self._open: dict[str, int] = {}
        self._wall_pending = False  # pictures of the wall still to draw

        self.status = lean(W.HTML)
        self.grid = lean(W.HTML)
        self.report = lean(W.HTML)
        self.wall = lean(W.HTML)
        self.links = lean(W.HTML)
        names = [ws.title for ws in self.sheets]
        self.changes = TeamChanges(served, self.refresh)
        self.report_team = W.Dropdown(description="Team", options=[])
        self.report_sheet = W.Dropdown(
            description="Worksheet",
            options=list(zip(names, self._by_id, strict=True)),
            layout=W.Layout(width="46em", max_width="100%"),  # whole titles
        )
        # The wall: a worksheet, then one of its questions (in one dropdown, the
        # three parts of a label would not fit a narrow window).
        self.wall_sheet = W.Dropdown(
            description="Worksheet",
            options=list(zip(names, self._by_id, strict=True)),
            layout=W.Layout(width="46em", max_width="100%"),
        )
        self.wall_choice = W.Dropdown(
            description="Question",
            options=wall.wall_choices(self.sheets[0]),
            layout=W.Layout(width="100%"),
        )
        # The grid's cells are HTML buttons; the page script writes the clicked
        # cell here (see sectorwb-page.js), which opens its report-out view.
        self.opener = W.Text(
            layout=W.Layout(display="none"), _dom_classes=("sectorwb-console-open",)
        )
        self.opener.observe(self._open_cell, "value")
        self.report_team.observe(lambda _c: self._draw_report(), "value")
        self.report_sheet.observe(lambda _c: self._draw_report(), "value")
        self.wall_sheet.observe(self._wall_questions, "value")
        self.wall_choice.observe(lambda _c: self._draw_wall(), "value")

        self.tabs = W.Tab(
            [
                W.VBox([self.grid, self.opener]),
                _projector(W.HBox([self.report_team, self.report_sheet]), self.report),
                _projector(W.VBox([self.wall_sheet, self.wall_choice]), self.wall),
                self._collect(),
                W.VBox([self.links, self.changes, self._cards()]),
            ],
            titles=(
                "Progress",
                "Report-out",
                "Room wall",
                "Collect",
                "Teams and links",
            ),
        )
        super().__init__(
            [self.status, self.tabs],
            layout=shared_layout(),
            _dom_classes=("sectorwb-console",),
        )
        self.refresh()

    # -- reading the store ---------------------------------------------------------
    def start(self) -> None:
        live.Poller(self._tick, REFRESH_S).start()

    def _tick(self) -> None:
        try:
            self.refresh()
        except SectorwbError as exc:
            self.status.value = message(
                f"Not up to date: {exc} The console tries again in a few seconds.",
                "warning",
            ).value

    def refresh(self) -> None:
        """Take in what teams saved since the last look and redraw what changed."""
        records = self.served.teams(removed=True, counts=False)
        changed: set[tuple[str, str]] = set()  # (team, worksheet) saved since
        key = [(t.name, t.token) for t in records]
        if key != self._team_key:
            # Added, renamed, merged or removed teams move rows between teams: read
            # everything again rather than patch.
            self._teams, self._team_key = records, key
            self._latest, self._cells = {}, {}
            self._saved, self._last_id = {}, 0
            self._team_options()
            self.changes.update()
            self.links.value = self._links_html()
            changed = {(t.name, ws) for t in records for ws in self._by_id}
        for row in self.store.latest_since(self._last_id):
            sheet = self._latest.setdefault(row.team, {}).setdefault(row.worksheet, {})
            sheet[row.question] = row
            self._saved[row.team] = max(self._saved.get(row.team, ""), row.saved_at)
            self._last_id = max(self._last_id, row.id)
            self._cells.pop(row.team, None)
            changed.add((row.team, row.worksheet))
        self._open = self.store.open_pages(presence.cutoff())
        self.grid.value = self._grid_html()
        if (self.report_team.value, self.report_sheet.value) in changed:
            self._draw_report()
        shown = self.wall_sheet.value
        if self._wall_pending or any(ws == shown for _t, ws in changed):
            self._draw_wall()
        self.status.value = (
            f'<p class="sectorwb-help">{len(self._active())} teams · refreshes every '
            f"{REFRESH_S:g} s · {self._seen()}</p>"
        )

    def _seen(self) -> str:
        if not self._saved:
            return "no answers saved yet"
        return f"last save {live.local_time(max(self._saved.values()))}"

    def _active(self) -> list[TeamRecord]:
        return [t for t in self._teams if t.token]

    def _answers(self, team: str, worksheet: str) -> dict[str, Any]:
        rows = self._latest.get(team, {}).get(worksheet, {})
        return {q: row.value for q, row in rows.items()}

    # -- drawing ------------------------------------------------------------------
    def _team_options(self) -> None:
        names = [t.name for t in self._active()]
        current = self.report_team.value
        self.report_team.options = names
        if current in names:
            self.report_team.value = current

    def _grid_html(self) -> str:
        head = "".join(
            f'<th scope="col" title="{html.escape(ws.title)}">{html.escape(ws.short)}</th>'
            for ws in self.sheets
        )
        rows = [self._grid_row(t.name) for t in self._active()]
        gone = [t for t in self._teams if not t.token and t.name in self._latest]
        note = ""
        if gone:
            listed = ", ".join(html.escape(t.name) for t in gone)
            note = (
                f'<p class="sectorwb-help">Removed teams whose answers are kept: '
                f"{listed}. `sectorwb academy add {html.escape(self.served.slug)} "
                "NAME` brings one back.</p>"
            )
        legend = (
            '<p class="sectorwb-help">Answered / total questions. Click a cell to '
            "show that team's worksheet for the projector (Report-out).</p>"
        )
        return (
            f'{legend}<table class="sectorwb-grid"><thead><tr><th scope="col">Team'
            '</th><th scope="col">Pages open</th><th scope="col">Last save</th>'
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}"
        )

    def _grid_row(self, team: str) -> str:
        if team not in self._cells:
            self._cells[team] = "".join(self._cell(team, ws) for ws in self.sheets)
        pages = self._open.get(team, 0)
        here = f'<span class="sectorwb-open">● {pages}</span>' if pages else "—"
        saved = self._saved.get(team)
        when = live.local_time(saved) if saved else "—"
        return (
            f'<tr><th scope="row">{html.escape(team)}</th><td>{here}</td>'
            f"<td>{when}</td>{self._cells[team]}</tr>"
        )

    def _cell(self, team: str, ws: Worksheet) -> str:
        done, total = ws.progress(self._answers(team, ws.id))
        state = "none" if done == 0 else "all" if done >= total else "some"
        # The name holds the visible "3 / 10" as it is (WCAG 2.5.3, label in name).
        label = f"{team}, {ws.short}: {done} / {total} answered. Show it."
        return (
            f'<td><button type="button" class="sectorwb-gridcell sectorwb-gridcell-{state}"'
            f' data-team="{html.escape(team)}" data-worksheet="{ws.id}"'
            f' aria-label="{html.escape(label)}">{done} / {total}</button></td>'
        )

    def _links_html(self) -> str:
        rows = "".join(
            f'<tr><th scope="row">{html.escape(name)}</th><td><code>{code}</code></td>'
            f'<td><a href="{html.escape(link)}">{html.escape(link)}</a></td></tr>'
            for name, code, link in self.served.links()
        )
        return (
            '<h2 class="sectorwb-h2">Team links</h2><p class="sectorwb-help">Each '
            "team opens its worksheets with its link, or with its name and code "
            "typed into any page. Keep this list to yourself.</p>"
            '<table class="sectorwb-worksheets"><thead><tr><th>Team</th><th>Code</th>'
            f"<th>Link</th></tr></thead><tbody>{rows}</tbody></table>"
        )

    def _collect(self) -> Downloads:
        """Every team's tables and answers, read when a button is clicked."""
        labels = {
            "xlsx": "Next steps and every answer (Excel)",
            "csv": "Every answer (CSV)",
            "zip": "Every team's packet (ZIP of Word, Markdown, Excel)",
        }

        def progress(done: int, total: int) -> None:
            box.say(f"Making every team's packet: {done} of {total} teams done…")

        files = collect.collect_downloads(
            self.store,
            lambda: [t.name for t in self.served.teams(counts=False)],
            self.served.slug,
            self.sheets,
            progress,
        )
        box = Downloads(
            [
                (labels[f.filename.rsplit(".", 1)[1]], lambda f=f: (*f[:2], f.build()))
                for f in files
            ],
            title="Collect: every team's next steps and answers",
        )
        return box

    def _cards(self) -> W.VBox:
        """The cards to print: a PDF where LibreOffice is installed, else Word."""
        served = self.served
        word = (
            "Team cards (Word)",
            lambda: (
                cards.filename(served, "docx"),
                DOCX_MIME,
                cards.cards_docx(served),
            ),
        )
        box = Downloads(
            [("Team cards to print", lambda: cards.cards_file(served)), word],
            title="Team cards: name, link, code and QR code per team",
        )
        warning = cards.font_warning(served)
        return W.VBox([box, *([message(warning, "warning")] if warning else [])])

    def _draw_report(self) -> None:
        team, ws = self.report_team.value, self._by_id.get(self.report_sheet.value)
        if team is None or ws is None:
            self.report.value = message("Choose a team and a worksheet.", "info").value
            return
        self.report.value = wall.report_out_html(ws, team, self._answers(team, ws.id))

    def _wall_questions(self, change: dict[str, Any]) -> None:
        """Another worksheet: its questions to pick from, its first on the wall."""
        self.wall_choice.options = wall.wall_choices(self._by_id[change["new"]])

    def _draw_wall(self) -> None:
        choice = self.wall_choice.value
        if choice is None:
            self.wall.value = ""
            return
        ws = self._by_id[choice.worksheet]
        by_team = {t.name: self._answers(t.name, ws.id) for t in self._active()}
        # Pictures are drawn a second's worth per refresh: the grid must keep up.
        self.wall.value = wall.wall_html(ws, choice, by_team, draw_for_s=WALL_DRAW_S)
        self._wall_pending = wall.DRAWING_CLASS in self.wall.value

    def _open_cell(self, change: dict[str, Any]) -> None:
        """A click on a grid cell: that team's worksheet on the Report-out tab."""
        try:
            cell = json.loads(change["new"])
            team, sheet = cell["team"], cell["worksheet"]
        except (ValueError, TypeError, KeyError):
            return  # not written by the page script
        if team in self.report_team.options and sheet in self._by_id:
            self.report_team.value, self.report_sheet.value = team, sheet
            self.tabs.selected_index = 1


def _projector(controls: W.Widget, shown: W.HTML) -> W.VBox:
    """A view for the projector: its controls, a full-screen button (the page script
    makes the box full screen) and the large-type view."""
    full = lean(W.Button, description="Full screen", icon="expand")
    full.add_class("sectorwb-fullscreen")
    return W.VBox([controls, full, shown], _dom_classes=("sectorwb-projector",))
