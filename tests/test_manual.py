"""Faithfulness of the worksheets to the manual, both ways: every text a worksheet shows as
the manual's is found word for word in the manual, and every question the manual asks
(read from the manual itself) is on its worksheet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from sectorwb import content
from sectorwb.schema import MultiChoice, Worksheet

REPO = Path(__file__).resolve().parent.parent
MANUAL = REPO.parent / "shared" / "manual" / "colorado-convener-guide-2017.txt"
WORKBOOKS = REPO / "workbooks"

# The worksheets written from the manual, and the manual's After Action Review that each
# Step worksheet must carry (with the number of items and sub-items it has).
MANUAL_WORKSHEETS = [
    "lifecycle",
    "step1_support_team",
    "step2_scope",
    "step3_prepare",
    "step4_launch",
    "step5_action",
    "step6_sustain",
    "module2_business_services",
    "module3_frontline",
    "module4_career_pathways",
    "module5_metrics",
    "many_tables_knocks",
    "preparing_to_launch",
    "building_momentum",
]
AFTER_ACTION_REVIEWS = {
    "step1_support_team": ("After Action Review: Build Your Regional Support Team", 2),
    "step2_scope": ("After Action Review: Define the Scope of Industry Focus", 2),
    "step3_prepare": ("After Action Review: Preparing to Launch", 3),
    "step4_launch": ("After Action Review: Launch", 5),
    "step5_action": ("After Action Review: Move to Action", 6),
    "step6_sustain": ("After Action Review: Sustain and Evolve", 7),
}

# How to fill in a journey-map table (ours: the manual draws the paths on flip charts).
JOURNEY_HELP = (
    "One row per step: the program, the stage of the path, a short label for the step, "
    "whether it is a strong or a weak point, and notes. Stages can be typed freely: add "
    "your own."
)

# Text that is ours, not the manual's: short prompts where the manual has only a heading
# or an instruction, and warnings. Everything else a worksheet shows as question text,
# help, intro, option, option help, preset row, figure note or check message must be
# found in the manual. (Titles, column names, notes labels and placeholders are labels.)
INVENTED = {
    "building_momentum": {"I am answering as"},
    "lifecycle": {
        "Where is our partnership in its lifecycle?",
        "What does our partnership need at this stage?",
    },
    "step1_support_team": {
        "Who is on our regional support team?",
        "Which businesses and tables is each of our organizations connected to?",
        "One row per organization of the support team; separate several connections "
        "with “;”. Connections that several organizations share stand out in the "
        "picture.",
    },
    "many_tables_knocks": {
        JOURNEY_HELP,
        "Separate several businesses with “;”. Tables with the same purpose, the same "
        "types of businesses or shared businesses show as overlapping.",
        "One row per knock. Separate several businesses or sectors with “;”. A business "
        "knocked by three or more organizations shows as a risk of employer fatigue.",
    },
    "module2_business_services": {JOURNEY_HELP},
    "module3_frontline": {
        JOURNEY_HELP,
        "Get creative!\nOne row per hop, written “from › to”: what passes along it, "
        "whether it gets through, and where it breaks. Add hops of your own.",
    },
    "step3_prepare": {
        "What role will each support partner play?",
        "Date the invitations go out",
        "Launch date",
        "Launch time",
        "Launch location",
        "The launch date has already passed",
    },
    "step4_launch": {
        "Priority opportunities for sector growth",
        "Priority requirements for capitalizing on these opportunities",
        "Employer champions for those priorities",
        "Next steps employers committed to",
    },
    "step5_action": {
        "Task teams around employers’ priorities",
        "Task team members",
        "Date of the next Full Partnership Quarterly meeting",
        "The date of the next Full Partnership Quarterly meeting has already passed",
    },
    "step6_sustain": {
        "Our partnership’s organizational home",
        "Our process for periodically assessing progress",
    },
    "module4_career_pathways": {
        "Which of our programs are connected into a career pathway system, and where "
        "are the gaps?",
        "The steps of the career pathway",
    },
    "module5_metrics": {"Our metrics"},
}


def _norm(text: str) -> str:
    """Text as compared: markdown escapes, emphasis and link targets removed, runs of
    whitespace collapsed. Quotes are kept as they are: curly and straight differ."""
    text = re.sub(r"\\(.)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)\s]*\)", r"\1", text)
    text = text.replace("*", "")
    return " ".join(text.split())


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[?!.])\s+(?=[A-Z0-9(“\"‘'])", _norm(text)) if s]


@cache
def _manual_lines() -> tuple[str, ...]:
    assert MANUAL.is_file(), f"the manual is expected at {MANUAL}"
    return tuple(MANUAL.read_text(encoding="utf-8").splitlines())


@cache
def _manual() -> str:
    return _norm("\n".join(_manual_lines()))


def _block(start: str, end: str | None = None) -> list[str]:
    """The manual's lines after the line that reads ``start`` up to the next line that
    reads ``end`` (or the end of the manual)."""
    lines = _manual_lines()
    normed = [_norm(line) for line in lines]
    first = normed.index(start) + 1
    last = normed.index(end, first) if end is not None else len(lines)
    return list(lines[first:last])


@cache
def _worksheet(ws_id: str) -> Worksheet:
    # The package's own file: a trainer's folder must not stand in for it here.
    return content.load_file(content.PACKAGE_DIR / f"{ws_id}.yaml")


def _manual_worded(ws: Worksheet) -> Iterator[tuple[str, str]]:
    """(where, text) for every text the worksheet presents as the manual's."""
    yield "intro", ws.intro
    for section in ws.sections:
        yield f"{section.id}.intro", section.intro
        if section.figure is not None:
            yield f"{section.id}.figure.note", section.figure.note
        for q in section.questions:
            yield f"{q.id}.text", q.text
            yield f"{q.id}.help", q.help
            for option in getattr(q, "options", []):
                yield f"{q.id}.options", option
            for option, about in getattr(q, "option_help", {}).items():
                yield f"{q.id}.option_help[{option}]", about
            for row in getattr(q, "preset", []):
                yield f"{q.id}.preset", row
    yield "action_table.intro", ws.action_table.intro
    for row in ws.action_table.preset:
        yield "action_table.preset", row
    for check in ws.checks:
        yield f"checks.{check.kind}", check.message


