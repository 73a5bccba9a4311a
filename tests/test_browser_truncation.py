"""Nothing a team must read is cut off: every page, in Chromium at a laptop's width
(1366 px) and a narrow window's (800 px), measured element by element.

Cut off means: a label, button, link or line of text whose content is wider than its
box (``scrollWidth > clientWidth``, which is also what an ellipsis hides); a dropdown
narrower than its longest option; a box narrower than the preset text it holds (a
team's own long typing scrolls in its box, as in every form); a label of a drawn
picture shortened with "…".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Contexts, VoilaServer, start_voila, stop_voila
from playwright.sync_api import expect

from sectorwb import academy, config, teams

pytestmark = [pytest.mark.browser, pytest.mark.served, pytest.mark.slow]

WORKBOOKS = Path(__file__).resolve().parent.parent / "workbooks"
PAGES = sorted(p.name for p in WORKBOOKS.glob("*.ipynb"))
WIDTHS = (1366, 800)
LOAD_MS = 240_000
TEAM = "Truncation Test Team"
# What shows that a page has drawn everything a team reads on it.
READY = {
    teams.START_NOTEBOOK: ".sectorwb-worksheets",
    teams.TRAINER_NOTEBOOK: "table.sectorwb-grid",
    "step2_scope.ipynb": ".sectorwb-chart svg",
    "step1_support_team.ipynb": ".sectorwb-picture svg",
}
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
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str, str]]:
    """An Academy's server (the trainer console needs one) with one team, whose
    connections picture is filled in."""
    folder = tmp_path_factory.mktemp("truncation") / "data"
    with pytest.MonkeyPatch.context() as env:
        env.setenv(config.DATA_DIR_ENV, str(folder))
        made, key = academy.create("Truncation Test", "demo", [TEAM])
    made.store.save(TEAM, "step1_support_team", {"connections": CONNECTIONS})
    token = made.token(TEAM)
    server = start_voila(folder, folder.parent / "voila.log", academy=made.slug)
    try:
        yield server, key, token
    finally:
        stop_voila(server)
        made.store.close()


@pytest.fixture
def contexts(browser: Any, served: tuple[VoilaServer, str, str]) -> Iterator[Contexts]:
    factory = Contexts(browser, served[0])
    try:
        yield factory
    finally:
        factory.close()


def _url(server: VoilaServer, notebook: str, key: str, token: str) -> str:
    if notebook == teams.TRAINER_NOTEBOOK:
        query = f"key={key}"
    else:
        query = teams.page_query(TEAM, token=token)
    return f"{server.base_url}/voila/render/{notebook}?{query}"


def cut_off(page: Any) -> list[dict[str, str]]:
    """What is cut off on the page as it is laid out now."""
    return page.evaluate(_MEASURE, TYPED)


@pytest.mark.parametrize("notebook", PAGES)
def test_nothing_is_cut_off(
    notebook: str, contexts: Contexts, served: tuple[VoilaServer, str, str]
) -> None:
    server, key, token = served
    page = contexts.new().new_page()
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    # Sixteen kernels in a row on two shared cores: a page may take minutes.
    response = page.goto(_url(server, notebook, key, token), wait_until="commit")
    assert response is not None and response.status == 200
    ready = READY.get(notebook, ".sectorwb-form")
    expect(page.locator(ready).first).to_be_visible(timeout=LOAD_MS)
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)  # the widgets' own resize handlers
        problems += [
            f"{width} px: {p['element']} {p['text']!r} ({p['why']})"
            for p in cut_off(page)
        ]
    # The same option in every row of a table is one problem.
    assert not problems, f"{notebook}: cut off\n" + "\n".join(dict.fromkeys(problems))
