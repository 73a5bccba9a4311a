"""What a notebook calls: ``show(worksheet_id)`` and ``show_start()``.

Wires the team (from the URL or a picker), the store and the renderer, and turns every
expected failure into a readable message on the page instead of a traceback.
"""

from __future__ import annotations

import html
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as W
from IPython.display import display

from . import academy, config, content, handouts, offers, presence, teams
from .downloads import Downloads, FileData
from .errors import SectorwbError, TeamLinkError
from .packet import PACKET_DOWNLOADS, PacketDownload
from .store import Store, open_store
from .teams import START_NOTEBOOK, START_TITLE
from .ui import lean, message, shared_layout, style, text_block
from .widgets import WorksheetForm


def notebook_name(worksheet_id: str) -> str:
    """The workbook notebook of a worksheet (``workbooks/<id>.ipynb``)."""
    return f"{worksheet_id}.ipynb"


def query_string() -> str:
    """The page's query string under Voila; empty in JupyterLab or plain Python."""
    if os.environ.get("VOILA_PREHEAT") == "True":
        # A preheated kernel ran everything above already; this waits for the visitor.
        from voila.utils import get_query_string

        return get_query_string() or ""
    return os.environ.get("QUERY_STRING", "")


class Page(W.VBox):
    """The page frame: house style (and ``stylesheets`` of its own), a team line,
    notices, then the body."""

    def __init__(self, *stylesheets: str) -> None:
        parts = lean(W.HTML), lean(W.VBox), lean(W.VBox)
        # Parts before the comm opens: one message instead of three (see fields).
        super().__init__(
            [style(*stylesheets), *parts],
            layout=shared_layout(),
            _dom_classes=("sectorwb-page",),
        )
        self.team_line, self.notices, self.body = parts

    def notice(self, text: str, level: str = "error") -> None:
        self.notices.children = [message(text, level)]

    def clear_notice(self) -> None:
        self.notices.children = []


@dataclass(frozen=True)
class _Visit:
    """The team a page opened, the query its links carry, its region, and the Academy
    the server serves (None outside one)."""

    team: str
    query: str
    region: str | None
    served: academy.Academy | None


def _served_academy(store: Store) -> academy.Academy | None:
    """The Academy this server serves (``sectorwb serve --academy``), or None."""
    return academy.from_store(store) if config.academy() else None


def _team_picker(
    page: Page,
    store: Store,
    served: academy.Academy | None,
    on_team: Callable[[str], None],
) -> W.Widget:
    """Ask which team is working (and, in an Academy, its code). No team names are
    offered: a visitor must not learn which teams exist."""
    name = W.Text(
        description="Team name",
        placeholder="e.g. Metro Health Team",
        _dom_classes=("sectorwb-q",),
    )
    code = W.Text(
        description="Team code",
        placeholder="the code on your team's card",
        _dom_classes=("sectorwb-q",),
    )

    def submit(_w: object) -> None:
        try:
            if served is None:
                team = _resolve(store, name.value)
            else:
                team = served.open_team(name.value, code.value)
        except SectorwbError as exc:
            page.notice(str(exc))
            return
        page.clear_notice()
        on_team(team)

    go = W.Button(description="Open", button_style="primary")
    go.on_click(submit)
    fields = [name] if served is None else [name, code]
    for field in fields:
        field.on_submit(submit)
    intro = text_block(
        "Which team are you? Type your team name and press Open. Your answers are "
        "saved under this name."
        if served is None
        else "Which team are you? Type your team name and the team code from your "
        "team's card, then press Open."
    )
    return W.VBox([intro, *fields, go])


def _resolve(store: Store, raw: object) -> str:
    """The team a typed or linked name opens: "metro health" opens the stored
    "Metro Health" (see ``teams.resolve``)."""
    try:
        known = store.teams_first_seen()
    except SectorwbError:
        known = []  # opening the team's answers then says what is wrong with the store
    return teams.resolve(raw, known)


def _choose_team(
    page: Page, store: Store, query: str, on_team: Callable[[_Visit], None]
) -> None:
    """Team from the link when it opens one; otherwise the picker. On an Academy's
    server a link opens only the Academy's teams, and only with the team's token."""
    served = _served_academy(store)
    linked_region = teams.query_param(query, "region")

    def visit(team: str) -> None:
        token = served.token(team) if served else None
        links = teams.page_query(team, linked_region, token)
        region = linked_region or (served.region if served else None)
        on_team(_Visit(team, links, region, served))

    raw, token = teams.from_query(query), teams.query_param(query, "t")
    if served is not None and (raw is not None or token is not None):
        try:
            team = served.open_team(raw, token)
        except TeamLinkError as exc:
            page.notice(str(exc))
        else:
            visit(team)
            return
    elif raw is not None:
        try:
            team = _resolve(store, raw)
        except SectorwbError as exc:
            page.notice(f"The team name in this link cannot be used. {exc}")
        else:
            visit(team)
            return
    picker = _team_picker(page, store, served, visit)
    page.body.children = [picker, *page.body.children]


