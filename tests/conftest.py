"""Shared test setup: a private answer directory, a real Voila server, Chromium.

The data directory is set in ``pytest_configure`` so that everything in the session
(unit tests, nbval's notebook kernels, the Voila server and its kernels) writes into a
fresh temporary folder instead of the user's ``~/.local/share/sectorwb``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from postgres import Cluster, latest_answers, start_cluster

from sectorwb import academy
from sectorwb import config as swb_config
from sectorwb.cli import voila_command, voila_env
from sectorwb.store import Store

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = ROOT / "workbooks"
START_PAGE = "00_start_here.ipynb"
ENGINES = ["sqlite", "postgresql"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_TIMEOUT_S = 60
# A kernel's first render imports ipywidgets and the package: seconds on 2 cores.
PAGE_TIMEOUT_MS = 60_000
ACTION_TIMEOUT_MS = 30_000

_KERNEL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_saved_env: dict[str, str | None] = {}
_session_dir: Path | None = None


# -- one data directory for the whole session ---------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    global _session_dir
    if _session_dir is not None:
        return
    _session_dir = Path(tempfile.mkdtemp(prefix="sectorwb-tests-"))
    names = (
        swb_config.DATA_DIR_ENV,
        swb_config.DB_ENV,
        swb_config.DB_URL_ENV,
        swb_config.ACADEMY_ENV,
    )
    for name in names:
        _saved_env[name] = os.environ.get(name)
    os.environ[swb_config.DATA_DIR_ENV] = str(_session_dir / "data")
    # An inherited SECTORWB_DB or SECTORWB_ACADEMY would send every test's answers
    # to the user's file.
    os.environ.pop(swb_config.DB_ENV, None)
    os.environ.pop(swb_config.DB_URL_ENV, None)
    os.environ.pop(swb_config.ACADEMY_ENV, None)


def pytest_unconfigure(config: pytest.Config) -> None:
    global _session_dir
    for name, value in _saved_env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    if _session_dir is not None:
        shutil.rmtree(_session_dir, ignore_errors=True)
        _session_dir = None


@pytest.fixture(scope="session")
def session_dir() -> Path:
    """The session's temporary folder (data directory, server log, ...)."""
    assert _session_dir is not None
    return _session_dir


