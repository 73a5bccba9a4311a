"""What a team sees in a real browser: Debian's Chromium, driven by Playwright, against
the real served app (``sectorwb``'s Voila command, config and template)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from sectorwb import content, export
from sectorwb.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.served, pytest.mark.slow]

WORKBOOKS = Path(__file__).resolve().parent.parent / "workbooks"
START = "00_start_here.ipynb"
SHEET_ID = "preparing_to_launch"
SHEET = f"{SHEET_ID}.ipynb"
WORKSHEET = content.get(SHEET_ID)
TOTAL = len(WORKSHEET.questions())
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# How a Python failure reads when it leaks onto a page.
TRACEBACK = re.compile(
    r'Traceback|File "/|\b\w+(Error|Exception): |There was an error when executing cell'
)


# -- helpers -----------------------------------------------------------------------
def open_page(page: Any, url: str) -> None:
    """Load a Voila page and wait until sectorwb's widgets are on it."""
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    expect(page.locator(".sectorwb-page").first).to_be_visible()


def open_worksheet(page: Any, server: Any, team: str | None) -> None:
    open_page(page, server.url(SHEET, team))
    if team is not None:
        expect(page.get_by_label("Target Sector:")).to_be_visible()


def yes_no(page: Any, question_id: str) -> Any:
    """The box of one yes/no question (its radios and its notes)."""
    question = next(q for q in WORKSHEET.questions() if q.id == question_id)
    return page.locator(".sectorwb-field").filter(has_text=question.text[:80])


def notes(page: Any, question_id: str) -> Any:
    question = next(q for q in WORKSHEET.questions() if q.id == question_id)
    # Named after its question by the page script (every notes box says "Notes").
    name = f"{question.notes_label}: {question.text}"
    return yes_no(page, question_id).get_by_role("textbox", name=name, exact=True)


def two_laptops(contexts: Any, server: Any, team: str) -> tuple[Any, Any]:
    """One team's worksheet open on two laptops (separate browser contexts)."""
    laptops = contexts.new().new_page(), contexts.new().new_page()
    for laptop in laptops:
        open_worksheet(laptop, server, team)
    return laptops


def kernel_id(page: Any) -> str:
    return page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent)"
        ".kernelId"
    )


