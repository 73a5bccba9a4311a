"""axe-core, the accessibility checker, in Chromium on every page a team or trainer
opens: every notebook in workbooks/ with a team chosen (the worksheet shown), the
start page before and after, the trainer console with its key (each tab), and Step 2
with its charts drawn. No critical or serious violation, no content outside a
landmark (axe's ``region`` rule), no two controls of one name, and each tab's title
names the page and the team.

axe-core comes from npm (package.json at the repo top; ``tests/run.sh`` runs
``npm ci``) and is loaded into each page from node_modules: nothing is fetched."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Contexts, VoilaServer, academy_server, contexts_on
from playwright.sync_api import expect
from test_browser import open_page

from sectorwb import content, export, teams
from sectorwb.teams import START_NOTEBOOK, TRAINER_NOTEBOOK

pytestmark = [pytest.mark.served, pytest.mark.browser, pytest.mark.slow]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
NOTEBOOKS = sorted(p.name for p in (ROOT / "workbooks").glob("*.ipynb"))
# A name that needs escaping everywhere it is shown, and in the tab title.
TEAM = 'Aurora "North" & Co'
LMI = "step2_scope.ipynb"
LOAD_MS = 90_000  # Step 2 parses the demo files and draws its charts on 2 cores
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
    every page of a team and the trainer console from one server."""
    with academy_server(
        tmp_path_factory.mktemp("axe") / "data", "Axe Academy", [TEAM]
    ) as s:
        yield s


@pytest.fixture
def contexts(browser: Any, served: tuple[VoilaServer, Any, str]) -> Iterator[Contexts]:
    yield from contexts_on(browser, served[0])


def _violations(page: Any, axe: Path) -> list[dict[str, Any]]:
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


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_no_serious_accessibility_violation(
    contexts: Contexts, served: tuple, axe_path: Path, notebook: str
) -> None:
    page = contexts.new().new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    _open(page, served, notebook)
    if notebook != TRAINER_NOTEBOOK:
        _check(page, axe_path, notebook)
        return
    tabs = page.get_by_role("tab")
    for k in range(tabs.count()):
        tab = tabs.nth(k)
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        _check(page, axe_path, f"{notebook}, tab {tab.inner_text()!r}")


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