@pytest.fixture(scope="session")
def data_dir(session_dir: Path) -> Path:
    """The answer directory every process of this session uses."""
    path = Path(os.environ[swb_config.DATA_DIR_ENV])
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory of this test alone (Academies are created in it)."""
    folder = tmp_path / "data"
    monkeypatch.setenv(swb_config.DATA_DIR_ENV, str(folder))
    monkeypatch.delenv(swb_config.DB_ENV, raising=False)
    return folder


# -- a real Voila server -------------------------------------------------------------
@dataclass
class VoilaServer:
    """A running ``sectorwb`` Voila server on a loopback port."""

    base_url: str
    data_dir: Path
    db_path: Path
    pid: int
    log_path: Path
    process: subprocess.Popen = field(repr=False)
    # `voila NOTEBOOK` serves that one notebook at the root, and no other.
    single: str | None = None
    db_url: str | None = None  # a PostgreSQL store instead of the file at db_path

    def url(self, notebook: str, team: str | None = None, query: str = "") -> str:
        """Page URL; ``team`` is quoted, ``query`` is appended as it is."""
        parts = [f"team={quote(team, safe='')}"] if team is not None else []
        parts += [query] if query else []
        tail = "?" + "&".join(parts) if parts else ""
        if self.single:
            return f"{self.base_url}/{tail}"
        return f"{self.base_url}/voila/render/{notebook}{tail}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kernel_processes(self) -> list[Any]:
        """The kernel processes Voila started (``ipykernel_launcher``)."""
        import psutil

        try:
            children = psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        found = []
        for proc in children:
            try:
                if any("ipykernel_launcher" in part for part in proc.cmdline()):
                    found.append(proc)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return found

    def kernel_process(self, kernel_id: str) -> list[Any]:
        """The process(es) of one kernel, found by its connection file name."""
        import psutil

        found = []
        for proc in self.kernel_processes():
            try:
                if any(f"kernel-{kernel_id}.json" in part for part in proc.cmdline()):
                    found.append(proc)
            except psutil.NoSuchProcess:
                continue
        return found

    def shutdown_kernel(self, kernel_id: str) -> None:
        """Ask Voila to shut a page's kernel down, as the page itself tries to do.

        Voila 0.5 sends this on ``beforeunload`` without a valid XSRF token, so the
        server refuses it (voila-dashboards/voila#1458) and every kernel lives until the
        idle cull. The tests clean up after themselves with a double-submit token.
        """
        token = uuid.uuid4().hex
        request = urllib.request.Request(
            f"{self.base_url}/voila/api/shutdown/{kernel_id}",
            data=f"_xsrf={token}".encode(),
            headers={
                "Cookie": f"_xsrf={token}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            method="POST",
        )
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except (urllib.error.URLError, OSError):
            pass  # already gone, or the server is stopping: nothing to clean up

    def get(self, url: str, timeout: float = 60) -> tuple[int, str]:
        return http_get(url, timeout)

    def saved_answers(self, team: str, worksheet: str) -> dict[str, Any]:
        """The current (latest) answer of each question, read straight from the
        database (SQLite's file, or PostgreSQL)."""
        return latest_answers(self.db_url or self.db_path, team, worksheet)

    def shutdown_kernels_in(self, html: str) -> None:
        """Shut down the kernel a fetched page started (its id is in the page)."""
        for kernel_id in kernel_ids_in(html):
            self.shutdown_kernel(kernel_id)


def kernel_ids_in(html: str) -> list[str]:
    """The ``kernelId`` of Voila's page config in a served page."""
    match = re.search(
        r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
        html,
        re.S,
    )
    if not match:
        return []
    kernel_id = json.loads(match.group(1)).get("kernelId")
    return [kernel_id] if kernel_id else []


def _free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 60) -> tuple[int, str]:
    """GET a page within ``timeout`` seconds in all.

    A socket timeout alone is not enough: while a kernel runs the notebook, Voila
    sends keep-alive whitespace, so a page whose kernel never answers would hang.
    """
    deadline = time.monotonic() + timeout
    with urllib.request.urlopen(url, timeout=min(timeout, 20)) as response:
        chunks = []
        while chunk := response.read1(65536):
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise TimeoutError(f"GET {url} took more than {timeout} s")
        return response.status, b"".join(chunks).decode("utf-8", "replace")


def _die_with_pytest() -> None:
    """Linux: the server is sent SIGTERM when pytest dies without tearing down."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _stop(process: subprocess.Popen, kernels: list[Any]) -> None:
    """Voila shuts its kernels down on SIGTERM; kill whatever is left after that."""
    import psutil

    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)
    # jupyter_client starts each kernel in its own session, so the group kill above
    # does not reach a kernel that outlived the server.
    for proc in kernels:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass


def _wait_until_serving(server: VoilaServer) -> str | None:
    """None once the start page renders; else what went wrong."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    problem = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return f"Voila exited with code {server.process.returncode}"
        try:
            _, html = http_get(server.url(START_PAGE), timeout=30)
        except (urllib.error.URLError, OSError) as exc:  # TimeoutError is an OSError
            problem = repr(exc)
            time.sleep(0.5)
            continue
        server.shutdown_kernels_in(html)  # nobody will look at this page
        return None
    return problem


def start_voila(
    data_dir: Path,
    log_path: Path,
    port: int | None = None,
    academy: str | None = None,
    *,
    plain: tuple[Path, str] | None = None,
    db_url: str | None = None,
) -> VoilaServer:
    """Start ``sectorwb``'s own Voila command and environment on a loopback port and
    wait until it serves (``academy``: as ``sectorwb serve --academy``); fails the
    test with Voila's log when it does not. ``plain=(folder, target)``: the installed
    ``voila TARGET`` run in ``folder`` instead, as a Jupyter user would start it.
    ``db_url``: the answers in that PostgreSQL store instead of the data directory."""
    port = port or _free_loopback_port()
    # Every test is one client (127.0.0.1): the per-client cap is for rooms.
    command = voila_command(WORKBOOKS, port, max_kernels_per_client=0)
    env, cwd = voila_env(data_dir, academy), ROOT
    if db_url:
        env[swb_config.DB_URL_ENV] = db_url
    if plain:
        cwd, target = plain
        command = [str(Path(sys.executable).parent / "voila"), target]
        command += ["--no-browser", f"--port={port}"]
        env.pop("JUPYTER_PATH")  # only `sectorwb serve` sets it
    return launch(
        command,
        env,
        cwd,
        port,
        data_dir,
        log_path,
        db_path=swb_config.academy_db_path(academy, data_dir) if academy else None,
        single=plain[1] if plain and plain[1].endswith(".ipynb") else None,
        db_url=db_url,
    )


def launch(
    command: list[str],
    env: dict[str, str],
    cwd: Path,
    port: int,
    data_dir: Path,
    log_path: Path,
    *,
    db_path: Path | None = None,
    single: str | None = None,
    db_url: str | None = None,
) -> VoilaServer:
    """Run a command that serves the workbooks on ``port`` and wait until it does;
    fails the test with its log when it does not."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as one
            preexec_fn=_die_with_pytest,
        )
    server = VoilaServer(
        base_url=f"http://127.0.0.1:{port}",
        data_dir=data_dir,
        db_path=db_path or data_dir / swb_config.DB_FILENAME,
        pid=process.pid,
        log_path=log_path,
        process=process,
        single=single,
        db_url=db_url,
    )
    problem = _wait_until_serving(server)
    if problem:
        log_text = server.log()
        stop_voila(server)
        pytest.fail(
            f"Voila did not serve {server.url(START_PAGE)} within "
            f"{SERVER_START_TIMEOUT_S} s ({problem}). Its log:\n{log_text}",
            pytrace=False,
        )
    return server


def stop_voila(server: VoilaServer) -> None:
    _stop(server.process, server.kernel_processes())


@contextmanager
def academy_server(
    folder: Path, name: str, teams: list[str]
) -> Iterator[tuple[VoilaServer, Any, str]]:
    """A new Academy on the demo region in ``folder`` (its data directory), served as
    ``sectorwb serve --academy`` does: (server, the Academy, its trainer key)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv(swb_config.DATA_DIR_ENV, str(folder))
        made, key = academy.create(name, "demo", teams)
    server = start_voila(folder, folder.parent / "voila.log", academy=made.slug)
    try:
        yield server, made, key
    finally:
        stop_voila(server)
        made.store.close()


@pytest.fixture(scope="session")
def voila_server(data_dir: Path, session_dir: Path) -> Iterator[VoilaServer]:
    """The session's server: ``sectorwb``'s Voila on a free loopback port."""
    server = start_voila(data_dir, session_dir / "voila.log")
    try:
        yield server
    finally:
        stop_voila(server)


@pytest.fixture(scope="session")
def pg_voila_server(postgres: Cluster, session_dir: Path) -> Iterator[VoilaServer]:
    """The session's server with its answers on PostgreSQL (a database of the
    session's cluster), for served tests that run on both engines; see
    ``server_on_engine``."""
    folder = session_dir / "pg-data"
    folder.mkdir()
    server = start_voila(
        folder, session_dir / "voila-pg.log", db_url=postgres.new_database()
    )
    try:
        yield server
    finally:
        stop_voila(server)


def server_on_engine(
    request: pytest.FixtureRequest, sqlite: VoilaServer
) -> VoilaServer:
    """For a module's ``voila_server`` parametrized by ``ENGINES``: the session's
    server (``sqlite``), then the one on PostgreSQL, so each of its tests runs on both."""
    if request.param == "sqlite":
        return sqlite
    return request.getfixturevalue("pg_voila_server")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """A failing test that used a server (or a tuple of them) gets the end of each
    one's Voila log."""
    report = yield
    if not report.failed:
        return report
    for value in getattr(item, "funcargs", {}).values():
        for server in value if isinstance(value, tuple) else (value,):
            if isinstance(server, VoilaServer) and server.log_path.exists():
                title = f"Voila log of {server.base_url} (end)"
                report.sections.append((title, server.log()[-6000:]))
    return report


# -- a browser -----------------------------------------------------------------------
# Module scope, not session: Playwright's sync API keeps an asyncio loop marked as
# running on this thread while it is started, which breaks asyncio.run() and nbval's
# kernel clients in every test that would run after it.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing. Install Debian's Chromium: "
            "sudo apt-get update && sudo apt-get install -y chromium",
            pytrace=False,
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=ACTION_TIMEOUT_MS)  # its default (5 s) is for no kernel
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Contexts:
    """Opens browser contexts for one test and closes them (and their kernels) after."""

    browser: Any
    server: VoilaServer
    kernel_ids: set[str] = field(default_factory=set)
    opened: list[Any] = field(default_factory=list)

    def new(self) -> Any:
        context = self.browser.new_context(accept_downloads=True)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(PAGE_TIMEOUT_MS)
        context.on("request", self._note_kernel)
        self.opened.append(context)
        return context

    def _note_kernel(self, request: Any) -> None:
        match = re.search(r"/api/kernels/(" + _KERNEL_ID.pattern + ")", request.url)
        if match:
            self.kernel_ids.add(match.group(1))

    def close(self) -> None:
        for context in self.opened:
            context.close()
        for kernel_id in self.kernel_ids:
            self.server.shutdown_kernel(kernel_id)


