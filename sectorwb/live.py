"""Two laptops, one team: follow the other laptop's saves live, and never replace what
a team typed without saying so.

A page polls the store's change feed (``Store.changes``) every few seconds. Each
answer another laptop saved is compared with what this page last knew of it
(``base``) and what it shows now (``mine``): see ``follow``. Merging and the rules for
a conflict live here so that ``WorksheetForm`` only applies the outcome.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as W

from .errors import SectorwbError
from .ui import lean, shared_layout, text_html

POLL_S = 3.0  # how soon another laptop's save shows; one indexed query per page
PREVIEW_CHARS = 300


def merge(base: Any, mine: Any, theirs: Any) -> tuple[Any, bool]:
    """Three-way merge of one answer: what this page changed since ``base`` wins over
    ``theirs`` (the latest saved) where only this page changed it; dicts merge by
    key and tables cell by cell. Also says whether both sides changed one value to
    different things (a conflict: ``mine`` is kept for it)."""
    if mine == base or mine == theirs:
        return theirs, False
    if theirs == base:
        return mine, False
    if isinstance(mine, dict) and isinstance(theirs, dict):
        b = base if isinstance(base, dict) else {}
        merged, conflict = {}, False
        for key in dict.fromkeys([*theirs, *mine]):
            merged[key], clash = merge(b.get(key), mine.get(key), theirs.get(key))
            conflict |= clash
        return merged, conflict
    if _is_rows(mine) and _is_rows(theirs):
        b = base if _is_rows(base) else []
        rows, conflict = [], False
        for i in range(max(len(mine), len(theirs))):
            row, clash = merge(*(r[i] if i < len(r) else {} for r in (b, mine, theirs)))
            rows.append(row)
            conflict |= clash
        return rows, conflict
    return mine, True


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, dict) for x in value)


@dataclass(frozen=True)
class Outcome:
    """What a page does with another laptop's save of one answer.

    - ``same``: nothing new for this page;
    - ``apply``: this page had not touched the answer: show theirs;
    - ``merge``: both changed it, in different places: show ``value`` and save it;
    - ``conflict``: both changed the same thing while this page has unsaved typing:
      keep showing mine (it will be saved), offer theirs;
    - ``replaced``: this page had typed and saved it, and the other laptop saved over
      it: show theirs (the saved answer), offer mine.
    """

    action: str
    value: Any


def follow(
    base: Any, mine: Any, theirs: Any, pending: bool, origin: Any = None
) -> Outcome:
    """Decide what a page does when another laptop saved ``theirs``.

    ``origin`` is what the answer was when this page first typed into it (None when
    it never did): a save that keeps everything this page typed since is no news.
    """
    if theirs == base or theirs == mine:
        return Outcome("same", theirs)
    if not pending:
        if origin is None or merge(origin, mine, theirs) == (theirs, False):
            return Outcome("apply", theirs)
        return Outcome("replaced", theirs)
    merged, conflict = merge(base, mine, theirs)
    if conflict:
        return Outcome("conflict", mine)
    return Outcome("merge", merged)


def local_time(saved_at: str) -> str:
    """A store time (UTC ISO) as the page's wall clock: 10:42 today, else 30 Nov 10:42
    (a trainer reopening yesterday's Academy must not read old saves as today's)."""
    moment = dt.datetime.fromisoformat(saved_at).astimezone()
    today = dt.datetime.now(dt.UTC).astimezone().date()
    return moment.strftime("%H:%M" if moment.date() == today else "%d %b %H:%M")


def preview(value: Any) -> str:
    """A short plain-text view of an answer, for the notice that offers it."""
    if isinstance(value, dict):
        text = " — ".join(str(v) for v in value.values() if v)
    elif _is_rows(value):
        text = "; ".join(
            ", ".join(str(v) for v in row.values() if v)
            for row in value
            if any(row.values())
        )
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = "" if value is None else str(value)
    text = text or "(empty)"
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"


class ConflictNotice(W.VBox):
    """Says that another laptop changed an answer this page worked on, and keeps both
    versions one click away: ``choose(value)`` puts the chosen one on the page."""

    def __init__(
        self,
        question: str,
        outcome: Outcome,
        other: Any,
        at: str,
        choose: Callable[[Any], None],
        done: Callable[[ConflictNotice], None],
    ):
        when = local_time(at)
        if outcome.action == "conflict":
            text = (
                f"“{question}” was changed on another laptop at {when} while you "
                "were typing. Your version is shown and saved; theirs is kept."
            )
            take, keep = "Show theirs", "Keep mine"
        else:
            text = (
                f"“{question}” was changed on another laptop at {when}, after you "
                "worked on it. Their version is shown now; yours is kept."
            )
            take, keep = "Show mine", "Keep theirs"
        body = text_html(text, "sectorwb-conflict-text") + text_html(
            f"{'Theirs' if take == 'Show theirs' else 'Yours'}: {preview(other)}",
            "sectorwb-conflict-other",
        )
        take_button = lean(W.Button, description=take, button_style="warning")
        keep_button = lean(W.Button, description=keep)
        take_button.on_click(lambda _b: (choose(other), done(self)))
        keep_button.on_click(lambda _b: done(self))
        super().__init__(
            [
                lean(W.HTML, value=body),
                lean(
                    W.HBox,
                    layout=shared_layout(flex_flow="row wrap"),
                    children=[take_button, keep_button],
                ),
            ],
            layout=shared_layout(),
            _dom_classes=("sectorwb-conflict", "sectorwb-msg", "sectorwb-warning"),
        )
        self.question = question
        self.other = other

    def close(self) -> None:
        """Close the notice with its parts (its buttons and text are widgets too)."""
        box = self.children[1]
        for widget in (self.children[0], *box.children, box):
            widget.close()
        super().close()


class Poller:
    """Calls ``sync`` every ``POLL_S`` seconds on the kernel's event loop, for as
    long as the kernel lives; without a running loop (plain Python, tests) it does
    nothing and tests call ``sync`` themselves."""

    def __init__(self, sync: Callable[[], None], every: float = POLL_S):
        self._sync, self._every = sync, every
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> bool:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self._handle = loop.call_later(self._every, self._tick)
        return True

    def _tick(self) -> None:
        try:
            self._sync()
        except SectorwbError:
            pass  # the database is busy or gone: the save status says so; try again
        except Exception as exc:  # noqa: BLE001 - a poll must never stop polling
            print(f"sectorwb: live update failed: {exc!r}", file=sys.stderr)
        loop = asyncio.get_running_loop()
        self._handle = loop.call_later(self._every, self._tick)
