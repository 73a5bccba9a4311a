"""The bad day, in a real browser: a reload right after typing, a killed kernel, a
killed and restarted server, two laptops on one field. Nothing typed may be lost
without the page saying so, with the answers in SQLite or in PostgreSQL."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import ENGINES, VoilaServer, server_on_engine, start_voila, stop_voila
from playwright.sync_api import expect
from test_browser import (
    SHEET_ID,
    kernel_id,
    notes,
    open_worksheet,
    two_laptops,
    wait_db,
)

pytestmark = [pytest.mark.browser, pytest.mark.served, pytest.mark.slow]

LIVE_S = 12  # the page polls every 3 s; allow for a busy 2-core machine


@pytest.fixture(scope="module", params=ENGINES)
def voila_server(request: pytest.FixtureRequest, voila_server: VoilaServer) -> Any:
    """Every test here runs on the session's server, then on one on PostgreSQL."""
    return server_on_engine(request, voila_server)


def accept_leaving(page: Any) -> list[str]:
    """Answer "Leave" to the browser's "leave site?" question, as a person would;
    returns the kinds of dialog seen."""
    seen: list[str] = []

    def on_dialog(dialog: Any) -> None:
        seen.append(dialog.type)
        dialog.accept()

    page.on("dialog", on_dialog)
    return seen


def lost_banner(page: Any) -> Any:
    return page.locator(".sectorwb-lost")


# -- closing or reloading right after typing ----------------------------------------
def test_reload_right_after_typing_keeps_the_text(
    page: Any, voila_server: Any, team: str
) -> None:
    open_worksheet(page, voila_server, team)
    dialogs = accept_leaving(page)
    page.get_by_label("Target Sector:").fill("Typed just before the reload")
    page.wait_for_timeout(100)
    page.reload()
    assert dialogs == ["beforeunload"]  # the browser asked before leaving
    wait_db(voila_server, team, {"target_sector": "Typed just before the reload"})
    expect(page.get_by_label("Target Sector:")).to_have_value(
        "Typed just before the reload"
    )


def test_closing_the_tab_right_after_typing_keeps_the_text(
    context: Any, voila_server: Any, team: str
) -> None:
    page = context.new_page()
    open_worksheet(page, voila_server, team)
    accept_leaving(page)
    notes(page, "agree_on_sector").press_sequentially("Closed at once")
    page.wait_for_timeout(100)
    page.close(run_before_unload=True)
    wait_db(
        voila_server,
        team,
        {"agree_on_sector": {"answer": None, "notes": "Closed at once"}},
    )


def test_a_kernel_shut_down_during_the_pause_in_typing_saves_first(
    page: Any, voila_server: Any, team: str
) -> None:
    open_worksheet(page, voila_server, team)
    page.get_by_label("Target Sector:").fill("Waiting for the pause")
    expect(page.locator(".sectorwb-status")).to_contain_text("Saving")
    voila_server.shutdown_kernel(kernel_id(page))  # as Voila does when a tab closes
    wait_db(voila_server, team, {"target_sector": "Waiting for the pause"})


def test_a_saved_page_leaves_without_a_question(
    page: Any, voila_server: Any, team: str, wait_saved: Callable[..., None]
) -> None:
    open_worksheet(page, voila_server, team)
    dialogs = accept_leaving(page)
    page.get_by_label("Target Sector:").fill("Saved before leaving")
    wait_saved(page)
    page.reload()
    expect(page.get_by_label("Target Sector:")).to_have_value("Saved before leaving")
    assert dialogs == []


# -- a lost connection says so --------------------------------------------------------
def test_a_killed_kernel_shows_the_banner_and_stops_the_inputs(
    context: Any, voila_server: Any, team: str, wait_saved: Callable[..., None]
) -> None:
    page = context.new_page()
    open_worksheet(page, voila_server, team)
    page.get_by_label("Target Sector:").fill("Saved before the crash")
    wait_saved(page)
    kernels = voila_server.kernel_process(kernel_id(page))
    assert kernels, "the page's kernel process was not found"
    for proc in kernels:
        proc.kill()
    psutil.wait_procs(kernels, timeout=10)

    banner = lost_banner(page)
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_contain_text("lost its connection")
    expect(banner).to_contain_text("Everything this page showed as saved is safe")
    expect(page.get_by_label("Target Sector:")).to_be_disabled()
    expect(page.locator(".jupyter-widgets-disconnected").first).to_be_attached()

    page.get_by_role("button", name="Reload to continue").click()
    expect(page.get_by_label("Target Sector:")).to_have_value("Saved before the crash")
    expect(page.get_by_label("Target Sector:")).to_be_enabled()
    expect(lost_banner(page)).to_have_count(0)


