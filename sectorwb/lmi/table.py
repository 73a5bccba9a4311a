"""The explorer's ranked table of industries, as escaped HTML."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

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
