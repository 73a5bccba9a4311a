"""sectorwb: interactive workbooks for the Next Gen Sector Partnership Academy."""

from __future__ import annotations

from .app import show, show_start

__all__ = ["__version__", "show", "show_start"]
__version__ = "0.1.0"
