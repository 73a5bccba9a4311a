"""Every page a team or trainer opens, in Chromium at a laptop's width (1366 px) and a
narrow window's (800 px): every notebook in workbooks/ with a team chosen (the
worksheet shown), the start page before and after, the trainer console with its key
(each tab), and Step 2 with its charts drawn. Each page is opened once and checked
for both:

- **Readable, nothing cut off.** Cut off means: a label, button, link or line of text
  whose content is wider than its box (``scrollWidth > clientWidth``, which is also
  what an ellipsis hides); a dropdown narrower than its longest option; a box narrower
  than the preset text it holds (a team's own long typing scrolls in its box, as in
  every form); a label of a drawn picture shortened with "…".
- **Whole.** No error message of the app's and no traceback.
- **Accessible.** axe-core, the accessibility checker, finds no critical or serious
  violation and no content outside a landmark (axe's ``region`` rule); no two
  controls share a name; each tab's title names the page and the team.

axe-core comes from npm (package.json at the repo top; ``tests/run.sh`` runs
``npm ci``) and is loaded into each page from node_modules: nothing is fetched."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Contexts, VoilaServer, academy_server, contexts_on
from playwright.sync_api import expect
from test_browser import TRACEBACK, open_page

from sectorwb import content, export, teams
from sectorwb.teams import START_NOTEBOOK, TRAINER_NOTEBOOK

pytestmark = [pytest.mark.served, pytest.mark.browser, pytest.mark.slow]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
NOTEBOOKS = sorted(p.name for p in (ROOT / "workbooks").glob("*.ipynb"))
# A name that needs escaping everywhere it is shown, and in the tab title.
TEAM = 'Aurora "North" & Co. Northern Front Range Manufacturing'
LMI = "step2_scope.ipynb"
SUPPORT_TEAM = "step1_support_team.ipynb"
WIDTHS = (1366, 800)
LOAD_MS = 90_000  # Step 2 parses the demo files and draws its charts on 2 cores
# Step 1's connections picture with names longer than its label room, as a real
# support team types them.
CONNECTIONS = [
    {
        "Organization": "Northern Colorado Workforce Development Board",
        "Connected to": "Larimer County Advanced Manufacturing Sector Partnership; "
        "Front Range Community College Machining Advisory Committee",
        "Kind": "Table",
    },
    {
        "Organization": "Front Range Community College Workforce Innovation Office",
        "Connected to": "Larimer County Advanced Manufacturing Sector Partnership; "
        "Woodward Governor Precision Components and Assemblies",
        "Kind": "Business",
    },
]
TYPED = sorted(
    {row[c] for row in CONNECTIONS for c in ("Organization", "Connected to")}
)

BLOCKING = {"critical", "serious"}
NODES_SHOWN = 6  # per rule in a failure message: enough to see the pattern

# Run in the page: the violations, each with what a developer needs to fix it.
RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({ target: n.target.join(" "), summary: n.failureSummary })),
  }));
}"""
# Run in the page after RUN_AXE: the accessible name of every control a person can
# reach (radios aside: their group names the question), computed by axe itself.
CONTROL_NAMES = """() => {
  axe.setup(document);
  try {
    const controls = document.querySelectorAll(
      "input:not([type=radio]):not([type=hidden]), textarea, select, button");
    return [...controls]
      .filter(e => axe.commons.dom.isVisibleToScreenReaders(e))
      .map(e => axe.commons.text.accessibleTextVirtual(axe.utils.getNodeFromTree(e)));
  } finally {
    axe.teardown();
  }
}"""


