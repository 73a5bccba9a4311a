"""``sectorwb serve`` as a real process: bounded kernels, restarts on the same port."""

from __future__ import annotations

import errno
import http.client
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest
import websocket
from conftest import START_PAGE, WORKBOOKS, kernel_ids_in
from playwright.sync_api import expect

pytestmark = [pytest.mark.served, pytest.mark.slow]

WORKSHEET = "preparing_to_launch.ipynb"
START_TIMEOUT_S = 60
PAGE_TIMEOUT_S = 90


@dataclass
class Serve:
    """A running ``sectorwb serve`` (the command, not Voila) and its log."""

    process: subprocess.Popen
    port: int
    log_path: Path
    seen: list[psutil.Process] = field(default_factory=list)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, page: str, source: str = "127.0.0.1") -> tuple[int, dict, str]:
        """GET a page from the loopback address ``source`` (127.0.0.0/8 is all ours)."""
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=PAGE_TIMEOUT_S, source_address=(source, 0)
        )
        try:
            # The server closes the connection first, so its side keeps it in
            # TIME-WAIT for a minute, as after any stop with browsers connected.
            conn.request(
                "GET",
                f"/voila/render/{page}?team=Server%20Test",
                headers={"Connection": "close"},
            )
            response = conn.getresponse()
            body = response.read().decode("utf-8", "replace")
            return response.status, dict(response.getheaders()), body
        finally:
            conn.close()

    def status(self) -> dict[str, Any]:
        out = run_cli("status", "--port", str(self.port), "--json")
        return json.loads(out.stdout)

    def tree(self) -> list[psutil.Process]:
        """Voila and every kernel under this ``sectorwb serve`` (all noted in seen)."""
        try:
            procs = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        self.seen += [p for p in procs if p not in self.seen]
        return procs

    def leftovers(self) -> list[psutil.Process]:
        """What still runs of what was seen, kernels of an orphaned Voila included."""
        procs = []
        for proc in self.seen:
            try:
                procs += [proc, *proc.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        return procs

    def kernel_pids(self) -> set[int]:
        pids = set()
        for proc in self.tree():
            try:
                if any("ipykernel_launcher" in part for part in proc.cmdline()):
                    pids.add(proc.pid)
            except psutil.NoSuchProcess:
                continue
        return pids


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sectorwb.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(tmp_path: Path, port: int, *options: str) -> Serve:
    """``sectorwb serve`` on ``port``; returns once it answers its status endpoint."""
    log_path = tmp_path / f"serve-{port}-{time.monotonic_ns()}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "sectorwb.cli", "serve", "--port", str(port)]
            + ["--workbooks", str(WORKBOOKS), "--data-dir", str(tmp_path / "data")]
            + list(options),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # signals in this test go to it alone
        )
    serve = Serve(process, port, log_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"sectorwb serve exited {process.returncode}:\n{serve.log()}")
        if run_cli("status", "--port", str(port)).returncode == 0:
            serve.tree()  # notes Voila, so a test that fails leaves nothing running
            return serve
        time.sleep(0.5)
    stop(serve)
    pytest.fail(f"sectorwb serve did not answer within {START_TIMEOUT_S} s")


def stop(serve: Serve, sig: int = signal.SIGTERM) -> list[psutil.Process]:
    """Signal ``sectorwb serve`` itself; returns what ran under it before."""
    tree = serve.tree()
    if serve.process.poll() is None:
        serve.process.send_signal(sig)
    try:
        serve.process.wait(timeout=45)
    except subprocess.TimeoutExpired:
        serve.process.kill()
    return tree


def kill_leftovers(procs: list[psutil.Process]) -> None:
    for proc in procs:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[Any]:
    """A factory of ``sectorwb serve`` processes, all stopped after the test."""
    started: list[Serve] = []

    def factory(port: int, *options: str) -> Serve:
        serve = start(tmp_path, port, *options)
        started.append(serve)
        return serve

    yield factory
    for serve in started:
        stop(serve)
        kill_leftovers(serve.leftovers())
        print(f"--- end of {serve.log_path.name}\n{serve.log()[-4000:]}")  # on failure