def wait_until(check: Callable[[], Any], timeout: float = 15, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


def wait_db(server: Any, team: str, expected: dict[str, Any]) -> None:
    """The database holds every expected answer (the page's "saved" is true)."""

    def holds() -> bool:
        saved = server.saved_answers(team, SHEET_ID)
        return all(saved.get(q) == v for q, v in expected.items())

    wait_until(holds, what=f"answers {expected} of {team!r} in the database")


def row_of(rows: list[list[Any]], column: int, text: str) -> list[Any]:
    found = [r for r in rows if r[column] == text]
    assert len(found) == 1, f"{text!r} in column {column} of {rows}"
    return found[0]


def download(page: Any, label: str) -> tuple[str, bytes]:
    """Press a download button: the file saves on that one click."""
    spec = next(d for d in export.DOWNLOADS if d.label == label)
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    file = info.value
    assert file.suggested_filename.endswith(spec.suffix)
    path = file.path()
    assert path is not None, file.failure()
    with open(path, "rb") as handle:
        return file.suggested_filename, handle.read()


# -- answers are saved and come back ------------------------------------------------
def test_answer_survives_reload(
    page: Any, voila_server: Any, team: str, wait_saved: Callable[..., None]
) -> None:
    open_worksheet(page, voila_server, team)
    expect(page.locator(".sectorwb-status")).to_contain_text("Nothing typed yet")
    # Keystroke by keystroke: the debounced autosave must keep the whole text.
    page.get_by_label("Target Sector:").press_sequentially("Advanced manufacturing")
    box = yes_no(page, "agree_on_sector")
    box.get_by_role("radio", name="Yes").check()
    notes(page, "agree_on_sector").fill("Manufacturing first, health care next")
    wait_saved(page)
    wait_db(
        voila_server,
        team,
        {
            "target_sector": "Advanced manufacturing",
            "agree_on_sector": {
                "answer": "Yes",
                "notes": "Manufacturing first, health care next",
            },
        },
    )

    page.reload()
    expect(page.get_by_label("Target Sector:")).to_have_value("Advanced manufacturing")
    expect(box.get_by_role("radio", name="Yes")).to_be_checked()
    expect(notes(page, "agree_on_sector")).to_have_value(
        "Manufacturing first, health care next"
    )
    expect(page.locator(".sectorwb-status")).to_contain_text("All changes saved")


def test_answers_survive_a_killed_kernel(
    context: Any, voila_server: Any, team: str, wait_saved: Callable[..., None]
) -> None:
    page = context.new_page()
    open_worksheet(page, voila_server, team)
    page.get_by_label("Target Sector:").fill("Health care")
    yes_no(page, "stakeholders_recognize").get_by_role("radio", name="No").check()
    notes(page, "stakeholders_recognize").fill("Colleges not yet on board")
    page.get_by_label("Name, row 1").fill("Pat Rivera")
    page.get_by_label("Business, row 1").fill("Valley Hospital")
    wait_saved(page)
    table = [
        {"Name": "Pat Rivera", "Business": "Valley Hospital", "Notes": ""},
        {"Name": "", "Business": "", "Notes": ""},
        {"Name": "", "Business": "", "Notes": ""},
    ]
    wait_db(voila_server, team, {"business_chairs": table})

    kernels = voila_server.kernel_process(kernel_id(page))
    assert kernels, "the page's kernel process was not found"
    for proc in kernels:
        proc.kill()  # SIGKILL: no chance to flush anything more
    gone, alive = psutil.wait_procs(kernels, timeout=10)
    assert not alive

    again = context.new_page()
    open_worksheet(again, voila_server, team)
    expect(again.get_by_label("Target Sector:")).to_have_value("Health care")
    expect(
        yes_no(again, "stakeholders_recognize").get_by_role("radio", name="No")
    ).to_be_checked()
    expect(notes(again, "stakeholders_recognize")).to_have_value(
        "Colleges not yet on board"
    )
    expect(again.get_by_label("Name, row 1")).to_have_value("Pat Rivera")
    expect(again.get_by_label("Business, row 1")).to_have_value("Valley Hospital")


def test_two_laptops_on_one_team_see_each_others_answers(
    contexts: Any, voila_server: Any, team: str, wait_saved: Callable[..., None]
) -> None:
    laptop_a, laptop_b = two_laptops(contexts, voila_server, team)

    laptop_a.get_by_label("Target Sector:").fill("Typed on laptop A")
    wait_saved(laptop_a)
    notes(laptop_b, "roles_and_convener").fill("Typed on laptop B")
    wait_saved(laptop_b)
    wait_db(
        voila_server,
        team,
        {
            "target_sector": "Typed on laptop A",
            "roles_and_convener": {"answer": None, "notes": "Typed on laptop B"},
        },
    )

    for laptop in (laptop_a, laptop_b):
        laptop.reload()
        expect(laptop.get_by_label("Target Sector:")).to_have_value("Typed on laptop A")
        expect(notes(laptop, "roles_and_convener")).to_have_value("Typed on laptop B")


def test_two_laptops_filling_different_rows_of_one_table_keep_both(
    contexts: Any, voila_server: Any, team: str, wait_saved: Callable[..., None]
) -> None:
    laptop_a, laptop_b = two_laptops(contexts, voila_server, team)

    def chair_names() -> list[str]:
        rows = voila_server.saved_answers(team, SHEET_ID).get("business_chairs") or []
        return [row.get("Name", "") for row in rows]

    laptop_a.get_by_label("Name, row 1").fill("Chair from laptop A")
    wait_saved(laptop_a)
    wait_until(lambda: "Chair from laptop A" in chair_names(), what="laptop A's save")
    laptop_b.get_by_label("Name, row 2").fill("Chair from laptop B")
    wait_saved(laptop_b)
    wait_until(lambda: "Chair from laptop B" in chair_names(), what="laptop B's save")

    # The current answer (what every laptop shows after a reload) keeps both names.
    assert chair_names()[:2] == ["Chair from laptop A", "Chair from laptop B"]


# -- downloads -----------------------------------------------------------------------
def test_downloads_hold_the_action_table_and_neutralise_formulas(
    page: Any, voila_server: Any, team: str, wait_saved: Callable[..., None]
) -> None:
    formula = "=1+2 then call the chamber"
    open_worksheet(page, voila_server, team)
    page.get_by_label("Target Sector:").fill("Construction trades")
    page.get_by_label("Timeline, row 1").fill("By March 15")
    page.get_by_label("Who's Committed?, row 1").fill("Dana, workforce board")
    other = page.get_by_placeholder("Other?").first
    other.fill(formula)
    page.get_by_label("Timeline, row 4").fill("April")
    wait_saved(page)

    name, data = download(page, "Next steps (CSV)")
    assert name.endswith("next-steps.csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Action", "Timeline", "Who's Committed?"]
    first = row_of(rows, 1, "By March 15")
    assert first[0].startswith("1. Reach out to potential business champions")
    assert first[2] == "Dana, workforce board"
    assert row_of(rows, 1, "April")[0] == "'" + formula

    name, data = download(page, "Excel workbook (XLSX)")
    assert name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(data))
    sheet = book["Next steps"]
    cells = [list(r) for r in sheet.iter_rows()]
    assert all(c.data_type != "f" for r in cells for c in r), "a cell is a formula"
    values = [[c.value for c in r] for r in cells]
    assert values[0] == ["Action", "Timeline", "Who's Committed?"]
    assert row_of(values, 1, "By March 15")[2] == "Dana, workforce board"
    assert row_of(values, 1, "April")[0] == formula  # a text cell: no "'" shows
    answers = [[c.value for c in r] for r in book["Answers"].iter_rows()]
    assert answers[0] == ["Section", "Question", "Row", "Column", "Answer"]
    assert ["Target Sector:", None, None, "Construction trades"] in [
        r[1:] for r in answers
    ]
    # The next steps in long form: a line per typed cell, with its row number.
    assert [4, "Timeline", "April"] in [r[2:] for r in answers]

    name, data = download(page, "Markdown")
    assert name.endswith(".md")
    text = data.decode("utf-8")
    for typed in ("Construction trades", "By March 15", "Dana, workforce board"):
        assert typed in text
    assert formula in text

    name, data = download(page, "All answers (CSV)")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert row_of(rows, 1, "Target Sector:")[4] == "Construction trades"
    assert ["4", "Timeline", "April"] in [r[2:] for r in rows]  # a line per cell


