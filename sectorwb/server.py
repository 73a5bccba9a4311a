"""sectorwb's Voila server: page requests under kernel caps, a status endpoint, clean stops."""

from __future__ import annotations

import html
import ipaddress
import json
import signal
from typing import Any

import tornado.web
from jupyter_core.utils import ensure_async
from jupyter_server.utils import url_path_join
from traitlets import Unicode
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

from .kernels import RETRY_AFTER_S, PageKernelManager, Refusal

STATUS_PATH = "/sectorwb/status"
PROXY_SETTING = "sectorwb_proxy"  # the network a trusted proxy is in, or None

_FULL_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>The workbook server is busy</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 36em; margin: 4em auto;
  padding: 0 1em; line-height: 1.5; color: #222; }}
h1 {{ font-size: 1.4em; }}
</style></head>
<body class="sectorwb-full">
<h1>The workbook server is busy</h1>
<p>{message}</p>
<p><strong>Try again in a minute</strong> (reload this page). Nothing you saved is
lost: answers are kept on the server.</p>
<p>If this keeps happening, tell your trainer.</p>
</body></html>
"""


class _Claiming:
    """The kernel manager as one page request sees it: the kernel it gets is its own."""

    def __init__(self, manager: PageKernelManager, handler: PageHandler):
        self._manager = manager
        self._handler = handler

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)

    async def start_kernel(self, **kwargs: Any) -> str:
        kernel_id = await ensure_async(self._manager.start_kernel(**kwargs))
        self._handler.got_kernel(kernel_id)
        return kernel_id

    async def get_rendered_notebook(self, *args: Any, **kwargs: Any) -> Any:
        task, cache, kernel_id = await self._manager.get_rendered_notebook(
            *args, **kwargs
        )
        self._handler.got_kernel(kernel_id)
        return task, cache, kernel_id


class PageHandler(TornadoVoilaHandler):
    """A page request: admitted under the kernel caps or answered with a 503 page."""

    _client: str | None = None
    _page: str = ""
    _kernel_id: str | None = None

    @property
    def kernel_manager(self) -> Any:
        manager = self.settings["kernel_manager"]
        return _Claiming(manager, self) if self._client is not None else manager

    def got_kernel(self, kernel_id: str) -> None:
        self._kernel_id = kernel_id
        self.settings["kernel_manager"].claim(self._client, self._page, kernel_id)

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        manager: PageKernelManager = self.settings["kernel_manager"]
        client = client_address(self.request, self.settings)
        try:
            manager.admit(client)
        except Refusal as refusal:
            self._refuse(refusal)
            return
        self._client, self._page = client, path or ""
        try:
            await super().get(path)
        finally:
            manager.finished(client, self._kernel_id)

    def _refuse(self, refusal: Refusal) -> None:
        self.set_status(503)
        self.set_header("Retry-After", str(RETRY_AFTER_S))
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(_FULL_PAGE.format(message=html.escape(str(refusal))))


class StatusHandler(tornado.web.RequestHandler):
    """Kernel count and memory as JSON, for ``sectorwb status`` on the server itself."""

    def get(self) -> None:
        if not _same_machine(self.request, self.settings):
            # Which addresses hold how many pages is the trainer's business only.
            raise tornado.web.HTTPError(403)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(self.settings["kernel_manager"].status()))


def client_address(request: tornado.httputil.HTTPServerRequest, settings: dict) -> str:
    """The address a request came from. Behind a proxy (JupyterHub's) every request
    arrives from the proxy, so its X-Forwarded-For names the visitor: else one team's
    pages would count against every team's cap. The header is believed only from the
    proxy's own network, so a stranger cannot choose its own address."""
    remote = request.remote_ip or "unknown"
    forwarded = request.headers.get("X-Forwarded-For", "")
    proxy = settings.get(PROXY_SETTING)
    if proxy is not None and forwarded and _within(remote, proxy):
        return forwarded.split(",")[-1].strip() or remote
    return remote


def _within(address: str, network: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if network == "loopback":
        return ip.is_loopback
    return ip in ipaddress.ip_network(network, strict=False)


def _same_machine(request: tornado.httputil.HTTPServerRequest, settings: dict) -> bool:
    remote = client_address(request, settings)
    if _within(remote, "loopback"):
        return True
    # Served on a LAN address, the trainer's own requests come from that address.
    local = request.connection.stream.socket.getsockname()[0]  # type: ignore[union-attr]
    return remote == local


class SectorwbVoila(Voila):
    """Voila with sectorwb's page handler, kernel manager and signal handling."""

    _stopping = False

    behind_proxy = Unicode(
        "",
        config=True,
        help="Served behind a proxy (JupyterHub's) in this network ('loopback' or "
        "e.g. 10.0.0.0/8): the visitor's address is its X-Forwarded-For.",
    )

    def initialize(self, argv: Any = None) -> None:
        super().initialize(argv)
        # Ctrl-C and SIGTERM both shut every kernel down, once, at a quiet moment.
        signal.signal(signal.SIGINT, self._handle_signal_stop)
        signal.signal(signal.SIGTERM, self._handle_signal_stop)

    def init_settings(self) -> dict:
        self.voila_configuration.multi_kernel_manager_class = PageKernelManager
        settings = super().init_settings()
        settings[PROXY_SETTING] = self.behind_proxy or None
        return settings

    def init_handlers(self) -> list:
        handlers: list = [(url_path_join(self.server_url, STATUS_PATH), StatusHandler)]
        for pattern, handler, *rest in super().init_handlers():
            if handler is TornadoVoilaHandler:
                handler = PageHandler
            handlers.append((pattern, handler, *rest))
        return handlers

    def _handle_signal_stop(self, sig: int, frame: Any) -> None:
        if self._stopping:
            return  # a second signal must not interrupt the kernels' shutdown
        self._stopping = True
        if not hasattr(self, "ioloop"):
            raise SystemExit(0)  # still starting: no loop and no kernel yet
        count = len(self.kernel_manager.list_kernel_ids())
        self.log.info(
            "sectorwb: stopping on signal %s, shutting down %d kernels", sig, count
        )
        self.ioloop.add_callback_from_signal(self.ioloop.stop)


main = SectorwbVoila.launch_instance

if __name__ == "__main__":
    main()