def wait_until(check: Any, timeout: float, step: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()


def alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    return [p for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def listening(port: int) -> bool:
    return any(
        c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN
        for c in psutil.net_connections("tcp")
    )


def plain_bind_fails(port: int) -> bool:
    """What the old port probe did: a bind without SO_REUSEADDR."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
        return False


# -- item 8: restarts keep the port ----------------------------------------------------
def test_sigterm_stops_everything_and_a_restart_keeps_the_port(serving: Any) -> None:
    port = free_port()
    first = serving(port, "--unconnected-timeout", "600")
    status, _, html = first.get(WORKSHEET)
    assert status == 200 and kernel_ids_in(html)
    assert len(first.kernel_pids()) >= 2  # the page's kernel and the start-page pool
    # A browser still connected when the server stops: the server closes first, so
    # its side of the connection stays in TIME-WAIT (what broke the old probe).
    browser_connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    tree = stop(first, signal.SIGTERM)
    browser_connection.close()
    assert first.process.returncode == 0, first.log()
    assert tree, "nothing ran under sectorwb serve"
    assert wait_until(lambda: not alive(tree), 10), (
        f"still running after SIGTERM: {[p.cmdline() for p in alive(tree)]}"
    )
    assert not listening(port)
    # The page's connection left TIME-WAIT sockets: the old probe moved the port here.
    assert plain_bind_fails(port), "no TIME-WAIT socket: this test proves nothing"

    second = serving(port)
    status, _, html = second.get(START_PAGE)
    assert status == 200 and kernel_ids_in(html)
    assert f"http://127.0.0.1:{port}/voila/render/{START_PAGE}" in second.log()
    # Ctrl-C (SIGINT) stops it as cleanly as SIGTERM.
    tree = stop(second, signal.SIGINT)
    assert wait_until(lambda: not alive(tree), 10), (
        f"still running after SIGINT: {[p.cmdline() for p in alive(tree)]}"
    )
    assert not listening(port)


def test_a_port_held_by_another_program_is_named_and_nothing_moves(
    tmp_path: Path,
) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        done = run_cli(
            "serve", "--port", str(port), "--workbooks", str(WORKBOOKS),
            "--data-dir", str(tmp_path / "data"),
        )  # fmt: skip
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use by another program" in (
        done.stderr
    )
    assert "--port" in done.stderr
    assert "open http" not in done.stdout  # no other port offered, no server started


# -- item 5: kernels are bounded -------------------------------------------------------
def test_pages_over_the_caps_get_a_busy_page_and_no_kernel(serving: Any) -> None:
    serve = serving(
        free_port(),
        *("--max-kernels", "3", "--max-kernels-per-client", "2"),
        *("--unconnected-timeout", "600"),
    )
    for _ in range(2):
        status, _, html = serve.get(START_PAGE)
        assert status == 200 and kernel_ids_in(html)
    status, headers, html = serve.get(START_PAGE)  # a third page from 127.0.0.1
    assert status == 503
    assert headers["Retry-After"] == "60"
    assert "Your network address (127.0.0.1) already has 2 workbook pages open" in html
    assert "Try again in a minute" in html
    assert not kernel_ids_in(html)

    status, _, html = serve.get(START_PAGE, source="127.0.0.2")  # another laptop
    assert status == 200 and kernel_ids_in(html)
    status, headers, html = serve.get(WORKSHEET, source="127.0.0.3")
    assert status == 503, "a fourth page on a server of at most 3"
    assert "The workbook server is full: 3 pages are open" in html
    assert headers["Retry-After"] == "60"

    now = serve.status()
    assert now["page_kernels"] == 3
    assert now["clients"] == {"127.0.0.1": 2, "127.0.0.2": 1}
    assert all(k["rss_mb"] and k["rss_mb"] > 20 for k in now["kernels"])
    # The refusals started no kernel: three pages and the start-page pool, once its
    # refill after the pages that got in has started.
    assert wait_until(lambda: len(serve.kernel_pids()) == 4, 30)
    time.sleep(3)
    assert len(serve.kernel_pids()) == 4, serve.status()
    log = serve.log()
    assert log.count("sectorwb: page refused for") == 2
    assert "client cap reached" in log and "server cap reached" in log

    text = run_cli("status", "--port", str(serve.port)).stdout
    assert "3 page kernels (at most 3)" in text
    assert "127.0.0.1 2, 127.0.0.2 1" in text


def test_unopened_pages_are_culled_open_ones_kept_and_left_ones_culled(
    serving: Any,
) -> None:
    serve = serving(free_port(), "--unconnected-timeout", "4", "--left-timeout", "8")
    _, _, bare = serve.get(WORKSHEET)
    _, _, opened = serve.get(START_PAGE)
    (bare_id,) = kernel_ids_in(bare)
    (open_id,) = kernel_ids_in(opened)
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{serve.port}/api/kernels/{open_id}/channels", timeout=10
    )
    try:

        def kernel_ids() -> set[str]:
            return {k["id"] for k in serve.status()["kernels"]}

        assert wait_until(lambda: bare_id not in kernel_ids(), 20), serve.log()
        assert f"sectorwb: kernel {bare_id} of {WORKSHEET}" in serve.log()
        time.sleep(6)  # longer than the timeout again: the open page stays
        now = serve.status()
        assert open_id in {k["id"] for k in now["kernels"]}
        assert now["page_kernels"] == 1
        assert any(k["pool"] for k in now["kernels"]), "the pool kernel was culled"
        ws.close()  # the tab closed or the laptop went to sleep
        assert wait_until(lambda: open_id not in kernel_ids(), 30), serve.log()
        assert "its browser left more than 8 s ago" in serve.log()
    finally:
        ws.close()


@pytest.mark.browser
def test_a_page_open_in_chromium_keeps_its_kernel(serving: Any, browser: Any) -> None:
    # Long enough for a loaded 2-core machine to run the page's JS and connect.
    serve = serving(free_port(), "--unconnected-timeout", "10")
    context = browser.new_context()
    try:
        page = context.new_page()
        url = f"http://127.0.0.1:{serve.port}/voila/render/{START_PAGE}"
        assert page.goto(url, timeout=PAGE_TIMEOUT_S * 1000).status == 200
        page.locator(".sectorwb-page").first.wait_for(timeout=PAGE_TIMEOUT_S * 1000)
        (kernel,) = kernel_ids_in(page.content())
        time.sleep(14)  # well past the timeout and two sweeps
        mine = [k for k in serve.status()["kernels"] if k["id"] == kernel]
        assert mine and mine[0]["connected"] == 1 and mine[0]["ever_connected"]
        assert "culled" not in serve.log()
        # ... and the page still works: its kernel answers.
        page.get_by_label("Team name").fill("Chromium Keeps")
        page.get_by_role("button", name="Open").click()
        expect(page.locator(".sectorwb-page")).to_contain_text("Team: Chromium Keeps")
    finally:
        context.close()


def test_status_without_a_server_says_so() -> None:
    port = free_port()
    done = run_cli("status", "--port", str(port))
    assert done.returncode == 2
    assert f"no sectorwb server answers at http://127.0.0.1:{port}/" in done.stderr
    assert "--port" in done.stderr


def test_caps_must_not_be_negative() -> None:
    done = run_cli("serve", "--max-kernels", "-1")
    assert done.returncode == 2
    assert "-1 is negative; use 0 for no cap" in done.stderr


def _request(peer: str, forwarded: str | None = None) -> Any:
    from tornado.httputil import HTTPHeaders, HTTPServerRequest

    headers = HTTPHeaders({"X-Forwarded-For": forwarded} if forwarded else {})
    request = HTTPServerRequest(method="GET", uri="/", headers=headers)
    request.remote_ip = peer
    return request


def test_behind_a_proxy_pages_count_per_visitor_and_nobody_picks_an_address() -> None:
    from sectorwb.server import PROXY_SETTING, client_address

    proxied = {PROXY_SETTING: "loopback"}
    # Through JupyterHub's proxy (a loopback peer) the visitor is the last hop named.
    assert client_address(_request("127.0.0.1", "10.0.0.5"), proxied) == "10.0.0.5"
    # A visitor's own header comes first; the proxy appends the real address.
    seen = _request("127.0.0.1", "127.0.0.1, 10.0.0.7")
    assert client_address(seen, proxied) == "10.0.0.7"
    # A stranger reaching the server directly cannot name another address, and a
    # server not behind a proxy believes no header.
    assert client_address(_request("10.0.0.9", "127.0.0.1"), proxied) == "10.0.0.9"
    assert client_address(_request("127.0.0.1", "10.0.0.5"), {}) == "127.0.0.1"
    # On Kubernetes the proxy is another pod: its network is named.
    pods = {PROXY_SETTING: "10.42.0.0/16"}
    assert client_address(_request("10.42.3.4", "192.168.1.20"), pods) == "192.168.1.20"
    assert client_address(_request("127.0.0.1", "192.168.1.20"), pods) == "127.0.0.1"