# -- offline -------------------------------------------------------------------------
def test_pages_make_no_requests_to_other_hosts(
    context: Any, voila_server: Any, team: str, wait_saved: Callable[..., None]
) -> None:
    seen: list[str] = []
    context.on("request", lambda request: seen.append(request.url))
    page = context.new_page()
    page.on("websocket", lambda socket: seen.append(socket.url))

    open_page(page, voila_server.url(START, team))
    link = page.get_by_role("link", name=WORKSHEET.title)
    expect(link).to_be_visible()
    link.click()  # as a team does: from the start page to a worksheet
    expect(page.get_by_label("Target Sector:")).to_be_visible()
    page.get_by_label("Target Sector:").fill("Logistics")
    yes_no(page, "scope_makes_sense").get_by_role("radio", name="Yes").check()
    page.get_by_role("button", name="Add a row").first.click()
    wait_saved(page)
    download(page, "Markdown")
    page.wait_for_load_state("networkidle")

    assert any(urlsplit(u).scheme in ("ws", "wss") for u in seen), "no kernel socket"
    assert len(seen) > 10, "recording caught too little to prove anything"
    foreign = [
        u
        for u in seen
        if urlsplit(u).scheme not in ("data", "blob")
        and urlsplit(u).hostname not in LOOPBACK
    ]
    assert foreign == []


# -- what people see -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("notebook", "query", "expected"),
    [
        (START, "team=Visible Team", "Worksheets for Visible Team"),
        (SHEET, "team=Visible Team", "Target Sector:"),
        (SHEET, "team=%3Cscript%3E", "cannot be used"),
        (START, "team=..%2F..%2Fetc", "cannot be used"),
        (SHEET, "", "Which team are you?"),
        (START, "", "Which team are you?"),
    ],
    ids=["start", "worksheet", "script-team", "path-team", "no-team", "start-no-team"],
)
def test_no_page_shows_a_traceback(
    page: Any, voila_server: Any, notebook: str, query: str, expected: str
) -> None:
    open_page(page, voila_server.url(notebook, query=query))
    expect(page.locator("body")).to_contain_text(expected)
    if "cannot be used" in expected:
        expect(page.locator(".sectorwb-msg")).to_be_visible()
        expect(page.get_by_label("Team name")).to_be_visible()
        scripts = page.locator("#rendered_cells script").filter(has_text="alert")
        assert scripts.count() == 0
    text = page.inner_text("body")
    assert not TRACEBACK.search(text), TRACEBACK.search(text)