def _team_line(visit: _Visit, here: str, title: str) -> str:
    """Who is working, with links a team can bookmark (relative: Voila serves them);
    it carries the tab's title, which the page script sets (``title``: the page's)."""
    links = [f"{here}?{visit.query}"]
    if here != START_NOTEBOOK:
        links.insert(0, f"{START_NOTEBOOK}?{visit.query}")
    labels = ["All worksheets", "Link to this page for your team"][-len(links) :]
    anchors = " · ".join(
        f'<a href="{html.escape(h)}">{label}</a>'
        for h, label in zip(links, labels, strict=True)
    )
    team = html.escape(visit.team)
    tab = html.escape(teams.tab_title(title, visit.team))
    return (
        f'<p class="sectorwb-source" data-sectorwb-title="{tab}">Team: '
        f"<strong>{team}</strong> · {anchors}</p>"
    )


def guard(page: Page, step: Callable[[], None]) -> None:
    try:
        step()
    except SectorwbError as exc:
        page.notice(str(exc))
    except Exception as exc:  # noqa: BLE001 - the page must show a message, not a trace
        print(f"sectorwb: unexpected error: {exc!r}", file=sys.stderr)
        page.notice(
            "Something went wrong on this page. Your saved answers are safe. Reload the "
            f"page; if this persists, tell the trainer: {type(exc).__name__}: {exc}"
        )


def _warn_if_read_only(page: Page, store: Store) -> None:
    if store.read_only:
        page.notice(
            f"Nothing can be saved here: {store.read_only_reason}. The saved answers "
            "are shown; what is typed now is not kept. Tell the trainer.",
            "warning",
        )


def _organisations(visit: _Visit) -> list[tuple[str, str | None]]:
    """The local organisations (name, kind) a page offers: the served Academy's own
    list, else its region's; none when the page knows no region."""
    own = visit.served.organisations() if visit.served else []
    region = visit.region
    if own or not region:
        return own
    from . import organisations  # only on pages that offer them

    try:
        return organisations.of_region(region)
    except SectorwbError as exc:
        # The team can work on; `sectorwb serve` and the explorer name the problem.
        print(f"sectorwb: organisations of region {region!r}: {exc}", file=sys.stderr)
        return []


def show(worksheet_id: str) -> None:
    """Render one worksheet as a form bound to the team's saved answers."""
    page = Page()
    display(page)
    guard(page, lambda: _show_worksheet(page, worksheet_id))


def _show_worksheet(page: Page, worksheet_id: str) -> None:
    # Shown once we know whose answers to show.
    form = WorksheetForm(content.get(worksheet_id))
    store = open_store()
    query = query_string()  # under a preheated kernel, this waits for the visitor

    def open_team(visit: _Visit) -> None:
        team = visit.team
        form.bind(store, team)
        wanted = offers.REGION_OFFERS & form.worksheet.offered()
        found = _organisations(visit) if wanted else []
        form.suggest(content.named_answers(store.all_answers(team)), found)
        for explorer in form.explorers:
            explorer.use_region(visit.region)
        page.team_line.value = _team_line(
            visit, notebook_name(worksheet_id), form.worksheet.title
        )
        page.body.children = [form]
        _warn_if_read_only(page, store)
        presence.announce(store, team, worksheet_id)

    _choose_team(page, store, query, lambda v: guard(page, lambda: open_team(v)))


def show_start() -> None:
    """The start page: pick or name a team, then every worksheet with its progress."""
    page = Page()
    display(page)
    guard(page, lambda: _show_start(page))


def _show_start(page: Page) -> None:
    sheets = content.worksheets()
    broken = content.problems()
    if broken:
        page.notice("\n".join(str(p) for p in broken), "warning")
    # For trainers, before a team is chosen too: the forms hold no team's answers.
    blank = Downloads(
        [("All worksheets (Word)", lambda: handouts.blank_file(sheets))],
        title="Blank worksheets for paper",
    )
    page.body.children = [blank]
    store = open_store()
    query = query_string()

    def open_team(visit: _Visit) -> None:
        team = visit.team
        if not store.read_only and config.academy() is None:
            store.add_team(team)  # an Academy's teams are added by the trainer only
        answers = store.all_answers(team)
        rows = []
        for ws in sheets:
            done, total = ws.progress(answers.get(ws.id, {}))
            href = f"{notebook_name(ws.id)}?{visit.query}"
            rows.append(
                f'<tr><td><a href="{html.escape(href)}">{html.escape(ws.title)}</a></td>'
                f"<td>{html.escape(ws.source.section)}</td>"
                f"<td>{done} / {total} answered</td></tr>"
            )
        table = (
            '<table class="sectorwb-worksheets"><thead><tr><th>Worksheet</th>'
            "<th>From the manual</th><th>Progress</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )

        def packet_file(spec: PacketDownload) -> FileData:
            data = spec.build(sheets, team, store.all_answers(team))
            return spec.filename(team), spec.mime, data

        packet = Downloads(
            [(s.label, lambda s=s: packet_file(s)) for s in PACKET_DOWNLOADS],
            title="Team packet: everything the team decided, in one file",
        )
        page.team_line.value = _team_line(visit, START_NOTEBOOK, START_TITLE)
        page.body.children = [
            text_block(
                f"Worksheets for {team}. Open one to work on it; answers save as you type."
            ),
            W.HTML(table),
            packet,
            blank,
        ]
        _warn_if_read_only(page, store)
        presence.announce(store, team, START_NOTEBOOK)

    _choose_team(page, store, query, lambda v: guard(page, lambda: open_team(v)))
