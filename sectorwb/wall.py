"""The projector's views of team work: one team's worksheet (report-out) and one
question across every team (the room wall), as HTML strings with no inputs."""

from __future__ import annotations

import datetime as dt
import html
import json
import time
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import ContentError
from .export import answer_text
from .schema import (
    DateQ,
    ItemList,
    MultiChoice,
    Picture,
    SingleChoice,
    Table,
    Worksheet,
    YesNo,
)

STYLESHEET = "wall.css"  # the classes used here; ``ui.style(STYLESHEET)`` adds it
DRAWING_CLASS = "sectorwb-wall-drawing"  # a picture not drawn yet (see wall_html)
MANY_TEAMS = 12  # past this, cards get narrower and type a little smaller
# Labels of the question dropdown: long enough to tell a worksheet's questions apart,
# short enough for one line of a narrow window (the wall's heading has the full text).
_LABEL_CHARS = {"section": 28, "question": 54}


@dataclass(frozen=True)
class WallChoice:
    """What the wall shows: a question of a worksheet, or (``picture`` set to the
    picture's kind) every team's picture drawn from that table question."""

    worksheet: str
    question: str
    picture: str = ""


# -- what a trainer can put on the wall ------------------------------------------------
def wall_choices(ws: Worksheet) -> list[tuple[str, WallChoice]]:
    """Every question and picture of ``ws`` in page order, as (label, value) pairs a
    Dropdown takes; labels are "section — question", shortened (the wall's heading
    has the full text). The worksheet is chosen in a dropdown of its own."""
    choices = []
    for section in ws.sections:
        where = f"{_short(section.title, 'section')} — "
        for q in section.questions:
            choices.append(
                (where + _short(q.text, "question"), WallChoice(ws.id, q.id))
            )
            choices += [
                (where + "Picture: " + _short(p.title, "question"), _picture(ws, p))
                for p in section.pictures
                if p.source == q.id
            ]
    table = ws.action_table
    choices.append((table.title, WallChoice(ws.id, table.id)))
    return choices


def _picture(ws: Worksheet, picture: Picture) -> WallChoice:
    return WallChoice(ws.id, picture.source, picture.kind)


def _short(text: str, part: str) -> str:
    words = " ".join(text.split())
    limit = _LABEL_CHARS[part]
    if len(words) <= limit:
        return words
    cut = words[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]  # a whole word, not half of one
    return cut.rstrip(" ,;:—-") + "…"


# -- the room wall -------------------------------------------------------------------------
def wall_html(
    ws: Worksheet,
    choice: WallChoice,
    answers_by_team: Mapping[str, Mapping[str, Any]],
    draw_for_s: float | None = None,
) -> str:
    """The question's full text, then every team's answer in large type, teams in the
    given order and those with nothing to show named last. A table is one table of
    every team's rows with a Team column; a picture is every team's picture.

    Pictures take tenths of a second each to draw the first time: with
    ``draw_for_s``, drawing stops after that long and the teams not drawn yet get a
    "Drawing…" card (``DRAWING_CLASS``); the next call draws more."""
    question = _question(ws, choice)
    answers = {team: a.get(question.id) for team, a in answers_by_team.items()}
    if choice.picture:
        picture = _picture_of(ws, choice)
        until = None if draw_for_s is None else time.monotonic() + draw_for_s
        shown = {}
        for team, value in answers.items():
            drawn = _drawn(
                picture, question, value, until is None or time.monotonic() < until
            )
            if drawn is None:
                shown[team] = f'<p class="{DRAWING_CLASS}">Drawing…</p>'
            elif drawn:
                shown[team] = drawn
        heading = _heading(ws, choice, picture.title, f"Drawn from: {question.text}")
        body = _cards(shown, lambda svg: svg, "sectorwb-wall-pictures")
    else:
        shown = {t: v for t, v in answers.items() if question.is_answered(v)}
        heading = _heading(ws, choice, question.text, question.help)
        if isinstance(question, Table):
            body = _team_table(question, shown)
        else:
            body = _summary(question, shown) + _cards(
                shown, lambda v: _answer_html(question, v)
            )
    waiting = [t for t in answers if t not in shown]
    many = " sectorwb-wall-many" if len(answers) > MANY_TEAMS else ""
    verb = "Nothing to draw" if choice.picture else "No answer"
    return (
        f'<div class="sectorwb-wall{many}">{heading}{body}'
        f"{_waiting(waiting, len(answers), verb)}</div>"
    )


