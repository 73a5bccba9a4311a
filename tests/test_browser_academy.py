"""An Academy served as ``sectorwb serve --academy`` does, in Chromium: a team's link
opens its answers only with its token; anything else shows a message and nothing of
any team; every link the pages make carries the token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import Contexts, VoilaServer, start_voila, stop_voila
from playwright.sync_api import expect
from test_browser import SHEET, START, open_page

from sectorwb import academy, config

pytestmark = [pytest.mark.served, pytest.mark.browser, pytest.mark.slow]

TEAMS = ["Aurora Health", "Team C"]
ANSWER = "Health care, saved for the Academy"
OTHER_ANSWER = "Team C's own sector"
REFUSED = (
    "This link does not open a team of Denver Metro 2027. Ask the trainer for your "
    "team's link or card."
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """A server of a fresh Academy whose two teams saved one answer each."""
    folder = tmp_path_factory.mktemp("academy") / "data"
    with pytest.MonkeyPatch.context() as env:
        env.setenv(config.DATA_DIR_ENV, str(folder))
        made, _key = academy.create("Denver Metro 2027", "demo", TEAMS)
    made.store.save("Aurora Health", "preparing_to_launch", {"target_sector": ANSWER})
    made.store.save("Team C", "preparing_to_launch", {"target_sector": OTHER_ANSWER})
    server = start_voila(folder, folder.parent / "voila.log", academy=made.slug)
    try:
        yield server, made
    finally:
        stop_voila(server)
        made.store.close()


@pytest.fixture
def page(browser: Any, served: tuple[VoilaServer, Any]) -> Iterator[Any]:
    contexts = Contexts(browser, served[0])
    try:
        yield contexts.new().new_page()
    finally:
        contexts.close()


def _url(server: VoilaServer, notebook: str, query: str) -> str:
    return f"{server.base_url}/voila/render/{notebook}?{query}"


def test_the_right_token_opens_the_teams_answers(page: Any, served: tuple) -> None:
    server, made = served
    token = made.token("Aurora Health")
    open_page(page, _url(server, SHEET, f"team=aurora%20health&t={token.lower()}"))
    expect(page.get_by_label("Target Sector:")).to_have_value(ANSWER)
    line = page.locator(".sectorwb-source").filter(has_text="Team: Aurora Health")
    hrefs = [a.get_attribute("href") for a in line.locator("a").all()]
    assert len(hrefs) == 2
    for href in hrefs:
        assert parse_qs(urlsplit(href).query) == {
            "team": ["Aurora Health"],
            "t": [token],
        }
    assert OTHER_ANSWER not in page.content()


def test_the_start_pages_links_carry_the_token(page: Any, served: tuple) -> None:
    server, made = served
    token = made.token("Team C")
    open_page(page, _url(server, START, f"team=Team%20C&t={token}"))
    links = page.locator("table.sectorwb-worksheets a")
    expect(links.first).to_be_visible()
    hrefs = [a.get_attribute("href") for a in links.all()]
    assert len(hrefs) > 5
    for href in hrefs:
        assert parse_qs(urlsplit(href).query) == {"team": ["Team C"], "t": [token]}
    links.first.click()  # the link the team follows opens its worksheet
    expect(page.locator(".sectorwb-source").first).to_contain_text("Team: Team C")


@pytest.mark.parametrize(
    ("notebook", "query"),
    [
        (SHEET, "team=Aurora%20Health&t=WRONGTOKEN"),
        (SHEET, "team=Aurora%20Health"),
        (START, "team=Aurora%20Health&t="),
        (SHEET, "team=Nobody%20Here&t={token}"),
        (START, "t={token}"),
    ],
    ids=["wrong-token", "no-token", "blank-token", "unknown-team", "token-only"],
)
def test_a_wrong_link_shows_the_message_and_nothing_of_any_team(
    page: Any, served: tuple, notebook: str, query: str
) -> None:
    server, made = served
    before = made.store.team_records()
    query = query.format(token=made.token("Aurora Health"))
    open_page(page, _url(server, notebook, query))
    expect(page.locator(".sectorwb-msg")).to_contain_text(REFUSED)
    expect(page.get_by_label("Team code")).to_be_visible()
    expect(page.get_by_label("Target Sector:")).to_have_count(0)
    html = page.content()
    for secret in (ANSWER, OTHER_ANSWER, "Team C", "Aurora Health"):
        assert secret not in html
    assert made.store.team_records() == before  # opening a link adds no team


def test_the_picker_asks_for_the_team_code(page: Any, served: tuple) -> None:
    server, made = served
    open_page(page, f"{server.base_url}/voila/render/{SHEET}")
    assert page.locator("datalist option").count() == 0  # no names offered
    page.get_by_label("Team name").fill("Aurora Health")
    page.get_by_label("Team code").fill(made.token("Team C"))
    page.get_by_role("button", name="Open").click()
    expect(page.locator(".sectorwb-msg")).to_contain_text(REFUSED)
    expect(page.get_by_label("Target Sector:")).to_have_count(0)
    token = made.token("Aurora Health")
    page.get_by_label("Team code").fill(f"{token[:5]} {token[5:]}".lower())
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_label("Target Sector:")).to_have_value(ANSWER)
    assert Path(server.db_path) == made.store.path
