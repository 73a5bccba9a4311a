"""The sides of every comparison: sectorwb's worksheet and the plain Voila notebooks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from _procs import VoilaServer, free_port

from sectorwb.cli import voila_command, voila_env
from sectorwb.workbooks import thin_notebook

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = ROOT / "workbooks"
WORKSHEET_ID = "preparing_to_launch"
WORKSHEET_NB = f"{WORKSHEET_ID}.ipynb"
SECTORWB_LABEL = "Target Sector:"
BASELINE_NB = "baseline.ipynb"
FLOOR_NB = "floor.ipynb"
BASELINE_LABEL = "Answer:"
LABELS = {
    "sectorwb": SECTORWB_LABEL,
    "baseline": BASELINE_LABEL,
    "floor": BASELINE_LABEL,
}

# The baseline: a plain Voila notebook on the same stack (imports, a chart, a text box).
BASELINE_CELLS = [
    "import altair as alt\nimport ipywidgets as widgets\nimport pandas as pd",
    'df = pd.DataFrame({"sector": list("ABCDE"), "jobs": [3, 1, 4, 1, 5]})\n'
    'alt.Chart(df).mark_bar().encode(x="sector", y="jobs")',
    f'widgets.Textarea(description="{BASELINE_LABEL}")',
]
# A reference, not a baseline: the least any Voila page with one widget costs.
FLOOR_CELLS = [
    "import ipywidgets as widgets",
    f'widgets.Textarea(description="{BASELINE_LABEL}")',
]


def write_notebooks(folder: Path) -> Path:
    """The baseline and floor notebooks, written fresh into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, cells in ((BASELINE_NB, BASELINE_CELLS), (FLOOR_NB, FLOOR_CELLS)):
        nbformat.write(thin_notebook("Baseline", cells), folder / name)
    return folder


class Bench:
    """How to start each side's server, and the scratch space of one run.

    Sides: ``sectorwb`` (the product's command and config), ``baseline`` (plain Voila,
    pandas + altair notebook) and ``floor`` (plain Voila, ipywidgets-only notebook).
    """

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.plain_dir = write_notebooks(tmp / "plain-notebooks")
        self.data_dir = tmp / "no-sectorwb-server-yet"
        self._n = 0

    def _scratch(self, name: str) -> Path:
        self._n += 1
        path = self.tmp / f"{self._n:02d}-{name}"
        path.mkdir()
        return path

    def server(self, side: str) -> VoilaServer:
        scratch = self._scratch(side)
        port = free_port()
        if side == "sectorwb":
            self.data_dir = scratch / "data"
            env = voila_env(self.data_dir)
            # Only the data dir decides where answers go; never a real database.
            env.pop("SECTORWB_DB", None)
            env.pop("SECTORWB_WORKSHEETS_DIR", None)
            # One client opens every page at once and measures the kernels after
            # they all arrived: no caps on it, and no cull of pages it never opens.
            cmd = voila_command(
                WORKBOOKS,
                port,
                max_kernels=0,
                max_kernels_per_client=0,
                unconnected_timeout=0,
                left_timeout=0,
            )
        else:
            env = dict(os.environ)
            cmd = [
                sys.executable,
                "-m",
                "voila",
                str(self.plain_dir),
                "--no-browser",
                f"--port={port}",
            ]
        # Connection files and other scratch of Voila and its kernels stay in here.
        env["TMPDIR"] = str(scratch)
        return VoilaServer(side, cmd, env, port, scratch / "voila.log")

    @staticmethod
    def page_url(server: VoilaServer, team: str) -> str:
        nb = {"sectorwb": WORKSHEET_NB, "floor": FLOOR_NB}.get(server.name, BASELINE_NB)
        return f"{server.base_url}/voila/render/{nb}?team={team}"


def worksheet_widget_models() -> dict[str, int]:
    """Widget models one worksheet page creates (built here, outside a kernel): in a
    kernel each one is a comm the kernel opens and the Voila server relays."""
    from ipywidgets.widgets.widget import _instances  # private, but only counted

    from sectorwb import content, widgets

    before = set(_instances)
    widgets.WorksheetForm(content.get(WORKSHEET_ID))
    new = [w for key, w in _instances.items() if key not in before]
    styling = sum(
        1
        for w in new
        if type(w).__name__ == "Layout" or type(w).__name__.endswith("Style")
    )
    return {"models": len(new), "layout_and_style": styling}