def _pieces(ws: Worksheet) -> list[str]:
    """Every text of the worksheet a person reads, titles included, normalised."""
    texts = [ws.title, ws.action_table.title]
    texts += [s.title for s in ws.sections] + [t for _, t in _manual_worded(ws)]
    return [_norm(t) for t in texts if t]


def _missing_sentences(ws: Worksheet, manual_text: str) -> list[str]:
    pieces = _pieces(ws)
    return [s for s in _sentences(manual_text) if not any(s in p for p in pieces)]


# -- (a) what the worksheets say is the manual's ---------------------------------------
@pytest.mark.parametrize("ws_id", MANUAL_WORKSHEETS)
def test_manual_wording_is_found_in_the_manual(ws_id: str) -> None:
    ws = _worksheet(ws_id)
    invented = INVENTED.get(ws_id, set())
    used = set()
    wrong = []
    for where, text in _manual_worded(ws):
        if not text or text in invented:
            used.add(text)
            continue
        # A paragraph break marks where whole sentences of the manual were left out;
        # "- " starts a list item the manual prints as a list.
        for line in text.split("\n"):
            line = _norm(line.removeprefix("- "))
            if line and line not in _manual():
                wrong.append(f"{where}: {line}")
    assert not wrong, "not word for word from the manual:\n" + "\n".join(wrong)
    unused = invented - used
    assert not unused, f"INVENTED lists text {ws_id} does not use: {unused}"
    for text in invented:
        assert _norm(text) not in _manual(), f"{text!r} is the manual's, not invented"


@pytest.mark.parametrize("ws_id", MANUAL_WORKSHEETS)
def test_source_names_a_manual_section_and_its_page(ws_id: str) -> None:
    toc = {}
    for line in _manual_lines():
        row = re.fullmatch(r"\|\s*(.+?)\s*\|\s*(\d+)\s*\|", line.strip())
        if row:
            toc[_norm(row[1])] = int(row[2])
    source = _worksheet(ws_id).source
    part = source.section.split(" — ")[-1]
    part = re.sub(r"^Appendix: |^(Module \d):", r"\1", part)
    assert part in toc, f"{ws_id}: {part!r} is not in the manual's table of contents"
    assert source.page == toc[part], f"{ws_id}: {part!r} is on page {toc[part]}"


