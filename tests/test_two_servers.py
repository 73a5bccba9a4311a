"""Two servers, one PostgreSQL store, in a real browser: two ``sectorwb`` Voila
processes (their own kernels and data folders, as two machines would have) share
one database. A team's answer typed on one shows on the other; teams typing at once
on both lose nothing; PostgreSQL restarting mid-session loses nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import Contexts, VoilaServer, start_voila, stop_voila
from playwright.sync_api import expect
from postgres import PASSWORD, Cluster
from test_browser import SHEET_ID, notes, open_worksheet, wait_db

pytestmark = [pytest.mark.browser, pytest.mark.served, pytest.mark.slow]

LIVE_S = 15  # the page polls every 3 s; allow for a busy 2-core machine
FIELD = "Target Sector:"


@pytest.fixture(scope="module")
def servers(
    pg_voila_server: VoilaServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[VoilaServer, VoilaServer]]:
    """Server A, the session's on PostgreSQL, and server B, with a data folder of
    its own, on A's database."""
    folder = tmp_path_factory.mktemp("server-b")
    server_b = start_voila(
        folder / "data", folder / "voila.log", db_url=pg_voila_server.db_url
    )
    try:
        yield pg_voila_server, server_b
    finally:
        stop_voila(server_b)


@pytest.fixture
def laptops(
    browser: Any, servers: tuple[VoilaServer, VoilaServer]
) -> Iterator[tuple[Contexts, Contexts]]:
    """Browser contexts on server A and on server B (closed with their kernels)."""
    on_a, on_b = Contexts(browser, servers[0]), Contexts(browser, servers[1])
    try:
        yield on_a, on_b
    finally:
        on_a.close()
        on_b.close()


def test_typed_on_server_a_shows_on_server_b(
    servers: tuple[VoilaServer, VoilaServer],
    laptops: tuple[Contexts, Contexts],
    team: str,
    wait_saved: Callable[..., None],
) -> None:
    server_a, server_b = servers
    page_a = laptops[0].new().new_page()
    open_worksheet(page_a, server_a, team)
    page_a.get_by_label(FIELD).fill("Typed on server A")
    wait_saved(page_a)

    page_b = laptops[1].new().new_page()
    open_worksheet(page_b, server_b, team)
    expect(page_b.get_by_label(FIELD)).to_have_value("Typed on server A")
    # And back, live: B's save reaches A's open page without a reload.
    notes(page_b, "roles_and_convener").fill("Typed on server B")
    wait_saved(page_b)
    expect(notes(page_a, "roles_and_convener")).to_have_value(
        "Typed on server B", timeout=LIVE_S * 1000
    )
    assert server_a.db_url == server_b.db_url
    assert not server_a.db_path.exists() and not server_b.db_path.exists()


def test_teams_typing_at_once_on_both_servers_lose_nothing(
    servers: tuple[VoilaServer, VoilaServer],
    laptops: tuple[Contexts, Contexts],
    team: str,
    wait_saved: Callable[..., None],
) -> None:
    server_a, server_b = servers
    other = f"{team[:40]} two"
    # Team one on both servers (two laptops, two fields), team two on server B.
    one_a, one_b = laptops[0].new().new_page(), laptops[1].new().new_page()
    two_b = laptops[1].new().new_page()
    for page, where, who in ((one_a, server_a, team), (one_b, server_b, team)):
        open_worksheet(page, where, who)
    open_worksheet(two_b, server_b, other)
    for i in range(6):  # each edit lands while the others' saves are under way
        one_a.get_by_label(FIELD).fill(f"one, server A, edit {i}")
        notes(one_b, "roles_and_convener").fill(f"one, server B, edit {i}")
        two_b.get_by_label(FIELD).fill(f"two, server B, edit {i}")
        one_a.wait_for_timeout(350)
    for page in (one_a, one_b, two_b):
        wait_saved(page)
    wait_db(server_a, team, {"target_sector": "one, server A, edit 5"})
    saved = server_a.saved_answers(team, SHEET_ID)
    assert saved["roles_and_convener"]["notes"] == "one, server B, edit 5"
    assert server_b.saved_answers(other, SHEET_ID)["target_sector"] == (
        "two, server B, edit 5"
    )
    for page in (one_a, one_b, two_b):
        expect(page.locator(".sectorwb-conflict")).to_have_count(0)
    expect(one_b.get_by_label(FIELD)).to_have_value(
        "one, server A, edit 5", timeout=LIVE_S * 1000
    )


def test_postgresql_restarting_mid_session_keeps_the_typing_and_saves_it(
    servers: tuple[VoilaServer, VoilaServer],
    laptops: tuple[Contexts, Contexts],
    postgres: Cluster,
    team: str,
    wait_saved: Callable[..., None],
) -> None:
    server_a, _ = servers
    page = laptops[0].new().new_page()
    open_worksheet(page, server_a, team)
    page.get_by_label(FIELD).fill("Saved before the restart")
    wait_saved(page)
    status = page.locator(".sectorwb-status")
    postgres.stop()
    try:
        page.get_by_label(FIELD).fill("Typed while PostgreSQL is down")
        expect(status).to_contain_text("Not saved yet", timeout=20_000)
        expect(status).to_contain_text("cannot be reached")
        expect(status).not_to_contain_text(PASSWORD)
        expect(page.get_by_label(FIELD)).to_have_value("Typed while PostgreSQL is down")
    finally:
        postgres.start()
    wait_saved(page)  # the page retries by itself
    wait_db(server_a, team, {"target_sector": "Typed while PostgreSQL is down"})
    # The server goes on serving new pages from the same store.
    again = laptops[0].new().new_page()
    open_worksheet(again, server_a, team)
    expect(again.get_by_label(FIELD)).to_have_value("Typed while PostgreSQL is down")