def test_start_page_counts_answered_questions(
    page: Any, voila_server: Any, team: str, wait_saved: Callable[..., None]
) -> None:
    open_page(page, voila_server.url(START, team))
    row = page.locator("table.sectorwb-worksheets tr", has_text=WORKSHEET.title)
    expect(row).to_contain_text(f"0 / {TOTAL} answered")
    assert TOTAL == 9  # the manual's worksheet: 8 questions and the next-steps table

    row.get_by_role("link", name=WORKSHEET.title).click()
    expect(page.get_by_label("Target Sector:")).to_be_visible()
    page.get_by_label("Target Sector:").fill("Energy")
    notes(page, "sectors_agreed").fill("Energy first")
    page.get_by_label("Timeline, row 2").fill("June")
    wait_saved(page)
    # The last thing typed is in the database, so everything typed before it is too.
    wait_until(
        lambda: "June" in str(voila_server.saved_answers(team, SHEET_ID)),
        what="the last answer typed",
    )

    open_page(page, voila_server.url(START, team))
    row = page.locator("table.sectorwb-worksheets tr", has_text=WORKSHEET.title)
    expect(row).to_contain_text(f"3 / {TOTAL} answered")


def test_typed_markup_stays_text(
    page: Any, voila_server: Any, team: str, wait_saved: Callable[..., None]
) -> None:
    open_worksheet(page, voila_server, team)
    page.get_by_label("Target Sector:").fill("<b>x</b>")
    notes(page, "scope_makes_sense").fill("<img src=x onerror=alert(1)> & <i>y</i>")
    page.get_by_label("Name, row 1").fill("<b>chair</b>")
    wait_saved(page)
    wait_until(
        lambda: "<b>chair</b>" in str(voila_server.saved_answers(team, SHEET_ID)),
        what="the last answer typed",
    )

    page.reload()
    expect(page.get_by_label("Target Sector:")).to_have_value("<b>x</b>")
    expect(notes(page, "scope_makes_sense")).to_have_value(
        "<img src=x onerror=alert(1)> & <i>y</i>"
    )
    expect(page.get_by_label("Name, row 1")).to_have_value("<b>chair</b>")
    cells = page.locator("#rendered_cells")
    assert cells.locator("b").count() == 0
    assert cells.locator("i").filter(has_text="y").count() == 0
    assert cells.locator("img[src='x']").count() == 0


@pytest.mark.parametrize("notebook", [SHEET, START])
def test_team_picker_opens_the_page(
    page: Any,
    voila_server: Any,
    team: str,
    notebook: str,
    wait_saved: Callable[..., None],
) -> None:
    open_page(page, voila_server.url(notebook))
    expect(page.get_by_label("Team name")).to_be_visible()
    expect(page.get_by_label("Target Sector:")).to_be_hidden()
    page.get_by_label("Team name").fill(team)
    page.get_by_role("button", name="Open").click()
    expect(page.locator(".sectorwb-page")).to_contain_text(f"Team: {team}")
    if notebook == START:
        expect(page.get_by_role("link", name=WORKSHEET.title)).to_be_visible()
        return
    expect(page.get_by_label("Team name")).to_be_hidden()
    page.get_by_label("Target Sector:").fill("Chosen from the picker")
    wait_saved(page)
    wait_db(voila_server, team, {"target_sector": "Chosen from the picker"})


def test_team_picker_rejects_a_bad_name(page: Any, voila_server: Any) -> None:
    open_page(page, voila_server.url(SHEET))
    page.get_by_label("Team name").fill("../etc")
    page.get_by_role("button", name="Open").click()
    expect(page.locator(".sectorwb-msg")).to_contain_text("Remove: /")
    expect(page.get_by_label("Target Sector:")).to_be_hidden()
    expect(page.get_by_label("Team name")).to_be_visible()


# -- the server's resources ------------------------------------------------------------
def test_leaving_a_page_frees_its_kernel(
    page: Any, voila_server: Any, team: str
) -> None:
    open_worksheet(page, voila_server, team)
    kernel = kernel_id(page)
    assert voila_server.kernel_process(kernel)
    page.goto("about:blank")  # runs the page's beforeunload handler
    wait_until(
        lambda: not voila_server.kernel_process(kernel),
        timeout=8,
        what="the kernel of the page that was left to stop",
    )