# -- (b) what the manual asks is on the worksheets -------------------------------------
def _numbered_items(heading: str) -> list[str]:
    """The numbered items (and lettered sub-items) right under a heading."""
    items = []
    for raw in _block(heading):
        line = _norm(raw)
        if not line:
            continue
        numbered = re.fullmatch(r"\d+\. .+", line)
        lettered = re.fullmatch(r"- ([a-z]\. .+)", line)
        if not (numbered or lettered):
            break
        items.append(line if numbered else lettered[1])
    return items


@pytest.mark.parametrize("ws_id", sorted(AFTER_ACTION_REVIEWS))
def test_every_after_action_review_item_is_one_question(ws_id: str) -> None:
    heading, count = AFTER_ACTION_REVIEWS[ws_id]
    items = _numbered_items(heading)
    assert len(items) == count, f"read {len(items)} items under {heading!r}"
    texts = [_norm(q.text) for q in _worksheet(ws_id).questions()]
    missing = [item for item in items if not any(item in t for t in texts)]
    assert not missing, f"{ws_id} lacks After Action Review items: {missing}"


@pytest.mark.parametrize(
    ("ws_id", "start", "end", "bullets"),
    [
        (
            "preparing_to_launch",
            "Preparing to Launch a Next Gen Sector Partnership",
            "Next Steps",
            7,
        ),
        (
            "building_momentum",
            "Building Momentum & Sustaining Your Sector Partnership",
            None,
            25,
        ),
    ],
)
def test_every_appendix_worksheet_question_is_asked(
    ws_id: str, start: str, end: str | None, bullets: int
) -> None:
    ws = _worksheet(ws_id)
    lines = [_norm(line) for line in _block(start, end)]
    items = [line.removeprefix("- ") for line in lines if line.startswith("- ")]
    assert len(items) == bullets, f"read {len(items)} bullets under {start!r}"
    missing = [s for item in items for s in _missing_sentences(ws, item)]
    numbered = [line for line in lines if re.match(r"\d+\. ", line)]
    pieces = _pieces(ws)
    missing += [line for line in numbered if not any(line in p for p in pieces)]
    assert not missing, f"{ws_id} lacks the manual's: {missing}"


def test_many_tables_many_knocks_has_every_sentence_and_step() -> None:
    ws = _worksheet("many_tables_knocks")
    block = _block(ws.title, "Preparing to Launch a Next Gen Sector Partnership")
    lines = [_norm(line).removeprefix("- ") for line in block if _norm(line)]
    steps = [line for line in lines if re.fullmatch(r"Step \d: .+", line)]
    assert len(steps) == 5
    assert [s.title for s in ws.sections] == steps
    missing = [s for line in lines for s in _missing_sentences(ws, line)]
    assert not missing, f"many_tables_knocks lacks the manual's: {missing}"


def test_building_momentum_audiences_are_the_manuals() -> None:
    ws = _worksheet("building_momentum")
    lines = [_norm(line) for line in _block(ws.title)]
    headings = [line for line in lines if re.fullmatch(r"For [A-Z][\w ]+", line)]
    assert headings == ["For Conveners", "For Sector Support Team", "For Employers"]
    chooser = next(q for q in ws.questions() if q.id == ws.audience_question)
    assert chooser.options == headings
    assert [s.audience for s in ws.sections if s.audience] == headings
    follow_up = next(q for q in ws.questions() if isinstance(q, MultiChoice))
    yes_no = {q.id for q in ws.sections[0].questions if q.kind == "yes_no"}
    assert follow_up.show_if is not None and set(follow_up.show_if.any_of) == yes_no