def _question(ws: Worksheet, choice: WallChoice) -> Any:
    if choice.worksheet != ws.id:
        raise ContentError(
            f"The wall was asked for worksheet {choice.worksheet!r} but given "
            f"{ws.id!r}; pick the question again."
        )
    found = next((q for q in ws.questions() if q.id == choice.question), None)
    if found is None:
        raise ContentError(
            f"“{ws.title}” has no question {choice.question!r} any more (was its YAML "
            "edited?); pick the question again."
        )
    return found


def _picture_of(ws: Worksheet, choice: WallChoice) -> Picture:
    found = [
        p
        for p, _ in ws.pictures()
        if (p.source, p.kind) == (choice.question, choice.picture)
    ]
    if not found:
        raise ContentError(
            f"“{ws.title}” has no {choice.picture} picture of {choice.question!r} any "
            "more (was its YAML edited?); pick the question again."
        )
    return found[0]


def _heading(ws: Worksheet, choice: WallChoice, text: str, help_text: str) -> str:
    section = next(
        (
            s.title
            for s in ws.sections
            if any(q.id == choice.question for q in s.questions)
        ),
        ws.action_table.title,
    )
    where = _esc(f"{ws.title} — {section}")
    out = f'<p class="sectorwb-wall-where">{where}</p><h2>{_esc(text)}</h2>'
    if help_text:
        out += f'<p class="sectorwb-wall-help">{_esc(help_text)}</p>'
    return out


def _cards(shown: Mapping[str, Any], render: Any, extra: str = "") -> str:
    if not shown:
        return ""
    cards = "".join(
        f'<article class="sectorwb-wall-card"><h3 class="sectorwb-wall-team">'
        f"{_esc(team)}</h3>{render(value)}</article>"
        for team, value in shown.items()
    )
    return f'<div class="sectorwb-wall-grid {extra}">{cards}</div>'


def _summary(question: Any, shown: Mapping[str, Any]) -> str:
    """How many teams gave each answer, for the questions with set answers."""
    if isinstance(question, YesNo):
        picked = Counter(v.get("answer") or None for v in shown.values())
        counts = [(a, picked[a]) for a in ("Yes", "No")]
        if picked[None]:
            counts.append(("notes only", picked[None]))
    elif isinstance(question, SingleChoice | MultiChoice):
        picked = Counter(
            o for v in shown.values() for o in (v if isinstance(v, list) else [v])
        )
        counts = [(o, picked[o]) for o in question.options if picked[o]]
    else:
        return ""
    items = " · ".join(
        f"<span><strong>{_esc(str(a))}</strong> {n}</span>" for a, n in counts
    )
    return f'<p class="sectorwb-wall-count">{items}</p>'


def _team_table(table: Table, shown: Mapping[str, Any]) -> str:
    rows = [
        (n, [team, *cells])
        for n, (team, value) in enumerate(shown.items())
        for cells in table_rows(table, value)
    ]
    if not rows:
        return ""
    return _table_html(["Team", *table.columns], rows, "sectorwb-wall-table")


def _waiting(teams: list[str], total: int, verb: str) -> str:
    """The teams with nothing on the wall yet, named in one line."""
    if not total:
        return '<p class="sectorwb-wall-none">This Academy has no teams yet.</p>'
    if not teams:
        return f'<p class="sectorwb-wall-all">Every team is on the wall ({total}).</p>'
    if len(teams) == total:
        return (
            f'<p class="sectorwb-wall-none">{verb} from any team yet; it appears here '
            "as teams type.</p>"
        )
    names = " · ".join(f"<span>{_esc(t)}</span>" for t in teams)
    return (
        f'<p class="sectorwb-wall-waiting">{verb} yet ({len(teams)} of {total}): '
        f"{names}</p>"
    )


# -- one team's worksheet for the projector ---------------------------------------------
def report_out_html(ws: Worksheet, team: str, answers: Mapping[str, Any]) -> str:
    """The team's worksheet to read out: every section with something typed, each
    question with the answer in large type (an unanswered one shows a quiet dash),
    the section's pictures, the next steps; sections with nothing typed are named
    in one line at the end."""
    parts, untouched = [], []
    action, saved = ws.action_table, dict(answers)
    for section in ws.sections:
        if not section.questions:
            continue  # the manual's text or a chart: nothing a team typed
        shown = [
            q for q in section.questions if not q.show_if or q.show_if.holds(saved)
        ]
        if not any(q.is_answered(answers.get(q.id)) for q in shown):
            untouched.append(section.title)
            continue
        body = "".join(_report_question(q, answers.get(q.id)) for q in shown)
        tables = {q.id: q for q in section.questions if isinstance(q, Table)}
        body += "".join(
            _drawn(p, tables[p.source], answers.get(p.source)) for p in section.pictures
        )
        parts.append(_section(section.title, body))
    table = action.as_question()
    if table.is_answered(answers.get(table.id)):
        parts.append(_section(action.title, _answer_html(table, answers[table.id])))
    else:
        untouched.append(action.title)
    if not parts:
        parts.append(
            f'<p class="sectorwb-report-nothing">{_esc(team)} has not typed anything '
            "on this worksheet yet.</p>"
        )
    elif untouched:
        names = " · ".join(_esc(t) for t in untouched)
        parts.append(
            f'<p class="sectorwb-report-skipped">Nothing typed yet: {names}</p>'
        )
    return (
        f'<div class="sectorwb-report"><p class="sectorwb-report-team">{_esc(team)}'
        f"</p><h1>{_esc(ws.title)}</h1>{''.join(parts)}</div>"
    )


