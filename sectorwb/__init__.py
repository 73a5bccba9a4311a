"""sectorwb: interactive workbooks for the Next Gen Sector Partnership Academy."""

from __future__ import annotations

from .app import show, show_start

__all__ = ["__version__", "show", "show_console", "show_start"]
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # The console brings the collected files' libraries; a team's page never pays.
    if name == "show_console":
        from .console import show_console

        return show_console
    raise AttributeError(f"module 'sectorwb' has no attribute {name!r}")