def contexts_on(browser: Any, server: VoilaServer) -> Iterator[Contexts]:
    """Contexts of one test on ``server``, closed after it (a fixture's body)."""
    factory = Contexts(browser, server)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture
def contexts(browser: Any, voila_server: VoilaServer) -> Iterator[Contexts]:
    """A factory of fresh browser contexts (separate cookies: separate laptops)."""
    yield from contexts_on(browser, voila_server)


@pytest.fixture
def context(contexts: Contexts) -> Any:
    return contexts.new()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture
def team(request: pytest.FixtureRequest) -> str:
    """A team name of this test alone, so tests never see each other's answers."""
    base = re.sub(r"[^A-Za-z0-9]+", " ", request.node.name).strip() or "Team"
    return f"{base[:50].strip()} {uuid.uuid4().hex[:6]}"


@pytest.fixture
def wait_saved() -> Callable[..., None]:
    """Wait until the page says every change is saved (after a fresh save)."""

    def wait(page: Any, timeout: float = ACTION_TIMEOUT_MS) -> None:
        from playwright.sync_api import expect

        status = page.locator(".sectorwb-status")
        expect(status).to_contain_text("All changes saved at", timeout=timeout)

    return wait


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A fresh answer-database path of one test (SQLite's own behaviour)."""
    return tmp_path / "answers.sqlite3"


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """The session's PostgreSQL cluster on loopback; skips when there is none."""
    folder = Path(tempfile.mkdtemp(prefix="sectorwb-pg-"))
    found = start_cluster(folder)
    if isinstance(found, str):
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(found)
    try:
        yield found
    finally:
        found.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=ENGINES)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """A fresh, empty answer store of one test: an SQLite file, then a PostgreSQL
    database (its URL), so every test that uses it runs on both engines."""
    if request.param == "sqlite":
        return tmp_path / "answers.sqlite3"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def store(target: Path | str) -> Iterator[Store]:
    s = Store(target)
    yield s
    s.close()