def _section(title: str, body: str) -> str:
    return f'<section class="sectorwb-report-section"><h2>{_esc(title)}</h2>{body}</section>'


def _report_question(question: Any, value: Any) -> str:
    answer = (
        _answer_html(question, value)
        if question.is_answered(value)
        else '<p class="sectorwb-none">— not answered yet</p>'
    )
    return (
        f'<div class="sectorwb-report-q"><h3>{_esc(question.text)}</h3>{answer}</div>'
    )


# -- one answer in large type ---------------------------------------------------------------
def _answer_html(question: Any, value: Any) -> str:
    """An answered question's value as HTML: the export's plain text where that reads
    well, lists as bullets, tables as tables, yes/no with its notes below."""
    if isinstance(question, Table):
        rows = [(0, cells) for cells in table_rows(question, value)]
        return _table_html(question.columns, rows, "sectorwb-answer-table")
    if isinstance(question, YesNo):
        answer, notes = value.get("answer"), str(value.get("notes") or "").strip()
        out = f'<p class="sectorwb-yesno">{_esc(str(answer))}</p>' if answer else ""
        return out + (_text(notes) if notes else "")
    if isinstance(question, ItemList | MultiChoice):
        items = "".join(f"<li>{_lines(i)}</li>" for i in question.items(value))
        return f'<ul class="sectorwb-answer">{items}</ul>'
    if isinstance(question, DateQ):
        return _text(_date(str(value)))
    return _text(answer_text(question, value))


def table_rows(table: Table, value: Any) -> list[list[str]]:
    """A table answer's rows as cell texts, without rows nobody typed in (a preset
    row counts only once something beside its printed first cell is typed)."""
    rows = value if isinstance(value, list) else []
    return [
        [str(row.get(c) or "") for c in table.columns]
        for row in rows
        if isinstance(row, dict) and table.is_answered([row])
    ]


def _table_html(
    columns: Sequence[str], rows: list[tuple[int, list[str]]], cls: str
) -> str:
    head = "".join(f'<th scope="col">{_esc(c)}</th>' for c in columns)
    body = "".join(
        f'<tr class="sectorwb-band{group % 2}">'
        + "".join(f"<td>{_lines(cell)}</td>" for cell in cells)
        + "</tr>"
        for group, cells in rows
    )
    return (
        f'<div class="sectorwb-table-frame"><table class="{cls}"><thead><tr>{head}'
        f"</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _date(iso: str) -> str:
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {day:%B %Y}"


def _text(text: str) -> str:
    return f'<p class="sectorwb-answer">{_lines(text)}</p>'


def _lines(text: str) -> str:
    return _esc(text).replace("\n", "<br>")


def _esc(text: str) -> str:
    return html.escape(text)


# -- pictures ------------------------------------------------------------------------------
# One drawing costs 0.3-0.6 s of kernel CPU (vl-convert), and the wall is redrawn every
# few seconds: each drawing is kept, by what it was drawn from, until the rows change.
_DRAWINGS: OrderedDict[tuple[str, str, str], str] = OrderedDict()
_KEEP_DRAWINGS = 256  # every picture of 40 teams on a few worksheets, ~25 kB each


def _drawn(picture: Picture, table: Table, value: Any, draw: bool = True) -> str | None:
    """The picture of a team's table as inline SVG, "" when it has nothing to show,
    None when it is not drawn yet and ``draw`` is false."""
    if not table.is_answered(value):
        return ""
    key = (picture.model_dump_json(), table.model_dump_json(), json.dumps(value))
    if key in _DRAWINGS:
        _DRAWINGS.move_to_end(key)
        return _DRAWINGS[key]
    if not draw:
        return None
    from .pictures import drawing, picture_html  # altair only where pictures are

    shown = drawing(picture, table, value)
    _DRAWINGS[key] = "" if shown.empty else picture_html(picture, shown)
    if len(_DRAWINGS) > _KEEP_DRAWINGS:
        _DRAWINGS.popitem(last=False)
    return _DRAWINGS[key]
