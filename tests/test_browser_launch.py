"""Every way of starting the apps gives the same page: ``sectorwb serve``, the
installed ``voila`` run from the repository and from the workbooks folder (reading
voila.json there) and JupyterLab's Voila preview, in Debian's Chromium: sectorwb's
template, a team's typing saved, not one request to another host, and (but in the
preview, which runs JupyterLab's own kernels) the page kernel over IPC."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import (
    ROOT,
    WORKBOOKS,
    Contexts,
    VoilaServer,
    _free_loopback_port,
    launch,
    start_voila,
    stop_voila,
)
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.served, pytest.mark.slow]

SHEET = "preparing_to_launch.ipynb"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# The first words of the script only sectorwb's template puts on a page.
TEMPLATE_MARK = "sectorwb's page script"
LAUNCHES = {
    "sectorwb serve": None,
    "voila workbooks/ (in the repository)": (ROOT, "workbooks/"),
    f"voila {SHEET} (in workbooks/)": (WORKBOOKS, SHEET),
    "JupyterLab's Voila preview": "preview",
}


def _jupyterlab(folder: Path) -> VoilaServer:
    """``jupyter lab`` started in the repository, as a trainer would, serving the
    preview's ``/voila/render/...`` pages (its Voila server extension)."""
    port = _free_loopback_port()
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser"]
    command += [f"--port={port}", f"--ServerApp.root_dir={WORKBOOKS}"]
    command += ["--IdentityProvider.token="]  # loopback only, a throw-away server
    if os.geteuid() == 0:
        command.append("--allow-root")  # CI runs as root
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_PATH"}
    env["SECTORWB_DATA_DIR"] = str(folder / "data")
    return launch(command, env, ROOT, port, folder / "data", folder / "lab.log")


@pytest.fixture(scope="module", params=list(LAUNCHES))
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VoilaServer]:
    plain = LAUNCHES[request.param]
    if plain is None:
        yield request.getfixturevalue("voila_server")
        return
    folder = tmp_path_factory.mktemp("plain-voila")
    if plain == "preview":
        started = _jupyterlab(folder)
    else:
        started = start_voila(folder / "data", folder / "voila.log", plain=plain)
    try:
        yield started
    finally:
        stop_voila(started)


def _connection(kernel: Any) -> dict[str, Any]:
    argv = kernel.cmdline()
    return json.loads(Path(argv[argv.index("-f") + 1]).read_text(encoding="utf-8"))


def test_page_is_sectorwb_s_offline_and_saves(
    request: pytest.FixtureRequest,
    browser: Any,
    server: VoilaServer,
    team: str,
    wait_saved: Callable[..., None],
) -> None:
    contexts = Contexts(browser, server)
    try:
        context = contexts.new()
        seen: list[str] = []
        context.on("request", lambda request: seen.append(request.url))
        page = context.new_page()
        page.on("websocket", lambda socket: seen.append(socket.url))
        response = page.goto(server.url(SHEET, team))
        assert response is not None and response.status == 200
        box = page.get_by_label("Target Sector:")
        expect(box).to_be_visible()
        inline = page.evaluate("[...document.scripts].map(s => s.textContent)")
        assert sum(TEMPLATE_MARK in text for text in inline) == 1
        box.fill("Advanced manufacturing")
        wait_saved(page)
        page.wait_for_load_state("networkidle")

        saved = server.saved_answers(team, SHEET.removesuffix(".ipynb"))
        assert "Advanced manufacturing" in saved.values()
        page.reload()
        expect(page.get_by_label("Target Sector:")).to_have_value(
            "Advanced manufacturing"
        )

        assert any(urlsplit(u).scheme in ("ws", "wss") for u in seen), "no socket"
        foreign = [
            u
            for u in seen
            if urlsplit(u).scheme not in ("data", "blob")
            and urlsplit(u).hostname not in LOOPBACK
        ]
        assert foreign == []

        kernels = server.kernel_processes()
        assert kernels, "no kernel found"
        if LAUNCHES[request.node.callspec.params["server"]] == "preview":
            return  # JupyterLab's kernels: its own kernel spec manager and transport
        for kernel in kernels:
            # sectorwb's page kernel spec (no debugger, no history), over IPC.
            assert "--HistoryManager.enabled=False" in kernel.cmdline()
            assert _connection(kernel)["transport"] == "ipc"
    finally:
        contexts.close()
