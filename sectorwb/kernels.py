"""Bounded kernels: caps per server and per client, and the cull of pages never opened."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.ioloop import PeriodicCallback
from traitlets import Float, Integer

# One page's kernel takes 100-300 MB; 40 of them is what a 2-core / 8 GB laptop holds
# next to its own browser, and one page for each of 40 teams.
DEFAULT_MAX_KERNELS = 40
# A team at one table: 3-4 laptops, each with the start page and a worksheet open,
# which can all come from one address behind a venue's NAT.
DEFAULT_MAX_KERNELS_PER_CLIENT = 8
# After its HTML is sent, a real browser opens the page's websocket within seconds
# (slow Wi-Fi included); a bare GET, curl or a crawler never does.
DEFAULT_UNCONNECTED_TIMEOUT_S = 45.0
# A page closed with typing still unsaved keeps its kernel (so the save lands; see
# sectorwb-page.js), and a laptop whose lid closed keeps its kernel too. Two minutes
# without a browser frees them; the kernel writes what it holds as it stops, and a
# page that comes back says it lost its connection and reloads with it all.
DEFAULT_LEFT_TIMEOUT_S = 120.0
RETRY_AFTER_S = 60
_MB = 1024 * 1024


@dataclass
class Page:
    """A kernel handed to one page request."""

    client: str
    notebook: str
    started: float = field(default_factory=time.time)
    sent: float | None = None  # when the page's HTML was complete
    connected: bool = False  # a websocket was opened to it at least once
    left: float | None = None  # when its last websocket closed (None: one is open)


class Refusal(Exception):
    """A page request over a cap; the message says which cap, for a person."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


