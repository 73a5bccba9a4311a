"""Running ``sectorwb serve``'s Voila process: its port, its stop, its status."""

from __future__ import annotations

import errno
import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

from .errors import SectorwbError

# Voila stops each kernel within ~5 s (jupyter_client's shutdown wait); all of them
# are stopped at once.
STOP_TIMEOUT_S = 30
_STATUS_PATH = (
    "/sectorwb/status"  # sectorwb.server.STATUS_PATH, without importing Voila
)


def port_problem(host: str, port: int) -> str | None:
    """Why Voila could not listen on ``host:port``, or None when it can."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        return f"cannot serve on host {host!r}: {exc.strerror}. Check --host."
    with socket.socket(family, kind, proto) as probe:
        # Voila (tornado) binds with SO_REUSEADDR, so the TIME-WAIT connections a
        # server leaves for a minute after it stops do not keep it off its port;
        # the probe must agree with it, and only a listening program is refused.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"port {port} on {host} is already in use by another program "
                    "(an earlier `sectorwb serve` still running?). Stop that program, "
                    f"or serve on another port with --port (the teams' links then "
                    "change)."
                )
            return f"cannot serve on {host} port {port}: {exc.strerror}. Check --host and --port."
    return None


def run(command: list[str], env: dict[str, str]) -> int:
    """Run the server until it ends; SIGTERM or SIGINT stops it and all its kernels."""
    child = subprocess.Popen(command, env=env, preexec_fn=_stop_with_parent)
    stop_asked: list[float] = []

    def stop(signum: int, frame: Any) -> None:
        if not stop_asked:
            stop_asked.append(time.monotonic())
            child.send_signal(signal.SIGTERM)  # Voila then shuts its kernels down

    previous = {
        sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        while True:
            try:
                return child.wait(timeout=1)
            except subprocess.TimeoutExpired:
                if stop_asked and time.monotonic() - stop_asked[0] > STOP_TIMEOUT_S:
                    _kill_tree(child)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_with_parent() -> None:
    """Linux: the server gets SIGTERM when ``sectorwb serve`` itself is killed."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _kill_tree(child: subprocess.Popen) -> None:
    """A server that did not stop in time: kill it and its kernels (own sessions)."""
    import psutil

    try:
        procs = psutil.Process(child.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        procs = []
    child.kill()
    for proc in procs:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass


def fetch_status(host: str, port: int, base_url: str = "/") -> dict[str, Any]:
    """The running server's kernels and caps, read from its loopback status endpoint."""
    # A server listening on every address answers on the loopback one.
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    url = f"http://{netloc}{base_url.rstrip('/')}{_STATUS_PATH}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise SectorwbError(
            f"no sectorwb server answers at {url} ({exc}). Is `sectorwb serve` "
            "running? Give the --host, --port and --base-url it was started with."
        ) from exc


def format_status(status: dict[str, Any]) -> str:
    """What a trainer reads: counts and memory first, then one line per kernel."""
    kernels = status["kernels"]
    pool = sum(1 for k in kernels if k["pool"])
    cap = status["max_kernels"] or "no cap"
    per_client = status["max_kernels_per_client"] or "no cap"
    lines = [
        f"{status['page_kernels']} page kernels (at most {cap}), "
        f"{pool} ready in the start-page pool",
        f"memory: kernels {status['kernels_rss_mb']:.0f} MB, "
        f"server {status['server_rss_mb']:.0f} MB",
        f"pages per client address (at most {per_client} each): "
        + (
            ", ".join(f"{c} {n}" for c, n in sorted(status["clients"].items()))
            or "none"
        ),
    ]
    if kernels:
        lines.append(
            f"{'kernel':8}  {'page':32}  {'client':15}  {'age':>6}  open  {'MB':>5}"
        )
    for k in kernels:
        mb = f"{k['rss_mb']:.0f}" if k["rss_mb"] is not None else "-"
        if k["pool"]:
            page, client, age, opened = "(start-page pool)", "", "", ""
        else:
            page, client = k["notebook"], k["client"]
            age = f"{k['age_s'] // 60}m{k['age_s'] % 60:02d}s"
            opened = (
                "yes" if k["connected"] else ("was" if k["ever_connected"] else "no")
            )
        lines.append(
            f"{k['id'][:8]:8}  {page:32.32}  {client:15}  {age:>6}  {opened:4}  {mb:>5}"
        )
    return "\n".join(lines)
