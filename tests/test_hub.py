"""The JupyterHub deployment (deploy/jupyterhub) on one machine: the hub, its proxy
(configurable-http-proxy from npm) and an Academy's server as a hub-managed service. A
team opens its link through the hub's proxy in Chromium, types, reloads and finds its
answer, and the page asks nothing of any other host."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import (
    ACTION_TIMEOUT_MS,
    PAGE_TIMEOUT_MS,
    ROOT,
    _die_with_pytest,
    _free_loopback_port,
    http_get,
)
from playwright.sync_api import expect
from test_browser import LOOPBACK, SHEET, open_page

from sectorwb import academy, config

pytestmark = [pytest.mark.served, pytest.mark.browser, pytest.mark.slow]

HUB_CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
SLUG = "hub-academy-2027"
START_TIMEOUT_S = 240


def _proxy_command() -> str | None:
    local = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
    return str(local) if local.exists() else shutil.which("configurable-http-proxy")


def _jupyterhub() -> Path:
    return Path(sys.executable).with_name("jupyterhub")


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """A running hub serving one Academy; yields the hub's address and the Academy."""
    proxy = _proxy_command()
    if proxy is None or not _jupyterhub().exists():
        pytest.skip(
            "JupyterHub or its proxy is missing: `pip install -e '.[test]'` installs "
            "JupyterHub and `npm ci` (tests/run.sh does both) installs "
            "configurable-http-proxy into node_modules"
        )
    folder = tmp_path_factory.mktemp("hub")
    data = folder / "data"
    hub_url = f"http://127.0.0.1:{_free_loopback_port()}"
    public = f"{hub_url}/services/sectorwb-{SLUG}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv(config.DATA_DIR_ENV, str(data))
        made, _key = academy.create(
            "Hub Academy 2027", "demo", ["Metro Health"], public
        )
    made.store.close()
    environment = {
        **os.environ,
        config.DATA_DIR_ENV: str(data),
        "SECTORWB_ACADEMIES": SLUG,
        "SECTORWB_HUB_URL": hub_url,
        "SECTORWB_HUB_API_URL": f"http://127.0.0.1:{_free_loopback_port()}",
        "SECTORWB_PROXY_API_URL": f"http://127.0.0.1:{_free_loopback_port()}",
        "SECTORWB_FIRST_PORT": str(_free_loopback_port()),
        "SECTORWB_CHP": proxy,
    }
    log_path = folder / "hub.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [str(_jupyterhub()), "-f", str(HUB_CONFIG)],
            cwd=folder,  # the hub keeps its own database and secret here
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_pytest,
        )
    try:
        # The status endpoint starts no kernel, so waiting on it costs the server nothing.
        status = f"{public}/sectorwb/status"
        _wait_until_answered(status, process, log_path)
        yield hub_url, made
    finally:
        _stop_hub(process)


def _wait_until_answered(link: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    problem = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the hub exited ({process.returncode}):\n{_end(log)}")
        try:
            status, _text = http_get(link, timeout=30)
        except urllib.error.HTTPError as exc:  # 404/503 until the service is up
            problem = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            problem = repr(exc)
        else:
            if status == 200:
                return
        time.sleep(1)
    pytest.fail(f"{link} did not open through the hub ({problem}):\n{_end(log)}")


def _end(log: Path) -> str:
    """The end of the hub's log, without the proxy's lines for each request."""
    lines = log.read_text(errors="replace").splitlines()
    return "\n".join([line for line in lines if "GET /hub/error" not in line][-60:])


def _stop_hub(process: subprocess.Popen) -> None:
    """SIGTERM: the hub stops its services (each `sectorwb serve` its kernels)."""
    import psutil

    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass  # it stopped by itself (a failed start)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    _gone, alive = psutil.wait_procs(children, timeout=30)
    for proc in alive:
        proc.kill()


def test_a_team_types_through_the_hub_and_finds_it_after_a_reload(
    browser: Any, hub: tuple[str, Any]
) -> None:
    hub_url, made = hub
    context = browser.new_context()
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(PAGE_TIMEOUT_MS)
    seen: list[str] = []
    context.on("request", lambda request: seen.append(request.url))
    try:
        page = context.new_page()
        page.on("websocket", lambda socket: seen.append(socket.url))
        link = made.link("Metro Health").replace("00_start_here.ipynb", SHEET)
        assert link.startswith(f"{hub_url}/services/sectorwb-{SLUG}/voila/render/")
        open_page(page, link)
        page.get_by_label("Target Sector:").fill("Logistics, typed through the hub")
        expect(page.locator(".sectorwb-status")).to_contain_text("All changes saved")
        page.reload()
        expect(page.get_by_label("Target Sector:")).to_have_value(
            "Logistics, typed through the hub"
        )
        # The saved row is in the Academy's own store, where `sectorwb serve` put it.
        saved = academy.load(SLUG, made.store.path.parents[2]).store
        assert saved.answers("Metro Health", SHEET.removesuffix(".ipynb"))[
            "target_sector"
        ] == ("Logistics, typed through the hub")
    finally:
        context.close()
    assert any(urlsplit(u).scheme in ("ws", "wss") for u in seen), "no kernel socket"
    foreign = [
        u
        for u in seen
        if urlsplit(u).scheme not in ("data", "blob")
        and urlsplit(u).hostname not in LOOPBACK
    ]
    assert foreign == []
