"""Voila servers for the benchmarks: start, wait until ready and quiet, measure, stop.

Every server runs in its own session so it can be stopped as a group; kernels start in
sessions of their own (jupyter_client does that), so their pids are collected while the
server lives and killed one by one if the server did not shut them down.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil

KERNEL_MARK = "ipykernel_launcher"
_LIVE: list[VoilaServer] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class VoilaServer:
    """One Voila process (and its kernels), logging to ``log_path``."""

    def __init__(
        self, name: str, cmd: list[str], env: dict[str, str], port: int, log_path: Path
    ):
        self.name = name
        self.cmd = cmd
        self.env = env
        self.port = port
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        # Every descendant ever seen; psutil refuses to signal a pid reused since.
        self._seen: dict[int, psutil.Process] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_timeout: float = 120.0) -> VoilaServer:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.cmd,
                env=self.env,
                # Its scratch folder: Voila reads voila.json from where it starts, and
                # the plain sides must run with Voila's defaults, not the repository's.
                cwd=self.log_path.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        _LIVE.append(self)
        deadline = time.monotonic() + ready_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} server exited early:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.base_url + "/", timeout=5) as resp:
                    resp.read()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{self.name} server not ready after {ready_timeout:.0f} s:\n"
                        f"{self.log_tail()}"
                    ) from None
                time.sleep(0.2)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    # -- the process tree ------------------------------------------------------------
    def _tree(self) -> list[psutil.Process]:
        if self.proc is None:
            return []
        try:
            root = psutil.Process(self.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []
        for p in procs[1:]:
            self._seen.setdefault(p.pid, p)
        return procs

    def kernels(self) -> list[psutil.Process]:
        out = []
        for p in self._tree()[1:]:
            with contextlib.suppress(psutil.Error):
                if any(KERNEL_MARK in part for part in p.cmdline()):
                    out.append(p)
        return out

    def kernel_rss_mb(self, exclude: set[int] = frozenset()) -> list[float]:
        sizes = []
        for k in self.kernels():
            if k.pid in exclude:
                continue
            with contextlib.suppress(psutil.Error):
                sizes.append(k.memory_info().rss / 2**20)
        return sizes

    def cpu_split(self, exclude: set[int] = frozenset()) -> tuple[float, float]:
        """CPU seconds used so far by the server process and by its kernels."""
        procs = self._tree()
        server = kernels = 0.0
        for p in procs:
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                if p.pid == self.proc.pid:
                    server = t.user + t.system
                elif p.pid not in exclude and any(
                    KERNEL_MARK in a for a in p.cmdline()
                ):
                    kernels += t.user + t.system
        return server, kernels

    def kernel_of(self, kernel_id: str) -> list[psutil.Process]:
        """The process(es) of one kernel, found by its connection file's name."""
        out = []
        for k in self.kernels():
            with contextlib.suppress(psutil.Error):
                if any(f"kernel-{kernel_id}.json" in part for part in k.cmdline()):
                    out.append(k)
        return out

    def shutdown_kernel(self, kernel_id: str) -> None:
        """Ask Voila to shut one kernel down. Its page asks on close without a valid
        XSRF token and is refused (voila-dashboards/voila#1458), so a benchmark that
        opens many pages would pile kernels up; this sends a double-submit token."""
        token = uuid.uuid4().hex
        request = urllib.request.Request(
            f"{self.base_url}/voila/api/shutdown/{kernel_id}",
            data=f"_xsrf={token}".encode(),
            headers={"Cookie": f"_xsrf={token}"},
            method="POST",
        )
        with contextlib.suppress(urllib.error.URLError, OSError):
            urllib.request.urlopen(request, timeout=10).close()

    def crash(self) -> list[psutil.Process]:
        """``kill -9`` of the server process alone, as in a crash; returns its kernels,
        which live on as orphans (``stop`` still kills them). ``start`` restarts it
        with the same command, so on the same port."""
        kernels = self.kernels()
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
        if self in _LIVE:
            _LIVE.remove(self)
        return kernels

    def log_count(self, text: str) -> int:
        return self.log_tail(chars=10**8).count(text)

    def _cpu_seconds(self) -> float:
        total = 0.0
        for p in self._tree():
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                total += t.user + t.system
        return total

    def settle(
        self, quiet: float = 0.10, window: float = 0.5, limit: float = 60.0
    ) -> float:
        """Wait until the server and its kernels use under ``quiet`` of one core for
        two windows in a row (a preheated kernel has started, say); returns seconds."""
        start = time.monotonic()
        calm = 0
        before = self._cpu_seconds()
        while time.monotonic() - start < limit:
            time.sleep(window)
            now = self._cpu_seconds()
            calm = calm + 1 if (now - before) / window < quiet else 0
            before = now
            if calm >= 2:
                break
        return time.monotonic() - start

    def stop(self, grace: float = 20.0) -> None:
        if self.proc is None:
            return
        self._tree()  # remember the kernels before the server can orphan them
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)  # Voila shuts its kernels down
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        for p in self._seen.values():
            with contextlib.suppress(psutil.Error):
                if p.is_running():
                    p.kill()
                    p.wait(5)
        if self in _LIVE:
            _LIVE.remove(self)
        self.proc = None


def stop_all() -> None:
    """Stop every server still running (called from ``finally`` and on signals)."""
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.stop(grace=10.0)


def _on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # so every ``finally`` stops what it started


def stop_on_exit() -> None:
    """Stop every server at exit, also on SIGTERM and SIGHUP of the benchmark."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    atexit.register(stop_all)
