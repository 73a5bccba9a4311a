"""The explorer's settings as one answer of the worksheet, saved like the team's
answers, so a reload (or tomorrow) shows the view the team left."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import traitlets

from .scoring import Thresholds

# A question id never uses a dot (schema._ID): this one cannot clash with a question.
SUFFIX = ".explorer"
_DEFAULTS = Thresholds()
THRESHOLDS = {
    "min_share": _DEFAULTS.min_jobs_share_pct,
    "min_pay": _DEFAULTS.min_pay_ratio,
    "min_lq": _DEFAULTS.min_lq,
}


@dataclass(frozen=True)
class SettingsQuestion:
    """What the worksheet form needs of a question: its id (the store's key) and
    the text that names it in a notice (another laptop changed it)."""

    id: str
    text: str = "Labor market explorer settings"
    provides: str | None = None  # settings are offered nowhere


class ExplorerSettings(traitlets.HasTraits):
    """``value`` is a dict: region, level, ownership and the three thresholds.

    It plays the part of a field in ``WorksheetForm.fields``: the form loads it
    from the store at bind and saves every change of ``value``, as for an answer.
    """

    value = traitlets.Any(allow_none=True)
    quiet = True  # a teammate's view replaces this one's saved view without a notice

    def __init__(self, section_id: str) -> None:
        super().__init__()
        self.question = SettingsQuestion(section_id + SUFFIX)

    def suggest(self, *_args: Any) -> None:
        """Settings offer nothing (the form offers named answers to every field)."""

    def saved(self) -> dict[str, Any]:
        """The saved settings that are still usable; what is not is left out."""
        value = self.value if isinstance(self.value, dict) else {}
        out = {k: value[k] for k in ("region", "level", "ownership") if _text(value, k)}
        for key in THRESHOLDS:
            number = value.get(key)
            if isinstance(number, int | float) and math.isfinite(number):
                out[key] = float(number)
        return out


def _text(value: dict[str, Any], key: str) -> bool:
    return isinstance(value.get(key), str) and bool(value[key])
