"""Which teams have a page open now: each page's kernel says so in the store while it
lives, for the trainer's console."""

from __future__ import annotations

import atexit
import uuid
from datetime import UTC, datetime, timedelta

from . import config, live
from .errors import SectorwbError
from .store import Store

# A page refreshes its row this often; a row older than OPEN_WITHIN_S is a kernel
# that died without saying so (killed, or the server crashed).
REFRESH_S = 20.0
OPEN_WITHIN_S = 60.0


def announce(store: Store, team: str, page: str) -> None:
    """Mark this kernel's page of ``team`` open until the kernel stops. Only on an
    Academy's server (the console is an Academy's) and when the store is writable;
    a failed write never stops the page."""
    if config.academy() is None or store.read_only:
        return
    kernel = uuid.uuid4().hex

    def touch() -> None:
        store.mark_open(kernel, team, page)

    try:
        touch()
    except SectorwbError:
        return  # the page's own save status tells about a store that cannot be used
    if live.Poller(touch, REFRESH_S).start():
        atexit.register(_close, store, kernel)


def _close(store: Store, kernel: str) -> None:
    try:
        store.mark_closed(kernel)
    except SectorwbError:
        pass  # the row goes stale within OPEN_WITHIN_S anyway


def cutoff(now: datetime | None = None) -> str:
    """The oldest refresh time of a page still counted as open."""
    moment = (now or datetime.now(UTC)) - timedelta(seconds=OPEN_WITHIN_S)
    return moment.isoformat(timespec="milliseconds")
