"""The Step 2 sector explorer: a region's QCEW metrics, scores and charts, and a button
that adds an industry to the team's shortlist (a table question of the worksheet)."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import pandas as pd

from .. import regions
from ..errors import SectorwbError
from ..ui import message, text_block
from . import views
from .scoring import CRITERIA, Thresholds, score_sectors
from .settings import THRESHOLDS, ExplorerSettings
from .table import TABLE_ROWS, score_table_html
from .titles import LEVELS as LEVEL_TITLES
from .titles import OWNERSHIPS, level_noun, level_title
from .views import LEVELS

# Controls wrap onto the next line in a narrow window instead of running off it.
_ROW = W.Layout(flex_flow="row wrap")
# metrics' notes name columns; the page names what a person sees in the table.
_NOTE_WORDS = {
    "lq_us": "LQ U.S.",
    "lq_state": "LQ state",
    "US000": "U.S.",
}


class Explorer(W.VBox):
    """Pick a region, level and thresholds; see the sectors; shortlist some.

    ``settings`` holds the choices; the worksheet form saves it with the answers.
    """

    def __init__(self, shortlist: W.Widget, section_id: str = "lmi"):
        super().__init__()
        self.add_class("sectorwb-explorer")
        self._shortlist = shortlist  # a TableField: first column the sector
        self.settings = ExplorerSettings(section_id)
        found = regions.scan()
        self._regions = {
            slug: f"{r.config.name} ({slug})"
            for slug, r in found.items()
            if not isinstance(r, SectorwbError)
        }
        self._broken = [str(r) for r in found.values() if isinstance(r, SectorwbError)]
        # region -> the levels its files have rows for
        self._have: dict[str, list[str]] = {}
        # (region, ownership, level) -> metrics table and drawn charts (views.View):
        # read from the region's views file once, not computed here.
        self._views: dict[tuple[str, str, str], views.View] = {}
        self._applying = False  # controls set from the settings: not a change
        self.region = W.Dropdown(
            options=[(label, slug) for slug, label in self._regions.items()],
            description="Region",
        )
        self.level = W.Dropdown(
            options=[(level_title(k), k) for k in LEVELS], description="Industry level"
        )
        self.ownership = W.Dropdown(
            options=[(title, k) for k, title in OWNERSHIPS.items()],
            description="Ownership",
        )
        self.min_share = W.FloatText(
            THRESHOLDS["min_share"], description="Many jobs: share ≥ %"
        )
        self.min_pay = W.FloatText(
            THRESHOLDS["min_pay"], description="Higher wages: pay ratio >"
        )
        self.min_lq = W.FloatText(
            THRESHOLDS["min_lq"], description="Concentration: LQ >"
        )
        self.progress = W.FloatProgress(min=0, max=1, description="Loading")
        self.progress.layout.display = "none"
        self.notice = W.VBox([message(m, "warning") for m in self._broken])
        self.results = W.VBox()
        self.pick = W.Dropdown(options=[], description="Industry")
        self.why = W.Text(description="Why (short rationale)")
        add = W.Button(description="Add to shortlist", icon="plus")
        add.on_click(lambda _b: self.add_to_shortlist())
        self.feedback = W.VBox()
        controls = (self.region, self.level, self.ownership, *self._thresholds())
        for w in (*controls, self.pick, self.why):
            w.style.description_width = "initial"
        for w in (self.region, self.level, self.ownership, self.pick):
            w.layout.width = "auto"  # as wide as the longest option: never cut
        for w in controls:
            w.observe(self._changed, names="value")
        self.children = [
            text_block(
                "Sectors with a significant number of jobs, higher-than-average wages, "
                "or concentration above state or national averages (Step 2 criteria). "
                "Change the thresholds to suit the region: the table and charts follow "
                "(press Enter after typing a number). The team's choices are kept."
            ),
            W.HBox([self.region, self.level, self.ownership], layout=_ROW),
            W.HBox(list(self._thresholds()), layout=_ROW),
            self.progress,
            self.notice,
            self.results,
            text_block("Add a sector to the team's shortlist", "sectorwb-qtext"),
            W.HBox([self.pick, self.why, add]),
            self.feedback,
        ]

    def _thresholds(self) -> tuple[W.FloatText, W.FloatText, W.FloatText]:
        return self.min_share, self.min_pay, self.min_lq

    def use_region(self, slug: str | None) -> None:
        """Show the team's saved view; ``slug`` (from ``?region=``), when it names a
        region, is the one shown."""
        saved = self.settings.saved()
        notes = list(self._broken)
        if slug and slug not in self._regions:
            known = ", ".join(self._regions) or "none"
            notes.append(f"There is no region {slug!r}. Known regions: {known}.")
            slug = None
        if saved.get("region") not in self._regions:
            saved.pop("region", None)
        self._applying = True
        try:
            if slug or saved.get("region"):
                self.region.value = slug or saved["region"]
            if saved.get("ownership") in OWNERSHIPS:
                self.ownership.value = saved["ownership"]
            for key, box in zip(THRESHOLDS, self._thresholds(), strict=True):
                if key in saved:
                    box.value = saved[key]
        finally:
            self._applying = False
        self.notice.children = [message(n, "warning") for n in notes]
        if self._regions:
            self.refresh(saved.get("level"))

    def _changed(self, _change: Any) -> None:
        if self._applying:
            return
        self.settings.value = self.current()
        self.refresh()

    def current(self) -> dict[str, Any]:
        """The settings as the controls show them (what ``settings`` saves)."""
        return {
            "region": self.region.value,
            "level": self.level.value,
            "ownership": self.ownership.value,
            **{
                k: float(box.value)
                for k, box in zip(THRESHOLDS, self._thresholds(), strict=True)
            },
        }

    def _on_progress(self, fraction: float) -> None:
        self.progress.value = fraction

    def refresh(self, level: str | None = None) -> None:
        """Read the region's views (built the first time), score and show them;
        ``level`` is the one wanted when the region has rows for it."""
        if not self.region.value:
            self.results.children = [
                message(
                    "No region is set up yet. Create one with `sectorwb region new`.",
                    "warning",
                )
            ]
            return
        self.progress.layout.display = None
        try:
            folder = regions.load_region(self.region.value)
            wanted = level or self.level.value
            have = self._levels(folder, wanted)
            level_notes = self._offer_levels(have, wanted)
            if not have:
                self.results.children = [message(" ".join(level_notes), "warning")]
                self.pick.options = []
                return
            view = self._view(folder)
            scored = score_sectors(view.table, self._scoring())
        except SectorwbError as exc:
            self.results.children = [message(str(exc))]
            self.pick.options = []  # not the industries of the view that failed
            return
        finally:
            self.progress.layout.display = "none"
        self._show(folder, view, scored, level_notes)

    def _levels(self, folder: regions.RegionFolder, wanted: str) -> list[str]:
        """The levels the region's files have rows for (kept once read); building
        the views, it also builds the view of ``wanted``, the one shown next."""
        slug = self.region.value
        if slug not in self._have:
            self._have[slug] = views.levels(
                folder, wanted, self.ownership.value, on_progress=self._on_progress
            )
        return self._have[slug]

    def _view(self, folder: regions.RegionFolder) -> views.View:
        """The chosen region, ownership and level's table and charts (kept once
        read; thresholds only change the scoring)."""
        key = (self.region.value, self.ownership.value, self.level.value)
        if key not in self._views:
            self._views[key] = views.region_view(
                folder, key[2], key[1], on_progress=self._on_progress
            )
        return self._views[key]

    def _offer_levels(self, have: list[str], wanted: str) -> list[str]:
        """Offer only the levels with data, select ``wanted`` if there is one, and
        say which levels are not offered and why."""
        missing = [level_title(k) for k in LEVELS if k not in have]
        if not have:
            return [
                "This region's QCEW files have no industry rows at any of these "
                f"levels: {', '.join(missing)}. Add BLS files with industry detail "
                "(sectorwb qcew download) to the region."
            ]
        offered = [(level_title(k), k) for k in LEVELS if k in have]
        self._applying = True
        try:
            if list(self.level.options) != offered:
                self.level.options = offered
            self.level.value = wanted if wanted in have else have[0]
        finally:
            self._applying = False
        if not missing:
            return []
        notes = [
            f"Not offered for this region: {', '.join(missing)}. Its QCEW files have "
            "no rows at that level."
        ]
        if wanted not in have and wanted in LEVEL_TITLES:
            notes.append(f"Showing {level_title(self.level.value)} instead.")
        return notes

    def _scoring(self) -> Thresholds:
        return Thresholds(
            min_jobs_share_pct=self.min_share.value,
            min_pay_ratio=self.min_pay.value,
            min_lq=self.min_lq.value,
        )

    def _show(self, folder, view, scored, level_notes) -> None:
        parts: list[W.Widget] = []
        if folder.config.illustrative:
            parts.append(
                message(
                    "Illustrative data: every number of this demo region is made up "
                    "to show how the explorer works. It is not real BLS data.",
                    "info",
                )
            )
        if level_notes:
            parts.append(message(" ".join(level_notes), "info"))
        parts += self._summary(view.table, scored)
        # Drawn when the views were built (views._charts): no renderer here.
        parts += [W.HTML(figure) for _label, figure in view.charts]
        self.results.children = parts
        self.pick.options = [
            (f"{t} ({c})", t)
            for c, t in zip(
                scored["industry_code"], scored["industry_title"], strict=True
            )
        ]

    def _summary(self, table: pd.DataFrame, scored: pd.DataFrame) -> list[W.Widget]:
        """How many meet the criteria, the ranked table, and notes on its figures."""
        level = self.level.value
        met = int(scored["candidate"].sum())
        criteria = ", ".join(
            CRITERIA[c] for c in ("many_jobs", "high_pay", "concentrated")
        )
        listed = (
            f" The {TABLE_ROWS} best ranked are listed; every one is in the Industry "
            "list below."
            if len(scored) > TABLE_ROWS
            else ""
        )
        parts = [
            text_block(
                f"{met} of {len(scored)} {level_noun(level, len(scored))} meet at "
                f"least one criterion ({criteria}).{listed}"
            ),
            W.HTML(score_table_html(scored)),
        ]
        # Shift-share is not on this page: only the notes on its columns matter.
        notes = [_in_words(n) for n in table.attrs.get("notes", []) if n[:3] == "lq_"]
        if notes:
            parts.append(text_block("About the figures: " + "; ".join(notes) + "."))
        return parts

    def add_to_shortlist(self) -> None:
        """Put the picked industry in the first empty shortlist row (or a new one);
        say what happened, or why nothing did."""
        sector = self.pick.value
        if not sector:
            self._tell(
                "Pick an industry in the Industry list first."
                if self.pick.options
                else "Nothing to add yet: the Industry list fills once the region's "
                "sectors are shown above.",
                "warning",
            )
            return
        columns = self._shortlist.question.columns
        rows = [dict(r) for r in self._shortlist.value or []]
        same = _norm(sector)
        for i, row in enumerate(rows, start=1):
            if _norm(row.get(columns[0])) == same:
                self._tell(
                    f"{sector} is already on the shortlist (row {i}): nothing added.",
                    "warning",
                )
                return
        entry = {c: "" for c in columns} | {columns[0]: sector}
        if len(columns) > 1:
            entry[columns[1]] = self.why.value
        empty = next((i for i, r in enumerate(rows) if not any(r.values())), None)
        if empty is None:
            rows.append(entry)
            empty = len(rows) - 1
        else:
            rows[empty] = entry
        self._shortlist.value = rows
        self.why.value = ""
        self._tell(
            f"Added {sector} to the shortlist, row {empty + 1} "
            f"(“{self._shortlist.question.text}”, below).",
            "info",
        )

    def _tell(self, text: str, level: str) -> None:
        self.feedback.children = [message(text, level)]


def _norm(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


def _in_words(note: str) -> str:
    for code, words in _NOTE_WORDS.items():
        note = note.replace(code, words)
    return note
