"""The trainer's collected downloads: every team's tables and answers in one
XLSX, the answers as one CSV, and every team's packet in one ZIP (bytes out)."""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from .answerrows import (
    ANSWER_COLUMNS,
    Rows,
    answer_lines,
    question_places,
    table_rows,
    tables,
)
from .export import table_sheet_name, to_csv, to_xlsx, utf8
from .packet import PACKET_DOWNLOADS, Answers, PacketDownload
from .schema import Table, Worksheet
from .store import Store
from .teams import file_slug

# team -> worksheet id -> question id -> (value, saved_at), teams in the order the
# files list them (see ``gather``).
Collected = dict[str, dict[str, dict[str, tuple[Any, str]]]]
LONG_COLUMNS = ["Team", "Worksheet", *ANSWER_COLUMNS, "Saved at (UTC)"]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Collect(NamedTuple):
    """One download of the trainer's console: its file name, type and how to build
    it (called at click time, so it reads the answers as they are then)."""

    filename: str
    mime: str
    build: Callable[[], bytes]


def gather(store: Store, teams: Sequence[str]) -> Collected:
    """The current answers of ``teams``, in that order; a team with nothing saved
    is there too, empty, so every file still lists it."""
    found: Collected = {team: {} for team in teams}
    for row in store.latest_since(0):  # one read: no save lands between two teams
        if row.team in found:
            sheet = found[row.team].setdefault(row.worksheet, {})
            sheet[row.question] = (row.value, row.saved_at)
    return found


def collect_xlsx(sheets: Sequence[Worksheet], answers: Collected) -> bytes:
    """A sheet per table question (every worksheet's, next steps included) with
    every team's typed rows under a Team column and the table's own columns, then
    "All answers": every answer in long form."""
    values = {team: _values(saved) for team, saved in answers.items()}
    grids = {}
    for ws in sheets:
        for table in tables(ws):
            rows = [
                [team, *cells.values()]
                for team, by_sheet in values.items()
                for cells in _typed_rows(table, by_sheet.get(ws.id, {}))
            ]
            grids[table_sheet_name(ws, table)] = (["Team", *table.columns], rows)
    return to_xlsx(grids | {"All answers": (LONG_COLUMNS, _long_rows(sheets, answers))})


def collect_csv(sheets: Sequence[Worksheet], answers: Collected) -> bytes:
    """Every answer in long form, one row each (UTF-8 with BOM, as every CSV here)."""
    return to_csv(LONG_COLUMNS, _long_rows(sheets, answers))


def collect_zip(
    sheets: Sequence[Worksheet],
    answers: Collected,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """A folder per team with its packet (Word, Markdown, Excel), built in memory.
    Folder names are the teams' ASCII slugs, numbered when two teams share one.

    Its pictures make a packet take seconds, so ``progress(done, total)`` is told
    after each team. A packet file that fails is replaced by a note saying so: one
    team's odd answer must not cost the trainer everyone else's packets."""
    buf, every = io.BytesIO(), list(sheets)
    folders = _folders(list(answers))
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, ((team, saved), folder) in enumerate(
            zip(answers.items(), folders, strict=True), start=1
        ):
            values = _values(saved)
            for spec in PACKET_DOWNLOADS:
                name = f"{folder}/{spec.filename(team)}"
                try:
                    archive.writestr(name, spec.build(every, team, values))
                except Exception as exc:  # noqa: BLE001 - the others still go in
                    print(f"sectorwb: {name} failed: {exc!r}", file=sys.stderr)
                    archive.writestr(f"{name}.NOT-MADE.txt", _not_made(spec, team, exc))
            if progress is not None:
                progress(done, len(folders))
    return buf.getvalue()


def collect_downloads(
    store: Store,
    teams: Callable[[], Sequence[str]],
    name: str,
    sheets: Sequence[Worksheet],
    progress: Callable[[int, int], None] | None = None,
) -> list[Collect]:
    """The console's three downloads. ``teams`` gives the team names to include, in
    order, when a file is built; ``name`` (e.g. the Academy's slug) and today's date
    begin every file name; ``progress`` is told how far the ZIP is."""
    prefix = f"{file_slug(name)}-{dt.date.today().isoformat()}"

    def build(
        make: Callable[[Sequence[Worksheet], Collected], bytes],
    ) -> Callable[[], bytes]:
        return lambda: make(sheets, gather(store, teams()))

    def packets(s: Sequence[Worksheet], answers: Collected) -> bytes:
        return collect_zip(s, answers, progress)

    return [
        Collect(
            f"{prefix}-next-steps-and-answers.xlsx", XLSX_MIME, build(collect_xlsx)
        ),
        Collect(f"{prefix}-answers.csv", "text/csv", build(collect_csv)),
        Collect(f"{prefix}-team-packets.zip", "application/zip", build(packets)),
    ]


def _values(saved: dict[str, dict[str, tuple[Any, str]]]) -> Answers:
    """One team's answers without their save times, as the packet reads them."""
    return {ws: {q: v for q, (v, _) in qs.items()} for ws, qs in saved.items()}


def _typed_rows(table: Table, answers: dict[str, Any]) -> list[dict[str, str]]:
    """The rows of a table the team typed something in, column -> text: a row still
    holding only the manual's preset is the form, not the team's work, and 40
    teams' untouched presets would bury what the trainer is collecting."""
    rows = table_rows(table, answers.get(table.id))
    return [cells for _, cells in rows if table.is_answered([cells])]


def _long_rows(sheets: Sequence[Worksheet], answers: Collected) -> Rows:
    """Team, worksheet, section, question, row, column, answer, time: the answered
    questions (as the progress grid counts them), a line per typed table cell."""
    out: Rows = []
    for team, saved in answers.items():
        by_sheet = _values(saved)
        for ws in sheets:
            values = by_sheet.get(ws.id, {})
            for section, q in question_places(ws):
                if q.is_answered(values.get(q.id)):
                    when = _utc(saved[ws.id][q.id][1])
                    for line in answer_lines(q, values[q.id]):
                        if line[-1]:
                            out.append([team, ws.title, section, q.text, *line, when])
    return out


def _folders(teams: list[str]) -> list[str]:
    """A folder name per team: its file slug, "-2", "-3"... for a later team whose
    slug is taken (two names in another script both make "team")."""
    used: set[str] = set()
    out = []
    for team in teams:
        base = file_slug(team)
        folder, n = base, 2
        while folder in used:
            folder, n = f"{base}-{n}", n + 1
        used.add(folder)
        out.append(folder)
    return out


def _not_made(spec: PacketDownload, team: str, exc: Exception) -> bytes:
    return utf8(
        f"The {spec.label} of team {team} could not be made "
        f"({type(exc).__name__}: {exc}).\r\nIts answers are safe in the answer "
        "database. Download the packet from the team's start page, or another "
        "format from this folder.\r\n"
    )


def _utc(saved_at: str) -> str:
    """A stored save time as a person reads it, in UTC (the header says so): the
    server may run in any time zone, and one stated zone is never wrong."""
    when = dt.datetime.fromisoformat(saved_at).astimezone(dt.UTC)
    return when.strftime("%Y-%m-%d %H:%M:%S")
