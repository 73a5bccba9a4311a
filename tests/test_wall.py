"""The projector's views: a team's report-out and the room wall, built from answers of
every question kind on the real worksheets, read back as a browser would parse them."""

from __future__ import annotations

import uuid
from html.parser import HTMLParser
from typing import Any

import ipywidgets as W
import pytest

from sectorwb import content, ui, wall
from sectorwb.errors import ContentError
from sectorwb.schema import (
    KINDS,
    DateQ,
    ItemList,
    MultiChoice,
    SingleChoice,
    Table,
    Worksheet,
    YesNo,
)

HOSTILE = "<script>alert(\"x\")</script><img src=x onerror=alert(1)> & 'q'"
INPUTS = {"input", "textarea", "select", "button", "script", "img", "iframe", "a"}
SHEETS = [ws.id for ws in content.worksheets()]


@pytest.fixture(autouse=True)
def _package_content(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(content.EXTRA_DIR_ENV, raising=False)
    content._all.cache_clear()


class Page(HTMLParser):
    """What a browser makes of the HTML: its elements and its text."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.markup = markup
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self._skip = 0
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "svg":
            self._skip += 1
        if tag == "br":
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._skip -= 1
        if tag in {"p", "li", "td", "th", "h1", "h2", "h3", "tr"}:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:  # the picture's own labels are checked apart
            self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def count(self, tag: str, cls: str | None = None) -> int:
        return sum(
            t == tag and (cls is None or cls in (a.get("class") or "").split())
            for t, a in self.tags
        )

    def cells(self, tag: str = "td", cls: str | None = None) -> list[str]:
        """The text of every element ``tag`` (of class ``cls``), in order."""
        parser = _Cells(tag, cls)
        parser.feed(self.markup)
        return parser.found


class _Cells(HTMLParser):
    def __init__(self, tag: str, cls: str | None):
        super().__init__(convert_charrefs=True)
        self.tag, self.cls, self.found, self._open = tag, cls, [], False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == self.tag and (self.cls is None or self.cls in classes):
            self._open = True
            self.found.append("")
        elif tag == "br" and self._open:
            self.found[-1] += "\n"

    def handle_endtag(self, tag: str) -> None:
        if tag == self.tag:
            self._open = False

    def handle_data(self, data: str) -> None:
        if self._open:
            self.found[-1] += data


def parse(markup: str) -> Page:
    return Page(markup)


def assert_inert(markup: str) -> None:
    """No inputs, no scripts, no images, no links, no event handlers, nothing
    editable: team text came out as text."""
    page = parse(markup)
    assert not [t for t, _ in page.tags if t in INPUTS]
    for tag, attrs in page.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        assert "contenteditable" not in attrs
        assert "href" not in attrs and "src" not in attrs


# -- answers of every kind, built from the YAML -----------------------------------------
def cell(table: Table, column: str, team: str, i: int) -> str:
    known = table.known()
    if column in known:
        return known[column][i % len(known[column])]
    if column == "Hop":  # the information flow reads "from › to"
        return f"{team} group {i} › decision makers"
    return f"{team} {column} {i} {HOSTILE}"


def sample(question: Any, team: str = "Metro Health") -> Any:
    """An answer a team could have typed, with hostile text wherever text goes."""
    if isinstance(question, YesNo):
        return {"answer": "Yes", "notes": f"{team} notes\nsecond line {HOSTILE}"}
    if isinstance(question, SingleChoice):
        return question.options[-1]
    if isinstance(question, MultiChoice):
        return question.options[:2]
    if isinstance(question, DateQ):
        return "2027-03-15"
    if isinstance(question, ItemList):
        return [f"{team} first item", f"second {HOSTILE}"]
    if isinstance(question, Table):
        return [
            {c: cell(question, c, team, i) for c in question.columns} for i in range(2)
        ]
    return f"{team} wrote {question.id}\nnext line {HOSTILE}"


def full(ws: Worksheet, team: str = "Metro Health") -> dict[str, Any]:
    return {q.id: sample(q, team) for q in ws.questions()}


def test_the_samples_cover_every_question_kind() -> None:
    seen = {q.kind for ws in content.worksheets() for q in ws.questions()}
    assert seen == KINDS


# -- report-out ----------------------------------------------------------------------------
@pytest.mark.parametrize("sheet", SHEETS)
def test_report_out_shows_every_answer_of_every_kind(sheet: str) -> None:
    ws = content.get(sheet)
    answers = full(ws)
    markup = wall.report_out_html(ws, "Metro Health", answers)
    assert_inert(markup)
    page = parse(markup)
    text = page.text
    assert ws.title in text and "Metro Health" in text
    shown = [
        q
        for s in ws.sections
        for q in s.questions
        if not q.show_if or q.show_if.holds(answers)
    ]
    for q in [*shown, ws.action_table.as_question()]:
        assert " ".join(q.text.split()) in " ".join(text.split())
        value = answers[q.id]
        if isinstance(q, Table):
            for row in value:
                for column in q.columns:
                    assert row[column] in page.cells(), (q.id, column)
        elif isinstance(q, YesNo):
            assert "Yes\n" in text and value["notes"] in text
        elif isinstance(q, ItemList | MultiChoice):
            assert all(item in text for item in value)
        elif isinstance(q, DateQ):
            assert "15 March 2027" in text
        else:
            assert value in text
    headers = page.cells("th")
    for table in [q for q in shown if isinstance(q, Table)]:
        assert all(c in headers for c in table.columns)
    assert "not answered yet" not in text and "Nothing typed yet" not in text


def test_report_out_pictures_are_drawn_for_the_team() -> None:
    ws = content.get("many_tables_knocks")
    markup = wall.report_out_html(ws, "Metro Health", full(ws))
    page = parse(markup)
    assert page.count("svg") == len(ws.pictures()) == 3
    assert page.count("figure", "sectorwb-picture") == 3
    # The team's words are in the drawing, as text: nothing there runs.
    assert "Metro Health Program 0" in markup
    assert "<script" not in markup and "&lt;script&gt;" in markup
    assert_inert(markup)


def test_report_out_of_a_team_that_typed_nothing_says_so_once() -> None:
    ws = content.get("step3_prepare")
    markup = wall.report_out_html(ws, "Quiet Team", {})
    page = parse(markup)
    assert "Quiet Team has not typed anything on this worksheet yet." in page.text
    assert page.count("section") == 0 and page.count("table") == 0
    assert "not answered yet" not in page.text


def test_report_out_skips_untouched_sections_in_one_line() -> None:
    ws = content.get("many_tables_knocks")
    first = ws.sections[0]
    answers = {first.questions[0].id: ["Didn't I just talk to you?"]}
    page = parse(wall.report_out_html(ws, "Metro Health", answers))
    assert page.count("section") == 1  # only the section with something typed
    assert "Didn't I just talk to you?" in page.text
    # The other questions of that section: a quiet line each, not a blank field.
    assert page.text.count("— not answered yet") == len(first.questions) - 1
    assert page.count("svg") == 0  # an empty journey map is not put on the projector
    (skipped,) = [
        line for line in page.text.splitlines() if "Nothing typed yet" in line
    ]
    for section in [*ws.sections[1:]]:
        assert section.title in skipped
    assert ws.action_table.title in skipped


def test_report_out_leaves_out_questions_the_page_hides() -> None:
    # "What is needed ...?" shows on the page only while one of the yes/no questions
    # above it is answered "No"; an answer typed while it showed stays saved.
    ws = content.get("building_momentum")
    answers = full(ws)
    needed = next(q for q in ws.questions() if q.id == "needed_for_action")
    assert all(answers[ref]["answer"] == "Yes" for ref in needed.show_if.any_of)
    assert needed.text not in _words(wall.report_out_html(ws, "T", answers))
    answers[needed.show_if.any_of[0]] = {"answer": "No", "notes": ""}
    assert needed.text in _words(wall.report_out_html(ws, "T", answers))


def _words(markup: str) -> str:
    return " ".join(parse(markup).text.split())


def test_preset_rows_nobody_typed_in_are_left_out() -> None:
    ws = next(
        ws
        for ws in content.worksheets()
        if any(isinstance(q, Table) and q.preset for q in ws.questions())
    )
    table = next(q for q in ws.questions() if isinstance(q, Table) and q.preset)
    value = table.empty()
    value[1] = {**value[1], table.columns[1]: "we did this"}
    assert wall.table_rows(table, value) == [[value[1][c] for c in table.columns]]
    assert wall.table_rows(table, table.empty()) == []


# -- the wall's choices --------------------------------------------------------------------
def test_wall_choices_list_every_question_and_picture_in_page_order() -> None:
    for ws in content.worksheets():
        choices = wall.wall_choices(ws)
        expected = []
        for section in ws.sections:
            for q in section.questions:
                expected.append(wall.WallChoice(ws.id, q.id))
                expected += [
                    wall.WallChoice(ws.id, p.source, p.kind)
                    for p in section.pictures
                    if p.source == q.id
                ]
        expected.append(wall.WallChoice(ws.id, ws.action_table.id))
        assert [value for _, value in choices] == expected
        labels = [label for label, _ in choices]
        assert len(set(labels)) == len(labels), ws.id  # a trainer can tell them apart
        # One line of a narrow window: the worksheet has a dropdown of its own.
        assert max(map(len, labels)) <= 100, ws.id
    mtk = [label for label, _ in wall.wall_choices(content.get("many_tables_knocks"))]
    assert mtk[0].startswith("Step 1: Journey-mapping")
    assert "Step 3: Mapping the Many… — Picture: Who knocks on which doors" in mtk
    choices = wall.wall_choices(content.get("many_tables_knocks"))
    dropdown = W.Dropdown(options=choices)
    dropdown.value = choices[5][1]
    assert dropdown.label == choices[5][0]


# -- the room wall -------------------------------------------------------------------------
MTK = "many_tables_knocks"


def _teams(ws: Worksheet, n: int) -> dict[str, dict[str, Any]]:
    return {f"Team {i:02d}": full(ws, f"Team {i:02d}") for i in range(n)}


def test_wall_of_a_list_question_shows_every_team_in_order() -> None:
    ws = content.get(MTK)
    teams = {"Zeta": full(ws, "Zeta"), "Idle": {}, "Alpha": full(ws, "Alpha")}
    markup = wall.wall_html(ws, wall.WallChoice(MTK, "employers_say"), teams)
    assert_inert(markup)
    page = parse(markup)
    question = next(q for q in ws.questions() if q.id == "employers_say")
    heading = page.cells("h2")
    assert heading == [" ".join(question.text.split())]
    assert page.cells("h3") == ["Zeta", "Alpha"]  # the given order; Idle is waiting
    assert page.count("article", "sectorwb-wall-card") == 2
    assert "Zeta first item" in page.text and HOSTILE in page.text
    (waiting,) = [line for line in page.text.splitlines() if "No answer yet" in line]
    assert waiting == "No answer yet (1 of 3): Idle"


def test_wall_counts_yes_no_and_choices() -> None:
    ws = content.get("step1_support_team")
    yes_no = next(q for q in ws.questions() if isinstance(q, YesNo))
    teams = {
        "A": {yes_no.id: {"answer": "Yes", "notes": ""}},
        "B": {yes_no.id: {"answer": "No", "notes": "not yet"}},
        "C": {yes_no.id: {"answer": "Yes", "notes": "mostly"}},
        "D": {yes_no.id: {"answer": None, "notes": "we argued"}},
        "E": {},
    }
    page = parse(wall.wall_html(ws, wall.WallChoice(ws.id, yes_no.id), teams))
    assert page.cells("p", "sectorwb-wall-count") == ["Yes 2 · No 1 · notes only 1"]
    assert page.cells("h3") == ["A", "B", "C", "D"]
    assert "we argued" in page.text

    sheet = next(
        ws
        for ws in content.worksheets()
        if any(isinstance(q, MultiChoice) for q in ws.questions())
    )
    multi = next(q for q in sheet.questions() if isinstance(q, MultiChoice))
    a, b = multi.options[:2]
    teams = {"A": {multi.id: [a, b]}, "B": {multi.id: [b]}, "C": {multi.id: []}}
    page = parse(wall.wall_html(sheet, wall.WallChoice(sheet.id, multi.id), teams))
    assert page.cells("p", "sectorwb-wall-count") == [f"{a} 1 · {b} 2"]
    assert "No answer yet (1 of 3): C" in page.text


def test_wall_of_a_table_is_one_table_with_a_team_column() -> None:
    ws = content.get(MTK)
    teams = {"North": full(ws, "North"), "None": {}, "South": full(ws, "South")}
    teams["South"]["tables"].append(dict.fromkeys(teams["South"]["tables"][0], ""))
    markup = wall.wall_html(ws, wall.WallChoice(MTK, "tables"), teams)
    assert_inert(markup)
    page = parse(markup)
    table = next(q for q in ws.questions() if q.id == "tables")
    assert page.count("table") == 1
    assert page.cells("th") == ["Team", *table.columns]
    cells = page.cells()
    width = len(table.columns) + 1
    rows = [cells[i : i + width] for i in range(0, len(cells), width)]
    assert [r[0] for r in rows] == ["North", "North", "South", "South"]  # no blank row
    assert rows[2][1:] == [teams["South"]["tables"][0][c] for c in table.columns]
    assert "No answer yet (1 of 3): None" in page.text


def test_wall_of_a_picture_shows_every_teams_picture() -> None:
    ws = content.get(MTK)
    teams = _teams(ws, 3) | {"Blank": {}}
    teams["Team 01"]["knocks"] = []
    markup = wall.wall_html(ws, wall.WallChoice(MTK, "knocks", "knocks"), teams)
    assert_inert(markup)
    page = parse(markup)
    assert page.cells("h3") == ["Team 00", "Team 02"]
    assert page.count("svg") == 2
    assert "Team 02 Businesses or" in markup  # each card draws its own team's rows
    assert "<script" not in markup and "onerror=" not in markup.replace("&", "")
    assert "Nothing to draw yet (2 of 4): Team 01 · Blank" in page.text


def test_a_picture_wall_draws_within_its_time_and_keeps_what_it_drew() -> None:
    # A drawing takes tenths of a second: the console gives each refresh a budget,
    # and the pictures not drawn yet say so until a later refresh draws them.
    ws = content.get(MTK)
    teams = {f"Budget {i} {uuid.uuid4().hex[:6]}": {} for i in range(3)}
    teams = {t: full(ws, t) for t in teams}
    choice = wall.WallChoice(MTK, "tables", "tables")
    first = parse(wall.wall_html(ws, choice, teams, draw_for_s=0))
    assert first.count("svg") == 0
    assert first.cells("p", wall.DRAWING_CLASS) == ["Drawing…"] * 3
    assert first.cells("h3") == list(teams)  # every team has its card already
    assert parse(wall.wall_html(ws, choice, teams)).count("svg") == 3
    again = parse(wall.wall_html(ws, choice, teams, draw_for_s=0))
    assert again.count("svg") == 3 and not again.cells("p", wall.DRAWING_CLASS)


def test_hostile_team_names_are_text_everywhere() -> None:
    ws = content.get(MTK)
    team = "<img src=x onerror=alert(1)>"
    teams = {team: full(ws, team)}
    for _, choice in wall.wall_choices(ws):
        markup = wall.wall_html(ws, choice, teams)
        assert_inert(markup)
        assert team in parse(markup).text, choice
    report = wall.report_out_html(ws, team, teams[team])
    assert_inert(report)
    assert parse(report).text.startswith(team)


def test_a_wall_with_no_answers_and_no_teams_says_so() -> None:
    ws = content.get(MTK)
    choice = wall.WallChoice(MTK, "employers_say")
    text = parse(wall.wall_html(ws, choice, {"A": {}, "B": {}})).text
    assert "No answer from any team yet; it appears here as teams type." in text
    assert (
        "This Academy has no teams yet." in parse(wall.wall_html(ws, choice, {})).text
    )


def test_forty_teams_fill_the_wall() -> None:
    ws = content.get(MTK)
    teams = _teams(ws, 40)
    markup = wall.wall_html(ws, wall.WallChoice(MTK, "we_say"), teams)
    page = parse(markup)
    assert page.count("article", "sectorwb-wall-card") == 40
    assert page.count("div", "sectorwb-wall-many") == 1
    assert page.cells("h3") == list(teams)
    assert "Every team is on the wall (40)." in page.text


def test_a_choice_that_no_longer_fits_the_worksheet_gets_a_clear_message() -> None:
    ws = content.get(MTK)
    with pytest.raises(ContentError, match="has no question 'gone' any more"):
        wall.wall_html(ws, wall.WallChoice(MTK, "gone"), {})
    with pytest.raises(ContentError, match="no journey_map picture of 'tables'"):
        wall.wall_html(ws, wall.WallChoice(MTK, "tables", "journey_map"), {})
    with pytest.raises(ContentError, match="pick the question again"):
        wall.wall_html(ws, wall.WallChoice("step4_launch", "employers_say"), {})


def test_the_wall_stylesheet_reaches_the_page_with_the_house_css() -> None:
    css = ui.style(wall.STYLESHEET).value
    assert css.startswith("<style>") and ".sectorwb-page" in css
    assert ".sectorwb-wall-card" in css and ".sectorwb-report" in css
    assert ".sectorwb-wall-card" not in ui.style().value  # worksheet pages skip it


# -- on the projector ------------------------------------------------------------------
# ipywidgets 8's rules for the HTML widget the console shows these in: a flex row whose
# content box has a fixed 28 px line height (the views must set their own).
WIDGET_CSS = """
.widget-html { display: flex; flex-direction: row; align-items: baseline; }
.widget-html > .widget-html-content {
  align-self: stretch; flex-grow: 1; flex-shrink: 1; line-height: 28px;
  position: relative;
}
"""
LONG_WORD = "https://example.org/" + "very-long-unbroken-link-text" * 12

# Every element outside the pictures: does it stick out sideways, is its own text
# at least 22 px, does a line of it have room?
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const out = {scroll: document.documentElement.scrollWidth, width, wide: [],
               small: [], cramped: [], lefts: new Set()};
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg')) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const name = el.tagName + '.' + el.className;
    if (box.right > width + 0.5 ||
        (style.display !== 'inline' && el.scrollWidth > el.clientWidth + 1)) {
      out.wide.push(name);
    }
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.data.trim());
    if (own && parseFloat(style.fontSize) < 22) out.small.push(name + ' ' + style.fontSize);
    if (own && parseFloat(style.lineHeight) < parseFloat(style.fontSize)) {
      out.cramped.push(name + ' ' + style.lineHeight);
    }
    if (el.matches('.sectorwb-wall-card')) out.lefts.add(Math.round(box.left));
  }
  out.columns = out.lefts.size;
  delete out.lefts;
  return out;
}"""


def _projector_views() -> dict[str, tuple[str, int]]:
    """The views a trainer puts on the wall, and the card columns each should have."""
    ws = content.get(MTK)
    long_name = "Tri-County Workforce Development and Economic Partnership Board"[:60]
    teams = _teams(ws, 39) | {long_name: full(ws, long_name)}
    for answers in list(teams.values())[::7]:
        answers["we_say"] = [LONG_WORD, "Deep pockets and short arms."]
        answers["tables"][0]["Purpose"] = LONG_WORD
    few = dict(list(teams.items())[:3])
    return {
        "report": (wall.report_out_html(ws, long_name, teams[long_name]), 0),
        "wall of 40": (wall.wall_html(ws, wall.WallChoice(MTK, "we_say"), teams), 4),
        "table of 40": (wall.wall_html(ws, wall.WallChoice(MTK, "tables"), teams), 0),
        "wall of 3": (wall.wall_html(ws, wall.WallChoice(MTK, "we_say"), few), 3),
        "pictures": (
            wall.wall_html(
                ws, wall.WallChoice(MTK, "employer_journey", "journey_map"), few
            ),
            2,
        ),
    }


@pytest.mark.browser
@pytest.mark.slow
def test_the_views_fit_a_projector_in_large_type(browser: Any) -> None:
    css = ui.style(wall.STYLESHEET).value  # the very element the console puts on a page
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        for name, (markup, columns) in _projector_views().items():
            page.set_content(
                f"<!DOCTYPE html><html><head><style>{WIDGET_CSS}</style>{css}</head>"
                '<body><div class="widget-html"><div class="widget-html-content">'
                f"{markup}</div></div></body></html>"
            )
            seen = page.evaluate(MEASURE)
            assert seen["scroll"] <= seen["width"] == 1366, name
            assert seen["wide"] == [], name
            assert seen["small"] == [], name
            assert seen["cramped"] == [], name
            assert seen["columns"] == columns, name
            body = page.locator(".sectorwb-report, .sectorwb-wall").first
            size = body.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
            assert size >= 22, name
    finally:
        page.close()
