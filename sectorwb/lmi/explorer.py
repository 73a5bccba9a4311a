"""The Step 2 sector explorer: a region's QCEW metrics, scores and charts, and a button
that adds an industry to the team's shortlist (a table question of the worksheet)."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W
import pandas as pd

from .. import regions
from ..errors import SectorwbError
from ..ui import message, text_block
from .scoring import CRITERIA, Thresholds, score_sectors
from .views import region_view

LEVELS = {"NAICS sector": "sector", "3-digit NAICS": "3", "4-digit NAICS": "4"}
OWNERSHIPS = {"Private": "private", "All ownerships": "all"}
TABLE_ROWS = 25


def _fmt(value: Any, pattern: str) -> str:
    return "n/a" if value is None or pd.isna(value) else pattern.format(value)


def score_table_html(scored: pd.DataFrame, rows: int = TABLE_ROWS) -> str:
    """The ranked table as escaped HTML (industry titles come from data files)."""
    head = (
        "<tr><th>#</th><th>Industry</th><th>Jobs</th><th>Share</th><th>Avg pay</th>"
        "<th>Pay vs avg</th><th>LQ state</th><th>LQ U.S.</th><th>Growth</th>"
        "<th>Criteria met</th></tr>"
    )
    body = []
    for r in scored.head(rows).itertuples():
        cells = [
            str(r.rank),
            f"{html.escape(str(r.industry_title))} ({html.escape(str(r.industry_code))})",
            _fmt(r.jobs, "{:,.0f}"),
            _fmt(r.jobs_share_pct, "{:.1f}%"),
            _fmt(r.avg_annual_pay, "${:,.0f}"),
            _fmt(r.pay_ratio, "{:.2f}"),
            _fmt(r.lq_state, "{:.2f}"),
            _fmt(r.lq_us, "{:.2f}"),
            _fmt(r.jobs_change_pct, "{:+.1f}%"),
            html.escape(r.criteria) or "none",
        ]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (
        '<table class="sectorwb-worksheets sectorwb-lmi">'
        f"<thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
    )


class Explorer(W.VBox):
    """Pick a region, level and thresholds; see the sectors; shortlist some."""

    def __init__(self, shortlist: W.Widget):
        super().__init__()
        self.add_class("sectorwb-explorer")
        self._shortlist = shortlist  # a TableField: first column the sector
        found = regions.scan()
        self._regions = {
            f"{r.config.name} ({slug})": slug
            for slug, r in found.items()
            if not isinstance(r, SectorwbError)
        }
        broken = [str(r) for r in found.values() if isinstance(r, SectorwbError)]
        self.region = W.Dropdown(options=list(self._regions), description="Region")
        self.level = W.Dropdown(options=list(LEVELS), description="Industry level")
        self.ownership = W.Dropdown(options=list(OWNERSHIPS), description="Ownership")
        t = Thresholds()
        self.min_share = W.FloatText(
            t.min_jobs_share_pct, description="Many jobs: share ≥ %"
        )
        self.min_pay = W.FloatText(
            t.min_pay_ratio, description="Higher wages: pay ratio >"
        )
        self.min_lq = W.FloatText(t.min_lq, description="Concentration: LQ >")
        show = W.Button(description="Show sectors", button_style="primary")
        show.on_click(lambda _b: self.refresh())
        self.progress = W.FloatProgress(min=0, max=1, description="Loading")
        self.progress.layout.display = "none"
        self.notice = W.VBox([message(m, "warning") for m in broken])
        self.results = W.VBox()
        self.pick = W.Dropdown(options=[], description="Industry")
        self.why = W.Text(description="Why (short rationale)")
        add = W.Button(description="Add to shortlist", icon="plus")
        add.on_click(lambda _b: self.add_to_shortlist())
        for w in (
            self.region,
            self.level,
            self.ownership,
            self.min_share,
            self.min_pay,
            self.min_lq,
            self.pick,
            self.why,
        ):
            w.style.description_width = "initial"
        self.children = [
            text_block(
                "Sectors with a significant number of jobs, higher-than-average wages, "
                "or concentration above state or national averages (Step 2 criteria). "
                "Change the thresholds to suit the region."
            ),
            W.HBox([self.region, self.level, self.ownership]),
            W.HBox([self.min_share, self.min_pay, self.min_lq]),
            show,
            self.progress,
            self.notice,
            self.results,
            text_block("Add a sector to the team's shortlist", "sectorwb-qtext"),
            W.HBox([self.pick, self.why, add]),
        ]

    def use_region(self, slug: str | None) -> None:
        """Select the region named in ``?region=`` (when it exists) and show it."""
        if slug:
            labels = [k for k, v in self._regions.items() if v == slug]
            if labels:
                self.region.value = labels[0]
            else:
                known = ", ".join(self._regions.values()) or "none"
                self.notice.children = [
                    message(
                        f"There is no region {slug!r}. Known regions: {known}.",
                        "warning",
                    )
                ]
        if self._regions:
            self.refresh()

    def _on_progress(self, fraction: float) -> None:
        self.progress.value = fraction

    def refresh(self) -> None:
        """Read the region's views (built the first time), score and show them."""
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
            folder = regions.load_region(self._regions[self.region.value])
            view = region_view(
                folder,
                LEVELS[self.level.value],
                OWNERSHIPS[self.ownership.value],
                on_progress=self._on_progress,
            )
            scored = score_sectors(
                view.table,
                Thresholds(
                    min_jobs_share_pct=self.min_share.value,
                    min_pay_ratio=self.min_pay.value,
                    min_lq=self.min_lq.value,
                ),
            )
        except SectorwbError as exc:
            self.results.children = [message(str(exc))]
            return
        finally:
            self.progress.layout.display = "none"
        self._show(folder, view, scored)

    def _show(self, folder, view, scored) -> None:
        parts: list[W.Widget] = []
        if folder.config.illustrative:
            parts.append(
                message(
                    "Illustrative data: every number of this demo region is made up "
                    "to show how the explorer works. It is not real BLS data.",
                    "info",
                )
            )
        met = scored[scored["candidate"]]
        parts.append(
            text_block(
                f"{len(met)} of {len(scored)} industries meet at least one criterion "
                f"({', '.join(CRITERIA[c] for c in ('many_jobs', 'high_pay', 'concentrated'))})."
            )
        )
        parts.append(W.HTML(score_table_html(scored)))
        # Drawn when the views were built (sectorwb.lmi.views): no renderer here.
        parts += [W.HTML(figure) for _label, figure in view.charts]
        self.results.children = parts
        self.pick.options = [
            (f"{t} ({c})", t)
            for c, t in zip(
                scored["industry_code"], scored["industry_title"], strict=True
            )
        ]

    def add_to_shortlist(self) -> None:
        """Put the picked industry in the first empty shortlist row (or a new one)."""
        if not self.pick.value:
            return
        columns = self._shortlist.question.columns
        rows = [dict(r) for r in self._shortlist.value or []]
        if any(r.get(columns[0]) == self.pick.value for r in rows):
            return
        entry = {c: "" for c in columns} | {columns[0]: self.pick.value}
        if len(columns) > 1:
            entry[columns[1]] = self.why.value
        empty = next((i for i, r in enumerate(rows) if not any(r.values())), None)
        if empty is None:
            rows.append(entry)
        else:
            rows[empty] = entry
        self._shortlist.value = rows
        self.why.value = ""