# Run in the page: every cut-off thing a person would see, as {element, text, why}.
_MEASURE = r"""
(typed) => {
  const found = [];
  // Questions that appear after an answer are measured too: shown for a moment.
  const hidden = [...document.querySelectorAll('.sectorwb-field')]
    .filter(el => getComputedStyle(el).display === 'none');
  hidden.forEach(el => { el.style.display = 'flex'; });
  const ctx = document.createElement('canvas').getContext('2d');
  const shown = el => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    // Visually hidden labels (1 px, for screen readers) are not read by eye.
    return r.width > 2 && r.height > 2 && cs.visibility !== 'hidden' &&
      el.closest('[hidden]') === null;
  };
  const textWidth = (el, text) => {
    const cs = getComputedStyle(el);
    ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    return ctx.measureText(text).width;
  };
  const room = el => {
    const cs = getComputedStyle(el);
    return el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  };
  const name = el => {
    const cls = [...el.classList].filter(c => !c.startsWith('lm-')).slice(0, 3);
    return el.tagName.toLowerCase() + (cls.length ? '.' + cls.join('.') : '');
  };
  const clip = s => s.replace(/\s+/g, ' ').trim().slice(0, 90);
  const note = (el, text, why) => found.push({element: name(el), text: clip(text), why});
  const texts = 'label, label > span, button, a, p, li, h1, h2, h3, th, td, legend, ' +
    '.widget-label, .widget-label-basic, .widget-html-content';
  for (const el of document.querySelectorAll(texts)) {
    if (!shown(el) || !el.innerText.trim()) continue;
    if (el.querySelector('svg, table, .widget-box')) continue;  // containers
    if (el.scrollWidth > el.clientWidth + 1)
      note(el, el.innerText, `content ${el.scrollWidth} px in a box of ${el.clientWidth} px`);
  }
  for (const el of document.querySelectorAll('select')) {
    if (!shown(el)) continue;
    // A closed dropdown shows its choice beside its arrow (20 px, in or out of the
    // padding).
    const list = el.multiple || el.size > 1;
    const pad = parseFloat(getComputedStyle(el).paddingRight);
    const width = room(el) - (list ? 0 : Math.max(0, 20 - pad));
    for (const option of el.options) {
      const w = textWidth(el, option.text);
      if (w > width + 1) note(el, option.text, `option ${Math.ceil(w)} px in ${Math.floor(width)} px`);
    }
  }
  for (const el of document.querySelectorAll('input:not([type]), input[type=text]')) {
    if (!shown(el) || !el.value || typed.includes(el.value)) continue;
    const w = textWidth(el, el.value);
    if (w > room(el) + 1) note(el, el.value, `preset text ${Math.ceil(w)} px in ${Math.floor(room(el))} px`);
  }
  for (const el of document.querySelectorAll('textarea')) {
    if (!shown(el) || !el.value || typed.includes(el.value)) continue;
    if (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)
      note(el, el.value, 'preset text scrolls inside its box');
  }
  for (const el of document.querySelectorAll('.sectorwb-picture svg text')) {
    if (el.textContent.includes('\u2026')) note(el, el.textContent, 'picture label cut with …');
  }
  hidden.forEach(el => { el.style.display = 'none'; });
  return found;
}
"""


@pytest.fixture(scope="module")
def axe_path() -> Path:
    if not AXE.exists():
        pytest.skip(
            f"axe-core is not installed ({AXE.relative_to(ROOT)} is missing). "
            "Install Node.js and npm (Debian: sudo apt-get install -y nodejs npm), "
            "then run `npm ci` at the top of the repository (tests/run.sh does it)."
        )
    return AXE


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[VoilaServer, Any, str]]:
    """An Academy on the demo region, served as ``sectorwb serve --academy`` does:
    every page of a team and the trainer console from one server. The team's
    connections picture is filled in."""
    with academy_server(
        tmp_path_factory.mktemp("pages") / "data", "Pages Academy", [TEAM]
    ) as s:
        s[1].store.save(TEAM, Path(SUPPORT_TEAM).stem, {"connections": CONNECTIONS})
        yield s


@pytest.fixture
def contexts(browser: Any, served: tuple[VoilaServer, Any, str]) -> Iterator[Contexts]:
    yield from contexts_on(browser, served[0])


def _violations(page: Any, axe: Path) -> list[dict[str, Any]]:
    if not page.evaluate("typeof axe !== 'undefined'"):  # once per page
        page.add_script_tag(path=str(axe))
    return page.evaluate(RUN_AXE)


def _report(where: str, found: list[dict[str, Any]]) -> str:
    lines = [f"axe-core on {where}:"]
    for v in found:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:NODES_SHOWN]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary}")
        if len(v["nodes"]) > NODES_SHOWN:
            lines.append(f"    ... and {len(v['nodes']) - NODES_SHOWN} more")
    return "\n".join(lines)


def _whole(page: Any, where: str) -> None:
    """No failure the app caught (its error message) and none that leaked."""
    errors = page.locator(".sectorwb-msg.sectorwb-error")
    assert errors.count() == 0, f"{where}: {errors.all_inner_texts()}"
    text = page.inner_text("body")
    assert "Something went wrong" not in text, where
    assert not TRACEBACK.search(text), f"{where}: {TRACEBACK.search(text)}"