@pytest.fixture
def own_server(voila_server: VoilaServer, tmp_path: Path) -> Any:
    """A server of this test alone on the store of ``voila_server``, which it may
    kill; stopped afterwards."""
    server = start_voila(
        voila_server.data_dir, tmp_path / "voila.log", db_url=voila_server.db_url
    )
    yield server
    stop_voila(server)


def test_a_killed_server_shows_the_banner_and_a_restart_keeps_every_answer(
    browser: Any,
    own_server: Any,
    tmp_path: Path,
    team: str,
    wait_saved: Callable[..., None],
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        open_worksheet(page, own_server, team)
        page.get_by_label("Target Sector:").fill("Saved before the server died")
        wait_saved(page)
        notes(page, "agree_on_sector").fill("Typed as it died")
        port = int(own_server.base_url.rsplit(":", 1)[1])
        kernels = own_server.kernel_processes()
        os.killpg(own_server.process.pid, signal.SIGKILL)
        own_server.process.wait(timeout=10)
        psutil.wait_procs(kernels, timeout=10)  # orphaned kernels stop themselves

        expect(lost_banner(page)).to_be_visible()
        expect(page.get_by_label("Target Sector:")).to_be_disabled()

        restarted = start_voila(
            own_server.data_dir,
            tmp_path / "voila-again.log",
            port=port,
            db_url=own_server.db_url,
        )
        try:
            page.get_by_role("button", name="Reload to continue").click()
            expect(page.get_by_label("Target Sector:")).to_have_value(
                "Saved before the server died"
            )
            saved = restarted.saved_answers(team, SHEET_ID)
            # The last note was either saved, or the banner said it might not be.
            if saved.get("agree_on_sector", {}).get("notes") == "Typed as it died":
                expect(notes(page, "agree_on_sector")).to_have_value("Typed as it died")
        finally:
            stop_voila(restarted)
    finally:
        context.close()


# -- two laptops, one team, live --------------------------------------------------------
def test_two_laptops_see_each_others_saves_without_reloading(
    contexts: Any, voila_server: Any, team: str, wait_saved: Callable[..., None]
) -> None:
    laptop_a, laptop_b = two_laptops(contexts, voila_server, team)

    laptop_a.get_by_label("Target Sector:").fill("From laptop A")
    notes(laptop_b, "roles_and_convener").fill("From laptop B")
    wait_saved(laptop_a)
    wait_saved(laptop_b)
    timeout = LIVE_S * 1000
    expect(laptop_b.get_by_label("Target Sector:")).to_have_value(
        "From laptop A", timeout=timeout
    )
    expect(notes(laptop_a, "roles_and_convener")).to_have_value(
        "From laptop B", timeout=timeout
    )
    for laptop in (laptop_a, laptop_b):
        expect(laptop.locator(".sectorwb-conflict")).to_have_count(0)


def test_two_laptops_on_one_field_are_both_told_and_keep_both_versions(
    contexts: Any, voila_server: Any, team: str, wait_saved: Callable[..., None]
) -> None:
    laptop_a, laptop_b = two_laptops(contexts, voila_server, team)

    laptop_a.get_by_label("Target Sector:").fill("Health care, said A")
    laptop_b.get_by_label("Target Sector:").fill("Energy, said B")
    wait_saved(laptop_a)
    wait_saved(laptop_b)

    # Whichever saved last, the other one's text did not vanish silently: both
    # laptops end up showing the saved answer or their own with a notice offering
    # the other version.
    timeout = LIVE_S * 1000
    for laptop in (laptop_a, laptop_b):
        expect(laptop.locator(".sectorwb-conflict")).to_have_count(1, timeout=timeout)
        expect(laptop.locator(".sectorwb-conflict")).to_contain_text(
            "changed on another laptop"
        )
        # The notices sit at the top of the form; a bar in the window leads there.
        expect(laptop.locator(".sectorwb-conflict-bar")).to_be_in_viewport()
    saved = voila_server.saved_answers(team, SHEET_ID)["target_sector"]
    loser = laptop_a if saved == "Energy, said B" else laptop_b
    mine = "Health care, said A" if loser is laptop_a else "Energy, said B"
    notice = loser.locator(".sectorwb-conflict")
    expect(notice).to_contain_text(f"Yours: {mine}")
    notice.get_by_role("button", name="Show mine").click()
    expect(loser.get_by_label("Target Sector:")).to_have_value(mine)
    wait_db(voila_server, team, {"target_sector": mine})
    expect(loser.locator(".sectorwb-conflict")).to_have_count(0)
    expect(loser.locator(".sectorwb-conflict-bar")).to_have_count(0)
