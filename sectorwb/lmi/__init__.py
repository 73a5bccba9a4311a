"""Labor market information: load BLS QCEW files, compute a region's metrics, chart them."""

from __future__ import annotations

import importlib
from typing import Any

# Loaded on first use: `sectorwb --help` and worksheets without charts must not pay
# for pandas and pyarrow (see the kernel-size notes in docs/design.md).
_EXPORTS = {
    "load_qcew": "qcew",
    "QcewData": "qcew",
    "Region": "metrics",
    "region_metrics": "metrics",
    "county_breakdown": "metrics",
    "score_sectors": "scoring",
    "Thresholds": "scoring",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
