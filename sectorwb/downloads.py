"""Download buttons: a click makes the file (in a thread, so the page stays live) and
the browser saves it from a data: link."""

from __future__ import annotations

import asyncio
import base64
import html
import sys
from collections.abc import Callable, Sequence

import ipywidgets as W

from .errors import SectorwbError
from .ui import lean, message, shared_layout, text_html

FileData = tuple[str, str, bytes]  # file name, MIME type, content


class Downloads(W.VBox):
    """Buttons that build a file; it then downloads in the browser from a data: link
    (Voila serves no files, and the file must reach the team's laptop).

    Each choice is a label and a function returning (file name, MIME type, bytes).
    In a kernel the function runs in a worker thread: a big file (every team's
    packets) takes minutes, and the page's saves and live updates must go on. It may
    call ``say`` (from that thread) to tell how far it is.
    """

    def __init__(
        self,
        choices: Sequence[tuple[str, Callable[[], FileData]]],
        title: str = "Download",
    ):
        # The page script makes it a live region (role status) while it is still
        # empty: a screen reader announces what changes inside one that was there
        # already, not a region that arrives with its text.
        link = lean(W.HTML, _dom_classes=("sectorwb-download-status",))
        buttons = []
        for label, make in choices:
            button = lean(W.Button, description=label, icon="download")
            button.on_click(
                lambda _b, make=make, label=label: self.prepare(make, label)
            )
            buttons.append(button)
        head = text_html(title, "sectorwb-h2", "h2") + text_html(
            "Click a format: the file is made and your browser saves it."
        )
        # Parts before the comm opens: one message instead of three, as in fields.
        super().__init__(
            [
                lean(W.HTML, value=head),
                lean(
                    W.HBox, layout=shared_layout(flex_flow="row wrap"), children=buttons
                ),
                link,
            ],
            layout=shared_layout(),
            _dom_classes=("sectorwb-downloads",),
        )
        self._link, self._buttons = link, buttons
        self._made = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    def prepare(self, make: Callable[[], FileData], label: str = "file") -> None:
        """Build one file and show its link, or say on the page why it failed."""
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:  # plain Python, tests: at once
            self._link.value = self._result(make, label)
            return
        for button in self._buttons:
            button.disabled = True  # one file at a time
        self._link.value = text_html(f"Making the {label} file…", "sectorwb-help")
        future = self._loop.run_in_executor(None, self._result, make, label)
        future.add_done_callback(self._done)

    def say(self, text: str) -> None:
        """Show how far the file is (callable from the thread that makes it)."""
        shown = text_html(text, "sectorwb-help")
        if self._loop is None:
            self._link.value = shown
        else:
            self._loop.call_soon_threadsafe(setattr, self._link, "value", shown)

    def _done(self, future: asyncio.Future[str]) -> None:
        # On the kernel's loop: only there do widget changes reach the page in order.
        for button in self._buttons:
            button.disabled = False
        self._link.value = future.result()  # _result never raises

    def _result(self, make: Callable[[], FileData], label: str) -> str:
        """The link to the made file, or the message saying why it is not there."""
        try:
            name, mime, data = make()
        except SectorwbError as exc:
            return message(str(exc), "warning").value
        except Exception as exc:  # noqa: BLE001 - a failed file must say so, not vanish
            print(f"sectorwb: download {label!r} failed: {exc!r}", file=sys.stderr)
            return message(
                f"The {label} file could not be made. Your answers are safe: they "
                "are saved as you type, and making a file never changes them. Try "
                "the button again; if it fails again, download another format and "
                f"tell the trainer ({type(exc).__name__}: {exc})."
            ).value
        href = f"data:{mime};base64,{base64.b64encode(data).decode()}"
        self._made += 1  # a new value each time: the same file twice saves twice
        # The page script clicks a new link once (one click downloads); the link
        # stays for a browser that blocked it, and the line is announced (see
        # __init__).
        return (
            f'<p class="sectorwb-ready">{html.escape(name)} is ready. '
            f'<a class="sectorwb-file" download="{html.escape(name)}" href="{href}" '
            f'data-sectorwb-auto="{self._made}">Save {html.escape(name)}</a></p>'
        )