def _cut_off(page: Any) -> list[str]:
    """What is cut off on the page as it is laid out now."""
    return [
        f"{p['element']} {p['text']!r} ({p['why']})"
        for p in page.evaluate(_MEASURE, TYPED)
    ]


def _check(page: Any, axe: Path, where: str) -> None:
    found = [
        v
        for v in _violations(page, axe)
        if v["impact"] in BLOCKING or v["id"] == "region"
    ]
    assert not found, _report(where, found)
    names = page.evaluate(CONTROL_NAMES)
    repeated = sorted({n for n in names if names.count(n) > 1})
    assert not repeated, f"{where}: several controls are named {repeated}"


def _open(page: Any, served: tuple[VoilaServer, Any, str], notebook: str) -> None:
    """The page as its user sees it: a team chosen, the console open, charts drawn;
    its tab then names the page and the team (or the Academy)."""
    server, made, key = served
    base = f"{server.base_url}/voila/render/{notebook}"
    if notebook == TRAINER_NOTEBOOK:
        open_page(page, f"{base}?key={key}")
        expect(page.locator("table.sectorwb-grid")).to_be_visible()
        expect(page).to_have_title(f"{teams.TRAINER_TITLE} — {made.name}")
        return
    if notebook == LMI:
        page.set_default_navigation_timeout(LOAD_MS)
    open_page(page, f"{base}?{teams.page_query(TEAM, token=made.token(TEAM))}")
    if notebook == START_NOTEBOOK:
        expect(page.locator("table.sectorwb-worksheets")).to_be_visible()
        expect(page).to_have_title(f"{teams.START_TITLE} — {TEAM}")
        return
    expect(page.locator(".sectorwb-status")).to_be_attached()
    title = content.get(Path(notebook).stem).title
    expect(page).to_have_title(f"{title} — {TEAM}")
    if notebook == LMI:
        charts = page.locator(".sectorwb-chart svg")
        expect(charts.first).to_be_visible(timeout=LOAD_MS)
    if notebook == SUPPORT_TEAM:
        expect(page.locator(".sectorwb-picture svg").first).to_be_visible()


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_nothing_is_cut_off_and_no_serious_accessibility_violation(
    contexts: Contexts, served: tuple, axe_path: Path, notebook: str
) -> None:
    page = contexts.new().new_page()
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    _open(page, served, notebook)
    tabs = page.get_by_role("tab")
    # The console's tabs one by one; a worksheet is one view.
    views = tabs.count() if notebook == TRAINER_NOTEBOOK else 1
    cut = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)  # the widgets' own resize handlers
        for k in range(views):
            where = f"{notebook} at {width} px"
            if views > 1:
                tab = tabs.nth(k)
                tab.click()
                expect(tab).to_have_attribute("aria-selected", "true")
                where += f", tab {tab.inner_text()!r}"
            _whole(page, where)
            _check(page, axe_path, where)
            cut += [f"{where}: {problem}" for problem in _cut_off(page)]
    # The same option in every row of a table is one problem.
    assert not cut, "cut off\n" + "\n".join(dict.fromkeys(cut))


def test_the_team_picker_has_no_serious_accessibility_violation(
    contexts: Contexts, served: tuple, axe_path: Path
) -> None:
    server = served[0]
    page = contexts.new().new_page()
    for notebook in (START_NOTEBOOK, TRAINER_NOTEBOOK):
        open_page(page, f"{server.base_url}/voila/render/{notebook}")
        expect(page.get_by_role("button", name="Open")).to_be_visible()
        _check(page, axe_path, f"{notebook} before a team or key is given")
        assert page.title().endswith(" · sectorwb")  # no team named yet


def test_a_made_file_is_announced_by_a_region_that_was_listening(
    contexts: Contexts, served: tuple
) -> None:
    """A screen reader announces what changes inside a live region already on the
    page; one that arrives with its text is often not read at all."""
    page = contexts.new().new_page()
    _open(page, served, "preparing_to_launch.ipynb")
    spec = export.DOWNLOADS[0]
    button = page.get_by_role("button", name=spec.label)
    region = page.locator(".sectorwb-downloads", has=button).get_by_role("status")
    expect(region).to_have_count(1)
    expect(region).to_have_text("")  # there, and quiet, before the click
    before = region.element_handle()
    with page.expect_download():
        button.click()
    expect(region).to_contain_text("is ready")
    expect(region.get_by_role("link")).to_have_count(1)
    assert before.evaluate("e => e.isConnected")  # the same element, not a new one
