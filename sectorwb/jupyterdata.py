"""sectorwb's Jupyter data: the pages' kernel spec and the Voila template, and where Jupyter finds them."""

from __future__ import annotations

from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from traitlets import default

JUPYTER_DIR = Path(__file__).parent / "jupyter"
# Holds python3/kernel.json (its README.md says what it changes and why).
KERNELS_DIR = JUPYTER_DIR / "kernels"
TEMPLATE_NAME = "sectorwb"
TEMPLATE_DIR = JUPYTER_DIR / "voila" / "templates" / TEMPLATE_NAME


class PageKernelSpecManager(KernelSpecManager):
    """Kernel specs with sectorwb's "python3" ahead of the standard one.

    Named by ``VoilaConfiguration.kernel_spec_manager_class`` in voila.json, so
    ``sectorwb serve`` and a plain ``voila`` started beside that file run pages in the
    same kernel, while JupyterLab (its own kernel spec manager) keeps the standard
    one. Not installed as a data file: a ``kernels/python3`` there would overwrite
    ipykernel's own, and uninstalling sectorwb would delete it.
    """

    @default("kernel_dirs")
    def _kernel_dirs_default(self) -> list[str]:
        return [str(KERNELS_DIR), *super()._kernel_dirs_default()]


def environment_template() -> Path:
    """Where this Python environment's Jupyter looks for the template first (pip puts
    the wheel's data files there)."""
    from jupyter_core.paths import ENV_JUPYTER_PATH

    return Path(ENV_JUPYTER_PATH[0]) / "voila" / "templates" / TEMPLATE_NAME


def found_template() -> Path | None:
    """The sectorwb template a plain ``voila`` would use, or None."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("voila", "templates", TEMPLATE_NAME):
        if Path(folder, "index.html.j2").is_file():
            return Path(folder)
    return None


def link_template() -> tuple[Path, bool]:
    """For a checkout installed with ``pip install -e`` (pip then installs no data
    files): link the template into the environment's Jupyter data folder, as
    ``jupyter labextension develop`` does, so edits show without reinstalling.
    Returns the place and whether it is (now) the link; a folder pip put there from a
    wheel is left alone."""
    target = environment_template()
    if target.is_symlink() and target.resolve() == TEMPLATE_DIR.resolve():
        return target, True
    if target.exists() or target.is_symlink():
        return target, False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(TEMPLATE_DIR.resolve(), target_is_directory=True)
    return target, True