def test_module2_categories_lists_and_questions() -> None:
    ws = _worksheet("module2_business_services")
    pieces = _pieces(ws)
    region = _block("RESPONSE AND CRITICAL DECISIONS", _module3_heading())

    categories = [
        m for line in region if (m := re.fullmatch(r"(\d\. [A-Z][^:]*): (.+)", line))
    ]
    assert len(categories) == 3
    missing = [m[1] for m in categories if m[1] not in pieces]
    missing += [s for m in categories for s in _missing_sentences(ws, m[2])]
    others = [
        line for line in region if _norm(line).endswith("?") and line[:1].isalpha()
    ]
    tool_items = [line for line in region if re.match(r"\s+\d\. ", line)]
    assert len(others) == 1 and len(tool_items) == 3  # "Now consider: ..."; the tool
    missing += [s for line in others + tool_items for s in _missing_sentences(ws, line)]
    assert not missing, f"module2 lacks the manual's: {missing}"

    lists = _lists(region)
    assert [len(items) for items in lists.values()] == [5, 6, 5]
    choices = {
        _norm(q.text): q.options for q in ws.questions() if q.kind == "multi_choice"
    }
    for heading, items in lists.items():
        assert choices.get(heading) == items, f"module2: the list {heading!r}"


def _module3_heading() -> str:
    return "Module 3: Serving Jobseekers and Students on the Frontline"


def _lists(lines: list[str]) -> dict[str, list[str]]:
    """Headings ending with ":" followed by "- " items, and their items."""
    found: dict[str, list[str]] = {}
    normed = [_norm(line) for line in lines if _norm(line)]
    for i, line in enumerate(normed[:-1]):
        if line.endswith(":") and normed[i + 1].startswith("- "):
            items = []
            for item in normed[i + 1 :]:
                if not item.startswith("- "):
                    break
                items.append(item.removeprefix("- "))
            found[line] = items
    return found


def test_module3_questions() -> None:
    ws = _worksheet("module3_frontline")
    region = _block(
        _module3_heading(),
        "Module 4: Connecting Industry-led Partnerships to Career Pathway Systems",
    )
    questions = [line for line in region if _norm(line).endswith("?")]
    assert len(questions) == 4
    missing = [s for line in questions for s in _missing_sentences(ws, line)]
    # The communication strategy prompt is a statement; its flow must be there too.
    flow = next(line for line in region if line.startswith("How does information flow"))
    missing += _missing_sentences(ws, _sentences(flow)[0])
    assert not missing, f"module3 lacks the manual's: {missing}"


def test_module5_statewide_results_are_all_in_the_figure() -> None:
    ws = _worksheet("module5_metrics")
    section = next(s for s in ws.sections if s.figure is not None)
    bars = {(b.group, b.value) for b in section.figure.bars}
    results, group = [], None
    for raw in _block("STATEWIDE RESULTS", "Acknowledgements"):
        line = _norm(raw)
        if re.fullmatch(r"[A-Z ]{5,}", line):
            group = line
        elif m := re.fullmatch(r"(\d+)% of partnerships .+", line):
            results.append((group, float(m[1]), line))
    assert len(results) == 6
    assert bars == {(g, v) for g, v, _ in results}
    assert len(section.figure.bars) == len(results)
    for _, _, sentence in results:
        assert sentence in _norm(section.intro)


# -- (c) every worksheet is there, with its notebook ----------------------------------
@pytest.mark.parametrize("ws_id", MANUAL_WORKSHEETS)
def test_worksheet_and_notebook_exist(ws_id: str) -> None:
    assert (content.PACKAGE_DIR / f"{ws_id}.yaml").is_file()
    assert _worksheet(ws_id).id == ws_id
    assert (WORKBOOKS / f"{ws_id}.ipynb").is_file(), "run `sectorwb notebooks`"


def test_worksheets_follow_the_manuals_order() -> None:
    orders = [_worksheet(ws_id).order for ws_id in MANUAL_WORKSHEETS]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)


def test_target_sectors_flow_from_step2_to_the_worksheets_that_offer_them() -> None:
    provided = [
        q
        for q in _worksheet("step2_scope").questions()
        if q.provides == "target_sectors"
    ]
    assert len(provided) == 1
    for ws_id in ("step3_prepare", "preparing_to_launch", "module4_career_pathways"):
        assert "target_sectors" in _worksheet(ws_id).offered(), ws_id