def test_start_page_links_look_like_links(
    page: Any, voila_server: Any, team: str
) -> None:
    open_page(page, voila_server.url(START, team))
    link = page.get_by_role("link", name=WORKSHEET.title)
    expect(link).to_be_visible()
    style = link.evaluate(
        "a => { const s = getComputedStyle(a), p = getComputedStyle(a.closest('td'));"
        " return [s.textDecorationLine, s.color, p.color]; }"
    )
    decoration, colour, text_colour = style
    assert "underline" in decoration
    assert colour != text_colour


def test_the_save_status_stays_in_view_while_typing_at_the_top(
    page: Any, voila_server: Any, team: str
) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    open_worksheet(page, voila_server, team)
    page.get_by_label("Target Sector:").fill("Energy")
    badge = page.locator(".sectorwb-status-badge")
    expect(badge).to_contain_text("All changes saved at")
    expect(badge).to_be_in_viewport()
    line = page.locator(".sectorwb-status")
    assert not line.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top < innerHeight; }"
    )  # the line itself is far below: the badge is what the team sees
    assert badge.get_attribute("aria-hidden") == "true"  # the line is announced


def test_a_page_has_a_title_a_main_landmark_and_a_visible_focus(
    page: Any, voila_server: Any, team: str
) -> None:
    open_worksheet(page, voila_server, None)  # the team picker: no team named yet
    assert page.title() == f"{WORKSHEET.title} · sectorwb"
    open_worksheet(page, voila_server, team)
    expect(page).to_have_title(f"{WORKSHEET.title} — {team}")
    assert page.locator("[role=main], main").count() == 1
    assert page.get_by_role("main").get_by_label("Target Sector:").count() == 1
    box = page.get_by_label("Target Sector:")
    box.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus from the keyboard: :focus-visible applies
    outline = box.evaluate(
        "e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]"
    )
    assert outline[0] != "none" and float(outline[1].rstrip("px")) >= 2
    font = page.locator(".sectorwb-q textarea").first.evaluate(
        "e => getComputedStyle(e).fontFamily"
    )
    assert "mono" not in font.lower()


def test_choice_questions_are_named_groups_and_notes_name_their_question(
    page: Any, voila_server: Any, team: str
) -> None:
    open_worksheet(page, voila_server, team)
    question = next(q for q in WORKSHEET.questions() if q.id == "sectors_agreed")
    group = page.get_by_role("radiogroup", name=question.text)
    expect(group).to_be_visible()
    expect(group.get_by_role("radio", name="Yes")).to_have_count(1)
    box = page.get_by_role("textbox", name=f"{question.notes_label}: {question.text}")
    expect(box).to_have_count(1)
    names = page.locator(".sectorwb-notes textarea").evaluate_all(
        "es => es.map(e => e.getAttribute('aria-label'))"
    )
    assert len(names) == len(set(names)) and None not in names


def test_printing_a_worksheet_prints_every_question_and_answer_in_full(
    page: Any, voila_server: Any, team: str, tmp_path: Path
) -> None:
    """Chromium's own print to PDF (what "Print" in the browser does), read back."""
    long = "\n".join(f"Line {i} of what employers said" for i in range(1, 41))
    store = Store(voila_server.db_path)
    store.save(team, SHEET_ID, {"sectors_agreed": {"answer": "Yes", "notes": long}})
    store.close()
    page.set_viewport_size({"width": 1366, "height": 900})
    open_worksheet(page, voila_server, team)
    pdf = tmp_path / "printed.pdf"
    page.pdf(path=str(pdf), format="Letter")
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "Line 1 of" in text and "Line 40 of what employers said" in text
    for q in WORKSHEET.questions()[:-1]:
        assert " ".join(q.text.split())[-40:] in text, q.id  # no line cut on the right
    for preset in WORKSHEET.action_table.preset:
        assert " ".join(preset.split()) in text  # a preset action in full, not its box
    assert "All changes saved" in text  # the end of the form is there too
    # The page itself is unchanged after printing.
    assert page.locator(".sectorwb-print-text").count() == 0
    expect(notes(page, "sectors_agreed")).to_have_value(long)
