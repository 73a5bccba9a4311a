"""Small statistics and the summary table of the benchmarks."""

from __future__ import annotations

import json
import math
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"


class Machine:
    """The machine's load when a run starts and ends: printed with its summary, and
    kept with its raw samples (a loaded machine explains odd figures)."""

    def __init__(self) -> None:
        self.started, self.load = time.time(), os.getloadavg()
        print(
            f"cores {os.cpu_count()}, load average at start {self.load[0]:.2f}",
            flush=True,
        )

    def finish(self, name: str, args: Any, rows: Sequence[Row], raw: Any) -> None:
        """Print the summary table and the machine line; save the raw samples."""
        end = os.getloadavg()
        print()
        print(table(rows))
        print(
            f"\nmachine: {os.cpu_count()} cores; load average (1 min) at start "
            f"{self.load[0]:.2f}, at end {end[0]:.2f}; run took "
            f"{(time.time() - self.started) / 60:.1f} min"
        )
        load = {"start": self.load, "end": end}
        path = save_raw(name, run_report(args, rows, raw, load_avg=load))
        print(f"raw samples: benchmarks/out/{path.name}")


def save_raw(name: str, report: dict[str, Any]) -> Path:
    """Write one run's raw samples to ``benchmarks/out/<name>-<time>.json``."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=1, default=str))
    return path


def run_report(args: Any, rows: Sequence[Row], raw: Any, **facts: Any) -> dict:
    """One run of a benchmark with a summary table, as ``save_raw`` writes it."""
    return {
        **facts,
        "args": vars(args),
        "summary": [x.as_dict() for x in rows],
        "raw": raw,
    }


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else math.nan


def percentile(xs: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not xs:
        return math.nan
    s = sorted(xs)
    k = (len(s) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) else math.nan


@dataclass
class Row:
    figure: str
    subject: float
    baseline: float | None = None
    unit: str = ""
    target: str = "—"
    met: bool | None = None  # None: no target

    @property
    def ratio(self) -> float | None:
        return None if self.baseline is None else ratio(self.subject, self.baseline)

    def as_dict(self) -> dict[str, object]:
        return {
            "figure": self.figure,
            "sectorwb": self.subject,
            "baseline": self.baseline,
            "unit": self.unit,
            "ratio": self.ratio,
            "target": self.target,
            "met": self.met,
        }


def _num(x: float | None, unit: str) -> str:
    if x is None:
        return "—"
    if math.isnan(x):
        return "n/a"
    if unit == "ms":
        digits = 0 if x >= 100 else 1 if x >= 10 else 2 if x >= 1 else 3
    else:
        digits = 0 if unit == "MB" and x >= 100 else 1 if unit == "MB" else 2
    return f"{x:.{digits}f} {unit}".strip()


def table(rows: Sequence[Row]) -> str:
    head = ("figure", "sectorwb", "baseline", "ratio", "target", "met?")
    cells = [head]
    for r in rows:
        rat = r.ratio
        cells.append(
            (
                r.figure,
                _num(r.subject, r.unit),
                _num(r.baseline, r.unit),
                "—" if rat is None else ("n/a" if math.isnan(rat) else f"{rat:.2f}×"),
                r.target,
                "—" if r.met is None else ("yes" if r.met else "NO"),
            )
        )
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = []
    for n, c in enumerate(cells):
        lines.append(
            "  ".join(
                c[i].ljust(widths[i]) if i == 0 else c[i].rjust(widths[i])
                for i in range(len(head))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
