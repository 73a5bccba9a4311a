"""The workbook folder: its thin notebooks and the Voila configuration beside them."""

from __future__ import annotations

from pathlib import Path

import nbformat

from . import config, content
from .app import notebook_name
from .jupyterdata import TEMPLATE_NAME
from .teams import START_NOTEBOOK, START_TITLE, TRAINER_NOTEBOOK, TRAINER_TITLE

# The one Voila configuration: `sectorwb serve` reads it from the package; a plain
# `voila` and JupyterLab's Voila preview read it from the folder they are started in
# (the repository's voila.json and workbooks/voila.json are links to it).
VOILA_CONFIG = Path(__file__).parent / "voila.json"
# An installed sectorwb has no workbooks folder of its own: `serve` writes one here.
DATA_FOLDER = "workbooks"


def write_notebooks(folder: Path) -> list[Path]:
    """One thin notebook per worksheet plus the start page (a title, one call), and
    the Voila configuration beside them."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = [
        (START_NOTEBOOK, START_TITLE, "from sectorwb import show_start\nshow_start()"),
        (
            TRAINER_NOTEBOOK,
            TRAINER_TITLE,
            "from sectorwb import show_console\nshow_console()",
        ),
    ]
    pages += [
        (notebook_name(ws.id), ws.title, f'from sectorwb import show\nshow("{ws.id}")')
        for ws in content.worksheets()
    ]
    written = []
    for filename, title, code in pages:
        nb = thin_notebook(title, [code])
        # Voila started from any folder, or JupyterLab's preview, still renders the
        # page with sectorwb's template (nothing from a CDN).
        nb.metadata["voila"] = {"template": TEMPLATE_NAME}
        path = folder / filename
        nbformat.write(nb, path)
        written.append(path)
    settings = VOILA_CONFIG.read_bytes()
    target = folder / VOILA_CONFIG.name
    if not target.exists() or target.read_bytes() != settings:
        target.write_bytes(settings)  # never through the repository's link: same text
    return written


def thin_notebook(title: str, code_cells: list[str]) -> nbformat.NotebookNode:
    """A Python 3 notebook: a title cell, then the code cells (no outputs)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        },
        # The browser tab's title (Voila's template reads it); else the file name.
        "title": f"{title} · sectorwb",
    }
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}")]
    nb.cells += [nbformat.v4.new_code_cell(code) for code in code_cells]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"  # stable ids keep regenerated notebooks diff-free
    return nb


def served_folder(explicit: str | None, data: str | Path | None = None) -> Path:
    """The folder ``sectorwb serve`` serves: ``--workbooks``, else ``./workbooks``
    when it holds the start page, else the package's notebooks written afresh into
    the data directory (so an installed sectorwb serves from any folder)."""
    if explicit:
        return Path(explicit).resolve()
    here = Path.cwd() / "workbooks"
    if (here / START_NOTEBOOK).exists():
        return here.resolve()
    folder = Path(data or config.data_dir()).resolve() / DATA_FOLDER
    write_notebooks(folder)  # rewritten each time: they match the installed version
    return folder
