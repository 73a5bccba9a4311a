"""sectorwb installed from its wheel, not run from the checkout: the wheel built from
the repository's files goes into a fresh virtual environment, and from a folder
outside the repository ``sectorwb serve`` serves a page and ``region new`` writes
into the data directory, never into the installed package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Contexts, _free_loopback_port, launch, stop_voila
from test_served import foreign, loaded_urls

from sectorwb import jupyterdata

pytestmark = [pytest.mark.served, pytest.mark.slow]

SHEET = "preparing_to_launch.ipynb"
TEMPLATE_MARK = "sectorwb's page script"
BUILD_TIMEOUT_S = 300


@dataclass
class Installed:
    venv: Path
    site: Path  # the fresh environment's own site-packages
    elsewhere: Path  # a folder outside the repository
    data: Path
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.venv / "bin" / args[0]), *args[1:]],
            cwd=self.elsewhere,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )


def _run(*command: str | Path, cwd: Path = ROOT) -> str:
    done = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("install")
    # The repository's files, as a fresh clone has them (nothing ignored, no build/).
    src = tmp / "src"
    listed = _run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source, target = ROOT / name, src / name
        if source.exists() or source.is_symlink():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp, src)
    (wheel,) = tmp.glob("sectorwb-*.whl")

    venv = tmp / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "-q",
        "--no-deps",
        wheel,
    )
    site = Path(
        _run(
            python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"
        ).strip()
    )
    # Its dependencies are this environment's, seen through a .pth file (installing
    # them from the package index takes minutes); sectorwb itself is only the wheel's:
    # a .pth line adds a folder but runs none of that folder's .pth files, so this
    # environment's editable install of the checkout stays out.
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECTORWB_")}
    # Voila's own templates and the widgets' JavaScript: this environment's Jupyter
    # data, as a Jupyter installed for the whole machine would be found.
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    env["SECTORWB_DATA_DIR"] = str(tmp / "data")
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return Installed(venv, site, elsewhere, tmp / "data", env)


def test_the_wheel_s_package_and_data_files_are_used(installed: Installed) -> None:
    done = installed.run(
        "python",
        "-c",
        "import sectorwb, sectorwb.regions as r; print(sectorwb.__file__); "
        "print(r.shipped_dir()); print(r.regions_dir())",
    )
    assert done.returncode == 0, done.stderr
    package, shipped, own = done.stdout.split()
    assert Path(package).is_relative_to(installed.site)
    assert Path(shipped) == installed.venv / "share" / "sectorwb" / "regions"
    assert Path(own) == installed.data / "regions"
    template = installed.venv / "share" / "jupyter" / "voila" / "templates" / "sectorwb"
    for path in jupyterdata.TEMPLATE_DIR.iterdir():
        assert (template / path.name).read_bytes() == path.read_bytes()


def test_regions_are_made_in_the_data_dir_and_the_demo_is_found(
    installed: Installed,
) -> None:
    before = sorted(p.relative_to(installed.venv) for p in installed.venv.rglob("*"))
    demo = installed.venv / "share" / "sectorwb" / "regions" / "demo"
    (csv,) = sorted(demo.glob("*2023.csv"))
    done = installed.run(
        "sectorwb", "region", "new", "aspen", "--qcew", str(csv), "--counties", "99001"
    )
    assert done.returncode == 0, done.stderr
    assert (installed.data / "regions" / "aspen" / "region.yaml").is_file()
    after = sorted(p.relative_to(installed.venv) for p in installed.venv.rglob("*"))
    assert after == before  # nothing written into the installed package
    listed = installed.run("sectorwb", "region", "list")
    assert "ok  aspen:" in listed.stdout and "ok  demo:" in listed.stdout


@pytest.mark.browser
def test_serve_from_a_folder_outside_the_repository(
    installed: Installed, browser: Any, wait_saved: Callable[..., None]
) -> None:
    port = _free_loopback_port()
    command = [str(installed.venv / "bin" / "sectorwb"), "serve", f"--port={port}"]
    server = launch(
        command,
        installed.env,
        installed.elsewhere,
        port,
        installed.data,
        installed.data.parent / "serve.log",
    )
    try:
        status, html = server.get(server.url(SHEET, "Installed Team"))
        assert status == 200
        assert TEMPLATE_MARK in html
        assert "application/vnd.jupyter.widget-view+json" in html, "no widget"
        assert [u for _, u in loaded_urls(html) if foreign(u)] == []
        server.shutdown_kernels_in(html)

        contexts = Contexts(browser, server)
        try:
            page = contexts.new().new_page()
            page.goto(server.url(SHEET, "Installed Team"))
            page.get_by_label("Target Sector:").fill("Installed, not checked out")
            wait_saved(page)
        finally:
            contexts.close()
        saved = server.saved_answers("Installed Team", SHEET.removesuffix(".ipynb"))
        assert "Installed, not checked out" in saved.values()
        assert "serving the notebooks in" in server.log()
        assert (installed.data / "workbooks" / SHEET).is_file()
        assert list(installed.elsewhere.iterdir()) == []
    finally:
        stop_voila(server)
