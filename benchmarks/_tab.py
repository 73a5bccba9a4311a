"""A browser page of the fault benchmark: type, reload, and what the page shows."""

from __future__ import annotations

import time
from typing import Any

from _browser import TIMEOUT_S
from _procs import VoilaServer
from _sides import WORKSHEET_ID
from playwright.sync_api import Error as PlaywrightError

KEY_DELAY_MS = 15  # between keystrokes, a fast typist
PAGE_READY_MS = 120_000  # a worksheet on a reload, even on a busy 2-core machine
REFUSED_AFTER_MS = 3_000  # a field not editable by then does not take typing
SAVED = "All changes saved"

# What the person sees at the moment of the fault, read in one go from the page.
_SIGNALS_JS = """() => {
  const shown = (sel, text) => [...document.querySelectorAll(sel)].some((e) => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.height > 0 &&
      getComputedStyle(e).visibility !== "hidden" &&
      (!text || e.textContent.includes(text));
  });
  const status = document.querySelector(".sectorwb-status");
  return {
    lost_banner: shown(".sectorwb-lost", "Reload to continue"),
    conflict: shown(".sectorwb-conflict"),
    status: status ? status.textContent.trim() : null,
  };
}"""


class Tab:
    """A page of one team, with the dialogs it raised (accepted, as a person would)."""

    def __init__(self, context: Any, server: VoilaServer, team: str):
        self.page = context.new_page()
        self.server = server
        self.team = team
        self.dialogs: list[str] = []
        self.kernels: list[str] = []  # every kernel this tab's loads started
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.type)
        dialog.accept()

    @property
    def url(self) -> str:
        return (
            f"{self.server.base_url}/voila/render/{WORKSHEET_ID}.ipynb?team={self.team}"
        )

    def _loaded(self) -> None:
        try:
            self.page.locator(".sectorwb-status").wait_for(timeout=PAGE_READY_MS)
        except PlaywrightError:
            shown = self.page.locator("body").inner_text()[:500]
            msg = f"{self.url} showed no worksheet; it shows: {shown}"
            raise RuntimeError(msg) from None
        self.kernels.append(
            self.page.evaluate(
                "JSON.parse(document.getElementById('jupyter-config-data')"
                ".textContent).kernelId"
            )
        )

    def open(self) -> Tab:
        self.page.goto(self.url, timeout=TIMEOUT_S * 1000)
        self._loaded()
        return self

    def reload(self) -> None:
        self.page.reload(timeout=TIMEOUT_S * 1000)
        self._loaded()

    def field(self, label: str) -> Any:
        return self.page.get_by_label(label, exact=True)

    def type(self, label: str, text: str) -> bool:
        """Keystroke by keystroke into an emptied field; False when the page does not
        let anyone type there (a page that knows its kernel is gone may say so)."""
        box = self.field(label)
        try:
            box.fill("", timeout=REFUSED_AFTER_MS)
        except PlaywrightError:
            return False
        box.press_sequentially(text, delay=KEY_DELAY_MS)
        return True

    def wait_saved(self, timeout_s: float = 30) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if SAVED in (self.signals()["status"] or ""):
                return True
            time.sleep(0.05)
        return False

    def signals(self) -> dict[str, Any]:
        return self.page.evaluate(_SIGNALS_JS) | {"dialogs": len(self.dialogs)}

    def value(self, label: str) -> str:
        return self.field(label).input_value(timeout=PAGE_READY_MS)

    def shutdown(self) -> None:
        """Close the page and its kernels (see ``VoilaServer.shutdown_kernel``)."""
        self.page.close()
        for kernel_id in self.kernels:
            self.server.shutdown_kernel(kernel_id)


def warnings(
    seen: dict[str, Any], dialogs_before: int, dialogs_after: int
) -> list[str]:
    """The visible warnings of one page at a fault. A status line that is gone (a
    broken-link icon in its place) warns nobody, so only a shown one counts."""
    out = []
    if dialogs_after > dialogs_before:
        out.append("dialog")
    if seen["lost_banner"]:
        out.append("lost banner")
    if seen["conflict"]:
        out.append("conflict")
    if seen["status"] is not None and SAVED not in seen["status"]:
        out.append("status")
    return out