class PageKernelManager(AsyncMappingKernelManager):
    """Voila's kernel manager, with caps on page kernels and a cull of unopened pages.

    Only kernels handed to a page request count and can be culled here: the kernels
    waiting in Voila's preheated pool belong to no page yet.
    """

    max_kernels = Integer(
        DEFAULT_MAX_KERNELS,
        config=True,
        help="Most page kernels alive at once on this server (0: no cap).",
    )
    max_kernels_per_client = Integer(
        DEFAULT_MAX_KERNELS_PER_CLIENT,
        config=True,
        help="Most page kernels alive at once for one client address (0: no cap).",
    )
    unconnected_timeout = Float(
        DEFAULT_UNCONNECTED_TIMEOUT_S,
        config=True,
        help="Seconds after a page was sent before its kernel is shut down if no "
        "browser ever connected to it (0: never).",
    )
    left_timeout = Float(
        DEFAULT_LEFT_TIMEOUT_S,
        config=True,
        help="Seconds after a page's last browser connection closed before its "
        "kernel is shut down (0: only the idle cull).",
    )

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.pages: dict[str, Page] = {}
        self._waiting: Counter[str] = Counter()  # requests admitted, kernel not yet got
        self._sweeper: PeriodicCallback | None = None

    # -- admission -------------------------------------------------------------------
    def admit(self, client: str) -> None:
        """Reserve a kernel for a page request of ``client``, or raise Refusal."""
        total = len(self.pages) + sum(self._waiting.values())
        mine = self._waiting[client] + sum(
            1 for p in self.pages.values() if p.client == client
        )
        if self.max_kernels and total >= self.max_kernels:
            self._refused(client, "server")
            raise Refusal(
                f"The workbook server is full: {total} pages are open, the most it "
                "holds at once.",
                "server",
            )
        if self.max_kernels_per_client and mine >= self.max_kernels_per_client:
            self._refused(client, "client")
            raise Refusal(
                f"Your network address ({client}) already has {mine} workbook pages "
                "open, the most one address may have at once. Close pages you no "
                "longer use.",
                "client",
            )
        self._waiting[client] += 1

    def claim(self, client: str, notebook: str, kernel_id: str) -> None:
        """The admitted request of ``client`` got ``kernel_id`` for ``notebook``."""
        self._unwait(client)
        self.pages[kernel_id] = Page(client, notebook)
        self.log.info(
            "sectorwb: kernel %s serves %s to %s (%s)",
            kernel_id,
            notebook,
            client,
            self._counts(client),
        )
        self._start_sweeper()

    def finished(self, client: str, kernel_id: str | None) -> None:
        """The request of ``client`` ended; its page (if it got one) is now sent."""
        if kernel_id is None:
            self._unwait(client)
        elif kernel_id in self.pages:
            self.pages[kernel_id].sent = time.time()

    def _unwait(self, client: str) -> None:
        if self._waiting[client] > 0:
            self._waiting[client] -= 1
        if not self._waiting[client]:
            del self._waiting[client]

    def _counts(self, client: str) -> str:
        mine = sum(1 for p in self.pages.values() if p.client == client)
        return (
            f"{len(self.pages)} page kernels of at most {self.max_kernels or 'any'}, "
            f"{mine} of this client"
        )

    def _refused(self, client: str, cap: str) -> None:
        self.log.warning(
            "sectorwb: page refused for %s: %s cap reached (%s)",
            client,
            cap,
            self._counts(client),
        )

    # -- connections and shutdown ----------------------------------------------------
    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        if kernel_id in self.pages:
            self.pages[kernel_id].connected = True
            self.pages[kernel_id].left = None

    def notify_disconnect(self, kernel_id: str) -> None:
        super().notify_disconnect(kernel_id)
        page = self.pages.get(kernel_id)
        if page is not None and not self._kernel_connections.get(kernel_id):
            page.left = time.time()

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> Any:
        self.pages.pop(kernel_id, None)
        return await ensure_async(super().shutdown_kernel(kernel_id, *args, **kwargs))

    # -- the cull of pages never opened ----------------------------------------------
    def _start_sweeper(self) -> None:
        timeouts = [t for t in (self.unconnected_timeout, self.left_timeout) if t > 0]
        if self._sweeper is None and timeouts:
            # Often enough that a page goes within a few seconds of its timeout.
            period = max(1.0, min(5.0, min(timeouts) / 3))
            self._sweeper = PeriodicCallback(self.sweep, period * 1000)
            self._sweeper.start()

    async def sweep(self) -> None:
        """Shut down page kernels no browser connected to within the timeout, and
        those whose browser left longer ago than ``left_timeout``."""
        now = time.time()
        for kernel_id, page in list(self.pages.items()):
            if kernel_id not in self:
                self.pages.pop(kernel_id, None)  # gone another way (died, culled)
                continue
            why = self._why_cull(page, now)
            if why is None:
                continue
            self.log.info(
                "sectorwb: kernel %s of %s from %s culled: %s",
                kernel_id,
                page.notebook,
                page.client,
                why,
            )
            try:
                await self.shutdown_kernel(kernel_id)
            except KeyError:
                pass  # shut down meanwhile (page closed, idle cull)

    def _why_cull(self, page: Page, now: float) -> str | None:
        if not page.connected:
            if (
                self.unconnected_timeout > 0
                and page.sent is not None
                and now - page.sent >= self.unconnected_timeout
            ):
                return f"no browser connected within {self.unconnected_timeout:g} s"
        elif (
            self.left_timeout > 0
            and page.left is not None
            and now - page.left >= self.left_timeout
        ):
            return f"its browser left more than {self.left_timeout:g} s ago"
        return None

    # -- status ----------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """Every kernel with its page, client and memory, and the caps (JSON-ready)."""
        import psutil

        kernels = []
        for kernel_id in self.list_kernel_ids():
            page = self.pages.get(kernel_id)
            kernels.append(
                {
                    "id": kernel_id,
                    "notebook": page.notebook if page else None,
                    "client": page.client if page else None,
                    "pool": page is None,
                    "age_s": round(time.time() - page.started) if page else None,
                    "connected": self._kernel_connections.get(kernel_id, 0),
                    "ever_connected": page.connected if page else None,
                    "rss_mb": _rss_mb(self.get_kernel(kernel_id)),
                }
            )
        server = psutil.Process()
        return {
            "pid": server.pid,
            "server_rss_mb": round(server.memory_info().rss / _MB, 1),
            "kernels": kernels,
            "page_kernels": len(self.pages),
            "kernels_rss_mb": round(sum(k["rss_mb"] or 0 for k in kernels), 1),
            "max_kernels": self.max_kernels,
            "max_kernels_per_client": self.max_kernels_per_client,
            "unconnected_timeout_s": self.unconnected_timeout,
            "left_timeout_s": self.left_timeout,
            "clients": dict(Counter(p.client for p in self.pages.values())),
        }


def _rss_mb(kernel: Any) -> float | None:
    """Resident memory of a kernel's process, or None while it starts or after it died."""
    import psutil

    pid = getattr(getattr(kernel, "provisioner", None), "pid", None)
    if pid is None:
        return None
    try:
        return round(psutil.Process(pid).memory_info().rss / _MB, 1)
    except psutil.Error:
        return None
